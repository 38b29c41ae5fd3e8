import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

const DEBIAN_POSTGRES = '/usr/lib/postgresql';

/** The server binaries: POSTGRES_BIN, or the newest version Debian's postgresql package installed (.ci/run installs it). */
export function postgresBin(): string {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const versions = existsSync(DEBIAN_POSTGRES)
    ? readdirSync(DEBIAN_POSTGRES)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_POSTGRES, v, 'bin', 'initdb')))
        .sort((x, y) => Number(y) - Number(x))
    : [];
  return join(DEBIAN_POSTGRES, versions[0] ?? '15', 'bin');
}

/** The server refuses to run as root, so as root it runs as this account. */
const SERVER_USER = 'postgres';

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a free port, that
 * the test may stop and start at will: the machine's shared server is never touched.
 */
export class ThrowawayPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'cydweithio-pg-'));
  readonly bin = postgresBin();
  port = 0;

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** A connection string for the given database on this server (trust authentication). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates the cluster and starts the server. */
  async init(): Promise<void> {
    for (const tool of ['initdb', 'pg_ctl', 'postgres']) {
      if (!existsSync(join(this.bin, tool))) {
        throw new Error(
          `PostgreSQL server binaries are missing (${join(this.bin, tool)}). These fault tests start their own throwaway server: ` +
            `install Debian's "postgresql" package (apt-get install postgresql, as .ci/run does) or set POSTGRES_BIN to the directory holding initdb and pg_ctl.`,
        );
      }
    }
    if (process.getuid?.() === 0) chownSync(this.dir, ...this.serverIds());
    this.port = await freePort();
    await this.as(join(this.bin, 'initdb'), ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C']);
    await this.start();
  }

  async start(): Promise<void> {
    const options = [`-p ${this.port}`, `-k ${this.dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off'].join(' ');
    await this.as(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
  }

  /** Stops the server: 'fast' ends sessions politely, 'immediate' is as abrupt as a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.as(join(this.bin, 'pg_ctl'), ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Stops the server if it runs and removes everything. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private serverIds(): [number, number] {
    const passwd = readFileSync('/etc/passwd', 'utf8');
    const line = passwd.split('\n').find((l) => l.startsWith(`${SERVER_USER}:`));
    if (!line) throw new Error(`running as root, the throwaway PostgreSQL needs a "${SERVER_USER}" account to run as (Debian's postgresql package creates it)`);
    const [, , uid, gid] = line.split(':');
    return [Number(uid), Number(gid)];
  }

  private async as(command: string, args: string[]): Promise<void> {
    const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, args];
    try {
      await run(file, argv, { cwd: this.dir });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr || e.message}`, { cause: err });
    }
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A database of a test's own, dropped after: on the shared server when the suite has one (DATABASE_URL, as
 * in CI), otherwise on a throwaway server started for it.
 */
export class ScratchDatabase {
  private throwaway?: ThrowawayPostgres;
  private adminUrl = '';
  readonly name: string;
  url = '';

  constructor(prefix: string) {
    this.name = `${prefix}_${randomBytes(5).toString('hex')}`;
  }

  async create(): Promise<string> {
    if (process.env.DATABASE_URL) {
      this.adminUrl = process.env.DATABASE_URL;
    } else {
      this.throwaway = new ThrowawayPostgres();
      await this.throwaway.init();
      this.adminUrl = this.throwaway.url();
    }
    await this.onAdmin(`create database ${this.name}`);
    const url = new URL(this.adminUrl);
    url.pathname = `/${this.name}`;
    this.url = url.toString();
    return this.url;
  }

  async drop(): Promise<void> {
    if (this.adminUrl) await this.onAdmin(`drop database if exists ${this.name} with (force)`).catch(() => undefined);
    await this.throwaway?.destroy();
  }

  private async onAdmin(sql: string): Promise<void> {
    await withClient(this.adminUrl, (c) => c.query(sql));
  }
}

/** One connection for one piece of work, closed after. */
export async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
