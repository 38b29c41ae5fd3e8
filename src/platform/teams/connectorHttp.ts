import * as http from 'node:http';
import * as https from 'node:https';
import type { Logger } from '../log';
import { isRetriedByCaller } from './callerRetries';
import { ChannelSendError, isRetryableStatus, parseRetryAfter } from './channelSender';
import { DeliveryUnconfirmedError } from './messenger';
import { countConnectorRetryable, recordConnectorWait } from '../telemetry/instruments';

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

export { isRetryableStatus };

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
const NOTHING_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Connections to the Bot Connector are kept open between sends, and closed after 4 s idle, before the
 * service (or a load balancer) would: one it closed just as a send went out would cost that send.
 */
const KEPT_ALIVE = {
  http: new http.Agent({ keepAlive: true, timeout: 4_000 }),
  https: new https.Agent({ keepAlive: true, timeout: 4_000 }),
};

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** Node's raw header list (name, value, name, value...) as pairs. */
function pairsOf(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i], raw[i + 1]]);
  return pairs;
}

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
 * Inside `retriedByCaller` (the paced channel sender) each call gets one attempt: the caller retries, so each
 * request is counted against its pacing budget.
 */
export class ConnectorHttpClient {
  private readonly options: ConnectorRetryOptions;

  constructor(
    private readonly log: Logger,
    options: Partial<ConnectorRetryOptions> = {},
    private readonly random: () => number = Math.random,
    /** How connections are made and kept (tests pass one whose connections never open). */
    private readonly agents: { http: http.Agent; https: https.Agent } = KEPT_ALIVE,
  ) {
    this.options = { ...CONNECTOR_RETRY, ...options };
  }

  async sendRequest(request: ConnectorRequest): Promise<ConnectorResponse> {
    const { retryWindowMs, attemptTimeoutMs } = this.options;
    const callerRetries = isRetriedByCaller();
    const maxAttempts = callerRetries ? 1 : this.options.maxAttempts;
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
        countConnectorRetryable(status, request.method);
        problem = `Bot Connector answered ${status}`;
      } else {
        problem =
          result.kind === 'timedOut' ? `no answer from the Bot Connector within ${attemptTimeoutMs} ms` : `Bot Connector connection failed: ${result.error}`;
        if (!repeatable && !(result.kind === 'failed' && result.nothingSent)) {
          this.log.warn('Bot Connector send unconfirmed; not resent to avoid a duplicate', { ...where, attempts: attempt, problem });
          throw new DeliveryUnconfirmedError(`${problem}; the message may have been posted, so it was not sent again`);
        }
      }

      const waitMs = retryAfterMs ?? this.backoff(attempt);
      const elapsed = Date.now() - startedAt;
      if (attempt >= maxAttempts || elapsed + waitMs > retryWindowMs) {
        if (callerRetries) this.log.info('Bot Connector send refused; the caller retries', { ...where, status, retryAfterMs, problem });
        else this.log.warn('Bot Connector send failed', { ...where, status, attempts: attempt, retryAfterMs, problem });
        throw new ChannelSendError(`${problem} (${attempt} attempt${attempt === 1 ? '' : 's'})`, status, retryAfterMs);
      }
      this.log.info('Bot Connector send retried', { ...where, status, attempt, waitMs, problem });
      recordConnectorWait(waitMs, retryAfterMs !== undefined ? 'retryAfter' : 'backoff');
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  /**
   * One request over Node's own HTTP client with kept-alive connections (fetch's web streams cost
   * over half a millisecond of CPU a send, on every message turn). Settles once: with the answer,
   * with "timed out" when none came within the attempt timeout, or with how the connection failed.
   */
  private attempt(request: ConnectorRequest): Promise<Attempt> {
    return new Promise<Attempt>((resolve, reject) => {
      const caller = request.abortSignal;
      if (caller?.aborted) return reject(abortReason(caller));
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return resolve({ kind: 'failed', error: 'invalid URL', nothingSent: true });
      }
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') return resolve({ kind: 'failed', error: `unsupported protocol ${url.protocol}`, nothingSent: true });
      const body =
        request.body === undefined || request.body === null ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const headers: Record<string, string | number> = request.headers.rawHeaders();
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);

      let settled = false;
      let connected = false;
      // eslint-disable-next-line prefer-const -- settle(), defined before it is set, clears it
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: Attempt | { abort: unknown }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        caller?.removeEventListener('abort', onAbort);
        if ('abort' in outcome) reject(outcome.abort);
        else resolve(outcome);
      };
      let req: http.ClientRequest;
      try {
        req = (secure ? https : http).request(url, { method: request.method, headers, agent: secure ? this.agents.https : this.agents.http });
      } catch (err) {
        // A header Node will not send, say: nothing went out.
        return resolve({ kind: 'failed', error: err instanceof Error ? err.message : String(err), nothingSent: true });
      }
      timer = setTimeout(() => {
        // Still connecting: the request never left, so it is safe to send again; otherwise the service may have it.
        settle(connected ? { kind: 'timedOut' } : { kind: 'failed', error: 'connect timeout', nothingSent: true });
        req.destroy();
      }, this.options.attemptTimeoutMs);
      const onAbort = () => {
        settle({ abort: abortReason(caller!) }); // the caller gave up: not ours to retry
        req.destroy();
      };
      caller?.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (socket) => {
        if (!socket.connecting)
          connected = true; // a kept-alive connection
        else socket.once('connect', () => (connected = true));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          settle({
            kind: 'answered',
            response: { request, status, headers: headersFrom(pairsOf(res.rawHeaders)), bodyAsText: Buffer.concat(chunks).toString('utf8') },
          });
        });
        // The answer started but did not finish: the request was surely received.
        res.on('error', () => undefined);
        res.on('close', () => {
          if (!res.complete) settle({ kind: 'failed', error: 'answer cut short', nothingSent: false });
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = typeof err.code === 'string' ? err.code : undefined;
        settle({ kind: 'failed', error: code ?? err.message, nothingSent: code !== undefined && NOTHING_SENT_CODES.has(code) });
      });
      req.end(body);
    });
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
