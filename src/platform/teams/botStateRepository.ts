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

  /** Deletes every document whose key ends with one of these (a person's chat and user scopes); how many. */
  async deleteEndingWith(suffixes: readonly string[], sql: Sql = this.sql): Promise<number> {
    if (suffixes.length === 0) return 0;
    const removed = await sql.query(
      'delete from bot_state where exists (select 1 from unnest($1::text[]) s where right(bot_state.key, length(s)) = s) returning key',
      [[...suffixes]],
    );
    return removed.length;
  }

  /** Deletes documents no turn has written for this many days (by the database's clock, which wrote them); how many. */
  async deleteUnusedFor(days: number): Promise<number> {
    return (await this.sql.query('delete from bot_state where updated_at < now() - make_interval(days => $1::int) returning key', [days])).length;
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.sql.query('delete from bot_state where key = any($1::text[])', [keys]);
  }
}
