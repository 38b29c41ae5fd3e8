import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { METER_NAME, useMeter } from './instruments';

/** What the process reads its gauges from: the database (job queue) and its connection pool. */
export interface TelemetrySources {
  /** Runs one SQL query; the job queue's depth and age are read from pg-boss's job table with it. */
  query?(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** The queues to report (each reported, 0 when empty). */
  queues?: readonly string[];
  /** pg-boss's schema (pgboss unless set otherwise). */
  jobSchema?: string;
  /** The application's connection pool, where there is one (PostgreSQL). */
  poolUse?(): { total: number; idle: number; waiting: number; max: number };
}

export interface TelemetryOptions {
  serviceName: string;
  /** Serve Prometheus text (the /metrics route calls prometheusHandler). */
  prometheus: boolean;
  /** Push metrics over OTLP/HTTP (the exporter reads OTEL_EXPORTER_OTLP_* itself). */
  otlpMetrics: boolean;
  /** Push spans over OTLP/HTTP. */
  otlpTraces: boolean;
  /** Spans go here as they end as well (tests read them). */
  spanExporter?: SpanExporter;
  sources?: TelemetrySources;
  /** How often OTLP metrics are pushed; OpenTelemetry's 60 s unless told. */
  exportIntervalMs?: number;
  onError?: (message: string, error: unknown) => void;
}

export interface Telemetry {
  /** Answers a scrape with every metric in Prometheus' text format; undefined when Prometheus is off. */
  readonly prometheusHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Pushes what is left and stops; telemetry is a no-op again afterwards. */
  shutdown(): Promise<void>;
}

const JOB_STATS = (schema: string) =>
  `select name, count(*)::int as queued,
          coalesce(extract(epoch from now() - min(start_after) filter (where start_after <= now())), 0)::float8 as oldest_due_seconds
     from "${schema.replace(/"/g, '')}".job where state < 'active' group by name`;

/**
 * Starts OpenTelemetry's SDK for this process: a meter the bot's instruments (instruments.ts) record into, read by
 * Prometheus at /metrics and/or pushed over OTLP, and a tracer provider for the turn and delivery spans when spans
 * have somewhere to go. Only OpenTelemetry's own packages: Azure Monitor and other backends read OTLP.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({ 'service.name': options.serviceName });
  const readers: MetricReader[] = [];
  let prometheus: PrometheusExporter | undefined;
  if (options.prometheus) {
    // No server of its own: the bot's HTTP server answers /metrics on its one port.
    prometheus = new PrometheusExporter({ preventServerStart: true });
    readers.push(prometheus);
  }
  if (options.otlpMetrics) {
    readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: options.exportIntervalMs ?? 60_000 }));
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const meter = meterProvider.getMeter(METER_NAME);
  useMeter(meter);
  observeSources(meter, options.sources ?? {}, options.onError);

  const processors: SpanProcessor[] = [];
  if (options.otlpTraces) processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (options.spanExporter) processors.push(new SimpleSpanProcessor(options.spanExporter));
  let tracerProvider: NodeTracerProvider | undefined;
  if (processors.length > 0) {
    tracerProvider = new NodeTracerProvider({ resource, spanProcessors: processors });
    tracerProvider.register();
  }

  return {
    prometheusHandler: prometheus ? (req, res) => prometheus.getMetricsRequestHandler(req, res) : undefined,
    async shutdown() {
      useMeter(undefined);
      await Promise.allSettled([meterProvider.shutdown(), tracerProvider?.shutdown()]);
    },
  };
}

function observeSources(meter: ReturnType<MeterProvider['getMeter']>, sources: TelemetrySources, onError?: (message: string, error: unknown) => void): void {
  if (sources.query) {
    const query = sources.query;
    const queued = meter.createObservableGauge('cydweithio.jobs.queued', { description: 'Jobs waiting in each queue (created or waiting to retry)' });
    const oldest = meter.createObservableGauge('cydweithio.jobs.oldest_due_age', {
      description: 'How long the oldest job that is due has waited in each queue',
      unit: 's',
    });
    let warned = false;
    meter.addBatchObservableCallback(
      async (result) => {
        const byQueue = new Map<string, { queued: number; oldest: number }>((sources.queues ?? []).map((q) => [q, { queued: 0, oldest: 0 }]));
        try {
          for (const row of await query(JOB_STATS(sources.jobSchema ?? 'pgboss'))) {
            byQueue.set(String(row.name), { queued: Number(row.queued), oldest: Number(row.oldest_due_seconds) });
          }
          warned = false;
        } catch (err) {
          // The database is down, say: nothing is reported rather than a made-up zero.
          if (!warned) onError?.('job queue metrics could not be read', err);
          warned = true;
          return;
        }
        for (const [queue, stats] of byQueue) {
          result.observe(queued, stats.queued, { queue });
          result.observe(oldest, stats.oldest, { queue });
        }
      },
      [queued, oldest],
    );
  }
  if (sources.poolUse) {
    const poolUse = sources.poolUse;
    const connections = meter.createObservableGauge('cydweithio.db.pool.connections', {
      description: 'Database connections by state (used, idle) in the application pool',
    });
    const waiting = meter.createObservableGauge('cydweithio.db.pool.waiting', { description: 'Queries waiting for a connection from the application pool' });
    const max = meter.createObservableGauge('cydweithio.db.pool.max', { description: 'The most connections the application pool opens' });
    meter.addBatchObservableCallback(
      (result) => {
        const use = poolUse();
        result.observe(connections, use.total - use.idle, { state: 'used' });
        result.observe(connections, use.idle, { state: 'idle' });
        result.observe(waiting, use.waiting);
        result.observe(max, use.max);
      },
      [connections, waiting, max],
    );
  }
}
