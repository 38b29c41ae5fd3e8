import { FileClock } from './platform/clock';
import { createRuntime } from './compose';
import { loadTemplates } from './platform/cards/render';
import { ConfigError, isLocalMode, loadConfig } from './config';
import { createLogger } from './platform/log';
import { createServer } from './platform/teams/server';
import { TeamsMessenger, createTeamsAdapter } from './platform/teams/adapter';
import { JobRunner, QUEUES } from './platform/jobs/queue';
import { DataDirInUseError } from './platform/db/dataDirLock';
import { loadMigrations } from './platform/db/migrate';
import { TurnGate, migrationsCurrent } from './platform/http/probes';
import { startTelemetry } from './platform/telemetry/telemetry';

/** How long a stop waits for turns in flight, then for the job being worked on (within a platform's usual 30 s). */
const DRAIN_TURNS_MS = 10_000;
const DRAIN_JOBS_MS = 15_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee env/.env.local for the settings and what they mean.\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const localMode = isLocalMode(config);
  const adapter = createTeamsAdapter(config, log);
  const clock = config.TEST_CLOCK_FILE ? new FileClock(config.TEST_CLOCK_FILE) : undefined;
  if (clock) log.warn('TEST_CLOCK_FILE is set: the clock reads a file (for tests only)', { file: config.TEST_CLOCK_FILE, now: clock.now().toISOString() });
  const runtime = await createRuntime({ config, clock, log, adapter, messenger: new TeamsMessenger(adapter, config.BOT_ID ?? '') });
  const background = await JobRunner.start({
    db: runtime.db,
    clock: runtime.clock,
    log,
    notifications: runtime.notifications,
    dispatcher: runtime.dispatcher,
    retention: runtime.personalData,
    connectionString: config.DATABASE_URL,
    background: true,
  });

  // Work the first people would otherwise wait for, done before the server says it is ready: the partner ranking's
  // index (every school with its strengths) and every card template parsed.
  await runtime.matching
    .prepare()
    .catch((err: unknown) => log.warn('matching index not built at start', { error: err instanceof Error ? err.message : String(err) }));
  loadTemplates();
  await collectStartupGarbage();

  const telemetry = startTelemetry({
    serviceName: config.OTEL_SERVICE_NAME,
    prometheus: config.METRICS_ENABLED,
    otlpMetrics: Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT),
    otlpTraces: Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
    sources: { query: (text, params) => runtime.db.query(text, params), queues: Object.values(QUEUES), poolUse: runtime.db.poolUse?.bind(runtime.db) },
    onError: (message, err) => log.warn(message, { error: err instanceof Error ? err.message : String(err) }),
  });
  const gate = new TurnGate();
  const latestMigration = Math.max(0, ...loadMigrations().map((m) => m.version));
  const server = createServer({
    adapter,
    app: runtime.app,
    db: runtime.db,
    log,
    localMode,
    probes: {
      gate,
      readiness: { database: () => runtime.db.ping(), migrations: () => migrationsCurrent(runtime.db, latestMigration), jobQueue: () => background.running },
      metrics: telemetry.prometheusHandler,
    },
  });
  const host = localMode ? '127.0.0.1' : '0.0.0.0';
  if (localMode) {
    const banner = '*'.repeat(78);
    process.stderr.write(
      `${banner}\n* LOCAL MODE: no BOT_ID is set, so requests are NOT authenticated.\n` +
        `* Listening on ${host} only. Set BOT_ID and BOT_PASSWORD to run in a real Teams tenant.\n` +
        `* Try it: in another terminal run "${config.PORT === 3978 ? '' : `PORT=${config.PORT} `}npm run playground" and open http://localhost:56150\n${banner}\n`,
    );
  }
  server.listen(config.PORT, host, () => {
    log.info('Cydweithio is listening', { url: `http://${host}:${config.PORT}/api/messages`, database: runtime.db.kind });
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping: no new turns; finishing those in flight', { turns: gate.running });
    // Not-ready at once (the gate), so a load balancer sends turns elsewhere; then no new connections.
    const turnsDone = await gate.drain(DRAIN_TURNS_MS);
    server.close();
    if (!turnsDone) log.warn('turns still running when the wait ran out', { turns: gate.running });
    await background.stop(DRAIN_JOBS_MS);
    await runtime.close();
    await telemetry.shutdown();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * A first start on the embedded database runs initdb in a second PGlite with WASM heaps of its own (about 450 MB),
 * then loads the school directory; afterwards all of that is garbage, but an idle server allocates too little for V8
 * to collect it, and it stayed resident (about 1 GB in all). npm start passes --expose-gc so it is collected here,
 * twice: a WASM heap is only released by the collection after the one that finds it unreachable.
 */
async function collectStartupGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

main().catch((err) => {
  if (err instanceof DataDirInUseError) {
    process.stderr.write(`Cydweithio did not start: ${err.message}\n`);
    process.exit(3);
  }
  process.stderr.write(`Cydweithio failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
