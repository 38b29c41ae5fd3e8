import { randomUUID } from 'node:crypto';
import type { ClusterLanguage } from '../directory/repository';
import type { FadeSections, Judgement, PartStatus, ReportStatus, RoundDefinition } from './model';
import type { PlanAnswers } from '../plans/plan';
import type { Sql } from '../../platform/db/db';

export interface FadeConversation {
  conversationId: string;
  tenantId: string;
  teamId: string | null;
  kind: string;
  name: string | null;
  reference: Record<string, unknown>;
  clusterId: number | null;
  active: boolean;
  inactiveReason: string | null;
}

export interface ClusterInfo {
  id: number;
  name: string;
  laCode: number;
  leadSchoolId: number | null;
  language: ClusterLanguage;
}

export interface MemberSchool {
  schoolId: number;
  nameEn: string;
  nameCy: string | null;
}

export interface LeadPerson {
  userId: string;
  displayName: string | null;
  /** Chosen for the cluster with "cluster lead", rather than the head of its lead school. */
  chosen?: boolean;
}

export interface Cycle {
  id: string;
  tenantId: string;
  name: string;
  offsets: number[];
  sendTime: string;
  createdAt: Date;
}

export interface Round {
  id: string;
  cycleId: string;
  cycleName: string;
  tenantId: string;
  seq: number;
  name: string;
  deadline: string;
  offsets: number[];
  sendTime: string;
}

export interface FadeReport {
  id: string;
  roundId: string;
  clusterId: number;
  tenantId: string;
  status: ReportStatus;
  sections: Partial<FadeSections>;
  selfJudgement: Judgement | null;
  version: number;
  submittedBy: string | null;
  submittedAt: Date | null;
  reviewJudgement: Judgement | null;
  reviewFeedback: string | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
}

export interface DeliveryFailure {
  at: Date;
  clusterId: number | null;
  clusterName: string | null;
  conversationId: string | null;
  what: string;
  status: number | null;
  error: string;
  attempts: number;
}

export interface MemberPlanRow {
  schoolId: number;
  answers: PlanAnswers;
  updatedAt: Date;
}

type Row = Record<string, unknown>;
const d = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

const toConversation = (r: Row): FadeConversation => ({
  conversationId: r.conversation_id as string,
  tenantId: r.tenant_id as string,
  teamId: (r.team_id as string | null) ?? null,
  kind: r.kind as string,
  name: (r.name as string | null) ?? null,
  reference: r.reference as Record<string, unknown>,
  clusterId: (r.cluster_id as number | null) ?? null,
  active: r.active as boolean,
  inactiveReason: (r.inactive_reason as string | null) ?? null,
});

const toRound = (r: Row): Round => ({
  id: r.id as string,
  cycleId: r.cycle_id as string,
  cycleName: r.cycle_name as string,
  tenantId: r.tenant_id as string,
  seq: r.seq as number,
  name: r.name as string,
  deadline: r.deadline as string,
  offsets: r.offsets as number[],
  sendTime: r.send_time as string,
});

const toReport = (r: Row): FadeReport => ({
  id: r.id as string,
  roundId: r.round_id as string,
  clusterId: r.cluster_id as number,
  tenantId: r.tenant_id as string,
  status: r.status as ReportStatus,
  sections: (r.sections as Partial<FadeSections>) ?? {},
  selfJudgement: (r.self_judgement as Judgement | null) ?? null,
  version: r.version as number,
  submittedBy: (r.submitted_by as string | null) ?? null,
  submittedAt: d(r.submitted_at),
  reviewJudgement: (r.review_judgement as Judgement | null) ?? null,
  reviewFeedback: (r.review_feedback as string | null) ?? null,
  reviewedBy: (r.reviewed_by as string | null) ?? null,
  reviewedAt: d(r.reviewed_at),
});

const ROUND_SELECT = `select r.*, c.name as cycle_name, c.tenant_id, c.offsets, c.send_time from fade_rounds r join fade_cycles c on c.id = r.cycle_id`;

/** Everything FADE keeps, over the Sql interface (PGlite or PostgreSQL). */
export class SqlFadeRepository {
  constructor(private readonly sql: Sql) {}

  // ---- conversations and cluster channels ----

  async upsertConversation(c: Omit<FadeConversation, 'clusterId' | 'active' | 'inactiveReason'>): Promise<FadeConversation> {
    const rows = await this.sql.query<Row>(
      `insert into fade_conversations (conversation_id, tenant_id, team_id, kind, name, reference)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (conversation_id) do update set
         tenant_id = excluded.tenant_id, team_id = coalesce(excluded.team_id, fade_conversations.team_id),
         kind = excluded.kind, name = coalesce(excluded.name, fade_conversations.name), reference = excluded.reference,
         active = true, inactive_reason = null, updated_at = now()
       returning *`,
      [c.conversationId, c.tenantId, c.teamId, c.kind, c.name, JSON.stringify(c.reference)],
    );
    return toConversation(rows[0]);
  }

  async getConversation(conversationId: string): Promise<FadeConversation | null> {
    const rows = await this.sql.query<Row>('select * from fade_conversations where conversation_id = $1', [conversationId]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /** Links the channel to the cluster; a channel linked to it before is unlinked. */
  async linkCluster(conversationId: string, clusterId: number, by: string, at: Date, tx: Sql = this.sql): Promise<void> {
    await tx.query('update fade_conversations set cluster_id = null, updated_at = now() where cluster_id = $1 and conversation_id <> $2', [clusterId, conversationId]);
    await tx.query(
      `update fade_conversations set cluster_id = $2, linked_by = $3, linked_at = $4, active = true, inactive_reason = null, updated_at = now() where conversation_id = $1`,
      [conversationId, clusterId, by, at],
    );
  }

  async channelForCluster(clusterId: number): Promise<FadeConversation | null> {
    const rows = await this.sql.query<Row>('select * from fade_conversations where cluster_id = $1', [clusterId]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /** Marks conversations inactive (channel deleted, bot removed); returns those that were active. */
  async deactivate(where: { conversationId?: string; teamId?: string }, reason: string): Promise<FadeConversation[]> {
    const rows = await this.sql.query<Row>(
      `update fade_conversations set active = false, inactive_reason = $3, updated_at = now()
       where active and (conversation_id = $1 or ($2::text is not null and team_id = $2)) returning *`,
      [where.conversationId ?? null, where.teamId ?? null, reason],
    );
    return rows.map(toConversation);
  }

  async adminIds(tenantId: string): Promise<string[]> {
    const rows = await this.sql.query<{ user_id: string }>(`select distinct user_id from user_roles where tenant_id = $1 and role = 'admin' order by user_id`, [tenantId]);
    return rows.map((r) => r.user_id);
  }

  // ---- clusters ----

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

  // ---- cycles, rounds, holidays ----

  async createCycle(
    c: { tenantId: string; name: string; offsets: readonly number[]; sendTime: string; createdBy: string; createdAt: Date },
    rounds: readonly RoundDefinition[],
    clusterIds: readonly number[],
    tx: Sql = this.sql,
  ): Promise<{ cycle: Cycle; rounds: Round[] } | null> {
    const id = randomUUID();
    const inserted = await tx.query(
      `insert into fade_cycles (id, tenant_id, name, offsets, send_time, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (tenant_id, name) do nothing returning id`,
      [id, c.tenantId, c.name, JSON.stringify(c.offsets), c.sendTime, c.createdBy, c.createdAt],
    );
    if (inserted.length === 0) return null;
    for (const [i, r] of rounds.entries()) {
      await tx.query('insert into fade_rounds (id, cycle_id, seq, name, deadline) values ($1, $2, $3, $4, $5)', [randomUUID(), id, i + 1, r.name, r.deadline]);
    }
    for (const clusterId of clusterIds) await tx.query('insert into fade_cycle_clusters (cycle_id, cluster_id) values ($1, $2) on conflict do nothing', [id, clusterId]);
    const cycle: Cycle = { id, tenantId: c.tenantId, name: c.name, offsets: [...c.offsets], sendTime: c.sendTime, createdAt: c.createdAt };
    return { cycle, rounds: await this.roundsOfCycle(id, tx) };
  }

  async cycleByName(tenantId: string, name: string): Promise<Cycle | null> {
    const rows = await this.sql.query<Row>('select * from fade_cycles where tenant_id = $1 and name = $2', [tenantId, name]);
    const r = rows[0];
    return r
      ? { id: r.id as string, tenantId: r.tenant_id as string, name: r.name as string, offsets: r.offsets as number[], sendTime: r.send_time as string, createdAt: new Date(r.created_at as string) }
      : null;
  }

  async roundsOfCycle(cycleId: string, sql: Sql = this.sql): Promise<Round[]> {
    return (await sql.query<Row>(`${ROUND_SELECT} where r.cycle_id = $1 order by r.seq`, [cycleId])).map(toRound);
  }

  async getRound(roundId: string): Promise<Round | null> {
    if (!/^[0-9a-f-]{36}$/i.test(roundId)) return null;
    const rows = await this.sql.query<Row>(`${ROUND_SELECT} where r.id = $1`, [roundId]);
    return rows[0] ? toRound(rows[0]) : null;
  }

  async clustersOfCycle(cycleId: string, sql: Sql = this.sql): Promise<number[]> {
    return (await sql.query<{ cluster_id: number }>('select cluster_id from fade_cycle_clusters where cycle_id = $1 order by cluster_id', [cycleId])).map((r) => r.cluster_id);
  }

  /** The round of a cycle covering this cluster whose deadline is next (or most recently passed, unsubmitted). */
  async currentRoundFor(tenantId: string, clusterId: number, today: string): Promise<Round | null> {
    const rows = await this.sql.query<Row>(
      `${ROUND_SELECT} join fade_cycle_clusters cc on cc.cycle_id = r.cycle_id and cc.cluster_id = $2
       left join fade_reports rep on rep.round_id = r.id and rep.cluster_id = $2
       where c.tenant_id = $1 and (r.deadline >= $3 or coalesce(rep.status, 'notStarted') in ('notStarted', 'drafted'))
       order by r.deadline limit 1`,
      [tenantId, clusterId, today],
    );
    return rows[0] ? toRound(rows[0]) : null;
  }

  /** The round before this one in its cycle, or the last round of an earlier cycle for the cluster. */
  async previousRound(round: Round, clusterId: number): Promise<Round | null> {
    const rows = await this.sql.query<Row>(
      `${ROUND_SELECT} join fade_cycle_clusters cc on cc.cycle_id = r.cycle_id and cc.cluster_id = $2
       where c.tenant_id = $1 and r.deadline < $3 order by r.deadline desc limit 1`,
      [round.tenantId, clusterId, round.deadline],
    );
    return rows[0] ? toRound(rows[0]) : null;
  }

  async holidays(tenantId: string): Promise<Set<string>> {
    const rows = await this.sql.query<{ day: string }>('select day from fade_holidays where tenant_id = $1', [tenantId]);
    return new Set(rows.map((r) => r.day));
  }

  async addHolidays(tenantId: string, days: readonly string[], name: string | null): Promise<void> {
    for (const day of days) await this.sql.query('insert into fade_holidays (tenant_id, day, name) values ($1, $2, $3) on conflict do nothing', [tenantId, day, name]);
  }

  // ---- reports ----

  async report(roundId: string, clusterId: number, sql: Sql = this.sql): Promise<FadeReport | null> {
    const rows = await sql.query<Row>('select * from fade_reports where round_id = $1 and cluster_id = $2', [roundId, clusterId]);
    return rows[0] ? toReport(rows[0]) : null;
  }

  async reportById(id: string): Promise<FadeReport | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await this.sql.query<Row>('select * from fade_reports where id = $1', [id]);
    return rows[0] ? toReport(rows[0]) : null;
  }

  async reportStatus(roundId: string, clusterId: number, sql: Sql = this.sql): Promise<ReportStatus> {
    return (await this.report(roundId, clusterId, sql))?.status ?? 'notStarted';
  }

  /** Creates the report row (with the first draft) if there is none; returns the stored one. */
  async ensureReport(r: { roundId: string; clusterId: number; tenantId: string; sections: FadeSections; by: string; at: Date }): Promise<FadeReport> {
    await this.sql.query(
      `insert into fade_reports (id, round_id, cluster_id, tenant_id, status, sections, version, drafted_by, updated_at)
       values ($1, $2, $3, $4, 'notStarted', $5, 1, $6, $7) on conflict (round_id, cluster_id) do nothing`,
      [randomUUID(), r.roundId, r.clusterId, r.tenantId, JSON.stringify(r.sections), r.by, r.at],
    );
    return (await this.report(r.roundId, r.clusterId))!;
  }

  /** Saves sections and judgement if the report is still at `expectedVersion` and not submitted. */
  async saveDraft(id: string, expectedVersion: number, sections: Partial<FadeSections>, judgement: Judgement | null, by: string, at: Date, submit: boolean, tx: Sql = this.sql): Promise<FadeReport | null> {
    const rows = await tx.query<Row>(
      `update fade_reports set sections = $3, self_judgement = $4, drafted_by = $5, updated_at = $6, version = version + 1,
         status = case when $7 then 'submitted' else 'drafted' end,
         submitted_by = case when $7 then $5 else submitted_by end,
         submitted_at = case when $7 then $6::timestamptz else submitted_at end
       where id = $1 and version = $2 and status in ('notStarted', 'drafted') returning *`,
      [id, expectedVersion, JSON.stringify(sections), judgement, by, at, submit],
    );
    return rows[0] ? toReport(rows[0]) : null;
  }

  async review(id: string, judgement: Judgement, feedback: string, by: string, at: Date): Promise<FadeReport | null> {
    const rows = await this.sql.query<Row>(
      `update fade_reports set status = 'reviewed', review_judgement = $2, review_feedback = $3, reviewed_by = $4, reviewed_at = $5, version = version + 1, updated_at = $5
       where id = $1 and status = 'submitted' returning *`,
      [id, judgement, feedback, by, at],
    );
    return rows[0] ? toReport(rows[0]) : null;
  }

  // ---- members' parts and notes ----

  async parts(roundId: string, clusterId: number): Promise<{ schoolId: number; status: PartStatus }[]> {
    const rows = await this.sql.query<{ school_id: number; status: PartStatus }>('select school_id, status from fade_parts where round_id = $1 and cluster_id = $2', [roundId, clusterId]);
    return rows.map((r) => ({ schoolId: r.school_id, status: r.status }));
  }

  async setPart(roundId: string, clusterId: number, schoolId: number, status: PartStatus, by: string, at: Date): Promise<void> {
    await this.sql.query(
      `insert into fade_parts (round_id, cluster_id, school_id, status, updated_by, updated_at) values ($1, $2, $3, $4, $5, $6)
       on conflict (round_id, school_id) do update set status = excluded.status, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [roundId, clusterId, schoolId, status, by, at],
    );
  }

  async addNote(n: { clusterId: number; schoolId: number | null; authorId: string; authorName: string | null; text: string; at: Date }): Promise<void> {
    await this.sql.query('insert into fade_notes (cluster_id, school_id, author_id, author_name, text, at) values ($1, $2, $3, $4, $5, $6)', [
      n.clusterId,
      n.schoolId,
      n.authorId,
      n.authorName,
      n.text,
      n.at,
    ]);
  }

  async notes(clusterId: number): Promise<{ schoolId: number | null; authorName: string | null; text: string; at: Date }[]> {
    const rows = await this.sql.query<Row>('select * from fade_notes where cluster_id = $1 order by at, id', [clusterId]);
    return rows.map((r) => ({ schoolId: (r.school_id as number | null) ?? null, authorName: (r.author_name as string | null) ?? null, text: r.text as string, at: new Date(r.at as string) }));
  }

  /** Member schools' aide-memoire plans (answers, last change). */
  async memberPlans(clusterId: number): Promise<MemberPlanRow[]> {
    const rows = await this.sql.query<Row>(
      `select p.school_id, p.answers, p.updated_at from plans p join cluster_members m on m.school_id = p.school_id where m.cluster_id = $1 order by p.updated_at`,
      [clusterId],
    );
    return rows.map((r) => ({ schoolId: r.school_id as number, answers: (r.answers as PlanAnswers) ?? {}, updatedAt: new Date(r.updated_at as string) }));
  }

  // ---- reminder posts, outcomes and failures ----

  /** Rounds whose reminder card is in the cluster's channel, newest first (a cycle has a few). */
  async postedRounds(clusterId: number): Promise<string[]> {
    const rows = await this.sql.query<{ round_id: string }>('select round_id from fade_posts where cluster_id = $1 order by posted_at desc limit 4', [clusterId]);
    return rows.map((r) => r.round_id);
  }

  async post(roundId: string, clusterId: number): Promise<{ conversationId: string; activityId: string; reminderKey: string } | null> {
    const rows = await this.sql.query<Row>('select * from fade_posts where round_id = $1 and cluster_id = $2', [roundId, clusterId]);
    return rows[0] ? { conversationId: rows[0].conversation_id as string, activityId: rows[0].activity_id as string, reminderKey: rows[0].reminder_key as string } : null;
  }

  async setPost(roundId: string, clusterId: number, conversationId: string, activityId: string, reminderKey: string, at: Date): Promise<void> {
    await this.sql.query(
      `insert into fade_posts (round_id, cluster_id, conversation_id, activity_id, reminder_key, posted_at) values ($1, $2, $3, $4, $5, $6)
       on conflict (round_id, cluster_id) do update set conversation_id = excluded.conversation_id, activity_id = excluded.activity_id,
         reminder_key = excluded.reminder_key, posted_at = excluded.posted_at`,
      [roundId, clusterId, conversationId, activityId, reminderKey, at],
    );
  }

  async logReminder(roundId: string, clusterId: number, key: string, outcome: 'sent' | 'dropped' | 'skipped' | 'failed', reason: string | null, at: Date): Promise<void> {
    await this.sql.query(
      `insert into fade_reminder_log (round_id, cluster_id, reminder_key, outcome, reason, at) values ($1, $2, $3, $4, $5, $6)
       on conflict (round_id, cluster_id, reminder_key) do update set outcome = excluded.outcome, reason = excluded.reason, at = excluded.at`,
      [roundId, clusterId, key, outcome, reason, at],
    );
  }

  async reminderLog(roundId: string, clusterId: number): Promise<{ key: string; outcome: string; reason: string | null }[]> {
    const rows = await this.sql.query<Row>('select * from fade_reminder_log where round_id = $1 and cluster_id = $2 order by at', [roundId, clusterId]);
    return rows.map((r) => ({ key: r.reminder_key as string, outcome: r.outcome as string, reason: (r.reason as string | null) ?? null }));
  }

  async recordFailure(f: { at: Date; tenantId: string; clusterId: number | null; conversationId: string | null; what: string; status: number | null; error: string; attempts: number }): Promise<void> {
    await this.sql.query(
      `insert into fade_delivery_failures (at, tenant_id, cluster_id, conversation_id, what, status, error, attempts) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [f.at, f.tenantId, f.clusterId, f.conversationId, f.what, f.status, f.error.slice(0, 2000), f.attempts],
    );
  }

  async failures(tenantId: string, limit = 10): Promise<DeliveryFailure[]> {
    const rows = await this.sql.query<Row>(
      `select f.*, c.name as cluster_name from fade_delivery_failures f left join clusters c on c.id = f.cluster_id where f.tenant_id = $1 order by f.at desc, f.id desc limit $2`,
      [tenantId, limit],
    );
    return rows.map((r) => ({
      at: new Date(r.at as string),
      clusterId: (r.cluster_id as number | null) ?? null,
      clusterName: (r.cluster_name as string | null) ?? null,
      conversationId: (r.conversation_id as string | null) ?? null,
      what: r.what as string,
      status: (r.status as number | null) ?? null,
      error: r.error as string,
      attempts: r.attempts as number,
    }));
  }

  async addNextSteps(clusterId: number, roundId: string, items: readonly string[], by: string, at: Date): Promise<number> {
    const existing = new Set((await this.sql.query<{ text: string }>('select text from fade_next_steps where cluster_id = $1 and round_id = $2', [clusterId, roundId])).map((r) => r.text));
    let added = 0;
    for (const text of items) {
      if (existing.has(text)) continue;
      await this.sql.query('insert into fade_next_steps (cluster_id, round_id, text, created_by, created_at) values ($1, $2, $3, $4, $5)', [clusterId, roundId, text, by, at]);
      added++;
    }
    return added;
  }

  async nextSteps(clusterId: number): Promise<string[]> {
    return (await this.sql.query<{ text: string }>('select text from fade_next_steps where cluster_id = $1 order by id', [clusterId])).map((r) => r.text);
  }

  // ---- scheduled reminders (rows of scheduled_notifications) ----

  /**
   * What delivering one reminder needs, in one round trip: the report (if any), the
   * round's reminder schedule for the cluster, and the cluster's channel.
   */
  async reminderContext(roundId: string, clusterId: number): Promise<{ report: FadeReport | null; schedule: { key: string; dueAt: Date }[]; channel: FadeConversation | null }> {
    const rows = await this.sql.query<{ report: Row | null; schedule: { k: string; d: string }[] | null; channel: Row | null }>(
      `select
         (select to_jsonb(r) from fade_reports r where r.round_id = $1 and r.cluster_id = $2) as report,
         (select jsonb_agg(jsonb_build_object('k', n.dedupe_key, 'd', n.due_at) order by n.due_at) from scheduled_notifications n
           where n.kind = 'fadeReminder' and n.subject_id = $1::text and n.recipient_id = $3) as schedule,
         (select to_jsonb(c) from fade_conversations c where c.cluster_id = $2) as channel`,
      [roundId, clusterId, String(clusterId)],
    );
    const r = rows[0];
    return {
      report: r?.report ? toReport(r.report) : null,
      schedule: (r?.schedule ?? []).map((x) => ({ key: String(x.k).split(':').pop()!, dueAt: new Date(x.d) })),
      channel: r?.channel ? toConversation(r.channel) : null,
    };
  }

  /** Records a reminder that went: the post (to update it in place) and its outcome, in one statement. */
  async recordSent(roundId: string, clusterId: number, conversationId: string, activityId: string | undefined, key: string, at: Date): Promise<void> {
    await this.sql.query(
      `with post as (
         insert into fade_posts (round_id, cluster_id, conversation_id, activity_id, reminder_key, posted_at)
         select $1, $2, $3, $4, $5, $6 where $4::text is not null
         on conflict (round_id, cluster_id) do update set conversation_id = excluded.conversation_id, activity_id = excluded.activity_id,
           reminder_key = excluded.reminder_key, posted_at = excluded.posted_at
         returning 1)
       insert into fade_reminder_log (round_id, cluster_id, reminder_key, outcome, reason, at) values ($1, $2, $5, 'sent', null, $6)
       on conflict (round_id, cluster_id, reminder_key) do update set outcome = excluded.outcome, reason = excluded.reason, at = excluded.at`,
      [roundId, clusterId, conversationId, activityId ?? null, key, at],
    );
  }

  /** The reminder keys of a round and cluster with when each is due. */
  async reminderSchedule(roundId: string, clusterId: number): Promise<{ id: string; key: string; dueAt: Date; status: string }[]> {
    const rows = await this.sql.query<Row>(
      `select id, dedupe_key, due_at, status from scheduled_notifications where kind = 'fadeReminder' and subject_id = $1 and recipient_id = $2 order by due_at`,
      [roundId, String(clusterId)],
    );
    return rows.map((r) => ({ id: r.id as string, key: String(r.dedupe_key).split(':').pop()!, dueAt: new Date(r.due_at as string), status: r.status as string }));
  }

  /** Claimed but no longer worth sending: cancelled with the reason, never sent. */
  async dropNotification(id: string, reason: string): Promise<void> {
    await this.sql.query(`update scheduled_notifications set status = 'cancelled', last_error = $2 where id = $1 and status = 'queued'`, [id, reason]);
  }

  /** Stops the reminders of a round for a cluster (after submission). */
  async cancelReminders(roundId: string, clusterId: number, tx: Sql = this.sql): Promise<number> {
    const rows = await tx.query(
      `update scheduled_notifications set status = 'cancelled', last_error = 'report submitted'
       where kind = 'fadeReminder' and subject_id = $1 and recipient_id = $2 and status = 'pending' returning id`,
      [roundId, String(clusterId)],
    );
    return rows.length;
  }

  /** Per cycle and round: clusters, how many submitted, reminders sent and pending. */
  async statusOverview(tenantId: string): Promise<{ cycleName: string; roundName: string; deadline: string; clusters: number; submitted: number; sent: number; pending: number; inactiveChannels: number; unlinked: number }[]> {
    const rows = await this.sql.query<Row>(
      `select c.name as cycle_name, r.name as round_name, r.deadline,
         count(distinct cc.cluster_id)::int as clusters,
         count(distinct rep.cluster_id) filter (where rep.status in ('submitted', 'reviewed'))::int as submitted,
         (select count(*) from scheduled_notifications n where n.kind = 'fadeReminder' and n.subject_id = r.id::text and n.status = 'sent')::int as sent,
         (select count(*) from scheduled_notifications n where n.kind = 'fadeReminder' and n.subject_id = r.id::text and n.status = 'pending')::int as pending,
         count(distinct cc.cluster_id) filter (where fc.conversation_id is not null and not fc.active)::int as inactive_channels,
         count(distinct cc.cluster_id) filter (where fc.conversation_id is null)::int as unlinked
       from fade_cycles c join fade_rounds r on r.cycle_id = c.id
       join fade_cycle_clusters cc on cc.cycle_id = c.id
       left join fade_reports rep on rep.round_id = r.id and rep.cluster_id = cc.cluster_id
       left join fade_conversations fc on fc.cluster_id = cc.cluster_id
       where c.tenant_id = $1 group by c.name, c.created_at, r.id, r.name, r.deadline, r.seq order by c.created_at desc, r.seq limit 12`,
      [tenantId],
    );
    return rows.map((r) => ({
      cycleName: r.cycle_name as string,
      roundName: r.round_name as string,
      deadline: r.deadline as string,
      clusters: Number(r.clusters),
      submitted: Number(r.submitted),
      sent: Number(r.sent),
      pending: Number(r.pending),
      inactiveChannels: Number(r.inactive_channels),
      unlinked: Number(r.unlinked),
    }));
  }
}

function toCluster(r: Row): ClusterInfo {
  return { id: r.id as number, name: r.name as string, laCode: r.la_code as number, leadSchoolId: (r.lead_school_id as number | null) ?? null, language: r.language as ClusterLanguage };
}
