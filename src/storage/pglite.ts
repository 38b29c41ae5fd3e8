import { PGlite, type PGliteInterface, type PGliteOptions } from '@electric-sql/pglite';
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

/** Our Database over an open PGlite (tests clone a prepared one this way). */
export function wrapPglite(pg: PGliteInterface): Database {
  const asSql = (runner: Pick<PGliteInterface, 'query'>): Sql => ({
    async query<T>(text: string, params: readonly unknown[] = []) {
      const result = await runner.query<T>(text, params as unknown[]);
      return result.rows;
    },
  });

  return {
    kind: 'pglite',
    ...asSql(pg),
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
      return pg.transaction((tx) => fn(asSql(tx)));
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
