import type PgBoss from 'pg-boss';
import { QUEUES, type JobRunner } from '../../src/platform/jobs/queue';
import type { Sql } from '../../src/platform/db/db';

/**
 * Runs every delivery job that is available, with no timers. `retriesDueBy` makes
 * retries that are waiting out their backoff (by the database's clock) due now.
 */
export async function drainDeliveries(runner: JobRunner, sql: Sql, schema: string, retriesDueBy?: Date): Promise<{ completed: number; failed: number }> {
  const result = { completed: 0, failed: 0 };
  for (let round = 0; round < 100; round++) {
    // PGlite's now() has millisecond resolution and fetch wants start_after < now(): nudge due jobs back a little.
    await sql.query(
      `update ${schema}.job set start_after = now() - interval '1 millisecond'
       where state < 'active' and name = $1 and start_after <= coalesce($2::timestamptz, now())`,
      [QUEUES.deliver, retriesDueBy ?? null],
    );
    const jobs = (await runner.boss.fetch(QUEUES.deliver, { batchSize: 20, includeMetadata: true })) as PgBoss.JobWithMetadata<{ notificationId: string }>[];
    if (jobs.length === 0) return result;
    for (const job of jobs) {
      try {
        await runner.deliver(job);
        await runner.boss.complete(QUEUES.deliver, job.id);
        result.completed++;
      } catch (err) {
        await runner.boss.fail(QUEUES.deliver, job.id, { message: String(err) });
        result.failed++;
      }
    }
  }
  throw new Error('deliveries did not drain');
}
