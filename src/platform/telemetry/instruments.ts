import { AsyncLocalStorage } from 'node:async_hooks';
import { SpanStatusCode, createNoopMeter, trace, type Attributes, type Meter, type Span } from '@opentelemetry/api';

/**
 * What the bot counts and times, written against OpenTelemetry's API only: until telemetry.ts installs a meter
 * (startTelemetry) every instrument here is a no-op, so code and tests that never start telemetry pay nothing.
 * Label values come from the code (verbs, queue names, the kinds below), never from what a request says,
 * so the number of series stays bounded.
 */

export const METER_NAME = 'cydweithio';

/** Seconds, for latencies from a few milliseconds up to Teams' 15-second turn limit. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** How a turn ended. */
export type TurnOutcome = 'ok' | 'failed' | 'badPayload' | 'tenantRefused' | 'unauthorized' | 'error' | 'draining';

/** Activity types the bot sees from Teams; any other is counted as "other". */
const TURN_KINDS = new Set([
  'message',
  'invoke',
  'conversationUpdate',
  'installationUpdate',
  'messageReaction',
  'messageUpdate',
  'messageDelete',
  'event',
  'typing',
]);

export type DeliveryOutcome = 'sent' | 'retried' | 'failed' | 'gaveUp';

function buildInstruments(meter: Meter) {
  return {
    turns: meter.createCounter('cydweithio.turns', { description: 'Turns (requests to /api/messages) by activity kind and outcome' }),
    turnDuration: meter.createHistogram('cydweithio.turn.duration', {
      description: 'Time from a request to /api/messages arriving to its answer',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    }),
    cardInvokes: meter.createCounter('cydweithio.card.invokes', { description: 'Adaptive Card actions by verb and how they came (execute or submit)' }),
    refusals: meter.createCounter('cydweithio.refusals', { description: 'Actions refused because the confirmed role or ownership did not allow them' }),
    deliveries: meter.createCounter('cydweithio.notifications', { description: 'Notification delivery attempts by kind of queue and outcome' }),
    deliveryDuration: meter.createHistogram('cydweithio.notification.delivery.duration', {
      description: 'Time one delivery attempt took',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    }),
    connectorAnswers: meter.createCounter('cydweithio.connector.retryable_answers', {
      description: 'Bot Connector answers worth a retry (429, 408, 5xx) by status',
    }),
    connectorWaits: meter.createHistogram('cydweithio.connector.retry_wait', {
      description: 'Waits before sending to the Bot Connector: Retry-After from Teams, backoff after a failure, or pacing under its limits',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60] },
    }),
  };
}

let meterInUse: Meter | undefined;
let instruments = buildInstruments(createNoopMeter());

/** Called by startTelemetry with the SDK's meter (and with none again when telemetry stops). */
export function useMeter(meter: Meter | undefined): void {
  meterInUse = meter;
  instruments = buildInstruments(meter ?? createNoopMeter());
}

/** The meter in use, for observable instruments (queue depth, pool use) that telemetry.ts registers. */
export const currentMeter = (): Meter | undefined => meterInUse;

const tracer = () => trace.getTracer(METER_NAME);

interface TurnRecord {
  outcome: TurnOutcome;
}
const currentTurn = new AsyncLocalStorage<TurnRecord>();

export const turnKindOf = (type: unknown): string => (typeof type === 'string' && TURN_KINDS.has(type) ? type : 'other');

/**
 * Runs one request to /api/messages as a turn: a span around it, then counted and timed by kind and outcome.
 * The outcome starts as "ok"; code inside the turn says otherwise with markTurn, the HTTP status settles the rest.
 */
export async function measureTurn(kind: string, work: () => Promise<number | undefined>): Promise<void> {
  const record: TurnRecord = { outcome: 'ok' };
  const started = process.hrtime.bigint();
  await tracer().startActiveSpan('cydweithio.turn', { attributes: { 'cydweithio.turn.kind': kind } }, async (span) => {
    try {
      const status = await currentTurn.run(record, work);
      if (status === 401 || status === 403) record.outcome = 'unauthorized';
      else if (status === 503 && record.outcome === 'ok') record.outcome = 'draining';
      else if (status !== undefined && status >= 500) record.outcome = 'error';
    } catch (err) {
      record.outcome = 'error';
      throw err;
    } finally {
      endSpan(span, record.outcome === 'ok' ? undefined : record.outcome, { 'cydweithio.turn.outcome': record.outcome });
      const attributes = { kind, outcome: record.outcome };
      instruments.turns.add(1, attributes);
      instruments.turnDuration.record(Number(process.hrtime.bigint() - started) / 1e9, attributes);
    }
  });
}

/** Records how the current turn ended when that is not a plain success; outside a turn it does nothing. */
export function markTurn(outcome: Exclude<TurnOutcome, 'ok'>): void {
  const record = currentTurn.getStore();
  if (record && record.outcome === 'ok') record.outcome = outcome;
}

export function countCardInvoke(verb: string, via: 'execute' | 'submit'): void {
  instruments.cardInvokes.add(1, { verb, via });
}

export function countRefusal(action: string): void {
  instruments.refusals.add(1, { action: action.slice(0, 80) });
}

/** One delivery attempt of a notification, in its own span, counted by queue and outcome. */
export async function measureDelivery<T>(queue: string, attributes: Attributes, attempt: () => Promise<T>, retryLeft: boolean): Promise<T> {
  const started = process.hrtime.bigint();
  return tracer().startActiveSpan('cydweithio.delivery', { attributes: { 'cydweithio.queue': queue, ...attributes } }, async (span) => {
    let outcome: DeliveryOutcome = 'sent';
    try {
      return await attempt();
    } catch (err) {
      outcome = retryLeft ? 'retried' : 'failed';
      span.recordException(err instanceof Error ? err : String(err));
      throw err;
    } finally {
      endSpan(span, outcome === 'sent' ? undefined : outcome, { 'cydweithio.delivery.outcome': outcome });
      instruments.deliveries.add(1, { queue, outcome });
      instruments.deliveryDuration.record(Number(process.hrtime.bigint() - started) / 1e9, { queue, outcome });
    }
  });
}

/** A delivery pg-boss gave up on (after a process died mid-attempt, say). */
export function countDeliveryGaveUp(queue: string): void {
  instruments.deliveries.add(1, { queue, outcome: 'gaveUp' });
}

/** A Bot Connector answer worth retrying (429 throttling above all). */
export function countConnectorRetryable(status: number, method: string): void {
  instruments.connectorAnswers.add(1, { status, method: method.toUpperCase() });
}

/**
 * A wait before sending to the Bot Connector: the Retry-After Teams asked for, our own backoff after a failure, or
 * pacing to stay inside Teams' documented rate limits (the FADE fan-out).
 */
export function recordConnectorWait(ms: number, reason: 'retryAfter' | 'backoff' | 'pacing'): void {
  instruments.connectorWaits.record(ms / 1000, { reason });
}

function endSpan(span: Span, problem: string | undefined, attributes: Attributes): void {
  span.setAttributes(attributes);
  if (problem) span.setStatus({ code: SpanStatusCode.ERROR, message: problem });
  span.end();
}
