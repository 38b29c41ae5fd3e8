/**
 * How many database statements each kind of turn costs. The real server runs in this
 * process (same composition root, same restify + adapter, file-backed PGlite with the
 * demo directory) over a database wrapper that counts every round trip; the same
 * headteachers as the turn benchmark send their turns one at a time, so each turn's
 * statements are its own. No background jobs run, so nothing else is counted.
 *
 *   npm run bench:statements                 # counts per kind of turn
 *   BENCH_SHOW_SQL=1 npm run bench:statements  # and the statements themselves
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../src/compose';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/platform/log';
import { createServer } from '../src/platform/teams/server';
import type { Database, Sql } from '../src/platform/db/db';
import { openPglite } from '../src/platform/db/pglite';
import { TeamsMessenger, createTeamsAdapter } from '../src/platform/teams/adapter';
import { headteacher, percentile, startConnector, type Sample } from './traffic';

const USERS = Number(process.env.BENCH_USERS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SHOW_SQL = process.env.BENCH_SHOW_SQL === '1';
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 0);

/** The statements sent since the counter was last taken, and how long each kind took in all. */
class StatementLog {
  statements: string[] = [];
  readonly time = new Map<string, { count: number; ms: number }>();
  record(text: string) {
    this.statements.push(text.replace(/\s+/g, ' ').trim().slice(0, 110));
  }
  async timed<T>(text: string, run: () => Promise<T>): Promise<T> {
    this.record(text);
    const started = process.hrtime.bigint();
    try {
      return await run();
    } finally {
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 110);
      const entry = this.time.get(key) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += Number(process.hrtime.bigint() - started) / 1e6;
      this.time.set(key, entry);
    }
  }
  take(): string[] {
    const taken = this.statements;
    this.statements = [];
    return taken;
  }
}

function counting(db: Database, log: StatementLog): Database {
  const countSql = (sql: Sql): Sql => ({
    query(text, params) {
      return log.timed(text, () => sql.query(text, params));
    },
  });
  return {
    ...db,
    kind: db.kind,
    query: (text, params) => countSql(db).query(text, params),
    exec(text) {
      log.record(text);
      return db.exec(text);
    },
    simpleQuery(text) {
      log.record(text);
      return db.simpleQuery(text);
    },
    transaction(fn) {
      log.record('begin');
      return db.transaction((tx) => fn(countSql(tx))).finally(() => log.record('commit / rollback'));
    },
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-statements-'));
  const connector = await startConnector();
  const log = new StatementLog();
  const config = loadConfig({ DATA_DIR: dataDir, DEMO_DATA: 'true', LOG_LEVEL: 'warn' });
  const logger = createLogger('warn');
  const adapter = createTeamsAdapter(config, logger);
  const db = counting(await openPglite(join(dataDir, 'pglite')), log);
  const runtime = await createRuntime({ config, log: logger, adapter, database: db, messenger: new TeamsMessenger(adapter, '') });
  const server = createServer({ adapter, app: runtime.app, db, log: logger, localMode: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;

  const byKind = new Map<string, { turns: number; statements: number; example: string[] }>();
  const samples: Sample[] = [];
  try {
    log.take();
    for (let user = 0; user < USERS; user++) {
      await headteacher(
        {
          port,
          user: 7000 + user,
          serviceUrl: connector.url,
          rounds: ROUNDS,
          thinkMs: THINK_MS,
          onTurn: (sample: Sample) => {
            const statements = log.take();
            const entry = byKind.get(sample.kind) ?? { turns: 0, statements: 0, example: statements };
            entry.turns++;
            entry.statements += statements.length;
            byKind.set(sample.kind, entry);
          },
        },
        samples,
      );
    }
  } finally {
    server.close();
    await runtime.close();
    await connector.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  let total = 0;
  let turns = 0;
  const latencies = samples.map((x) => x.ms).sort((a, b) => a - b);
  console.log(`think ${THINK_MS} ms: turn p50 ${percentile(latencies, 50).toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms`);
  console.log('| turn | turns | statements per turn (mean) |');
  console.log('|---|---|---|');
  for (const [kind, e] of byKind) {
    console.log(`| ${kind} | ${e.turns} | ${(e.statements / e.turns).toFixed(1)} |`);
    total += e.statements;
    turns += e.turns;
  }
  console.log(`| all | ${turns} | ${(total / turns).toFixed(2)} |`);
  if (SHOW_SQL) {
    // Statements run one at a time on the embedded database in this process, so wall time is its work.
    console.log('\n| statement | count | mean ms |');
    console.log('|---|---|---|');
    for (const [text, t] of [...log.time].sort((a, b) => b[1].ms - a[1].ms))
      console.log(`| ${text.replace(/\|/g, '\\|')} | ${t.count} | ${(t.ms / t.count).toFixed(2)} |`);
    for (const [kind, e] of byKind) {
      console.log(`\n${kind} (first one):`);
      for (const s of e.example) console.log(`  ${s}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
