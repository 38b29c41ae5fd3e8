/**
 * Fault: the Bot Connector answers 429, 500, 503, or not at all. The real server and
 * adapter run in this process and talk HTTP to a recording connector that answers as
 * scripted. Replies in a turn and proactive sends are retried with backoff (honouring
 * Retry-After within a bounded window), the user's turn always completes, and nothing is
 * posted twice: a new message whose answer never came is not sent again.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Socket, type AddressInfo } from 'node:net';
import type { Server } from 'restify';
import { ManualClock } from '../../src/platform/clock';
import { createRuntime, type Runtime } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger, type Logger } from '../../src/platform/log';
import { createServer } from '../../src/platform/teams/server';
import { ChannelSendError, ChannelSender } from '../../src/platform/teams/channelSender';
import { DeliveryUnconfirmedError } from '../../src/platform/teams/messenger';
import { impactNudgeKey } from '../../src/features/plans/service';
import { openPglite } from '../../src/platform/db/pglite';
import { TeamsMessenger, createTeamsAdapter } from '../../src/platform/teams/adapter';
import { ConnectorHttpClient, headersFrom, type ConnectorRequest, type ConnectorRetryOptions } from '../../src/platform/teams/connectorHttp';
import { executeActivity, personalActivity } from '../support/botProcess';
import { seedSmallDirectory } from '../support/harness';
import { RecordingConnector, type ScriptedAnswer } from '../support/recordingConnector';
import { freePort } from '../support/throwawayPostgres';

/** Short, so the test is quick; an answer on loopback takes milliseconds, so 1.5 s is never hit by accident. */
const RETRY: Partial<ConnectorRetryOptions> = { attemptTimeoutMs: 1_500, baseDelayMs: 20, maxDelayMs: 200, retryWindowMs: 2_500, maxAttempts: 4 };

const connector = new RecordingConnector();
let serviceUrl: string;
let url: string;
let runtime: Runtime;
let server: Server;
let messenger: TeamsMessenger;
const clock = new ManualClock('2026-09-07T09:00:00Z');

beforeAll(async () => {
  serviceUrl = await connector.start();
  const config = loadConfig({ DEMO_DATA: 'false' });
  const adapter = createTeamsAdapter(config, silentLogger, RETRY);
  messenger = new TeamsMessenger(adapter, '');
  runtime = await createRuntime({ config, clock, log: silentLogger, adapter, database: await openPglite(), seedDirectory: false, messenger });
  await seedSmallDirectory(runtime.db);
  server = createServer({ adapter, app: runtime.app, db: runtime.db, log: silentLogger, localMode: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await connector.stop();
  await runtime.close();
});

beforeEach(() => connector.reset());

async function post(activity: unknown): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  return { status: res.status, body: await res.text(), ms: Date.now() - started };
}

const help = (user = 'rhian', text = 'help') => post(personalActivity(user, serviceUrl, { type: 'message', id: `in-${user}`, text }));
const answers = () => connector.arrivals.map((a) => a.answer);
const personalRef = (user: string) => ({
  serviceUrl,
  channelId: 'msteams',
  conversation: { id: `a:${user}`, conversationType: 'personal', tenantId: 'fault-tenant' },
  bot: { id: '28:bot' },
  user: { id: `29:${user}` },
});

describe('a reply within a user turn', () => {
  it.each<[string, ScriptedAnswer[]]>([
    ['429 then 500 then 503', [{ status: 429 }, { status: 500 }, { status: 503 }]],
    ['503 with Retry-After', [{ status: 503, retryAfterSeconds: 0 }]],
    ['429 with no Retry-After (botbuilder alone would drop the reply)', [{ status: 429 }]],
  ])('is retried after %s and posted once', async (_name, script) => {
    connector.script = [...script];
    const r = await help();
    expect(r.status).toBe(200);
    expect(answers()).toEqual([...script.map((s) => ('status' in s ? s.status : 'drop')), 200]);
    expect(connector.calls).toHaveLength(1);
    expect(connector.calls[0].path).toBe('/v3/conversations/a%3Arhian/activities/in-rhian');
    expect(JSON.stringify(connector.calls[0].body)).toContain('What I can do');
  });

  it('waits as long as Retry-After asks', async () => {
    connector.script = [{ status: 429, retryAfterSeconds: 1 }];
    const r = await help();
    expect(r.status).toBe(200);
    expect(connector.calls).toHaveLength(1);
    const [throttled, accepted] = connector.arrivals;
    expect(accepted.at - throttled.at).toBeGreaterThanOrEqual(1_000);
  });

  it('does not hold the turn for a Retry-After beyond the retry window, and does not retry for ever', async () => {
    connector.script = [{ status: 429, retryAfterSeconds: 3600 }];
    const throttled = await help();
    expect(throttled.status).toBe(200);
    expect(answers()).toEqual([429]); // given up at once: an hour is far beyond the window
    expect(connector.calls).toHaveLength(0);

    connector.reset();
    connector.script = Array.from({ length: 10 }, () => ({ status: 503 }));
    const unavailable = await help();
    expect(unavailable.status).toBe(200);
    expect(answers()).toEqual([503, 503, 503, 503]); // maxAttempts
    expect(unavailable.ms).toBeLessThan(RETRY.retryWindowMs! + RETRY.attemptTimeoutMs!);
    connector.script = [];

    // The bot is fine afterwards.
    connector.reset();
    expect((await help()).status).toBe(200);
    expect(connector.calls).toHaveLength(1);
  });

  it('completes the turn when the connector takes the reply but never answers, and does not post it again', async () => {
    connector.script = [{ hang: true }];
    const r = await help();
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(RETRY.attemptTimeoutMs!);
    expect(answers()).toEqual(['hang']);
    expect(connector.calls).toHaveLength(1); // the one the connector took; no second copy
  });

  it('completes the turn when the connection is closed after the reply went out, and does not post it again', async () => {
    connector.script = [{ drop: true }];
    const r = await help();
    expect(r.status).toBe(200);
    expect(answers()).toEqual(['drop']); // the bot cannot tell whether the connector posted it
  });

  it('waits for a slow answer that comes within the timeout, without a second copy', async () => {
    connector.script = [{ answerAfterMs: 200 }];
    const r = await help();
    expect(r.status).toBe(200);
    expect(answers()).toEqual(['late']);
    expect(connector.calls).toHaveLength(1);
  });

  it('answers an Action.Execute in the HTTP response, never through the connector', async () => {
    connector.script = [{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }];
    const r = await post(personalActivity('gwen', serviceUrl, executeActivity('onboard.confirm', { schoolId: '6784001', role: 'headteacher', query: '' })));
    expect(r.status).toBe(200);
    expect(r.body).toContain('Cwmbran High School');
    expect(connector.arrivals).toHaveLength(0);
    connector.script = [];
  });
});

describe('a proactive send', () => {
  it('is retried after 503 and 429, and posted once', async () => {
    connector.script = [{ status: 503 }, { status: 429, retryAfterSeconds: 0 }];
    const { activityId } = await messenger.post(personalRef('sian'), { text: 'Time to assess the impact' });
    expect(activityId).toMatch(/^activity-\d+$/);
    expect(answers()).toEqual([503, 429, 200]);
    expect(connector.calls.map((c) => c.body.text)).toEqual(['Time to assess the impact']);
  });

  it('is not resent when the connector took it and never answered', async () => {
    connector.script = [{ hang: true }];
    await expect(messenger.post(personalRef('sian'), { text: 'Reminder' })).rejects.toBeInstanceOf(DeliveryUnconfirmedError);
    expect(answers()).toEqual(['hang']);
    expect(connector.calls).toHaveLength(1);
  });

  it('is not resent when the connection is closed after it went out', async () => {
    connector.script = [{ drop: true }];
    await expect(messenger.post(personalRef('sian'), { text: 'Reminder' })).rejects.toBeInstanceOf(DeliveryUnconfirmedError);
    expect(answers()).toEqual(['drop']);
  });

  it('retries an update (safe to repeat) when the connection is closed with no answer', async () => {
    connector.script = [{ drop: true }];
    await messenger.update(personalRef('sian'), 'activity-7', { text: 'Updated card' });
    expect(answers()).toEqual(['drop', 200]);
  });

  it('retries an update (safe to repeat) when the answer never came', async () => {
    connector.script = [{ hang: true }];
    await messenger.update(personalRef('sian'), 'activity-7', { text: 'Updated card' });
    expect(answers()).toEqual(['hang', 200]);
    // The same message replaced twice with the same content: still one message.
    expect(connector.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'PUT /v3/conversations/a%3Asian/activities/activity-7',
      'PUT /v3/conversations/a%3Asian/activities/activity-7',
    ]);
  });

  it('gives up with the status and Retry-After when the wait is beyond its window, for the caller to wait out', async () => {
    connector.script = [{ status: 429, retryAfterSeconds: 120 }];
    const error = await messenger.post(personalRef('sian'), { text: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 120_000 });

    // The FADE sender waits it out (its sleep is injected here) and posts once.
    connector.reset();
    connector.script = [{ status: 429, retryAfterSeconds: 120 }];
    const waits: number[] = [];
    const sender = new ChannelSender({ transport: messenger, sleep: async (ms) => void waits.push(ms) });
    const outcome = await sender.post(personalRef('cluster-channel'), { text: 'FADE reminder' });
    expect(outcome).toMatchObject({ ok: true, attempts: 2, throttled: 1 });
    expect(waits).toContain(120_000);
    expect(connector.calls).toHaveLength(1);

    // ... and does not send again a message whose answer never came.
    connector.reset();
    connector.script = [{ hang: true }];
    const unconfirmed = await sender.post(personalRef('cluster-channel'), { text: 'FADE reminder 2' });
    expect(unconfirmed).toMatchObject({ ok: true, unconfirmed: true, attempts: 1 });
    expect(connector.calls).toHaveLength(1);

    // ... nor one whose connection was closed after it went out.
    connector.reset();
    connector.script = [{ drop: true }];
    expect(await sender.post(personalRef('cluster-channel'), { text: 'FADE reminder 3' })).toMatchObject({ ok: true, unconfirmed: true, attempts: 1 });
    expect(answers()).toEqual(['drop']);
  });

  it('delivers an impact nudge once whatever the connector does', async () => {
    // A head with a plan, through the bot as Teams would send it.
    const r = await post(personalActivity('nia', serviceUrl, executeActivity('onboard.confirm', { schoolId: '6784001', role: 'headteacher', query: '' })));
    const planId = /"planId":"([0-9a-f-]{36})"/.exec(r.body)![1];
    const schedule = (key: string) =>
      runtime.notifications.schedule({
        kind: 'impactNudge',
        dedupeKey: key,
        tenantId: 'fault-tenant',
        recipientId: 'nia',
        subjectId: planId,
        dueAt: clock.now(),
      });

    // Unavailable beyond the client's retries: handed back to be retried later, then sent once.
    await schedule(impactNudgeKey(planId));
    connector.script = Array.from({ length: 4 }, () => ({ status: 503 }));
    expect(await runtime.dispatcher.deliverDue()).toMatchObject({ sent: 0, retry: 1 });
    expect(await runtime.dispatcher.deliverDue()).toMatchObject({ sent: 1 });
    expect(await runtime.dispatcher.deliverDue()).toMatchObject({ sent: 0, retry: 0 });
    expect(connector.calls).toHaveLength(1);
    expect(JSON.stringify(connector.calls[0].body)).toContain('Time to assess the impact');

    // Taken by the connector but never answered: counted as sent, never posted twice.
    connector.reset();
    await schedule(`${impactNudgeKey(planId)}:second`);
    connector.script = [{ hang: true }];
    expect(await runtime.dispatcher.deliverDue()).toMatchObject({ sent: 1, retry: 0 });
    expect(await runtime.dispatcher.deliverDue()).toMatchObject({ sent: 0, retry: 0 });
    expect(connector.calls).toHaveLength(1);

    // The same when the connection was closed after the nudge went out: not handed back for a retry.
    connector.reset();
    await schedule(`${impactNudgeKey(planId)}:third`);
    connector.script = [{ drop: true }];
    expect(await runtime.dispatcher.deliverDue()).toMatchObject({ sent: 1, retry: 0 });
    expect(await runtime.dispatcher.deliverDue()).toMatchObject({ sent: 0, retry: 0 });
    expect(answers()).toEqual(['drop']);
  });
});

describe('the HTTP client under the connector client, when a connection fails before any answer', () => {
  const logged: string[] = [];
  const log: Logger = { debug() {}, info: (msg) => void logged.push(msg), warn: (msg) => void logged.push(msg), error: (msg) => void logged.push(msg) };
  const client = new ConnectorHttpClient(log, RETRY);
  const request = (method: string, base: string, path: string): ConnectorRequest => ({
    url: `${base}${path}`,
    method,
    headers: headersFrom([['content-type', 'application/json']]),
    body: { type: 'message', text: 'Time to assess the impact' },
  });
  beforeEach(() => logged.splice(0));

  it('does not send a new message again when the connection is closed after the connector read all of it', async () => {
    connector.script = [{ drop: true }]; // reads the whole body, counts it, closes the socket unanswered
    await expect(client.sendRequest(request('POST', serviceUrl, 'v3/conversations/a%3Asian/activities'))).rejects.toBeInstanceOf(DeliveryUnconfirmedError);
    expect(connector.arrivals.map((a) => `${a.method} ${a.answer}`)).toEqual(['POST drop']);
    expect(logged).toEqual(['Bot Connector send unconfirmed; not resent to avoid a duplicate']);
  });

  it('retries a new message when the connection was refused: nothing reached the service', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/`;
    const error = await client.sendRequest(request('POST', closed, 'v3/conversations/a%3Asian/activities')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect((error as Error).message).toMatch(/ECONNREFUSED \(4 attempts\)$/);
    expect(logged).toEqual([...Array.from({ length: 3 }, () => 'Bot Connector send retried'), 'Bot Connector send failed']);
  });

  it('retries a new message whose connection never opened within the timeout: nothing reached the service', async () => {
    // An agent whose connections stay "connecting" for ever, as when the service's address does not answer.
    const neverConnects = new http.Agent();
    (neverConnects as unknown as { createConnection: () => Socket }).createConnection = () => Object.assign(new Socket(), { connecting: true });
    const stuck = new ConnectorHttpClient(log, { ...RETRY, attemptTimeoutMs: 50, maxAttempts: 3 }, Math.random, {
      http: neverConnects,
      https: new https.Agent(),
    });
    const error = await stuck.sendRequest(request('POST', serviceUrl, 'v3/conversations/a%3Asian/activities')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect((error as Error).message).toMatch(/connect timeout \(3 attempts\)$/);
    expect(logged).toEqual(['Bot Connector send retried', 'Bot Connector send retried', 'Bot Connector send failed']);
    expect(connector.arrivals).toHaveLength(0);
  });

  it('retries an update when the connection is closed with no answer', async () => {
    connector.script = [{ drop: true }];
    const response = await client.sendRequest(request('PUT', serviceUrl, 'v3/conversations/a%3Asian/activities/activity-7'));
    expect(response.status).toBe(200);
    expect(connector.arrivals.map((a) => `${a.method} ${a.answer}`)).toEqual(['PUT drop', 'PUT 200']);
  });
});
