import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The embedded database is files that one process may use at a time: PGlite itself does not stop a
 * second process opening them, and two writers would corrupt them. A lock file holding the owner's
 * process id keeps the second `npm start` out with a clear message. A lock left by a process that
 * no longer runs (killed, or a container restarted) is taken over.
 */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly lockFile: string,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by another process (pid ${pid}). ` +
        `Stop that process first, or set DATABASE_URL so several instances share a PostgreSQL server. ` +
        `If no such process is running, delete ${lockFile}.`,
    );
  }
}

/** Directories this process holds, so a second open here is refused too and our own id in an old file is not mistaken for us. */
const heldHere = new Set<string>();

function runningElsewhere(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false; // ESRCH: no such process
  }
  // The id may have been reused by something else since a crash; where /proc says so, the lock is stale.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true;
  }
}

/** Takes the data directory for this process; the returned function gives it back. Throws DataDirInUseError. */
export function claimDataDir(dataDir: string): () => void {
  const dir = resolve(dataDir);
  // Beside the directory, not in it: PGlite initialises a new directory itself and wants it as it left it.
  const lockFile = `${dir}.lock`;
  if (heldHere.has(dir)) throw new DataDirInUseError(dir, process.pid, lockFile);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      heldHere.add(dir);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        heldHere.delete(dir);
        try {
          if (readFileSync(lockFile, 'utf8').trim() === String(process.pid)) unlinkSync(lockFile);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: number;
    try {
      holder = Number(readFileSync(lockFile, 'utf8').trim());
    } catch {
      continue; // removed meanwhile: try again
    }
    if (runningElsewhere(holder)) throw new DataDirInUseError(dir, holder, lockFile);
    try {
      unlinkSync(lockFile); // stale: its process is gone
    } catch {
      // someone else removed it first; the next attempt decides
    }
  }
  throw new Error(`could not take the lock file ${lockFile}`);
}

/** Creates the directory if need be, claims it, and opens it; a failed opening gives the claim back. */
export async function openClaimed<T>(dataDir: string, open: (release: () => void) => Promise<T>): Promise<T> {
  mkdirSync(dataDir, { recursive: true });
  const release = claimDataDir(dataDir);
  try {
    return await open(release);
  } catch (err) {
    release();
    throw err;
  }
}
