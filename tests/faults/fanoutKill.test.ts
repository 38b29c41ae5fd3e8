/**
 * Fault: the built bot is killed (SIGKILL) inside the send window of a FADE reminder fan-out to 208 cluster
 * channels, just after the Bot Connector took a post, and started again at once on the same PostgreSQL. The
 * stand-in connector enforces Teams' limits on arrival (50 a second for the app, 7 a second per channel) and
 * answers one request in twenty 503.
 *
 * Teams has no idempotency key: a post it took that the bot had not yet recorded is posted again after the
 * restart. The sender lets at most MAX_UNRECORDED posts be out and unrecorded, so that is all a crash can
 * duplicate, and only posts taken before the kill and not recorded by then can be among them. The rest go out
 * within two minutes of the restart (once the dead process's delivery leases run out, a live instance hands its
 * jobs back to the queue), at the limits' pace, and every reminder is recorded sent once.
 *
 * The bot's clock reads a file; the test moves it with real time from the moment the reminders fall due.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { QUEUES } from '../../src/platform/jobs/queue';
import { MAX_UNRECORDED } from '../../src/platform/teams/channelSender';
import { FADE_REMINDER_KIND } from '../../src/features/fade/cycleService';
import { BotProcess, executeActivity, personalActivity } from '../support/botProcess';
import { LimitingConnector } from '../support/limitingConnector';
import { ScratchDatabase, freePort } from '../support/throwawayPostgres';

jest.setTimeout(240_000);

const CLUSTERS = 208;
/** Posts the connector takes before the bot is killed: past the first burst, inside the paced part of the fan-out. */
const KILL_AFTER = 70;
const TENANT = 'fault-tenant';
const ADMIN = 'fanout-admin';
/** Before the cycle's first reminders. */
const SETUP_TIME = Date.parse('2026-09-07T09:00:00Z');
/** 09:00 UK time, 14 working days before the round's deadline of 11 December: every cluster's first reminder is due. */
const REMINDER_TIME = Date.parse('2026-11-23T09:00:00Z');

const work = mkdtempSync(join(tmpdir(), 'cydweithio-fanout-'));
const clockFile = join(work, 'clock');
/** Written whole and renamed into place: the bot reads the file on every look at the clock, and must never see it half-written. */
function setClock(ms: number): void {
  writeFileSync(`${clockFile}.next`, new Date(ms).toISOString());
  renameSync(`${clockFile}.next`, clockFile);
}

const connector = new LimitingConnector({ every503: 20 });
const scratchDb = new ScratchDatabase('cydweithio_fanout');
let scratchUrl: string;
let serviceUrl: string;
let bot: BotProcess;
let scratch: Client;
let boss: PgBoss | undefined;
let ticking: NodeJS.Timeout | undefined;

beforeAll(async () => {
  scratchUrl = await scratchDb.create();
  scratch = new Client({ connectionString: scratchUrl });
  await scratch.connect();
  serviceUrl = await connector.start();
  setClock(SETUP_TIME);
  bot = new BotProcess(await freePort(), { DATABASE_URL: scratchUrl, DEMO_DATA: 'false', TEST_CLOCK_FILE: clockFile, ADMIN_USER_IDS: ADMIN }, 'fault-fanout');
});

afterAll(async () => {
  clearInterval(ticking);
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
    await new Promise((r) => setTimeout(r, 50));
  }
}

const channelId = (n: number) => `19:fanout${n}@thread.tacv2`;

/** Clusters, each with a linked channel whose conversation reference points at the stand-in connector. */
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

async function count(sql: string, values: unknown[] = []): Promise<number> {
  return Number((await scratch.query<{ n: string }>(sql, values)).rows[0].n);
}
const remindersIn = (status: string) =>
  count(`select count(*) as n from scheduled_notifications where kind = $1 and status = $2`, [FADE_REMINDER_KIND, status]);
/** The channels whose reminder the bot has recorded as posted. */
async function recordedChannels(): Promise<Set<string>> {
  const rows = (
    await scratch.query<{ conversation_id: string }>(
      `select c.conversation_id from fade_reminder_log l join fade_conversations c on c.cluster_id = l.cluster_id where l.outcome = 'sent'`,
    )
  ).rows;
  return new Set(rows.map((r) => r.conversation_id));
}

it('duplicates at most MAX_UNRECORDED posts when killed inside the send window, and sends the rest within two minutes of the restart', async () => {
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

  // The connector kills the bot the moment it has taken KILL_AFTER posts, just after answering the last of them.
  const child = bot.child!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  connector.onPosted = (taken) => {
    if (taken === KILL_AFTER) child.kill('SIGKILL');
  };

  // The reminders come due and the clock runs on in real time; a sweep (as the once-a-minute schedule would start)
  // claims them and the fan-out begins.
  const dueAt = Date.now();
  setClock(REMINDER_TIME);
  ticking = setInterval(() => setClock(REMINDER_TIME + (Date.now() - dueAt)), 200);
  boss = new PgBoss({ connectionString: scratchUrl, schema: 'pgboss', supervise: false, schedule: false, migrate: false });
  await boss.start();
  await boss.send(QUEUES.sweep, {});
  await exited;
  connector.onPosted = undefined;

  // What the dead process left: posts Teams took, of which the ones recorded are a subset, and all but at most
  // MAX_UNRECORDED of the rest.
  const takenAtKill = new Set(connector.posts.map((p) => p.conversationId));
  const recordedAtKill = await recordedChannels();
  expect(takenAtKill.size).toBeGreaterThanOrEqual(KILL_AFTER);
  expect([...recordedAtKill].filter((c) => !takenAtKill.has(c))).toEqual([]);
  const unrecorded = [...takenAtKill].filter((c) => !recordedAtKill.has(c));
  expect(unrecorded.length).toBeLessThanOrEqual(MAX_UNRECORDED);
  const postsBeforeRestart = connector.posts.length;

  // Restarted at once, on the same database and clock.
  const restartedAt = Date.now();
  await bot.start();
  await waitFor(
    'every reminder sent',
    async () => ({ sent: await remindersIn('sent'), channels: connector.accepted.size }),
    (s) => s.sent === CLUSTERS && s.channels === CLUSTERS,
    120_000 - (Date.now() - restartedAt),
  );
  const doneAfterMs = Date.now() - restartedAt;
  expect(doneAfterMs).toBeLessThan(120_000);

  // Every channel has its reminder; the only ones posted twice are among those taken before the kill and not yet recorded.
  const twice = [...connector.accepted].filter(([, n]) => n > 1).map(([c]) => c);
  expect([...connector.accepted.values()].every((n) => n <= 2)).toBe(true);
  expect(twice.filter((c) => !unrecorded.includes(c))).toEqual([]);
  expect(twice.length).toBeLessThanOrEqual(MAX_UNRECORDED);
  expect(connector.posts).toHaveLength(CLUSTERS + twice.length);
  // Within Teams' limits throughout, and the rest all at once at the pace the limits allow, 50 a second, not trickled
  // out at 5 a second as pg-boss's jittered retry delays did. (bench:fanout measures the pace; with 5% of requests
  // answered 503 it keeps within 1.2× of what the limits allow. A test machine shared with other work, with a bot
  // process and PostgreSQL of its own, is given 2×.)
  expect(connector.refusedForLimits).toBe(0);
  const after = connector.posts.slice(postsBeforeRestart);
  const spanSeconds = (after[after.length - 1].at - after[0].at) / 1000;
  expect(spanSeconds).toBeLessThanOrEqual((2 * after.length) / 50);
  const perSecond = new Map<number, number>();
  for (const p of after) perSecond.set(Math.floor((p.at - after[0].at) / 1000), (perSecond.get(Math.floor((p.at - after[0].at) / 1000)) ?? 0) + 1);

  // Each due reminder recorded sent once, claimed once; nothing queued or pending but the later reminders.
  const due = (
    await scratch.query<{ status: string; attempts: number; n: string }>(
      `select status, attempts, count(*) as n from scheduled_notifications where kind = $1 and due_at <= $2 group by status, attempts`,
      [FADE_REMINDER_KIND, new Date(REMINDER_TIME)],
    )
  ).rows;
  expect(due.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([{ status: 'sent', attempts: 1, n: CLUSTERS }]);
  expect(await remindersIn('queued')).toBe(0);
  expect(await remindersIn('pending')).toBe(CLUSTERS * 3);
  expect(await count(`select count(*) as n from fade_reminder_log where outcome = 'sent'`)).toBe(CLUSTERS);
  // No delivery job is left to pg-boss's 15-minute expiry: the dead process's jobs were handed back and done.
  await waitFor(
    'every fan-out job done',
    () => count(`select count(*) as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')`, [QUEUES.fadeDeliver]),
    (n) => n === 0,
    30_000,
  );
  process.stdout.write(
    `fan-out kill: ${postsBeforeRestart} posts before the kill (${recordedAtKill.size} recorded), ${twice.length} posted twice, ` +
      `all sent ${(doneAfterMs / 1000).toFixed(1)} s after the restart; the last ${after.length} in ${spanSeconds.toFixed(2)} s ` +
      `(${[...perSecond.values()].join(', ')} a second)\n`,
  );
});
