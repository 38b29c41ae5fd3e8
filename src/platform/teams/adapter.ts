import { TeamsAdapter } from '@microsoft/teams-ai';
import { type Activity, type ConversationReference, type InvokeResponse, type TurnContext } from 'botbuilder';
import { CardFactory, MessageFactory } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import type { Config } from '../../config';
import type { Logger } from '../log';
import type { ConversationRef, Messenger, OutgoingMessage } from './messenger';
import { ConnectorHttpClient, type ConnectorRetryOptions } from './connectorHttp';
import { ReusedClients } from './reusedClients';
import { installConsoleRouting } from './routedConsole';

/**
 * The public Azure cloud's Bot Framework endpoints, the values botbuilder uses when none are given.
 * Naming any one of them makes botbuilder expect all of them, so replacing the metadata URL means
 * passing these too (a test checks they still match botframework-connector's own constants).
 */
export const PUBLIC_CLOUD_ENDPOINTS = {
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromChannelOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: 'urn:botframework:azure',
} as const;

/** Errors that mean "this token is not acceptable" (forged, expired, not yet valid, for another bot), not "we failed". */
function isRefusedToken(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes(err.name)) return true;
  return (err as { statusCode?: unknown }).statusCode === 401;
}

/**
 * TeamsAdapter that answers every unacceptable token with 401 and a log line. botbuilder itself
 * answers a token with a bad signature (for a key it knows) with 500, and prints refusals to the
 * console (with the jsonwebtoken error's stack, or the signing key): what it prints goes to our
 * log instead, one line, no token (routedConsole.ts). Turns share their connector clients (reusedClients.ts).
 */
class CheckedTeamsAdapter extends TeamsAdapter {
  private readonly clients = new ReusedClients();

  constructor(
    settings: ConstructorParameters<typeof TeamsAdapter>[0],
    private readonly log: Logger,
    connectorHttp: ConnectorHttpClient,
  ) {
    // botbuilder types the connector's httpClient as core-http-compat's RequestPolicy; ConnectorHttpClient has that shape.
    super(settings, undefined, undefined, { httpClient: connectorHttp as unknown as NonNullable<ConstructorParameters<typeof TeamsAdapter>[3]>['httpClient'] });
    installConsoleRouting(log);
    this.clients.shareClientsOf(this.botFrameworkAuthentication);
  }

  protected override async processActivity(
    auth: string | AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    if (typeof auth !== 'string') return super.processActivity(this.clients.forRequest(auth), activity, logic);
    let authenticated: AuthenticateRequestResult;
    try {
      authenticated = await this.botFrameworkAuthentication.authenticateRequest(activity, auth);
    } catch (err) {
      if (!isRefusedToken(err)) throw err;
      this.log.warn('request refused: token not accepted', {
        reason: (err as Error).message.slice(0, 200),
        hadToken: auth.trim() !== '',
        channelId: activity.channelId,
        activityType: activity.type,
      });
      return { status: 401 };
    }
    return super.processActivity(this.clients.forRequest(authenticated), activity, logic);
  }
}

/**
 * The Bot Framework adapter. With a bot id every request's token is validated;
 * without one (local mode) nothing is, which is why the server then binds to loopback only.
 * Every call to the Bot Connector (replies in a turn, proactive posts and updates) goes
 * through ConnectorHttpClient: timed out, retried with backoff, never posted twice by us.
 */
export function createTeamsAdapter(config: Config, log: Logger, connectorRetry: Partial<ConnectorRetryOptions> = {}): TeamsAdapter {
  const metadata = config.BOT_OPENID_METADATA_URL;
  if (config.BOT_ID && metadata) log.warn('Bot Framework token keys are read from a non-default address', { url: metadata });
  const adapter = new CheckedTeamsAdapter(
    config.BOT_ID
      ? {
          MicrosoftAppId: config.BOT_ID,
          MicrosoftAppPassword: config.BOT_PASSWORD,
          MicrosoftAppType: config.BOT_TYPE,
          MicrosoftAppTenantId: config.BOT_TENANT_ID,
          ...(metadata ? { ...PUBLIC_CLOUD_ENDPOINTS, ToBotFromChannelOpenIdMetadataUrl: metadata } : {}),
        }
      : {},
    log,
    new ConnectorHttpClient(log, connectorRetry),
  );
  adapter.onTurnError = async (context, error) => {
    log.error('adapter turn error', { error: error.message, type: context.activity.type });
  };
  return adapter;
}

/** Proactive messages through the adapter, to a stored conversation reference. */
export class TeamsMessenger implements Messenger {
  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly botAppId: string,
  ) {}

  async send(conversation: ConversationRef, message: OutgoingMessage): Promise<void> {
    await this.post(conversation, message);
  }

  async post(conversation: ConversationRef, message: OutgoingMessage): Promise<{ activityId?: string }> {
    const activity = toActivity(message);
    let activityId: string | undefined;
    await this.continueConversation(conversation, async (context) => {
      // The continuation turn makes every send a reply to a made-up activity; a proactive message is a new one.
      context.onSendActivities(async (_ctx, activities, next) => {
        for (const a of activities) delete a.replyToId;
        return next();
      });
      activityId = (await context.sendActivity(activity))?.id;
    });
    return { activityId };
  }

  async update(conversation: ConversationRef, activityId: string, message: OutgoingMessage): Promise<void> {
    const activity = toActivity(message);
    await this.continueConversation(conversation, async (context) => {
      await context.updateActivity({ ...activity, id: activityId, conversation: context.activity.conversation });
    });
  }

  /**
   * The adapter hands a failure inside the continuation to its turn error handler and
   * resolves; the caller must see it instead, to retry the send or record the failure.
   */
  private async continueConversation(conversation: ConversationRef, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    let failure: { error: unknown } | undefined;
    await this.adapter.continueConversationAsync(this.botAppId, conversation as Partial<ConversationReference>, async (context) => {
      try {
        await logic(context);
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
  }
}

function toActivity(message: OutgoingMessage): Partial<Activity> {
  const activity = message.card ? MessageFactory.attachment(CardFactory.adaptiveCard(message.card)) : MessageFactory.text(message.text ?? '');
  if (message.card && message.text) activity.text = message.text;
  if (message.entities && message.entities.length > 0) activity.entities = message.entities as Activity['entities'];
  return activity;
}
