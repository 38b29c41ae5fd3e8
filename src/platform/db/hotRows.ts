import type { Database, Sql } from './db';
import type { Plan } from '../../features/plans/plan';
import type { UserRecord } from '../../features/people/users';

/** A cache entry that records a row known not to exist, so a first-time user is not read again every turn. */
export const ABSENT: unique symbol = Symbol('absent');
export type Known<V> = V | typeof ABSENT;

/**
 * A bounded, write-through cache of rows one process alone can change.
 *
 * Reads fill it, writes go to the database first and then here. It is only coherent when this
 * process makes every change to the rows it holds, so it is used only on a database marked
 * `exclusive` (the embedded one: a lock file keeps every other process out of its files); with
 * PostgreSQL several instances may write, and nothing is cached.
 *
 * Races within the process: a write forgets the entry before its statement is sent, so a read
 * that starts meanwhile goes to the database. The embedded database runs statements one at a
 * time in the order they were sent, so that read sees the write. A read's result is kept only
 * if no write (to any key) began and no clear happened since the read began, and a write's
 * result only if it is still the newest write to that key. A clear (after a bulk change such as
 * deleting a person) drops everything and disowns writes still in flight.
 */
export class WriteThroughCache<V> {
  private readonly entries = new Map<string, Known<V>>();
  /** Writes still in flight: key → the epoch the newest one started at. */
  private readonly writing = new Map<string, number>();
  private epoch = 0;
  /**
   * Every key that may have a row, when known: read once at start (`loadExisting`) and added to before any
   * statement that could create a row is sent (`mayCreate`), never removed from. A key not in it has no row,
   * so a never-seen user's first turn need not read anything to learn that.
   */
  private existing: Set<string> | undefined;
  hits = 0;
  misses = 0;

  constructor(
    private readonly capacity: number,
    /** Beyond this many keys the set of existing keys is dropped, and a key not cached is read again. */
    private readonly maxExistingKeys = capacity * 10,
  ) {}

  /** The cached value, ABSENT for a row known not to exist, or undefined when unknown. */
  lookup(key: string): Known<V> | undefined {
    const found = this.entries.get(key);
    if (found === undefined) {
      if (this.existing && !this.existing.has(key) && !this.writing.has(key)) {
        this.hits++;
        return ABSENT;
      }
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Most recently used goes last, so the oldest is first to go when full.
    this.entries.delete(key);
    this.entries.set(key, found);
    return found;
  }

  /** Call before reading from the database; pass the result to `filled`. */
  readStarted(): number {
    return this.epoch;
  }

  filled(key: string, value: Known<V>, readStartedAt: number): void {
    if (readStartedAt === this.epoch && !this.writing.has(key)) this.remember(key, value);
  }

  /** Call before writing to the database; pass the result to `written` or `writeFailed`. */
  writeStarted(key: string): number {
    const at = ++this.epoch;
    this.writing.set(key, at);
    this.entries.delete(key);
    return at;
  }

  /** What the database now holds for the key (the written row, or ABSENT after a delete). */
  written(key: string, value: Known<V>, writeStartedAt: number): void {
    if (this.writing.get(key) !== writeStartedAt) return;
    this.writing.delete(key);
    this.remember(key, value);
  }

  /** The write failed or its outcome is unknown: the next read goes to the database. */
  writeFailed(key: string, writeStartedAt: number): void {
    if (this.writing.get(key) === writeStartedAt) this.writing.delete(key);
  }

  /** What the cache holds for the key may not be what the database holds: the next read goes to the database. */
  forget(key: string): void {
    this.writeFailed(key, this.writeStarted(key));
  }

  /** Every key that has a row now (read at start, before any turn); a second load changes nothing. */
  loadExisting(keys: Iterable<string>): void {
    if (this.existing) return;
    const all = new Set(keys);
    this.existing = all.size <= this.maxExistingKeys ? all : undefined;
  }

  /** Call before sending a statement that may create the key's row. */
  mayCreate(key: string): void {
    if (!this.existing) return;
    this.existing.add(key);
    if (this.existing.size > this.maxExistingKeys) this.existing = undefined;
  }

  /** Rows deleted or changed outside the cache: forget every entry (the set of existing keys, a superset, stays right). */
  clear(): void {
    this.epoch++;
    this.entries.clear();
    this.writing.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private remember(key: string, value: Known<V>): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/**
 * Reads one key through the cache (or straight from the database when there is none): the cached
 * value, else `load`'s answer, kept unless a write overlapped it. `copy` gives each caller and the
 * cache their own object where callers may change what they get.
 */
export async function readThrough<V>(cache: WriteThroughCache<V> | undefined, key: string, load: () => Promise<V | null>, copy: (value: V) => V = (v) => v): Promise<V | null> {
  const cached = cache?.lookup(key);
  if (cached !== undefined) return cached === ABSENT ? null : copy(cached);
  const startedAt = cache?.readStarted() ?? 0;
  const value = await load();
  cache?.filled(key, value === null ? ABSENT : copy(value), startedAt);
  return value;
}

/**
 * Runs one statement that writes the key's row. Afterwards the cache holds what `stored` makes of the
 * statement's result; when that is undefined (the outcome is not known to be committed) or the statement
 * failed, the key is forgotten and read afresh next time.
 */
export async function writeThrough<V, T>(cache: WriteThroughCache<V> | undefined, key: string, statement: () => Promise<T>, stored: (result: T) => Known<V> | undefined): Promise<T> {
  if (!cache) return statement();
  const startedAt = cache.writeStarted(key);
  let result: T;
  try {
    result = await statement();
  } catch (err) {
    cache.writeFailed(key, startedAt);
    throw err;
  }
  const value = stored(result);
  if (value === undefined) cache.writeFailed(key, startedAt);
  else cache.written(key, value, startedAt);
  return result;
}

/**
 * Sends one statement whose outcome is already known, without waiting for it: the cache holds `value` at once, and
 * every read after it sees the write (the embedded database runs statements in the order they were sent). `send`
 * gives the running statement, or undefined when it cannot be sent that way (then nothing was sent and the key is
 * as before; if `send` throws, the same, and the error is the caller's). If the statement fails, or `landed` says
 * it changed nothing after all, the key is forgotten and `missed` is told why (the error, or undefined).
 */
export function writeAhead<V, T>(
  cache: WriteThroughCache<V>,
  key: string,
  send: () => Promise<T> | undefined,
  value: V,
  landed: (result: T) => boolean,
  missed: (error: unknown) => void,
): boolean {
  const startedAt = cache.writeStarted(key);
  let running: Promise<T> | undefined;
  try {
    running = send();
  } finally {
    if (!running) cache.writeFailed(key, startedAt);
  }
  if (!running) return false;
  cache.written(key, value, startedAt);
  running.then(
    (result) => {
      if (landed(result)) return;
      cache.forget(key);
      missed(undefined);
    },
    (err: unknown) => {
      cache.forget(key);
      missed(err);
    },
  );
  return true;
}

/** A teams-ai state document as stored: its content and its version. */
export interface CachedState {
  doc: Record<string, unknown>;
  etag: string;
}

/** The rows turns read most: the acting user's, teams-ai's state documents, and the plans being worked on. */
export interface HotRows {
  users: WriteThroughCache<UserRecord>;
  state: WriteThroughCache<CachedState>;
  plans: WriteThroughCache<Plan>;
  /** After a change made outside the repositories (deleting a person, purging old state). */
  clear(): void;
}

/** Enough for every headteacher, adviser and admin of a large consortium; a user row with its chat reference is about 1 KB. */
export const HOT_USERS = 5_000;
/** Each user has a personal-chat conversation document at most, plus cluster channels' and group chats'. */
export const HOT_STATE_DOCUMENTS = 10_000;
/** Plans opened or saved lately; a plan with every field written is a few kilobytes. */
export const HOT_PLANS = 2_000;

const byDatabase = new WeakMap<object, HotRows>();

/**
 * The hot-row cache of a database no other process can change (the embedded one), shared by every
 * repository opened on it, so two runtimes on one such database in a test still see one cache;
 * undefined for PostgreSQL, which other instances may change, and for a transaction handle.
 */
export function hotRowsOf(sql: Sql): HotRows | undefined {
  if ((sql as Partial<Database>).exclusive !== true) return undefined;
  let rows = byDatabase.get(sql);
  if (!rows) {
    const users = new WriteThroughCache<UserRecord>(HOT_USERS);
    const state = new WriteThroughCache<CachedState>(HOT_STATE_DOCUMENTS);
    const plans = new WriteThroughCache<Plan>(HOT_PLANS);
    rows = {
      users,
      state,
      plans,
      clear() {
        users.clear();
        state.clear();
        plans.clear();
      },
    };
    byDatabase.set(sql, rows);
  }
  return rows;
}

export const userCacheKey = (tenantId: string, userId: string): string => `${tenantId}\u0000${userId}`;

/**
 * At start, before any turn: learns which user rows and state documents exist, so that a key the
 * cache has not seen and that is not among them is known to be absent without a read.
 */
export async function loadExistingKeys(db: Database): Promise<void> {
  const rows = hotRowsOf(db);
  if (!rows) return;
  const users = await db.query<{ tenant_id: string; user_id: string }>('select tenant_id, user_id from users limit $1', [HOT_USERS * 10 + 1]);
  rows.users.loadExisting(users.map((u) => userCacheKey(u.tenant_id, u.user_id)));
  const state = await db.query<{ key: string }>('select key from bot_state limit $1', [HOT_STATE_DOCUMENTS * 10 + 1]);
  rows.state.loadExisting(state.map((r) => r.key));
}
