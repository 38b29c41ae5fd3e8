/**
 * Turn latency and throughput over HTTP: N concurrent simulated headteachers drive
 * the real server (/api/messages) through plain messages and aide-memoire steps
 * (Action.Execute invokes), with a recording Bot Connector on loopback. The same
 * traffic shape goes to a minimal echo bot on the same stack as the baseline.
 *
 * This machine's speed drifts by a factor of two over minutes, so the targets are not run one
 * after the other: all are started, and each load is run in rounds, every round giving each
 * target one run (in a rotating order) while the others are paused (SIGSTOP), so no idle
 * server's timers take CPU from the one measured. A target's figures pool its rounds.
 *
 *   npm run bench:turns                      # embedded database (PGlite)
 *   DATABASE_URL=postgres://… npm run bench:turns   # and PostgreSQL
 *   BENCH_BY_KIND=1 npm run bench:turns      # also p50/p99 for each kind of turn
 *   BENCH_TARGETS=echo,postgres2 DATABASE_URL=… BENCH_USERS=200 npm run bench:turns   # two instances sharing PostgreSQL
 *   BENCH_ACTIONS=20 npm run bench:turns     # rounds of the card-action section (0 leaves it out)
 *   BENCH_WARMUP_USERS=5 npm run bench:turns # people in each target's unmeasured first run (default: the largest load)
 *
 * After the loads, a separate section times the card actions people wait on most (issue 15: under 1 s at p99 on the
 * embedded database with demo data): finding a partner, asking through an adviser, the adviser's approval, opening
 * the FADE cycle form and setting a cycle for every cluster; each target in turn, one action at a time.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BENCH_ADMIN,
  ECHO_SCRIPT,
  SERVER_SCRIPT,
  benchUserId,
  cardActions,
  cardActionsSetup,
  cpuMs,
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
import { nodeFlagsOf } from '../src/platform/paths';

const USERS = (process.env.BENCH_USERS ?? '10,50,200').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Runs of each load per target, interleaved with the other targets' runs. */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** Pause between one person's turns (jittered 0.5–1.5×): people read a card before they answer it. */
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 250);
const BY_KIND = process.env.BENCH_BY_KIND === '1';
/**
 * People in the unmeasured run each target gets after it starts: by default as many as the largest load, so the
 * first measured round meets code the JIT has compiled, as every later round does (until 2026-12-06 it was 5, and
 * the first round carried the warm-up of every turn's code; `npm run bench:coldstart` measures the first turns after
 * a start).
 */
const WARMUP_USERS = Number(process.env.BENCH_WARMUP_USERS ?? Math.max(...USERS));
/** A folder to write every turn's send time, kind and latency to (one CSV per target and load), to see when slow turns happen. */
const TIMELINE_DIR = process.env.BENCH_TIMELINE_DIR;
/** Extra node flags for our server and for the echo bot, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const ECHO_NODE_ARGS = (process.env.BENCH_ECHO_NODE_ARGS ?? '').split(' ').filter(Boolean);
/**
 * Another build to measure beside this one in the same interleaved rounds, on the embedded database: a
 * checkout's folder holding dist/src/index.js (e.g. a git worktree of an earlier commit), and extra
 * environment for it as JSON. Machine drift cancels out of a comparison made this way.
 */
const COMPARE_ROOT = process.env.BENCH_COMPARE_ROOT;
const COMPARE_ENV = JSON.parse(process.env.BENCH_COMPARE_ENV ?? '{}') as Record<string, string>;
/** "postgres": that other build runs on a scratch database of its own beside DATABASE_URL's, instead of PGlite. */
const COMPARE_ON = process.env.BENCH_COMPARE_ON ?? 'pglite';
/** Node flags for that other build beyond its own `npm start` ones (default: BENCH_SERVER_NODE_ARGS), e.g. to weigh a V8 setting. */
const COMPARE_NODE_ARGS = process.env.BENCH_COMPARE_NODE_ARGS === undefined ? SERVER_NODE_ARGS : process.env.BENCH_COMPARE_NODE_ARGS.split(' ').filter(Boolean);
/**
 * Which targets to run: echo, pglite, postgres and postgres2 (two instances of the bot sharing one PostgreSQL database,
 * each taking half of the people, as behind a load balancer); the PostgreSQL ones only with DATABASE_URL.
 */
const TARGETS = (process.env.BENCH_TARGETS ?? 'echo,pglite,postgres').split(',');
/** Rounds of the card-action section for each of our targets (0: none). */
const ACTIONS = Number(process.env.BENCH_ACTIONS ?? 10);
/** Every target of ours knows the card-action scenario's admin. */
const ADMIN_ENV = { ADMIN_USER_IDS: benchUserId(BENCH_ADMIN) };

function summarise(samples: Sample[]) {
  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { turns: all.length, p50: percentile(all, 50), p99: percentile(all, 99), max: all[all.length - 1] };
}

interface RunResult {
  samples: Sample[];
  seconds: number;
  cpu: number;
  main: number;
  driver: number;
}

async function run(
  label: string,
  ports: number[],
  users: number,
  serviceUrl: string,
  userBase: number,
  pids: (number | undefined)[] = [],
  round = 0,
): Promise<RunResult> {
  const samples: Sample[] = [];
  const cpuOf = (thread?: 'main') => (pids.length === 0 ? NaN : pids.reduce<number>((sum, pid) => sum + cpuMs(pid, thread), 0));
  const cpuBefore = cpuOf();
  const mainBefore = cpuOf('main');
  const driverBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  // Users start together and each goes through its turns one at a time, like people do.
  await Promise.all(
    Array.from({ length: users }, (_, i) =>
      headteacher({ port: ports[i % ports.length], user: userBase + i, serviceUrl, rounds: ROUNDS, thinkMs: THINK_MS }, samples),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (TIMELINE_DIR) {
    const zero = Number(started) / 1e6;
    const lines = samples.map((s) => `${((s.sentAt ?? zero) - zero).toFixed(1)},${s.kind},${s.ms.toFixed(2)}`);
    mkdirSync(TIMELINE_DIR, { recursive: true });
    writeFileSync(
      join(TIMELINE_DIR, `${label.replace(/\W+/g, '-')}-${users}-${round < 0 ? 'warmup' : `round${round}`}.csv`),
      `sent_ms,turn,latency_ms\n${lines.join('\n')}\n`,
    );
  }
  const driver = process.cpuUsage(driverBefore);
  return { samples, seconds, cpu: cpuOf() - cpuBefore, main: cpuOf('main') - mainBefore, driver: (driver.user + driver.system) / 1000 };
}

/** One target's runs at one load, pooled. */
function pooled(label: string, users: number, runs: RunResult[]) {
  const samples = runs.flatMap((r) => r.samples);
  const turns = samples.length;
  const sum = (f: (r: RunResult) => number) => runs.reduce((n, r) => n + f(r), 0);
  const kinds = [...new Set(samples.map((s) => s.kind))].map((kind) => ({ kind, ...summarise(samples.filter((s) => s.kind === kind)) }));
  const p50s = runs.map((r) => summarise(r.samples).p50);
  return {
    label,
    users,
    ...summarise(samples),
    p50s,
    perSecond: turns / sum((r) => r.seconds),
    cpuPerTurn: sum((r) => r.cpu) / turns,
    mainPerTurn: sum((r) => r.main) / turns,
    driverPerTurn: sum((r) => r.driver) / turns,
    kinds,
  };
}

interface Target {
  label: string;
  port: number;
  env: Record<string, string>;
  script: string;
  nodeArgs: string[];
  child?: ChildProcess;
  /** Further instances of the same bot on the same database, each on a port of its own, sharing the load. */
  siblings?: { port: number; child?: ChildProcess }[];
  /** A data directory of its own, removed at the end. */
  dataDir?: string;
  /** The checkout whose `npm start` flags it runs with (this one unless it is another build). */
  root?: string;
}

const processesOf = (target: Target) => [target.child, ...(target.siblings ?? []).map((s) => s.child)];
const portsOf = (target: Target) => [target.port, ...(target.siblings ?? []).map((s) => s.port)];
const pause = (target: Target) => processesOf(target).forEach((child) => child?.kill('SIGSTOP'));
const resume = (target: Target) => processesOf(target).forEach((child) => child?.kill('SIGCONT'));

async function main() {
  const connector = await startConnector();
  const dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-bench-'));
  const targets: Target[] = [];
  if (TARGETS.includes('echo'))
    targets.push({ label: 'echo bot (baseline)', port: 39790, env: { PORT: '39790' }, script: ECHO_SCRIPT, nodeArgs: ECHO_NODE_ARGS });
  if (TARGETS.includes('pglite')) {
    const env = { PORT: '39791', DATA_DIR: dataDir, DEMO_DATA: 'true', LOG_LEVEL: 'warn', DATABASE_URL: '', ...ADMIN_ENV };
    targets.push({ label: 'Cydweithio, PGlite', port: 39791, env, script: SERVER_SCRIPT, nodeArgs: SERVER_NODE_ARGS });
  }
  if (COMPARE_ROOT) {
    const postgresUrl = COMPARE_ON === 'postgres' ? process.env.DATABASE_URL : undefined;
    const onPostgres = Boolean(postgresUrl);
    const url = postgresUrl ? await scratchDatabase(postgresUrl, 'cydweithio_bench_compare') : '';
    const env = {
      PORT: '39793',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'cydweithio-bench-compare-')),
      DEMO_DATA: 'true',
      LOG_LEVEL: 'warn',
      DATABASE_URL: url,
      ...ADMIN_ENV,
      ...COMPARE_ENV,
    };
    const extras = [Object.keys(COMPARE_ENV).length > 0 ? JSON.stringify(COMPARE_ENV) : '', COMPARE_NODE_ARGS.join(' ')].filter(Boolean).join(' ');
    const label = `Cydweithio, ${onPostgres ? 'PostgreSQL' : 'PGlite'}, ${COMPARE_ROOT}${extras ? ` ${extras}` : ''}`;
    targets.push({
      label,
      port: 39793,
      env,
      script: join(COMPARE_ROOT, 'dist', 'src', 'index.js'),
      nodeArgs: COMPARE_NODE_ARGS,
      dataDir: env.DATA_DIR,
      root: COMPARE_ROOT,
    });
  }
  if (process.env.DATABASE_URL && TARGETS.includes('postgres')) {
    const url = await scratchDatabase(process.env.DATABASE_URL);
    const env = { PORT: '39792', DATA_DIR: dataDir, DEMO_DATA: 'true', LOG_LEVEL: 'warn', DATABASE_URL: url, ...ADMIN_ENV };
    targets.push({ label: 'Cydweithio, PostgreSQL', port: 39792, env, script: SERVER_SCRIPT, nodeArgs: SERVER_NODE_ARGS });
  }
  if (process.env.DATABASE_URL && TARGETS.includes('postgres2')) {
    const url = await scratchDatabase(process.env.DATABASE_URL, 'cydweithio_bench_shared');
    const env = { PORT: '39794', DATA_DIR: dataDir, DEMO_DATA: 'true', LOG_LEVEL: 'warn', DATABASE_URL: url, ...ADMIN_ENV };
    targets.push({
      label: 'Cydweithio, two instances sharing PostgreSQL',
      port: 39794,
      env,
      script: SERVER_SCRIPT,
      nodeArgs: SERVER_NODE_ARGS,
      siblings: [{ port: 39795 }],
    });
  }
  const before = machineLine();
  const results: ReturnType<typeof pooled>[] = [];
  const actionResults: { label: string; kinds: ({ kind: string } & ReturnType<typeof summarise>)[] }[] = [];
  try {
    // Started one at a time (a first start loads the directory) and warmed up, then paused until their turn.
    for (const target of targets) {
      target.child = startProcess(target.script, target.env, target.nodeArgs, { flagsFrom: target.root });
      await waitHealthy(target.port, { child: target.child });
      // Siblings start once the first has migrated and loaded the directory, as a second replica would.
      for (const sibling of target.siblings ?? []) {
        sibling.child = startProcess(target.script, { ...target.env, PORT: String(sibling.port) }, target.nodeArgs, { flagsFrom: target.root });
        await waitHealthy(sibling.port, { child: sibling.child });
      }
      await run(target.label, portsOf(target), WARMUP_USERS, connector.url, 5_000_000, [], -1);
      pause(target);
    }
    let userBase = 10_000_000;
    for (const users of USERS) {
      const runs = new Map<Target, RunResult[]>(targets.map((t) => [t, []]));
      for (let round = 0; round < REPEATS; round++) {
        // Rotate who goes first, so no target always runs straight after another's load.
        for (let i = 0; i < targets.length; i++) {
          const target = targets[(i + round) % targets.length];
          resume(target);
          // Timers that fell due while it was paused (the job queue's polls) run now, not in the measured run.
          await new Promise((resolve) => setTimeout(resolve, 500));
          try {
            const pids = processesOf(target).map((child) => child?.pid);
            runs.get(target)!.push(await run(target.label, portsOf(target), users, connector.url, (userBase += users), pids, round));
          } finally {
            pause(target);
          }
        }
      }
      for (const target of targets) results.push(pooled(target.label, users, runs.get(target)!));
    }
    // Card actions: each of our targets alone, one action at a time (a person waiting on a card, not a crowd).
    for (const target of ACTIONS > 0 ? targets.filter((t) => t.script !== ECHO_SCRIPT) : []) {
      resume(target);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const samples: Sample[] = [];
      try {
        await cardActionsSetup(target.port, connector.url);
        for (let round = 0; round < ACTIONS; round++)
          await cardActions({ port: target.port, serviceUrl: connector.url, user: (userBase += 2), round }, samples);
      } finally {
        pause(target);
      }
      actionResults.push({
        label: target.label,
        kinds: [...new Set(samples.map((s) => s.kind))].map((kind) => ({ kind, ...summarise(samples.filter((s) => s.kind === kind)) })),
      });
    }
  } finally {
    for (const target of targets) {
      if (!target.child) continue;
      resume(target);
      for (const sibling of target.siblings ?? []) if (sibling.child) await stopProcess(sibling.child);
      await stopProcess(target.child);
      if (target.dataDir) rmSync(target.dataDir, { recursive: true, force: true });
    }
    await connector.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const f = (n: number) => n.toFixed(1);
  console.log(`started ${before}`);
  console.log(`ended   ${machineLine()}`);
  console.log(`Node flags, as npm start uses them, for every target: ${nodeFlagsOf().join(' ') || 'none'}`);
  console.log(
    `think time ${THINK_MS} ms (jittered 0.5–1.5×), ${ROUNDS} plans per user, ${turnsPerHeadteacher(ROUNDS)} turns per user; ${REPEATS} interleaved run(s) per target and load, pooled`,
  );
  console.log(
    '| target | users | turns | p50 ms | p99 ms | max ms | turns/s | server CPU ms/turn (main thread) | load generator CPU ms/turn | p50 of each run ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.label} | ${r.users} | ${r.turns} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.perSecond)} | ${r.cpuPerTurn.toFixed(2)} (${r.mainPerTurn.toFixed(2)}) | ${r.driverPerTurn.toFixed(2)} | ${r.p50s.map(f).join(', ')} |`,
    );
  }
  const echo = results.filter((r) => r.label.startsWith('echo'));
  const ours = results.filter((r) => !r.label.startsWith('echo'));
  if (echo.length > 0 && ours.length > 0) {
    console.log('\n| target | users | p50 ÷ echo bot p50 (pooled) | each round |');
    console.log('|---|---|---|---|');
    for (const r of ours) {
      const base = echo.find((e) => e.users === r.users);
      if (!base) continue;
      const each = r.p50s.map((p, i) => (p / base.p50s[i]).toFixed(2));
      console.log(`| ${r.label} | ${r.users} | ${(r.p50 / base.p50).toFixed(2)} | ${each.join(', ')} |`);
    }
  }
  if (BY_KIND) {
    console.log('\n| target | users | turn | turns | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results)
      for (const k of r.kinds) console.log(`| ${r.label} | ${r.users} | ${k.kind} | ${k.turns} | ${f(k.p50)} | ${f(k.p99)} | ${f(k.max)} |`);
  }
  if (actionResults.length > 0) {
    console.log(`\nCard actions, ${ACTIONS} round(s) per target, one at a time (target: p99 under 1,000 ms on the embedded database)`);
    console.log('| target | action | n | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|---|');
    for (const r of actionResults) for (const k of r.kinds) console.log(`| ${r.label} | ${k.kind} | ${k.turns} | ${f(k.p50)} | ${f(k.p99)} | ${f(k.max)} |`);
  }
  console.log(`connector calls: ${connector.calls()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
