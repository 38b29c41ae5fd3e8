/**
 * FADE fan-out: one reminder to 300 cluster channels, through the real path (cycle in
 * the database → scheduled notifications → the sweep claims them into pg-boss → the
 * fan-out batch → FadeReminderService → the paced ChannelSender → HTTP), against a fake Bot
 * Connector on 127.0.0.1 that ENFORCES Teams' limits (per conversation 7/s and 60/30 s,
 * per app per tenant 50/s, counted on arrival; over the limit → 429 Retry-After: 1)
 * and also answers some requests with 429 (Retry-After: 1) and 503 on purpose.
 *
 *   npm run bench:fanout                   # 300 channels
 *   BENCH_CHANNELS=600 npm run bench:fanout
 *
 * Passes (exit 0) when every channel got exactly one reminder (none lost, none
 * duplicated), the connector never had to refuse us for exceeding a limit, and the
 * whole fan-out took at most 1.2× the time the limits allow (channels / 50 per second).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type PgBoss from 'pg-boss';
import { ManualClock } from '../src/platform/clock';
import { createRuntime } from '../src/compose';
import { loadConfig } from '../src/config';
import { JobRunner, QUEUES } from '../src/platform/jobs/queue';
import { silentLogger } from '../src/platform/log';
import { ChannelSendError, TEAMS_LIMITS, parseRetryAfter } from '../src/platform/teams/channelSender';
import type { ConversationRef, Messenger, OutgoingMessage } from '../src/platform/teams/messenger';
import { migrate } from '../src/platform/db/migrate';
import { wrapPglite } from '../src/platform/db/pglite';

const CHANNELS = Number(process.env.BENCH_CHANNELS ?? 300);
const TENANT = 'bench-tenant';
/** Every FAULT_429th request is answered 429 (Retry-After: 1), every FAULT_503th 503, whatever the load. */
const FAULT_429 = Number(process.env.BENCH_FAULT_429 ?? 23);
const FAULT_503 = Number(process.env.BENCH_FAULT_503 ?? 37);

class Window {
  private readonly stamps: number[] = [];
  constructor(
    readonly limit: number,
    readonly ms: number,
  ) {}
  /** Records an arrival; false when it is over the limit. */
  admit(now: number): boolean {
    while (this.stamps.length > 0 && this.stamps[0] <= now - this.ms) this.stamps.shift();
    this.stamps.push(now);
    return this.stamps.length <= this.limit;
  }
}

/**
 * The fake Bot Connector: enforces the limits on arrival, injects faults, records accepted posts.
 * It runs in its own worker thread, so its clock of arrivals is not held up by the bot's event loop
 * (the embedded database runs on the bot's thread), just as Teams' is not.
 */
class LimitingConnector {
  readonly accepted = new Map<string, number>();
  requests = 0;
  firstAt = 0;
  lastAt = 0;
  refusedForLimits = 0;
  injected429 = 0;
  injected503 = 0;
  private readonly tenant = new Window(50, 1000);
  private readonly conversations = new Map<string, Window[]>();
  private server?: Server;
  private counter = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => {
      const now = performance.now();
      const n = ++this.requests;
      if (n === 1) this.firstAt = Date.now();
      this.lastAt = Date.now();
      const match = /^\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      const conversationId = decodeURIComponent(match?.[1] ?? '');
      let windows = this.conversations.get(conversationId);
      if (!windows) this.conversations.set(conversationId, (windows = [new Window(7, 1000), new Window(60, 30_000)]));
      // Every arrival counts against the limits, refused or not, as Teams counts them.
      const withinTenant = this.tenant.admit(now);
      const withinConversation = windows.map((w) => w.admit(now)).every(Boolean);
      if (!withinTenant || !withinConversation) {
        this.refusedForLimits++;
        res.writeHead(429, { 'Retry-After': '1' }).end();
        return;
      }
      if (n % FAULT_429 === 0) {
        this.injected429++;
        res.writeHead(429, { 'Retry-After': '1' }).end();
        return;
      }
      if (n % FAULT_503 === 0) {
        this.injected503++;
        res.writeHead(503).end();
        return;
      }
      this.accepted.set(conversationId, (this.accepted.get(conversationId) ?? 0) + 1);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: `activity-${++this.counter}` }));
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The Bot Connector REST calls the Teams adapter makes, over plain HTTP (loopback: no tokens in local mode). */
class HttpMessenger implements Messenger {
  async send(conversation: ConversationRef, message: OutgoingMessage): Promise<void> {
    await this.post(conversation, message);
  }
  async post(conversation: ConversationRef, message: OutgoingMessage): Promise<{ activityId?: string }> {
    const res = await this.call('POST', conversation, '', message);
    return { activityId: ((await res.json()) as { id?: string }).id };
  }
  async update(conversation: ConversationRef, activityId: string, message: OutgoingMessage): Promise<void> {
    await (await this.call('PUT', conversation, `/${encodeURIComponent(activityId)}`, message)).arrayBuffer();
  }
  private async call(method: string, conversation: ConversationRef, suffix: string, message: OutgoingMessage): Promise<Response> {
    const id = (conversation.conversation as { id: string }).id;
    const body = {
      type: 'message',
      text: message.text,
      entities: message.entities,
      attachments: message.card ? [{ contentType: 'application/vnd.microsoft.card.adaptive', content: message.card }] : undefined,
    };
    const res = await fetch(`${String(conversation.serviceUrl)}v3/conversations/${encodeURIComponent(id)}/activities${suffix}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      await res.arrayBuffer();
      throw new ChannelSendError(`HTTP ${res.status}`, res.status, parseRetryAfter(res.headers.get('retry-after')));
    }
    return res;
  }
}

interface ConnectorStats {
  accepted: [string, number][];
  requests: number;
  firstAt: number;
  lastAt: number;
  refusedForLimits: number;
  injected429: number;
  injected503: number;
}

/** Starts the fake connector in a worker thread; stats() asks it what it saw. */
async function startConnectorThread(): Promise<{ url: string; stats(): Promise<ConnectorStats>; stop(): Promise<void> }> {
  const worker = new Worker(__filename);
  const next = <T>() => new Promise<T>((resolve) => worker.once('message', resolve));
  const url = await next<string>();
  return {
    url,
    async stats() {
      worker.postMessage('stats');
      return next<ConnectorStats>();
    },
    async stop() {
      await worker.terminate();
    },
  };
}

async function connectorThread(): Promise<void> {
  const connector = new LimitingConnector();
  const url = await connector.start();
  parentPort!.on('message', (m) => {
    if (m === 'stats') {
      const stats: ConnectorStats = {
        accepted: [...connector.accepted.entries()],
        requests: connector.requests,
        firstAt: connector.firstAt,
        lastAt: connector.lastAt,
        refusedForLimits: connector.refusedForLimits,
        injected429: connector.injected429,
        injected503: connector.injected503,
      };
      parentPort!.postMessage(stats);
    }
  });
  parentPort!.postMessage(url);
}

async function main(): Promise<void> {
  if (!Number.isInteger(CHANNELS) || CHANNELS < 1 || CHANNELS > 5000) throw new Error('BENCH_CHANNELS must be 1..5000');
  const thread = await startConnectorThread();
  const serviceUrl = thread.url;

  const pg = new PGlite();
  await pg.waitReady;
  const db = wrapPglite(pg);
  await migrate(db);
  await db.exec(`insert into local_authorities (code, name_en, name_cy, consortium) values (678, 'Torfaen', 'Tor-faen', 'EAS');`);
  for (let i = 1; i <= CHANNELS; i++) {
    await db.query(`insert into clusters (id, name, la_code, lead_school_id, language) values ($1, $2, 678, null, $3)`, [
      i,
      `Cluster ${i}`,
      i % 3 === 0 ? 'both' : i % 3 === 1 ? 'en' : 'cy',
    ]);
    const conversationId = `19:bench-${i}@thread.tacv2`;
    await db.query(
      `insert into fade_conversations (conversation_id, tenant_id, team_id, kind, name, reference, cluster_id) values ($1, $2, $3, 'channel', $4, $5, $6)`,
      [
        conversationId,
        TENANT,
        `19:team-${i}@thread.tacv2`,
        `Cluster ${i}`,
        JSON.stringify({ serviceUrl, channelId: 'msteams', conversation: { id: conversationId, tenantId: TENANT, conversationType: 'channel' } }),
        i,
      ],
    );
  }

  const clock = new ManualClock('2026-11-01T09:00:00Z');
  const runtime = await createRuntime({
    config: loadConfig({ DEMO_DATA: 'false', ADMIN_USER_IDS: 'bench-admin', LOG_LEVEL: 'error' }),
    clock,
    log: silentLogger,
    messenger: new HttpMessenger(),
    database: db,
    seedDirectory: false,
  });
  const set = await runtime.fade.cycles.defineCycle(
    { tenantId: TENANT, userId: 'bench-admin' },
    { name: '2026/27', rounds: [{ name: 'interim', deadline: '2026-12-11' }], offsets: [-14, -3, 0, 5] },
  );
  if (set.kind !== 'ok') throw new Error(`cycle refused: ${set.key}`);
  const runner = await JobRunner.start({
    db,
    clock,
    log: silentLogger,
    notifications: runtime.notifications,
    dispatcher: runtime.dispatcher,
    background: false,
    schema: 'pgboss_bench',
  });

  clock.set('2026-11-23T09:00:00Z'); // the "14 working days before" reminder is due for every cluster
  const started = performance.now();
  const startedAt = Date.now();
  const claimed = await runner.sweep(CHANNELS * 2);
  const sweptAt = Date.now();
  let completed = 0;
  let failed = 0;
  for (let pass = 0; pass < 50 && completed < claimed; pass++) {
    await db.query(`update pgboss_bench.job set start_after = now() - interval '1 millisecond' where name = $1 and state in ('created', 'retry')`, [
      QUEUES.fadeDeliver,
    ]);
    const jobs = (await runner.boss.fetch(QUEUES.fadeDeliver, { batchSize: CHANNELS * 2, includeMetadata: true })) as PgBoss.JobWithMetadata<{
      notificationId: string;
    }>[];
    if (jobs.length === 0) break;
    const r = await runner.deliverBatch(QUEUES.fadeDeliver, jobs);
    completed += r.completed;
    failed += r.failed;
  }
  const seconds = (performance.now() - started) / 1000;

  const connector = await thread.stats();
  const counts = connector.accepted.map(([, n]) => n);
  const lost = CHANNELS - connector.accepted.length;
  const duplicated = counts.filter((c) => c > 1).length;
  const sent = (await db.query<{ n: number }>(`select count(*)::int as n from scheduled_notifications where kind = 'fadeReminder' and status = 'sent'`))[0].n;
  const allowed = CHANNELS / TEAMS_LIMITS.perTenant[0].limit;
  const budget = 1.2 * allowed;
  const pass = lost === 0 && duplicated === 0 && sent === CHANNELS && connector.refusedForLimits === 0 && seconds <= budget;

  const row = {
    date: new Date().toISOString().slice(0, 16).replace('T', ' '),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}`,
    node: process.version,
    channels: CHANNELS,
    requests: connector.requests,
    injected429: connector.injected429,
    injected503: connector.injected503,
    refusedForLimits: connector.refusedForLimits,
    lost,
    duplicated,
    jobFailures: failed,
    seconds: Number(seconds.toFixed(2)),
    sweepSeconds: (sweptAt - startedAt) / 1000,
    firstRequestAfter: (connector.firstAt - startedAt) / 1000,
    lastRequestAfter: (connector.lastAt - startedAt) / 1000,
    allowedSeconds: allowed,
    ratio: Number((seconds / allowed).toFixed(3)),
  };
  process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
  process.stdout.write(
    `| ${row.date} | ${row.machine} | ${row.node} | ${row.channels} | ${row.requests} | ${row.injected429} / ${row.injected503} | ${row.refusedForLimits} | ${row.lost} / ${row.duplicated} | ${row.seconds} s | ${row.allowedSeconds} s | ${row.ratio} | ${pass ? 'pass' : 'FAIL'} |\n`,
  );

  await runner.stop();
  await pg.close();
  await thread.stop();
  process.exit(pass ? 0 : 1);
}

(isMainThread ? main() : connectorThread()).catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
