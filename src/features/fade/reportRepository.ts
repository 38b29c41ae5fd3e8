import { randomUUID } from 'node:crypto';
import type { Sql } from '../../platform/db/db';
import type { FadeSections, Judgement, PartStatus, ReportStatus } from './model';
import type { FadeReport, MemberNote } from './types';

type Row = Record<string, unknown>;
const d = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

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
  reviewAskedAt: d(r.review_asked_at),
});

/**
 * Owns what a cluster writes for a round: fade_reports (with the reviewer's judgement),
 * fade_parts (each member school's part), fade_notes and fade_next_steps.
 */
export class SqlFadeReportRepository {
  constructor(private readonly sql: Sql) {}

  /** A person's data is deleted: what the cluster wrote is kept, with the stand-in for who wrote it. How many rows changed. */
  async anonymisePerson(tenantId: string, userId: string, standInId: string, sql: Sql): Promise<number> {
    const count = async (text: string, params: unknown[]) => (await sql.query(text, params)).length;
    return (
      (await count('update fade_notes set author_id = $2, author_name = null where (tenant_id = $3 or tenant_id is null) and author_id = $1 returning id', [
        userId,
        standInId,
        tenantId,
      ])) +
      (await count(
        `update fade_reports set drafted_by = case when drafted_by = $2 then $3 else drafted_by end,
                submitted_by = case when submitted_by = $2 then $3 else submitted_by end,
                reviewed_by = case when reviewed_by = $2 then $3 else reviewed_by end
          where tenant_id = $1 and $2 in (drafted_by, submitted_by, reviewed_by) returning id`,
        [tenantId, userId, standInId],
      )) +
      (await count('update fade_parts set updated_by = $2 where updated_by = $1 returning school_id', [userId, standInId])) +
      (await count('update fade_next_steps set created_by = $2 where created_by = $1 returning id', [userId, standInId]))
    );
  }

  async report(roundId: string, clusterId: number, sql: Sql = this.sql): Promise<FadeReport | null> {
    const rows = await sql.query<Row>('select * from fade_reports where round_id = $1 and cluster_id = $2', [roundId, clusterId]);
    return rows[0] ? toReport(rows[0]) : null;
  }

  /** The report, if it belongs to one of `tenants` (the reader's community). */
  async reportById(id: string, tenants: readonly string[]): Promise<FadeReport | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows = await this.sql.query<Row>('select * from fade_reports where id = $1 and tenant_id = any($2::text[])', [id, tenants]);
    return rows[0] ? toReport(rows[0]) : null;
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
  async saveDraft(
    id: string,
    expectedVersion: number,
    sections: Partial<FadeSections>,
    judgement: Judgement | null,
    by: string,
    at: Date,
    submit: boolean,
    tx: Sql = this.sql,
  ): Promise<FadeReport | null> {
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

  /** Records that the submitted report went to a reviewer or adviser (the first time only). */
  async markReviewAsked(id: string, at: Date): Promise<void> {
    await this.sql.query('update fade_reports set review_asked_at = coalesce(review_asked_at, $2) where id = $1', [id, at]);
  }

  /** Submitted reports of the community nobody has been asked to review yet, oldest first. */
  async awaitingReviewer(tenants: readonly string[]): Promise<FadeReport[]> {
    const rows = await this.sql.query<Row>(
      `select * from fade_reports where tenant_id = any($1) and status = 'submitted' and review_asked_at is null order by submitted_at, id`,
      [tenants],
    );
    return rows.map(toReport);
  }

  // ---- members' parts and notes ----

  async parts(roundId: string, clusterId: number): Promise<{ schoolId: number; status: PartStatus }[]> {
    const rows = await this.sql.query<{ school_id: number; status: PartStatus }>(
      'select school_id, status from fade_parts where round_id = $1 and cluster_id = $2',
      [roundId, clusterId],
    );
    return rows.map((r) => ({ schoolId: r.school_id, status: r.status }));
  }

  async setPart(roundId: string, clusterId: number, schoolId: number, status: PartStatus, by: string, at: Date): Promise<void> {
    await this.sql.query(
      `insert into fade_parts (round_id, cluster_id, school_id, status, updated_by, updated_at) values ($1, $2, $3, $4, $5, $6)
       on conflict (round_id, school_id) do update set status = excluded.status, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      [roundId, clusterId, schoolId, status, by, at],
    );
  }

  async addNote(n: {
    clusterId: number;
    tenantId: string;
    schoolId: number | null;
    authorId: string;
    authorName: string | null;
    text: string;
    at: Date;
  }): Promise<void> {
    await this.sql.query('insert into fade_notes (cluster_id, tenant_id, school_id, author_id, author_name, text, at) values ($1, $2, $3, $4, $5, $6, $7)', [
      n.clusterId,
      n.tenantId,
      n.schoolId,
      n.authorId,
      n.authorName,
      n.text,
      n.at,
    ]);
  }

  /** The cluster's notes written in the community (`tenants`): another community's notes on the same cluster are never read. */
  async notes(clusterId: number, tenants: readonly string[]): Promise<MemberNote[]> {
    const rows = await this.sql.query<Row>('select * from fade_notes where cluster_id = $1 and tenant_id = any($2::text[]) order by at, id', [
      clusterId,
      tenants,
    ]);
    return rows.map((r) => ({
      schoolId: (r.school_id as number | null) ?? null,
      authorName: (r.author_name as string | null) ?? null,
      text: r.text as string,
      at: new Date(r.at as string),
    }));
  }

  // ---- next steps carried into the cluster's plan ----

  async addNextSteps(clusterId: number, roundId: string, items: readonly string[], by: string, at: Date): Promise<number> {
    const existing = new Set(
      (await this.sql.query<{ text: string }>('select text from fade_next_steps where cluster_id = $1 and round_id = $2', [clusterId, roundId])).map(
        (r) => r.text,
      ),
    );
    let added = 0;
    for (const text of items) {
      if (existing.has(text)) continue;
      await this.sql.query('insert into fade_next_steps (cluster_id, round_id, text, created_by, created_at) values ($1, $2, $3, $4, $5)', [
        clusterId,
        roundId,
        text,
        by,
        at,
      ]);
      added++;
    }
    return added;
  }

  /** The cluster's next steps from rounds of the community (`tenants`): each community keeps its own cluster plan. */
  async nextSteps(clusterId: number, tenants: readonly string[]): Promise<string[]> {
    const rows = await this.sql.query<{ text: string }>(
      `select s.text from fade_next_steps s join fade_rounds r on r.id = s.round_id join fade_cycles c on c.id = r.cycle_id
        where s.cluster_id = $1 and c.tenant_id = any($2::text[]) order by s.id`,
      [clusterId, tenants],
    );
    return rows.map((r) => r.text);
  }
}
