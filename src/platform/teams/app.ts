import { Application, TurnState, type TeamsAdapter } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import type { Clock } from '../clock';
import type { InEachLanguage, Locale } from '../i18n';
import type { Logger } from '../log';
import type { PlanService } from '../../features/plans/service';
import type { SchoolLookup } from '../../features/directory/names';
import type { UserRepository } from '../../features/people/users';
import { markTurn } from '../telemetry/instruments';
import { actorOf } from './activity';
import { RouteKit, type RateLimitCounter } from './kit';
import { registerAideMemoireRoutes } from '../../features/plans/routes';
import { registerConversationRoutes } from './conversationRoutes';
import { registerFadeRoutes, type FadeRouteDeps } from '../../features/fade/routes';
import { registerMatchingRoutes, type MatchingRouteDeps } from '../../features/matching/routes';
import { registerMatchingAdminRoutes } from '../../features/admin/routes';
import type { AdminService } from '../../features/admin/service';
import { registerStrengthRoutes, type StrengthRouteDeps } from '../../features/matching/strengthRoutes';
import { registerPrivacyRoutes } from '../../features/privacy/routes';
import type { PersonalDataService } from '../../features/privacy/service';
import { pendingRoleExplainer, registerPeopleRoutes } from '../../features/people/routes';
import type { SchoolRoleService } from '../../features/people/service';

export { cardMessage } from './kit';
/** The Teams AI types the composition root needs, so only src/platform/teams imports the SDK. */
export type { Application as BotApplication, TeamsAdapter, TurnState } from '@microsoft/teams-ai';

export interface BotDeps {
  defaultLocale: Locale;
  allowedTenantIds: readonly string[];
  botAppId?: string;
  adapter?: TeamsAdapter;
  users: UserRepository;
  schools: SchoolLookup;
  plans: PlanService;
  clock: Clock;
  log: Logger;
  matching: MatchingRouteDeps;
  admin: AdminService;
  strengths: StrengthRouteDeps;
  fade: FadeRouteDeps;
  privacy: PersonalDataService;
  limits?: RateLimitCounter;
  schoolRoles: SchoolRoleService;
  clusterNameOf: (schoolId: number) => Promise<InEachLanguage | null>;
}

/** Builds the Teams AI application: the tenant gate, then each feature's routes, then the catch-alls. */
export function createBotApplication(deps: BotDeps): Application<TurnState> {
  const { log } = deps;
  // No teams-ai storage: its turn state was read (and kept) for every turn, and the one thing the bot remembered there,
  // the plan last open, is on the person's row, which every turn reads anyway.
  const app = new Application<TurnState>({
    adapter: deps.adapter,
    botAppId: deps.botAppId ?? '',
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });

  // Activities from tenants that are not allowed are dropped before any handler runs.
  app.turn('beforeTurn', async (context) => {
    if (deps.allowedTenantIds.length === 0) return true;
    const { tenantId } = actorOf(context.activity);
    if (deps.allowedTenantIds.includes(tenantId)) return true;
    markTurn('tenantRefused');
    log.warn('activity from a tenant that is not allowed was dropped', { tenantId, type: context.activity.type });
    // An invoke expects an answer: refused, plainly, rather than Teams' "not implemented".
    if (context.activity.type === 'invoke') await context.sendActivity({ type: 'invokeResponse', value: { status: 403 } });
    return false;
  });

  const kit = new RouteKit(app, {
    users: deps.users,
    defaultLocale: deps.defaultLocale,
    log,
    limits: deps.limits,
    explainRefusal: pendingRoleExplainer(deps.schoolRoles),
    isAdmin: (actor) => deps.schoolRoles.isAdmin(actor),
  });
  registerAideMemoireRoutes(kit, deps);
  registerPeopleRoutes(kit, deps.schoolRoles);
  registerPrivacyRoutes(kit, deps.privacy);
  registerMatchingAdminRoutes(kit, deps.admin);
  registerStrengthRoutes(kit, deps.strengths);
  registerMatchingRoutes(kit, deps.matching);
  registerFadeRoutes(kit, deps.fade);
  registerConversationRoutes(kit);

  const onTurnError = (context: TurnContext, err: Error) => kit.answerFailedTurn(context, err);
  app.error(onTurnError);
  turnErrorHandlers.set(app, onTurnError);

  return app;
}

const turnErrorHandlers = new WeakMap<Application<TurnState>, (context: TurnContext, err: Error) => Promise<void>>();

/**
 * What the application does with a turn that failed outside any handler. Teams AI hands it to the adapter it was
 * built with; an adapter made elsewhere (the tests' TestAdapter) takes it from here, so failed turns are answered
 * the same way.
 */
export function turnErrorHandlerOf(app: Application<TurnState>): (context: TurnContext, err: Error) => Promise<void> {
  const handler = turnErrorHandlers.get(app);
  if (!handler) throw new Error('not an application made by createBotApplication');
  return handler;
}
