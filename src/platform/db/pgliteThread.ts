import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../log';
import { openClaimed } from './dataDirLock';
import { DatabaseUnavailableError, type Database, type Sql } from './db';
import { StatementJournal } from './journal';

/**
 * The embedded database on its own thread. PGlite runs PostgreSQL as WASM on whichever
 * thread calls it; on the main thread its work (about half of a turn's CPU) queues behind
 * and in front of every HTTP request. Here it runs beside them on another core, and the
 * main thread only waits for answers.
 *
 * Durability is unchanged: the worker writes the same files the same way, and a call
 * resolves only after PGlite has finished the statement (its writes are in the operating
 * system's hands, so they survive the process being killed). The one exception is
 * `sendJournaled`, whose statement is in the journal (journal.ts), as durable, before it is sent.
 */

type Op = 'query' | 'exec' | 'simpleQuery' | 'close';

interface Request {
  id: number;
  op: Op;
  text?: string;
  params?: readonly unknown[];
  /** Sent inside BEGIN … COMMIT: a failed statement cannot simply be tried again. */
  inTransaction?: boolean;
}

/** Prepared statements the database thread keeps; the least recently used is closed beyond this. */
const MAX_PREPARED_STATEMENTS = 200;

interface Reply {
  id: number;
  rows?: unknown[];
  error?: { message: string; fields: Record<string, unknown> };
}

/**
 * The worker's whole program. It is started from this function's source text (so it runs
 * the same from the compiled build and under the test runner) and therefore refers to
 * nothing outside itself: PGlite's module path and the data directory come in workerData.
 */
function workerMain(): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { PGlite, protocol, parse } = require(workerData.pglitePath) as typeof import('@electric-sql/pglite');
  const port = parentPort!;
  const pg = new PGlite(workerData.dataDir);
  const maxPrepared: number = workerData.maxPrepared;
  const message = protocol.serialize;

  const joined = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };

  /*
   * Every parameterised statement is prepared once (parsed, analysed, its parameter types learnt) and
   * then only bound and executed, in one exchange with the database instead of PGlite's six for an
   * unnamed statement: a turn's statements are the same few texts over and over. Values are turned
   * into text exactly as PGlite's own query() does, from the parameter types the database reported.
   */
  const prepared = new Map<string, { name: string; paramTypes: number[] }>();
  let statementCount = 0;

  const prepare = async (text: string) => {
    const known = prepared.get(text);
    if (known) {
      prepared.delete(text); // and back in at the end: most recently used
      prepared.set(text, known);
      return known;
    }
    const name = `cydweithio_${++statementCount}`;
    const described = await pg.execProtocol(joined([message.parse({ name, text, types: [] }), message.describe({ type: 'S', name }), message.sync()]));
    const statement = { name, paramTypes: parse.parseDescribeStatementResults(described.messages) };
    prepared.set(text, statement);
    if (prepared.size > maxPrepared) {
      const [oldest, old] = prepared.entries().next().value as [string, { name: string }];
      prepared.delete(oldest);
      await pg.execProtocol(joined([message.close({ type: 'S', name: old.name }), message.sync()]));
    }
    return statement;
  };

  const forget = async (text: string) => {
    const known = prepared.get(text);
    if (!known) return;
    prepared.delete(text);
    await pg.execProtocol(joined([message.close({ type: 'S', name: known.name }), message.sync()])).catch(() => undefined);
  };

  const runPrepared = async (text: string, params: readonly unknown[]): Promise<unknown[]> => {
    const statement = await prepare(text);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serialize = pg.serializers[statement.paramTypes[i]];
      return serialize ? serialize(value) : (value as { toString(): string }).toString();
    });
    const { messages } = await pg.execProtocol(
      joined([message.bind({ statement: statement.name, values }), message.describe({ type: 'P' }), message.execute({}), message.sync()]),
    );
    return parse.parseResults(messages, pg.parsers)[0]?.rows ?? [];
  };

  const query = async (request: Request): Promise<unknown[]> => {
    const text = request.text!;
    const params = request.params ?? [];
    try {
      return await runPrepared(text, params);
    } catch (err) {
      // A table's columns changed under a prepared "select *" (after a migration): prepare it afresh.
      if ((err as { code?: string }).code !== '0A000') throw err;
      await forget(text);
      if (request.inTransaction) throw err;
      return runPrepared(text, params);
    }
  };

  const errorOf = (err: unknown) => {
    const fields: Record<string, unknown> = {};
    if (err && typeof err === 'object') {
      for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
    }
    return { message: err instanceof Error ? err.message : String(err), fields };
  };

  const run = async (request: Request): Promise<unknown[] | undefined> => {
    switch (request.op) {
      case 'query':
        return query(request);
      case 'exec':
        await pg.exec(request.text!);
        return undefined;
      case 'simpleQuery':
        try {
          const results = await pg.exec(request.text!);
          return results[results.length - 1]?.rows ?? [];
        } catch (err) {
          // PGlite is one session: a failed BEGIN…COMMIT block would leave every later query failing.
          await pg.exec('rollback').catch(() => undefined);
          throw err;
        }
      case 'close':
        if (!pg.closed) await pg.close();
        return undefined;
    }
  };

  // Requests arrive one at a time (the main thread serialises them), but keep them in order regardless.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (request: Request) => {
    chain = chain.then(async () => {
      try {
        const rows = await run(request);
        port.postMessage({ id: request.id, rows });
      } catch (err) {
        port.postMessage({ id: request.id, error: errorOf(err) });
      }
    });
  });

  pg.waitReady.then(
    () => port.postMessage({ id: 0 }),
    (err: unknown) => port.postMessage({ id: 0, error: errorOf(err) }),
  );
}

/**
 * Who may use the one database session. Single statements are sent at once, without waiting for
 * the ones before them to be answered: the thread runs them one at a time in the order they were
 * sent, so they are pipelined rather than each waiting for the main thread to notice the last
 * answer (which, with the main thread busy, left the database thread idle and made statements
 * queue behind each other's round trips). A transaction holds the session from BEGIN to COMMIT:
 * transactions run one after another, and a single statement sent while one is open waits for
 * it to end, so nothing interleaves with it.
 */
class Session {
  private transactions: Promise<void> = Promise.resolve();
  /** Settles when the open transaction ends; undefined when none is open. */
  private openTransaction: Promise<void> | undefined;

  single<T>(work: () => Promise<T>): Promise<T> {
    if (!this.openTransaction) return work();
    return this.openTransaction.then(() => this.single(work));
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    const result = this.transactions.then(async () => {
      let ended!: () => void;
      this.openTransaction = new Promise<void>((resolve) => (ended = resolve));
      try {
        return await work();
      } finally {
        this.openTransaction = undefined;
        ended();
      }
    });
    this.transactions = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** Opens PGlite with its files in dataDir on a worker thread, first running what a killed process left in its journal. */
export async function openPgliteThread(dataDir: string, log: Logger = silentLogger): Promise<Database> {
  return openClaimed(dataDir, (release) => startThread(dataDir, release, log));
}

async function startThread(dataDir: string, release: () => void, log: Logger): Promise<Database> {
  const worker = new Worker(`(${workerMain.toString()})()`, {
    eval: true,
    workerData: { dataDir, pglitePath: require.resolve('@electric-sql/pglite'), maxPrepared: MAX_PREPARED_STATEMENTS },
  });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (err: unknown) => void }>();
  let nextId = 1;
  let gone: Error | undefined;

  const failAll = (err: Error) => {
    gone = err;
    for (const p of pending.values()) p.reject(new DatabaseUnavailableError(err));
    pending.clear();
  };

  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), reply.error.fields));
    else waiting.resolve(reply.rows ?? []);
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`the database thread stopped (exit code ${code})`)));
  await ready;

  const call = (op: Op, text?: string, params?: readonly unknown[], inTransaction = false): Promise<unknown[]> => {
    if (gone) return Promise.reject(new DatabaseUnavailableError(gone));
    const id = nextId++;
    return new Promise<unknown[]>((resolve, reject) => {
      // An idle thread must not keep a finished process alive; one with work to do must.
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, text, params, inTransaction } satisfies Request);
    });
  };

  const session = new Session();

  // Beside the data directory, like its lock file, and run before anything else (migrations included) sees the data.
  const journal = new StatementJournal(`${resolve(dataDir)}.journal`);
  try {
    const replay = await StatementJournal.replay(journal.path, (text, params) => call('query', text, params));
    if (replay.failed > 0) log.error('statements acknowledged before a stop could not all be run again', replay);
    else if (replay.replayed > 0) log.info('statements acknowledged before a stop were run again', replay);
    journal.open();
  } catch (err) {
    await worker.terminate();
    throw err;
  }

  const inTransaction: Sql = {
    query: <T>(text: string, params?: readonly unknown[]) => call('query', text, params, true) as Promise<T[]>,
  };

  return {
    kind: 'pglite',
    exclusive: true,
    query: <T>(text: string, params?: readonly unknown[]) => session.single(() => call('query', text, params) as Promise<T[]>),
    async exec(text: string) {
      await session.single(() => call('exec', text));
    },
    simpleQuery: (text: string) => session.single(() => call('simpleQuery', text) as Promise<Record<string, unknown>[]>),
    sendJournaled<T>(text: string, params: readonly unknown[]) {
      if (gone || !journal.accepting) return undefined;
      journal.append(text, params);
      const ran = session.single(() => call('query', text, params) as Promise<T[]>);
      ran.then(
        () => journal.settled(),
        () => journal.failed(),
      );
      return ran;
    },
    transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      return session.transaction(async () => {
        await call('exec', 'begin');
        try {
          const result = await fn(inTransaction);
          await call('exec', 'commit');
          return result;
        } catch (err) {
          await call('exec', 'rollback').catch(() => undefined);
          throw err;
        }
      });
    },
    async ping() {
      try {
        await session.single(() => call('query', 'select 1'));
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (gone) {
        journal.close();
        return release();
      }
      await session.transaction(() => call('close')).catch(() => undefined);
      journal.close();
      worker.ref(); // until it has exited
      await worker.terminate();
      release();
    },
  };
}
