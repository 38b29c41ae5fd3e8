import type { Sql } from '../../platform/db/db';
import type { UserRepository } from './users';
import type { SchoolRole } from './model';

export type ClaimStatus = 'pending' | 'confirmed' | 'rejected' | 'ended';
/** Who was asked to confirm a claim ('auto': confirmed at once in local demo mode). */
export type AskedKind = 'headteacher' | 'headteacherAndAdviser' | 'adviser' | 'admin' | 'auto';

export interface Asked {
  kind: AskedKind;
  names: string[];
}

export interface SchoolRoleClaim {
  id: string;
  tenantId: string;
  userId: string;
  displayName: string | null;
  schoolId: number;
  role: SchoolRole;
  status: ClaimStatus;
  asked: Asked;
  decidedBy: string | null;
  reason: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

type Row = {
  id: string;
  tenant_id: string;
  user_id: string;
  display_name: string | null;
  school_id: number;
  role: SchoolRole;
  status: ClaimStatus;
  asked: Partial<Asked> | null;
  decided_by: string | null;
  reason: string | null;
  created_at: string | Date;
  decided_at: string | Date | null;
};

const COLUMNS = `c.id::text as id, c.tenant_id, c.user_id, u.display_name, c.school_id, c.role, c.status, c.asked, c.decided_by, c.reason, c.created_at, c.decided_at`;
const FROM = `school_role_claims c left join users u on u.tenant_id = c.tenant_id and u.user_id = c.user_id`;

const toClaim = (r: Row): SchoolRoleClaim => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  displayName: r.display_name,
  schoolId: r.school_id,
  role: r.role,
  status: r.status,
  asked: { kind: r.asked?.kind ?? 'admin', names: r.asked?.names ?? [] },
  decidedBy: r.decided_by,
  reason: r.reason,
  createdAt: new Date(r.created_at),
  decidedAt: r.decided_at === null ? null : new Date(r.decided_at),
});

/** Postgres' unique_violation: here, a second confirmed headteacher for one school. */
const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505';

export type DecideResult =
  { kind: 'decided'; claim: SchoolRoleClaim } | { kind: 'alreadyDecided'; claim: SchoolRoleClaim } | { kind: 'headTaken' } | { kind: 'notFound' };

/**
 * Owns school_role_claims: who says they work at which school, and who confirmed it. A confirmed claim is
 * the only way a school role reaches users.school_id / school_role (written through the user repository,
 * in the same transaction), so every check that reads the user's school reads a confirmed role.
 */
export class SqlSchoolRoleClaims {
  constructor(
    private readonly sql: Sql,
    private readonly users: UserRepository,
  ) {}

  async get(id: string, sql: Sql = this.sql): Promise<SchoolRoleClaim | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const rows = await sql.query<Row>(`select ${COLUMNS} from ${FROM} where c.id = $1`, [id]);
    return rows[0] ? toClaim(rows[0]) : null;
  }

  async pendingOf(tenantId: string, userId: string): Promise<SchoolRoleClaim | null> {
    const rows = await this.sql.query<Row>(`select ${COLUMNS} from ${FROM} where c.tenant_id = $1 and c.user_id = $2 and c.status = 'pending'`, [
      tenantId,
      userId,
    ]);
    return rows[0] ? toClaim(rows[0]) : null;
  }

  async confirmedOf(tenantId: string, userId: string): Promise<SchoolRoleClaim | null> {
    const rows = await this.sql.query<Row>(`select ${COLUMNS} from ${FROM} where c.tenant_id = $1 and c.user_id = $2 and c.status = 'confirmed'`, [
      tenantId,
      userId,
    ]);
    return rows[0] ? toClaim(rows[0]) : null;
  }

  async endPending(tenantId: string, userId: string, now: Date, sql: Sql = this.sql): Promise<void> {
    await sql.query(
      `update school_role_claims set status = 'ended', ended_at = $3, reason = 'superseded' where tenant_id = $1 and user_id = $2 and status = 'pending'`,
      [tenantId, userId, now],
    );
  }

  /** Pending claims in a tenant, oldest first (the service keeps those the reader may decide). */
  async pending(tenantId: string, limit = 200): Promise<SchoolRoleClaim[]> {
    const rows = await this.sql.query<Row>(
      `select ${COLUMNS} from ${FROM} where c.tenant_id = $1 and c.status = 'pending' order by c.created_at, c.id limit $2`,
      [tenantId, limit],
    );
    return rows.map(toClaim);
  }

  /** The school's confirmed headteacher in this tenant (a school has at most one). */
  async confirmedHead(tenantId: string, schoolId: number): Promise<SchoolRoleClaim | null> {
    const rows = await this.sql.query<Row>(
      `select ${COLUMNS} from ${FROM} where c.tenant_id = $1 and c.school_id = $2 and c.status = 'confirmed' and c.role = 'headteacher'`,
      [tenantId, schoolId],
    );
    return rows[0] ? toClaim(rows[0]) : null;
  }

  /** A new claim replaces the person's pending one (which ends); their confirmed role stays until this is confirmed. */
  async claim(
    c: { tenantId: string; userId: string; schoolId: number; role: SchoolRole; asked: Asked },
    now: Date,
    sql: Sql = this.sql,
  ): Promise<SchoolRoleClaim> {
    await this.endPending(c.tenantId, c.userId, now, sql);
    const [row] = await sql.query<{ id: string }>(
      `insert into school_role_claims (tenant_id, user_id, school_id, role, status, asked, created_at) values ($1, $2, $3, $4, 'pending', $5, $6) returning id::text as id`,
      [c.tenantId, c.userId, c.schoolId, c.role, JSON.stringify(c.asked), now],
    );
    return (await this.get(row.id, sql))!;
  }

  /**
   * Confirms or rejects a pending claim. The update only applies while the claim is still pending, so of two
   * deciders exactly one wins; the other (or a retry) is told what was decided. Confirming ends the person's
   * earlier role and, for a headteacher, the school's previous head (a handover); run it in a transaction.
   */
  async decide(tx: Sql, id: string, decision: 'confirmed' | 'rejected', by: string, reason: string | null, now: Date): Promise<DecideResult> {
    if (!/^\d{1,18}$/.test(id)) return { kind: 'notFound' };
    // Lock the claim first: a second decider waits here and then sees it decided.
    const locked = await tx.query<{ status: ClaimStatus }>('select status from school_role_claims where id = $1 for update', [id]);
    const claim = await this.get(id, tx);
    if (!claim || locked.length === 0) return { kind: 'notFound' };
    if (claim.status !== 'pending') return { kind: 'alreadyDecided', claim };
    if (decision === 'confirmed') {
      await tx.query(`update school_role_claims set status = 'ended', ended_at = $3 where tenant_id = $1 and user_id = $2 and status = 'confirmed'`, [
        claim.tenantId,
        claim.userId,
        now,
      ]);
      if (claim.role === 'headteacher') await this.endHeadOf(tx, claim.tenantId, claim.schoolId, now);
    }
    const won = await tx.query<{ id: string }>(
      `update school_role_claims set status = $2, decided_by = $3, reason = $4, decided_at = $5 where id = $1 and status = 'pending' returning id::text as id`,
      [id, decision, by, reason, now],
    );
    if (won.length === 0) return { kind: 'alreadyDecided', claim: (await this.get(id, tx))! };
    if (decision === 'confirmed') await this.users.recordConfirmedSchool(claim.tenantId, claim.userId, claim.schoolId, claim.role, tx);
    return { kind: 'decided', claim: (await this.get(id, tx))! };
  }

  /** Confirms a claim straight away (an admin's assignment, or local demo mode); same rules as decide. */
  async assign(
    tx: Sql,
    c: { tenantId: string; userId: string; schoolId: number; role: SchoolRole; asked: Asked },
    by: string,
    now: Date,
  ): Promise<DecideResult> {
    const claim = await this.claim(c, now, tx);
    return this.decide(tx, claim.id, 'confirmed', by, null, now);
  }

  private async endHeadOf(tx: Sql, tenantId: string, schoolId: number, now: Date): Promise<void> {
    const ended = await tx.query<{ tenant_id: string; user_id: string }>(
      `update school_role_claims set status = 'ended', ended_at = $3 where tenant_id = $1 and school_id = $2 and role = 'headteacher' and status = 'confirmed' returning tenant_id, user_id`,
      [tenantId, schoolId, now],
    );
    for (const e of ended) await this.users.recordConfirmedSchool(e.tenant_id, e.user_id, null, null, tx);
  }

  static isUniqueViolation = isUniqueViolation;
}
