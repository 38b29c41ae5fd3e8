import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/platform/db/db';
import { migrate } from '../../src/platform/db/migrate';
import { PGlite } from '@electric-sql/pglite';
import { wrapPglite } from '../../src/platform/db/pglite';
import { openPostgres } from '../../src/platform/db/postgres';

export interface DatabaseUnderTest {
  name: string;
  open(): Promise<Database>;
}

/** PGlite always; a real PostgreSQL too when DATABASE_URL is set (each opening gets its own schema). */
export function databasesUnderTest(): DatabaseUnderTest[] {
  const list: DatabaseUnderTest[] = [{ name: 'pglite', open: () => clonedPglite(migratedOnly) }];
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

const templates = new Map<unknown, Promise<PGlite>>();

/**
 * A migrated, seeded in-memory database for one test. Opening PGlite costs
 * seconds; cloning a prepared one per test file costs about half of one.
 */
export async function clonedPglite(seed: (db: Database) => Promise<void>): Promise<Database> {
  let template = templates.get(seed);
  if (!template) {
    template = (async () => {
      const pg = new PGlite();
      await pg.waitReady;
      const db = wrapPglite(pg);
      await migrate(db);
      await seed(db);
      return pg;
    })();
    templates.set(seed, template);
  }
  return wrapPglite(await (await template).clone());
}
