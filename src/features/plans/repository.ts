import type { Plan, PlanAnswers, PlanStatus } from './plan';
import type { Sql } from '../../platform/db/db';

export interface PlanRepository {
  create(plan: Plan, sql?: Sql): Promise<void>;
  /** The plan, if it was made in one of `tenants` (a reader's own tenant, or the community of a request about it). */
  get(id: string, tenants: readonly string[], sql?: Sql): Promise<Plan | null>;
  listForOwner(tenantId: string, ownerId: string, limit: number): Promise<Plan[]>;
  /**
   * Saves the plan only if the stored one is still `expectedVersion` and still the same owner's;
   * false when someone got there first (or the plan has changed hands, as when its owner's data is deleted).
   */
  update(plan: Plan, expectedVersion: number, sql?: Sql): Promise<boolean>;
  /** Records the owner's choice (Plan.inClusterReport); the plan's version and answers are untouched. */
  setInClusterReport(planId: string, tenantId: string, include: boolean): Promise<void>;
}

interface PlanRow {
  id: string;
  tenant_id: string;
  owner_id: string;
  school_id: number | null;
  status: PlanStatus;
  answers: PlanAnswers;
  version: number;
  field_versions: Plan['fieldVersions'];
  created_at: Date;
  updated_at: Date;
  support_started_at: Date | null;
  support_ended_at: Date | null;
  action_plan_done_at: Date | null;
  impact_due_at: Date | null;
  completed_at: Date | null;
  in_cluster_report: boolean;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

const toPlan = (r: PlanRow): Plan => ({
  id: r.id,
  tenantId: r.tenant_id,
  ownerId: r.owner_id,
  schoolId: r.school_id,
  status: r.status,
  answers: r.answers ?? {},
  version: r.version,
  fieldVersions: r.field_versions ?? {},
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  supportStartedAt: date(r.support_started_at),
  supportEndedAt: date(r.support_ended_at),
  actionPlanDoneAt: date(r.action_plan_done_at),
  impactDueAt: date(r.impact_due_at),
  completedAt: date(r.completed_at),
  inClusterReport: r.in_cluster_report,
});

const UPDATE_PLAN = `update plans set status = $3, answers = $4, version = $5, updated_at = $6,
    support_started_at = $7, support_ended_at = $8, action_plan_done_at = $9, impact_due_at = $10, completed_at = $11,
    field_versions = $12
  where id = $1 and version = $2 and tenant_id = $13 and owner_id = $14
  returning version`;

const updateParams = (plan: Plan, expectedVersion: number): unknown[] => [
  plan.id,
  expectedVersion,
  plan.status,
  JSON.stringify(plan.answers),
  plan.version,
  plan.updatedAt,
  plan.supportStartedAt,
  plan.supportEndedAt,
  plan.actionPlanDoneAt,
  plan.impactDueAt,
  plan.completedAt,
  JSON.stringify(plan.fieldVersions),
  plan.tenantId,
  plan.ownerId,
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class SqlPlanRepository implements PlanRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * A person's data is deleted: their plans that never went to another school go; the rest are handed to the stand-in
   * (who must exist), kept for the partner school without their name. Inside the caller's transaction.
   */
  async deleteForPerson(
    tenantId: string,
    userId: string,
    standInId: string,
    sql: Sql,
    ensureStandIn: () => Promise<void>,
  ): Promise<{ deleted: number; kept: number }> {
    const deleted = await sql.query(
      `delete from plans p where p.tenant_id = $1 and p.owner_id = $2
          and not exists (select 1 from support_requests r where r.plan_id = p.id) returning p.id`,
      [tenantId, userId],
    );
    const kept = await sql.query('select id from plans where tenant_id = $1 and owner_id = $2', [tenantId, userId]);
    if (kept.length > 0) {
      await ensureStandIn();
      await sql.query('update plans set owner_id = $3 where tenant_id = $1 and owner_id = $2', [tenantId, userId, standInId]);
    }
    return { deleted: deleted.length, kept: kept.length };
  }

  async setInClusterReport(planId: string, tenantId: string, include: boolean): Promise<void> {
    await this.sql.query('update plans set in_cluster_report = $3 where id = $1 and tenant_id = $2', [planId, tenantId, include]);
  }

  async create(plan: Plan, sql: Sql = this.sql): Promise<void> {
    await sql.query(
      `insert into plans (id, tenant_id, owner_id, school_id, status, answers, version, field_versions, created_at, updated_at, in_cluster_report)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        plan.id,
        plan.tenantId,
        plan.ownerId,
        plan.schoolId,
        plan.status,
        JSON.stringify(plan.answers),
        plan.version,
        JSON.stringify(plan.fieldVersions),
        plan.createdAt,
        plan.updatedAt,
        plan.inClusterReport,
      ],
    );
  }

  async get(id: string, tenants: readonly string[], sql: Sql = this.sql): Promise<Plan | null> {
    if (!UUID.test(id)) return null;
    const rows = await sql.query<PlanRow>('select * from plans where id = $1 and tenant_id = any($2::text[])', [id, tenants]);
    return rows[0] ? toPlan(rows[0]) : null;
  }

  async listForOwner(tenantId: string, ownerId: string, limit: number): Promise<Plan[]> {
    const rows = await this.sql.query<PlanRow>('select * from plans where tenant_id = $1 and owner_id = $2 order by updated_at desc, id limit $3', [
      tenantId,
      ownerId,
      limit,
    ]);
    return rows.map(toPlan);
  }

  async update(plan: Plan, expectedVersion: number, sql: Sql = this.sql): Promise<boolean> {
    const rows = await sql.query(UPDATE_PLAN, updateParams(plan, expectedVersion));
    return rows.length === 1;
  }
}
