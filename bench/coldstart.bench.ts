/**
 * Cold start: from spawning the process to the first 200 from GET /healthz, timed from this
 * process (so node's own start-up counts), polled every 10 ms.
 *
 *   - first run: an empty data directory, so the embedded database is created, migrated and the
 *     demo directory (1,544 schools) loaded;
 *   - restart: the same data directory again, as after a deploy or a crash;
 *   - the echo bot (same stack, no storage) as the floor.
 *
 * After each restart one new headteacher goes through the turn benchmark's script (19 turns, no pause
 * between them) at once, as after a deploy with people waiting: the first turns of each kind are the
 * ones that meet whatever the process has not prepared yet.
 *
 *   npm run bench:coldstart                            # embedded database (PGlite)
 *   DATABASE_URL=postgres://… npm run bench:coldstart  # and PostgreSQL (first run = empty scratch database)
 *   BENCH_FIRST_RUNS=5 BENCH_RESTARTS=10 npm run bench:coldstart
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ECHO_SCRIPT,
  SERVER_SCRIPT,
  headteacher,
  machineLine,
  median,
  percentile,
  scratchDatabase,
  startConnector,
  startProcess,
  stopProcess,
  waitHealthy,
  type Connector,
  type Sample,
} from './traffic';

const FIRST_RUNS = Number(process.env.BENCH_FIRST_RUNS ?? 3);
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 5);
const TARGETS = (process.env.BENCH_TARGETS ?? 'echo,pglite,postgres').split(',');
const PORT = 39789;

/** The first headteacher's turns after a start (see above), one list per start. */
const firstTurns = new Map<string, Sample[][]>();

/** Milliseconds from spawn to the first healthy answer; with `firstUser`, then times that user's turns. */
async function timeStart(script: string, env: Record<string, string>, firstUser?: { label: string; connector: Connector; user: number }): Promise<number> {
  const started = process.hrtime.bigint();
  const child = startProcess(script, { ...env, PORT: String(PORT) });
  try {
    const healthy = await waitHealthy(PORT, { child, intervalMs: 10, timeoutMs: 120_000 });
    if (firstUser) {
      const samples: Sample[] = [];
      await headteacher({ port: PORT, user: firstUser.user, serviceUrl: firstUser.connector.url, rounds: 3, thinkMs: 0 }, samples);
      firstTurns.set(firstUser.label, [...(firstTurns.get(firstUser.label) ?? []), samples]);
    }
    return Number(healthy - started) / 1e6;
  } finally {
    await stopProcess(child);
  }
}

interface Row {
  label: string;
  runs: number[];
}

let nextUser = 90_000;

async function main() {
  const rows: Row[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'cydweithio-coldstart-'));
  const common = { DEMO_DATA: 'true', LOG_LEVEL: 'warn' };
  const before = machineLine();
  const connector = await startConnector();
  try {
    if (TARGETS.includes('echo')) {
      const runs: number[] = [];
      for (let i = 0; i < RESTARTS; i++) runs.push(await timeStart(ECHO_SCRIPT, {}));
      rows.push({ label: 'echo bot (baseline)', runs });
    }

    if (TARGETS.includes('pglite')) {
      const first: number[] = [];
      let kept = '';
      for (let i = 0; i < FIRST_RUNS; i++) {
        kept = join(scratch, `pglite-${i}`); // a new, empty data directory each time
        first.push(await timeStart(SERVER_SCRIPT, { ...common, DATA_DIR: kept, DATABASE_URL: '' }));
      }
      rows.push({ label: 'Cydweithio, PGlite: first run with demo data (empty data directory)', runs: first });
      const again: number[] = [];
      const label = 'Cydweithio, PGlite: restart on the existing database';
      for (let i = 0; i < RESTARTS; i++)
        again.push(await timeStart(SERVER_SCRIPT, { ...common, DATA_DIR: kept, DATABASE_URL: '' }, { label, connector, user: nextUser++ }));
      rows.push({ label, runs: again });
    }

    if (process.env.DATABASE_URL && TARGETS.includes('postgres')) {
      const first: number[] = [];
      let url = '';
      for (let i = 0; i < FIRST_RUNS; i++) {
        url = await scratchDatabase(process.env.DATABASE_URL, 'cydweithio_bench'); // empty every time
        first.push(await timeStart(SERVER_SCRIPT, { ...common, DATA_DIR: join(scratch, `pg-${i}`), DATABASE_URL: url }));
      }
      rows.push({ label: 'Cydweithio, PostgreSQL: first run with demo data (empty database)', runs: first });
      const again: number[] = [];
      const label = 'Cydweithio, PostgreSQL: restart on the existing database';
      for (let i = 0; i < RESTARTS; i++)
        again.push(
          await timeStart(SERVER_SCRIPT, { ...common, DATA_DIR: join(scratch, 'pg-restart'), DATABASE_URL: url }, { label, connector, user: nextUser++ }),
        );
      rows.push({ label, runs: again });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await connector.close();
  }

  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`started ${before}`);
  console.log(`ended   ${machineLine()}`);
  console.log('| start | runs | median s | max s | each run s |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.runs.length} | ${s(median(r.runs))} | ${s(Math.max(...r.runs))} | ${r.runs.map(s).join(', ')} |`);

  if (firstTurns.size > 0) {
    const ms = (v: number) => v.toFixed(1);
    console.log('\nThe first headteacher after each restart, 19 turns at once (ms; the median over the restarts of each figure):');
    console.log('| after | restarts | all 19 turns | slowest turn | p50 turn | first "help" | first save | first "my plans" |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [label, runs] of firstTurns) {
      const of = (pick: (samples: Sample[]) => number) => ms(median(runs.map(pick)));
      const first = (kind: string) => (samples: Sample[]) => samples.find((x) => x.kind.startsWith(kind))?.ms ?? NaN;
      console.log(
        `| ${label.replace('Cydweithio, ', '')} | ${runs.length} | ${of((x) => x.reduce((n, y) => n + y.ms, 0))} | ${of((x) => Math.max(...x.map((y) => y.ms)))} | ` +
          `${of((x) =>
            percentile(
              x.map((y) => y.ms).sort((a, b) => a - b),
              50,
            ),
          )} | ${of(first('message "help"'))} | ${of(first('invoke plan.saveField'))} | ${of(first('message "my plans"'))} |`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
