import type { Sql } from '../../platform/db/db';
import { DELETED_PERSON_ID } from '../privacy/repository';

export interface KnownPerson {
  userId: string;
  displayName: string | null;
  schoolName: string | null;
}

/**
 * What the admin cards read about people and local authorities. It writes nothing: a school's strengths and capacity
 * are the directory's (SqlSchoolRepository), roles and the audit log the people feature's.
 */
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
}
