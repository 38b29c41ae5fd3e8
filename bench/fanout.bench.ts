/**
 * FADE fan-out: one reminder to 300 cluster channels, through the real path (cycle in
 * the database → scheduled notifications → the sweep claims them into pg-boss → the
 * fan-out batch → FadeReminderService → the paced ChannelSender → the Teams adapter's
 * messenger and its connector client (ConnectorHttpClient) → HTTP), against a stand-in Bot
 * Connector on 127.0.0.1 that ENFORCES Teams' limits (per conversation 7/s and 60/30 s, per
 * app per tenant 50/s, counted on arrival; over the limit → 429 Retry-After: 1). Three runs, each
 * on a fresh database: no faults; 5% of requests answered 503; and every 23rd request answered
 * 429 (Retry-After: 1) and every 37th 503.
 *
 *   npm run bench:fanout                   # 300 channels
 *   BENCH_CHANNELS=600 npm run bench:fanout
 *
 * Passes (exit 0) when, in every run, every channel got exactly one reminder (none lost, none
 * duplicated), the connector never had to refuse us for exceeding a limit, and the whole fan-out
 * took at most what the limits allow (channels / 50 per second) with no faults, 1.2× that with faults.
 */
import { cpus, loadavg } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type PgBoss from 'pg-boss';
import { ManualClock } from '../src/platform/clock';
import { createRuntime } from '../src/compose';
import { loadConfig } from '../src/config';
import { JobRunner, QUEUES } from '../src/platform/jobs/queue';
import { silentLogger } from '../src/platform/log';
import { TEAMS_LIMITS } from '../src/platform/teams/channelSender';
import { TeamsMessenger, createTeamsAdapter } from '../src/platform/teams/adapter';
import { migrate } from '../src/platform/db/migrate';
import { wrapPglite } from '../src/platform/db/pglite';
import { LimitingConnector, type InjectedFaults, type LimitingConnectorStats } from '../tests/support/limitingConnector';

const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 300);
const TENANT = 'bench-tenant';

const SCENARIOS: { name: string; faults: InjectedFaults; bound: number }[] = [
  { name: 'no faults', faults: {}, bound: 1.0 },
  { name: '5% 503', faults: { every503: 20 }, bound: 1.2 },
  { name: '429 1/23, 503 1/37', faults: { every429: 23, every503: 37 }, bound: 1.2 },
];

/**
 * Starts the stand-in connector in a worker thread, so its clock of arrivals is not held up by the bot's event loop
 * (the embedded database runs on the bot's thread), just as Teams' is not. stats() asks it what it saw.
 */
async function startConnectorThread(faults: InjectedFaults): Promise<{ url: string; stats(): Promise<LimitingConnectorStats>; stop(): Promise<void> }> {
  const worker = new Worker(__filename, { workerData: { faults } });
  const next = <T>() => new Promise<T>((resolve) => worker.once('message', resolve));
  const url = await next<string>();
  return {
    url,
    async stats() {
      worker.postMessage('stats');
      return next<LimitingConnectorStats>();
    },
    async stop() {
      await worker.terminate();
    },
  };
}

async function connectorThread(): Promise<void> {
  const connector = new LimitingConnector((workerData as { faults: InjectedFaults }).faults);
  const url = await connector.start();
  parentPort!.on('message', (m) => {
    if (m === 'stats') parentPort!.postMessage(connector.stats());
  });
  parentPort!.postMessage(url);
}

/** One fan-out on a fresh embedded database, against a connector injecting `faults`; returns its figures. */
async function runScenario(scenario: (typeof SCENARIOS)[number]): Promise<Record<string, unknown> & { pass: boolean }> {
  const thread = await startConnectorThread(scenario.faults);
  const serviceUrl = thread.url;

  const pg = new PGlite();
  await pg.waitReady;
  const db = wrapPglite(pg);
  await migrate(db);
  await db.exec(`insert into local_authorities (code, name_en, name_cy, consortium) values (678, 'Torfaen', 'Tor-faen', 'EAS');`);
  for (let i = 1; i <= CHANNELS; i++) {
    await db.query(`insert into clusters (id, name, la_code, lead_school_id, language) values ($1, $2, 678, null, $3)`, [
      i,
      `Cluster ${i}`,
      i % 3 === 0 ? 'both' : i % 3 === 1 ? 'en' : 'cy',
    ]);
    const conversationId = `19:bench-${i}@thread.tacv2`;
    await db.query(
      `insert into fade_conversations (conversation_id, tenant_id, team_id, kind, name, reference, cluster_id) values ($1, $2, $3, 'channel', $4, $5, $6)`,
      [
        conversationId,
        TENANT,
        `19:team-${i}@thread.tacv2`,
        `Cluster ${i}`,
        JSON.stringify({ serviceUrl, channelId: 'msteams', conversation: { id: conversationId, tenantId: TENANT, conversationType: 'channel' } }),
        i,
      ],
    );
  }

  const clock = new ManualClock('2026-11-01T09:00:00Z');
  const config = loadConfig({ DEMO_DATA: 'false', ADMIN_USER_IDS: 'bench-admin', LOG_LEVEL: 'error' });
  // The messenger the bot runs with: the Teams adapter (local mode, no tokens) and its connector client, retries and all.
  const runtime = await createRuntime({
    config,
    clock,
    log: silentLogger,
    messenger: new TeamsMessenger(createTeamsAdapter(config, silentLogger), ''),
    database: db,
    seedDirectory: false,
  });
  const set = await runtime.fade.cycles.defineCycle(
    { tenantId: TENANT, userId: 'bench-admin' },
    { name: '2026/27', rounds: [{ name: 'interim', deadline: '2026-12-11' }], offsets: [-14, -3, 0, 5] },
  );
  if (set.kind !== 'ok') throw new Error(`cycle refused: ${set.key}`);
  // Setting the cycle answers first; a job then writes its reminders (run here directly, before the clock moves).
  await runtime.dispatcher.deliverDue();
  const runner = await JobRunner.start({
    db,
    clock,
    log: silentLogger,
    notifications: runtime.notifications,
    dispatcher: runtime.dispatcher,
    background: false,
    schema: 'pgboss_bench',
  });

  clock.set('2026-11-23T09:00:00Z'); // the "14 working days before" reminder is due for every cluster
  const started = performance.now();
  const startedAt = Date.now();
  const claimed = await runner.sweep(CHANNELS * 2);
  const sweptAt = Date.now();
  let completed = 0;
  let failed = 0;
  for (let pass = 0; pass < 50 && completed < claimed; pass++) {
    await db.query(`update pgboss_bench.job set start_after = now() - interval '1 millisecond' where name = $1 and state in ('created', 'retry')`, [
      QUEUES.fadeDeliver,
    ]);
    const jobs = (await runner.boss.fetch(QUEUES.fadeDeliver, { batchSize: CHANNELS * 2, includeMetadata: true })) as PgBoss.JobWithMetadata<{
      notificationId: string;
    }>[];
    if (jobs.length === 0) break;
    const r = await runner.deliverBatch(QUEUES.fadeDeliver, jobs);
    completed += r.completed;
    failed += r.failed;
  }
  const seconds = (performance.now() - started) / 1000;

  const connector = await thread.stats();
  const counts = connector.accepted.map(([, n]) => n);
  const lost = CHANNELS - connector.accepted.length;
  const duplicated = counts.filter((c) => c > 1).length;
  const sent = (await db.query<{ n: number }>(`select count(*)::int as n from scheduled_notifications where kind = 'fadeReminder' and status = 'sent'`))[0].n;
  const allowed = CHANNELS / TEAMS_LIMITS.perTenant[0].limit;
  const ratio = seconds / allowed;
  const pass = lost === 0 && duplicated === 0 && sent === CHANNELS && connector.refusedForLimits === 0 && ratio <= scenario.bound;

  await runner.stop();
  await pg.close();
  await thread.stop();
  return {
    scenario: scenario.name,
    channels: CHANNELS,
    requests: connector.requests,
    injected429: connector.injected429,
    injected503: connector.injected503,
    refusedForLimits: connector.refusedForLimits,
    busiestSecond: connector.busiestSecond,
    lost,
    duplicated,
    jobFailures: failed,
    seconds: Number(seconds.toFixed(2)),
    sweepSeconds: (sweptAt - startedAt) / 1000,
    firstRequestAfter: (connector.firstAt - startedAt) / 1000,
    lastRequestAfter: (connector.lastAt - startedAt) / 1000,
    allowedSeconds: allowed,
    ratio: Number(ratio.toFixed(3)),
    bound: scenario.bound,
    pass,
  };
}

async function main(): Promise<void> {
  if (!Number.isInteger(CHANNELS) || CHANNELS < 1 || CHANNELS > 5000) throw new Error('BENCH_CHANNELS must be 1..5000');
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, load average ${loadavg()[0].toFixed(1)}`;
  process.stdout.write(`${date} UTC, ${machine}, Node ${process.version}\n`);
  const rows = [];
  for (const scenario of SCENARIOS) {
    const row = await runScenario(scenario);
    process.stdout.write(`${JSON.stringify(row)}\n`);
    rows.push(row);
  }
  process.stdout.write(
    '\n| faults | channels | requests | injected 429 / 503 | refused for a limit | busiest second | lost / duplicated | took | limits allow | ratio | |\n',
  );
  process.stdout.write('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n');
  for (const r of rows) {
    process.stdout.write(
      `| ${String(r.scenario)} | ${String(r.channels)} | ${String(r.requests)} | ${String(r.injected429)} / ${String(r.injected503)} | ${String(r.refusedForLimits)} | ${String(r.busiestSecond)} | ${String(r.lost)} / ${String(r.duplicated)} | ${String(r.seconds)} s | ${String(r.allowedSeconds)} s | ${String(r.ratio)} (≤ ${String(r.bound)}) | ${r.pass ? 'pass' : 'FAIL'} |\n`,
    );
  }
  process.stdout.write(`load average after: ${loadavg()[0].toFixed(1)}\n`);
  process.exit(rows.every((r) => r.pass) ? 0 : 1);
}

(isMainThread ? main() : connectorThread()).catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
