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

export interface PlanDigestInput {
  schoolName: string;
  focus?: string;
  provision?: string;
  effectiveness?: string;
  impact?: string;
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
  impact: string;
  notesHeading: string;
  nothingYet: string;
}

export interface DraftInput {
  priorities: readonly string[];
  previousDevelop: string | null;
  plans: readonly PlanDigestInput[];
  notes: readonly NoteInput[];
  /** Only plans and notes after this (the last round's deadline) go into the digest. */
  since: Date | null;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text);
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * The first draft of a round's report, so the lead edits rather than writes:
 * Focus from the cluster plan's priorities; Analysis from what member schools'
 * plans say took place, how well and with what impact, and members' notes;
 * Develop/Do starts from the last round's; Evaluation is left to the cluster.
 */
export function draftReport(input: DraftInput, labels: DraftLabels): FadeSections {
  const since = input.since?.getTime() ?? -Infinity;
  const plans = input.plans.filter((p) => p.updatedAt.getTime() > since && (p.provision || p.effectiveness || p.impact || p.focus));
  const notes = input.notes.filter((n) => n.at.getTime() > since && n.text.trim() !== '');

  const focus = input.priorities.length > 0 ? `${labels.priorities}\n${input.priorities.map((p) => `- ${p}`).join('\n')}` : '';

  const analysisLines: string[] = [];
  if (plans.length > 0) {
    analysisLines.push(labels.digestHeading);
    for (const p of [...plans].sort((a, b) => a.schoolName.localeCompare(b.schoolName) || a.updatedAt.getTime() - b.updatedAt.getTime())) {
      const bits = [
        p.focus ? oneLine(clip(p.focus, 200)) : null,
        p.provision ? `${labels.provision} ${oneLine(clip(p.provision, 300))}` : null,
        p.effectiveness ? `${labels.effectiveness} ${oneLine(clip(p.effectiveness, 300))}` : null,
        p.impact ? `${labels.impact} ${oneLine(clip(p.impact, 300))}` : null,
      ].filter((b): b is string => b !== null);
      analysisLines.push(`- ${p.schoolName}: ${bits.join('; ')}`);
    }
  }
  if (notes.length > 0) {
    if (analysisLines.length > 0) analysisLines.push('');
    analysisLines.push(labels.notesHeading);
    for (const n of [...notes].sort((a, b) => a.at.getTime() - b.at.getTime()))
      analysisLines.push(`- ${n.schoolName} (${n.authorName}): ${oneLine(clip(n.text, 500))}`);
  }
  const analysis = analysisLines.length > 0 ? analysisLines.join('\n') : labels.nothingYet;
  const develop = input.previousDevelop?.trim() ? `${labels.carriedOver}\n${input.previousDevelop.trim()}` : '';

  return {
    focus: clip(focus, SECTION_MAX),
    analysis: clip(analysis, SECTION_MAX),
    develop: clip(develop, SECTION_MAX),
    evaluation: '',
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
