import type { PriorityArea } from '../plans/priorities';
import type { StrengthSource } from '../directory/repository';
import type { Sql } from '../../platform/db/db';
import { DELETED_PERSON_ID } from '../privacy/repository';

export interface KnownPerson {
  userId: string;
  displayName: string | null;
  schoolName: string | null;
}

export interface StrengthRecord {
  area: PriorityArea;
  /** As the school stated it, or the demo's English. */
  description: string;
  /** The demo's Welsh; null for a strength a school stated in its own words. */
  descriptionCy: string | null;
  evidence: string | null;
  evidenceCy: string | null;
  statedBy: StrengthSource;
  /** When an adviser or an inspection gave the evidence (null for the school's own view). */
  verifiedAt: Date | null;
}

/** What the admin and head cards of matching read and write: people, LAs, a school's strengths and capacity. */
export class SqlMatchingAdminRepository {
  constructor(private readonly sql: Sql) {}

  /** People who have used the bot in this tenant, most recent first. */
  async recentPeople(tenantId: string, limit = 50): Promise<KnownPerson[]> {
    const rows = await this.sql.query<{ user_id: string; display_name: string | null; school_name: string | null }>(
      `select u.user_id, u.display_name, s.name_en as school_name
         from users u left join schools s on s.id = u.school_id
        where u.tenant_id = $1 and u.user_id <> $3 order by u.updated_at desc, u.user_id limit $2`,
      [tenantId, limit, DELETED_PERSON_ID],
    );
    return rows.map((r) => ({ userId: r.user_id, displayName: r.display_name, schoolName: r.school_name }));
  }

  async localAuthorities(): Promise<{ code: number; nameEn: string; nameCy: string }[]> {
    const rows = await this.sql.query<{ code: number; name_en: string; name_cy: string }>(
      'select code, name_en, name_cy from local_authorities order by name_en',
    );
    return rows.map((r) => ({ code: r.code, nameEn: r.name_en, nameCy: r.name_cy }));
  }

  async strengths(schoolId: number, sql: Sql = this.sql): Promise<StrengthRecord[]> {
    const rows = await sql.query<{
      area: PriorityArea;
      description: string;
      description_cy: string | null;
      evidence: string | null;
      evidence_cy: string | null;
      stated_by: StrengthSource;
      verified_at: Date | string | null;
    }>(
      `select area, description, description_cy, evidence, evidence_cy, stated_by, case when stated_by <> 'school' then coalesce(verified_at, updated_at) end as verified_at
         from school_strengths where school_id = $1 order by area`,
      [schoolId],
    );
    return rows.map((r) => ({
      area: r.area,
      description: r.description,
      descriptionCy: r.description_cy,
      evidence: r.evidence,
      evidenceCy: r.evidence_cy,
      statedBy: r.stated_by,
      verifiedAt: r.verified_at === null ? null : new Date(r.verified_at),
    }));
  }

  /** An adviser verifies a strength the school states (or verifies it again): false when the school has no such strength. Who did is in the audit log. */
  async verifyStrength(schoolId: number, area: PriorityArea, at: Date, sql: Sql = this.sql): Promise<boolean> {
    const rows = await sql.query(
      `update school_strengths set stated_by = 'adviser', verified_at = $3, updated_at = now()
        where school_id = $1 and area = $2 returning area`,
      [schoolId, area, at],
    );
    return rows.length > 0;
  }

  /** An adviser withdraws a strength the evidence does not bear out: the record as it was, or null when there was none. */
  async withdrawStrength(schoolId: number, area: PriorityArea, sql: Sql = this.sql): Promise<{ description: string; statedBy: StrengthSource } | null> {
    const rows = await sql.query<{ description: string; stated_by: StrengthSource }>(
      'delete from school_strengths where school_id = $1 and area = $2 returning description, stated_by',
      [schoolId, area],
    );
    return rows[0] ? { description: rows[0].description, statedBy: rows[0].stated_by } : null;
  }

  /**
   * Replaces what the school says of itself: its capacity, openness and self-stated strengths.
   * Strengths verified by an adviser or an inspection are kept as they are.
   */
  async saveOwnProfile(
    schoolId: number,
    profile: { capacity: number; openToRequests: boolean; strengths: { area: PriorityArea; description: string }[] },
    sql: Sql = this.sql,
  ): Promise<void> {
    await sql.query('update schools set capacity = $2, open_to_requests = $3, demo_attributes = false, updated_at = now() where id = $1', [
      schoolId,
      profile.capacity,
      profile.openToRequests,
    ]);
    // A strength saved again as it was shown, in either language, keeps both: a Welsh head who only changes the
    // capacity leaves English readers the English.
    const before = await sql.query<{ area: string; description: string; description_cy: string | null }>(
      `delete from school_strengths where school_id = $1 and stated_by = 'school' returning area, description, description_cy`,
      [schoolId],
    );
    for (const s of profile.strengths) {
      const same = before.find((b) => b.area === s.area && (b.description === s.description || b.description_cy === s.description));
      await sql.query(
        `insert into school_strengths (school_id, area, description, description_cy, stated_by, demo) values ($1, $2, $3, $4, 'school', false)
         on conflict (school_id, area) do nothing`,
        [schoolId, s.area, same ? same.description : s.description, same ? same.description_cy : null],
      );
    }
  }
}
