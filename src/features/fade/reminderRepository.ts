import type { Sql } from '../../platform/db/db';
import { clusterNames } from '../directory/names';
import { NO_CHANNEL, type DeliveryFailure, type NewDeliveryFailure } from './types';

type Row = Record<string, unknown>;

export type ReminderOutcome = 'sent' | 'dropped' | 'skipped' | 'failed';

/**
 * Owns fade_posts (the reminder card in each channel, to redraw in place), fade_reminder_log
 * (what became of each reminder) and fade_delivery_failures (what admins see in "fade status").
 * The reminders themselves are scheduled notifications, owned by platform/jobs/notifications.
 */
export class SqlFadeReminderRepository {
  constructor(private readonly sql: Sql) {}

  /** Rounds whose reminder card is in the cluster's channel, newest first (a cycle has a few). */
  async postedRounds(clusterId: number): Promise<string[]> {
    const rows = await this.sql.query<{ round_id: string }>('select round_id from fade_posts where cluster_id = $1 order by posted_at desc limit 4', [
      clusterId,
    ]);
    return rows.map((r) => r.round_id);
  }

  async post(roundId: string, clusterId: number): Promise<{ conversationId: string; activityId: string; reminderKey: string } | null> {
    const rows = await this.sql.query<Row>('select * from fade_posts where round_id = $1 and cluster_id = $2', [roundId, clusterId]);
    return rows[0]
      ? { conversationId: rows[0].conversation_id as string, activityId: rows[0].activity_id as string, reminderKey: rows[0].reminder_key as string }
      : null;
  }

  /**
   * A channel card someone pressed, when no post of the round is known (its send was never confirmed):
   * kept so the card is updated in place from now on.
   */
  async rememberPost(roundId: string, clusterId: number, conversationId: string, activityId: string, at: Date): Promise<void> {
    await this.sql.query(
      `insert into fade_posts (round_id, cluster_id, conversation_id, activity_id, reminder_key, posted_at) values ($1, $2, $3, $4, 'pressed', $5)
       on conflict (round_id, cluster_id) do nothing`,
      [roundId, clusterId, conversationId, activityId, at],
    );
  }

  /** Stops updating a card Teams no longer knows (the next reminder posts a new one). */
  async forgetPost(roundId: string, clusterId: number, activityId: string): Promise<void> {
    await this.sql.query('delete from fade_posts where round_id = $1 and cluster_id = $2 and activity_id = $3', [roundId, clusterId, activityId]);
  }

  async logReminder(roundId: string, clusterId: number, key: string, outcome: ReminderOutcome, reason: string | null, at: Date): Promise<void> {
    await this.sql.query(
      `insert into fade_reminder_log (round_id, cluster_id, reminder_key, outcome, reason, at) values ($1, $2, $3, $4, $5, $6)
       on conflict (round_id, cluster_id, reminder_key) do update set outcome = excluded.outcome, reason = excluded.reason, at = excluded.at`,
      [roundId, clusterId, key, outcome, reason, at],
    );
  }

  async reminderLog(roundId: string, clusterId: number): Promise<{ key: string; outcome: string; reason: string | null }[]> {
    const rows = await this.sql.query<Row>('select * from fade_reminder_log where round_id = $1 and cluster_id = $2 order by at', [roundId, clusterId]);
    return rows.map((r) => ({ key: r.reminder_key as string, outcome: r.outcome as string, reason: (r.reason as string | null) ?? null }));
  }

  /** True once a reminder has been recorded as sent (a second delivery of it must not post again). */
  async wasSent(roundId: string, clusterId: number, key: string): Promise<boolean> {
    const rows = await this.sql.query(`select 1 from fade_reminder_log where round_id = $1 and cluster_id = $2 and reminder_key = $3 and outcome = 'sent'`, [
      roundId,
      clusterId,
      key,
    ]);
    return rows.length > 0;
  }

  /** Records a reminder that went: the post (to update it in place) and its outcome, in one statement. */
  async recordSent(roundId: string, clusterId: number, conversationId: string, activityId: string | undefined, key: string, at: Date): Promise<void> {
    await this.sql.query(
      `with post as (
         insert into fade_posts (round_id, cluster_id, conversation_id, activity_id, reminder_key, posted_at)
         select $1, $2, $3, $4, $5, $6 where $4::text is not null
         on conflict (round_id, cluster_id) do update set conversation_id = excluded.conversation_id, activity_id = excluded.activity_id,
           reminder_key = excluded.reminder_key, posted_at = excluded.posted_at
         returning 1)
       insert into fade_reminder_log (round_id, cluster_id, reminder_key, outcome, reason, at) values ($1, $2, $5, 'sent', null, $6)
       on conflict (round_id, cluster_id, reminder_key) do update set outcome = excluded.outcome, reason = excluded.reason, at = excluded.at`,
      [roundId, clusterId, conversationId, activityId ?? null, key, at],
    );
  }

  async recordFailure(f: NewDeliveryFailure): Promise<void> {
    await this.sql.query(
      `insert into fade_delivery_failures (at, tenant_id, cluster_id, conversation_id, what, status, error, attempts) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [f.at, f.tenantId, f.clusterId, f.conversationId, f.what, f.status, f.error.slice(0, 2000), f.attempts],
    );
  }

  /**
   * The latest failures worth an admin's attention: not reminders skipped because a cluster has no channel
   * (counted elsewhere), nor those skipped because its channel was already lost (listed once per channel).
   */
  async failures(tenantId: string, limit = 10): Promise<DeliveryFailure[]> {
    const rows = await this.sql.query<Row>(
      `select f.*, c.name as cluster_name, c.name_cy as cluster_name_cy from fade_delivery_failures f left join clusters c on c.id = f.cluster_id
        where f.tenant_id = $1 and f.error <> $3 and f.error not like 'channel inactive (%' and f.what <> 'channel'
        order by f.at desc, f.id desc limit $2`,
      [tenantId, limit, NO_CHANNEL],
    );
    return rows.map((r) => ({
      at: new Date(r.at as string),
      clusterId: (r.cluster_id as number | null) ?? null,
      clusterName: r.cluster_name ? clusterNames({ name: r.cluster_name as string, nameCy: (r.cluster_name_cy as string | null) ?? null }) : null,
      conversationId: (r.conversation_id as string | null) ?? null,
      what: r.what as string,
      status: (r.status as number | null) ?? null,
      error: r.error as string,
      attempts: r.attempts as number,
    }));
  }
}
