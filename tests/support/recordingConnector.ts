import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
  authorization?: string;
  /** The activity id the connector gave it (once it answered). */
  activityId?: string;
}

/**
 * How the connector answers one request:
 * - a status (429, 500, 503...): refused, nothing posted;
 * - `hang`: the activity is posted (recorded in `calls`) but the answer never comes, as
 *   when the service is slow or the network drops the reply;
 * - `answerAfterMs`: posted, and answered 200 that much later;
 * - `drop`: the whole request is read, then the connection is closed with no answer and
 *   nothing posted, as when a load balancer closes a kept-alive connection just as a request
 *   goes out on it (the bot cannot tell this from a reply lost after the message was posted);
 * - `hold`: nothing is posted and no answer comes until `dropHeld()` closes the connection,
 *   as when the service has not yet acted on a request when the sender dies;
 * - `ok`: answered normally (so a script can let some requests through before the others).
 */
export type ScriptedAnswer =
  { status: number; retryAfterSeconds?: number } | { hang: true } | { answerAfterMs: number } | { drop: true } | { hold: true } | { ok: true };

/** Every request that reached the connector, scripted or not, with when it came (ms since the epoch). */
export interface Arrival {
  at: number;
  method: string;
  path: string;
  answer: number | 'hang' | 'late' | 'drop' | 'held';
}

/**
 * A stand-in for the Bot Connector service on loopback: records every call the
 * bot makes and answers like the real one, or as a test scripts.
 */
export class RecordingConnector {
  /** Activities the connector took (what users would see). */
  readonly calls: ConnectorCall[] = [];
  readonly arrivals: Arrival[] = [];
  /** Answers to give, in order, before answering normally again. */
  script: ScriptedAnswer[] = [];
  private server?: Server;
  private counter = 0;
  private readonly waiting = new Set<ServerResponse>();
  private readonly holding = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    // Like the real service, keep idle connections open far longer than Node's 5 s default: a server closing an
    // idle pooled connection just as the bot reuses it resets that send, which a busy test machine made happen.
    this.server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const scripted = this.script.shift();
      const arrival: Arrival = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', answer: 200 };
      this.arrivals.push(arrival);
      if (scripted && 'drop' in scripted) {
        arrival.answer = 'drop';
        req.socket.destroy();
        return;
      }
      if (scripted && 'hold' in scripted) {
        arrival.answer = 'held';
        this.holding.add(res);
        res.on('close', () => this.holding.delete(res));
        return;
      }
      if (scripted && 'status' in scripted) {
        arrival.answer = scripted.status;
        res.writeHead(scripted.status, scripted.retryAfterSeconds !== undefined ? { 'Retry-After': String(scripted.retryAfterSeconds) } : {});
        res.end();
        return;
      }
      const id = `activity-${++this.counter}`;
      const call: ConnectorCall = { method: req.method ?? '', path: req.url ?? '', body: raw ? JSON.parse(raw) : {}, authorization: req.headers.authorization };
      this.calls.push(call);
      if (scripted && 'hang' in scripted) {
        arrival.answer = 'hang';
        this.waiting.add(res);
        res.on('close', () => this.waiting.delete(res));
        return;
      }
      const answer = () => {
        call.activityId = id;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id }));
      };
      if (scripted && 'answerAfterMs' in scripted) {
        arrival.answer = 'late';
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          answer();
        }, scripted.answerAfterMs);
        this.timers.add(timer);
        return;
      }
      answer();
    });
  }

  /** How many requests are being held without an answer. */
  get held(): number {
    return this.holding.size;
  }

  /** Closes every held request with no answer: the service never took them. Returns how many there were. */
  dropHeld(): number {
    const count = this.holding.size;
    for (const res of this.holding) res.socket?.destroy();
    this.holding.clear();
    return count;
  }

  /** Forgets what was recorded (between tests). */
  reset(): void {
    this.calls.splice(0);
    this.arrivals.splice(0);
    this.script = [];
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const res of this.waiting) res.destroy();
    this.dropHeld();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
