import type { Locale } from '../../platform/i18n';

/** What people are to the bot, as plain records; the users repository (users.ts) stores them. */

export type SchoolRole = 'headteacher' | 'deputy' | 'seniorLeader' | 'other';
export const SCHOOL_ROLES: readonly SchoolRole[] = ['headteacher', 'deputy', 'seniorLeader', 'other'];

/** A person who has used the bot, in one tenant. */
export interface UserRecord {
  tenantId: string;
  userId: string;
  displayName: string | null;
  locale: Locale | null;
  /** The confirmed school and role (a pending claim is not here: see SqlSchoolRoleClaims). */
  schoolId: number | null;
  schoolRole: SchoolRole | null;
  personalConversation: Record<string, unknown> | null;
  /** The plan they last had open, so "continue" resumes it (null: none yet). */
  lastPlanId: string | null;
}
