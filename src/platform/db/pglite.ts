import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { openClaimed } from './dataDirLock';
import type { Database, Sql } from './db';

/**
 * Embedded PostgreSQL (WASM) on the calling thread. A data directory makes it durable; none keeps it in memory.
 * The server opens its data directory with openPgliteThread, which also runs the journal a killed process left.
 */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (!dataDir) {
    const pg = new PGlite();
    await pg.waitReady;
    return wrapPglite(pg);
  }
  return openClaimed(dataDir, async (release) => {
    const pg = new PGlite(dataDir);
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
    exclusive: true,
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
