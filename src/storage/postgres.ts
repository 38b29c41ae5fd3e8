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
  if ((code && CONNECTION_ERRORS.has(code)) || /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|is not queryable/.test(message)) {
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

export async function openPostgres(options: PostgresOptions): Promise<Database> {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 3_000,
    Client: SurvivingClient,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);

  if (options.schema) {
    await pool.query(`create schema if not exists "${options.schema.replace(/"/g, '')}"`);
  }

  const onClient = (client: Pick<PoolClient, 'query'>): Sql => ({
    async query<T>(text: string, params: readonly unknown[] = []) {
      try {
        const result = await client.query(text, params as unknown[]);
        return result.rows as T[];
      } catch (err) {
        throw translate(err);
      }
    },
  });

  return {
    kind: 'postgres',
    exclusive: false,
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
        const result = await fn(onClient(client));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw translate(err);
      } finally {
        client.release();
      }
    },
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
