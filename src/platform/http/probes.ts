import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'restify';

/**
 * Lets turns in until the process starts stopping, and knows how many are still running, so a shutdown can stop
 * taking turns and wait for those in flight before it closes the database.
 */
export class TurnGate {
  private inFlight = 0;
  private closed = false;
  private waiters: (() => void)[] = [];

  get draining(): boolean {
    return this.closed;
  }

  get running(): number {
    return this.inFlight;
  }

  /** True when the turn may start (then leave() must follow); false once draining. */
  enter(): boolean {
    if (this.closed) return false;
    this.inFlight++;
    return true;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Stops taking turns and resolves when those in flight have finished (true) or the time is up (false). */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    if (this.inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<boolean>((resolve) => this.waiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([finished, late]);
    clearTimeout(timer);
    return result;
  }
}

/** What "ready to take turns" means: each check answers true or false and never throws. */
export interface ReadinessChecks {
  database(): Promise<boolean>;
  migrations(): Promise<boolean>;
  jobQueue(): boolean;
}

export interface ProbeDeps {
  gate: TurnGate;
  readiness: ReadinessChecks;
  /** Prometheus text for GET /metrics; the route is absent when undefined (metrics off). */
  metrics?: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * /livez answers as long as the process can answer at all: a platform restarts the bot only when it is stuck,
 * never for a database outage (restarting would not bring the database back). /readyz says whether this
 * instance should be sent turns now: database reachable, migrations applied, job queue running, not stopping.
 */
export function registerProbes(server: Server, deps: ProbeDeps): void {
  // restify 11 takes async handlers (or ones with a next callback).
  server.get('/livez', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });

  server.get('/readyz', async (_req, res) => {
    const database = await deps.readiness.database().catch(() => false);
    const migrations = database ? await deps.readiness.migrations().catch(() => false) : false;
    const jobQueue = deps.readiness.jobQueue();
    const accepting = !deps.gate.draining;
    const ready = database && migrations && jobQueue && accepting;
    res.send(ready ? 200 : 503, {
      status: ready ? 'ready' : 'not ready',
      checks: {
        database: database ? 'up' : 'down',
        migrations: migrations ? 'applied' : 'not applied',
        jobQueue: jobQueue ? 'running' : 'stopped',
        turns: accepting ? 'accepting' : 'draining',
      },
    });
  });

  const metrics = deps.metrics;
  if (metrics) {
    server.get('/metrics', async (req, res) => {
      // The exporter writes the whole answer itself, through Node's response, once it has collected the metrics.
      const answered = new Promise<void>((resolve) => res.once('close', resolve));
      metrics(req, res);
      await answered;
    });
  }
}

/** True when the database has every migration this build knows (another instance may already have newer ones). */
export async function migrationsCurrent(db: { query<T>(text: string, params?: readonly unknown[]): Promise<T[]> }, latestKnown: number): Promise<boolean> {
  const rows = await db.query<{ latest: number | null }>('select max(version)::int as latest from schema_migrations');
  return (rows[0]?.latest ?? 0) >= latestKnown;
}
