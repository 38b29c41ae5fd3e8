import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import type { Server } from 'restify';
import { ManualClock } from '../../src/platform/clock';
import { createRuntime, type Runtime } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { JobRunner, QUEUES } from '../../src/platform/jobs/queue';
import { silentLogger } from '../../src/platform/log';
import { TurnGate, migrationsCurrent } from '../../src/platform/http/probes';
import { startTelemetry, type Telemetry } from '../../src/platform/telemetry/telemetry';
import { createServer } from '../../src/platform/teams/server';
import { loadMigrations } from '../../src/platform/db/migrate';
import { openPglite } from '../../src/platform/db/pglite';
import { createTeamsAdapter } from '../../src/platform/teams/adapter';
import { seedSmallDirectory } from '../support/harness';
import { drainDeliveries } from '../support/jobs';
import { RecordingConnector } from '../support/recordingConnector';
import { RecordingMessenger } from '../support/recordingMessenger';

const SCHEMA = 'pgboss';

const activity = (serviceUrl: string, id: string, partial: Record<string, unknown>) => ({
  id,
  channelId: 'msteams',
  serviceUrl,
  locale: 'en-GB',
  from: { id: '29:user', aadObjectId: 'aad-user', name: 'Rhian' },
  recipient: { id: '28:bot', name: 'Cydweithio' },
  conversation: { id: 'a:personal-user', conversationType: 'personal', tenantId: 'tenant-1' },
  channelData: { tenant: { id: 'tenant-1' } },
  ...partial,
});

/** The value of one Prometheus sample whose labels include every one given. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const body = line.slice(name.length);
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('probes, metrics and traces of the running bot', () => {
  const connector = new RecordingConnector();
  const spans = new InMemorySpanExporter();
  let serviceUrl: string;
  let telemetry: Telemetry;
  let runtime: Runtime;
  let runner: JobRunner;
  let server: Server;
  let gate: TurnGate;
  let url: string;
  const clock = new ManualClock('2026-09-07T09:00:00Z');
  const messenger = new RecordingMessenger();

  beforeAll(async () => {
    serviceUrl = await connector.start();
    const config = loadConfig({ DEMO_DATA: 'false', ALLOWED_TENANT_IDS: 'tenant-1' });
    const adapter = createTeamsAdapter(config, silentLogger);
    runtime = await createRuntime({ config, clock, log: silentLogger, adapter, database: await openPglite(), seedDirectory: false, messenger });
    await seedSmallDirectory(runtime.db);
    runner = await JobRunner.start({
      db: runtime.db,
      clock,
      log: silentLogger,
      notifications: runtime.notifications,
      dispatcher: runtime.dispatcher,
      background: false,
      schema: SCHEMA,
    });
    telemetry = startTelemetry({
      serviceName: 'cydweithio-test',
      prometheus: true,
      otlpMetrics: false,
      otlpTraces: false,
      spanExporter: spans,
      sources: { query: (text, params) => runtime.db.query(text, params), queues: Object.values(QUEUES), jobSchema: SCHEMA },
    });
    gate = new TurnGate();
    const latest = Math.max(...loadMigrations().map((m) => m.version));
    server = createServer({
      adapter,
      app: runtime.app,
      db: runtime.db,
      log: silentLogger,
      localMode: true,
      probes: {
        gate,
        readiness: { database: () => runtime.db.ping(), migrations: () => migrationsCurrent(runtime.db, latest), jobQueue: () => runner.running },
        metrics: telemetry.prometheusHandler,
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.close();
    if (runner.running) await runner.stop();
    await telemetry.shutdown();
    await runtime.close().catch(() => undefined);
    await connector.stop();
  });

  const post = (body: unknown) => fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('is live and ready with the database up, migrations applied and the job queue running', async () => {
    const live = await fetch(`${url}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'up', migrations: 'applied', jobQueue: 'running', turns: 'accepting' } });
    expect(ready.status).toBe(200);
  });

  it('counts and times turns by kind and outcome, with a span for each, and serves them at /metrics', async () => {
    spans.reset();
    expect((await post(activity(serviceUrl, 'm1', { type: 'message', text: 'help' }))).status).toBe(200);
    expect((await post(activity(serviceUrl, 'm2', { type: 'message', text: 'help' }))).status).toBe(200);
    // From a tenant that is not allowed: dropped, and counted as such.
    const outsider = activity(serviceUrl, 'm3', { type: 'message', text: 'help' });
    expect(
      (await post({ ...outsider, conversation: { ...outsider.conversation, tenantId: 'elsewhere' }, channelData: { tenant: { id: 'elsewhere' } } })).status,
    ).toBe(200);
    // A card action whose payload is not what the verb needs: a polite answer, counted as a bad payload.
    const invoke = await post(
      activity(serviceUrl, 'i1', {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'plan.open', data: { planId: 42 } }, trigger: 'manual' },
      }),
    );
    expect(invoke.status).toBe(200);

    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(sample(text, 'cydweithio_turns_total', { kind: 'message', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'cydweithio_turns_total', { kind: 'message', outcome: 'tenantRefused' })).toBe(1);
    expect(sample(text, 'cydweithio_turns_total', { kind: 'invoke', outcome: 'badPayload' })).toBe(1);
    expect(sample(text, 'cydweithio_turn_duration_count', { kind: 'message', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'cydweithio_turn_duration_bucket', { kind: 'message', outcome: 'ok', le: '15' })).toBe(2);
    // Every queue is there, empty ones at 0, so a dashboard sees a queue before it first fills.
    expect(sample(text, 'cydweithio_jobs_queued', { queue: QUEUES.deliver })).toBe(0);
    expect(sample(text, 'cydweithio_jobs_oldest_due_age', { queue: QUEUES.fadeDeliver })).toBe(0);

    const turnSpans = spans.getFinishedSpans().filter((s) => s.name === 'cydweithio.turn');
    expect(turnSpans).toHaveLength(4);
    expect(turnSpans.map((s) => s.attributes['cydweithio.turn.outcome'])).toEqual(expect.arrayContaining(['ok', 'ok', 'tenantRefused']));
  });

  it('counts card invokes by verb and refusals by action', async () => {
    // Someone else's plan: the service refuses, the bot answers politely, and the refusal is counted.
    const someoneElse = { tenantId: 'tenant-1', userId: 'aad-someone-else' };
    await runtime.users.touch({ ...someoneElse, displayName: 'Owain' });
    const theirs = await runtime.plans.create(someoneElse, 6784001);
    const res = await post(
      activity(serviceUrl, 'i2', {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'plan.open', data: { planId: theirs.id } }, trigger: 'manual' },
      }),
    );
    expect(res.status).toBe(200);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(sample(text, 'cydweithio_card_invokes_total', { verb: 'plan.open', via: 'execute' })).toBe(2);
    expect(sample(text, 'cydweithio_refusals_total', { action: 'plan.open' })).toBe(1);
    expect(sample(text, 'cydweithio_turns_total', { kind: 'invoke', outcome: 'ok' })).toBe(1);
  });

  it('shows the job queue depth, and counts and traces each delivery', async () => {
    spans.reset();
    const actor = { tenantId: 'tenant-1', userId: 'aad-user' };
    await runtime.users.touch({ ...actor, displayName: 'Rhian', personalConversation: { conversation: { id: 'a:personal-user' } } });
    const plan = await runtime.plans.create(actor, 6784001);
    let version = plan.version;
    for (const [field, text] of [
      ['focus', 'KS4 maths'],
      ['need', 'Below family'],
      ['objectives', 'Raise attainment'],
    ] as const) {
      const r = await runtime.plans.saveAnswer(actor, plan.id, version, field, { text });
      if (r.kind !== 'ok') throw new Error(r.kind);
      version = r.value.plan.version;
    }
    await runtime.plans.transition(actor, plan.id, 'supportTookPlace');
    for (const [field, text] of [
      ['provision', 'Visits'],
      ['effectiveness', 'Good'],
      ['actionPlan', 'Y7 tests'],
    ] as const) {
      const r = await runtime.plans.saveAnswer(actor, plan.id, 100, field, { text });
      if (r.kind !== 'ok') throw new Error(r.kind);
    }
    clock.advanceDays(90);
    expect(await runner.sweep()).toBe(1);
    const queued = await (await fetch(`${url}/metrics`)).text();
    expect(sample(queued, 'cydweithio_jobs_queued', { queue: QUEUES.deliver })).toBe(1);

    messenger.failNext = 1;
    expect(await drainDeliveries(runner, runtime.db, SCHEMA)).toEqual({ completed: 0, failed: 1 });
    expect(await drainDeliveries(runner, runtime.db, SCHEMA, new Date(Date.now() + 86_400_000))).toEqual({ completed: 1, failed: 0 });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(sample(text, 'cydweithio_notifications_total', { queue: QUEUES.deliver, outcome: 'retried' })).toBe(1);
    expect(sample(text, 'cydweithio_notifications_total', { queue: QUEUES.deliver, outcome: 'sent' })).toBe(1);
    expect(sample(text, 'cydweithio_jobs_queued', { queue: QUEUES.deliver })).toBe(0);
    const deliveries = spans.getFinishedSpans().filter((s) => s.name === 'cydweithio.delivery');
    expect(deliveries.map((s) => s.attributes['cydweithio.delivery.outcome'])).toEqual(['retried', 'sent']);
  });

  it('stops taking turns while draining: not ready, new turns answered 503, still live', async () => {
    expect(gate.enter()).toBe(true); // a turn in flight
    const drained = gate.drain(60_000);
    const refused = await post(activity(serviceUrl, 'm9', { type: 'message', text: 'help' }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks.turns).toBe('draining');
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    gate.leave(); // the turn in flight finishes
    await expect(drained).resolves.toBe(true);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(sample(text, 'cydweithio_turns_total', { kind: 'message', outcome: 'draining' })).toBe(1);
  });

  it('is not ready once the job queue has stopped or the database is gone, and stays live', async () => {
    await runner.stop();
    expect(((await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> }).checks.jobQueue).toBe('stopped');
    await runtime.db.close();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toMatchObject({ database: 'down', migrations: 'not applied' });
    expect((await fetch(`${url}/livez`)).status).toBe(200);
  });
});

describe('TurnGate', () => {
  it('reports a drain that ran out of time while a turn was still running', async () => {
    const gate = new TurnGate();
    gate.enter();
    await expect(gate.drain(1)).resolves.toBe(false);
    expect(gate.enter()).toBe(false);
  });
});
