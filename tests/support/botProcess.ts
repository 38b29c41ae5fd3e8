import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFlagsOf } from '../../src/platform/paths';

export const ROOT = join(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, '.e2e-artifacts');

/** The Node flags `npm start` runs the bot with, so tests run what ships. */
export const NODE_FLAGS = nodeFlagsOf(ROOT);

/** The built bot as a separate process, as users meet it: on the embedded database unless told otherwise. */
export class BotProcess {
  child?: ChildProcess;
  private started = false;
  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logName = 'bot',
  ) {}

  async start(): Promise<void> {
    const entry = join(ROOT, 'dist', 'src', 'index.js');
    if (!existsSync(entry)) throw new Error('build first: npm run build (npm test does)');
    mkdirSync(ARTIFACTS, { recursive: true });
    // A new log for each test run; a restart by the same test adds to it.
    const out = openSync(join(ARTIFACTS, `${this.logName}.log`), this.started ? 'a' : 'w');
    this.started = true;
    this.child = spawn(process.execPath, [...NODE_FLAGS, entry], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(this.port), LOG_LEVEL: 'warn', DATABASE_URL: '', ...this.env },
      stdio: ['ignore', out, out],
    });
    await this.waitUntil(async () => (await fetch(`${this.url}/healthz`)).status === 200, 60_000);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Kills the process at once, as a crash or a pulled plug would. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || hasExited(child)) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await probe().catch(() => false)) return;
      if (this.child && hasExited(this.child)) {
        throw new Error(
          `bot on ${this.port} ${this.child.exitCode !== null ? `exited with code ${this.child.exitCode}` : `was killed by ${this.child.signalCode}`}; the end of .e2e-artifacts/${this.logName}.log:\n${this.logTail()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`bot on ${this.port} did not become ready`);
  }

  /** The last lines the process wrote, so a failure in CI says why without the artifact. */
  logTail(lines = 30): string {
    try {
      return readFileSync(join(ARTIFACTS, `${this.logName}.log`), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch {
      return '(no log)';
    }
  }

  async post(body: unknown): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  }
}

/** A process killed by a signal has no exit code, only the signal. */
const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

export function personalActivity(user: string, serviceUrl: string, partial: Record<string, unknown>) {
  return {
    channelId: 'msteams',
    serviceUrl,
    locale: 'en-GB',
    from: { id: `29:${user}`, aadObjectId: user, name: user },
    recipient: { id: '28:bot', name: 'Cydweithio' },
    conversation: { id: `a:${user}`, conversationType: 'personal', tenantId: 'fault-tenant' },
    channelData: { tenant: { id: 'fault-tenant' } },
    ...partial,
  };
}

export const executeActivity = (verb: string, data: Record<string, unknown>) => ({
  type: 'invoke',
  name: 'adaptiveCard/action',
  value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
});
