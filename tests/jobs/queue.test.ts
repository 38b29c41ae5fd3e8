import { IMPACT_NUDGE_KIND, impactNudgeHandler } from '../../src/features/plans/impactNudge';
import { ManualClock } from '../../src/platform/clock';
import type PgBoss from 'pg-boss';
import { JobRunner, QUEUES } from '../../src/platform/jobs/queue';
import { silentLogger } from '../../src/platform/log';
import { NotificationDispatcher } from '../../src/platform/jobs/notificationDispatcher';
import { PlanService, impactNudgeKey } from '../../src/features/plans/service';
import type { Database } from '../../src/platform/db/db';
import { SqlNotificationRepository } from '../../src/platform/jobs/notifications';
import { SqlPlanRepository } from '../../src/features/plans/repository';
import { SqlUserRepository } from '../../src/features/people/users';
import { databasesUnderTest } from '../support/databases';
import { drainDeliveries } from '../support/jobs';
import { seedSmallDirectory } from '../support/harness';
import { RecordingMessenger } from '../support/recordingMessenger';

const actor = { tenantId: 't', userId: 'u' };

describe.each(databasesUnderTest())('durable impact nudges through pg-boss on $name', ({ name, open }) => {
  let db: Database;
  let runner: JobRunner;
  let messenger: RecordingMessenger;
  let clock: ManualClock;
  let notifications: SqlNotificationRepository;
  let plans: PlanService;
  const schema = `pgboss_${name}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;

  beforeEach(async () => {
    db = await open();
    await seedSmallDirectory(db);
    clock = new ManualClock('2026-09-07T09:00:00Z');
    messenger = new RecordingMessenger();
    notifications = new SqlNotificationRepository(db);
    const users = new SqlUserRepository(db);
    const planRepository = new SqlPlanRepository(db);
    plans = new PlanService({ db, plans: planRepository, notifications, clock, impactDelayDays: 90 });
    const dispatcher = new NotificationDispatcher({
      notifications,
      clock,
      log: silentLogger,
      personalChatGone: (tenantId, userId) => users.forgetPersonalConversation(tenantId, userId),
    });
    dispatcher.register(
      IMPACT_NUDGE_KIND,
      impactNudgeHandler({ notifications, plans: planRepository, users, messenger, log: silentLogger, defaultLocale: 'en' }),
    );
    await users.touch({ ...actor, displayName: 'Ann', personalConversation: { conversation: { id: 'a:personal-u' } } });
    await users.setLocale('t', 'u', 'cy');
    runner = await JobRunner.start({
      db,
      clock,
      log: silentLogger,
      notifications,
      dispatcher,
      background: false,
      schema,
      connectionString: name === 'postgres' ? process.env.DATABASE_URL : undefined,
    });
  });

  afterEach(async () => {
    await runner.stop();
    await db.exec(`drop schema if exists ${schema} cascade`);
    await db.close();
  });

  async function planWithActionPlanDone(): Promise<string> {
    const plan = await plans.create(actor, 6784001);
    let version = plan.version;
    for (const [field, text] of [
      ['focus', 'KS4 maths'],
      ['need', 'Below family'],
      ['objectives', 'Raise attainment'],
    ] as const) {
      const r = await plans.saveAnswer(actor, plan.id, version, field, { text });
      if (r.kind !== 'ok') throw new Error(r.kind);
      version = r.value.plan.version;
    }
    await plans.transition(actor, plan.id, 'supportTookPlace');
    for (const [field, text] of [
      ['provision', 'Visits'],
      ['effectiveness', 'Good'],
      ['actionPlan', 'Y7 tests'],
    ] as const) {
      const r = await plans.saveAnswer(actor, plan.id, 100, field, { text });
      if (r.kind !== 'ok') throw new Error(r.kind);
    }
    return plan.id;
  }

  it('queues the nudge only when due by the app clock, and delivers it once, in Welsh', async () => {
    const planId = await planWithActionPlanDone();
    clock.advanceDays(89);
    expect(await runner.sweep()).toBe(0);
    clock.advanceDays(1);
    expect(await runner.sweep()).toBe(1);
    expect(await runner.sweep()).toBe(0);
    expect(await drainDeliveries(runner, db, schema)).toEqual({ completed: 1, failed: 0 });
    expect(await drainDeliveries(runner, db, schema)).toEqual({ completed: 0, failed: 0 });
    expect(messenger.sent).toHaveLength(1);
    expect(JSON.stringify(messenger.sent[0].message.card)).toContain('Mae’n bryd asesu’r effaith');
    expect((await notifications.listForSubject(planId)).map((n) => n.status)).toEqual(['sent']);
  });

  it('retries a failed delivery with backoff and sends it once when Teams comes back', async () => {
    const planId = await planWithActionPlanDone();
    clock.advanceDays(90);
    await runner.sweep();
    messenger.failNext = 2;
    expect(await drainDeliveries(runner, db, schema)).toEqual({ completed: 0, failed: 1 });
    // The retry waits out its backoff by the database's clock; nothing more happens until then.
    expect(await drainDeliveries(runner, db, schema)).toEqual({ completed: 0, failed: 0 });
    const later = new Date(Date.now() + 86_400_000);
    expect(await drainDeliveries(runner, db, schema, later)).toEqual({ completed: 1, failed: 1 });
    expect(messenger.sent).toHaveLength(1);
    expect((await notifications.listForSubject(planId)).map((n) => n.status)).toEqual(['sent']);
  });

  it('marks the notification failed, visibly, after the last retry', async () => {
    const planId = await planWithActionPlanDone();
    clock.advanceDays(90);
    await runner.sweep();
    messenger.failNext = 100;
    const later = new Date(Date.now() + 30 * 86_400_000);
    const result = await drainDeliveries(runner, db, schema, later);
    expect(result).toEqual({ completed: 0, failed: 6 });
    expect(messenger.sent).toHaveLength(0);
    const [n] = await notifications.listForSubject(planId);
    expect(n.status).toBe('failed');
    expect(n.dedupeKey).toBe(impactNudgeKey(planId));
  });
  it('gives up at once when Teams says the personal chat is gone (403), and forgets the chat', async () => {
    const planId = await planWithActionPlanDone();
    clock.advanceDays(90);
    await runner.sweep();
    messenger.errors.push(Object.assign(new Error('Forbidden: the bot is not part of the conversation roster'), { statusCode: 403 }));
    expect(await drainDeliveries(runner, db, schema)).toEqual({ completed: 1, failed: 0 });
    const later = new Date(Date.now() + 30 * 86_400_000);
    expect(await drainDeliveries(runner, db, schema, later)).toEqual({ completed: 0, failed: 0 });
    expect(messenger.sent).toHaveLength(0);
    const [n] = await notifications.listForSubject(planId);
    expect(n.status).toBe('failed');
    const [row] = await db.query<{ last_error: string }>('select last_error from scheduled_notifications where id = $1', [n.id]);
    expect(row.last_error).toMatch(/undeliverable.*403/);
    expect((await new SqlUserRepository(db).get('t', 'u'))?.personalConversation).toBeNull();
  });

  it('retries a personal delivery whose process died within minutes, not after pg-boss’s 15', async () => {
    await planWithActionPlanDone();
    clock.advanceDays(90);
    await runner.sweep();
    await db.query(`update ${schema}.job set start_after = now() - interval '1 millisecond' where name = $1`, [QUEUES.deliver]);
    const [taken] = await runner.boss.fetch(QUEUES.deliver);
    expect(taken).toBeDefined();
    // Taken 6 minutes ago by a process that never finished it.
    await db.query(`update ${schema}.job set started_on = now() - interval '6 minutes' where id = $1`, [taken.id]);
    await runner.boss.expire();
    const [job] = await db.query<{ state: string }>(`select state from ${schema}.job where id = $1`, [taken.id]);
    expect(job.state).toBe('retry');
  });

  it('marks the notification failed when the process died during its last attempt, once pg-boss gives the job up', async () => {
    const planId = await planWithActionPlanDone();
    clock.advanceDays(90);
    await runner.sweep();
    // A process takes the job on its last allowed attempt and is killed: the job stays active until it expires.
    await db.query(`update ${schema}.job set start_after = now() - interval '1 millisecond' where name = $1`, [QUEUES.deliver]);
    const [taken] = await runner.boss.fetch(QUEUES.deliver);
    expect(taken).toBeDefined();
    await db.query(`update ${schema}.job set retry_count = retry_limit, started_on = now() - interval '1 hour' where id = $1`, [taken.id]);
    await runner.boss.expire();

    await db.query(`update ${schema}.job set start_after = now() - interval '1 millisecond' where name = $1`, [QUEUES.deliveryGaveUp]);
    const gaveUp = (await runner.boss.fetch(QUEUES.deliveryGaveUp, { batchSize: 10, includeMetadata: true })) as PgBoss.JobWithMetadata<{
      notificationId: string;
    }>[];
    expect(gaveUp.map((j) => j.data.notificationId)).toEqual((await notifications.listForSubject(planId)).map((n) => n.id));
    for (const job of gaveUp) await runner.gaveUp(job.data.notificationId, job.output);
    const [row] = await db.query<{ status: string; last_error: string }>('select status, last_error from scheduled_notifications where subject_id = $1', [
      planId,
    ]);
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('delivery gave up: job failed by timeout');
    expect(messenger.sent).toHaveLength(0);
  });
});
