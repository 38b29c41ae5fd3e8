import type { Sql } from '../db/db';
import { ABSENT, hotRowsOf, userCacheKey, writeThrough, type CachedState, type HotRows, type Known } from '../db/hotRows';
import { USER_COLUMNS, frozenUser, toUser, type UserRecord, type UserRow } from '../../features/people/users';

/** A stored document with the version it was read at (botbuilder calls it an eTag). */
export interface StateItem {
  [key: string]: unknown;
  eTag?: string;
}

/** A cached document handed to a turn: its own copy, as teams-ai changes the state it was given. */
const itemOf = (state: CachedState): StateItem => ({ ...structuredClone(state.doc), eTag: state.etag });

/**
 * Key-value documents with optimistic concurrency, in the same database as
 * everything else, so a restart or a second instance keeps conversations.
 * The botbuilder `Storage` adapter in src/platform/teams wraps this.
 */
export class SqlStateStore {
  /** On the embedded database only (see hotRowsOf): documents and user rows kept in this process. */
  private readonly cache: HotRows | undefined;

  constructor(private readonly sql: Sql) {
    this.cache = hotRowsOf(sql);
  }

  async read(keys: string[]): Promise<Record<string, StateItem>> {
    if (keys.length === 0) return {};
    return (await this.readWithUser(keys)).items;
  }

  /**
   * The state documents and the acting user's row in one round trip: every turn needs both
   * before it can do anything, and on the embedded database each statement has a fixed cost.
   * There, a turn whose documents and user are all in the cache reads nothing at all.
   */
  async readWithUser(keys: string[], user?: { tenantId: string; userId: string }): Promise<{ items: Record<string, StateItem>; user: UserRecord | null }> {
    const fromCache = this.cached(keys, user);
    if (fromCache) return fromCache;
    const startedAt = this.cache?.state.readStarted() ?? 0;
    const userStartedAt = this.cache?.users.readStarted() ?? 0;
    const rows = await this.sql.query<{ key: string | null; etag: string | null; doc: Record<string, unknown> | null } & UserRow>(
      `select key, etag::text as etag, doc,
              null::text as tenant_id, null::text as user_id, null::text as display_name, null::text as locale,
              null::integer as school_id, null::text as school_role, null::jsonb as personal_conversation
         from bot_state where key = any($1::text[])
       union all
       select null, null, null, ${USER_COLUMNS} from users where tenant_id = $2 and user_id = $3`,
      [keys, user?.tenantId ?? null, user?.userId ?? null],
    );
    const items: Record<string, StateItem> = {};
    let found: UserRecord | null = null;
    for (const row of rows) {
      if (row.key === null) found = toUser(row);
      else items[row.key] = { ...row.doc, eTag: row.etag ?? undefined };
    }
    if (this.cache) {
      for (const key of keys) {
        const item = items[key];
        this.cache.state.filled(key, item ? { doc: structuredClone(stateDocOf(item)), etag: item.eTag! } : ABSENT, startedAt);
      }
      if (user) {
        if (found) found = frozenUser(found);
        this.cache.users.filled(userCacheKey(user.tenantId, user.userId), found ?? ABSENT, userStartedAt);
      }
    }
    return { items, user: found };
  }

  /** Everything the read needs, if the cache knows all of it. */
  private cached(keys: string[], user?: { tenantId: string; userId: string }): { items: Record<string, StateItem>; user: UserRecord | null } | undefined {
    if (!this.cache) return undefined;
    let person: Known<UserRecord> | undefined = ABSENT;
    if (user) {
      person = this.cache.users.lookup(userCacheKey(user.tenantId, user.userId));
      if (person === undefined) return undefined;
    }
    const items: Record<string, StateItem> = {};
    for (const key of keys) {
      const state = this.cache.state.lookup(key);
      if (state === undefined) return undefined;
      if (state !== ABSENT) items[key] = itemOf(state);
    }
    return { items, user: person === ABSENT ? null : person };
  }

  /** Writes each item; an item carrying an old eTag is refused, '*' or none overwrites. */
  async write(changes: Record<string, StateItem>): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const doc = stateDocOf(item);
      const json = JSON.stringify(doc);
      const fresh = !item.eTag || item.eTag === '*';
      if (fresh) this.cache?.state.mayCreate(key);
      await writeThrough(
        this.cache?.state,
        key,
        async () => {
          const rows = fresh
            ? await this.sql.query<{ etag: string }>(
                `insert into bot_state (key, doc) values ($1, $2)
                 on conflict (key) do update set doc = excluded.doc, etag = bot_state.etag + 1, updated_at = now()
                 returning etag::text as etag`,
                [key, json],
              )
            : await this.sql.query<{ etag: string }>('update bot_state set doc = $2, etag = etag + 1, updated_at = now() where key = $1 and etag = $3 returning etag::text as etag', [
                key,
                json,
                Number(item.eTag),
              ]);
          if (rows.length === 0) throw new Error(`state for ${key} was changed by another turn (eTag ${item.eTag} is stale)`);
          return rows[0].etag;
        },
        (etag) => ({ doc: JSON.parse(json) as Record<string, unknown>, etag }),
      );
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const started = keys.map((key) => this.cache?.state.writeStarted(key) ?? 0);
    try {
      await this.sql.query('delete from bot_state where key = any($1::text[])', [keys]);
      keys.forEach((key, i) => this.cache?.state.written(key, ABSENT, started[i]));
    } catch (err) {
      keys.forEach((key, i) => this.cache?.state.writeFailed(key, started[i]));
      throw err;
    }
  }
}

/** A state item without its version: what is stored as the document. */
function stateDocOf(item: StateItem): Record<string, unknown> {
  const { eTag: _version, ...doc } = item;
  return doc;
}
