import type { Locale } from '../../platform/i18n';
import type { Sql } from '../../platform/db/db';
import type { SchoolRole, UserRecord } from './model';

export interface UserRepository {
  get(tenantId: string, userId: string): Promise<UserRecord | null>;
  /** Someone known only by Teams user id, in one of the reader's community tenants (their own first). */
  findIn(tenants: readonly string[], userId: string): Promise<UserRecord | null>;
  /** Records that the user was seen; keeps their personal chat reference for proactive messages. */
  touch(user: { tenantId: string; userId: string; displayName: string | null; personalConversation?: Record<string, unknown> }): Promise<UserRecord>;
  setLocale(tenantId: string, userId: string, locale: Locale): Promise<void>;
  /**
   * The person's confirmed school role (null: none). Only the school role claims repository calls this, when a
   * claim is confirmed or a role ends, inside its transaction: a role is confirmed, never simply set.
   */
  recordConfirmedSchool(tenantId: string, userId: string, schoolId: number | null, role: SchoolRole | null, sql: Sql): Promise<void>;
  /** Records the plan the person has open now, for "continue" (callers skip it when it is the one already recorded). */
  rememberPlan(tenantId: string, userId: string, planId: string): Promise<void>;
  /** Teams said the personal chat is gone: the bot can no longer reach the person there. */
  forgetPersonalConversation(tenantId: string, userId: string): Promise<void>;
}

export interface UserRow {
  tenant_id: string;
  user_id: string;
  display_name: string | null;
  locale: Locale | null;
  school_id: number | null;
  school_role: SchoolRole | null;
  personal_conversation: Record<string, unknown> | null;
  last_plan_id: string | null;
}

/** The columns a UserRecord is made from. */
export const USER_COLUMNS = 'tenant_id, user_id, display_name, locale, school_id, school_role, personal_conversation, last_plan_id';

export const toUser = (r: UserRow): UserRecord => ({
  tenantId: r.tenant_id,
  userId: r.user_id,
  displayName: r.display_name,
  locale: r.locale,
  schoolId: r.school_id,
  schoolRole: r.school_role,
  personalConversation: r.personal_conversation,
  lastPlanId: r.last_plan_id,
});

/** Deep equality of two JSON values, whatever the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bKeys = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export class SqlUserRepository implements UserRepository {
  constructor(private readonly sql: Sql) {}

  // ---- deleting a person (privacy), each inside the caller's transaction ----

  /** Locks the person's row for their deletion; their personal chat reference (null: none, or no such person). */
  async lockForDeletion(
    tenantId: string,
    userId: string,
    sql: Sql,
  ): Promise<{ personalConversation: Record<string, unknown> | null; displayName: string | null }> {
    const [row] = await sql.query<{ personal_conversation: Record<string, unknown> | null; display_name: string | null }>(
      'select personal_conversation, display_name from users where tenant_id = $1 and user_id = $2 for update',
      [tenantId, userId],
    );
    return { personalConversation: row?.personal_conversation ?? null, displayName: row?.display_name ?? null };
  }

  /** The row that stands for everyone deleted (records kept for others point at it), made if missing. */
  async ensureStandIn(tenantId: string, standInId: string, sql: Sql): Promise<void> {
    await sql.query('insert into users (tenant_id, user_id, display_name) values ($1, $2, null) on conflict do nothing', [tenantId, standInId]);
  }

  /** Deletes the person's row: how many (0 or 1). */
  async deletePerson(tenantId: string, userId: string, sql: Sql): Promise<number> {
    return (await sql.query('delete from users where tenant_id = $1 and user_id = $2 returning user_id', [tenantId, userId])).length;
  }

  async get(tenantId: string, userId: string): Promise<UserRecord | null> {
    const rows = await this.sql.query<UserRow>(`select ${USER_COLUMNS} from users where tenant_id = $1 and user_id = $2`, [tenantId, userId]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async findIn(tenants: readonly string[], userId: string): Promise<UserRecord | null> {
    const rows = await this.sql.query<UserRow>(
      `select ${USER_COLUMNS} from users where tenant_id = any($1::text[]) and user_id = $2 order by tenant_id = $3 desc, tenant_id limit 1`,
      [tenants, userId, tenants[0] ?? ''],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async touch(user: { tenantId: string; userId: string; displayName: string | null; personalConversation?: Record<string, unknown> }): Promise<UserRecord> {
    // Only write when something changed, so an ordinary turn costs at most one read. The stored reference comes
    // back from jsonb with its keys reordered, so it is compared by value, not as a string.
    const existing = await this.get(user.tenantId, user.userId);
    const conversation = user.personalConversation ?? existing?.personalConversation ?? null;
    if (existing && existing.displayName === user.displayName && sameJson(existing.personalConversation, conversation)) {
      return existing;
    }
    const [row] = await this.sql.query<UserRow>(
      `insert into users (tenant_id, user_id, display_name, personal_conversation)
       values ($1, $2, $3, $4)
       on conflict (tenant_id, user_id) do update
         set display_name = excluded.display_name,
             personal_conversation = coalesce(excluded.personal_conversation, users.personal_conversation),
             updated_at = now()
       returning ${USER_COLUMNS}`,
      [user.tenantId, user.userId, user.displayName, conversation === null ? null : JSON.stringify(conversation)],
    );
    return toUser(row);
  }

  async setLocale(tenantId: string, userId: string, locale: Locale): Promise<void> {
    await this.sql.query('update users set locale = $3, updated_at = now() where tenant_id = $1 and user_id = $2', [tenantId, userId, locale]);
  }

  async recordConfirmedSchool(tenantId: string, userId: string, schoolId: number | null, role: SchoolRole | null, sql: Sql): Promise<void> {
    await sql.query('update users set school_id = $3, school_role = $4, updated_at = now() where tenant_id = $1 and user_id = $2', [
      tenantId,
      userId,
      schoolId,
      role,
    ]);
  }

  async rememberPlan(tenantId: string, userId: string, planId: string): Promise<void> {
    await this.sql.query('update users set last_plan_id = $3 where tenant_id = $1 and user_id = $2 and last_plan_id is distinct from $3', [
      tenantId,
      userId,
      planId,
    ]);
  }

  async forgetPersonalConversation(tenantId: string, userId: string): Promise<void> {
    await this.sql.query('update users set personal_conversation = null, updated_at = now() where tenant_id = $1 and user_id = $2', [tenantId, userId]);
  }
}
