/**
 * Fault: two bot instances on one PostgreSQL, as behind a load balancer. Both built bots
 * run as their own processes on a scratch database (created here and dropped after), with
 * one clock that the test moves (TEST_CLOCK_FILE). They start together on the empty
 * database; each user's card actions alternate between the two and every step builds on
 * what the other saved; scheduled impact nudges come due and go out exactly once, whether
 * the sweep is started by the schedule or by both instances starting at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { systemClock } from '../../src/platform/clock';
import { JobRunner, QUEUES } from '../../src/platform/jobs/queue';
import { silentLogger } from '../../src/platform/log';
import { NotificationDispatcher } from '../../src/platform/jobs/notificationDispatcher';
import { loadMigrations } from '../../src/platform/db/migrate';
import { SqlNotificationRepository } from '../../src/platform/jobs/notifications';
import { openPostgres } from '../../src/platform/db/postgres';
import { BotProcess, executeActivity, personalActivity } from '../support/botProcess';
import { RecordingConnector } from '../support/recordingConnector';
import { ScratchDatabase, freePort, withClient } from '../support/throwawayPostgres';

jest.setTimeout(90_000);

const T0 = Date.parse('2026-09-07T09:00:00Z');
const DAY = 86_400_000;

const work = mkdtempSync(join(tmpdir(), 'cydweithio-two-'));
const clockFile = join(work, 'clock');
const setClock = (ms: number) => writeFileSync(clockFile, new Date(ms).toISOString());

const connector = new RecordingConnector();
const scratchDb = new ScratchDatabase('cydweithio_two');
let scratchUrl: string;
let serviceUrl: string;
let a: BotProcess;
let b: BotProcess;

beforeAll(async () => {
  scratchUrl = await scratchDb.create();
  serviceUrl = await connector.start();
  setClock(T0);
  const env = { DATABASE_URL: scratchUrl, DEMO_DATA: 'false', TEST_CLOCK_FILE: clockFile, IMPACT_NUDGE_DAYS: '1', LOCAL_AUTO_CONFIRM: 'true' }; // heads here act for their school at once (local mode)
  a = new BotProcess(await freePort(), env, 'fault-two-a');
  b = new BotProcess(await freePort(), env, 'fault-two-b');
});

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await connector.stop();
  await scratchDb.drop();
  rmSync(work, { recursive: true, force: true });
});

/** The data of the Action.Execute with this verb on a card in an invoke response (what Teams sends back when it is pressed). */
function actionData(body: string, verb: string): Record<string, unknown> {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const obj = node as Record<string, unknown>;
    if (obj.type === 'Action.Execute' && obj.verb === verb) found = obj.data as Record<string, unknown>;
    Object.values(obj).forEach(walk);
  };
  walk(JSON.parse(body));
  if (!found) throw new Error(`no ${verb} action on the card: ${body.slice(0, 400)}`);
  return found;
}

const cardOf = (body: string) => [...body.matchAll(/"text":"([^"]*)"/g)].map((m) => m[1]).join('\n');

interface Head {
  id: string;
  planId?: string;
}

/** One head's plan from registration to the action plan, each step on the other instance from the last. */
async function walkPlan(head: Head): Promise<void> {
  const bots = [a, b];
  let step = 0;
  const press = async (verb: string, data: Record<string, unknown>) => {
    const bot = bots[step++ % 2];
    const r = await bot.post(personalActivity(head.id, serviceUrl, executeActivity(verb, data)));
    expect(r.status).toBe(200);
    return r.text;
  };
  let card = await press('onboard.confirm', { schoolId: '6784051', role: 'headteacher', query: '' });
  const first = actionData(card, 'plan.saveField');
  head.planId = String(first.planId);

  card = await press('plan.saveField', { ...first, text: `${head.id}: KS3 numeracy` });
  expect(cardOf(card)).toContain(`${head.id}: KS3 numeracy`);
  // The first card again, on the other instance: it knows the focus changed since that card was shown.
  const stale = await press('plan.saveField', { ...first, text: `${head.id}: something else` });
  expect(cardOf(stale)).toContain('This card was out of date');
  expect(cardOf(stale)).toContain(`${head.id}: KS3 numeracy`);

  for (const text of ['Below family average', 'Raise attainment in Y7']) card = await press('plan.saveField', { ...actionData(card, 'plan.saveField'), text });
  card = await press('plan.open', { planId: head.planId });
  expect(cardOf(card)).toContain('Raise attainment in Y7');
  card = await press('plan.supportTookPlace', { planId: head.planId });
  expect(cardOf(card)).toContain('The evaluation fields are now open');
  for (const text of ['Four visits', 'Effective', 'Diagnostic tests in Y7'])
    card = await press('plan.saveField', { ...actionData(card, 'plan.saveField'), text });
  expect(cardOf(card)).toContain('I will remind you to assess the impact on');
}

const nudgesTo = (head: Head) =>
  connector.calls.filter((c) => c.path === `/v3/conversations/a%3A${head.id}/activities` && JSON.stringify(c.body).includes('Time to assess the impact'));

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('shares every card action and runs each scheduled job once across two instances', async () => {
  // Both start at once on the empty database: migrations, the directory and the job queue are set up once.
  await Promise.all([a.start(), b.start()]);
  const scratch = new Client({ connectionString: scratchUrl });
  await scratch.connect();
  try {
    const count = async (sql: string) => Number((await scratch.query(sql)).rows[0].n);
    expect(await count('select count(*) as n from schema_migrations')).toBe(loadMigrations().length);

    // Six heads fill in their plans at once, every step alternating between the instances.
    const early: Head[] = ['two-a', 'two-b', 'two-c'].map((id) => ({ id }));
    const late: Head[] = ['two-d', 'two-e', 'two-f'].map((id) => ({ id }));
    await Promise.all(early.map(walkPlan)); // nudges due T0 + 1 day
    setClock(T0 + 1.5 * DAY);
    await Promise.all(late.map(walkPlan)); // nudges due T0 + 2.5 days
    expect(await count(`select count(*) as n from scheduled_notifications where kind = 'impactNudge' and status = 'pending'`)).toBe(6);

    // The schedule starts a sweep (as its cron would): one instance claims the three due nudges, they go out once.
    const boss = new PgBoss({ connectionString: scratchUrl, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
    await boss.start();
    await boss.send(QUEUES.sweep, {});
    await boss.stop({ graceful: false, close: true });
    await waitFor('the early nudges', () => early.every((h) => nudgesTo(h).length > 0));

    // Both restart at once, later: each sweeps on start, racing for the three now due.
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
    setClock(T0 + 3 * DAY);
    await Promise.all([a.start(), b.start()]);
    await waitFor('the late nudges', () => late.every((h) => nudgesTo(h).length > 0));

    // Exactly once: one post each, each notification claimed once (attempts 1) and given one delivery job.
    await waitFor('every nudge recorded as sent', async () => (await count(`select count(*) as n from scheduled_notifications where status <> 'sent'`)) === 0);
    for (const head of [...early, ...late]) expect(nudgesTo(head)).toHaveLength(1);
    const rows = (
      await scratch.query<{ status: string; attempts: number; jobs: string }>(
        `select n.status, n.attempts,
              (select count(*) from pgboss.job j where j.name = $1 and j.data->>'notificationId' = n.id::text)
              + (select count(*) from pgboss.archive j where j.name = $1 and j.data->>'notificationId' = n.id::text) as jobs
         from scheduled_notifications n where n.kind = 'impactNudge'`,
        [QUEUES.deliver],
      )
    ).rows;
    expect(rows).toHaveLength(6);
    for (const row of rows) expect({ ...row, jobs: Number(row.jobs) }).toEqual({ status: 'sent', attempts: 1, jobs: 1 });
  } finally {
    await scratch.end();
  }
});

/** Every school a suggestions card offers to ask. */
function suggested(body: string): number[] {
  const ids: number[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const obj = node as Record<string, unknown>;
    if (obj.type === 'Action.Execute' && obj.verb === 'match.askDirect') ids.push(Number((obj.data as { schoolId: unknown }).schoolId));
    Object.values(obj).forEach(walk);
  };
  walk(JSON.parse(body));
  return ids;
}

it('suggests partners on one instance from a school profile saved on the other', async () => {
  const post = async (bot: BotProcess, user: string, verb: string, data: Record<string, unknown>) => {
    const r = await bot.post(personalActivity(user, serviceUrl, executeActivity(verb, data)));
    expect(r.status).toBe(200);
    return r.text;
  };
  let card = await post(a, 'two-asker', 'onboard.confirm', { schoolId: '6784051', role: 'headteacher', query: '' });
  const planId = String(actionData(card, 'plan.saveField').planId);
  for (const text of ['Numeracy in KS3', 'Below family average', 'Raise attainment'])
    card = await post(a, 'two-asker', 'plan.saveField', { ...actionData(card, 'plan.saveField'), text });

  // Instance B ranks (and keeps its ranking index); the head of the first school it suggests closes it to requests on A.
  const before = suggested(await post(b, 'two-asker', 'match.find', { planId }));
  expect(before.length).toBeGreaterThan(1);
  const closing = before[0];
  await post(a, 'two-partner-head', 'onboard.confirm', { schoolId: String(closing), role: 'headteacher', query: '' });
  const saved = await post(a, 'two-partner-head', 'match.strengthsSave', {
    schoolId: String(closing),
    capacity: '2',
    openToRequests: 'false',
    area1: 'none',
    area2: 'none',
    area3: 'none',
  });
  expect(cardOf(saved)).not.toContain('Sorry');

  // B no longer suggests it.
  const after = suggested(await post(b, 'two-asker', 'match.find', { planId }));
  expect(after).not.toContain(closing);
  expect(after).toContain(before[1]);
});

/**
 * Starting together on a new database, pg-boss's queue creation deadlocked and one instance
 * failed to start (about one start in three above; every time when the two job runners start
 * in one process, as here). Each round uses a new job schema, as a first deployment would.
 */
it('sets up the job queue once when two instances start together, neither failing', async () => {
  const startRunner = async (schema: string) => {
    const db = await openPostgres({ connectionString: scratchUrl, maxConnections: 2 });
    const notifications = new SqlNotificationRepository(db);
    const dispatcher = new NotificationDispatcher({ notifications, clock: systemClock, log: silentLogger, personalChatGone: async () => undefined });
    try {
      const runner = await JobRunner.start({
        db,
        clock: systemClock,
        log: silentLogger,
        notifications,
        dispatcher,
        connectionString: scratchUrl,
        background: false,
        schema,
      });
      await runner.stop();
      return 'started';
    } catch (err) {
      return String(err);
    } finally {
      await db.close();
    }
  };
  for (let round = 0; round < 3; round++) {
    const schema = `pgboss_together_${round}`;
    expect(await Promise.all([startRunner(schema), startRunner(schema)])).toEqual(['started', 'started']);
    const queues = await withClient(scratchUrl, async (c) =>
      (await c.query<{ name: string }>(`select name from ${schema}.queue order by name`)).rows.map((r) => r.name),
    );
    expect(queues).toEqual(Object.values(QUEUES).sort());
  }
});
