import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/db';

/** 'impactNudge' here; features add their own kinds (the dispatcher routes by kind). */
export type NotificationKind = string;

export interface ScheduledNotification {
  id: string;
  kind: NotificationKind;
  dedupeKey: string;
  tenantId: string;
  recipientId: string;
  subjectId: string;
  dueAt: Date;
  status: 'pending' | 'queued' | 'sent' | 'cancelled' | 'failed';
  attempts: number;
  sentAt: Date | null;
}

export type NewNotification = Pick<ScheduledNotification, 'kind' | 'dedupeKey' | 'tenantId' | 'recipientId' | 'subjectId' | 'dueAt'>;

interface Row {
  id: string;
  kind: NotificationKind;
  dedupe_key: string;
  tenant_id: string;
  recipient_id: string;
  subject_id: string;
  due_at: Date;
  status: ScheduledNotification['status'];
  attempts: number;
  sent_at: Date | null;
}

const toNotification = (r: Row): ScheduledNotification => ({
  id: r.id,
  kind: r.kind,
  dedupeKey: r.dedupe_key,
  tenantId: r.tenant_id,
  recipientId: r.recipient_id,
  subjectId: r.subject_id,
  dueAt: new Date(r.due_at),
  status: r.status,
  attempts: r.attempts,
  sentAt: r.sent_at ? new Date(r.sent_at) : null,
});

/**
 * Things to tell people at a time of the domain's choosing. Due-ness is judged by
 * the application's clock (passed in), not the database's, so schedules are testable.
 */
export class SqlNotificationRepository {
  constructor(private readonly sql: Sql) {}

  /** Schedules once per dedupe key, ever; returns false when it was already scheduled. */
  async schedule(n: NewNotification, sql: Sql = this.sql): Promise<boolean> {
    const rows = await sql.query(
      `insert into scheduled_notifications (id, kind, dedupe_key, tenant_id, recipient_id, subject_id, due_at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (dedupe_key) do nothing returning id`,
      [randomUUID(), n.kind, n.dedupeKey, n.tenantId, n.recipientId, n.subjectId, n.dueAt],
    );
    return rows.length === 1;
  }

  /** Moves due notifications to "queued" and returns them; each is claimed by one caller only. */
  async claimDue(now: Date, limit: number, sql: Sql = this.sql): Promise<ScheduledNotification[]> {
    const rows = await sql.query<Row>(
      `update scheduled_notifications set status = 'queued', attempts = attempts + 1
       where id in (
         select id from scheduled_notifications
         where status = 'pending' and due_at <= $1
         order by due_at, id limit $2
         for update skip locked)
       returning *`,
      [now, limit],
    );
    return rows.map(toNotification);
  }

  async get(id: string): Promise<ScheduledNotification | null> {
    const rows = await this.sql.query<Row>('select * from scheduled_notifications where id = $1', [id]);
    return rows[0] ? toNotification(rows[0]) : null;
  }

  /** Marks a queued notification sent; false if it was not queued (already sent or cancelled). */
  async markSent(id: string, now: Date): Promise<boolean> {
    const rows = await this.sql.query(
      `update scheduled_notifications set status = 'sent', sent_at = $2, last_error = null where id = $1 and status = 'queued' returning id`,
      [id, now],
    );
    return rows.length === 1;
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.sql.query(`update scheduled_notifications set status = 'failed', last_error = $2 where id = $1 and status = 'queued'`, [id, error.slice(0, 2000)]);
  }

  /** A failed attempt: back to pending, to be claimed again. */
  async requeue(id: string, error: string): Promise<void> {
    await this.sql.query(`update scheduled_notifications set status = 'pending', last_error = $2 where id = $1 and status = 'queued'`, [id, error.slice(0, 2000)]);
  }

  async cancel(dedupeKey: string): Promise<void> {
    await this.sql.query(`update scheduled_notifications set status = 'cancelled' where dedupe_key = $1 and status = 'pending'`, [dedupeKey]);
  }

  /** Queued ones left behind by a process that died go back to pending. */
  async requeueStuck(olderThanDueBefore: Date): Promise<number> {
    const rows = await this.sql.query(
      `update scheduled_notifications set status = 'pending' where status = 'queued' and due_at < $1 returning id`,
      [olderThanDueBefore],
    );
    return rows.length;
  }

  async listForSubject(subjectId: string): Promise<ScheduledNotification[]> {
    const rows = await this.sql.query<Row>('select * from scheduled_notifications where subject_id = $1 order by due_at', [subjectId]);
    return rows.map(toNotification);
  }
}
