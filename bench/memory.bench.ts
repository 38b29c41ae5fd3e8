/**
 * Memory under a long run: 10,000 turns from 1,000 distinct headteachers against the real server
 * over HTTP. After every 1,000 turns the traffic pauses and the server (through a probe preloaded
 * only for this benchmark) collects garbage and reports its memory. The run fails (exit 1) if
 * resident memory or the live heap grows beyond its bound between the second sample (everything
 * loaded, caches warming) and the last.
 *
 *   npm run bench:memory                           # embedded database (PGlite)
 *   DATABASE_URL=postgres://… npm run bench:memory # and PostgreSQL
 *   BENCH_TURNS=20000 BENCH_USERS=2000 npm run bench:memory
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ROOT,
  SERVER_SCRIPT,
  headteacher,
  machineLine,
  percentile,
  scratchDatabase,
  startConnector,
  startProcess,
  stopProcess,
  turnsPerHeadteacher,
  waitHealthy,
  type Sample,
} from './traffic';

const TURNS = Number(process.env.BENCH_TURNS ?? 10_000);
const USERS = Number(process.env.BENCH_USERS ?? 1_000);
const SAMPLE_EVERY = Number(process.env.BENCH_SAMPLE_EVERY ?? 1_000);
/** Simultaneous headteachers; each sends its next turn as soon as the last one is answered. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
/** Allowed growth from the second sample to the last. */
const MAX_RSS_GROWTH_MB = Number(process.env.BENCH_MAX_RSS_GROWTH_MB ?? 40);
const MAX_HEAP_GROWTH_MB = Number(process.env.BENCH_MAX_HEAP_GROWTH_MB ?? 8);
const TARGETS = (process.env.BENCH_TARGETS ?? 'pglite,postgres').split(',');

/** One visit: say help, register, write one plan (Focus, Need, Objectives), open it, list plans. */
const ROUNDS_PER_VISIT = 1;
const TURNS_PER_VISIT = turnsPerHeadteacher(ROUNDS_PER_VISIT);

interface MemorySample {
  turns: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  gc: boolean;
  p50: number;
  p99: number;
}

function askMemory(child: ChildProcess): Promise<Omit<MemorySample, 'turns' | 'p50' | 'p99'>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not answer the memory probe')), 30_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as Omit<MemorySample, 'turns' | 'p50' | 'p99'>);
    });
    child.send('memory-sample');
  });
}

async function runTarget(label: string, env: Record<string, string>, port: number, serviceUrl: string): Promise<MemorySample[]> {
  const child = startProcess(SERVER_SCRIPT, { ...env, PORT: String(port) }, ['--expose-gc', '-r', join(ROOT, 'dist', 'bench', 'memoryProbe.js')], {
    ipc: true,
  });
  const samples: MemorySample[] = [];
  try {
    await waitHealthy(port, { child });
    let visit = 0;
    let turns = 0;
    const visitsPerSample = Math.ceil(SAMPLE_EVERY / TURNS_PER_VISIT);
    while (turns < TURNS) {
      const latencies: Sample[] = [];
      const end = visit + visitsPerSample;
      const lane = async () => {
        while (visit < end) {
          const user = 500_000 + (visit++ % USERS); // after the first USERS visits, the same people come back
          await headteacher({ port, user, serviceUrl, rounds: ROUNDS_PER_VISIT, thinkMs: 0 }, latencies);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));
      turns += latencies.length;
      const ms = latencies.map((s) => s.ms).sort((a, b) => a - b);
      const memory = await askMemory(child);
      samples.push({ turns, ...memory, p50: percentile(ms, 50), p99: percentile(ms, 99) });
      process.stderr.write(`${label}: ${turns} turns, rss ${(memory.rss / 2 ** 20).toFixed(1)} MB, heap ${(memory.heapUsed / 2 ** 20).toFixed(1)} MB\n`);
    }
  } finally {
    await stopProcess(child);
  }
  return samples;
}

async function main() {
  const connector = await startConnector();
  const dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-memory-'));
  const targets: { label: string; env: Record<string, string>; port: number }[] = [];
  const common = { DEMO_DATA: 'true', LOG_LEVEL: 'warn' };
  if (TARGETS.includes('pglite'))
    targets.push({ label: 'Cydweithio, PGlite', env: { ...common, DATA_DIR: join(dataDir, 'pglite-run'), DATABASE_URL: '' }, port: 39793 });
  if (process.env.DATABASE_URL && TARGETS.includes('postgres')) {
    const url = await scratchDatabase(process.env.DATABASE_URL);
    targets.push({ label: 'Cydweithio, PostgreSQL', env: { ...common, DATA_DIR: join(dataDir, 'postgres-run'), DATABASE_URL: url }, port: 39794 });
  }
  const before = machineLine();
  const results: { label: string; samples: MemorySample[] }[] = [];
  try {
    for (const target of targets) results.push({ label: target.label, samples: await runTarget(target.label, target.env, target.port, connector.url) });
  } finally {
    await connector.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(`started ${before}`);
  console.log(`ended   ${machineLine()}`);
  console.log(
    `${TURNS} turns from ${USERS} distinct users, ${CONCURRENCY} at a time with no think time, ${TURNS_PER_VISIT} turns a visit; memory after a forced GC every ${SAMPLE_EVERY} turns`,
  );
  let failed = false;
  for (const { label, samples } of results) {
    if (!samples[0]?.gc) console.log('(the probe could not force a GC: heap figures include garbage)');
    console.log(`\n${label}\n`);
    console.log('| turns | RSS MB | heap used MB | external MB | array buffers MB | p50 ms | p99 ms |');
    console.log('|---|---|---|---|---|---|---|');
    for (const s of samples)
      console.log(`| ${s.turns} | ${mb(s.rss)} | ${mb(s.heapUsed)} | ${mb(s.external)} | ${mb(s.arrayBuffers)} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} |`);
    const second = samples[1] ?? samples[0];
    const last = samples[samples.length - 1];
    const rssGrowth = (last.rss - second.rss) / 2 ** 20;
    const heapGrowth = (last.heapUsed - second.heapUsed) / 2 ** 20;
    const ok = rssGrowth <= MAX_RSS_GROWTH_MB && heapGrowth <= MAX_HEAP_GROWTH_MB;
    failed ||= !ok;
    console.log(
      `\ngrowth from ${second.turns} to ${last.turns} turns: RSS ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB (bound ${MAX_RSS_GROWTH_MB}), ` +
        `heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB (bound ${MAX_HEAP_GROWTH_MB}): ${ok ? 'flat' : 'GROWING'}`,
    );
  }
  if (failed) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
