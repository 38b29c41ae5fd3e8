import { commandWord, type CommandKey } from '../../platform/i18n/commands';
import {
  LIMITS,
  PLAN_FIELDS,
  fieldDefinition,
  hasAnswer,
  isFieldOpen,
  nextStep,
  planTitle,
  previousField,
  resumeField,
  wizardFields,
  type FieldId,
  type Plan,
  type RawAnswer,
  type Stage,
} from './plan';
import { PRIORITY_AREAS } from './priorities';
import { catalogue, formatDate, t, type InEachLanguage, type Locale, type MessageKey } from '../../platform/i18n';
import { renderCard, type CardJson } from '../../platform/cards/render';

const label = (locale: Locale, field: FieldId) => t(locale, `field.${field}.label`);

function base(locale: Locale) {
  return { t: catalogue(locale), notice: '', problem: '' };
}

/** The help card's lines, each with the command it names (its words come from the catalogue). */
export const HELP_LINES = [
  ['menu.cmdNewPlan', 'command.newPlan'],
  ['menu.cmdMyPlans', 'command.myPlans'],
  ['menu.cmdContinue', 'command.resume'],
  ['menu.cmdFindPartner', 'command.findPartner'],
  ['menu.cmdMyRequests', 'command.myRequests'],
  ['menu.cmdMySchool', 'command.mySchool'],
  ['menu.cmdFade', 'command.fadeStatus'],
  ['menu.cmdPrivacy', 'command.privacy'],
  ['menu.cmdLanguage', 'command.language'],
  ['menu.cmdHelp', 'command.help'],
  ['menu.cmdAdmin', 'command.roles'],
] as const satisfies readonly (readonly [MessageKey, CommandKey])[];

/** A command's words as a button's title: "Find a partner", "Fy ngheisiadau". */
export const commandTitle = (locale: Locale, command: CommandKey): string => {
  const word = commandWord(locale, command);
  return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1);
};

export interface MenuView {
  notice?: string;
  /** The commands a typed sentence most likely meant, offered as buttons above the list. */
  choices?: readonly CommandKey[];
  /** The reader is an admin: their commands are listed too. */
  admin?: boolean;
}

/** The welcome or help card: every job the bot does for the reader, with its command in the reader's language. */
export function menuCard(locale: Locale, kind: 'welcome' | 'help', { notice = '', choices = [], admin = false }: MenuView = {}): CardJson {
  return renderCard('menu', {
    ...base(locale),
    heading: t(locale, kind === 'welcome' ? 'menu.welcomeHeading' : 'menu.helpHeading'),
    intro: t(locale, kind === 'welcome' ? 'menu.welcomeIntro' : 'menu.helpIntro'),
    notice,
    choices: choices.map((command) => ({ title: commandTitle(locale, command), command })),
    commands: HELP_LINES.filter(([line]) => admin || line !== 'menu.cmdAdmin').map(([line, command]) => ({
      line: t(locale, line, {
        command: commandWord(locale, command),
        roles: commandWord(locale, 'command.roles'),
        schoolRoles: commandWord(locale, 'command.schoolRoles'),
        claims: commandWord(locale, 'command.claims'),
        importSchools: commandWord(locale, 'command.importSchools'),
        exportPerson: commandWord(locale, 'command.exportPerson'),
      }),
    })),
  });
}

export function languageCard(locale: Locale, notice = ''): CardJson {
  return renderCard('language', { ...base(locale), notice });
}

export interface SchoolChoice {
  id: number;
  title: string;
}

export function onboardCard(
  locale: Locale,
  view: { query?: string; problem?: string; results?: SchoolChoice[]; selectedSchool?: string; selectedRole?: string } = {},
): CardJson {
  return renderCard('onboard', {
    ...base(locale),
    query: view.query ?? '',
    problem: view.problem ?? '',
    results: (view.results ?? []).map((r) => ({ title: r.title, value: String(r.id) })),
    selectedSchool: view.selectedSchool ?? '',
    selectedRole: view.selectedRole ?? 'headteacher',
    roles: (['headteacher', 'deputy', 'seniorLeader', 'other'] as const).map((r) => ({ title: t(locale, `role.${r}`), value: r })),
  });
}

export interface FieldCardView {
  problem?: string;
  notice?: string;
  /** What the user typed, shown back so an error or a stale card loses nothing. */
  draft?: RawAnswer;
  /** Text from a stale card, shown beside what is saved. */
  staleText?: string;
}

function draftOrSaved(plan: Plan, field: FieldId, draft: RawAnswer | undefined) {
  const a = plan.answers;
  const saved: Record<string, unknown> = {
    text: field === 'time' || field === 'priorityAreas' ? '' : ((a[field as keyof typeof a] as string | undefined) ?? ''),
    priorityValue: (a.priorityAreas ?? []).join(','),
    staffDays: a.staffDays,
    supplyCoverDays: a.supplyCoverDays,
  };
  if (!draft) return saved;
  const days = (v: string | undefined) => (v === undefined || v.trim() === '' || Number.isNaN(Number(v)) ? undefined : Number(v));
  return {
    text: draft.text ?? saved.text,
    priorityValue: draft.priorityAreas ?? saved.priorityValue,
    staffDays: draft.staffDays !== undefined ? days(draft.staffDays) : saved.staffDays,
    supplyCoverDays: draft.supplyCoverDays !== undefined ? days(draft.supplyCoverDays) : saved.supplyCoverDays,
  };
}

export function planFieldCard(locale: Locale, plan: Plan, field: FieldId, view: FieldCardView = {}): CardJson {
  const def = fieldDefinition(field);
  const stageFields = PLAN_FIELDS.filter((f) => f.stage === def.stage).map((f) => f.id);
  return renderCard('planField', {
    ...base(locale),
    planId: plan.id,
    version: plan.version,
    field,
    kind: def.kind,
    planTitle: planTitle(plan) ?? t(locale, 'plan.untitled'),
    stepText: t(locale, 'plan.stepOf', { step: stageFields.indexOf(field) + 1, total: stageFields.length }),
    stageText: t(locale, `stage.${def.stage}`),
    requiredText: t(locale, def.required ? 'plan.required' : 'plan.optional'),
    label: label(locale, field),
    addition: def.addition,
    prompt: t(locale, `field.${field}.prompt`),
    example: t(locale, `field.${field}.example`),
    problem: view.problem ?? '',
    notice: view.notice ?? '',
    staleText: view.staleText ?? '',
    maxLength: def.kind === 'text' ? LIMITS.longText : LIMITS.shortText,
    maxDays: LIMITS.maxDays,
    priorityChoices: PRIORITY_AREAS.map((p) => ({ title: t(locale, `priority.${p}`), value: p })),
    hasPrevious: previousField(plan, field) !== null,
    ...draftOrSaved(plan, field, view.draft),
  });
}

/** A field's answer as text for the summary and the export. */
export function answerText(locale: Locale, plan: Plan, field: FieldId): string | null {
  if (!hasAnswer(plan.answers, field)) return null;
  const a = plan.answers;
  switch (field) {
    case 'priorityAreas':
      return (a.priorityAreas ?? []).map((p) => t(locale, `priority.${p}`)).join('; ');
    case 'time':
      return t(locale, 'plan.days', { staff: a.staffDays ?? 0, supply: a.supplyCoverDays ?? 0 });
    default:
      return (a[field as keyof typeof a] as string | undefined) ?? null;
  }
}

function nextText(locale: Locale, plan: Plan, now: Date): string {
  const step = nextStep(plan, now);
  switch (step.kind) {
    case 'answer':
      return t(locale, 'plan.next.answer', { field: label(locale, step.field) });
    case 'impactLater':
      return t(locale, 'plan.next.impactLater', { date: formatDate(locale, step.dueAt) });
    default:
      return t(locale, `plan.next.${step.kind}`);
  }
}

export function planSummaryCard(
  locale: Locale,
  plan: Plan,
  view: { schoolName: string; now: Date; notice?: string; problem?: string; clusterReport?: { cluster: string | InEachLanguage; included: boolean } },
): CardJson {
  const stages: Stage[] = ['before', 'after', 'later'];
  const sections = stages.map((stage) => ({
    heading: t(locale, `stage.${stage}`),
    fields: PLAN_FIELDS.filter((f) => f.stage === stage).map((f) => {
      const open = isFieldOpen(plan, f.id);
      const value = answerText(locale, plan, f.id);
      return {
        field: f.id,
        label: label(locale, f.id),
        value: value ?? (open ? t(locale, 'plan.notAnswered') : t(locale, stage === 'after' ? 'plan.locked' : 'plan.lockedLater')),
        answered: value !== null,
        open,
      };
    }),
  }));
  const resume = resumeField(plan);
  const beforeDone = ['focus', 'need', 'objectives'].every((f) => hasAnswer(plan.answers, f as FieldId));
  return renderCard('planSummary', {
    ...base(locale),
    planId: plan.id,
    version: plan.version,
    planTitle: planTitle(plan) ?? t(locale, 'plan.untitled'),
    schoolName: view.schoolName,
    statusText: t(locale, `status.${plan.status}`),
    lastSaved: formatDate(locale, plan.updatedAt),
    nextText: nextText(locale, plan, view.now),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    sections,
    continueField: resume ?? '',
    canStartSupport: plan.status === 'planning' && beforeDone,
    canFinishSupport: (plan.status === 'planning' || plan.status === 'supportUnderWay') && beforeDone,
    clusterReportText: view.clusterReport
      ? t(locale, view.clusterReport.included ? 'plan.clusterReport.in' : 'plan.clusterReport.out', { cluster: view.clusterReport.cluster })
      : '',
    clusterReportToggle: view.clusterReport ? t(locale, view.clusterReport.included ? 'plan.clusterReport.leaveOut' : 'plan.clusterReport.include') : '',
    clusterReportInclude: view.clusterReport ? String(!view.clusterReport.included) : 'true',
  });
}

export function myPlansCard(locale: Locale, plans: Plan[]): CardJson {
  return renderCard('myPlans', {
    ...base(locale),
    plans: plans.map((p) => ({
      planId: p.id,
      title: planTitle(p) ?? t(locale, 'plan.untitled'),
      statusText: t(locale, `status.${p.status}`),
      updatedText: t(locale, 'plan.updated', { date: formatDate(locale, p.updatedAt) }),
    })),
  });
}

export function impactNudgeCard(locale: Locale, plan: Plan): CardJson {
  return renderCard('impactNudge', {
    ...base(locale),
    planId: plan.id,
    text: t(locale, 'plan.impactNudgeText', {
      title: planTitle(plan) ?? t(locale, 'plan.untitled'),
      date: formatDate(locale, plan.actionPlanDoneAt ?? plan.updatedAt),
    }),
  });
}

/** The whole plan as Markdown, to paste into a school document. */
export function planExportText(locale: Locale, plan: Plan, schoolName: string): string {
  const lines = [
    `**${t(locale, 'plan.exportHeading')}**`,
    '',
    `**${t(locale, 'plan.school')}:** ${schoolName}`,
    `**${t(locale, 'plan.status')}:** ${t(locale, `status.${plan.status}`)}`,
  ];
  for (const f of PLAN_FIELDS) {
    const value = answerText(locale, plan, f.id);
    if (value === null) continue;
    lines.push('', `**${label(locale, f.id)}**${f.addition ? ' *' : ''}`, value);
  }
  if (PLAN_FIELDS.some((f) => f.addition && hasAnswer(plan.answers, f.id))) lines.push('', `\\* ${t(locale, 'plan.addition')}`);
  return lines.join('\n');
}

export { wizardFields };
