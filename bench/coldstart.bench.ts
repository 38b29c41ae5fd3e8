/**
 * Cold start: from spawning the process to the first 200 from GET /healthz, timed from this
 * process (so node's own start-up counts), polled every 10 ms.
 *
 *   - first run: an empty data directory, so the embedded database is created, migrated and the
 *     demo directory (1,544 schools) loaded;
 *   - restart: the same data directory again, as after a deploy or a crash;
 *   - the echo bot (same stack, no storage) as the floor.
 *
 *   npm run bench:coldstart                            # embedded database (PGlite)
 *   DATABASE_URL=postgres://… npm run bench:coldstart  # and PostgreSQL (first run = empty scratch database)
 *   BENCH_FIRST_RUNS=5 BENCH_RESTARTS=10 npm run bench:coldstart
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECHO_SCRIPT, SERVER_SCRIPT, machineLine, median, scratchDatabase, startProcess, stopProcess, waitHealthy } from './traffic';

const FIRST_RUNS = Number(process.env.BENCH_FIRST_RUNS ?? 3);
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 5);
const TARGETS = (process.env.BENCH_TARGETS ?? 'echo,pglite,postgres').split(',');
const PORT = 39789;

/** Milliseconds from spawn to the first healthy answer. */
async function timeStart(script: string, env: Record<string, string>): Promise<number> {
  const started = process.hrtime.bigint();
  const child = startProcess(script, { ...env, PORT: String(PORT) });
  try {
    const healthy = await waitHealthy(PORT, { child, intervalMs: 10, timeoutMs: 120_000 });
    return Number(healthy - started) / 1e6;
  } finally {
    await stopProcess(child);
  }
}

interface Row {
  label: string;
  runs: number[];
}

async function main() {
  const rows: Row[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'cydweithio-coldstart-'));
  const common = { DEMO_DATA: 'true', LOG_LEVEL: 'warn' };
  const before = machineLine();
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
      for (let i = 0; i < RESTARTS; i++) again.push(await timeStart(SERVER_SCRIPT, { ...common, DATA_DIR: kept, DATABASE_URL: '' }));
      rows.push({ label: 'Cydweithio, PGlite: restart on the existing database', runs: again });
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
      for (let i = 0; i < RESTARTS; i++) again.push(await timeStart(SERVER_SCRIPT, { ...common, DATA_DIR: join(scratch, 'pg-restart'), DATABASE_URL: url }));
      rows.push({ label: 'Cydweithio, PostgreSQL: restart on the existing database', runs: again });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`started ${before}`);
  console.log(`ended   ${machineLine()}`);
  console.log('| start | runs | median s | max s | each run s |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${r.runs.length} | ${s(median(r.runs))} | ${s(Math.max(...r.runs))} | ${r.runs.map(s).join(', ')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
