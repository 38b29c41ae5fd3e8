import { commandPattern } from '../../platform/i18n/commands';
import { Verbs } from '../../platform/cards/verbs';
import { t } from '../../platform/i18n';
import { schoolName } from '../directory/names';
import { parse, type Answer, type RouteKit, type Turn } from '../../platform/teams/kit';
import { claimCard, claimsCard, pendingNote, schoolRolesCard } from './cards';
import type { Refusal } from '../../platform/outcome';
import { RoleAssignPayload, RoleClaimPayload, RoleImportPayload } from './payloads';
import type { SchoolRoleService } from './service';

export const PEOPLE_COMMANDS = {
  claims: commandPattern('command.claims'),
  schoolRoles: commandPattern('command.schoolRoles'),
};

/** School roles: deciding claims (heads, advisers, admins) and the admin's direct assignment and CSV import. */
export function registerPeopleRoutes(kit: RouteKit, service: SchoolRoleService): void {
  kit.onCommand(PEOPLE_COMMANDS.claims, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'privacy.personalOnly', 'default');
    const outcome = await service.pendingFor(turn.actor);
    return outcome.kind === 'ok' ? claimsCard(turn.locale, outcome.value) : outcome;
  });

  kit.onCard(Verbs.roleClaimView, async (turn, data) => {
    const { claimId } = parse(RoleClaimPayload, data);
    const outcome = await service.view(turn.actor, claimId);
    return outcome.kind === 'ok' ? claimCard(turn.locale, outcome.value, { refreshUserIds: [turn.actor.userId], canDecide: outcome.value.canDecide }) : outcome;
  });

  async function decide(turn: Turn, data: unknown, decision: 'confirmed' | 'rejected'): Promise<Answer> {
    const { claimId, reason } = parse(RoleClaimPayload, data);
    const outcome = await service.decide(turn.actor, claimId, decision, reason);
    const refreshUserIds = [turn.actor.userId];
    if (outcome.kind === 'ok') {
      const v = outcome.value;
      if (!v.already) turn.markRecorded();
      const params = { name: v.claim.displayName ?? v.claim.userId, role: t(turn.locale, `role.${v.claim.role}`), school: schoolName(v.school, turn.locale) };
      const notice = v.already ? '' : t(turn.locale, decision === 'confirmed' ? 'roles.claim.doneConfirmed' : 'roles.claim.doneRejected', params);
      return claimCard(turn.locale, v, { refreshUserIds, notice });
    }
    if (outcome.kind === 'problem' && outcome.current)
      return claimCard(turn.locale, outcome.current, { refreshUserIds, reason, problem: t(turn.locale, outcome.key, outcome.params) });
    return outcome;
  }

  kit.onCard(Verbs.roleClaimConfirm, (turn, data) => decide(turn, data, 'confirmed'));
  kit.onCard(Verbs.roleClaimReject, (turn, data) => decide(turn, data, 'rejected'));

  // ---- admins: assign directly, or import a CSV ----

  async function rolesCard(turn: Turn, extra: Omit<Parameters<typeof schoolRolesCard>[1], 'people'> = {}): Promise<Answer> {
    const outcome = await service.assignView(turn.actor);
    return outcome.kind === 'ok' ? schoolRolesCard(turn.locale, { people: outcome.value.people, ...extra }) : outcome;
  }

  kit.onCommand(PEOPLE_COMMANDS.schoolRoles, async (turn) => {
    if (!turn.personal) return kit.notice(turn, 'privacy.personalOnly', 'default');
    return rolesCard(turn);
  });

  kit.onCard(Verbs.roleAssign, async (turn, data) => {
    const input = parse(RoleAssignPayload, data);
    const outcome = await service.assign(turn.actor, input);
    if (outcome.kind === 'ok') {
      const v = outcome.value;
      return rolesCard(turn, {
        notice: t(turn.locale, 'roles.assign.done', {
          name: v.claim.displayName ?? v.claim.userId,
          role: t(turn.locale, `role.${v.claim.role}`),
          school: schoolName(v.school, turn.locale),
        }),
      });
    }
    if (outcome.kind === 'problem') return rolesCard(turn, { problem: t(turn.locale, outcome.key, outcome.params) });
    return outcome;
  });

  kit.onCard(Verbs.roleImport, async (turn, data) => {
    const { csv } = parse(RoleImportPayload, data);
    const outcome = await service.importRoles(turn.actor, csv);
    if (outcome.kind === 'ok') return rolesCard(turn, { notice: t(turn.locale, 'roles.assign.imported', outcome.value) });
    if (outcome.kind === 'problem') return rolesCard(turn, { csv, errors: outcome.current?.errors, problem: t(turn.locale, outcome.key, outcome.params) });
    return outcome;
  });
}

/** Someone refused while their school role waits to be confirmed is told so, and who was asked to confirm it. */
export function pendingRoleExplainer(service: SchoolRoleService): (turn: Turn, refusal: Refusal | null) => Promise<string | null> {
  return async (turn, refusal) => {
    if (refusal && refusal.kind !== 'forbidden' && refusal.key !== 'profile.notHead') return null;
    const view = await service.pendingView(turn.actor);
    return view ? pendingNote(turn.locale, view) : null;
  };
}
