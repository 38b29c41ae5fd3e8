import type { Sql } from '../../platform/db/db';

export type Role = 'admin' | 'adviser' | 'reviewer';

/** Someone in the community: people are known by tenant and Teams user id together. */
export interface PersonRef {
  tenantId: string;
  userId: string;
}

export interface RoleGrant {
  tenantId: string;
  userId: string;
  role: Role;
  /** The LA the role covers; null with no school: every LA. */
  laCode: number | null;
  /** A named school the role covers instead of an LA (an adviser's caseload). */
  schoolId?: number | null;
}

/**
 * Roles beyond headteacher. Admins listed in configuration (ADMIN_USER_IDS) are
 * admins in every tenant without a row here, so the first admin can grant the rest.
 */
export class SqlRoleRepository {
  constructor(
    private readonly sql: Sql,
    private readonly configuredAdmins: readonly string[] = [],
  ) {}

  /** A person's data is deleted: their roles go; roles they granted name the stand-in. */
  async deleteForPerson(tenantId: string, userId: string, standInId: string, sql: Sql): Promise<{ removed: number; grantsAnonymised: number }> {
    const removed = (await sql.query('delete from user_roles where tenant_id = $1 and user_id = $2 returning role', [tenantId, userId])).length;
    const grantsAnonymised = (
      await sql.query('update user_roles set granted_by = $3 where tenant_id = $1 and granted_by = $2 returning role', [tenantId, userId, standInId])
    ).length;
    return { removed, grantsAnonymised };
  }

  async grant(g: RoleGrant, grantedBy: string, sql: Sql = this.sql): Promise<void> {
    await sql.query(
      `insert into user_roles (tenant_id, user_id, role, la_code, school_id, granted_by) values ($1, $2, $3, $4, $5, $6)
       on conflict do nothing`,
      [g.tenantId, g.userId, g.role, g.schoolId ? null : g.laCode, g.schoolId ?? null, grantedBy],
    );
  }

  async revoke(g: RoleGrant): Promise<void> {
    await this.sql.query(
      'delete from user_roles where tenant_id = $1 and user_id = $2 and role = $3 and coalesce(la_code, 0) = coalesce($4, 0) and coalesce(school_id, 0) = coalesce($5, 0)',
      [g.tenantId, g.userId, g.role, g.schoolId ? null : g.laCode, g.schoolId ?? null],
    );
  }

  async rolesOf(tenantId: string, userId: string): Promise<RoleGrant[]> {
    const rows = await this.sql.query<{ role: Role; la_code: number | null; school_id: number | null }>(
      'select role, la_code, school_id from user_roles where tenant_id = $1 and user_id = $2 order by role, la_code, school_id',
      [tenantId, userId],
    );
    const grants: RoleGrant[] = rows.map((r) => ({ tenantId, userId, role: r.role, laCode: r.la_code, schoolId: r.school_id }));
    if (this.configuredAdmins.includes(userId) && !grants.some((g) => g.role === 'admin')) grants.unshift({ tenantId, userId, role: 'admin', laCode: null });
    return grants;
  }

  async isAdmin(tenantId: string, userId: string): Promise<boolean> {
    return (await this.rolesOf(tenantId, userId)).some((g) => g.role === 'admin');
  }

  /** True when the user holds the role for this school: assigned to it, to its LA, or to every LA. */
  async holds(tenantId: string, userId: string, role: Exclude<Role, 'admin'>, laCode: number, schoolId?: number): Promise<boolean> {
    return (await this.rolesOf(tenantId, userId)).some(
      (g) => g.role === role && (g.schoolId ? g.schoolId === schoolId : g.laCode === null || g.laCode === laCode),
    );
  }

  /**
   * The community's admins (`tenants`: the reader's community, see platform/community.ts): those from configuration
   * (in whichever of these tenants they have used the bot, else the first), then those granted in any of the tenants.
   */
  async admins(tenants: readonly string[]): Promise<PersonRef[]> {
    const rows = await this.sql.query<{ tenant_id: string; user_id: string }>(
      `select distinct tenant_id, user_id from user_roles where tenant_id = any($1::text[]) and role = 'admin'
       union
       select tenant_id, user_id from users where tenant_id = any($1::text[]) and user_id = any($2::text[])
       order by user_id, tenant_id`,
      [tenants, this.configuredAdmins],
    );
    const found = rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id }));
    const unseen = this.configuredAdmins.filter((id) => !found.some((p) => p.userId === id)).map((userId) => ({ tenantId: tenants[0]!, userId }));
    return [...unseen, ...found];
  }

  /**
   * Who holds the role for a school of this LA (and, given, this school), in any of the community's tenants: an
   * adviser in a local authority's tenant covers schools whose people are in the schools' tenant.
   */
  async holders(tenants: readonly string[], role: Exclude<Role, 'admin'>, laCode: number, schoolId?: number): Promise<PersonRef[]> {
    const rows = await this.sql.query<{ tenant_id: string; user_id: string; assigned: boolean }>(
      `select distinct tenant_id, user_id, school_id is not null as assigned from user_roles
        where tenant_id = any($1::text[]) and role = $2 and (school_id = $4 or (school_id is null and (la_code = $3 or la_code is null)))
        order by user_id, tenant_id`,
      [tenants, role, laCode, schoolId ?? null],
    );
    // The school's own adviser when it has one; otherwise whoever covers its LA.
    const assigned = rows.filter((r) => r.assigned);
    const seen = new Set<string>();
    return (assigned.length > 0 ? assigned : rows)
      .filter((r) => !seen.has(`${r.tenant_id}\n${r.user_id}`) && seen.add(`${r.tenant_id}\n${r.user_id}`))
      .map((r) => ({ tenantId: r.tenant_id, userId: r.user_id }));
  }
}

export interface AuditEntry {
  at: Date;
  tenantId: string;
  actorId: string;
  action: string;
  subjectType: string;
  subjectId: string;
  cardVersion?: number | null;
  details?: Record<string, unknown>;
}

export class SqlAuditLog {
  constructor(private readonly sql: Sql) {}

  /** A person's data is deleted: the log keeps what was done; who did it, or to whom, becomes the stand-in. */
  async anonymisePerson(tenantId: string, userId: string, standInId: string, sql: Sql): Promise<number> {
    const count = async (text: string, params: unknown[]) => (await sql.query(text, params)).length;
    return (
      (await count('update audit_log set actor_id = $3 where tenant_id = $1 and actor_id = $2 returning id', [tenantId, userId, standInId])) +
      (await count(`update audit_log set subject_id = $3 where tenant_id = $1 and subject_type = 'user' and subject_id = $2 returning id`, [
        tenantId,
        userId,
        standInId,
      ])) +
      // Replaces the id where it is a whole JSON string (e.g. the advisers a request went to), keeping the JSON valid.
      (await count(
        `update audit_log set details = replace(details::text, to_jsonb($2::text)::text, to_jsonb($3::text)::text)::jsonb
          where tenant_id = $1 and strpos(details::text, to_jsonb($2::text)::text) > 0 returning id`,
        [tenantId, userId, standInId],
      ))
    );
  }

  async record(e: AuditEntry, sql: Sql = this.sql): Promise<void> {
    await sql.query(
      `insert into audit_log (at, tenant_id, actor_id, action, subject_type, subject_id, card_version, details)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [e.at, e.tenantId, e.actorId, e.action, e.subjectType, e.subjectId, e.cardVersion ?? null, JSON.stringify(e.details ?? {})],
    );
  }

  async forSubject(subjectType: string, subjectId: string): Promise<AuditEntry[]> {
    const rows = await this.sql.query<{
      at: Date;
      tenant_id: string;
      actor_id: string;
      action: string;
      subject_type: string;
      subject_id: string;
      card_version: number | null;
      details: Record<string, unknown>;
    }>('select * from audit_log where subject_type = $1 and subject_id = $2 order by at, id', [subjectType, subjectId]);
    return rows.map((r) => ({
      at: new Date(r.at),
      tenantId: r.tenant_id,
      actorId: r.actor_id,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      cardVersion: r.card_version,
      details: r.details,
    }));
  }
}
