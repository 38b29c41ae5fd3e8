import { Application, TurnState, type TeamsAdapter } from '@microsoft/teams-ai';
import type { Clock } from '../clock';
import type { Locale } from '../i18n';
import type { Logger } from '../log';
import { markTurn } from '../platform/telemetry/instruments';
import type { PlanService } from '../services/planService';
import type { SchoolLookup } from '../services/schools';
import type { SqlStateStore } from '../storage/botState';
import type { UserRepository } from '../storage/users';
import { actorOf } from './activity';
import { RouteKit } from './kit';
import { registerAideMemoireRoutes } from './routes/aideMemoire';
import { registerConversationRoutes } from './routes/conversation';
import { registerFadeRoutes, type FadeRouteDeps } from './routes/fade';
import { registerMatchingRoutes, type MatchingRouteDeps } from './routes/matching';
import { registerPrivacyRoutes, type PrivacyRouteDeps } from './routes/privacy';
import { DatabaseStorage, ProfileTurnState } from './storage';

export { cardMessage } from './kit';
/** The Teams AI types the composition root needs, so only src/teams imports the SDK. */
export type { Application as BotApplication, TeamsAdapter, TurnState } from '@microsoft/teams-ai';

export interface BotDeps {
  defaultLocale: Locale;
  allowedTenantIds: readonly string[];
  botAppId?: string;
  adapter?: TeamsAdapter;
  stateStore: SqlStateStore;
  users: UserRepository;
  schools: SchoolLookup;
  plans: PlanService;
  clock: Clock;
  log: Logger;
  matching: MatchingRouteDeps;
  fade: FadeRouteDeps;
  privacy?: PrivacyRouteDeps;
}

/** Builds the Teams AI application: the tenant gate, then each feature's routes, then the catch-alls. */
export function createBotApplication(deps: BotDeps): Application<TurnState> {
  const { log } = deps;
  const storage = new DatabaseStorage(deps.stateStore);
  const app = new Application<TurnState>({
    storage,
    turnStateFactory: () => new ProfileTurnState(storage),
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
    return false;
  });

  const kit = new RouteKit(app, { users: deps.users, defaultLocale: deps.defaultLocale, log });
  registerAideMemoireRoutes(kit, deps);
  // Before FADE: it claims personal-chat uninstalls, which FADE's installation route would otherwise take.
  registerPrivacyRoutes(kit, deps.privacy ?? {});
  registerMatchingRoutes(kit, deps.matching);
  registerFadeRoutes(kit, deps.fade);
  registerConversationRoutes(kit);

  app.error((context, err) => kit.answerFailedTurn(context, err));

  return app;
}
