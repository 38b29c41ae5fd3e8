import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A window of arrivals: at most `limit` in any `ms`. */
class ArrivalWindow {
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

export interface InjectedFaults {
  /** Every n-th request (after the limits) is answered 429 with Retry-After: 1. */
  every429?: number;
  /** Every n-th request (after the limits) is answered 503: 20 is 5% of them. */
  every503?: number;
}

/** What the connector saw, plain data (the benchmark passes it between threads). */
export interface LimitingConnectorStats {
  accepted: [string, number][];
  requests: number;
  firstAt: number;
  lastAt: number;
  refusedForLimits: number;
  injected429: number;
  injected503: number;
  /** The most requests that arrived in any one second. */
  busiestSecond: number;
}

/**
 * A stand-in for the Bot Connector that ENFORCES Teams' limits as Teams counts them, on arrival: per
 * conversation 7 a second and 60 in 30 seconds, per app per tenant 50 a second. A request over a limit is
 * counted and refused with 429 (Retry-After: 1); every arrival counts, refused or not. It can also answer
 * some requests 429 or 503 on purpose, and records how many posts each conversation took.
 */
export class LimitingConnector {
  readonly accepted = new Map<string, number>();
  requests = 0;
  firstAt = 0;
  lastAt = 0;
  refusedForLimits = 0;
  injected429 = 0;
  injected503 = 0;
  /** Every post taken, in order: when (ms since the epoch) and to which conversation. */
  readonly posts: { at: number; conversationId: string }[] = [];
  /** Called just after a post is taken and answered (a test kills the bot here). */
  onPosted?: (taken: number) => void;
  private readonly arrivals: number[] = [];
  private readonly tenant = new ArrivalWindow(50, 1000);
  private readonly conversations = new Map<string, ArrivalWindow[]>();
  private server?: Server;
  private counter = 0;

  constructor(private readonly faults: InjectedFaults = {}) {}

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
      this.arrivals.push(now);
      const match = /^\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      const conversationId = decodeURIComponent(match?.[1] ?? '');
      let windows = this.conversations.get(conversationId);
      if (!windows) this.conversations.set(conversationId, (windows = [new ArrivalWindow(7, 1000), new ArrivalWindow(60, 30_000)]));
      const withinTenant = this.tenant.admit(now);
      const withinConversation = windows.map((w) => w.admit(now)).every(Boolean);
      if (!withinTenant || !withinConversation) {
        this.refusedForLimits++;
        res.writeHead(429, { 'Retry-After': '1' });
        res.end();
        return;
      }
      if (this.faults.every429 && n % this.faults.every429 === 0) {
        this.injected429++;
        res.writeHead(429, { 'Retry-After': '1' });
        res.end();
        return;
      }
      if (this.faults.every503 && n % this.faults.every503 === 0) {
        this.injected503++;
        res.writeHead(503);
        res.end();
        return;
      }
      // Never chained: restify, once loaded in the same process, replaces ServerResponse's writeHead with one that
      // returns nothing.
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: `activity-${++this.counter}` }));
      if (req.method === 'POST') {
        this.accepted.set(conversationId, (this.accepted.get(conversationId) ?? 0) + 1);
        this.posts.push({ at: Date.now(), conversationId });
        this.onPosted?.(this.posts.length);
      }
    });
  }

  /** The most arrivals in any window of `ms`. */
  busiest(ms = 1000): number {
    let best = 0;
    for (let i = 0, j = 0; i < this.arrivals.length; i++) {
      while (this.arrivals[i] - this.arrivals[j] >= ms) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  }

  stats(): LimitingConnectorStats {
    return {
      accepted: [...this.accepted.entries()],
      requests: this.requests,
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      refusedForLimits: this.refusedForLimits,
      injected429: this.injected429,
      injected503: this.injected503,
      busiestSecond: this.busiest(1000),
    };
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
