import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

/** One statement as written to the journal: its text and its parameters (as JSON: dates become ISO text). */
export interface JournalEntry {
  text: string;
  params: unknown[];
}

/**
 * Beyond this the journal takes nothing more until the statements in flight have run and it is emptied: under a
 * load that never lets it drain, saves wait for the database as they did before, and a restart has little to run.
 */
const MAX_BYTES = 256 * 1024;

/**
 * Statements of the embedded database that were acknowledged before the database had run them.
 *
 * A plan save is the turn people make most, and its one statement took about a millisecond on the database
 * thread, most of the turn. A save whose outcome is already known (see SqlPlanRepository.update) is appended
 * here first, with an ordinary write to the file, and the turn answers while the database runs it. The append
 * is as durable as the database's own writes (PGlite writes its files the same way, without fsync): both survive
 * the process being killed, neither a power cut before the operating system has written them out.
 *
 * Whenever every statement appended has run, the file is emptied, so it holds only saves of the last moment (and
 * never more than MAX_BYTES): nothing a deleted person wrote lingers in it. At start, before anything else runs, what a
 * killed process left is run again in order (`replay`): only statements that change nothing when run a second
 * time are journaled, so running one that had already landed is harmless.
 */
export class StatementJournal {
  private fd: number | undefined;
  private inFlight = 0;
  private bytes = 0;
  /** Set when a journaled statement failed: its entry must stay for the next start, so nothing more is journaled. */
  private stopped = false;

  constructor(readonly path: string) {}

  /** Opens the file for appending; call after `replay`, which leaves it empty. */
  open(): void {
    this.fd = openSync(this.path, 'a');
    this.bytes = 0;
  }

  /** True while statements may be journaled. */
  get accepting(): boolean {
    return this.fd !== undefined && !this.stopped && this.bytes < MAX_BYTES;
  }

  /** Appends one statement (throws if the file cannot be written: then nothing was journaled). */
  append(text: string, params: readonly unknown[]): void {
    if (!this.accepting) throw new Error('the statement journal is not accepting statements');
    const line = Buffer.from(JSON.stringify({ text, params }) + '\n');
    let written = 0;
    while (written < line.length) written += writeSync(this.fd!, line, written);
    this.bytes += line.length;
    this.inFlight++;
  }

  /** A journaled statement has run (whatever it changed): once none is in flight, the file is emptied. */
  settled(): void {
    this.inFlight--;
    if (this.inFlight > 0 || this.stopped || this.fd === undefined) return;
    ftruncateSync(this.fd, 0);
    this.bytes = 0;
  }

  /** A journaled statement failed to run: keep the file as it is for the next start, and journal nothing more. */
  failed(): void {
    this.inFlight--;
    this.stopped = true;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Runs, in order, every whole entry a previous process left, then empties the file. A last line cut short (the
   * process died while appending it) was never acknowledged and is skipped. If an entry is damaged or fails, the
   * file is kept beside under another name for someone to look at, and the start goes on.
   */
  static async replay(path: string, run: (text: string, params: unknown[]) => Promise<unknown>): Promise<{ replayed: number; failed: number; keptAt?: string }> {
    if (!existsSync(path)) return { replayed: 0, failed: 0 };
    // Every whole entry ends in a newline; what follows the last one was cut short as the process died, never acknowledged.
    const whole = readFileSync(path, 'utf8').split('\n').slice(0, -1);
    let replayed = 0;
    let failed = 0;
    for (const line of whole) {
      try {
        const entry = JSON.parse(line) as JournalEntry;
        await run(entry.text, entry.params);
        replayed++;
      } catch {
        failed++; // damaged, or refused by the database
      }
    }
    if (failed > 0) {
      const keptAt = `${path}.failed-${Date.now()}`;
      renameSync(path, keptAt);
      return { replayed, failed, keptAt };
    }
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, 0);
    } finally {
      closeSync(fd);
    }
    return { replayed, failed: 0 };
  }
}
