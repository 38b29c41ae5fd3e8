import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/platform/db/db';
import { migrate } from '../../src/platform/db/migrate';
import { PGlite } from '@electric-sql/pglite';
import { pgliteOptions, wrapPglite } from '../../src/platform/db/pglite';
import { openPostgres } from '../../src/platform/db/postgres';

export interface DatabaseUnderTest {
  name: string;
  open(): Promise<Database>;
}

/** PGlite always; a real PostgreSQL too when DATABASE_URL is set (each opening gets its own schema). */
export function databasesUnderTest(): DatabaseUnderTest[] {
  const list: DatabaseUnderTest[] = [{ name: 'pglite', open: () => pgliteForTest(migratedOnly) }];
  const url = process.env.DATABASE_URL;
  if (url) {
    list.push({
      name: 'postgres',
      open: async () => {
        const schema = `test_${randomBytes(6).toString('hex')}`;
        const db = await openPostgres({ connectionString: url, schema, maxConnections: 4 });
        const close = db.close.bind(db);
        return migrated({
          ...db,
          close: async () => {
            await db.exec(`drop schema if exists ${schema} cascade`);
            await close();
          },
        });
      },
    });
  }
  return list;
}

const migratedOnly = async (): Promise<void> => undefined;

async function migrated(db: Database): Promise<Database> {
  await migrate(db);
  return db;
}

/** The one in-memory PGlite of this test file (jest gives each file its own modules); opening one costs seconds. */
let shared: Promise<PGlite> | undefined;
let opened = 0;
/** The schema a test is using now: PGlite is one session, so only one at a time. */
let inUse: string | undefined;
/** Set when the file's tests are done: the shared PGlite is closed as soon as no test database is open. */
let fileDone = false;

async function closeShared(): Promise<void> {
  const pg = await shared;
  shared = undefined;
  if (pg && !pg.closed) await pg.close();
}

// A jest worker runs several files: each file's PGlite is closed when the file is done, or the worker is left with
// PGlite's timers and is force-exited. This hook runs before the file's own afterAll hooks, so a database still open
// then (a harness closed in the file's afterAll) closes the shared PGlite when it is closed itself.
afterAll(async () => {
  fileDone = true;
  if (!inUse) await closeShared();
});

/**
 * A migrated, seeded database for one test: a schema of its own in this file's PGlite, made the current
 * one (search_path) and dropped on close. Migrating a schema costs a few hundred milliseconds, where
 * cloning a prepared PGlite for each test cost seconds.
 */
export async function pgliteForTest(seed: (db: Database) => Promise<void>): Promise<Database> {
  if (inUse) throw new Error(`the test database ${inUse} is still open: close it before opening another`);
  shared ??= (async () => {
    const pg = new PGlite(pgliteOptions());
    await pg.waitReady;
    return pg;
  })();
  const pg = await shared;
  const schema = `test_${++opened}`;
  inUse = schema;
  await pg.exec(`create schema ${schema}; set search_path = ${schema}`);
  const db = wrapPglite(pg);
  await migrate(db);
  await seed(db);
  return {
    ...db,
    async close() {
      if (inUse !== schema) return;
      inUse = undefined;
      await pg.exec(`reset search_path; drop schema ${schema} cascade`);
      if (fileDone) await closeShared();
    },
  };
}
