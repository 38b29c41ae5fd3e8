import { hasUnstorableCharacter } from '../../platform/text';
import { isPriorityArea, type PriorityArea } from './priorities';
import { fail, ok, type Result } from '../../platform/outcome';

/**
 * The aide-memoire (Estyn 2015, annex) as a plan a headteacher fills in over time.
 * Fields 1-7 follow the seed's order; the rest are our additions, drawn from the
 * reports' criticism of the form, and are marked as such on the cards.
 */
export type PlanStatus = 'planning' | 'supportUnderWay' | 'evaluating' | 'impactDue' | 'complete';
export const PLAN_STATUSES: readonly PlanStatus[] = ['planning', 'supportUnderWay', 'evaluating', 'impactDue', 'complete'];

export type Stage = 'before' | 'after' | 'later';

export type FieldId =
  'focus' | 'need' | 'objectives' | 'successCriteria' | 'priorityAreas' | 'time' | 'partner' | 'provision' | 'effectiveness' | 'actionPlan' | 'impact';

export type FieldKind = 'text' | 'priorities' | 'time' | 'shortText';

export interface FieldDefinition {
  id: FieldId;
  stage: Stage;
  kind: FieldKind;
  required: boolean;
  /** True for fields Cydweithio adds to the Estyn aide-memoire. */
  addition: boolean;
}

export const LIMITS = {
  longText: 4000,
  shortText: 200,
  maxDays: 365,
  maxPriorityAreas: 6,
} as const;

/** The wizard walks these in order; the seed's fields keep their seed order. */
export const PLAN_FIELDS: readonly FieldDefinition[] = [
  { id: 'focus', stage: 'before', kind: 'text', required: true, addition: false },
  { id: 'need', stage: 'before', kind: 'text', required: true, addition: false },
  { id: 'objectives', stage: 'before', kind: 'text', required: true, addition: false },
  { id: 'successCriteria', stage: 'before', kind: 'text', required: false, addition: true },
  { id: 'priorityAreas', stage: 'before', kind: 'priorities', required: false, addition: true },
  { id: 'time', stage: 'before', kind: 'time', required: false, addition: true },
  { id: 'partner', stage: 'before', kind: 'shortText', required: false, addition: true },
  { id: 'provision', stage: 'after', kind: 'text', required: true, addition: false },
  { id: 'effectiveness', stage: 'after', kind: 'text', required: true, addition: false },
  { id: 'actionPlan', stage: 'after', kind: 'text', required: true, addition: false },
  { id: 'impact', stage: 'later', kind: 'text', required: true, addition: false },
];

export const FIELD_IDS = PLAN_FIELDS.map((f) => f.id);

export function fieldDefinition(id: FieldId): FieldDefinition {
  const def = PLAN_FIELDS.find((f) => f.id === id);
  if (!def) throw new Error(`unknown field ${id}`);
  return def;
}

export function isFieldId(value: string): value is FieldId {
  return (FIELD_IDS as readonly string[]).includes(value);
}

export interface PlanAnswers {
  focus?: string;
  need?: string;
  objectives?: string;
  successCriteria?: string;
  priorityAreas?: PriorityArea[];
  staffDays?: number;
  supplyCoverDays?: number;
  partner?: string;
  provision?: string;
  effectiveness?: string;
  actionPlan?: string;
  impact?: string;
}

export interface Plan {
  id: string;
  tenantId: string;
  ownerId: string;
  schoolId: number | null;
  status: PlanStatus;
  answers: PlanAnswers;
  /** Goes up by one on every change; a card carries the version it was drawn from. */
  version: number;
  /** The plan version at which each field last changed. */
  fieldVersions: Partial<Record<FieldId, number>>;
  createdAt: Date;
  updatedAt: Date;
  supportStartedAt: Date | null;
  supportEndedAt: Date | null;
  actionPlanDoneAt: Date | null;
  impactDueAt: Date | null;
  completedAt: Date | null;
  /** The owner's choice: whether the plan feeds their cluster's FADE report draft (yes unless they left it out). */
  inClusterReport: boolean;
}

/** What the user typed, as the card sent it, before it is checked. */
export interface RawAnswer {
  text?: string;
  priorityAreas?: string;
  staffDays?: string;
  supplyCoverDays?: string;
}

/** The part of the answers one field writes. */
export type AnswerPatch = Partial<PlanAnswers>;

function cleanText(raw: string | undefined): string {
  return (raw ?? '').replace(/\r\n/g, '\n').trim();
}

function parseDays(raw: string | undefined, label: string): Result<number | undefined> {
  const text = (raw ?? '').trim();
  if (text === '') return ok(undefined);
  if (!/^\d+(\.\d+)?$/.test(text.replace(',', '.'))) return fail('error.notANumber', { field: label });
  const value = Number(text.replace(',', '.'));
  if (value > LIMITS.maxDays) return fail('error.tooManyDays', { field: label, max: LIMITS.maxDays });
  return ok(Math.round(value * 2) / 2);
}

/** Checks one field's input and returns what to store, or the problem to show. */
export function validateAnswer(field: FieldId, raw: RawAnswer): Result<AnswerPatch> {
  const def = fieldDefinition(field);
  switch (def.kind) {
    case 'text':
    case 'shortText': {
      const text = cleanText(raw.text);
      const limit = def.kind === 'text' ? LIMITS.longText : LIMITS.shortText;
      if (def.required && text === '') return fail('error.required');
      if (text.length > limit) return fail('error.tooLong', { max: limit, length: text.length });
      if (hasUnstorableCharacter(text)) return fail('error.unstorableCharacter');
      return ok({ [field]: text === '' ? undefined : text } as AnswerPatch);
    }
    case 'priorities': {
      const picked = (raw.priorityAreas ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const unknown = picked.filter((p) => !isPriorityArea(p));
      if (unknown.length > 0) return fail('error.unknownPriority');
      const unique = [...new Set(picked)] as PriorityArea[];
      if (unique.length > LIMITS.maxPriorityAreas) return fail('error.tooManyPriorities', { max: LIMITS.maxPriorityAreas });
      return ok({ priorityAreas: unique.length > 0 ? unique : undefined });
    }
    case 'time': {
      const staff = parseDays(raw.staffDays, 'staffDays');
      if (!staff.ok) return staff;
      const supply = parseDays(raw.supplyCoverDays, 'supplyCoverDays');
      if (!supply.ok) return supply;
      return ok({ staffDays: staff.value, supplyCoverDays: supply.value });
    }
  }
}

/** Which fields the plan's status lets the owner edit now. */
export function isFieldOpen(plan: Pick<Plan, 'status'>, field: FieldId): boolean {
  const stage = fieldDefinition(field).stage;
  if (stage === 'before') return true;
  if (stage === 'after') return plan.status === 'evaluating' || plan.status === 'impactDue' || plan.status === 'complete';
  return plan.status === 'impactDue' || plan.status === 'complete';
}

export function hasAnswer(answers: PlanAnswers, field: FieldId): boolean {
  if (field === 'time') return answers.staffDays !== undefined || answers.supplyCoverDays !== undefined;
  const value = answers[field as keyof PlanAnswers];
  return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== '';
}

/** True when the field changed after the card showing it was drawn. */
export function isStaleFor(plan: Pick<Plan, 'fieldVersions'>, field: FieldId, cardVersion: number): boolean {
  return (plan.fieldVersions[field] ?? 0) > cardVersion;
}

/** True when this patch would change nothing: a retried or repeated submit. */
export function patchIsAlreadyApplied(answers: PlanAnswers, patch: AnswerPatch): boolean {
  return Object.entries(patch).every(([key, value]) => JSON.stringify(answers[key as keyof PlanAnswers]) === JSON.stringify(value));
}

function mergeAnswers(answers: PlanAnswers, patch: AnswerPatch): PlanAnswers {
  const merged: PlanAnswers = { ...answers, ...patch };
  for (const key of Object.keys(merged) as (keyof PlanAnswers)[]) if (merged[key] === undefined) delete merged[key];
  return merged;
}

const BEFORE_REQUIRED: FieldId[] = PLAN_FIELDS.filter((f) => f.stage === 'before' && f.required).map((f) => f.id);
const AFTER_REQUIRED: FieldId[] = PLAN_FIELDS.filter((f) => f.stage === 'after' && f.required).map((f) => f.id);

export function missingRequired(plan: Pick<Plan, 'answers'>, stage: Stage): FieldId[] {
  const required = stage === 'before' ? BEFORE_REQUIRED : stage === 'after' ? AFTER_REQUIRED : (['impact'] as FieldId[]);
  return required.filter((f) => !hasAnswer(plan.answers, f));
}

export interface PlanChange {
  plan: Plan;
  /** Set when this change finished the action plan: the impact nudge is due then. */
  impactNudgeDueAt?: Date;
}

/**
 * Applies a checked answer. Finishing the evaluation (provision, effectiveness and
 * action plan all answered) moves the plan to "impact due"; answering the impact
 * assessment completes it.
 */
export function applyAnswer(plan: Plan, field: FieldId, patch: AnswerPatch, now: Date, impactDelayDays: number): Result<PlanChange> {
  if (!isFieldOpen(plan, field)) return fail('error.fieldLocked');
  const version = plan.version + 1;
  let next: Plan = {
    ...plan,
    answers: mergeAnswers(plan.answers, patch),
    version,
    fieldVersions: { ...plan.fieldVersions, [field]: version },
    updatedAt: now,
  };
  let impactNudgeDueAt: Date | undefined;
  if (next.status === 'evaluating' && missingRequired(next, 'after').length === 0) {
    impactNudgeDueAt = new Date(now.getTime() + impactDelayDays * 86_400_000);
    next = { ...next, status: 'impactDue', actionPlanDoneAt: now, impactDueAt: impactNudgeDueAt };
  }
  if (next.status === 'impactDue' && field === 'impact' && hasAnswer(next.answers, 'impact')) {
    next = { ...next, status: 'complete', completedAt: now };
  }
  return ok({ plan: next, impactNudgeDueAt });
}

export type PlanTransition = 'startSupport' | 'supportTookPlace';

/** The user tells us the support has started, or has taken place. */
export function transition(plan: Plan, action: PlanTransition, now: Date): Result<Plan> {
  const missing = missingRequired(plan, 'before');
  if (missing.length > 0) return fail('error.completeBeforeFirst');
  if (action === 'startSupport') {
    if (plan.status !== 'planning') return fail('error.alreadyDone');
    return ok({ ...plan, status: 'supportUnderWay', supportStartedAt: now, version: plan.version + 1, updatedAt: now });
  }
  if (plan.status !== 'planning' && plan.status !== 'supportUnderWay') return fail('error.alreadyDone');
  return ok({
    ...plan,
    status: 'evaluating',
    supportStartedAt: plan.supportStartedAt ?? now,
    supportEndedAt: now,
    version: plan.version + 1,
    updatedAt: now,
  });
}

/** The transition the plan is waiting for, if the status is already reached (for idempotent retries). */
export function transitionAlreadyMade(plan: Plan, action: PlanTransition): boolean {
  const order = PLAN_STATUSES.indexOf(plan.status);
  return action === 'startSupport' ? order >= PLAN_STATUSES.indexOf('supportUnderWay') : order >= PLAN_STATUSES.indexOf('evaluating');
}

/** The fields the wizard shows, in order, for the plan's current stage. */
export function wizardFields(plan: Pick<Plan, 'status'>): FieldId[] {
  const stage: Stage = plan.status === 'planning' || plan.status === 'supportUnderWay' ? 'before' : plan.status === 'evaluating' ? 'after' : 'later';
  return PLAN_FIELDS.filter((f) => f.stage === stage).map((f) => f.id);
}

/** The field after this one in the wizard, or null when the summary comes next. */
export function nextField(plan: Pick<Plan, 'status'>, after: FieldId): FieldId | null {
  const fields = PLAN_FIELDS.map((f) => f.id).filter((f) => isFieldOpen(plan, f));
  const stageFields = fields.filter((f) => fieldDefinition(f).stage === fieldDefinition(after).stage);
  const i = stageFields.indexOf(after);
  return i >= 0 && i + 1 < stageFields.length ? stageFields[i + 1] : null;
}

export function previousField(plan: Pick<Plan, 'status'>, before: FieldId): FieldId | null {
  const stageFields = PLAN_FIELDS.filter((f) => f.stage === fieldDefinition(before).stage).map((f) => f.id);
  const i = stageFields.indexOf(before);
  return i > 0 ? stageFields[i - 1] : null;
}

/** The first unanswered field of the current stage: where "resume" lands. */
export function resumeField(plan: Plan): FieldId | null {
  if (plan.status === 'supportUnderWay') return missingRequired(plan, 'before')[0] ?? null;
  return wizardFields(plan).find((f) => !hasAnswer(plan.answers, f) && fieldDefinition(f).required) ?? null;
}

export type NextStep =
  { kind: 'answer'; field: FieldId } | { kind: 'startOrFinishSupport' } | { kind: 'finishSupport' } | { kind: 'impactLater'; dueAt: Date } | { kind: 'done' };

/** What the summary card says should happen next. */
export function nextStep(plan: Plan, now: Date): NextStep {
  switch (plan.status) {
    case 'planning': {
      const missing = missingRequired(plan, 'before')[0];
      return missing ? { kind: 'answer', field: missing } : { kind: 'startOrFinishSupport' };
    }
    case 'supportUnderWay':
      return { kind: 'finishSupport' };
    case 'evaluating':
      return { kind: 'answer', field: missingRequired(plan, 'after')[0] ?? 'actionPlan' };
    case 'impactDue':
      return plan.impactDueAt && plan.impactDueAt.getTime() > now.getTime() && !hasAnswer(plan.answers, 'impact')
        ? { kind: 'impactLater', dueAt: plan.impactDueAt }
        : { kind: 'answer', field: 'impact' };
    case 'complete':
      return { kind: 'done' };
  }
}

/** A short title for lists: the start of the focus. */
export function newPlan(id: string, owner: { tenantId: string; userId: string; schoolId: number | null }, now: Date): Plan {
  return {
    id,
    tenantId: owner.tenantId,
    ownerId: owner.userId,
    schoolId: owner.schoolId,
    status: 'planning',
    answers: {},
    version: 1,
    fieldVersions: {},
    createdAt: now,
    updatedAt: now,
    supportStartedAt: null,
    supportEndedAt: null,
    actionPlanDoneAt: null,
    impactDueAt: null,
    completedAt: null,
    inClusterReport: true,
  };
}

export function planTitle(plan: Pick<Plan, 'answers'>, maxLength = 60): string | null {
  const focus = plan.answers.focus?.split('\n')[0].trim();
  if (!focus) return null;
  return focus.length > maxLength ? `${focus.slice(0, maxLength - 1).trimEnd()}…` : focus;
}
