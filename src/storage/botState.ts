import type { Sql } from './db';
import { USER_COLUMNS, toUser, type UserRecord, type UserRow } from './users';

/** A stored document with the version it was read at (botbuilder calls it an eTag). */
export interface StateItem {
  [key: string]: unknown;
  eTag?: string;
}

/**
 * Key-value documents with optimistic concurrency, in the same database as
 * everything else, so a restart or a second instance keeps conversations.
 * The botbuilder `Storage` adapter in src/teams wraps this.
 */
export class SqlStateStore {
  constructor(private readonly sql: Sql) {}

  async read(keys: string[]): Promise<Record<string, StateItem>> {
    if (keys.length === 0) return {};
    const rows = await this.sql.query<{ key: string; etag: string; doc: Record<string, unknown> }>(
      'select key, etag::text as etag, doc from bot_state where key = any($1::text[])',
      [keys],
    );
    const found: Record<string, StateItem> = {};
    for (const row of rows) found[row.key] = { ...row.doc, eTag: row.etag };
    return found;
  }

  /**
   * The state documents and the acting user's row in one round trip: every turn needs both
   * before it can do anything, and on the embedded database each statement has a fixed cost.
   */
  async readWithUser(keys: string[], user: { tenantId: string; userId: string }): Promise<{ items: Record<string, StateItem>; user: UserRecord | null }> {
    const rows = await this.sql.query<{ key: string | null; etag: string | null; doc: Record<string, unknown> | null } & UserRow>(
      `select key, etag::text as etag, doc,
              null::text as tenant_id, null::text as user_id, null::text as display_name, null::text as locale,
              null::integer as school_id, null::text as school_role, null::jsonb as personal_conversation
         from bot_state where key = any($1::text[])
       union all
       select null, null, null, ${USER_COLUMNS} from users where tenant_id = $2 and user_id = $3`,
      [keys, user.tenantId, user.userId],
    );
    const items: Record<string, StateItem> = {};
    let found: UserRecord | null = null;
    for (const row of rows) {
      if (row.key === null) found = toUser(row);
      else items[row.key] = { ...row.doc, eTag: row.etag ?? undefined };
    }
    return { items, user: found };
  }

  /** Writes each item; an item carrying an old eTag is refused, '*' or none overwrites. */
  async write(changes: Record<string, StateItem>): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...doc } = item;
      const json = JSON.stringify(doc);
      if (!eTag || eTag === '*') {
        await this.sql.query(
          `insert into bot_state (key, doc) values ($1, $2)
           on conflict (key) do update set doc = excluded.doc, etag = bot_state.etag + 1, updated_at = now()`,
          [key, json],
        );
        continue;
      }
      const rows = await this.sql.query('update bot_state set doc = $2, etag = etag + 1, updated_at = now() where key = $1 and etag = $3 returning key', [
        key,
        json,
        Number(eTag),
      ]);
      if (rows.length === 0) throw new Error(`state for ${key} was changed by another turn (eTag ${eTag} is stale)`);
    }
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.sql.query('delete from bot_state where key = any($1::text[])', [keys]);
  }
}
