import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import { FANOUT_CONCURRENCY } from '../teams/channelSender';
import type { NotificationDispatcher } from './notificationDispatcher';
import type { Database, Sql } from '../db/db';
import { SurvivingClient } from '../db/postgres';
import type { SqlNotificationRepository } from './notifications';
import { countDeliveryGaveUp, measureDelivery } from '../telemetry/instruments';

/**
 * Durable jobs with pg-boss, in the application's own database.
 *
 * What is due is decided by our tables and the application's clock (so the domain
 * can say "at most once, ever" and tests can move time); pg-boss runs the work:
 * a once-a-minute sweep that exactly one instance runs, and one delivery job per
 * notification, retried with backoff when Teams is unavailable.
 */
export const QUEUES = {
  sweep: 'notifications-sweep',
  deliver: 'notification-deliver',
  /** FADE reminders fan out to many channels at once: big batches, delivered concurrently, paced by the ChannelSender. */
  fadeDeliver: 'fade-deliver',
  /** Once a day: deletes what the retention rules say is no longer kept (README, "Personal data"). */
  retention: 'retention',
  /**
   * Delivery jobs pg-boss has given up on (pg-boss's dead letter). Our own last attempt marks its notification
   * failed, but a process killed during that attempt cannot: the job then fails by timeout and lands here.
   */
  deliveryGaveUp: 'notification-delivery-gave-up',
} as const;

/**
 * Which delivery queue a notification kind goes to: FADE's reminders to cluster channels fan out on their own; the rest
 * (a cycle's reminders to write among them, which is one job, not a fan-out) on the ordinary one.
 */
export const deliveryQueueFor = (kind: string): string => (kind === 'fadeReminder' ? QUEUES.fadeDeliver : QUEUES.deliver);

/** Serialises queue creation across instances (migrate uses 724201, the directory seed 724202). */
const QUEUE_SETUP_LOCK = 724203;

/**
 * A fan-out batch leases its notifications (scheduled_notifications.lease_*) for `leaseMs` and renews the leases
 * every `renewMs` while it works. Every `reclaimMs` (and at start) each instance hands back to the queue the jobs
 * of leases that ran out: a process killed mid fan-out has its remaining reminders going out again within
 * leaseMs + reclaimMs of its death (45 s), not after pg-boss's 15-minute expiry of active jobs.
 */
export const DELIVERY_LEASE = { leaseMs: 30_000, renewMs: 10_000, reclaimMs: 15_000 } as const;

export const DELIVERY_RETRY = { retryLimit: 5, retryDelay: 30, retryBackoff: true, deadLetter: QUEUES.deliveryGaveUp } as const;

/**
 * A personal delivery job still active this long after it started belongs to a process that died: pg-boss expires it
 * and retries it (its default, 15 minutes, is how long a nudge or a request to a school waited after a crash). A batch
 * is at most 5 sends of at most about 13 s each (the connector client's window and timeout), so 5 minutes leaves a
 * live process plenty. FADE's fan-out has leases instead (DELIVERY_LEASE).
 */
export const PERSONAL_DELIVERY_EXPIRY_SECONDS = 300;

/**
 * Runs `work` again when PostgreSQL chose it as a deadlock's victim (deadlock_detected: its statement was rolled back):
 * for work that is safe to repeat, as creating queues is (a queue that exists is left as it is).
 */
export async function retriedOnDeadlock<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code !== '40P01' || attempt >= attempts) throw err;
    }
  }
}

export interface JobRunnerDeps {
  db: Database;
  clock: Clock;
  log: Logger;
  notifications: SqlNotificationRepository;
  dispatcher: NotificationDispatcher;
  /** A real PostgreSQL gets pg-boss's own pool; PGlite is shared through an adapter. */
  connectionString?: string;
  /** False in tests: nothing runs by itself, the test drives every step. */
  background: boolean;
  schema?: string;
  /** The daily retention rules; none in tests that do not need them. */
  retention?: { applyRetention(): Promise<unknown> };
}

interface DeliverJob {
  notificationId: string;
}

const bossDbOver = (sql: Sql & Partial<Pick<Database, 'simpleQuery'>>): PgBoss.Db => ({
  async executeSql(text: string, values?: unknown[]) {
    // pg-boss sends parameterless multi-statement blocks (schema install, maintenance) as well as single queries.
    if ((!values || values.length === 0) && sql.simpleQuery) return { rows: await sql.simpleQuery(text) };
    return { rows: await sql.query(text, values ?? []) };
  },
});

export class JobRunner {
  private stopped = false;
  /** This process, as the holder of delivery leases. */
  readonly owner = randomUUID();
  private reclaimTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;

  private constructor(
    readonly boss: PgBoss,
    private readonly deps: JobRunnerDeps,
  ) {}

  static async start(deps: JobRunnerDeps): Promise<JobRunner> {
    const boss = new PgBoss({
      // pg-boss hands its options to pg's Pool: its clients must survive a database restart too.
      ...(deps.connectionString ? { connectionString: deps.connectionString, max: 4, Client: SurvivingClient } : { db: bossDbOver(deps.db) }),
      schema: deps.schema ?? 'pgboss',
      supervise: deps.background,
      schedule: deps.background,
      // pg-boss looks at its schedules every 30 s by default and can skip a look that comes a hair early, so the
      // once-a-minute sweep came up to ~90 s apart; looking every 10 s keeps it within ~20 s of each minute.
      cronMonitorIntervalSeconds: 10,
    });
    boss.on('error', (err) => deps.log.error('job queue error', { error: err.message }));
    const createQueues = async () => {
      await boss.createQueue(QUEUES.sweep, { name: QUEUES.sweep, policy: 'singleton', retryLimit: 0 });
      // The dead letter first: pg-boss files a failed job into it by name.
      await boss.createQueue(QUEUES.deliveryGaveUp, { name: QUEUES.deliveryGaveUp, retryLimit: 2, retryDelay: 60 });
      for (const [queue, options] of [
        [QUEUES.deliver, { ...DELIVERY_RETRY, expireInSeconds: PERSONAL_DELIVERY_EXPIRY_SECONDS }],
        [QUEUES.fadeDeliver, DELIVERY_RETRY],
      ] as const) {
        await boss.createQueue(queue, { name: queue, ...options });
        await boss.updateQueue(queue, { name: queue, ...options }); // a database set up before these settings
      }
      await boss.createQueue(QUEUES.retention, { name: QUEUES.retention, policy: 'singleton', retryLimit: 2, retryDelay: 600 });
    };
    // pg-boss's create_queue attaches a partition to its job table, and pg-boss creates a queue of its own as it starts:
    // two instances starting together on a new database deadlocked there and one failed to start. Our advisory lock
    // makes them take turns; a creation that still meets pg-boss's background maintenance in a deadlock is run again.
    const setUp = async () => {
      await boss.start();
      await retriedOnDeadlock(createQueues);
    };
    if (deps.connectionString) {
      await deps.db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock($1)', [QUEUE_SETUP_LOCK]);
        await setUp();
      });
    } else {
      await setUp();
    }
    const runner = new JobRunner(boss, deps);
    if (deps.background) {
      await boss.schedule(QUEUES.sweep, '* * * * *', {}, { tz: 'Europe/London' });
      await boss.work(QUEUES.sweep, { pollingIntervalSeconds: 5 }, async () => {
        await runner.sweep();
      });
      await boss.work<DeliverJob>(QUEUES.deliver, { pollingIntervalSeconds: 2, batchSize: 5, includeMetadata: true }, async (jobs) => {
        for (const job of jobs) await runner.deliver(job);
      });
      await boss.work<DeliverJob>(QUEUES.fadeDeliver, { pollingIntervalSeconds: 1, batchSize: 500, includeMetadata: true }, async (jobs) => {
        await runner.deliverBatch(QUEUES.fadeDeliver, jobs);
      });
      await boss.work<DeliverJob>(QUEUES.deliveryGaveUp, { includeMetadata: true }, async (jobs) => {
        for (const job of jobs) await runner.gaveUp(job.data.notificationId, job.output);
      });
      await boss.schedule(QUEUES.retention, '40 3 * * *', {}, { tz: 'Europe/London' });
      await boss.work(QUEUES.retention, async () => {
        await runner.retention();
      });
      // Work a dead process left goes back to the queue at once (the embedded database is this process's alone, so
      // every lease not ours is abandoned; on PostgreSQL another instance may be alive, so only run-out leases).
      await runner.reclaimAbandoned({ anyOther: !deps.connectionString });
      runner.reclaimTimer = setInterval(() => {
        runner.reclaimAbandoned().catch((err: unknown) => deps.log.warn('reclaiming abandoned deliveries failed', { error: String(err) }));
      }, DELIVERY_LEASE.reclaimMs);
      runner.reclaimTimer.unref();
      // Work scheduled for now (a FADE cycle's reminders to write) is swept at once, not at the next minute.
      deps.dispatcher.onWake(() => runner.sweepSoon());
      // Catch up at once after downtime rather than waiting for the first cron tick.
      await runner.sweep();
    }
    return runner;
  }

  /**
   * Claims notifications due by the application's clock and enqueues one delivery
   * job each, in the same transaction: a crash leaves either both or neither.
   * The limit is high enough that a FADE reminder to every cluster goes in one sweep.
   */
  async sweep(limit = 1000): Promise<number> {
    const { db, clock, notifications } = this.deps;
    const claimed = await db.transaction(async (tx) => {
      const due = await notifications.claimDue(clock.now(), limit, tx);
      // One multi-row insert for the lot: a fan-out to hundreds of channels starts at once.
      if (due.length > 0)
        await this.boss.insert(
          due.map((n) => ({ name: deliveryQueueFor(n.kind), data: { notificationId: n.id } })),
          { db: bossDbOver(tx) },
        );
      return due.length;
    });
    if (claimed > 0) this.deps.log.info('notifications queued for delivery', { count: claimed });
    return claimed;
  }

  /**
   * A sweep shortly, once however often asked: after the turn that asked has answered, so it does not queue in front of
   * that turn's own statements. Any instance may sweep at any time (claiming skips locked rows).
   */
  sweepSoon(delayMs = 100): void {
    if (this.stopped || this.sweepTimer) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      if (this.stopped) return;
      this.sweep().catch((err: unknown) => this.deps.log.warn('sweep failed', { error: err instanceof Error ? err.message : String(err) }));
    }, delayMs);
    this.sweepTimer.unref();
  }

  /** Applies the retention rules (deleting old turn state); safe to run on any instance, any number of times. */
  async retention(): Promise<void> {
    await this.deps.retention?.applyRetention();
  }

  /** One delivery attempt; throwing hands the job back to pg-boss to retry with backoff. */
  async deliver(job: PgBoss.JobWithMetadata<DeliverJob>): Promise<void> {
    const { notificationId } = job.data;
    const last = job.retryCount >= job.retryLimit;
    try {
      await measureDelivery(
        job.name,
        { 'cydweithio.notification.id': notificationId, 'cydweithio.attempt': job.retryCount + 1 },
        () => this.deps.dispatcher.deliver(notificationId),
        !last,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.warn('notification delivery failed', { notificationId, attempt: job.retryCount + 1, last, error: message });
      if (last) await this.deps.notifications.markFailed(notificationId, message);
      throw err;
    }
  }

  /**
   * Delivers a batch concurrently, FANOUT_CONCURRENCY at a time (the sender paces them under Teams' limits); each job
   * that fails is failed on its own so pg-boss retries only that one with backoff.
   * Returns how many completed and failed.
   */
  async deliverBatch(queue: string, jobs: PgBoss.JobWithMetadata<DeliverJob>[]): Promise<{ completed: number; failed: number }> {
    const { notifications, clock, log } = this.deps;
    // The batch's leases, taken at once, renewed while it works: if this process dies, they run out and another
    // instance (or this one restarted) hands the jobs back to the queue.
    const heldElsewhere = await notifications.lease(
      jobs.map((j) => ({ id: j.data.notificationId, job: j.id })),
      this.owner,
      clock.now(),
      new Date(clock.now().getTime() + DELIVERY_LEASE.leaseMs),
    );
    const renewal = setInterval(() => {
      notifications
        .renewLeases(this.owner, new Date(clock.now().getTime() + DELIVERY_LEASE.leaseMs))
        .catch((err: unknown) => log.warn('renewing delivery leases failed', { error: String(err) }));
    }, DELIVERY_LEASE.renewMs);
    renewal.unref();
    const results: PromiseSettledResult<void>[] = new Array(jobs.length);
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const i = next++;
        // Another live process is delivering it: this job is retried later, by when that one is done.
        const work = heldElsewhere.has(jobs[i].data.notificationId)
          ? Promise.reject(new Error('another process holds the delivery lease; retried later'))
          : this.deliver(jobs[i]);
        results[i] = await work.then(
          (value) => ({ status: 'fulfilled' as const, value }),
          (reason: unknown) => ({ status: 'rejected' as const, reason }),
        );
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(FANOUT_CONCURRENCY, jobs.length) }, lane));
    } finally {
      clearInterval(renewal);
    }
    let failed = 0;
    const done: string[] = [];
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') {
        failed++;
        await this.boss.fail(queue, jobs[i].id, { message: r.reason instanceof Error ? r.reason.message : String(r.reason) });
      } else {
        done.push(jobs[i].id);
      }
    }
    if (done.length > 0) await this.boss.complete(queue, done);
    // Done with the batch: a failed one is retried by the queue, by whichever instance takes it then.
    await notifications.releaseLeases(
      jobs.map((j) => j.data.notificationId),
      this.owner,
    );
    return { completed: done.length, failed };
  }

  /**
   * Hands back to the queue the delivery jobs of leases that ran out (their process died mid fan-out), or with
   * `anyOther` every lease another process holds: each job is cancelled and resumed, which makes it due now (pg-boss
   * would otherwise keep it active until its 15-minute expiry, then wait out a retry delay). Returns how many.
   */
  async reclaimAbandoned(options: { anyOther?: boolean } = {}): Promise<number> {
    const { db, clock, notifications, log } = this.deps;
    const reclaimed = await db.transaction(async (tx) => {
      const taken = await notifications.reclaimAbandoned(this.owner, clock.now(), options.anyOther ?? false, tx);
      const byQueue = new Map<string, { waiting: string[]; went: string[] }>();
      for (const t of taken) {
        const queue = deliveryQueueFor(t.kind);
        const jobs = byQueue.get(queue) ?? { waiting: [], went: [] };
        (t.queued ? jobs.waiting : jobs.went).push(t.job);
        byQueue.set(queue, jobs);
      }
      const db = bossDbOver(tx);
      for (const [queue, jobs] of byQueue) {
        if (jobs.waiting.length === 0) continue;
        await this.boss.cancel(queue, jobs.waiting, { db });
        await this.boss.resume(queue, jobs.waiting, { db });
      }
      return byQueue;
    });
    // Sent (or dropped) before the process died, with no time to tell pg-boss: nothing is left to do.
    for (const [queue, jobs] of reclaimed) if (jobs.went.length > 0) await this.boss.complete(queue, jobs.went);
    const count = [...reclaimed.values()].reduce((n, jobs) => n + jobs.waiting.length, 0);
    if (count > 0) log.warn('deliveries a stopped process left handed back to the queue', { count });
    return count;
  }

  /**
   * A delivery job pg-boss gave up on: its notification is marked failed (with the reason pg-boss recorded) unless
   * it was sent after all, so nothing stays claimed for ever and the failure is there to see.
   */
  async gaveUp(notificationId: string, output?: unknown): Promise<void> {
    // pg-boss records a timeout as { value: { message } } and a failure we report as { message }.
    const recorded = output as { value?: { message?: unknown }; message?: unknown } | undefined;
    const reason = recorded?.value?.message ?? recorded?.message;
    const message = `delivery gave up: ${typeof reason === 'string' ? reason : 'no reason recorded'}`;
    await this.deps.notifications.markFailed(notificationId, message);
    countDeliveryGaveUp(QUEUES.deliveryGaveUp);
    this.deps.log.warn('notification delivery gave up', { notificationId, reason: message });
  }

  /** True from start until stop (the readiness probe reports it). */
  get running(): boolean {
    return !this.stopped;
  }

  /** Stops taking jobs and lets the ones running finish, for up to `timeoutMs`. */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.reclaimTimer);
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.boss.stop({ graceful: true, timeout: timeoutMs, close: Boolean(this.deps.connectionString) });
  }
}
