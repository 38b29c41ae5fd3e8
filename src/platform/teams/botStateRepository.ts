import type { Sql } from '../db/db';

/** A stored document with the version it was read at (botbuilder calls it an eTag). */
export interface StateItem {
  [key: string]: unknown;
  eTag?: string;
}

/**
 * Key-value documents with optimistic concurrency, in the same database as
 * everything else, so a restart or a second instance keeps conversations.
 * The botbuilder `Storage` adapter in src/platform/teams wraps this.
 */
export class SqlStateStore {
  constructor(private readonly sql: Sql) {}

  async read(keys: string[]): Promise<Record<string, StateItem>> {
    if (keys.length === 0) return {};
    const rows = await this.sql.query<{ key: string; etag: string; doc: Record<string, unknown> }>(
      'select key, etag::text as etag, doc from bot_state where key = any($1::text[])',
      [keys],
    );
    const items: Record<string, StateItem> = {};
    for (const row of rows) items[row.key] = { ...row.doc, eTag: row.etag };
    return items;
  }

  /** Writes each item; an item carrying an old eTag is refused, '*' or none overwrites. */
  async write(changes: Record<string, StateItem>): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...doc } = item;
      const json = JSON.stringify(doc);
      const rows =
        !eTag || eTag === '*'
          ? await this.sql.query(
              `insert into bot_state (key, doc) values ($1, $2)
               on conflict (key) do update set doc = excluded.doc, etag = bot_state.etag + 1, updated_at = now()
               returning etag`,
              [key, json],
            )
          : await this.sql.query('update bot_state set doc = $2, etag = etag + 1, updated_at = now() where key = $1 and etag = $3 returning etag', [
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
