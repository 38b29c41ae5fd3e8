import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, claimDataDir } from '../../src/platform/db/dataDirLock';
import { openPglite } from '../../src/platform/db/pglite';

const work = mkdtempSync(join(tmpdir(), 'cydweithio-lock-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
const freshDir = () => join(work, `db${n++}`);

/** A live node process that is not us, to stand for a second `npm start`. */
async function otherNodeProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("up"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

describe('the embedded database directory is used by one process at a time', () => {
  it('refuses a second claim in the same process until the first is released', () => {
    const dir = freshDir();
    const release = claimDataDir(dir);
    expect(() => claimDataDir(dir)).toThrow(DataDirInUseError);
    release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
    claimDataDir(dir)();
  });

  it('refuses while another running process holds it, naming the process and the lock file', async () => {
    const dir = freshDir();
    const other = await otherNodeProcess();
    try {
      writeFileSync(`${dir}.lock`, String(other.pid));
      expect(() => claimDataDir(dir)).toThrow(new RegExp(`in use by another process \\(pid ${other.pid}\\)[\\s\\S]*${dir}\\.lock`));
      expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(other.pid)); // not taken from its owner
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a process that was killed, or by an earlier life of our own process id', async () => {
    const dir = freshDir();
    const other = await otherNodeProcess();
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;
    writeFileSync(`${dir}.lock`, String(other.pid));
    const release = claimDataDir(dir);
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    release();
    // A container restarted gives the new process the same id as the old one: that is not a second process.
    writeFileSync(`${dir}.lock`, String(process.pid));
    claimDataDir(dir)();
  });

  it('is claimed by opening the file-backed database and given back by closing it', async () => {
    const dir = freshDir();
    const db = await openPglite(dir);
    await expect(openPglite(dir)).rejects.toThrow(DataDirInUseError);
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
    await db.close();
    const again = await openPglite(dir);
    await again.close();
  });
});
