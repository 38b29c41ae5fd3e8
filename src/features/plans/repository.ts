import type { Plan, PlanAnswers, PlanStatus } from './plan';
import { silentLogger, type Logger } from '../../platform/log';
import type { Database, Sql } from '../../platform/db/db';
import { ABSENT, hotRowsOf, readThrough, writeAhead, writeThrough, type WriteThroughCache } from '../../platform/db/hotRows';

export interface PlanRepository {
  create(plan: Plan, sql?: Sql): Promise<void>;
  get(id: string, sql?: Sql): Promise<Plan | null>;
  listForOwner(tenantId: string, ownerId: string, limit: number): Promise<Plan[]>;
  /**
   * Saves the plan only if the stored one is still `expectedVersion` and still the same owner's;
   * false when someone got there first (or the plan has changed hands, as when its owner's data is deleted).
   */
  update(plan: Plan, expectedVersion: number, sql?: Sql): Promise<boolean>;
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
});

/** A plan of its own for each caller, as callers may change what they were given (dates are copied as dates). */
const copyOf = (p: Plan): Plan => ({
  ...p,
  answers: JSON.parse(JSON.stringify(p.answers)) as PlanAnswers,
  fieldVersions: { ...p.fieldVersions },
  createdAt: new Date(p.createdAt),
  updatedAt: new Date(p.updatedAt),
  supportStartedAt: p.supportStartedAt && new Date(p.supportStartedAt),
  supportEndedAt: p.supportEndedAt && new Date(p.supportEndedAt),
  actionPlanDoneAt: p.actionPlanDoneAt && new Date(p.actionPlanDoneAt),
  impactDueAt: p.impactDueAt && new Date(p.impactDueAt),
  completedAt: p.completedAt && new Date(p.completedAt),
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
  /** On the embedded database only (see hotRowsOf): plans as last read or written, kept in this process. */
  private readonly cache: WriteThroughCache<Plan> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger = silentLogger,
  ) {
    this.cache = hotRowsOf(sql)?.plans;
  }

  async create(plan: Plan, sql: Sql = this.sql): Promise<void> {
    await this.write(
      plan.id,
      sql,
      `insert into plans (id, tenant_id, owner_id, school_id, status, answers, version, field_versions, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       returning *`,
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
      ],
      (rows: PlanRow[]) => (rows[0] ? toPlan(rows[0]) : undefined),
    );
  }

  async get(id: string, sql: Sql = this.sql): Promise<Plan | null> {
    if (!UUID.test(id)) return null;
    // Inside a transaction, what the transaction sees; the cache holds only what is committed.
    return readThrough(
      sql === this.sql ? this.cache : undefined,
      id,
      async () => {
        const rows = await sql.query<PlanRow>('select * from plans where id = $1', [id]);
        return rows[0] ? toPlan(rows[0]) : null;
      },
      copyOf,
    );
  }

  async listForOwner(tenantId: string, ownerId: string, limit: number): Promise<Plan[]> {
    const rows = await this.sql.query<PlanRow>(
      'select * from plans where tenant_id = $1 and owner_id = $2 order by updated_at desc, id limit $3',
      [tenantId, ownerId, limit],
    );
    return rows.map(toPlan);
  }

  async update(plan: Plan, expectedVersion: number, sql: Sql = this.sql): Promise<boolean> {
    if (sql === this.sql && this.updateAhead(plan, expectedVersion)) return true;
    // Only the version comes back: the row is what was just sent, and reading it all back (parsing its JSON
    // and dates on both threads) cost about a tenth of a millisecond a save, more when the database thread was cold.
    const rows = await this.write(plan.id, sql, UPDATE_PLAN, updateParams(plan, expectedVersion), (updated: { version: number }[]) =>
      updated.length === 1 ? copyOf(plan) : undefined,
    );
    return rows.length === 1;
  }

  /**
   * On the embedded database, an update whose outcome is already known is journaled and answered at once, while
   * the database thread runs it. The outcome is known when the cache holds the plan with no write in flight: this
   * process alone changes the files, statements run in the order they were sent, and every change to plans made
   * other than through here clears the cache first; so the update will find the plan at that version, and lands.
   */
  private updateAhead(plan: Plan, expectedVersion: number): boolean {
    const db = this.sql as Partial<Database>;
    if (!this.cache || !db.sendJournaled) return false;
    const stored = this.cache.lookup(plan.id);
    if (stored === undefined || stored === ABSENT) return false;
    if (stored.version !== expectedVersion || stored.tenantId !== plan.tenantId || stored.ownerId !== plan.ownerId) return false;

    try {
      return writeAhead(
        this.cache,
        plan.id,
        () => db.sendJournaled!<{ version: number }>(UPDATE_PLAN, updateParams(plan, expectedVersion)),
        copyOf(plan),
        (rows) => rows.length === 1,
        (err) => {
          const fields = { planId: plan.id, version: plan.version };
          // No error: only a change that cleared the cache after this was sent (deleting the owner's data) leaves nothing to update.
          if (err === undefined) this.log.warn('an acknowledged plan save found the plan changed and was not applied', fields);
          // An error: the journal keeps the statement for the next start, and journals nothing more until then.
          else this.log.error('an acknowledged plan save could not be run; it is kept for the next start', { ...fields, error: (err as Error).message });
        },
      );
    } catch (err) {
      this.log.warn('a plan save could not be journaled; saving it the ordinary way', { error: (err as Error).message });
      return false;
    }
  }

  /**
   * One statement that writes one plan; `stored` says what it stored, from what came back. Outside a transaction
   * the cache then holds that; inside one (which may yet roll back) the plan is only forgotten, and read afresh after.
   */
  private write<R>(id: string, sql: Sql, text: string, params: unknown[], stored: (rows: R[]) => Plan | undefined): Promise<R[]> {
    return writeThrough(this.cache, id, () => sql.query<R>(text, params), (rows) => (sql === this.sql ? stored(rows) : undefined));
  }
}
