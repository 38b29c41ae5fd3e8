/**
 * Fault: the built bot is killed (SIGKILL) in the middle of a FADE reminder fan-out to many
 * cluster channels, and started again on the same PostgreSQL with the same clock. Every
 * reminder reaches its channel exactly once.
 *
 * The recording connector (the Bot Connector) takes the first posts at once and holds the
 * rest without an answer; the bot is killed once the database shows those first posts marked
 * sent, while the held ones are still waiting. The held requests are then closed unanswered:
 * the service never took them, so they must be sent after the restart. (A post Teams took
 * just before the process died, with no time to mark it sent, is the one documented case that
 * can go twice; waiting for the marks before the kill keeps this test out of it.) The dead
 * process's delivery jobs come back through pg-boss's own expiry of active jobs, whose
 * 15 minutes of database time the test shortens.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { QUEUES } from '../../src/platform/jobs/queue';
import { FANOUT_CONCURRENCY } from '../../src/platform/teams/channelSender';
import { FADE_REMINDER_KIND } from '../../src/features/fade/cycleService';
import { CONNECTOR_RETRY } from '../../src/platform/teams/connectorHttp';
import { BotProcess, executeActivity, personalActivity } from '../support/botProcess';
import { RecordingConnector } from '../support/recordingConnector';
import { ScratchDatabase, freePort } from '../support/throwawayPostgres';

jest.setTimeout(90_000);

const CLUSTERS = 50;
/** Posts the connector takes before it starts holding: fewer than there are delivery lanes, so the kill finds some sent, some held, some not started. */
const TAKEN_BEFORE_KILL = 20;
const HELD_AT_KILL = Math.min(FANOUT_CONCURRENCY, CLUSTERS - TAKEN_BEFORE_KILL);
const TENANT = 'fault-tenant';
const ADMIN = 'fanout-admin';
/** Before the cycle's first reminders. */
const SETUP_TIME = Date.parse('2026-09-07T09:00:00Z');
/** 09:00 UK time, 14 working days before the round's deadline of 11 December: every cluster's first reminder is due. */
const REMINDER_TIME = Date.parse('2026-11-23T09:00:00Z');

const work = mkdtempSync(join(tmpdir(), 'cydweithio-fanout-'));
const clockFile = join(work, 'clock');
const setClock = (ms: number) => writeFileSync(clockFile, new Date(ms).toISOString());

const connector = new RecordingConnector();
const scratchDb = new ScratchDatabase('cydweithio_fanout');
let scratchUrl: string;
let serviceUrl: string;
let bot: BotProcess;
let scratch: Client;
let boss: PgBoss | undefined;

beforeAll(async () => {
  scratchUrl = await scratchDb.create();
  scratch = new Client({ connectionString: scratchUrl });
  await scratch.connect();
  serviceUrl = await connector.start();
  setClock(SETUP_TIME);
  bot = new BotProcess(await freePort(), { DATABASE_URL: scratchUrl, DEMO_DATA: 'false', TEST_CLOCK_FILE: clockFile, ADMIN_USER_IDS: ADMIN }, 'fault-fanout');
});

afterAll(async () => {
  await bot?.kill();
  await boss?.stop({ graceful: false, close: true });
  await scratch?.end();
  await connector.stop();
  await scratchDb.drop();
  rmSync(work, { recursive: true, force: true });
});

/** Waits until `state` gives what `wanted` accepts; on timeout says what it last saw. */
async function waitFor<T>(what: string, state: () => Promise<T>, wanted: (s: T) => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const seen = await state();
    if (wanted(seen)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const channelId = (n: number) => `19:fanout${n}@thread.tacv2`;

/** Clusters, each with a linked channel whose conversation reference points at the recording connector. */
async function seedClusters(): Promise<void> {
  const ids = Array.from({ length: CLUSTERS }, (_, i) => i + 1);
  await scratch.query(
    `insert into clusters (id, name, la_code, lead_school_id, language) select n, 'Fan-out cluster ' || n, 678, null, 'en' from unnest($1::int[]) as n`,
    [ids],
  );
  const references = ids.map((n) =>
    JSON.stringify({ conversation: { id: channelId(n), tenantId: TENANT, conversationType: 'channel' }, serviceUrl, channelId: 'msteams' }),
  );
  await scratch.query(
    `insert into fade_conversations (conversation_id, tenant_id, team_id, kind, name, reference, cluster_id)
     select '19:fanout' || n || '@thread.tacv2', $2, '19:team' || n || '@thread.tacv2', 'channel', null, ref::jsonb, n
       from unnest($1::int[], $3::text[]) as t(n, ref)`,
    [ids, TENANT, references],
  );
}

/** The channel an accepted post went to, or null for anything else the bot sent. */
function channelOf(path: string): string | null {
  const match = /^\/v3\/conversations\/([^/]+)\/activities$/.exec(path);
  const conversation = match ? decodeURIComponent(match[1]) : null;
  return conversation?.startsWith('19:fanout') ? conversation : null;
}
const reminderPosts = () => connector.calls.filter((c) => c.method === 'POST' && channelOf(c.path) !== null);

async function count(sql: string, values: unknown[] = []): Promise<number> {
  return Number((await scratch.query<{ n: string }>(sql, values)).rows[0].n);
}
const remindersIn = (status: string) =>
  count(`select count(*) as n from scheduled_notifications where kind = $1 and status = $2`, [FADE_REMINDER_KIND, status]);
const fadeJobsIn = (state: string) => count(`select count(*) as n from pgboss.job where name = $1 and state = $2`, [QUEUES.fadeDeliver, state]);

it('delivers every reminder of a fan-out exactly once when the bot is killed part-way and restarted', async () => {
  await bot.start();
  await seedClusters();

  // An admin sets the cycle through the bot, as in Teams: one round, reminders 14 and 3 working days before, on the day and 5 after.
  const setCycle = await bot.post(
    personalActivity(
      ADMIN,
      serviceUrl,
      executeActivity('fade.setCycle', {
        name: '2026/27',
        round1Name: '',
        round1Deadline: '2026-12-11',
        round2Name: '',
        round2Deadline: '',
        offsets: '-14, -3, 0, 5',
        sendTime: '09:00',
        clusterIds: '',
      }),
    ),
  );
  expect(setCycle.status).toBe(200);
  expect(setCycle.text).toContain(`Cycle 2026/27 is set for ${CLUSTERS} clusters, with 1 round; ${CLUSTERS * 4} reminders are scheduled.`);
  // The reminders are written by a job the bot sweeps at once after answering.
  await waitFor(
    "the cycle's reminders written",
    () => count(`select count(*) as n from scheduled_notifications where kind = $1`, [FADE_REMINDER_KIND]),
    (n) => n === CLUSTERS * 4,
  );
  expect(await count(`select count(*) as n from scheduled_notifications where kind = $1 and due_at <= $2`, [FADE_REMINDER_KIND, new Date(REMINDER_TIME)])).toBe(
    CLUSTERS,
  );

  // Teams takes the first posts at once and sits on the rest.
  connector.reset();
  connector.script = [
    ...Array.from({ length: TAKEN_BEFORE_KILL }, () => ({ ok: true as const })),
    ...Array.from({ length: CLUSTERS }, () => ({ hold: true as const })),
  ];

  // The reminders come due; a sweep (as the once-a-minute schedule would start) claims them and the fan-out begins.
  setClock(REMINDER_TIME);
  boss = new PgBoss({ connectionString: scratchUrl, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
  await boss.start();
  await boss.send(QUEUES.sweep, {});
  await waitFor(
    'the first posts marked sent and the next ones held',
    async () => ({ held: connector.held, sent: await remindersIn('sent') }),
    (s) => s.held === HELD_AT_KILL && s.sent >= TAKEN_BEFORE_KILL,
  );

  // Killed mid fan-out, before any held post timed out (the bot would then count it as sent, unconfirmed, by design).
  const killedAt = Date.now();
  await bot.kill('SIGKILL');
  const held = connector.arrivals.filter((a) => a.answer === 'held');
  connector.dropHeld();
  connector.script = [];
  expect(held).toHaveLength(HELD_AT_KILL);
  expect(killedAt - held[0].at).toBeLessThan(CONNECTOR_RETRY.attemptTimeoutMs); // else this machine was too slow for the scenario
  expect(reminderPosts()).toHaveLength(TAKEN_BEFORE_KILL);
  // What the dead process left: the posts Teams took are marked sent and only those (more would be reminders
  // recorded as sent that no channel got), the rest are still claimed (queued), none pending; every delivery job
  // of the fan-out is still active, held by a process that no longer exists.
  expect(await remindersIn('sent')).toBe(TAKEN_BEFORE_KILL);
  expect(await remindersIn('queued')).toBe(CLUSTERS - TAKEN_BEFORE_KILL);
  expect(await fadeJobsIn('active')).toBe(CLUSTERS);

  // Restarted on the same database and clock. pg-boss gives the dead process's jobs back when they expire (after
  // 15 minutes of its database's time, which the test cannot move): made expired, then failed by pg-boss's own
  // expiry, then their retry delay made over.
  await bot.start();
  await scratch.query(`update pgboss.job set started_on = started_on - expire_in - interval '1 second' where name = $1 and state = 'active'`, [
    QUEUES.fadeDeliver,
  ]);
  await boss.expire();
  expect(await fadeJobsIn('retry')).toBe(CLUSTERS);
  await scratch.query(`update pgboss.job set start_after = now() where name = $1 and state = 'retry'`, [QUEUES.fadeDeliver]);

  // Every job is done (nothing more will be posted) and every due reminder is sent.
  await waitFor(
    'every fan-out job done',
    () => count(`select count(*) as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')`, [QUEUES.fadeDeliver]),
    (n) => n === 0,
  );

  const posts = reminderPosts();
  const perChannel = new Map<string, number>();
  for (const p of posts) perChannel.set(channelOf(p.path)!, (perChannel.get(channelOf(p.path)!) ?? 0) + 1);
  expect(perChannel.size).toBe(CLUSTERS);
  expect([...perChannel].filter(([, n]) => n !== 1).map(([channel, n]) => `${channel}: ${n} posts`)).toEqual([]);
  expect(posts).toHaveLength(CLUSTERS);
  expect(posts.every((p) => JSON.stringify(p.body).includes('Fan-out cluster'))).toBe(true);
  // Nothing went to the connector but the reminders, and the fan-out had no job but the first one per reminder.
  expect(connector.calls).toHaveLength(CLUSTERS);
  expect(await fadeJobsIn('completed')).toBe(CLUSTERS);

  // Each due reminder claimed once and sent; none left pending or claimed; later ones still waiting their turn.
  const due = (
    await scratch.query<{ status: string; attempts: number; n: string }>(
      `select status, attempts, count(*) as n from scheduled_notifications where kind = $1 and due_at <= $2 group by status, attempts`,
      [FADE_REMINDER_KIND, new Date(REMINDER_TIME)],
    )
  ).rows;
  expect(due.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([{ status: 'sent', attempts: 1, n: CLUSTERS }]);
  expect(await remindersIn('queued')).toBe(0);
  expect(await remindersIn('pending')).toBe(CLUSTERS * 3);

  // The bot kept each channel's post so it can update the card in place: the activity Teams gave it for that channel.
  const kept = (await scratch.query<{ conversation_id: string; activity_id: string }>(`select conversation_id, activity_id from fade_posts`)).rows;
  expect(new Map(kept.map((r) => [r.conversation_id, r.activity_id]))).toEqual(new Map(posts.map((p) => [channelOf(p.path)!, p.activityId])));
  expect(await count(`select count(*) as n from fade_reminder_log where outcome = 'sent'`)).toBe(CLUSTERS);
});
