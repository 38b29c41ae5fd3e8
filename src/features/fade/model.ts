/**
 * FADE cycles: rounds with deadlines, the reminder schedule, who has done their part,
 * and the report (Focus of evaluation, Analysis, Develop/Do, Evaluation) drafted from
 * what the bot already knows. Pure: no Teams, no database.
 */
import {
  addCalendarDays,
  addWorkingDays,
  dayOfWeek,
  isLocalDate,
  localDateOf,
  nextWorkingDay,
  workingDaysBetween,
  zonedTimeToUtc,
  type LocalDate,
} from '../../platform/workingDays';

export const JUDGEMENTS = ['limited', 'satisfactory', 'strong', 'veryGood'] as const;
export type Judgement = (typeof JUDGEMENTS)[number];
export const isJudgement = (v: unknown): v is Judgement => typeof v === 'string' && (JUDGEMENTS as readonly string[]).includes(v);

export const FADE_SECTIONS = ['focus', 'analysis', 'develop', 'evaluation'] as const;
export type FadeSection = (typeof FADE_SECTIONS)[number];
export type FadeSections = Record<FadeSection, string>;
export const SECTION_MAX = 8000;

/** A member school's part in a round. */
export type PartStatus = 'notStarted' | 'drafted' | 'submitted';
/** The cluster's report in a round. */
export type ReportStatus = 'notStarted' | 'drafted' | 'submitted' | 'reviewed';

// ---------------------------------------------------------------- cycles and rounds

export interface RoundDefinition {
  name: string;
  deadline: LocalDate;
}

/** Offsets in working days from the deadline: negative before, 0 on the day, positive overdue. */
export const DEFAULT_REMINDER_OFFSETS: readonly number[] = [-14, -3, 0, 5];
export const DEFAULT_SEND_TIME = '09:00';

export const offsetKey = (offset: number): string => (offset === 0 ? 'd0' : offset < 0 ? `d${offset}` : `d+${offset}`);
export function parseOffsetKey(key: string): number | null {
  const m = /^d([+-]?\d{1,3})$/.exec(key);
  return m ? Number(m[1]) : null;
}

/** "2026/27" → 2026; null when the name is not a school year. */
export function cycleStartYear(name: string): number | null {
  const m = /^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$/.exec(name.trim());
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2].length === 2 ? `${String(start + 1).slice(0, 2)}${m[2]}` : m[2]);
  return end === start + 1 ? start : null;
}

/** The Friday on or before a date. */
function fridayOnOrBefore(date: LocalDate): LocalDate {
  const back = (dayOfWeek(date) - 5 + 7) % 7;
  return addCalendarDays(date, -back);
}

/**
 * The default template, as the EAS ran it in 2017/18: an interim round in December
 * and a final one in March (the Friday on or before 11 December and 20 March,
 * moved back off any holiday), which the admin can change.
 */
export function defaultRounds(startYear: number, holidays: ReadonlySet<string> = new Set()): RoundDefinition[] {
  const onWorkingFriday = (d: LocalDate) => {
    let date = fridayOnOrBefore(d);
    for (let i = 0; i < 30 && holidays.has(date); i++) date = addCalendarDays(date, -1);
    return date;
  };
  return [
    { name: 'interim', deadline: onWorkingFriday(`${startYear}-12-11`) },
    { name: 'final', deadline: onWorkingFriday(`${startYear + 1}-03-20`) },
  ];
}

export type RoundsProblem = 'fade.problem.noRounds' | 'fade.problem.badDate' | 'fade.problem.roundsOrder' | 'fade.problem.badOffsets';

export function validateRounds(rounds: readonly RoundDefinition[]): RoundsProblem | null {
  if (rounds.length === 0 || rounds.length > 6) return 'fade.problem.noRounds';
  for (const r of rounds) if (!isLocalDate(r.deadline) || r.name.trim() === '') return 'fade.problem.badDate';
  for (let i = 1; i < rounds.length; i++) if (rounds[i].deadline <= rounds[i - 1].deadline) return 'fade.problem.roundsOrder';
  return null;
}

export function validateOffsets(offsets: readonly number[]): RoundsProblem | null {
  if (offsets.length === 0 || offsets.length > 8) return 'fade.problem.badOffsets';
  if (offsets.some((o) => !Number.isInteger(o) || o < -60 || o > 30)) return 'fade.problem.badOffsets';
  if (new Set(offsets).size !== offsets.length) return 'fade.problem.badOffsets';
  return null;
}

// ---------------------------------------------------------------- the reminder schedule

export interface ScheduledReminder {
  /** 'd-14', 'd-3', 'd0', 'd+5': the dedupe key of the reminder within a round and cluster. */
  key: string;
  offset: number;
  /** The working day it goes on (a holiday or weekend moves it to the next working day). */
  date: LocalDate;
  /** When it is sent: the send time on that date, Europe/London, as a UTC instant. */
  sendAt: Date;
}

/**
 * When each reminder of a round goes. Offsets count working days from the deadline;
 * "on the day" is the deadline itself. A reminder landing on a weekend or holiday goes
 * on the next working day; two landing on the same day become one (the later offset).
 */
export function reminderSchedule(
  deadline: LocalDate,
  offsets: readonly number[],
  holidays: ReadonlySet<string>,
  sendTime = DEFAULT_SEND_TIME,
): ScheduledReminder[] {
  const byDate = new Map<LocalDate, ScheduledReminder>();
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    const date = nextWorkingDay(addWorkingDays(deadline, offset, holidays), holidays);
    byDate.set(date, { key: offsetKey(offset), offset, date, sendAt: zonedTimeToUtc(date, sendTime) });
  }
  return [...byDate.values()].sort((a, b) => a.sendAt.getTime() - b.sendAt.getTime());
}

/**
 * Whether a due reminder is still worth sending at `now`: not when a later reminder
 * of the same round is already due (after downtime only the latest one goes).
 */
export function reminderRelevance(
  reminder: Pick<ScheduledReminder, 'key' | 'sendAt'>,
  schedule: readonly Pick<ScheduledReminder, 'key' | 'sendAt'>[],
  now: Date,
): { send: true } | { send: false; reason: 'notDue' | 'superseded' } {
  if (reminder.sendAt.getTime() > now.getTime()) return { send: false, reason: 'notDue' };
  const later = schedule.filter((r) => r.key !== reminder.key && r.sendAt.getTime() > reminder.sendAt.getTime());
  if (later.some((r) => r.sendAt.getTime() <= now.getTime())) return { send: false, reason: 'superseded' };
  return { send: true };
}

/** Working days left until the deadline (0 on the day, negative when overdue). */
export function workingDaysLeft(now: Date, deadline: LocalDate, holidays: ReadonlySet<string>): number {
  return workingDaysBetween(localDateOf(now), deadline, holidays);
}

// ---------------------------------------------------------------- statuses

export interface MemberPart {
  schoolId: number;
  status: PartStatus;
}

/** A school with no part recorded has not started. */
export function memberStatuses(memberIds: readonly number[], parts: readonly MemberPart[]): MemberPart[] {
  const byId = new Map(parts.map((p) => [p.schoolId, p.status]));
  return memberIds.map((schoolId) => ({ schoolId, status: byId.get(schoolId) ?? 'notStarted' }));
}

/** Reminders stop once the cluster has submitted (or been reviewed). */
export const needsReminder = (status: ReportStatus): boolean => status === 'notStarted' || status === 'drafted';

// ---------------------------------------------------------------- the report, drafted

/** Support a member school agreed with a partner school through the bot (a request accepted, or done). */
export interface SupportDigest {
  partnerName: string;
  done: boolean;
  at: Date;
}

/** One member school's plan as the draft reads it: what took place, how well, what next, and the impact. */
export interface PlanDigestInput {
  schoolId: number;
  schoolName: string;
  provision?: string;
  effectiveness?: string;
  actionPlan?: string;
  impact?: string;
  support?: readonly SupportDigest[];
  updatedAt: Date;
}

export interface NoteInput {
  schoolName: string;
  authorName: string;
  text: string;
  at: Date;
}

export interface DraftLabels {
  priorities: string;
  carriedOver: string;
  digestHeading: string;
  provision: string;
  effectiveness: string;
  notesHeading: string;
  nothingYet: string;
  supportAgreed: (partner: string) => string;
  supportDone: (partner: string) => string;
  actionPlansHeading: string;
  impactHeading: string;
  impactPending: (schools: string) => string;
}

export interface DraftInput {
  priorities: readonly string[];
  previousDevelop: string | null;
  plans: readonly PlanDigestInput[];
  notes: readonly NoteInput[];
  /** Only plans, support and notes after this (the last round's deadline) go into the digest. */
  since: Date | null;
}

/** Cuts text to at most `max` characters at a whole word, marked with an ellipsis. */
export function clipWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  // Where the last whole word ends: the cut itself when the next character starts a new word.
  const space = /\s/.test(text.charAt(max - 1)) ? cut.length : cut.search(/\s\S*$/);
  const whole = space > 0 ? cut.slice(0, space) : cut;
  return `${whole.replace(/[\s,;:.\-–—]+$/, '')}…`;
}
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
const brief = (text: string, max: number) => clipWords(oneLine(text), max);
const WHAT_HAPPENED = ['provision', 'effectiveness', 'actionPlan', 'impact'] as const;

/**
 * One plan per school (a head with the same plan in English and Welsh has two): the one that says most about
 * what happened, the latest of equals; the support of all of them, each partner once.
 */
function onePerSchool(plans: readonly PlanDigestInput[], since: number): PlanDigestInput[] {
  const bySchool = new Map<number, PlanDigestInput[]>();
  for (const p of plans) bySchool.set(p.schoolId, [...(bySchool.get(p.schoolId) ?? []), p]);
  const chosen: PlanDigestInput[] = [];
  for (const group of bySchool.values()) {
    const support = new Map<string, SupportDigest>();
    for (const p of group) for (const s of p.support ?? []) if (s.at.getTime() > since && !support.get(s.partnerName)?.done) support.set(s.partnerName, s);
    const filled = (p: PlanDigestInput) => WHAT_HAPPENED.filter((f) => (p[f] ?? '').trim() !== '').length;
    const recent = group.filter((p) => p.updatedAt.getTime() > since && filled(p) > 0);
    const best = [...recent].sort((a, b) => filled(b) - filled(a) || b.updatedAt.getTime() - a.updatedAt.getTime())[0];
    const supportList = [...support.values()];
    if (best) chosen.push({ ...best, support: supportList });
    else if (supportList.length > 0)
      chosen.push({ schoolId: group[0].schoolId, schoolName: group[0].schoolName, updatedAt: group[0].updatedAt, support: supportList });
  }
  return chosen.sort((a, b) => a.schoolName.localeCompare(b.schoolName));
}

/**
 * The first draft of a round's report, so the lead edits rather than writes. Focus: the cluster plan's
 * priorities. Analysis: what happened in each member school (support agreed and done, provision, how
 * effective it was) and members' notes. Develop/Do: the last round's, and each school's action plan.
 * Evaluation: each school's impact assessment, and who has yet to assess it. One line per school.
 */
export function draftReport(input: DraftInput, labels: DraftLabels): FadeSections {
  const since = input.since?.getTime() ?? -Infinity;
  const schools = onePerSchool(input.plans, since);
  const notes = input.notes.filter((n) => n.at.getTime() > since && n.text.trim() !== '');

  const focus = input.priorities.length > 0 ? `${labels.priorities}\n${input.priorities.map((p) => `- ${p}`).join('\n')}` : '';

  const analysisLines: string[] = [];
  const happened = schools
    .map((p) => {
      const bits = [
        ...(p.support ?? []).map((s) => (s.done ? labels.supportDone(s.partnerName) : labels.supportAgreed(s.partnerName))),
        p.provision?.trim() ? `${labels.provision} ${brief(p.provision, 300)}` : null,
        p.effectiveness?.trim() ? `${labels.effectiveness} ${brief(p.effectiveness, 300)}` : null,
      ].filter((b): b is string => b !== null);
      return bits.length > 0 ? `- ${p.schoolName}: ${bits.join('; ')}` : null;
    })
    .filter((l): l is string => l !== null);
  if (happened.length > 0) analysisLines.push(labels.digestHeading, ...happened);
  if (notes.length > 0) {
    if (analysisLines.length > 0) analysisLines.push('');
    analysisLines.push(labels.notesHeading);
    for (const n of [...notes].sort((a, b) => a.at.getTime() - b.at.getTime()))
      analysisLines.push(`- ${n.schoolName} (${n.authorName}): ${brief(n.text, 500)}`);
  }
  const analysis = analysisLines.length > 0 ? analysisLines.join('\n') : labels.nothingYet;

  const developParts: string[] = [];
  if (input.previousDevelop?.trim()) developParts.push(`${labels.carriedOver}\n${input.previousDevelop.trim()}`);
  const actions = schools.filter((p) => p.actionPlan?.trim()).map((p) => `- ${p.schoolName}: ${brief(p.actionPlan!, 300)}`);
  if (actions.length > 0) developParts.push(`${labels.actionPlansHeading}\n${actions.join('\n')}`);

  const evaluationParts: string[] = [];
  const impacts = schools.filter((p) => p.impact?.trim()).map((p) => `- ${p.schoolName}: ${brief(p.impact!, 400)}`);
  if (impacts.length > 0) evaluationParts.push(`${labels.impactHeading}\n${impacts.join('\n')}`);
  const pending = schools.filter((p) => !p.impact?.trim() && (p.provision?.trim() || p.effectiveness?.trim() || (p.support ?? []).length > 0));
  if (pending.length > 0) evaluationParts.push(labels.impactPending(pending.map((p) => p.schoolName).join(', ')));

  return {
    focus: clipWords(focus, SECTION_MAX),
    analysis: clipWords(analysis, SECTION_MAX),
    develop: clipWords(developParts.join('\n\n'), SECTION_MAX),
    evaluation: clipWords(evaluationParts.join('\n\n'), SECTION_MAX),
  };
}

/** Develop/Do items, one per line or bullet, ready to become next steps in the plan. */
export function developItems(develop: string): string[] {
  return develop
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '').trim())
    .filter((l) => l.length > 0 && !l.endsWith(':'))
    .slice(0, 20);
}

export type SubmitProblem = 'fade.problem.sectionsMissing' | 'fade.problem.judgementMissing' | 'fade.problem.tooLong';

/** A report can be submitted with every section written and the cluster's own judgement. */
export function checkSubmission(sections: Partial<FadeSections>, judgement: string | null | undefined): SubmitProblem | null {
  if (FADE_SECTIONS.some((s) => (sections[s] ?? '').length > SECTION_MAX)) return 'fade.problem.tooLong';
  if (FADE_SECTIONS.some((s) => (sections[s] ?? '').trim() === '')) return 'fade.problem.sectionsMissing';
  if (!isJudgement(judgement)) return 'fade.problem.judgementMissing';
  return null;
}
