import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import {
  applyAnswer,
  isStaleFor,
  newPlan,
  patchIsAlreadyApplied,
  transition,
  transitionAlreadyMade,
  validateAnswer,
  type FieldId,
  type Plan,
  type PlanTransition,
  type RawAnswer,
} from './plan';
import type { Problem } from '../../platform/outcome';
import type { Database } from '../../platform/db/db';
import type { SqlNotificationRepository } from '../../platform/jobs/notifications';
import type { PlanRepository } from './repository';
import { BoundedCache } from '../../platform/boundedCache';
import type { Actor } from '../../platform/actor';


export type PlanOutcome =
  | { kind: 'ok'; plan: Plan; changed: boolean }
  | { kind: 'invalid'; plan: Plan; problem: Problem }
  | { kind: 'stale'; plan: Plan }
  | { kind: 'notFound' }
  | { kind: 'forbidden'; plan: Plan };

export interface PlanServiceDeps {
  db: Database;
  plans: PlanRepository;
  notifications: SqlNotificationRepository;
  clock: Clock;
  impactDelayDays: number;
  newId?: () => string;
  /** How many recently seen plans to keep for saving without reading first (default 1,000). */
  recentPlans?: number;
}

export const impactNudgeKey = (planId: string) => `impactNudge:${planId}`;

/** The aide-memoire use cases: every one checks ownership, staleness and repeats on the server. */
export class PlanService {
  private readonly newId: () => string;
  /**
   * Plans as this instance last read or wrote them, used for one thing only: to save an answer
   * without reading the plan first. The save is conditional on the plan's version, so if any
   * instance has changed the plan since, it changes nothing and the answer is saved the ordinary
   * way (read, check, write). Every other outcome (already saved, stale card, locked field) is
   * decided on a fresh read, and nothing is ever shown from here, so a second instance cannot
   * make this instance show or keep anything out of date.
   */
  private readonly recent: BoundedCache<string, Plan>;

  constructor(private readonly deps: PlanServiceDeps) {
    this.newId = deps.newId ?? randomUUID;
    this.recent = new BoundedCache(deps.recentPlans ?? 1000);
  }

  async create(actor: Actor, schoolId: number | null): Promise<Plan> {
    const plan = newPlan(this.newId(), { ...actor, schoolId }, this.deps.clock.now());
    await this.deps.plans.create(plan);
    this.recent.set(plan.id, plan);
    return plan;
  }

  async list(actor: Actor, limit = 20): Promise<Plan[]> {
    return this.deps.plans.listForOwner(actor.tenantId, actor.userId, limit);
  }

  /** The plan, if this person owns it. */
  async open(actor: Actor, planId: string): Promise<PlanOutcome> {
    const plan = await this.deps.plans.get(planId);
    if (!plan) {
      this.recent.delete(planId);
      return { kind: 'notFound' };
    }
    if (plan.tenantId !== actor.tenantId || plan.ownerId !== actor.userId) return { kind: 'forbidden', plan };
    this.recent.set(plan.id, plan);
    return { kind: 'ok', plan, changed: false };
  }

  /**
   * Saves one answer. `whileSaving`, if given, is called with the plan as it will be once saved,
   * after the write has been sent and before it is confirmed, so the caller can build its answer
   * while the database works; the outcome's plan is that same object only if the write landed.
   */
  async saveAnswer(actor: Actor, planId: string, cardVersion: number, field: FieldId, raw: RawAnswer, whileSaving?: (plan: Plan) => void): Promise<PlanOutcome> {
    const checked = validateAnswer(field, raw);

    // The usual case, a new answer on a plan this instance has just shown: write it, if the plan is still that version.
    const known = this.recent.get(planId);
    if (known && checked.ok && known.tenantId === actor.tenantId && known.ownerId === actor.userId) {
      if (!patchIsAlreadyApplied(known.answers, checked.value) && !isStaleFor(known, field, cardVersion)) {
        const applied = applyAnswer(known, field, checked.value, this.deps.clock.now(), this.deps.impactDelayDays);
        if (applied.ok && (await this.write(known, applied.value.plan, applied.value.impactNudgeDueAt, whileSaving))) return { kind: 'ok', plan: applied.value.plan, changed: true };
      }
    }

    const opened = await this.open(actor, planId);
    if (opened.kind !== 'ok') return opened;
    const plan = opened.plan;

    if (!checked.ok) return { kind: 'invalid', plan, problem: checked.problem };
    // A retry of the same submit, or saving what is already there, changes nothing.
    if (patchIsAlreadyApplied(plan.answers, checked.value)) return { kind: 'ok', plan, changed: false };
    if (isStaleFor(plan, field, cardVersion)) return { kind: 'stale', plan };

    const applied = applyAnswer(plan, field, checked.value, this.deps.clock.now(), this.deps.impactDelayDays);
    if (!applied.ok) return { kind: 'invalid', plan, problem: applied.problem };
    const { plan: next, impactNudgeDueAt } = applied.value;
    if (!(await this.write(plan, next, impactNudgeDueAt, whileSaving))) return this.afterLostRace(actor, planId, field, cardVersion, raw);
    return { kind: 'ok', plan: next, changed: true };
  }

  /** Saves `next` if the stored plan is still `plan`'s version; false when another save got there first. */
  private async write(plan: Plan, next: Plan, impactNudgeDueAt?: Date, whileSaving?: (plan: Plan) => void): Promise<boolean> {
    // One statement is atomic by itself; a transaction is needed only when the nudge must land with the save.
    const saving = impactNudgeDueAt
      ? this.deps.db.transaction(async (tx) => {
          if (!(await this.deps.plans.update(next, plan.version, tx))) return false;
          await this.deps.notifications.schedule(
            { kind: 'impactNudge', dedupeKey: impactNudgeKey(plan.id), tenantId: plan.tenantId, recipientId: plan.ownerId, subjectId: plan.id, dueAt: impactNudgeDueAt },
            tx,
          );
          return true;
        })
      : this.deps.plans.update(next, plan.version);
    try {
      whileSaving?.(next);
    } catch {
      // The caller builds its answer again once the outcome is known, and meets the same error there.
    }
    const saved = await saving;
    if (saved) this.recent.set(next.id, next);
    else this.recent.delete(plan.id);
    return saved;
  }

  /** Another save landed between our read and write: try once more against the new state. */
  private async afterLostRace(actor: Actor, planId: string, field: FieldId, cardVersion: number, raw: RawAnswer): Promise<PlanOutcome> {
    const again = await this.open(actor, planId);
    if (again.kind !== 'ok') return again;
    const checked = validateAnswer(field, raw);
    if (checked.ok && patchIsAlreadyApplied(again.plan.answers, checked.value)) return { kind: 'ok', plan: again.plan, changed: false };
    return { kind: 'stale', plan: again.plan };
  }

  async transition(actor: Actor, planId: string, action: PlanTransition): Promise<PlanOutcome> {
    const opened = await this.open(actor, planId);
    if (opened.kind !== 'ok') return opened;
    const plan = opened.plan;
    if (transitionAlreadyMade(plan, action)) return { kind: 'ok', plan, changed: false };
    const moved = transition(plan, action, this.deps.clock.now());
    if (!moved.ok) return { kind: 'invalid', plan, problem: moved.problem };
    if (!(await this.write(plan, moved.value))) {
      const again = await this.open(actor, planId);
      return again.kind === 'ok' && transitionAlreadyMade(again.plan, action) ? { kind: 'ok', plan: again.plan, changed: false } : again;
    }
    return { kind: 'ok', plan: moved.value, changed: true };
  }
}
