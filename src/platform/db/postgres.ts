import { Client, Pool, type ClientConfig, type PoolClient } from 'pg';
import { DatabaseUnavailableError, type Database, type Sql } from './db';

export interface PostgresOptions {
  connectionString: string;
  /** Tables go in this schema (tests isolate themselves this way). */
  schema?: string;
  maxConnections?: number;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08006', '08001', '08003']);

function translate(err: unknown): unknown {
  const code = (err as { code?: string })?.code;
  const message = err instanceof Error ? err.message : '';
  if (
    (code && CONNECTION_ERRORS.has(code)) ||
    /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|is not queryable/.test(message)
  ) {
    return new DatabaseUnavailableError(err);
  }
  return err;
}

/**
 * A pg client whose broken connection never takes the process down. pg emits 'error' on a
 * client when its socket fails (PostgreSQL restarted, network reset), even in the middle of a
 * query or while the client is checked out, and the pool listens only while it is idle: an
 * unheard 'error' event is an uncaught exception. The failure still reaches the caller (the
 * query is rejected, later ones on that client too) and the pool drops the client on release.
 * pg-boss's pool uses it as well.
 */
export class SurvivingClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/**
 * Names for prepared statements, one per statement text. pg prepares a named statement once per connection and
 * afterwards only binds and executes it, so PostgreSQL parses and plans each of a turn's few statement texts once
 * per connection instead of on every call (at 50 users: p50 7.4 → 5.7 ms, bench/README.md). Bounded: texts beyond
 * the limit (the school search makes one per number of words; none is made per call) run unnamed, as before.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();
  private made = 0;

  constructor(private readonly limit = 300) {}

  nameFor(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= this.limit) return known;
    const name = `cydweithio_${++this.made}`;
    this.names.set(text, name);
    return name;
  }

  /** The next call with this text prepares it again under a new name. */
  forget(text: string): void {
    this.names.delete(text);
  }
}

/** Opens the pool's connections at start rather than in the first burst of turns (each is a server process). */
async function openAll(pool: Pool, count: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => pool.connect()));
  for (const client of clients) client.release();
}

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const max = options.maxConnections ?? 10;
  const pool = new Pool({
    connectionString: options.connectionString,
    max,
    // Every connection stays open through quiet spells, so people arriving together after a pause never wait for
    // new connections and their server processes, nor for statements to be prepared again on them.
    min: max,
    connectionTimeoutMillis: 3_000,
    Client: SurvivingClient,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);

  if (options.schema) {
    await pool.query(`create schema if not exists "${options.schema.replace(/"/g, '')}"`);
  }
  await openAll(pool, max);

  const names = new StatementNames();
  const onClient = (client: Pick<PoolClient, 'query'>, inTransaction = false): Sql => ({
    async query<T>(text: string, params: readonly unknown[] = []) {
      // Statements without parameters are mostly one-offs (migrations, maintenance): not worth a name.
      const name = params.length > 0 ? names.nameFor(text) : undefined;
      const run = (as?: string) => client.query({ name: as, text, values: params as unknown[] }).then((result) => result.rows as T[]);
      try {
        return await run(name);
      } catch (err) {
        // A table's columns changed under a prepared "select *" (another instance migrated it): prepare it afresh,
        // and outside a transaction (which the failure has lost) run it again at once.
        const stalePlan = name !== undefined && (err as { code?: string }).code === '0A000';
        if (stalePlan) names.forget(text);
        if (!stalePlan || inTransaction) throw translate(err);
        return run().catch((again: unknown) => {
          throw translate(again);
        });
      }
    },
  });

  return {
    kind: 'postgres',
    ...onClient(pool),
    async exec(text: string) {
      try {
        await pool.query(text);
      } catch (err) {
        throw translate(err);
      }
    },
    async simpleQuery(text: string) {
      const client = await pool.connect().catch((err) => {
        throw translate(err);
      });
      try {
        const result = (await client.query(text)) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
        return Array.isArray(result) ? (result[result.length - 1]?.rows ?? []) : result.rows;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw translate(err);
      } finally {
        client.release();
      }
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw translate(err);
      }
      try {
        await client.query('begin');
        const result = await fn(onClient(client, true));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw translate(err);
      } finally {
        client.release();
      }
    },
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    async ping() {
      try {
        await pool.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await pool.end();
    },
  };
}
