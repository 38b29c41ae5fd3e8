import { commandPattern } from '../../platform/i18n/commands';
import { importCard, rolesCard, schoolProfileCard, PROFILE_SLOTS } from './cards';
import { Verbs } from '../../platform/cards/verbs';
import { t, type MessageKey } from '../../platform/i18n';
import type { Role } from '../people/roles';
import { parse, type Answer, type RouteKit, type Turn } from '../../platform/teams/kit';
import type { AdminService, LocalAuthority, NamedSchool, SchoolProfile } from './service';
import { MatchGrantRolePayload, MatchImportPayload, MatchProfilePayload } from '../matching/payloads';

export const MATCHING_COMMANDS = {
  roles: commandPattern('command.roles'),
  importSchools: commandPattern('command.importSchools'),
  mySchool: commandPattern('command.mySchool'),
  /** Answered by the matching routes: the person's requests for support in one card. */
  myRequests: commandPattern('command.myRequests'),
};

/** Personal-chat commands for admins (roles, directory import) and for heads (their school's strengths and capacity). */
export function registerMatchingAdminRoutes(kit: RouteKit, service: AdminService): void {
  const schoolName = (turn: Turn, school: NamedSchool | null) => (school ? (turn.locale === 'cy' && school.nameCy ? school.nameCy : school.nameEn) : '—');
  // Mid-sentence ("Admin for every local authority"), so not the capitalised choice in the list.
  const laName = (turn: Turn, la: LocalAuthority | null) => (la ? (turn.locale === 'cy' ? la.nameCy : la.nameEn) : t(turn.locale, 'admin.roles.everyLa'));

  async function roleView(turn: Turn, extra: { notice?: string; problem?: string } = {}): Promise<Answer> {
    const view = await service.rolesView(turn.actor);
    if (view.kind !== 'ok') return view;
    const grants = view.value.grants.map((g) => ({ ...g, schoolName: g.school ? schoolName(turn, g.school) : null }));
    return rolesCard(turn.locale, { ...view.value, grants, ...extra });
  }

  // ---- roles ----

  kit.onCommand(MATCHING_COMMANDS.roles, async (turn) => (turn.personal ? roleView(turn) : kit.notice(turn, 'menu.personalOnly', 'default')));

  kit.onCard(Verbs.matchGrantRole, async (turn, data) => {
    const input = parse(MatchGrantRolePayload, data);
    const granted = await service.grantRole(turn.actor, { ...input, role: input.role as Role });
    if (granted.kind === 'problem') return roleView(turn, { problem: t(turn.locale, granted.key, granted.params) });
    if (granted.kind !== 'ok') return granted;
    const { person, role, school, la } = granted.value;
    const where = school ? schoolName(turn, school) : laName(turn, la);
    return roleView(turn, {
      notice: t(turn.locale, 'admin.roles.granted', { name: person.displayName ?? person.userId, role: t(turn.locale, ROLE_LABELS[role]), la: where }),
    });
  });

  // ---- directory import ----

  kit.onCommand(MATCHING_COMMANDS.importSchools, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
    const allowed = await service.canImport(turn.actor);
    return allowed.kind === 'ok' ? importCard(turn.locale) : allowed;
  });

  kit.onCard(Verbs.matchImport, async (turn, data) => {
    const { csv } = parse(MatchImportPayload, data);
    const imported = await service.importSchools(turn.actor, csv);
    if (imported.kind === 'ok') return importCard(turn.locale, { notice: t(turn.locale, 'admin.import.done', imported.value) });
    if (imported.kind === 'problem')
      return importCard(turn.locale, { csv, errors: imported.current?.errors, problem: t(turn.locale, imported.key, imported.params) });
    return imported;
  });

  // ---- a head's own school ----

  const profileCard = (turn: Turn, profile: SchoolProfile, extra: { notice?: string; problem?: string } = {}) =>
    schoolProfileCard(turn.locale, {
      schoolId: profile.school.id,
      schoolName: schoolName(turn, profile.school),
      capacity: profile.capacity,
      open: profile.open,
      strengths: profile.strengths,
      ...extra,
    });

  kit.onCommand(MATCHING_COMMANDS.mySchool, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'menu.personalOnly', 'default');
    const profile = await service.ownProfile(turn.actor);
    return profile.kind === 'ok' ? profileCard(turn, profile.value) : profile;
  });

  kit.onCard(Verbs.matchStrengthsSave, async (turn, data) => {
    const input = parse(MatchProfilePayload, data);
    const saved = await service.saveOwnProfile(
      turn.actor,
      {
        schoolId: input.schoolId,
        capacity: String(input.capacity ?? ''),
        openToRequests: input.openToRequests,
        strengths: [
          { area: input.area1, description: input.description1 },
          { area: input.area2, description: input.description2 },
          { area: input.area3, description: input.description3 },
        ],
      },
      PROFILE_SLOTS,
    );
    if (saved.kind === 'ok') return profileCard(turn, saved.value, { notice: t(turn.locale, 'profile.saved') });
    if (saved.kind === 'problem' && saved.current) return profileCard(turn, saved.current, { problem: t(turn.locale, saved.key, saved.params) });
    return saved;
  });
}

const ROLE_LABELS = { admin: 'admin.role.admin', adviser: 'admin.role.adviser', reviewer: 'admin.role.reviewer' } as const satisfies Record<Role, MessageKey>;
