import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallerIdConstants } from 'botbuilder';
import { AuthenticationConstants } from 'botframework-connector';
import type { Server } from 'restify';
import { createRuntime, type Runtime } from '../src/compose';
import { ConfigError, loadConfig } from '../src/config';
import type { Logger } from '../src/platform/log';
import { createServer } from '../src/platform/teams/server';
import { openPglite } from '../src/platform/db/pglite';
import { PUBLIC_CLOUD_ENDPOINTS, TeamsMessenger, createTeamsAdapter } from '../src/platform/teams/adapter';
import { seedSmallDirectory } from './support/harness';
import { RecordingConnector } from './support/recordingConnector';
import { BotProcess } from './support/botProcess';
import { freePort } from './support/throwawayPostgres';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Bot Framework tokens, offline: a local stand-in for login.botframework.com publishes one
 * trusted signing key (BOT_OPENID_METADATA_URL points the bot at it), so a token can be genuinely
 * valid, expired, or signed by a key the bot does not trust, and each outcome is deterministic.
 */

const BOT_ID = '0b0c0d0e-0000-4000-8000-00000000b07a';
const ISSUER = 'https://api.botframework.com';
const TRUSTED_KID = 'cydweithio-test-key';

interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}
const newKeyPair = (): KeyPair => generateKeyPairSync('rsa', { modulusLength: 2048 });
const trusted = newKeyPair();
const stranger = newKeyPair();

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');
/** A JSON Web Token, or the start of one: base64url of '{"', then a dot and more base64url. */
const JWT = /eyJ[\w-]*\.[\w-]+/;

function signToken(key: KeyPair, kid: string, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const body = b64url(JSON.stringify(claims));
  return `${head}.${body}.${b64url(sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey))}`;
}

/** The claims the Bot Connector puts in a token for this bot, valid for an hour from now. */
function channelClaims(serviceUrl: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: BOT_ID, serviceurl: serviceUrl, nbf: now - 60, iat: now - 60, exp: now + 3600, ...overrides };
}

/** A stand-in for the Bot Framework's OpenID metadata and key set, on loopback. */
class MetadataStub {
  requests: string[] = [];
  private server?: HttpServer;

  async start(): Promise<string> {
    const jwk = trusted.publicKey.export({ format: 'jwk' });
    this.server = createHttpServer((req, res) => {
      this.requests.push(req.url ?? '');
      const base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/.well-known/openidconfiguration') res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${base}/v1/keys` }));
      else if (req.url === '/v1/keys')
        res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: TRUSTED_KID, n: jwk.n, e: jwk.e, endorsements: ['msteams'] }] }));
      else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/.well-known/openidconfiguration`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

interface Running {
  url: string;
  runtime: Runtime;
  server: Server;
}

const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
const recordingLog: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields = {}) => warnings.push({ msg, fields }) };

async function start(env: Record<string, string>): Promise<Running> {
  const config = loadConfig({ DEMO_DATA: 'false', ...env });
  const adapter = createTeamsAdapter(config, recordingLog);
  const runtime = await createRuntime({
    config,
    log: recordingLog,
    adapter,
    database: await openPglite(),
    seedDirectory: false,
    messenger: new TeamsMessenger(adapter, config.BOT_ID ?? ''),
  });
  await seedSmallDirectory(runtime.db);
  const server = createServer({ adapter, app: runtime.app, db: runtime.db, log: recordingLog, localMode: !config.BOT_ID });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, runtime, server };
}

/** Pressing "Help" on a card: an invoke the bot answers in the HTTP response, so a valid token needs no outbound call. */
const helpInvoke = (serviceUrl: string) => ({
  type: 'invoke',
  name: 'adaptiveCard/action',
  id: 'invoke-1',
  channelId: 'msteams',
  serviceUrl,
  locale: 'en-GB',
  from: { id: '29:token-user', aadObjectId: 'aad-token-user', name: 'Rhian' },
  recipient: { id: `28:${BOT_ID}`, name: 'Cydweithio' },
  conversation: { id: 'a:personal-token-user', conversationType: 'personal', tenantId: 'tenant-1' },
  channelData: { tenant: { id: 'tenant-1' } },
  value: { action: { type: 'Action.Execute', verb: 'menu.help', data: {} }, trigger: 'manual' },
});

describe('Bot Framework tokens, with a bot id configured', () => {
  const connector = new RecordingConnector();
  const metadata = new MetadataStub();
  let serviceUrl: string;
  let r: Running;
  let consoleSpies: jest.SpyInstance[];

  beforeAll(async () => {
    // Spied before the adapter is made, so they stand where the real console does: what reaches them would be printed.
    consoleSpies = (['log', 'info', 'warn', 'error'] as const).map((name) => jest.spyOn(console, name).mockImplementation(() => undefined));
    serviceUrl = await connector.start();
    const metadataUrl = await metadata.start();
    r = await start({ BOT_ID, BOT_PASSWORD: 'not-used-offline', BOT_OPENID_METADATA_URL: metadataUrl });
  }, 60_000);
  afterAll(async () => {
    for (const spy of consoleSpies) spy.mockRestore();
    r.server.close();
    await r.runtime.close();
    await metadata.stop();
    await connector.stop();
  });
  beforeEach(() => {
    warnings.splice(0);
    for (const spy of consoleSpies) spy.mockClear();
  });

  const post = (token: string | null) =>
    fetch(`${r.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(helpInvoke(serviceUrl)),
    });

  const peopleStored = async () => (await r.runtime.db.query<{ n: number }>('select count(*)::int as n from users'))[0].n;
  const refusalsLogged = () => warnings.filter((w) => w.msg === 'request refused: token not accepted');

  async function expectRefused(token: string | null, reason: RegExp): Promise<void> {
    const res = await post(token);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('What I can do');
    expect(await peopleStored()).toBe(0);
    expect(connector.calls).toHaveLength(0);
    expect(refusalsLogged()).toEqual([
      {
        msg: 'request refused: token not accepted',
        fields: expect.objectContaining({ reason: expect.stringMatching(reason), channelId: 'msteams', activityType: 'invoke' }),
      },
    ]);
    // botbuilder's own prints about the token (its stack, the key) go to our log, one line each, with no token.
    for (const spy of consoleSpies) expect(spy.mock.calls).toEqual([]);
    expect(JSON.stringify(warnings)).not.toMatch(JWT);
  }

  // Order matters only for the first test: it proves the stand-in key set is really used.
  it('accepts a token signed by the published key, and answers the card action', async () => {
    const res = await post(signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl)));
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('What I can do');
    expect(metadata.requests).toEqual(['/v1/.well-known/openidconfiguration', '/v1/keys']);
    expect(await peopleStored()).toBe(1);
    await r.runtime.db.query('delete from users');
    await r.runtime.db.query('delete from bot_state');
  });

  it('refuses a request with no token', async () => {
    await expectRefused(null, /not authorized/i);
  });

  it('refuses a forged token: right claims, signed by a key the bot does not trust but naming the trusted key', async () => {
    await expectRefused(signToken(stranger, TRUSTED_KID, channelClaims(serviceUrl)), /invalid signature/);
  });

  it('refuses a forged token signed by an unknown key', async () => {
    await expectRefused(signToken(stranger, 'someone-elses-key', channelClaims(serviceUrl)), /Signing Key could not be retrieved/);
  });

  it('refuses an expired token, even one signed by the trusted key', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl, { iat: now - 7200, nbf: now - 7200, exp: now - 600 })), /expired/);
  });

  it('refuses a token that is not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl, { nbf: now + 900 })), /not active/);
  });

  it('refuses a genuine token meant for another bot, or for another service URL', async () => {
    await expectRefused(signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl, { aud: 'another-bot' })), /Invalid AppId/);
    warnings.splice(0);
    await expectRefused(signToken(trusted, TRUSTED_KID, channelClaims('https://smba.attacker.example/')), /ServiceUrl claim/);
  });

  it('refuses a token from an issuer other than the Bot Framework, and an unsigned one', async () => {
    await expectRefused(signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl, { iss: 'https://sts.attacker.example/' })), /No valid identity/);
    warnings.splice(0);
    await expectRefused(`${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(JSON.stringify(channelClaims(serviceUrl)))}.`, /./);
  });
});

describe('the built bot as its own process, configured with a bot id from the environment', () => {
  const connector = new RecordingConnector();
  const metadata = new MetadataStub();
  const dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-auth-'));
  let serviceUrl: string;
  let bot: BotProcess;

  beforeAll(async () => {
    serviceUrl = await connector.start();
    const metadataUrl = await metadata.start();
    bot = new BotProcess(
      await freePort(),
      { BOT_ID, BOT_PASSWORD: 'not-used-offline', BOT_OPENID_METADATA_URL: metadataUrl, DATA_DIR: dataDir, DEMO_DATA: 'false', LOG_LEVEL: 'info' },
      'auth-process',
    );
    await bot.start();
  }, 90_000);
  afterAll(async () => {
    await bot?.kill('SIGTERM');
    await metadata.stop();
    await connector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (token: string | null) =>
    fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(helpInvoke(serviceUrl)),
    });

  it('is not in local mode, refuses no token, a forged one and an expired one with 401, and answers a genuine one', async () => {
    expect(bot.logTail(200)).not.toContain('LOCAL MODE');
    for (const token of [
      null,
      signToken(stranger, TRUSTED_KID, channelClaims(serviceUrl)),
      signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl, { exp: Math.floor(Date.now() / 1000) - 600 })),
    ]) {
      const res = await post(token);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain('What I can do');
    }
    expect(bot.logTail(200).match(/request refused: token not accepted/g)).toHaveLength(3);
    const res = await post(signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl)));
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('What I can do');
    expect(connector.calls).toHaveLength(0);
  });

  it("prints no token and nothing of botbuilder's own for refused tokens: only our log lines", async () => {
    const now = Math.floor(Date.now() / 1000);
    const refused = [
      null,
      signToken(stranger, TRUSTED_KID, channelClaims(serviceUrl)),
      signToken(stranger, 'someone-elses-key', channelClaims(serviceUrl)),
      signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl, { iat: now - 7200, nbf: now - 7200, exp: now - 600 })),
      signToken(trusted, TRUSTED_KID, channelClaims(serviceUrl, { nbf: now + 900 })),
      signToken(trusted, TRUSTED_KID, channelClaims('https://smba.attacker.example/')),
    ];
    const refusals = () => bot.logTail(100_000).match(/request refused: token not accepted/g)?.length ?? 0;
    const before = refusals();
    // All at once, as botbuilder's output is routed per request.
    const statuses = await Promise.all(refused.map(async (token) => (await post(token)).status));
    expect(statuses).toEqual(refused.map(() => 401));
    expect(refusals()).toBe(before + refused.length); // our own line for each is still there

    const output = bot.logTail(100_000);
    expect(output).not.toMatch(JWT);
    // Every line is one of our JSON log lines, or Node's own warning about a deprecated API a dependency uses.
    const notOurs = output.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{"') && !/^\(node:\d+\) |^\(Use `node --trace-/.test(line));
    expect(notOurs).toEqual([]);
  });
});

describe('the OpenID metadata setting', () => {
  it('passes botbuilder the public cloud endpoints it would use by itself', () => {
    expect(PUBLIC_CLOUD_ENDPOINTS).toEqual({
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
    });
  });

  it('accepts https, or plain http only on this machine', () => {
    expect(loadConfig({ BOT_OPENID_METADATA_URL: 'https://login.example.gov/v1/.well-known/openidconfiguration' }).BOT_OPENID_METADATA_URL).toContain(
      'https://',
    );
    expect(loadConfig({ BOT_OPENID_METADATA_URL: 'http://127.0.0.1:9999/x' }).BOT_OPENID_METADATA_URL).toBe('http://127.0.0.1:9999/x');
    expect(loadConfig({ BOT_OPENID_METADATA_URL: '' }).BOT_OPENID_METADATA_URL).toBeUndefined();
    for (const bad of ['http://keys.attacker.example/', 'http://127.0.0.1.attacker.example/', 'ftp://x/', 'not a url']) {
      expect(() => loadConfig({ BOT_OPENID_METADATA_URL: bad })).toThrow(ConfigError);
    }
  });
});
