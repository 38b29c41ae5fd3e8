/**
 * Turn latency and throughput over HTTP: N concurrent simulated headteachers drive
 * the real server (/api/messages) through plain messages and aide-memoire steps
 * (Action.Execute invokes), with a recording Bot Connector on loopback. The same
 * traffic shape goes to a minimal echo bot on the same stack as the baseline.
 *
 *   npm run bench:turns                      # embedded database (PGlite)
 *   DATABASE_URL=postgres://… npm run bench:turns   # and PostgreSQL
 *   BENCH_BY_KIND=1 npm run bench:turns      # also p50/p99 for each kind of turn
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ECHO_SCRIPT,
  SERVER_SCRIPT,
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

const USERS = (process.env.BENCH_USERS ?? '10,50,200').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Pause between one person's turns (jittered 0.5–1.5×): people read a card before they answer it. */
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 250);
const BY_KIND = process.env.BENCH_BY_KIND === '1';
/** A folder to write every turn's send time, kind and latency to (one CSV per target and load), to see when slow turns happen. */
const TIMELINE_DIR = process.env.BENCH_TIMELINE_DIR;
/** Extra node flags for our server and for the echo bot, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof". */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const ECHO_NODE_ARGS = (process.env.BENCH_ECHO_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** Which targets to run: echo, pglite, postgres (postgres only with DATABASE_URL). */
const TARGETS = (process.env.BENCH_TARGETS ?? 'echo,pglite,postgres').split(',');

function summarise(samples: Sample[]) {
  const all = samples.map((s) => s.ms).sort((a, b) => a - b);
  return { turns: all.length, p50: percentile(all, 50), p99: percentile(all, 99), max: all[all.length - 1] };
}

async function run(label: string, port: number, users: number, serviceUrl: string, pid?: number) {
  const samples: Sample[] = [];
  const cpuBefore = cpuMs(pid);
  const mainBefore = cpuMs(pid, 'main');
  const driverBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  // Users start together and each goes through its turns one at a time, like people do.
  await Promise.all(
    Array.from({ length: users }, (_, i) => headteacher({ port, user: i + users * 1000, serviceUrl, rounds: ROUNDS, thinkMs: THINK_MS }, samples)),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (TIMELINE_DIR) {
    const zero = Number(started) / 1e6;
    const lines = samples.map((s) => `${((s.sentAt ?? zero) - zero).toFixed(1)},${s.kind},${s.ms.toFixed(2)}`);
    writeFileSync(join(TIMELINE_DIR, `${label.replace(/\W+/g, '-')}-${users}.csv`), `sent_ms,turn,latency_ms\n${lines.join('\n')}\n`);
  }
  const cpuPerTurn = (cpuMs(pid) - cpuBefore) / samples.length;
  const mainPerTurn = (cpuMs(pid, 'main') - mainBefore) / samples.length;
  const driver = process.cpuUsage(driverBefore);
  const driverPerTurn = (driver.user + driver.system) / 1000 / samples.length;
  const kinds = [...new Set(samples.map((s) => s.kind))].map((kind) => ({ kind, ...summarise(samples.filter((s) => s.kind === kind)) }));
  return { label, users, ...summarise(samples), perSecond: samples.length / seconds, cpuPerTurn, mainPerTurn, driverPerTurn, kinds };
}

async function main() {
  const connector = await startConnector();
  const dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-bench-'));
  const targets: { label: string; port: number; env: Record<string, string>; script: string; nodeArgs: string[] }[] = [];
  if (TARGETS.includes('echo')) targets.push({ label: 'echo bot (baseline)', port: 39790, env: { PORT: '39790' }, script: ECHO_SCRIPT, nodeArgs: ECHO_NODE_ARGS });
  if (TARGETS.includes('pglite')) {
    const env = { PORT: '39791', DATA_DIR: dataDir, DEMO_DATA: 'true', LOG_LEVEL: 'warn', DATABASE_URL: '' };
    targets.push({ label: 'Cydweithio, PGlite', port: 39791, env, script: SERVER_SCRIPT, nodeArgs: SERVER_NODE_ARGS });
  }
  if (process.env.DATABASE_URL && TARGETS.includes('postgres')) {
    const url = await scratchDatabase(process.env.DATABASE_URL);
    const env = { PORT: '39792', DATA_DIR: dataDir, DEMO_DATA: 'true', LOG_LEVEL: 'warn', DATABASE_URL: url };
    targets.push({ label: 'Cydweithio, PostgreSQL', port: 39792, env, script: SERVER_SCRIPT, nodeArgs: SERVER_NODE_ARGS });
  }
  const before = machineLine();
  const results = [];
  try {
    for (const target of targets) {
      const child = startProcess(target.script, target.env, target.nodeArgs);
      try {
        await waitHealthy(target.port, { child });
        await run(target.label, target.port, 5, connector.url); // warm up
        for (const users of USERS) results.push(await run(target.label, target.port, users, connector.url, child.pid));
      } finally {
        await stopProcess(child);
      }
    }
  } finally {
    await connector.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const f = (n: number) => n.toFixed(1);
  console.log(`started ${before}`);
  console.log(`ended   ${machineLine()}`);
  console.log(`think time ${THINK_MS} ms (jittered 0.5–1.5×), ${ROUNDS} plans per user, ${turnsPerHeadteacher(ROUNDS)} turns per user`);
  console.log('| target | users | turns | p50 ms | p99 ms | max ms | turns/s | server CPU ms/turn (main thread) | load generator CPU ms/turn |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.label} | ${r.users} | ${r.turns} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.perSecond)} | ${r.cpuPerTurn.toFixed(2)} (${r.mainPerTurn.toFixed(2)}) | ${r.driverPerTurn.toFixed(2)} |`);
  }
  if (BY_KIND) {
    console.log('\n| target | users | turn | turns | p50 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results) for (const k of r.kinds) console.log(`| ${r.label} | ${r.users} | ${k.kind} | ${k.turns} | ${f(k.p50)} | ${f(k.p99)} | ${f(k.max)} |`);
  }
  console.log(`connector calls: ${connector.calls()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
