import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nodeFlagsOf } from '../../src/platform/paths';

/**
 * What the Dockerfile does, without Docker (not on every machine): a clean copy of the project, npm ci, build,
 * production dependencies only (npm prune --omit=dev), then the bot started with the Dockerfile's own CMD. A runtime
 * dependency declared as a devDependency, a file the built code reads but the image lacks, or a lock file npm ci
 * refuses fails here. Slow (a full install, about two minutes): npm run test:unit skips tests/deploy.
 */

const ROOT = join(__dirname, '..', '..');
const run = (cwd: string, command: string, args: string[]) =>
  execFileSync(command, args, {
    cwd,
    stdio: 'pipe',
    env: { ...process.env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false', NODE_ENV: '' },
    maxBuffer: 64 * 1024 * 1024,
  }).toString();

/** The exec form of the Dockerfile's CMD, e.g. ["node", "--single-threaded-gc", "dist/src/index.js"]. */
function dockerCmd(): string[] {
  const line = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('CMD '));
  if (!line) throw new Error('Dockerfile has no CMD');
  return JSON.parse(line.slice(4)) as string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('the production install (as the container image builds it)', () => {
  let work: string;
  let bot: ChildProcess | undefined;
  let output = '';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cydweithio-prod-'));
    // The project as a fresh clone has it: tracked files and new ones not ignored (no node_modules, dist or data).
    const files = run(ROOT, 'git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean);
    for (const file of files) {
      if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree
      mkdirSync(dirname(join(work, file)), { recursive: true });
      cpSync(join(ROOT, file), join(work, file));
    }
  });

  afterAll(() => {
    if (bot && bot.exitCode === null && bot.signalCode === null) bot.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('installs from the lock file, builds, and keeps production dependencies only', () => {
    run(work, 'npm', ['ci']);
    run(work, 'npm', ['run', 'build']);
    run(work, 'npm', ['prune', '--omit=dev']);
    for (const devOnly of ['typescript', 'jest', '@swc/core', 'playwright-core']) expect(existsSync(join(work, 'node_modules', devOnly))).toBe(false);
    expect(existsSync(join(work, 'dist', 'src', 'index.js'))).toBe(true);
  }, 900_000);

  it("starts with the Dockerfile's CMD (npm start's flags), answers the probes, and stops cleanly on SIGTERM", async () => {
    const [command, ...args] = dockerCmd();
    expect(command).toBe('node');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(args.slice(0, -1)).toEqual(nodeFlagsOf(ROOT));
    expect(pkg.scripts['start:prod']).toBe(`MALLOC_ARENA_MAX=1 node $npm_package_config_nodeFlags ${args[args.length - 1]}`);
    // The same memory behaviour in the image as with npm start and start:prod.
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^ENV .*\bMALLOC_ARENA_MAX=1\b/m);
    expect(pkg.scripts.start).toContain('MALLOC_ARENA_MAX=1 node $npm_package_config_nodeFlags');

    const port = await freePort();
    bot = spawn(process.execPath, args, {
      cwd: work,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), DATA_DIR: join(work, 'data'), DEMO_DATA: 'false', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    bot.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    bot.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => bot!.once('exit', (code) => resolve(code)));

    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    let live = 0;
    while (Date.now() < deadline && bot.exitCode === null) {
      live = await fetch(`${url}/livez`).then(
        (r) => r.status,
        () => 0,
      );
      if (live === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (live !== 200) throw new Error(`the built bot did not answer /livez:\n${output.slice(-4000)}`);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('cydweithio_jobs_queued');

    bot.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  }, 180_000);
});
