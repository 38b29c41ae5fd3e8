/**
 * The one way the application talks SQL. Both the embedded PGlite and a real
 * PostgreSQL sit behind it, so repositories are written once.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs several statements with no parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs one or more statements without parameters and returns the last one's rows; rolls back on failure. */
  simpleQuery(text: string): Promise<Record<string, unknown>[]>;
  /** Runs fn in one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** The connection pool's use now (a real PostgreSQL only), for the metrics. */
  poolUse?(): { total: number; idle: number; waiting: number; max: number };
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Raised when the database cannot be reached, so callers can tell users to try again. */
export class DatabaseUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DatabaseUnavailableError';
  }
}
