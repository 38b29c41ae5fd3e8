import type PgBoss from 'pg-boss';
import { DELIVERY_LEASE, JobRunner, QUEUES } from '../../src/platform/jobs/queue';
import { silentLogger } from '../../src/platform/log';
import type { Database } from '../../src/platform/db/db';
import { ManualClock } from '../../src/platform/clock';
import { createRuntime, type Runtime } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { pgliteForTest } from '../support/databases';
import { TENANT, seedSmallDirectory } from '../support/harness';
import { RecordingMessenger } from '../support/recordingMessenger';

const CLUSTERS = 40;

async function seedManyClusters(db: Database): Promise<void> {
  await seedSmallDirectory(db);
  const values = Array.from({ length: CLUSTERS }, (_, i) => `(${i + 1}, 'Cluster ${String(i + 1).padStart(2, '0')}', 678, null, 'en')`).join(', ');
  await db.exec(`insert into clusters (id, name, la_code, lead_school_id, language) values ${values};`);
  const channels = Array.from(
    { length: CLUSTERS },
    (_, i) =>
      `('19:c${i + 1}@thread.tacv2', '${TENANT}', '19:team${i + 1}@thread.tacv2', 'channel', null, '{"conversation":{"id":"19:c${i + 1}@thread.tacv2","tenantId":"${TENANT}"},"serviceUrl":"https://smba.example.test/"}', ${i + 1})`,
  ).join(', ');
  await db.exec(`insert into fade_conversations (conversation_id, tenant_id, team_id, kind, name, reference, cluster_id) values ${channels};`);
}

type Job = PgBoss.JobWithMetadata<{ notificationId: string }>;

/** A bot runtime whose channel sender never really sleeps; restart() is a second instance on the same database. */
async function bot() {
  const db = await pgliteForTest(seedManyClusters);
  const clock = new ManualClock('2026-09-07T09:00:00Z');
  const messenger = new RecordingMessenger();
  const config = loadConfig({ DEMO_DATA: 'false', ADMIN_USER_IDS: 'aad-admin' });
  const build = () => createRuntime({ config, clock, messenger, database: db, log: silentLogger, seedDirectory: false, fadeSleep: async () => undefined });
  const h = { runtime: await build(), clock, messenger, db };
  return {
    ...h,
    async restart() {
      h.runtime = await build();
      this.runtime = h.runtime;
    },
    close: () => db.close(),
  };
}

describe('FADE fan-out through durable jobs', () => {
  let h: { runtime: Runtime; clock: ManualClock; messenger: RecordingMessenger; restart(): Promise<void>; close(): Promise<void> };
  let runner: JobRunner;
  const schema = `pgboss_fade_${process.pid}_${Math.floor(Math.random() * 1e6)}`;

  const startRunner = () =>
    JobRunner.start({
      db: h.runtime.db,
      clock: h.clock,
      log: silentLogger,
      notifications: h.runtime.notifications,
      dispatcher: h.runtime.dispatcher,
      background: false,
      schema,
    });

  async function fetchFade(batchSize: number): Promise<Job[]> {
    await h.runtime.db.query(`update ${schema}.job set start_after = now() - interval '1 millisecond' where state < 'active' and name = $1`, [
      QUEUES.fadeDeliver,
    ]);
    return (await runner.boss.fetch(QUEUES.fadeDeliver, { batchSize, includeMetadata: true })) as Job[];
  }

  beforeEach(async () => {
    h = await bot();
    runner = await startRunner();
    const set = await h.runtime.fade.cycles.defineCycle(
      { tenantId: TENANT, userId: 'aad-admin' },
      { name: '2026/27', rounds: [{ name: 'interim', deadline: '2026-12-11' }], offsets: [-14, -3, 0, 5] },
    );
    expect(set).toMatchObject({ kind: 'ok', value: { clusters: CLUSTERS, reminders: CLUSTERS * 4 } });
    await h.runtime.dispatcher.deliverDue(); // the job that writes the cycle's reminders
  });

  afterEach(async () => {
    await runner.stop();
    await h.close();
  });

  it('claims due reminders once into the fan-out queue and delivers them concurrently, one post per channel', async () => {
    h.clock.set('2026-11-23T09:00:00Z');
    expect(await runner.sweep()).toBe(CLUSTERS);
    expect(await runner.sweep()).toBe(0);
    let jobs: Job[];
    let delivered = 0;
    while ((jobs = await fetchFade(100)).length > 0) delivered += (await runner.deliverBatch(QUEUES.fadeDeliver, jobs)).completed;
    expect(delivered).toBe(CLUSTERS);
    const posts = h.messenger.sent.map((s) => (s.conversation.conversation as { id: string }).id);
    expect(posts).toHaveLength(CLUSTERS);
    expect(new Set(posts).size).toBe(CLUSTERS);
  });

  it('sends each reminder once when the bot restarts in the middle of a fan-out', async () => {
    h.clock.set('2026-11-23T09:00:00Z');
    await runner.sweep();
    // First instance: 15 delivered and completed; 5 posted but the process died before telling pg-boss;
    // 5 fetched (active) and never started; the rest still queued.
    const first = await fetchFade(25);
    expect(first).toHaveLength(25);
    await runner.deliverBatch(QUEUES.fadeDeliver, first.slice(0, 15));
    for (const job of first.slice(15, 20)) await runner.deliver(job);
    expect(h.messenger.sent).toHaveLength(20);

    // Crash. A new instance on the same database; pg-boss fails the abandoned active jobs when they expire.
    await runner.stop();
    await h.restart();
    runner = await startRunner();
    await h.runtime.db.query(`update ${schema}.job set state = 'retry', start_after = now() - interval '1 second' where name = $1 and state = 'active'`, [
      QUEUES.fadeDeliver,
    ]);
    let jobs: Job[];
    while ((jobs = await fetchFade(100)).length > 0) await runner.deliverBatch(QUEUES.fadeDeliver, jobs);

    const posts = h.messenger.sent.map((s) => (s.conversation.conversation as { id: string }).id);
    expect(posts).toHaveLength(CLUSTERS);
    expect(new Set(posts).size).toBe(CLUSTERS);
    const statuses = await h.runtime.db.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from scheduled_notifications where kind = 'fadeReminder' and due_at <= $1 group by status`,
      [h.clock.now()],
    );
    expect(statuses).toEqual([{ status: 'sent', n: CLUSTERS }]);
  });

  it('does not post again a reminder that was posted and recorded by a process that died before marking it sent', async () => {
    h.clock.set('2026-11-23T09:00:00Z');
    await runner.sweep();
    const jobs = await fetchFade(100);
    expect(jobs).toHaveLength(CLUSTERS);
    // The first process posts three reminders and records them (the record comes with the post), then dies
    // before the dispatcher marks their notifications sent.
    for (const job of jobs.slice(0, 3)) {
      const n = (await h.runtime.notifications.get(job.data.notificationId))!;
      expect(await h.runtime.fade.reminders.deliverReminder(n)).toBe('sent');
    }
    expect(h.messenger.sent).toHaveLength(3);
    const queued = await h.runtime.db.query<{ n: number }>(`select count(*)::int as n from scheduled_notifications where status = 'queued'`);
    expect(queued[0].n).toBe(CLUSTERS);

    await runner.stop();
    await h.restart();
    runner = await startRunner();
    expect(await runner.deliverBatch(QUEUES.fadeDeliver, jobs)).toEqual({ completed: CLUSTERS, failed: 0 });

    const posts = h.messenger.sent.map((s) => (s.conversation.conversation as { id: string }).id);
    expect(posts).toHaveLength(CLUSTERS);
    expect(new Set(posts).size).toBe(CLUSTERS);
    const statuses = await h.runtime.db.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from scheduled_notifications where kind = 'fadeReminder' and due_at <= $1 group by status`,
      [h.clock.now()],
    );
    expect(statuses).toEqual([{ status: 'sent', n: CLUSTERS }]);
  });

  it('hands the fan-out of a process that died back to the queue once its leases run out, all of it at once', async () => {
    h.clock.set('2026-11-23T09:00:00Z');
    await runner.sweep();
    const jobs = await fetchFade(100);
    expect(jobs).toHaveLength(CLUSTERS);
    // The first process takes the batch's leases (as deliverBatch does first), delivers ten, and dies.
    const first = runner.owner;
    const now = h.clock.now();
    await h.runtime.notifications.lease(
      jobs.map((j) => ({ id: j.data.notificationId, job: j.id })),
      first,
      now,
      new Date(now.getTime() + DELIVERY_LEASE.leaseMs),
    );
    for (const job of jobs.slice(0, 10)) await runner.deliver(job);
    await runner.stop();
    await h.restart();
    runner = await startRunner();
    expect(runner.owner).not.toBe(first);
    const jobStates = async () =>
      (
        await h.runtime.db.query<{ state: string; n: number }>(
          `select state, count(*)::int as n from ${schema}.job where name = $1 and id = any($2::uuid[]) group by state`,
          [QUEUES.fadeDeliver, jobs.map((j) => j.id)],
        )
      ).map((r) => `${r.state}: ${r.n}`);
    expect(await jobStates()).toEqual([`active: ${CLUSTERS}`]);

    // While the dead process's leases last, nobody else delivers those reminders (it might be alive, only slow).
    expect(await runner.reclaimAbandoned()).toBe(0);
    expect(await runner.deliverBatch(QUEUES.fadeDeliver, jobs.slice(10, 12))).toEqual({ completed: 0, failed: 2 });
    expect(h.messenger.sent).toHaveLength(10);

    // Once they run out, the jobs go back to the queue, due now: one fetch takes all that is left.
    h.clock.set(new Date(now.getTime() + DELIVERY_LEASE.leaseMs + 1_000));
    // The two this process tried while the leases held, waiting out their retry delay, come back now too.
    expect(await runner.reclaimAbandoned()).toBe(CLUSTERS - 10);
    const back = await fetchFade(100);
    expect(back).toHaveLength(CLUSTERS - 10);
    expect(await runner.deliverBatch(QUEUES.fadeDeliver, back)).toEqual({ completed: CLUSTERS - 10, failed: 0 });

    const posts = h.messenger.sent.map((m) => (m.conversation.conversation as { id: string }).id);
    expect(posts).toHaveLength(CLUSTERS);
    expect(new Set(posts).size).toBe(CLUSTERS);
    expect(await jobStates()).toEqual([`completed: ${CLUSTERS}`]);
  });

  it('on the embedded database, hands back at start every lease another process held: only one process can open it', async () => {
    h.clock.set('2026-11-23T09:00:00Z');
    await runner.sweep();
    const jobs = await fetchFade(100);
    const now = h.clock.now();
    await h.runtime.notifications.lease(
      jobs.map((j) => ({ id: j.data.notificationId, job: j.id })),
      runner.owner,
      now,
      new Date(now.getTime() + DELIVERY_LEASE.leaseMs),
    );
    await runner.stop();
    await h.restart();
    runner = await startRunner();
    expect(await runner.reclaimAbandoned({ anyOther: true })).toBe(CLUSTERS);
    expect(await runner.deliverBatch(QUEUES.fadeDeliver, await fetchFade(100))).toEqual({ completed: CLUSTERS, failed: 0 });
    expect(new Set(h.messenger.sent.map((m) => (m.conversation.conversation as { id: string }).id)).size).toBe(CLUSTERS);
  });

  it('retries a reminder Teams could not take (5xx beyond the sender’s retries) through the queue, and sends it once', async () => {
    h.clock.set('2026-11-23T09:00:00Z');
    await runner.sweep();
    for (let i = 0; i < 4; i++) h.messenger.errors.push(Object.assign(new Error('Service Unavailable'), { statusCode: 503 }));
    const jobs = await fetchFade(1);
    // The sender retries 503 three times with backoff (its sleep is injected: no real waiting).
    const result = await runner.deliverBatch(QUEUES.fadeDeliver, jobs);
    expect(result).toEqual({ completed: 0, failed: 1 });
    const failures = await h.runtime.fadeStore.reminders.failures(TENANT);
    expect(failures[0]).toMatchObject({ status: 503, attempts: 4 });
    // The retry waits out pg-boss's backoff; make it due and drain everything.
    await h.runtime.db.query(`update ${schema}.job set start_after = now() - interval '1 second' where name = $1 and state = 'retry'`, [QUEUES.fadeDeliver]);
    let more: Job[];
    while ((more = await fetchFade(100)).length > 0) await runner.deliverBatch(QUEUES.fadeDeliver, more);
    const posts = h.messenger.sent.map((s) => (s.conversation.conversation as { id: string }).id);
    expect(posts).toHaveLength(CLUSTERS);
    expect(new Set(posts).size).toBe(CLUSTERS);
  });
});
