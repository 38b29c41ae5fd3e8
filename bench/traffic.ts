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
/**
 * Every maintained school in the seed directory, so each simulated headteacher registers at a school of their own: a
 * school has one confirmed head, and a second person claiming it would wait for confirmation with no plan to write.
 */
let allSchools: number[] | undefined;
export function schoolFor(user: number): number {
  allSchools ??= readFileSync(join(ROOT, 'src', 'features', 'directory', 'seed-data', 'schools_wales_maintained_2018_enriched.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',')[0]))
    .filter((id) => Number.isInteger(id) && id > 0);
  return allSchools[user % allSchools.length];
}

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
  // The message holding the card, as Teams sends it: a card that refreshes for everyone is replaced there.
  replyToId: 'bench-card',
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
  const confirmed = await send('invoke onboard.confirm', invoke('onboard.confirm', { schoolId: String(schoolFor(user)), role: 'headteacher', query: '' }));
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

/** The admin and the adviser of the card-action scenario (their Teams ids are `bench-user-<n>`); the server is started with the admin in ADMIN_USER_IDS. */
export const BENCH_ADMIN = 900_000_001;
export const BENCH_ADVISER = 900_000_002;
export const benchUserId = (user: number) => `bench-user-${user}`;

/** The admin and the adviser say hello (so the bot can reach them), and the admin makes the adviser one for every local authority. */
export async function cardActionsSetup(port: number, serviceUrl: string): Promise<void> {
  await post(port, activity(BENCH_ADMIN, serviceUrl, { type: 'message', text: 'help' }));
  await post(port, activity(BENCH_ADVISER, serviceUrl, { type: 'message', text: 'help' }));
  const granted = await post(
    port,
    activity(BENCH_ADMIN, serviceUrl, invoke('match.grantRole', { userId: benchUserId(BENCH_ADVISER), role: 'adviser', laCode: 'all', school: '' })),
  );
  if (JSON.stringify(granted.json).includes('"attention"')) throw new Error(`the adviser role was not granted: ${JSON.stringify(granted.json).slice(0, 300)}`);
}

/**
 * One round of the card actions people wait on most (issue 15): a headteacher finds a partner and asks through an
 * adviser, the adviser approves a school, and the admin opens the FADE cycle form and sets a cycle for every cluster.
 * `user` and `user + 1` are two new headteachers (the one asking, and the head of the school approved). Only the
 * actions are timed, not the turns that set them up.
 */
export async function cardActions(options: { port: number; serviceUrl: string; user: number; round: number }, samples: Sample[]): Promise<void> {
  const { port, serviceUrl, user, round } = options;
  const send = async (who: number, partial: Record<string, unknown>, kind?: string) => {
    const r = await post(port, activity(who, serviceUrl, partial));
    if (JSON.stringify(r.json).includes('went wrong')) throw new Error(`a card action failed: ${JSON.stringify(partial).slice(0, 200)}`);
    if (kind) samples.push({ kind, ms: r.ms, sentAt: r.sentAt });
    return JSON.stringify(r.json);
  };
  const expect = (reply: string, pattern: RegExp, what: string) => {
    const found = pattern.exec(reply)?.[1];
    if (!found) throw new Error(`${what}: not in the reply ${reply.slice(0, 300)}`);
    return found;
  };
  const partner = user + 1;
  for (const head of [user, partner]) await send(head, { type: 'message', text: 'help' });
  await send(partner, invoke('onboard.confirm', { schoolId: String(schoolFor(partner)), role: 'headteacher', query: '' }));
  const confirmed = await send(user, invoke('onboard.confirm', { schoolId: String(schoolFor(user)), role: 'headteacher', query: '' }));
  const planId = expect(confirmed, /"planId":"([0-9a-f-]{36})"/, 'a new plan');
  let version = 1;
  for (const [field, text] of [
    ['focus', 'Numeracy in key stage 2'],
    ['need', 'Below the family of similar schools for three years'],
    ['objectives', 'Raise attainment of FSM pupils'],
  ]) {
    const reply = await send(user, invoke('plan.saveField', { planId, version, field, then: 'next', text }));
    version = Number(/"version":(\d+)/.exec(reply)?.[1] ?? version + 1);
  }
  await send(user, invoke('match.find', { planId }), 'find a partner');
  const asked = await send(user, invoke('match.askBroker', { planId }), 'ask through an adviser');
  const requestId = expect(asked, /"requestId":"([0-9a-f-]{36})"/, 'the request');
  const approved = await send(
    BENCH_ADVISER,
    invoke('match.approve', { requestId, version: 1, schoolId: String(schoolFor(partner)), otherSchoolId: '' }),
    'approve (adviser)',
  );
  if (approved.includes('"attention"')) throw new Error(`approve was refused: ${approved.slice(0, 300)}`);
  await send(BENCH_ADMIN, { type: 'message', text: 'fade cycle 2026/27' }, 'open the FADE cycle form');
  const set = await send(
    BENCH_ADMIN,
    invoke('fade.setCycle', {
      name: `Bench ${user}-${round}`,
      round1Name: '',
      round1Deadline: '2027-03-12',
      round2Name: '',
      round2Deadline: '2027-07-09',
      round3Name: '',
      round3Deadline: '',
      round4Name: '',
      round4Deadline: '',
      offsets: '',
      sendTime: '',
      clusterIds: '',
    }),
    'set a FADE cycle (every cluster)',
  );
  if (!/clusters/.test(set) || set.includes('"attention"')) throw new Error(`setting the cycle was refused: ${set.slice(0, 300)}`);
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
