import type { ClusterLanguage } from '../directory/repository';
import type { PlanAnswers } from '../plans/plan';
import type { Sql } from '../../platform/db/db';
import type { InEachLanguage } from '../../platform/i18n';
import { clusterNames } from '../directory/names';
import type { ClusterInfo, LeadPerson, MemberPlanRow, MemberSchool, MemberSupportRow } from './types';

type Row = Record<string, unknown>;

const toCluster = (r: Row): ClusterInfo => ({
  id: r.id as number,
  name: r.name as string,
  nameCy: (r.name_cy as string | null) ?? null,
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
      `select * from clusters
        where lower(name) = lower($1) or lower(name) = lower($1 || ' cluster') or lower(name) like '%' || lower($1) || '%'
           or lower(name_cy) = lower($1) or lower(name_cy) = lower('clwstwr ' || $1) or lower(name_cy) like '%' || lower($1) || '%'
        order by (lower(name) = lower($1) or lower(name_cy) = lower($1)) desc,
                 (lower(name) = lower($1 || ' cluster') or lower(name_cy) = lower('clwstwr ' || $1)) desc, name limit $2`,
      [name.trim(), limit],
    );
    return rows.map(toCluster);
  }

  /** Clusters a person may lead: those chosen for them, and those whose lead school is theirs. */
  async clustersLedBy(tenantId: string, userId: string, schoolId: number | null): Promise<ClusterInfo[]> {
    const rows = await this.sql.query<Row>(
      `select * from clusters c
        where c.id in (select cluster_id from fade_cluster_leads where tenant_id = $1 and user_id = $2)
           or ($3::int is not null and c.lead_school_id = $3)
        order by c.name limit 10`,
      [tenantId, userId, schoolId],
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
  async clusterNameOfSchool(schoolId: number): Promise<InEachLanguage | null> {
    const rows = await this.sql.query<{ name: string; name_cy: string | null }>(
      'select c.name, c.name_cy from cluster_members m join clusters c on c.id = m.cluster_id where m.school_id = $1 order by c.id limit 1',
      [schoolId],
    );
    return rows[0] ? clusterNames({ name: rows[0].name, nameCy: rows[0].name_cy }) : null;
  }

  /**
   * Who leads now in the reader's community (`tenants`): a person set for the cluster there, else the confirmed head
   * of the lead school there who has used the bot. Each community has its own lead for a cluster.
   */
  async leadPerson(tenants: readonly string[], cluster: ClusterInfo): Promise<LeadPerson | null> {
    const set = await this.sql.query<Row>(
      `select l.tenant_id, l.user_id, u.display_name, u.personal_conversation is not null as in_personal_chat
         from fade_cluster_leads l left join users u on u.tenant_id = l.tenant_id and u.user_id = l.user_id
       where l.cluster_id = $1 and l.tenant_id = any($2::text[]) order by l.set_at desc limit 1`,
      [cluster.id, tenants],
    );
    const person = (r: Row) => ({
      tenantId: r.tenant_id as string,
      userId: r.user_id as string,
      displayName: (r.display_name as string | null) ?? null,
      inPersonalChat: r.in_personal_chat === true,
    });
    if (set[0]) return { ...person(set[0]), chosen: true };
    if (cluster.leadSchoolId === null) return null;
    const heads = await this.sql.query<Row>(
      `select tenant_id, user_id, display_name, personal_conversation is not null as in_personal_chat from users where tenant_id = any($1::text[]) and school_id = $2
       order by (school_role = 'headteacher') desc nulls last, updated_at desc limit 1`,
      [tenants, cluster.leadSchoolId],
    );
    return heads[0] ? person(heads[0]) : null;
  }

  /** Sets the community's lead for the cluster (`tenants`: the community; `lead`: a person in one of its tenants). */
  async setLeadPerson(tenants: readonly string[], clusterId: number, lead: { tenantId: string; userId: string }, by: string, at: Date): Promise<void> {
    // One statement: the lead row in the lead's tenant is written, and any other in the community's tenants goes.
    await this.sql.query(
      `with others as (delete from fade_cluster_leads where cluster_id = $1 and tenant_id = any($6::text[]) and tenant_id <> $2)
       insert into fade_cluster_leads (cluster_id, tenant_id, user_id, set_by, set_at) values ($1, $2, $3, $4, $5)
       on conflict (cluster_id, tenant_id) do update set user_id = excluded.user_id, set_by = excluded.set_by, set_at = excluded.set_at`,
      [clusterId, lead.tenantId, lead.userId, by, at, tenants],
    );
  }

  /** People in the community (`tenants`) confirmed at the cluster's member schools whose name contains `name` (case-insensitive). */
  async peopleAtMemberSchools(tenants: readonly string[], clusterId: number, name: string): Promise<LeadPerson[]> {
    const rows = await this.sql.query<Row>(
      `select u.tenant_id, u.user_id, u.display_name from users u join cluster_members m on m.school_id = u.school_id
       where u.tenant_id = any($1::text[]) and m.cluster_id = $2 and u.display_name ilike '%' || $3 || '%' escape '\\'
       order by u.display_name limit 10`,
      [tenants, clusterId, name.replace(/[\\%_]/g, (c) => `\\${c}`)],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id as string, userId: r.user_id as string, displayName: (r.display_name as string | null) ?? null }));
  }

  /** The cluster plan's priorities as the community (`tenants`) set them (each community keeps its own). */
  async priorities(clusterId: number, tenants: readonly string[]): Promise<string[]> {
    const rows = await this.sql.query<{ priorities: string[] }>(
      'select priorities from fade_cluster_priorities where cluster_id = $1 and tenant_id = any($2::text[]) order by updated_at desc limit 1',
      [clusterId, tenants],
    );
    return rows[0]?.priorities ?? [];
  }

  /** Sets the community's priorities for the cluster: kept in the setter's tenant, any other row of the community goes. */
  async setPriorities(tenants: readonly string[], tenantId: string, clusterId: number, priorities: readonly string[], by: string): Promise<void> {
    await this.sql.query(
      `with others as (delete from fade_cluster_priorities where cluster_id = $1 and tenant_id = any($5::text[]) and tenant_id <> $4)
       insert into fade_cluster_priorities (cluster_id, tenant_id, priorities, updated_by) values ($1, $4, $2, $3)
       on conflict (cluster_id, tenant_id) do update set priorities = excluded.priorities, updated_by = excluded.updated_by, updated_at = now()`,
      [clusterId, JSON.stringify(priorities), by, tenantId, tenants],
    );
  }

  /**
   * Member schools' aide-memoire plans (answers, last change) that may feed the cluster's draft: those whose owner
   * is the confirmed headteacher of that member school, in the community (`tenants`), and has not left the plan out.
   */
  async memberPlans(tenants: readonly string[], clusterId: number): Promise<MemberPlanRow[]> {
    const rows = await this.sql.query<Row>(
      `select p.school_id, p.answers, p.updated_at from plans p
         join cluster_members m on m.school_id = p.school_id
         join users u on u.tenant_id = p.tenant_id and u.user_id = p.owner_id and u.school_id = p.school_id and u.school_role = 'headteacher'
        where m.cluster_id = $2 and p.tenant_id = any($1::text[]) and p.in_cluster_report
        order by p.updated_at`,
      [tenants, clusterId],
    );
    return rows.map((r) => ({ schoolId: r.school_id as number, answers: (r.answers as PlanAnswers) ?? {}, updatedAt: new Date(r.updated_at as string) }));
  }

  /**
   * Support member schools agreed with partner schools through the bot (requests accepted or done), for the
   * draft, under the same rule as `memberPlans`: only plans whose owner is the confirmed head and left them in.
   */
  async memberSupport(tenants: readonly string[], clusterId: number): Promise<MemberSupportRow[]> {
    const rows = await this.sql.query<Row>(
      `select p.school_id, r.state, coalesce(r.done_at, r.accepted_at, r.state_changed_at) as at, s.name_en, s.name_cy
         from support_requests r
         join plans p on p.id = r.plan_id
         join cluster_members m on m.school_id = p.school_id
         join users u on u.tenant_id = p.tenant_id and u.user_id = p.owner_id and u.school_id = p.school_id and u.school_role = 'headteacher'
         join schools s on s.id = r.chosen_school_id
        where m.cluster_id = $2 and p.tenant_id = any($1) and r.tenant_id = p.tenant_id and p.in_cluster_report and r.state in ('accepted', 'done')
        order by at`,
      [tenants, clusterId],
    );
    return rows.map((r) => ({
      schoolId: r.school_id as number,
      done: r.state === 'done',
      at: new Date(r.at as string),
      partner: { nameEn: r.name_en as string, nameCy: (r.name_cy as string | null) ?? null },
    }));
  }
}
