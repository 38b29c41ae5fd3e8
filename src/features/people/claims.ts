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

/** A statement on school_role_claims ending in `returning *`, its rows read back as claims with the claimant's name. */
const readBack = (statement: string) =>
  `with c as (${statement}) select ${COLUMNS} from c left join users u on u.tenant_id = c.tenant_id and u.user_id = c.user_id`;

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

  /**
   * Personal-data deletion: the person's own claims go; claims they decided are the claimants' records, so they are
   * kept with the decider replaced and the person's name taken out of "who was asked".
   */
  async deleteForPerson(
    tenants: readonly string[],
    userId: string,
    standInId: string,
    displayName: string | null,
    sql: Sql,
  ): Promise<{ removed: number; anonymised: number }> {
    // `tenants`: the person's own tenant first, then the rest of their community, where they may have decided claims.
    const [tenantId] = tenants;
    const removed = (await sql.query('delete from school_role_claims where tenant_id = $1 and user_id = $2 returning id', [tenantId, userId])).length;
    const anonymised = (
      await sql.query(
        `update school_role_claims
            set decided_by = case when decided_by = $2 then $3 else decided_by end,
                asked = case when $4::text is null then asked
                             else jsonb_set(asked, '{names}', coalesce((select jsonb_agg(n) from jsonb_array_elements(asked -> 'names') n where n <> to_jsonb($4::text)), '[]'::jsonb)) end
          where tenant_id = any($1::text[]) and (decided_by = $2 or ($4::text is not null and asked -> 'names' @> jsonb_build_array($4::text))) returning id`,
        [tenants, userId, standInId, displayName],
      )
    ).length;
    return { removed, anonymised };
  }

  /** The claim, if it was made in one of `tenants` (the reader's community). */
  async get(id: string, tenants: readonly string[], sql: Sql = this.sql): Promise<SchoolRoleClaim | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const rows = await sql.query<Row>(`select ${COLUMNS} from ${FROM} where c.id = $1 and c.tenant_id = any($2::text[])`, [id, tenants]);
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

  /** Pending claims in the reader's community, oldest first (the service keeps those the reader may decide). */
  async pending(tenants: readonly string[], limit = 200): Promise<SchoolRoleClaim[]> {
    const rows = await this.sql.query<Row>(
      `select ${COLUMNS} from ${FROM} where c.tenant_id = any($1::text[]) and c.status = 'pending' order by c.created_at, c.id limit $2`,
      [tenants, limit],
    );
    return rows.map(toClaim);
  }

  /** The school's confirmed headteacher in this community (a school has at most one in each community). */
  async confirmedHead(tenants: readonly string[], schoolId: number): Promise<SchoolRoleClaim | null> {
    const rows = await this.sql.query<Row>(
      `select ${COLUMNS} from ${FROM} where c.tenant_id = any($1::text[]) and c.school_id = $2 and c.status = 'confirmed' and c.role = 'headteacher'
        order by c.decided_at desc nulls last limit 1`,
      [tenants, schoolId],
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
    const [row] = await sql.query<Row>(
      readBack(
        `insert into school_role_claims (tenant_id, user_id, school_id, role, status, asked, created_at) values ($1, $2, $3, $4, 'pending', $5, $6) returning *`,
      ),
      [c.tenantId, c.userId, c.schoolId, c.role, JSON.stringify(c.asked), now],
    );
    return toClaim(row);
  }

  /**
   * Confirms or rejects a pending claim. The update only applies while the claim is still pending, so of two
   * deciders exactly one wins; the other (or a retry) is told what was decided. Confirming ends the person's
   * earlier role and, for a headteacher, the school's previous head in the whole community (a handover: a school has
   * at most one confirmed head per community, whichever of its tenants they are in); run it in a transaction.
   * `tenants` is the community of the decider, which must hold the claim.
   */
  async decide(
    tx: Sql,
    id: string,
    tenants: readonly string[],
    decision: 'confirmed' | 'rejected',
    by: string,
    reason: string | null,
    now: Date,
  ): Promise<DecideResult> {
    if (!/^\d{1,18}$/.test(id)) return { kind: 'notFound' };
    // Lock the claim first: a second decider waits here and then sees it decided.
    const locked = await tx.query<{ status: ClaimStatus }>('select status from school_role_claims where id = $1 and tenant_id = any($2::text[]) for update', [
      id,
      tenants,
    ]);
    const claim = await this.get(id, tenants, tx);
    if (!claim || locked.length === 0) return { kind: 'notFound' };
    if (claim.status !== 'pending') return { kind: 'alreadyDecided', claim };
    return this.decideLocked(tx, claim, tenants, { decision, by, reason, now });
  }

  /** Confirms a claim straight away (an admin's assignment, or local demo mode); same rules as decide. */
  async assign(
    tx: Sql,
    c: { tenantId: string; userId: string; schoolId: number; role: SchoolRole; asked: Asked },
    tenants: readonly string[],
    by: string,
    now: Date,
  ): Promise<DecideResult> {
    // Made in this transaction, the claim is seen and locked by no one else until it commits.
    const claim = await this.claim(c, now, tx);
    return this.decideLocked(tx, claim, tenants, { decision: 'confirmed', by, reason: null, now });
  }

  /** Decides a pending claim this transaction holds (locked, or made in it). */
  private async decideLocked(
    tx: Sql,
    claim: SchoolRoleClaim,
    tenants: readonly string[],
    { decision, by, reason, now }: { decision: 'confirmed' | 'rejected'; by: string; reason: string | null; now: Date },
  ): Promise<DecideResult> {
    if (decision === 'confirmed') {
      await tx.query(`update school_role_claims set status = 'ended', ended_at = $3 where tenant_id = $1 and user_id = $2 and status = 'confirmed'`, [
        claim.tenantId,
        claim.userId,
        now,
      ]);
      if (claim.role === 'headteacher') await this.endHeadOf(tx, tenants, claim.schoolId, now);
    }
    const [won] = await tx.query<Row>(
      readBack(`update school_role_claims set status = $2, decided_by = $3, reason = $4, decided_at = $5 where id = $1 and status = 'pending' returning *`),
      [claim.id, decision, by, reason, now],
    );
    if (!won) return { kind: 'alreadyDecided', claim: (await this.get(claim.id, tenants, tx))! };
    if (decision === 'confirmed') await this.users.recordConfirmedSchool(claim.tenantId, claim.userId, claim.schoolId, claim.role, tx);
    return { kind: 'decided', claim: toClaim(won) };
  }

  private async endHeadOf(tx: Sql, tenants: readonly string[], schoolId: number, now: Date): Promise<void> {
    // The unique index holds one head per tenant; across a community's tenants this lock does it: two heads of one
    // school confirmed at once in two of its tenants take turns, and the second ends the first.
    await tx.query(`select pg_advisory_xact_lock(hashtext('school-head:' || $1::text))`, [String(schoolId)]);
    const ended = await tx.query<{ tenant_id: string; user_id: string }>(
      `update school_role_claims set status = 'ended', ended_at = $3
        where tenant_id = any($1::text[]) and school_id = $2 and role = 'headteacher' and status = 'confirmed' returning tenant_id, user_id`,
      [tenants, schoolId, now],
    );
    for (const e of ended) await this.users.recordConfirmedSchool(e.tenant_id, e.user_id, null, null, tx);
  }

  static isUniqueViolation = isUniqueViolation;
}
