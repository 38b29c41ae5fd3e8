import { commandPattern, isCommandKey } from '../../platform/i18n/commands';
import { languageCard, menuCard, myPlansCard, onboardCard, planExportText, planFieldCard, planSummaryCard, type SchoolChoice } from './cards';
import type { CardJson } from '../../platform/cards/render';
import { Verbs } from '../../platform/cards/verbs';
import type { Clock } from '../../platform/clock';
import { isFieldOpen, nextField, previousField, resumeField, type FieldId, type Plan, type RawAnswer } from './plan';
import { t, type InEachLanguage, type MessageKey } from '../../platform/i18n';
import type { Logger } from '../../platform/log';
import { STALE_CARD, type PlanService } from './service';
import { schoolName, schoolWithPlace, type SchoolLookup } from '../directory/names';
import type { UserRepository } from '../people/users';
import type { SchoolRole } from '../people/model';
import type { SchoolRoleService } from '../people/service';
import { askedText } from '../people/cards';
import { parse, type Answer, type RouteKit, type Turn } from '../../platform/teams/kit';
import {
  MenuCommandPayload,
  OnboardConfirmPayload,
  OnboardSearchPayload,
  PlanClusterReportPayload,
  PlanExportPayload,
  PlanOpenPayload,
  PlanSaveFieldPayload,
  PlanTransitionPayload,
  SetLanguagePayload,
} from './payloads';

export interface AideMemoireDeps {
  /** The name, in each language, of the FADE cluster a school belongs to, if any (the plan summary says the plan feeds its report). */
  clusterNameOf: (schoolId: number) => Promise<InEachLanguage | null>;
  users: UserRepository;
  schoolRoles: SchoolRoleService;
  schools: SchoolLookup;
  plans: PlanService;
  clock: Clock;
  log: Logger;
}

export const COMMANDS = {
  help: commandPattern('command.help'),
  newPlan: commandPattern('command.newPlan'),
  myPlans: commandPattern('command.myPlans'),
  language: commandPattern('command.language'),
  resume: commandPattern('command.resume'),
};

/**
 * The plan this person last had open, so "continue" picks it up again: kept on their row, which every turn reads
 * anyway, and written only when it is another plan.
 */
async function rememberPlan(users: UserRepository, turn: Turn, plan: Plan): Promise<void> {
  if (turn.user.lastPlanId === plan.id) return;
  await users.rememberPlan(turn.actor.tenantId, turn.actor.userId, plan.id);
  turn.user.lastPlanId = plan.id;
}

/** Menu, language, first-use onboarding and the aide-memoire itself (personal chat). */
export function registerAideMemoireRoutes(kit: RouteKit, deps: AideMemoireDeps): void {
  const { users, schools, plans, clock, schoolRoles } = deps;

  // ---- helpers shared by the handlers ----

  const notice = (turn: Turn, key: MessageKey, tone: 'default' | 'attention' | 'good' = 'attention') => kit.notice(turn, key, tone);

  async function schoolLabel(turn: Turn, plan: Plan): Promise<string> {
    const school = plan.schoolId ? await schools.get(plan.schoolId) : null;
    return school ? schoolName(school, turn.locale) : '—';
  }

  async function summary(turn: Turn, plan: Plan, extra: { notice?: string; problem?: string } = {}): Promise<CardJson> {
    // Three independent statements: on PostgreSQL they go out together, on separate pooled connections.
    const [, cluster, schoolName] = await Promise.all([
      rememberPlan(users, turn, plan),
      plan.schoolId ? deps.clusterNameOf(plan.schoolId) : null,
      schoolLabel(turn, plan),
    ]);
    const clusterReport = cluster ? { cluster, included: plan.inClusterReport } : undefined;
    return planSummaryCard(turn.locale, plan, { schoolName, now: clock.now(), clusterReport, ...extra });
  }

  async function fieldCard(turn: Turn, plan: Plan, field: FieldId, view: Parameters<typeof planFieldCard>[3] = {}): Promise<CardJson> {
    await rememberPlan(users, turn, plan);
    return planFieldCard(turn.locale, plan, field, view);
  }

  async function startNewPlan(turn: Turn, noticeText = '', schoolId?: number): Promise<CardJson> {
    if (!turn.personal) return notice(turn, 'menu.personalOnly', 'default');
    // A plan is private, so a school still waiting for its role to be confirmed may plan for it.
    const planSchool = schoolId ?? turn.user.schoolId ?? (await schoolRoles.pendingOf(turn.actor))?.schoolId;
    if (!planSchool) return onboardCard(turn.locale);
    if (await kit.overLimit(turn, 'newPlan')) return notice(turn, 'error.rateLimited', 'default');
    const plan = await plans.create(turn.actor, planSchool);
    return fieldCard(turn, plan, 'focus', { notice: noticeText });
  }

  async function myPlans(turn: Turn): Promise<CardJson> {
    if (!turn.personal) return notice(turn, 'menu.personalOnly', 'default');
    return myPlansCard(turn.locale, await plans.list(turn.actor));
  }

  async function searchResults(turn: Turn, query: string): Promise<SchoolChoice[]> {
    const found = await schools.searchByName(query, 8);
    return found.map((s) => ({ id: s.id, title: schoolWithPlace(s, turn.locale) }));
  }

  const draftText = (turn: Turn, raw: RawAnswer): string =>
    [
      raw.text,
      raw.priorityAreas,
      raw.staffDays !== undefined || raw.supplyCoverDays !== undefined ? `${raw.staffDays ?? ''} / ${raw.supplyCoverDays ?? ''}` : undefined,
    ]
      .filter((v) => v !== undefined && v !== '')
      .join('\n');

  // ---- commands ----

  const help = async (turn: Turn, notice?: string) => menuCard(turn.locale, 'help', { notice, admin: await kit.isAdmin(turn) });
  kit.onCommand(COMMANDS.help, (turn) => help(turn));
  kit.onCommand(COMMANDS.newPlan, (turn) => startNewPlan(turn));
  kit.onCommand(COMMANDS.myPlans, myPlans);
  kit.onCommand(COMMANDS.language, async (turn) => languageCard(turn.locale));
  kit.onCommand(COMMANDS.resume, async (turn) => {
    const planId = turn.user.lastPlanId ?? undefined;
    const opened = planId ? await plans.open(turn.actor, planId) : undefined;
    if (!opened || opened.kind !== 'ok') return myPlans(turn);
    const { plan } = opened.value;
    const field = resumeField(plan);
    return field ? fieldCard(turn, plan, field) : summary(turn, plan);
  });

  // ---- menu and language ----

  kit.onCard(Verbs.menuHelp, (turn) => help(turn));
  kit.onCard(Verbs.menuNewPlan, (turn) => startNewPlan(turn));
  kit.onCard(Verbs.menuMyPlans, myPlans);
  kit.onCard(Verbs.menuLanguage, async (turn) => languageCard(turn.locale));
  // A "did you mean" button runs the command as if it had been typed.
  kit.onCard(Verbs.menuCommand, async (turn, data) => {
    const { command } = parse(MenuCommandPayload, data);
    return (isCommandKey(command) ? await kit.runCommand(turn, command) : null) ?? help(turn);
  });
  kit.onCard(Verbs.setLanguage, async (turn, data) => {
    const { locale } = parse(SetLanguagePayload, data);
    await users.setLocale(turn.actor.tenantId, turn.actor.userId, locale);
    return menuCard(locale, 'help', { notice: t(locale, 'language.changed'), admin: await kit.isAdmin(turn) });
  });

  // ---- first use: which school ----

  kit.onCard(Verbs.onboardSearch, async (turn, data) => {
    const query = parse(OnboardSearchPayload, data).query.trim();
    if (query.length < 3) return onboardCard(turn.locale, { query, problem: t(turn.locale, 'onboard.queryTooShort') });
    const results = await searchResults(turn, query);
    if (results.length === 0) return onboardCard(turn.locale, { query, problem: t(turn.locale, 'onboard.noResults', { query }) });
    return onboardCard(turn.locale, { query, results });
  });

  kit.onCard(Verbs.onboardConfirm, async (turn, data) => {
    const input = parse(OnboardConfirmPayload, data);
    const query = input.query.trim();
    // The search is run again only to redraw the card when something is missing.
    const results = async () => (query.length >= 3 ? await searchResults(turn, query) : []);
    const school = input.schoolId ? await schools.get(Number(input.schoolId)) : null;
    if (!school) return onboardCard(turn.locale, { query, results: await results(), problem: t(turn.locale, 'onboard.chooseSchool') });
    if (!input.role)
      return onboardCard(turn.locale, { query, results: await results(), selectedSchool: String(school.id), problem: t(turn.locale, 'onboard.chooseRole') });
    const role = input.role as SchoolRole;
    // Only a claim: nothing is granted until the school's head, its adviser or an admin confirms it.
    const claimed = await schoolRoles.claim(turn.actor, school.id, role);
    if (claimed.kind !== 'ok') return claimed;
    const { view, confirmed, headExists } = claimed.value;
    const params = { role: t(turn.locale, `role.${role}`), school: schoolName(school, turn.locale) };
    const done = !confirmed
      ? [
          t(turn.locale, 'onboard.claimed', { ...params, who: askedText(turn.locale, view.claim.asked) }),
          headExists ? t(turn.locale, 'onboard.claimedHeadExists', params) : '',
        ]
          .filter(Boolean)
          .join(' ')
      : t(turn.locale, view.claim.asked.kind === 'auto' ? 'onboard.autoConfirmed' : 'onboard.done', params);
    return startNewPlan(turn, done, school.id);
  });

  // ---- the aide-memoire ----

  kit.onCard(Verbs.planOpen, async (turn, data) => {
    const { planId, field } = parse(PlanOpenPayload, data);
    const opened = await plans.open(turn.actor, planId);
    if (opened.kind !== 'ok') return opened;
    const { plan } = opened.value;
    if (!field) return summary(turn, plan);
    if (!isFieldOpen(plan, field)) return summary(turn, plan, { problem: t(turn.locale, 'error.fieldLocked') });
    return fieldCard(turn, plan, field);
  });

  kit.onCard(Verbs.planSaveField, async (turn, data) => {
    const input = parse(PlanSaveFieldPayload, data, { formRedraws: ['text'] }); // plan.ts refuses it and the form keeps it
    const raw: RawAnswer = { text: input.text, priorityAreas: input.priorityAreas, staffDays: input.staffDays, supplyCoverDays: input.supplyCoverDays };
    const go = async (plan: Plan, field: FieldId): Promise<CardJson> => {
      const target = input.then === 'next' ? nextField(plan, field) : input.then === 'back' ? previousField(plan, field) : null;
      return target ? fieldCard(turn, plan, target) : summary(turn, plan, { notice: t(turn.locale, 'plan.saved') });
    };

    const outcome = await plans.saveAnswer(turn.actor, input.planId, input.version, input.field, raw);
    if (outcome.kind === 'ok') return go(outcome.value.plan, input.field);
    if (outcome.kind !== 'problem' || !outcome.current) return outcome;
    const plan = outcome.current;
    // The card was out of date: show what is saved now, with the person's text beside it so nothing is lost.
    if (outcome.key === STALE_CARD) return fieldCard(turn, plan, input.field, { staleText: draftText(turn, raw) });
    // Leaving an empty required field by Back or Summary loses nothing, so let it go.
    if (input.then !== 'next' && outcome.key === 'error.required') return go(plan, input.field);
    if (outcome.key === 'error.fieldLocked') return summary(turn, plan, { problem: t(turn.locale, outcome.key) });
    return fieldCard(turn, plan, input.field, { problem: t(turn.locale, outcome.key, outcome.params), draft: raw });
  });

  async function onTransition(turn: Turn, data: unknown, action: 'startSupport' | 'supportTookPlace'): Promise<Answer> {
    const { planId } = parse(PlanTransitionPayload, data);
    const outcome = await plans.transition(turn.actor, planId, action);
    if (outcome.kind === 'problem' && outcome.current)
      return summary(turn, outcome.current, { problem: t(turn.locale, outcome.key === STALE_CARD ? 'plan.staleNote' : outcome.key) });
    if (outcome.kind !== 'ok') return outcome;
    if (action === 'supportTookPlace') return fieldCard(turn, outcome.value.plan, 'provision', { notice: t(turn.locale, 'plan.evaluationOpen') });
    return summary(turn, outcome.value.plan, { notice: t(turn.locale, 'plan.startedSupport') });
  }

  kit.onCard(Verbs.planStartSupport, (turn, data) => onTransition(turn, data, 'startSupport'));
  kit.onCard(Verbs.planSupportTookPlace, (turn, data) => onTransition(turn, data, 'supportTookPlace'));

  kit.onCard(Verbs.planClusterReport, async (turn, data) => {
    const { planId, include } = parse(PlanClusterReportPayload, data);
    const outcome = await plans.setInClusterReport(turn.actor, planId, include);
    return outcome.kind === 'ok' ? summary(turn, outcome.value.plan) : outcome;
  });

  kit.onCard(Verbs.planExport, async (turn, data) => {
    const { planId } = parse(PlanExportPayload, data);
    const opened = await plans.open(turn.actor, planId);
    if (opened.kind !== 'ok') return opened;
    const { plan } = opened.value;
    await turn.send(planExportText(turn.locale, plan, await schoolLabel(turn, plan)));
    return summary(turn, plan, { notice: t(turn.locale, 'plan.exported') });
  });
}
