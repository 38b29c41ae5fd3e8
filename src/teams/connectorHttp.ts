import type { Logger } from '../log';
import { ChannelSendError, parseRetryAfter } from '../services/channelSender';
import { DeliveryUnconfirmedError } from '../services/messenger';

/**
 * How calls to the Bot Connector are timed and retried. A turn's replies go through
 * here too, and Teams waits about 15 seconds for a turn, so the whole of it (every
 * attempt and wait) must stay well inside that: retries start only within
 * `retryWindowMs` of the first attempt and each attempt waits `attemptTimeoutMs` at most.
 * Longer waits (a Retry-After beyond the window) are left to the caller: the FADE
 * sender waits them out, the job queue retries a notification later.
 */
export const CONNECTOR_RETRY = {
  attemptTimeoutMs: 5_000,
  maxAttempts: 4,
  retryWindowMs: 8_000,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
};

export type ConnectorRetryOptions = typeof CONNECTOR_RETRY;

/** Statuses worth another try: throttled, timed out at the gateway, or unavailable. */
export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);

// The shapes botbuilder's connector client hands its HTTP client (core-http-compat's WebResourceLike and friends).
export interface HeadersLike {
  get(name: string): string | undefined;
  set(name: string, value: string | number): void;
  contains(name: string): boolean;
  remove(name: string): boolean;
  rawHeaders(): Record<string, string>;
  headersArray(): { name: string; value: string }[];
  headerNames(): string[];
  headerValues(): string[];
  toJson(options?: { preserveCase?: boolean }): Record<string, string>;
  clone(): HeadersLike;
}

export interface ConnectorRequest {
  url: string;
  method: string;
  headers: HeadersLike;
  body?: unknown;
  abortSignal?: AbortSignal;
}

export interface ConnectorResponse {
  request: ConnectorRequest;
  status: number;
  headers: HeadersLike;
  bodyAsText?: string;
}

/**
 * Connection errors that can only happen before the request is written (refused, no such
 * host, DNS unavailable, connecting took too long), so the service cannot have acted on it.
 * Any other failure may come after the request went out. (Not EHOSTUNREACH: Linux reports
 * it on an established connection too.)
 */
const NOTHING_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

type Attempt =
  | { kind: 'answered'; response: ConnectorResponse }
  /** No answer in time: the request was sent and the service may be acting on it. */
  | { kind: 'timedOut' }
  /**
   * The connection failed before any answer. `nothingSent` when it was never made (refused,
   * no such host): safe to retry anything. Otherwise (reset, closed, "other side closed") the
   * request may already have been written and acted on, only its answer lost, so only
   * requests that are safe to repeat are retried.
   */
  | { kind: 'failed'; error: string; nothingSent: boolean };

/**
 * The HTTP client under botbuilder's ConnectorClient (passed as its `httpClient` option).
 * botbuilder's own pipeline has no timeout at all (a hung connector hangs the turn for
 * ever), waits out any Retry-After however long, and does not retry a 429 without one.
 * Here each attempt has a timeout, and 408/429/5xx answers and failed connections are
 * retried with capped, jittered exponential backoff or the Retry-After the service asks
 * for, within a bounded window. When it gives up it throws a ChannelSendError carrying the
 * status and Retry-After (not the SDK's RestError, so botbuilder's own retry policy does not
 * retry again on top).
 * A new message (POST) is sent again only when the service surely never had it: after a
 * 408/429/5xx answer, or a connection that was never made (refused, unknown host). One that
 * timed out, or whose connection was reset or closed once made, is never resent: the
 * service may have had it and posted it, and a duplicate is worse than a missing reply; it
 * throws DeliveryUnconfirmedError, which callers count as sent. Updates (PUT), reads and
 * deletes are safe to repeat and are retried after any of these.
 */
export class ConnectorHttpClient {
  private readonly options: ConnectorRetryOptions;

  constructor(
    private readonly log: Logger,
    options: Partial<ConnectorRetryOptions> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.options = { ...CONNECTOR_RETRY, ...options };
  }

  async sendRequest(request: ConnectorRequest): Promise<ConnectorResponse> {
    const { maxAttempts, retryWindowMs, attemptTimeoutMs } = this.options;
    const startedAt = Date.now();
    const repeatable = request.method.toUpperCase() !== 'POST';
    const where = { method: request.method, path: pathOf(request.url) };
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(request);
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      let problem: string;
      if (result.kind === 'answered') {
        status = result.response.status;
        if (!isRetryableStatus(status)) {
          if (attempt > 1) this.log.info('Bot Connector answered after retries', { ...where, status, attempts: attempt });
          return result.response;
        }
        retryAfterMs = parseRetryAfter(result.response.headers.get('retry-after'));
        problem = `Bot Connector answered ${status}`;
      } else {
        problem = result.kind === 'timedOut' ? `no answer from the Bot Connector within ${attemptTimeoutMs} ms` : `Bot Connector connection failed: ${result.error}`;
        if (!repeatable && !(result.kind === 'failed' && result.nothingSent)) {
          this.log.warn('Bot Connector send unconfirmed; not resent to avoid a duplicate', { ...where, attempts: attempt, problem });
          throw new DeliveryUnconfirmedError(`${problem}; the message may have been posted, so it was not sent again`);
        }
      }

      const waitMs = retryAfterMs ?? this.backoff(attempt);
      const elapsed = Date.now() - startedAt;
      if (attempt >= maxAttempts || elapsed + waitMs > retryWindowMs) {
        this.log.warn('Bot Connector send failed', { ...where, status, attempts: attempt, retryAfterMs, problem });
        throw new ChannelSendError(`${problem} (${attempt} attempt${attempt === 1 ? '' : 's'})`, status, retryAfterMs);
      }
      this.log.info('Bot Connector send retried', { ...where, status, attempt, waitMs, problem });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  private async attempt(request: ConnectorRequest): Promise<Attempt> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.options.attemptTimeoutMs);
    const signal = request.abortSignal ? AbortSignal.any([request.abortSignal, timeout.signal]) : timeout.signal;
    try {
      const res = await fetch(request.url, {
        method: request.method,
        headers: request.headers.rawHeaders(),
        body: request.body === undefined || request.body === null ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
        signal,
      });
      const bodyAsText = await res.text();
      return { kind: 'answered', response: { request, status: res.status, headers: headersFrom(res.headers), bodyAsText } };
    } catch (err) {
      if (request.abortSignal?.aborted) throw err; // the caller gave up: not ours to retry
      if (timeout.signal.aborted) return { kind: 'timedOut' };
      // fetch rejects with "fetch failed"; what happened is in its cause (Node's or undici's error code).
      const cause = (err as { cause?: { code?: unknown; message?: string } }).cause;
      const code = typeof cause?.code === 'string' ? cause.code : undefined;
      return { kind: 'failed', error: code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)), nothingSent: code !== undefined && NOTHING_SENT_CODES.has(code) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Exponential backoff with jitter on the upper half: base·2^(n-1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** A case-insensitive header bag in the shape the SDK reads responses with. */
export function headersFrom(source: Iterable<[string, string]> = []): HeadersLike {
  const entries = new Map<string, { name: string; value: string }>();
  for (const [name, value] of source) entries.set(name.toLowerCase(), { name, value });
  const bag: HeadersLike = {
    get: (name) => entries.get(name.toLowerCase())?.value,
    set: (name, value) => void entries.set(name.toLowerCase(), { name, value: String(value) }),
    contains: (name) => entries.has(name.toLowerCase()),
    remove: (name) => entries.delete(name.toLowerCase()),
    rawHeaders: () => Object.fromEntries([...entries.values()].map((h) => [h.name.toLowerCase(), h.value])),
    headersArray: () => [...entries.values()].map((h) => ({ ...h })),
    headerNames: () => [...entries.values()].map((h) => h.name),
    headerValues: () => [...entries.values()].map((h) => h.value),
    toJson: (options) => Object.fromEntries([...entries.values()].map((h) => [options?.preserveCase ? h.name : h.name.toLowerCase(), h.value])),
    clone: () => headersFrom([...entries.values()].map((h) => [h.name, h.value] as [string, string])),
  };
  return bag;
}
