import { retriedByCaller } from './callerRetries';
import { DeliveryUnconfirmedError, statusOfSendError, type OutgoingMessage } from './messenger';
import { recordConnectorWait } from '../telemetry/instruments';

/**
 * Teams' throttling limits for bots, in one place. Teams documents per-bot-per-thread
 * limits (about 7 messages a second and 60 in 30 seconds in one conversation) and a
 * per-app-per-tenant limit of about 50 requests a second. `marginMs` widens each window
 * a little so latency jitter between our clock and the service's never tips us over.
 */
export const TEAMS_LIMITS = {
  perConversation: [
    { limit: 7, windowMs: 1_000 },
    { limit: 60, windowMs: 30_000 },
  ],
  perTenant: [{ limit: 50, windowMs: 1_000 }],
  marginMs: 10,
} as const;

/**
 * How many deliveries of a fan-out run at once. Each does a dozen small queries before it
 * posts; two dozen lanes keep well over 50 posts a second ready for the sender (measured in
 * bench/fanout.bench.ts) while the database work of the rest waits its turn instead of all
 * of it going first, which would delay the very first post.
 */
export const FANOUT_CONCURRENCY = 24;

/**
 * At most this many posts are between going out and being recorded as sent (an answered post waits for its
 * record before another may go). A crash can post again only what was not yet recorded, so this bounds what a
 * crash can duplicate. The sender still keeps 50 posts a second as long as a post and its record together take
 * under 320 ms (16 / 50 a second); on loopback they take a few milliseconds.
 */
export const MAX_UNRECORDED = 16;

/**
 * Statuses worth another try: timed out, throttled, a precondition Teams asks to retry (412), or the service
 * unavailable. 403 and 404 (the bot removed, the conversation gone) and other 4xx are final.
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 412 || status === 429 || (status >= 500 && status !== 501 && status !== 505);

/** How often to look again when a whole window's worth of requests is still in flight. */
const PENDING_POLL_MS = 5;

/** How failures are retried: 429s honour Retry-After, 5xx are retried a bounded number of times. */
export const SEND_RETRY = {
  max429: 6,
  max5xx: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
} as const;

export interface Window {
  limit: number;
  windowMs: number;
}

export interface Limits {
  perConversation: readonly Window[];
  perTenant: readonly Window[];
  marginMs: number;
}

/** An error from the Bot Connector, with what the sender needs to decide. */
export class ChannelSendError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChannelSendError';
  }
}

/** The HTTP edge: posting a new message to a conversation, or replacing one the bot posted. */
export interface ChannelTransport {
  post(conversation: Record<string, unknown>, message: OutgoingMessage): Promise<{ activityId?: string }>;
  update(conversation: Record<string, unknown>, activityId: string, message: OutgoingMessage): Promise<void>;
}

export type SendOutcome =
  /** `unconfirmed`: no answer came, so it may have been posted; it is not sent again (no activity id to update later). */
  | { ok: true; activityId?: string; attempts: number; throttled: number; unconfirmed?: boolean }
  | { ok: false; status?: number; error: string; attempts: number; throttled: number; permanent: boolean };

export interface ChannelSenderOptions {
  transport: ChannelTransport;
  /** Milliseconds now; injected so tests drive time. */
  now?: () => number;
  /** Waits; injected so tests never really sleep. */
  sleep?: (ms: number) => Promise<void>;
  limits?: Limits;
  retry?: Partial<typeof SEND_RETRY>;
  random?: () => number;
  /** Posts allowed between going out and being recorded (MAX_UNRECORDED). */
  maxUnrecorded?: number;
}

/** A post Teams took (or may have taken: `unconfirmed`), for the caller to record before the sender moves on. */
export interface Posted {
  activityId?: string;
  unconfirmed: boolean;
}

/** A FIFO count of free places. */
class Permits {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}

  take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** What one attempt came to: a final outcome, or a wait before the next attempt. */
type Attempt = { done: SendOutcome } | { retryAfterMs: number };

/**
 * A sliding-window log: at most `limit` requests in any `windowMs`. It is exact (a token
 * bucket would allow a burst at a window edge that Teams counts as too many) and small;
 * bottleneck/p-retry would do the pacing and retries, but neither takes an injectable
 * clock for both together, and this is forty lines we can test with a fake one.
 *
 * Teams counts a request when it arrives, which is some time between our sending it and
 * the answer coming back (later still when our event loop is busy). So each entry is
 * stamped when the request starts and moved to when its answer came: the window then
 * never counts a request earlier than Teams could have seen it.
 */
/** A window entry: when the request started, moved to when it was answered; pending until then. */
interface Stamp {
  t: number;
  pending: boolean;
}

class SlidingWindow {
  private entries: Stamp[] = [];
  constructor(
    private readonly w: Window,
    private readonly marginMs: number,
  ) {}

  /** How long until one more request fits (0: now). */
  waitAt(now: number): number {
    const span = this.w.windowMs + this.marginMs;
    this.entries = this.entries.filter((e) => e.pending || e.t > now - span);
    if (this.entries.length < this.w.limit) return 0;
    // Requests still in flight may reach Teams as late as now: count them as the newest.
    const times = this.entries.map((e) => (e.pending ? Infinity : e.t)).sort((a, b) => b - a);
    const boundary = times[this.w.limit - 1];
    if (boundary === Infinity) return PENDING_POLL_MS;
    return Math.max(1, boundary + span - now);
  }

  record(at: number): Stamp {
    const entry = { t: at, pending: true };
    this.entries.push(entry);
    return entry;
  }

  get size(): number {
    return this.entries.length;
  }
}

/**
 * Sends to Teams conversations under the throttling limits: one FIFO gate per
 * conversation and one per tenant, so a busy channel never holds up the others;
 * 429 waits out Retry-After (with backoff when there is none), 5xx is retried a
 * bounded number of times, and every outcome is returned for the caller to record.
 * Every request that reaches Teams, retries included, is one attempt made here and
 * counted in the windows. A new post holds one of `maxUnrecorded` places from just
 * before it goes until the caller has recorded it.
 */
export class ChannelSender {
  private readonly transport: ChannelTransport;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limits: Limits;
  private readonly retry: typeof SEND_RETRY;
  private readonly random: () => number;
  private readonly conversationWindows = new Map<string, SlidingWindow[]>();
  private readonly conversationGates = new Map<string, Promise<void>>();
  private readonly tenantWindows = new Map<string, SlidingWindow[]>();
  private readonly tenantGates = new Map<string, Promise<void>>();
  private readonly unrecorded: Permits;
  /** Requests actually made, for tests and the benchmark. */
  requests = 0;

  constructor(options: ChannelSenderOptions) {
    this.transport = options.transport;
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.limits = options.limits ?? TEAMS_LIMITS;
    this.retry = { ...SEND_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.unrecorded = new Permits(options.maxUnrecorded ?? MAX_UNRECORDED);
  }

  /**
   * Posts a new message. `record` (the caller's note that it went) runs before this returns and before the
   * place it holds is given to another post: at most `maxUnrecorded` posts are ever out and not yet recorded,
   * which is what a crash could post a second time. A record that fails is thrown to the caller.
   */
  post(conversation: Record<string, unknown>, message: OutgoingMessage, record?: (posted: Posted) => Promise<void>): Promise<SendOutcome> {
    return this.withRetries(conversation, () => this.transport.post(conversation, message), record ?? (async () => undefined));
  }

  /** Replaces a message; safe to repeat, so it is not counted among the unrecorded posts. */
  update(conversation: Record<string, unknown>, activityId: string, message: OutgoingMessage): Promise<SendOutcome> {
    return this.withRetries(conversation, async () => {
      await this.transport.update(conversation, activityId, message);
      return { activityId };
    });
  }

  private async withRetries(
    conversation: Record<string, unknown>,
    call: () => Promise<{ activityId?: string }>,
    record?: (posted: Posted) => Promise<void>,
  ): Promise<SendOutcome> {
    const keys = keysOf(conversation);
    const tally = { attempts: 0, throttled: 0, serverErrors: 0 };
    for (;;) {
      const attempt = await this.attempt(keys, call, tally, record);
      if ('done' in attempt) return attempt.done;
      // A refused request posted nothing: its place (if it held one) is free while it waits.
      await this.sleep(attempt.retryAfterMs);
    }
  }

  /**
   * One request, paced: it waits for room in the conversation's and the tenant's windows, goes out as one
   * attempt of the connector client (`retriedByCaller`: no retry underneath that the windows would not see),
   * and is classified here.
   */
  private async attempt(
    keys: { conversationKey: string; tenantKey: string },
    call: () => Promise<{ activityId?: string }>,
    tally: { attempts: number; throttled: number; serverErrors: number },
    record?: (posted: Posted) => Promise<void>,
  ): Promise<Attempt> {
    const holdsPlace = record !== undefined;
    const stamps = await this.acquire(keys.conversationKey, keys.tenantKey, holdsPlace);
    try {
      return await this.send(stamps, call, tally, record);
    } finally {
      if (holdsPlace) this.unrecorded.give();
    }
  }

  private async send(
    stamps: Stamp[],
    call: () => Promise<{ activityId?: string }>,
    tally: { attempts: number; throttled: number; serverErrors: number },
    record?: (posted: Posted) => Promise<void>,
  ): Promise<Attempt> {
    tally.attempts++;
    this.requests++;
    const { attempts } = tally;
    let answer: { activityId?: string };
    try {
      answer = await retriedByCaller(call);
    } catch (err) {
      this.answered(stamps);
      if (err instanceof DeliveryUnconfirmedError) {
        await record?.({ unconfirmed: true });
        return { done: { ok: true, attempts, throttled: tally.throttled, unconfirmed: true } };
      }
      const status = statusOf(err);
      const retryAfterMs = retryAfterOf(err);
      const error = err instanceof Error ? err.message : String(err);
      if (status === 429) {
        tally.throttled++;
        if (tally.throttled > this.retry.max429) return { done: { ok: false, status, error, attempts, throttled: tally.throttled, permanent: false } };
        const wait = retryAfterMs ?? this.backoff(tally.throttled);
        recordConnectorWait(wait, retryAfterMs !== undefined ? 'retryAfter' : 'backoff');
        return { retryAfterMs: wait };
      }
      if (status === undefined || isRetryableStatus(status)) {
        tally.serverErrors++;
        if (tally.serverErrors > this.retry.max5xx) return { done: { ok: false, status, error, attempts, throttled: tally.throttled, permanent: false } };
        return { retryAfterMs: Math.max(retryAfterMs ?? 0, this.backoff(tally.serverErrors)) };
      }
      // 403, 404 and other 4xx: the conversation is gone or the bot was removed; retrying will not help.
      return { done: { ok: false, status, error, attempts, throttled: tally.throttled, permanent: true } };
    }
    this.answered(stamps);
    await record?.({ activityId: answer.activityId, unconfirmed: false });
    return { done: { ok: true, activityId: answer.activityId, attempts, throttled: tally.throttled } };
  }

  /** Exponential backoff with full jitter on the upper half: base·2^(n-1), capped. */
  private backoff(n: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (n - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private windows(map: Map<string, SlidingWindow[]>, key: string, spec: readonly Window[]): SlidingWindow[] {
    let found = map.get(key);
    if (!found) {
      found = spec.map((w) => new SlidingWindow(w, this.limits.marginMs));
      map.set(key, found);
    }
    return found;
  }

  /**
   * Waits for a slot in the conversation, then (with `place`) for one of the unrecorded places, then for a slot
   * in the tenant; both gates are FIFO. The place is taken only once the conversation has room, so posts queued
   * behind a busy conversation's own limit hold no place and never starve the others. Returns the window entries taken.
   */
  private async acquire(conversationKey: string, tenantKey: string, place: boolean): Promise<Stamp[]> {
    const convWindows = this.windows(this.conversationWindows, conversationKey, this.limits.perConversation);
    const tenantWindows = this.windows(this.tenantWindows, tenantKey, this.limits.perTenant);
    const stamps: Stamp[] = [];
    await this.through(this.conversationGates, conversationKey, async () => {
      await this.waitFor(convWindows);
      if (place) await this.unrecorded.take();
      await this.through(this.tenantGates, tenantKey, async () => {
        await this.waitFor(tenantWindows);
        const at = this.now();
        for (const w of [...tenantWindows, ...convWindows]) stamps.push(w.record(at));
      });
    });
    if (this.conversationWindows.size > 10_000) this.forgetIdle();
    return stamps;
  }

  /** The answer came: Teams saw the request no later than now. */
  private answered(stamps: Stamp[]): void {
    const at = this.now();
    for (const s of stamps) {
      s.t = Math.max(s.t, at);
      s.pending = false;
    }
  }

  private async waitFor(windows: readonly SlidingWindow[]): Promise<void> {
    for (;;) {
      const now = this.now();
      const wait = Math.max(0, ...windows.map((w) => w.waitAt(now)));
      if (wait <= 0) return;
      recordConnectorWait(wait, 'pacing');
      await this.sleep(wait);
    }
  }

  private async through(gates: Map<string, Promise<void>>, key: string, work: () => Promise<void>): Promise<void> {
    const previous = gates.get(key) ?? Promise.resolve();
    const mine = previous.then(work);
    const settled = mine.catch(() => undefined);
    gates.set(key, settled);
    try {
      await mine;
    } finally {
      if (gates.get(key) === settled) gates.delete(key);
    }
  }

  private forgetIdle(): void {
    const now = this.now();
    for (const [key, windows] of this.conversationWindows) {
      if (windows.every((w) => w.waitAt(now) === 0 && w.size === 0)) this.conversationWindows.delete(key);
    }
  }
}

export function keysOf(conversation: Record<string, unknown>): { conversationKey: string; tenantKey: string } {
  const conv = (conversation.conversation ?? {}) as { id?: string; tenantId?: string };
  const id = String(conv.id ?? 'unknown').split(';')[0];
  return { conversationKey: id, tenantKey: String(conv.tenantId ?? 'tenant') };
}

function statusOf(err: unknown): number | undefined {
  return err instanceof ChannelSendError ? err.status : statusOfSendError(err);
}

/** Retry-After in seconds (or an HTTP date), from our error or botbuilder's RestError. */
function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof ChannelSendError) return err.retryAfterMs;
  const headers = (err as { response?: { headers?: { get?: (n: string) => string | undefined } } } | null)?.response?.headers;
  return parseRetryAfter(headers?.get?.('retry-after'));
}

export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
