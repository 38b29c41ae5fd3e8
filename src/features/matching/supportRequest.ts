import { SCHOOL_TIME_ZONE, addWorkingDays as addSchoolWorkingDays, localDateOf, zonedTimeToUtc } from '../../platform/workingDays';

/**
 * A request for support from a plan to a supporting school. Pure: the states, who may act in
 * each, and the small working-day arithmetic reminders need.
 */
export type RequestKind = 'direct' | 'brokered';
export type RequestState = 'awaitingAdviser' | 'awaitingSchool' | 'accepted' | 'declined' | 'withdrawn' | 'done';
export const OPEN_STATES: readonly RequestState[] = ['awaitingAdviser', 'awaitingSchool'];

export interface SupportRequest {
  id: string;
  tenantId: string;
  planId: string;
  requesterId: string;
  askingSchoolId: number;
  kind: RequestKind;
  state: RequestState;
  chosenSchoolId: number | null;
  lookFurther: boolean;
  version: number;
  askSeq: number;
  decidedBy: string | null;
  decisionReason: string | null;
  declinedBy: 'adviser' | 'school' | null;
  adviserIds: string[];
  createdAt: Date;
  updatedAt: Date;
  stateChangedAt: Date;
  acceptedAt: Date | null;
  doneAt: Date | null;
}

export const isOpen = (r: Pick<SupportRequest, 'state'>): boolean => OPEN_STATES.includes(r.state);

/** The longest reason people may give for declining. */
export const REASON_MAX = 1000;

/**
 * Adds school working days to a moment, keeping its Europe/London time of day: the calendar of
 * src/platform/workingDays.ts (weekends, and holidays when given), so a clock change never shifts it.
 */
export function addWorkingDays(from: Date, days: number, holidays: ReadonlySet<string> = NO_HOLIDAYS): Date {
  const date = addSchoolWorkingDays(localDateOf(from), Math.max(0, Math.floor(days)), holidays);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: SCHOOL_TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(from);
  return zonedTimeToUtc(date, time);
}

const NO_HOLIDAYS: ReadonlySet<string> = new Set();
