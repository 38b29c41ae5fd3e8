import type { ClusterLanguage } from '../directory/repository';
import type { PlanAnswers } from '../plans/plan';
import type { Sql } from '../../platform/db/db';
import type { ClusterInfo, LeadPerson, MemberPlanRow, MemberSchool } from './types';

type Row = Record<string, unknown>;

const toCluster = (r: Row): ClusterInfo => ({
  id: r.id as number,
  name: r.name as string,
  laCode: r.la_code as number,
  leadSchoolId: (r.lead_school_id as number | null) ?? null,
  language: r.language as ClusterLanguage,
});

/**
 * Owns fade_cluster_leads and fade_cluster_priorities; reads the directory's clusters and
 * members, and who is registered at member schools, as FADE needs them.
 */
export class SqlFadeClusterRepository {
  constructor(private readonly sql: Sql) {}

  /** A person's data is deleted: they lead no cluster; priorities they set name the stand-in. How many rows changed. */
  async anonymisePerson(tenantId: string, userId: string, standInId: string, sql: Sql): Promise<number> {
    return (
      (await sql.query('delete from fade_cluster_leads where tenant_id = $1 and user_id = $2 returning cluster_id', [tenantId, userId])).length +
      (await sql.query('update fade_cluster_priorities set updated_by = $2 where updated_by = $1 returning cluster_id', [userId, standInId])).length
    );
  }

  async findClusters(name: string, limit = 5): Promise<ClusterInfo[]> {
    const rows = await this.sql.query<Row>(
      `select * from clusters where lower(name) = lower($1) or lower(name) = lower($1 || ' cluster') or lower(name) like '%' || lower($1) || '%'
       order by (lower(name) = lower($1)) desc, (lower(name) = lower($1 || ' cluster')) desc, name limit $2`,
      [name.trim(), limit],
    );
    return rows.map(toCluster);
  }

  async getCluster(id: number): Promise<ClusterInfo | null> {
    const rows = await this.sql.query<Row>('select * from clusters where id = $1', [id]);
    return rows[0] ? toCluster(rows[0]) : null;
  }

  async clustersByIds(ids: readonly number[]): Promise<ClusterInfo[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.query<Row>('select * from clusters where id = any($1::int[]) order by name', [ids]);
    return rows.map(toCluster);
  }

  async allClusterIds(laCode?: number): Promise<number[]> {
    const rows = await this.sql.query<{ id: number }>('select id from clusters where ($1::int is null or la_code = $1) order by id', [laCode ?? null]);
    return rows.map((r) => r.id);
  }

  async members(clusterId: number): Promise<MemberSchool[]> {
    const rows = await this.sql.query<Row>(
      `select s.id, s.name_en, s.name_cy from cluster_members m join schools s on s.id = m.school_id where m.cluster_id = $1 order by s.name_en`,
      [clusterId],
    );
    return rows.map((r) => ({ schoolId: r.id as number, nameEn: r.name_en as string, nameCy: (r.name_cy as string | null) ?? null }));
  }

  async clusterOfSchool(schoolId: number): Promise<number | null> {
    const rows = await this.sql.query<{ cluster_id: number }>('select cluster_id from cluster_members where school_id = $1', [schoolId]);
    return rows[0]?.cluster_id ?? null;
  }

  /** The name of the cluster a school belongs to (null: none), in one read: the plan summary shows it on every opening. */
  async clusterNameOfSchool(schoolId: number): Promise<string | null> {
    const rows = await this.sql.query<{ name: string }>(
      'select c.name from cluster_members m join clusters c on c.id = m.cluster_id where m.school_id = $1 order by c.id limit 1',
      [schoolId],
    );
    return rows[0]?.name ?? null;
  }

  /** Who leads now: a person set for the cluster, else the head of the lead school who has used the bot. */
  async leadPerson(tenantId: string, cluster: ClusterInfo): Promise<LeadPerson | null> {
    const set = await this.sql.query<Row>(
      `select l.user_id, u.display_name from fade_cluster_leads l left join users u on u.tenant_id = l.tenant_id and u.user_id = l.user_id
       where l.cluster_id = $1 and l.tenant_id = $2`,
      [cluster.id, tenantId],
    );
    if (set[0]) return { userId: set[0].user_id as string, displayName: (set[0].display_name as string | null) ?? null, chosen: true };
    if (cluster.leadSchoolId === null) return null;
    const heads = await this.sql.query<Row>(
      `select user_id, display_name from users where tenant_id = $1 and school_id = $2
       order by (school_role = 'headteacher') desc nulls last, updated_at desc limit 1`,
      [tenantId, cluster.leadSchoolId],
    );
    return heads[0] ? { userId: heads[0].user_id as string, displayName: (heads[0].display_name as string | null) ?? null } : null;
  }

  async setLeadPerson(tenantId: string, clusterId: number, userId: string, by: string, at: Date): Promise<void> {
    await this.sql.query(
      `insert into fade_cluster_leads (cluster_id, tenant_id, user_id, set_by, set_at) values ($1, $2, $3, $4, $5)
       on conflict (cluster_id) do update set tenant_id = excluded.tenant_id, user_id = excluded.user_id, set_by = excluded.set_by, set_at = excluded.set_at`,
      [clusterId, tenantId, userId, by, at],
    );
  }

  /** People registered at the cluster's member schools whose name contains `name` (case-insensitive). */
  async peopleAtMemberSchools(tenantId: string, clusterId: number, name: string): Promise<LeadPerson[]> {
    const rows = await this.sql.query<Row>(
      `select u.user_id, u.display_name from users u join cluster_members m on m.school_id = u.school_id
       where u.tenant_id = $1 and m.cluster_id = $2 and u.display_name ilike '%' || $3 || '%' escape '\\'
       order by u.display_name limit 10`,
      [tenantId, clusterId, name.replace(/[\\%_]/g, (c) => `\\${c}`)],
    );
    return rows.map((r) => ({ userId: r.user_id as string, displayName: (r.display_name as string | null) ?? null }));
  }

  async priorities(clusterId: number): Promise<string[]> {
    const rows = await this.sql.query<{ priorities: string[] }>('select priorities from fade_cluster_priorities where cluster_id = $1', [clusterId]);
    return rows[0]?.priorities ?? [];
  }

  async setPriorities(clusterId: number, priorities: readonly string[], by: string): Promise<void> {
    await this.sql.query(
      `insert into fade_cluster_priorities (cluster_id, priorities, updated_by) values ($1, $2, $3)
       on conflict (cluster_id) do update set priorities = excluded.priorities, updated_by = excluded.updated_by, updated_at = now()`,
      [clusterId, JSON.stringify(priorities), by],
    );
  }

  /**
   * Member schools' aide-memoire plans (answers, last change) that may feed the cluster's draft: those whose owner
   * is the confirmed headteacher of that member school, in this tenant, and has not left the plan out.
   */
  async memberPlans(tenantId: string, clusterId: number): Promise<MemberPlanRow[]> {
    const rows = await this.sql.query<Row>(
      `select p.school_id, p.answers, p.updated_at from plans p
         join cluster_members m on m.school_id = p.school_id
         join users u on u.tenant_id = p.tenant_id and u.user_id = p.owner_id and u.school_id = p.school_id and u.school_role = 'headteacher'
        where m.cluster_id = $2 and p.tenant_id = $1 and p.in_cluster_report
        order by p.updated_at`,
      [tenantId, clusterId],
    );
    return rows.map((r) => ({ schoolId: r.school_id as number, answers: (r.answers as PlanAnswers) ?? {}, updatedAt: new Date(r.updated_at as string) }));
  }
}
