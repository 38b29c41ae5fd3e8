import { importCard, rolesCard, schoolProfileCard, PROFILE_SLOTS } from '../../cards/matchingAdminCards';
import type { CardJson } from '../../cards/render';
import { Verbs } from '../../cards/verbs';
import type { Clock } from '../../clock';
import { importDirectory } from '../../directory/import';
import type { SqlSchoolRepository } from '../../directory/schools';
import { isPriorityArea, type PriorityArea } from '../../domain/priorities';
import { t, type MessageKey } from '../../i18n';
import type { Database } from '../../storage/db';
import type { SqlMatchingAdminRepository } from '../../storage/matchingAdmin';
import type { Role, SqlAuditLog, SqlRoleRepository } from '../../storage/roles';
import type { UserRepository } from '../../storage/users';
import { parse, type RouteKit, type Turn } from '../kit';
import { MatchGrantRolePayload, MatchImportPayload, MatchProfilePayload, MatchStrengthPayload, MatchStrengthReviewPayload } from '../payloads.matching';
import { noticeCard } from '../../cards/cards';
import { strengthReviewCard } from '../../cards/strengthCards';
import type { EvidenceOutcome, StrengthEvidenceService } from '../../services/strengthEvidence';
import { MATCH_RULES } from '../../domain/matching';

/** What the admin routes of matching need (roles, directory import, a head's own school profile). */
export interface MatchingAdminDeps {
  db: Database;
  admin: SqlMatchingAdminRepository;
  roles: SqlRoleRepository;
  audit: SqlAuditLog;
  users: UserRepository;
  schools: SqlSchoolRepository;
  clock: Clock;
  /** Called after the directory, a school's strengths or its capacity change (the matching index is rebuilt). */
  directoryChanged: () => void;
  /** Advisers verifying or withdrawing a school's strengths. */
  evidence?: StrengthEvidenceService;
  /** Evidence older than this counts as the school's own view (the deployment's setting). */
  evidenceMaxAgeYears?: number;
}

export const MATCHING_COMMANDS = {
  roles: /^\s*(make adviser|gwneud ymgynghorydd|roles|rolau)\s*$/i,
  importSchools: /^\s*(import schools|mewnforio ysgolion)\s*$/i,
  mySchool: /^\s*(my school|fy ysgol)\s*$/i,
  /** Answered by the matching routes: the person's requests for support in one card. */
  myRequests: /^\s*(my requests|fy ngheisiadau)\s*$/i,
  /** An adviser's view of a school's strengths: "strengths Croesyceiliog", "cryfderau 6785001". */
  strengths: /^\s*(strengths|cryfderau)(\s+.*)?$/i,
};

/** Personal-chat commands for admins (roles, directory import) and for heads (their school's strengths and capacity). */
export function registerMatchingAdminRoutes(kit: RouteKit, deps: MatchingAdminDeps): void {
  const { admin, roles, audit, users, schools, clock } = deps;

  const isAdmin = (turn: Turn) => roles.isAdmin(turn.actor.tenantId, turn.actor.userId);
  /** Not an admin: the polite refusal, logged with what was tried. */
  const adminOnly = (turn: Turn, command?: string) => {
    kit.refused(turn, 'admin.only', command);
    return kit.notice(turn, 'admin.only');
  };
  const record = (turn: Turn, action: string, subjectType: string, subjectId: string, details: Record<string, unknown>) =>
    audit.record({ at: clock.now(), tenantId: turn.actor.tenantId, actorId: turn.actor.userId, action, subjectType, subjectId, details });

  // ---- roles ----

  async function roleView(turn: Turn, extra: { notice?: string; problem?: string } = {}): Promise<CardJson> {
    const [people, las] = await Promise.all([admin.recentPeople(turn.actor.tenantId), admin.localAuthorities()]);
    const grants = (
      await Promise.all(
        people.map(async (p) =>
          Promise.all(
            (await roles.rolesOf(turn.actor.tenantId, p.userId)).map(async (g) => ({ ...g, displayName: p.displayName, schoolName: g.schoolId ? schoolName(turn, await schools.get(g.schoolId)) : null })),
          ),
        ),
      )
    ).flat();
    return rolesCard(turn.locale, { people, las, grants, ...extra });
  }

  const schoolName = (turn: Turn, school: { nameEn: string; nameCy: string | null } | null) => (school ? (turn.locale === 'cy' && school.nameCy ? school.nameCy : school.nameEn) : '—');

  /** The school an admin typed: its number, its exact name, or the only school whose name matches. */
  async function oneSchool(typed: string): Promise<{ kind: 'one'; school: { id: number; nameEn: string; nameCy: string | null } } | { kind: 'none' } | { kind: 'many'; names: string[] }> {
    const text = typed.trim();
    if (/^\d{7}$/.test(text)) {
      const school = await schools.get(Number(text));
      return school ? { kind: 'one', school } : { kind: 'none' };
    }
    const found = await schools.searchByName(text, 6);
    const exact = found.filter((s) => [s.nameEn, s.nameCy].some((n) => n?.toLowerCase() === text.toLowerCase()));
    const candidates = exact.length > 0 ? exact : found;
    if (candidates.length === 1) return { kind: 'one', school: candidates[0] };
    return candidates.length === 0 ? { kind: 'none' } : { kind: 'many', names: candidates.map((s) => `${s.nameEn} (${s.id})`) };
  }

  kit.onCommand(MATCHING_COMMANDS.roles, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
    if (!(await isAdmin(turn))) return adminOnly(turn, 'roles');
    return roleView(turn);
  });

  kit.onCard(Verbs.matchGrantRole, async (turn, data) => {
    if (!(await isAdmin(turn))) return adminOnly(turn);
    const input = parse(MatchGrantRolePayload, data);
    const person = input.userId ? await users.get(turn.actor.tenantId, input.userId) : null;
    if (!person) return roleView(turn, { problem: t(turn.locale, 'admin.roles.unknownPerson') });
    const laCode = input.laCode === 'all' ? null : Number(input.laCode);
    if (input.role === 'admin' && (laCode !== null || input.school.trim() !== '')) return roleView(turn, { problem: t(turn.locale, 'admin.roles.adminEverywhere') });
    if (input.school.trim() !== '') {
      const found = await oneSchool(input.school);
      if (found.kind !== 'one') return roleView(turn, { problem: t(turn.locale, found.kind === 'none' ? 'admin.roles.schoolNotFound' : 'admin.roles.schoolAmbiguous', { name: input.school.trim(), list: found.kind === 'many' ? found.names.join('; ') : '' }) });
      await roles.grant({ tenantId: turn.actor.tenantId, userId: person.userId, role: input.role as Role, laCode: null, schoolId: found.school.id }, turn.actor.userId);
      await record(turn, 'role.grant', 'user', person.userId, { role: input.role, schoolId: found.school.id });
      const name = schoolName(turn, found.school);
      return roleView(turn, { notice: t(turn.locale, 'admin.roles.granted', { name: person.displayName ?? person.userId, role: t(turn.locale, `admin.role.${input.role}` as MessageKey), la: name }) });
    }
    const las = await admin.localAuthorities();
    const la = laCode === null ? undefined : las.find((l) => l.code === laCode);
    if (laCode !== null && !la) return roleView(turn, { problem: t(turn.locale, 'admin.roles.unknownPerson') });
    await roles.grant({ tenantId: turn.actor.tenantId, userId: person.userId, role: input.role as Role, laCode }, turn.actor.userId);
    await record(turn, 'role.grant', 'user', person.userId, { role: input.role, laCode });
    const laName = la ? (turn.locale === 'cy' ? la.nameCy : la.nameEn) : t(turn.locale, 'admin.roles.allLas');
    return roleView(turn, { notice: t(turn.locale, 'admin.roles.granted', { name: person.displayName ?? person.userId, role: t(turn.locale, `admin.role.${input.role}` as MessageKey), la: laName }) });
  });

  // ---- directory import ----

  kit.onCommand(MATCHING_COMMANDS.importSchools, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
    if (!(await isAdmin(turn))) return adminOnly(turn, 'import schools');
    return importCard(turn.locale);
  });

  kit.onCard(Verbs.matchImport, async (turn, data) => {
    if (!(await isAdmin(turn))) return adminOnly(turn);
    const { csv } = parse(MatchImportPayload, data);
    if (csv.trim() === '') return importCard(turn.locale, { problem: t(turn.locale, 'admin.import.emptyPaste') });
    const result = await importDirectory(deps.db, csv);
    if (result.errors.length > 0) return importCard(turn.locale, { csv, errors: result.errors });
    await record(turn, 'directory.import', 'directory', 'schools', { inserted: result.inserted, updated: result.updated });
    deps.directoryChanged();
    return importCard(turn.locale, { notice: t(turn.locale, 'admin.import.done', { inserted: result.inserted, updated: result.updated }) });
  });

  // ---- advisers: the evidence behind a school's strengths ----

  const evidence = deps.evidence;
  if (evidence) {
    const maxAgeYears = deps.evidenceMaxAgeYears ?? MATCH_RULES.evidenceMaxAgeYears;
    const reviewReply = (turn: Turn, outcome: EvidenceOutcome): CardJson => {
      if (outcome.kind === 'notFound') return kit.notice(turn, 'evidence.notFound');
      if (outcome.kind === 'forbidden') {
        kit.refused(turn, 'evidence.notAdviser');
        return kit.notice(turn, 'evidence.notAdviser');
      }
      if (outcome.kind === 'problem') return strengthReviewCard(turn.locale, { ...outcome.review, now: clock.now(), maxAgeYears, problem: t(turn.locale, outcome.key) });
      const notice = outcome.change ? t(turn.locale, `evidence.done.${outcome.change.action}`, { area: t(turn.locale, `priority.${outcome.change.area}` as MessageKey) }) : '';
      return strengthReviewCard(turn.locale, { school: outcome.school, strengths: outcome.strengths, now: clock.now(), maxAgeYears, notice });
    };

    kit.onCommand(MATCHING_COMMANDS.strengths, async (turn) => {
      if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
      const typed = (MATCHING_COMMANDS.strengths.exec(turn.context.activity.text ?? '')?.[2] ?? '').trim();
      if (typed === '') return kit.notice(turn, 'evidence.usage', 'default');
      const found = await oneSchool(typed);
      if (found.kind !== 'one') {
        return noticeCard(turn.locale, t(turn.locale, found.kind === 'none' ? 'admin.roles.schoolNotFound' : 'admin.roles.schoolAmbiguous', { name: typed.slice(0, 100), list: found.kind === 'many' ? found.names.join('; ') : '' }), { tone: 'attention' });
      }
      return reviewReply(turn, await evidence.review(turn.actor, found.school.id));
    });

    kit.onCard(Verbs.matchStrengthReview, async (turn, data) => reviewReply(turn, await evidence.review(turn.actor, parse(MatchStrengthReviewPayload, data).schoolId)));
    kit.onCard(Verbs.matchStrengthVerify, async (turn, data) => {
      const input = parse(MatchStrengthPayload, data);
      return reviewReply(turn, await evidence.verify(turn.actor, input.schoolId, input.area));
    });
    kit.onCard(Verbs.matchStrengthWithdraw, async (turn, data) => {
      const input = parse(MatchStrengthPayload, data);
      return reviewReply(turn, await evidence.withdraw(turn.actor, input.schoolId, input.area));
    });
  }

  // ---- a head's own school ----

  async function ownSchool(turn: Turn): Promise<number | null> {
    const user = await users.get(turn.actor.tenantId, turn.actor.userId);
    return user && user.schoolId !== null && (user.schoolRole === 'headteacher' || user.schoolRole === 'deputy') ? user.schoolId : null;
  }

  async function profileView(turn: Turn, schoolId: number, extra: { notice?: string; problem?: string } = {}): Promise<CardJson> {
    const school = await schools.get(schoolId);
    if (!school) return kit.notice(turn, 'profile.notHead');
    const strengths = await admin.strengths(schoolId);
    const name = turn.locale === 'cy' ? (school.nameCy ?? school.nameEn) : school.nameEn;
    return schoolProfileCard(turn.locale, { schoolId, schoolName: name, capacity: school.capacity, open: school.openToRequests, strengths, ...extra });
  }

  kit.onCommand(MATCHING_COMMANDS.mySchool, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
    const schoolId = await ownSchool(turn);
    return schoolId === null ? kit.notice(turn, 'profile.notHead') : profileView(turn, schoolId);
  });

  kit.onCard(Verbs.matchStrengthsSave, async (turn, data) => {
    const input = parse(MatchProfilePayload, data);
    const schoolId = await ownSchool(turn);
    // Whatever school the card names, a head only ever changes their own.
    if (schoolId === null || schoolId !== input.schoolId) {
      kit.refused(turn, 'profile.notHead');
      return kit.notice(turn, 'profile.notHead');
    }
    const capacityText = String(input.capacity ?? '').trim();
    const capacity = Number(capacityText);
    if (!/^\d{1,2}$/.test(capacityText) || capacity > 20) return profileView(turn, schoolId, { problem: t(turn.locale, 'profile.badCapacity') });
    const picked: { area: PriorityArea; description: string }[] = [];
    const slots = [
      [input.area1, input.description1],
      [input.area2, input.description2],
      [input.area3, input.description3],
    ].slice(0, PROFILE_SLOTS);
    for (const [area, description] of slots) {
      if (!area || area === 'none') continue;
      if (!isPriorityArea(area)) return profileView(turn, schoolId, { problem: t(turn.locale, 'error.badPayload') });
      if (picked.some((p) => p.area === area)) return profileView(turn, schoolId, { problem: t(turn.locale, 'profile.duplicateArea') });
      const text = (description ?? '').replace(/\s+/g, ' ').trim();
      if (text === '' || text.length > 500) return profileView(turn, schoolId, { problem: t(turn.locale, 'profile.descriptionNeeded') });
      picked.push({ area, description: text });
    }
    await deps.db.transaction(async (tx) => {
      await admin.saveOwnProfile(schoolId, { capacity, openToRequests: input.openToRequests, strengths: picked }, tx);
      await audit.record(
        { at: clock.now(), tenantId: turn.actor.tenantId, actorId: turn.actor.userId, action: 'school.profile', subjectType: 'school', subjectId: String(schoolId), details: { capacity, open: input.openToRequests, areas: picked.map((p) => p.area) } },
        tx,
      );
    });
    deps.directoryChanged();
    return profileView(turn, schoolId, { notice: t(turn.locale, 'profile.saved') });
  });
}
