import type { Sql } from './db/db';
import type { Actor } from './actor';
import type { Clock } from './clock';

/**
 * How much one person may do in a window: generous enough that nobody working normally meets it, low enough
 * that a script or a stuck client cannot flood other people's cards or the database.
 */
export const RATE_LIMITS = {
  newPlan: { max: 20, windowMs: 3_600_000 },
  supportRequest: { max: 30, windowMs: 3_600_000 },
  message: { max: 60, windowMs: 60_000 },
} as const;
export type LimitedAction = keyof typeof RATE_LIMITS;

/** The one owner of `rate_limits`: counts in the database, so every instance shares the same limit. */
export class SqlRateLimits {
  constructor(
    private readonly db: Sql,
    private readonly clock: Clock,
  ) {}

  /** Counts one more of the action for the person; false when that goes over the limit for the current window. */
  async take(actor: Actor, action: LimitedAction): Promise<boolean> {
    const { max, windowMs } = RATE_LIMITS[action];
    const now = this.clock.now().getTime();
    const windowStart = new Date(now - (now % windowMs));
    // One round trip: the person's older windows of this action are done with, and go in the same statement.
    const [row] = await this.db.query<{ count: number }>(
      `with done as (delete from rate_limits where tenant_id = $1 and user_id = $2 and action = $3 and window_start < $4)
       insert into rate_limits (tenant_id, user_id, action, window_start, count) values ($1, $2, $3, $4, 1)
       on conflict (tenant_id, user_id, action, window_start) do update set count = rate_limits.count + 1
       returning count`,
      [actor.tenantId, actor.userId, action, windowStart],
    );
    return row.count <= max;
  }
}
