import type { AddressInfo } from 'node:net';
import type { Server } from 'restify';
import { createRuntime, type Runtime } from '../src/compose';
import { ConfigError, loadConfig } from '../src/config';
import { silentLogger } from '../src/platform/log';
import { createServer } from '../src/platform/teams/server';
import { openPglite } from '../src/platform/db/pglite';
import { TeamsMessenger, createTeamsAdapter } from '../src/platform/teams/adapter';
import { RecordingConnector } from './support/recordingConnector';
import { seedSmallDirectory } from './support/harness';

interface Running {
  url: string;
  runtime: Runtime;
  server: Server;
}

async function start(env: Record<string, string>): Promise<Running> {
  const config = loadConfig({ DEMO_DATA: 'false', ...env });
  const adapter = createTeamsAdapter(config, silentLogger);
  const runtime = await createRuntime({
    config,
    log: silentLogger,
    adapter,
    database: await openPglite(),
    seedDirectory: false,
    messenger: new TeamsMessenger(adapter, config.BOT_ID ?? ''),
  });
  await seedSmallDirectory(runtime.db);
  const server = createServer({ adapter, app: runtime.app, db: runtime.db, log: silentLogger, localMode: !config.BOT_ID });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, runtime, server };
}

async function stop(r: Running) {
  r.server.close();
  await r.runtime.close();
}

const message = (serviceUrl: string, text: string) => ({
  type: 'message',
  id: 'incoming-1',
  channelId: 'msteams',
  serviceUrl,
  text,
  locale: 'en-GB',
  from: { id: '29:user', aadObjectId: 'aad-user', name: 'Rhian' },
  recipient: { id: '28:bot', name: 'Cydweithio' },
  conversation: { id: 'a:personal-user', conversationType: 'personal', tenantId: 'tenant-1' },
  channelData: { tenant: { id: 'tenant-1' } },
});

describe('the HTTP server', () => {
  const connector = new RecordingConnector();
  let serviceUrl: string;
  beforeAll(async () => {
    serviceUrl = await connector.start();
  });
  afterAll(() => connector.stop());

  it('refuses an unsigned request with 401 when a bot id is configured', async () => {
    const r = await start({ BOT_ID: '00000000-0000-0000-0000-00000000b07', BOT_PASSWORD: 'secret' });
    try {
      const res = await fetch(`${r.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message(serviceUrl, 'help')),
      });
      expect(res.status).toBe(401);
      const forged = await fetch(`${r.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
        body: JSON.stringify(message(serviceUrl, 'help')),
      });
      expect(forged.status).toBe(401);
      expect(connector.calls).toHaveLength(0);
    } finally {
      await stop(r);
    }
  });

  it('in local mode answers a message through the Bot Connector at the serviceUrl', async () => {
    const r = await start({});
    try {
      const res = await fetch(`${r.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message(serviceUrl, 'help')),
      });
      expect(res.status).toBe(200);
      expect(connector.calls).toHaveLength(1);
      expect(connector.calls[0].path).toBe('/v3/conversations/a%3Apersonal-user/activities/incoming-1');
      expect(JSON.stringify(connector.calls[0].body)).toContain('What I can do');
    } finally {
      connector.calls.splice(0);
      await stop(r);
    }
  });

  it('sends proactive messages to a stored conversation in local mode', async () => {
    const r = await start({});
    try {
      const adapter = createTeamsAdapter(r.runtime.config, silentLogger);
      await new TeamsMessenger(adapter, '').send(
        {
          serviceUrl,
          channelId: 'msteams',
          conversation: { id: 'a:personal-user', conversationType: 'personal', tenantId: 'tenant-1' },
          bot: { id: '28:bot' },
          user: { id: '29:user' },
        },
        { text: 'Time to assess the impact' },
      );
      expect(connector.calls.map((c) => c.path)).toEqual(['/v3/conversations/a%3Apersonal-user/activities']);
      expect(connector.calls[0].body).toMatchObject({ text: 'Time to assess the impact' });
    } finally {
      connector.calls.splice(0);
      await stop(r);
    }
  });

  it('reports health with the database status, and 503 when the database is gone', async () => {
    const r = await start({});
    try {
      const ok = await fetch(`${r.url}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ status: 'ok', database: 'up', kind: 'pglite', mode: 'local' });
      await r.runtime.db.close();
      const down = await fetch(`${r.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'unavailable', database: 'down' });
    } finally {
      r.server.close();
    }
  });

  it('refuses an oversized body before the bot sees it', async () => {
    const r = await start({});
    try {
      const res = await fetch(`${r.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message(serviceUrl, 'x'.repeat(400 * 1024))),
      });
      expect(res.status).toBe(413);
      expect(connector.calls).toHaveLength(0);
    } finally {
      await stop(r);
    }
  });
});

describe('configuration', () => {
  it('uses safe defaults', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 3978,
      DATA_DIR: './data',
      DEFAULT_LOCALE: 'en',
      DEMO_DATA: true,
      IMPACT_NUDGE_DAYS: 90,
      ALLOWED_TENANT_IDS: [],
    });
  });

  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected the configuration to be refused');
  };

  it('names every bad variable', () => {
    const text = problems({ PORT: 'eighty', DATABASE_URL: 'mysql://x', DEFAULT_LOCALE: 'fr' });
    for (const name of ['PORT', 'DATABASE_URL', 'DEFAULT_LOCALE']) expect(text).toContain(name);
  });

  it('needs a password with a bot id, and a tenant for a single-tenant bot', () => {
    expect(problems({ BOT_ID: 'abc' })).toContain('BOT_PASSWORD: is required when BOT_ID is set');
    expect(problems({ BOT_ID: 'abc', BOT_PASSWORD: 'x', BOT_TYPE: 'SingleTenant' })).toContain('BOT_TENANT_ID');
  });

  it('splits the allowed tenant list', () => {
    expect(loadConfig({ ALLOWED_TENANT_IDS: ' a, b ,,c' }).ALLOWED_TENANT_IDS).toEqual(['a', 'b', 'c']);
  });
});
