/**
 * What the HTTP benchmarks share: a Bot Connector stand-in, starting the built server
 * as a process, the activities a headteacher sends, and reading the figures.
 * Used by turns.bench.ts, memory.bench.ts, coldstart.bench.ts and statements.bench.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { nodeFlagsOf } from '../src/platform/paths';

export const ROOT = join(__dirname, '..', '..');
export const SERVER_SCRIPT = join(ROOT, 'dist', 'src', 'index.js');
export const ECHO_SCRIPT = join(ROOT, 'dist', 'bench', 'echoBot.js');
export const SCHOOLS = [6784051, 6782325, 6782205, 6782203, 6784075];

export interface Sample {
  kind: string;
  ms: number;
  /** When the turn was sent (process.hrtime, ms), for a timeline. */
  sentAt?: number;
}

export interface Connector {
  url: string;
  server: Server;
  calls: () => number;
  close: () => Promise<void>;
}

/** A Bot Connector stand-in that answers every send at once. */
export async function startConnector(): Promise<Connector> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"id":"a-${calls}"}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    server,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Starts a built script as its own process, with the Node flags `npm start` uses (from the checkout at `flagsFrom`,
 * this one by default; the echo bot gets them too, as the same stack) and then `nodeArgs`; `ipc` opens a message
 * channel to it (the memory probe uses one).
 */
export function startProcess(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  options: { ipc?: boolean; flagsFrom?: string } = {},
): ChildProcess {
  return spawn(process.execPath, [...nodeFlagsOf(options.flagsFrom), ...nodeArgs, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: options.ipc ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'ignore', 'inherit'],
  });
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc (Linux). CPU per turn does not
 * depend on how busy the machine is the way latency does, so it shows what a change saved. The main
 * thread's share is what limits how many requests the event loop can take.
 */
export function cpuMs(pid: number | undefined, thread?: 'main'): number {
  if (pid === undefined) return NaN;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const file = thread === 'main' ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Polls /healthz until it answers 200; resolves with the moment it did (process.hrtime). */
export async function waitHealthy(port: number, options: { intervalMs?: number; timeoutMs?: number; child?: ChildProcess } = {}): Promise<bigint> {
  const interval = options.intervalMs ?? 100;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (options.child && options.child.exitCode !== null) throw new Error(`server on ${port} exited with ${options.child.exitCode} before it was healthy`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return process.hrtime.bigint();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`server on ${port} never became healthy`);
}

export function activity(user: number, serviceUrl: string, partial: Record<string, unknown>) {
  return {
    channelId: 'msteams',
    serviceUrl,
    id: `in-${user}-${Math.random().toString(36).slice(2)}`,
    locale: user % 3 === 0 ? 'cy-GB' : 'en-GB',
    from: { id: `29:user-${user}`, aadObjectId: `bench-user-${user}`, name: `Head ${user}` },
    recipient: { id: '28:bot', name: 'Cydweithio' },
    conversation: { id: `a:bench-${user}`, conversationType: 'personal', tenantId: 'bench-tenant' },
    channelData: { tenant: { id: 'bench-tenant' } },
    ...partial,
  };
}

export async function post(port: number, body: unknown): Promise<{ ms: number; sentAt: number; json: unknown }> {
  const started = process.hrtime.bigint();
  const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status >= 300) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  return { ms, sentAt: Number(started) / 1e6, json: text ? JSON.parse(text) : null };
}

export const invoke = (verb: string, data: Record<string, unknown>) => ({
  type: 'invoke',
  name: 'adaptiveCard/action',
  value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
});

export interface HeadteacherOptions {
  port: number;
  user: number;
  serviceUrl: string;
  /** Plans written, each Focus → Need → Objectives → summary → "my plans". */
  rounds: number;
  /** Mean pause between turns, jittered 0.5–1.5×; 0 sends the next turn at once. */
  thinkMs: number;
  /** Called after each turn (the statement count reads its counter here). */
  onTurn?: (sample: Sample) => void;
}

export const turnsPerHeadteacher = (rounds: number) => 2 + rounds * 6 - 1;

/**
 * One headteacher: says help, registers a school, then `rounds` times plans Focus → Need →
 * Objectives (three Action.Execute saves), opens the summary and types "my plans".
 */
export async function headteacher(options: HeadteacherOptions, samples: Sample[]): Promise<void> {
  const { port, user, serviceUrl, rounds, thinkMs } = options;
  let jitter = (user * 7919) % 2147483647 || 1;
  const think = () => {
    jitter = (jitter * 48271) % 2147483647;
    return thinkMs === 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, thinkMs * (0.5 + (jitter % 1000) / 1000)));
  };
  const send = async (kind: string, partial: Record<string, unknown>) => {
    await think();
    const r = await post(port, activity(user, serviceUrl, partial));
    const sample = { kind, ms: r.ms, sentAt: r.sentAt };
    samples.push(sample);
    options.onTurn?.(sample);
    return r.json as { value?: unknown } | null;
  };
  await send('message "help"', { type: 'message', text: 'help' });
  const confirmed = await send(
    'invoke onboard.confirm',
    invoke('onboard.confirm', { schoolId: String(SCHOOLS[user % SCHOOLS.length]), role: 'headteacher', query: '' }),
  );
  for (let round = 0; round < rounds; round++) {
    const first = round === 0 ? confirmed : await send('invoke menu.newPlan', invoke('menu.newPlan', {}));
    const planId = JSON.stringify(first).match(/"planId":"([0-9a-f-]{36})"/)?.[1] ?? 'missing';
    let version = 1;
    for (const [field, text] of [
      ['focus', `KS${user % 4} numeracy, round ${round}`],
      ['need', 'Below the family of similar schools for three years'],
      ['objectives', 'Raise attainment of FSM pupils'],
    ]) {
      const reply = await send(`invoke plan.saveField (${field})`, invoke('plan.saveField', { planId, version, field, then: 'next', text }));
      version = Number(JSON.stringify(reply).match(/"version":(\d+)/)?.[1] ?? version + 1);
    }
    await send('invoke plan.open', invoke('plan.open', { planId }));
    await send('message "my plans"', { type: 'message', text: 'my plans' });
  }
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/** A fresh scratch database beside the one given, so a benchmark never writes into someone's data. */
export async function scratchDatabase(url: string, name = 'cydweithio_bench'): Promise<string> {
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return scratch.toString();
}

/** One line for the README: when, on what, and how busy the machine was (other people's tests share it). */
export function machineLine(): string {
  const [one, five] = loadavg();
  return `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.versions.node}, load average ${one.toFixed(2)} (1 min) ${five.toFixed(2)} (5 min)`;
}
