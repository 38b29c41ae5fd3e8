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
import { Outcomes, type Outcome } from '../../platform/outcome';
import type { MessageKey } from '../../platform/i18n';
import type { Database } from '../../platform/db/db';
import type { SqlNotificationRepository } from '../../platform/jobs/notifications';
import type { PlanRepository } from './repository';
import type { Actor } from '../../platform/actor';

/** A use case's answer: the plan as it now is, and whether this call changed it. */
export type PlanOutcome = Outcome<{ plan: Plan; changed: boolean }, Plan>;

/** The key of a problem that means "the card was out of date": its answer is shown beside what is saved now. */
export const STALE_CARD: MessageKey = 'plan.staleNote';

export interface PlanServiceDeps {
  db: Database;
  plans: PlanRepository;
  notifications: SqlNotificationRepository;
  clock: Clock;
  impactDelayDays: number;
  newId?: () => string;
}

export const impactNudgeKey = (planId: string) => `impactNudge:${planId}`;

const changed = (plan: Plan) => Outcomes.ok({ plan, changed: true });
const unchanged = (plan: Plan) => Outcomes.ok({ plan, changed: false });

/** The aide-memoire use cases: every one checks ownership, staleness and repeats on the server. */
export class PlanService {
  private readonly newId: () => string;

  constructor(private readonly deps: PlanServiceDeps) {
    this.newId = deps.newId ?? randomUUID;
  }

  async create(actor: Actor, schoolId: number | null): Promise<Plan> {
    const plan = newPlan(this.newId(), { ...actor, schoolId }, this.deps.clock.now());
    await this.deps.plans.create(plan);
    return plan;
  }

  async list(actor: Actor, limit = 20): Promise<Plan[]> {
    return this.deps.plans.listForOwner(actor.tenantId, actor.userId, limit);
  }

  /** The plan, if this person owns it. */
  async open(actor: Actor, planId: string): Promise<PlanOutcome> {
    const plan = await this.deps.plans.get(planId, [actor.tenantId]);
    if (!plan) return Outcomes.notFound('error.planNotFound');
    if (plan.tenantId !== actor.tenantId || plan.ownerId !== actor.userId) return Outcomes.forbidden('error.notYourPlan');
    return unchanged(plan);
  }

  /** The owner includes the plan in the cluster's FADE draft, or leaves it out. */
  async setInClusterReport(actor: Actor, planId: string, include: boolean): Promise<PlanOutcome> {
    const opened = await this.open(actor, planId);
    if (opened.kind !== 'ok') return opened;
    const { plan } = opened.value;
    if (plan.inClusterReport === include) return opened;
    await this.deps.plans.setInClusterReport(planId, actor.tenantId, include);
    return changed({ ...plan, inClusterReport: include });
  }

  /** Saves one answer, if the card that sent it is not out of date; a retried submit changes nothing. */
  async saveAnswer(actor: Actor, planId: string, cardVersion: number, field: FieldId, raw: RawAnswer): Promise<PlanOutcome> {
    const opened = await this.open(actor, planId);
    if (opened.kind !== 'ok') return opened;
    const { plan } = opened.value;

    const checked = validateAnswer(field, raw);
    if (!checked.ok) return Outcomes.problem(checked.problem.key, checked.problem.params, plan);
    // A retry of the same submit, or saving what is already there, changes nothing.
    if (patchIsAlreadyApplied(plan.answers, checked.value)) return unchanged(plan);
    if (isStaleFor(plan, field, cardVersion)) return Outcomes.problem(STALE_CARD, undefined, plan);

    const applied = applyAnswer(plan, field, checked.value, this.deps.clock.now(), this.deps.impactDelayDays);
    if (!applied.ok) return Outcomes.problem(applied.problem.key, applied.problem.params, plan);
    const { plan: next, impactNudgeDueAt } = applied.value;
    if (await this.write(plan, next, impactNudgeDueAt)) return changed(next);

    // Another save landed between our read and write: judge the answer against the new state.
    const again = await this.open(actor, planId);
    if (again.kind !== 'ok') return again;
    if (patchIsAlreadyApplied(again.value.plan.answers, checked.value)) return unchanged(again.value.plan);
    return Outcomes.problem(STALE_CARD, undefined, again.value.plan);
  }

  /** Saves `next` if the stored plan is still `plan`'s version; false when another save got there first. */
  private async write(plan: Plan, next: Plan, impactNudgeDueAt?: Date): Promise<boolean> {
    if (!impactNudgeDueAt) return this.deps.plans.update(next, plan.version);
    // The reminder to assess the impact lands with the save, or neither does.
    return this.deps.db.transaction(async (tx) => {
      if (!(await this.deps.plans.update(next, plan.version, tx))) return false;
      await this.deps.notifications.schedule(
        {
          kind: 'impactNudge',
          dedupeKey: impactNudgeKey(plan.id),
          tenantId: plan.tenantId,
          recipientId: plan.ownerId,
          subjectId: plan.id,
          dueAt: impactNudgeDueAt,
        },
        tx,
      );
      return true;
    });
  }

  async transition(actor: Actor, planId: string, action: PlanTransition): Promise<PlanOutcome> {
    const opened = await this.open(actor, planId);
    if (opened.kind !== 'ok') return opened;
    const { plan } = opened.value;
    if (transitionAlreadyMade(plan, action)) return unchanged(plan);
    const moved = transition(plan, action, this.deps.clock.now());
    if (!moved.ok) return Outcomes.problem(moved.problem.key, moved.problem.params, plan);
    if (await this.write(plan, moved.value)) return changed(moved.value);
    const again = await this.open(actor, planId);
    if (again.kind === 'ok' && !transitionAlreadyMade(again.value.plan, action)) return Outcomes.problem(STALE_CARD, undefined, again.value.plan);
    return again;
  }
}
