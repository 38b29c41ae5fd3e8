import {
  AuthenticationConstants,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkAuthentication,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import { BoundedCache } from '../boundedCache';

/** Service URLs are one per Teams region, audiences one per cloud: a handful in practice, bounded against made-up ones. */
const MAX_CONNECTOR_CLIENTS = 64;
/** One per app id the channel's tokens name: ours. */
const MAX_USER_TOKEN_CLIENTS = 8;

/** The app id botbuilder builds a turn's clients for: the token's audience, or its appid claim (empty when not authenticated). */
function appIdOf(claims: ClaimsIdentity): string {
  return claims.getClaimValue(AuthenticationConstants.AudienceClaim) ?? claims.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

/** Keeps a settled promise, drops a failed one so the next caller tries again. */
function remembered<T>(cache: BoundedCache<string, Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
  const known = cache.get(key);
  if (known) return known;
  const made = create();
  cache.set(key, made);
  made.catch(() => cache.delete(key));
  return made;
}

/**
 * botbuilder makes a new ConnectorClient and a new UserTokenClient for every incoming activity, each with a
 * fresh HTTP pipeline of a dozen policies: about a third of a millisecond of main-thread CPU a turn, paid even
 * by a card action that sends nothing. Neither holds anything of the turn (only the app's credentials, the
 * service URL and the options the adapter was built with), so one of each is kept per app id, service URL and
 * audience, and turns share them. (A turn names the audience and a proactive send leaves it to the factory's
 * default, which is the same; they are kept apart all the same, as only the factory knows its default.)
 */
export class ReusedClients {
  private readonly connectors = new BoundedCache<string, Promise<ConnectorClient>>(MAX_CONNECTOR_CLIENTS);
  private readonly userTokenClients = new BoundedCache<string, Promise<UserTokenClient>>(MAX_USER_TOKEN_CLIENTS);

  /** The authentication result with a connector factory that hands out kept clients. */
  forRequest(result: AuthenticateRequestResult): AuthenticateRequestResult {
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: new KeptConnectorFactory(result.connectorFactory, appIdOf(result.claimsIdentity), this.connectors) };
  }

  /**
   * Makes `auth` hand out kept clients where the adapter asks it for them: a user-token client on every turn,
   * and a connector factory for every proactive send.
   */
  shareClientsOf(auth: BotFrameworkAuthentication): void {
    // The adapter builds its authentication object itself and offers no other way in, so its two factory methods are wrapped.
    const createUserTokenClient = auth.createUserTokenClient.bind(auth);
    const createConnectorFactory = auth.createConnectorFactory.bind(auth);
    auth.createUserTokenClient = (claims: ClaimsIdentity) => remembered(this.userTokenClients, appIdOf(claims), () => createUserTokenClient(claims));
    auth.createConnectorFactory = (claims: ClaimsIdentity) => new KeptConnectorFactory(createConnectorFactory(claims), appIdOf(claims), this.connectors);
  }
}

/** The request's own factory, asked only for a client this process has not made yet. */
class KeptConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly appId: string,
    private readonly clients: BoundedCache<string, Promise<ConnectorClient>>,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    const key = JSON.stringify([this.appId, serviceUrl, audience ?? null]);
    return remembered(this.clients, key, () => this.inner.create(serviceUrl, audience));
  }
}
