import { PGlite, parse, protocol, type PGliteOptions } from '@electric-sql/pglite';
import { openClaimed } from './dataDirLock';
import type { Database, Sql } from './db';

/**
 * PostgreSQL's default shared_buffers (128 MB) is allocated and zeroed inside PGlite's WASM heap at start, so
 * all of it is resident whether used or not; the embedded database itself is about 11 MB with the demo directory,
 * and the operating system's file cache holds what does not fit. 128 MB → 16 MB took about 140 MB off the
 * resident memory of the idle server.
 */
const SHARED_BUFFERS = '16MB';

/** Options for every PGlite the project opens (the server's, and the tests' in memory). */
export function pgliteOptions(): PGliteOptions {
  return { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`] };
}

/**
 * Embedded PostgreSQL (WASM) in this process. A data directory makes it durable (a call resolves once PGlite
 * has written its files, which then survive the process being killed); none keeps it in memory.
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (!dataDir) {
    const pg = new PGlite(pgliteOptions());
    await pg.waitReady;
    return wrapPglite(pg);
  }
  return openClaimed(dataDir, async (release) => {
    const pg = new PGlite(dataDir, pgliteOptions());
    await pg.waitReady;
    const db = wrapPglite(pg);
    return {
      ...db,
      async close() {
        await db.close();
        release();
      },
    };
  });
}

/** Prepared statements kept per database; the least recently used is closed beyond this. */
const MAX_PREPARED_STATEMENTS = 200;

/**
 * Named prepared statements, as pg keeps them for PostgreSQL (postgres.ts): each parameterised statement
 * text is parsed and analysed once, then only bound and executed, in one exchange with the database
 * instead of the several PGlite's query() makes for an unnamed statement each time. A turn sends the same
 * few texts over and over. Values become text exactly as PGlite's own query() makes them, from the
 * parameter types the database reported. The caller must hold PGlite's session (see wrapPglite).
 */
class PreparedStatements {
  private readonly known = new Map<string, { name: string; paramTypes: number[] }>();
  private made = 0;

  constructor(private readonly pg: PGlite) {}

  async run(text: string, params: readonly unknown[], inTransaction: boolean): Promise<unknown[]> {
    try {
      return await this.bindAndExecute(text, params);
    } catch (err) {
      // A table's columns changed under a prepared "select *" (after a migration): prepare it afresh, and outside
      // a transaction (which the failure has lost) run it again at once.
      if ((err as { code?: string }).code !== '0A000') throw err;
      await this.forget(text);
      if (inTransaction) throw err;
      return this.bindAndExecute(text, params);
    }
  }

  private async bindAndExecute(text: string, params: readonly unknown[]): Promise<unknown[]> {
    const statement = await this.prepare(text);
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serialize = this.pg.serializers[statement.paramTypes[i]];
      return serialize ? serialize(value) : String(value);
    });
    const { messages } = await this.pg.execProtocol(
      joined([serialize.bind({ statement: statement.name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]),
    );
    return parse.parseResults(messages, this.pg.parsers)[0]?.rows ?? [];
  }

  private async prepare(text: string): Promise<{ name: string; paramTypes: number[] }> {
    const known = this.known.get(text);
    if (known) {
      this.known.delete(text); // and back in at the end: most recently used
      this.known.set(text, known);
      return known;
    }
    const name = `cydweithio_${++this.made}`;
    const described = await this.pg.execProtocol(
      joined([serialize.parse({ name, text, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]),
    );
    const statement = { name, paramTypes: parse.parseDescribeStatementResults(described.messages) };
    this.known.set(text, statement);
    if (this.known.size > MAX_PREPARED_STATEMENTS) {
      const [oldest] = this.known.keys();
      await this.forget(oldest);
    }
    return statement;
  }

  private async forget(text: string): Promise<void> {
    const known = this.known.get(text);
    if (!known) return;
    this.known.delete(text);
    await this.pg.execProtocol(joined([serialize.close({ type: 'S', name: known.name }), serialize.sync()])).catch(() => undefined);
  }
}

const serialize = protocol.serialize;

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One set of prepared statements per PGlite: they belong to its one session, whoever wraps it. */
const preparedByDatabase = new WeakMap<PGlite, PreparedStatements>();

/** Our Database over an open PGlite (tests share one between schemas this way). */
export function wrapPglite(pg: PGlite): Database {
  let prepared = preparedByDatabase.get(pg);
  if (!prepared) preparedByDatabase.set(pg, (prepared = new PreparedStatements(pg)));
  const statements = prepared;

  // PGlite is one session. A statement outside a transaction waits for any open one to end, as pg.query() does;
  // inside one, the transaction already holds the session.
  const run = async <T>(text: string, params: readonly unknown[], inTransaction: boolean): Promise<T[]> => {
    if (params.length === 0) return (await pg.query<T>(text)).rows; // mostly one-offs: not worth a name
    const send = () => pg._runExclusiveQuery(() => statements.run(text, params, inTransaction));
    return (await (inTransaction ? send() : pg._runExclusiveTransaction(send))) as T[];
  };

  return {
    kind: 'pglite',
    query: <T>(text: string, params: readonly unknown[] = []) => run<T>(text, params, false),
    async exec(text: string) {
      await pg.exec(text);
    },
    async simpleQuery(text: string) {
      try {
        const results = await pg.exec(text);
        return (results[results.length - 1]?.rows ?? []) as Record<string, unknown>[];
      } catch (err) {
        // PGlite is one session: a failed BEGIN…COMMIT block would leave every later query failing.
        await pg.exec('rollback').catch(() => undefined);
        throw err;
      }
    },
    transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      return pg.transaction((tx) =>
        fn({
          query: <R>(text: string, params: readonly unknown[] = []) =>
            params.length === 0 ? tx.query<R>(text).then((r) => r.rows) : run<R>(text, params, true),
        }),
      );
    },
    async ping() {
      try {
        await pg.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (!pg.closed) await pg.close();
    },
  };
}
