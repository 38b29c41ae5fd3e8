import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/db';

/** 'impactNudge' here; features add their own kinds (the dispatcher routes by kind). */
export type NotificationKind = string;

/**
 * Where a notification is in its life: waiting for its time, claimed by one instance, gone,
 * stopped before it went, or given up on. Only this file writes the status column.
 */
export const NotificationStatus = {
  pending: 'pending',
  queued: 'queued',
  sent: 'sent',
  cancelled: 'cancelled',
  failed: 'failed',
} as const;
export type NotificationStatus = (typeof NotificationStatus)[keyof typeof NotificationStatus];
const S = NotificationStatus;
/** A status as an SQL literal: written into the statement (not a parameter) so the planner can use the partial index on pending rows. */
const lit = (status: NotificationStatus) => `'${status}'`;

export interface ScheduledNotification {
  id: string;
  kind: NotificationKind;
  dedupeKey: string;
  tenantId: string;
  recipientId: string;
  subjectId: string;
  dueAt: Date;
  status: NotificationStatus;
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
  status: NotificationStatus;
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

  /**
   * Schedules many at once, a thousand rows a statement (a FADE cycle for every cluster is well over a thousand), each
   * once per dedupe key, ever, as `schedule` does. Returns how many were new.
   */
  async scheduleMany(ns: readonly NewNotification[], sql: Sql = this.sql): Promise<number> {
    let added = 0;
    for (let i = 0; i < ns.length; i += 1000) {
      const chunk = ns.slice(i, i + 1000);
      const rows = await sql.query(
        `insert into scheduled_notifications (id, kind, dedupe_key, tenant_id, recipient_id, subject_id, due_at)
         select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
         on conflict (dedupe_key) do nothing returning id`,
        [
          chunk.map(() => randomUUID()),
          chunk.map((n) => n.kind),
          chunk.map((n) => n.dedupeKey),
          chunk.map((n) => n.tenantId),
          chunk.map((n) => n.recipientId),
          chunk.map((n) => n.subjectId),
          chunk.map((n) => n.dueAt.toISOString()),
        ],
      );
      added += rows.length;
    }
    return added;
  }

  /** Moves due notifications to "queued" and returns them; each is claimed by one caller only. */
  async claimDue(now: Date, limit: number, sql: Sql = this.sql): Promise<ScheduledNotification[]> {
    const rows = await sql.query<Row>(
      `update scheduled_notifications set status = ${lit(S.queued)}, attempts = attempts + 1
       where id in (
         select id from scheduled_notifications
         where status = ${lit(S.pending)} and due_at <= $1
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
      `update scheduled_notifications set status = ${lit(S.sent)}, sent_at = $2, last_error = null where id = $1 and status = ${lit(S.queued)} returning id`,
      [id, now],
    );
    return rows.length === 1;
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.sql.query(`update scheduled_notifications set status = ${lit(S.failed)}, last_error = $2 where id = $1 and status = ${lit(S.queued)}`, [
      id,
      error.slice(0, 2000),
    ]);
  }

  /** A failed attempt: back to pending, to be claimed again. */
  async requeue(id: string, error: string): Promise<void> {
    await this.sql.query(`update scheduled_notifications set status = ${lit(S.pending)}, last_error = $2 where id = $1 and status = ${lit(S.queued)}`, [
      id,
      error.slice(0, 2000),
    ]);
  }

  /** Claimed but no longer worth sending: cancelled with the reason, never sent. */
  async drop(id: string, reason: string): Promise<void> {
    await this.sql.query(`update scheduled_notifications set status = ${lit(S.cancelled)}, last_error = $2 where id = $1 and status = ${lit(S.queued)}`, [
      id,
      reason.slice(0, 2000),
    ]);
  }

  /** Stops one that has not gone yet (by its dedupe key); a later schedule with the same key is refused. */
  async cancel(dedupeKey: string, sql: Sql = this.sql): Promise<void> {
    await sql.query(`update scheduled_notifications set status = ${lit(S.cancelled)} where dedupe_key = $1 and status = ${lit(S.pending)}`, [dedupeKey]);
  }

  /** Stops every pending one of a kind about a subject for a recipient, with the reason; returns how many. */
  async cancelFor(n: Pick<NewNotification, 'kind' | 'subjectId' | 'recipientId'>, reason: string, sql: Sql = this.sql): Promise<number> {
    const rows = await sql.query(
      `update scheduled_notifications set status = ${lit(S.cancelled)}, last_error = $4
       where kind = $1 and subject_id = $2 and recipient_id = $3 and status = ${lit(S.pending)} returning id`,
      [n.kind, n.subjectId, n.recipientId, reason],
    );
    return rows.length;
  }

  /**
   * Takes the delivery lease of queued notifications for `owner` (one process), each with the job delivering it,
   * until `until`: those with no lease, one that ran out by `now`, or one `owner` already holds. Returns the ids
   * still queued whose lease another process holds (it is delivering them); the rest are taken, or no longer queued.
   */
  async lease(items: readonly { id: string; job: string }[], owner: string, now: Date, until: Date): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const rows = await this.sql.query<{ id: string }>(
      `with wanted as (select * from unnest($1::uuid[], $2::text[]) as t(id, job)),
            taken as (
              update scheduled_notifications n set lease_owner = $3, lease_job = w.job, lease_until = $5
                from wanted w
               where n.id = w.id and n.status = ${lit(S.queued)} and (n.lease_owner is null or n.lease_owner = $3 or n.lease_until < $4)
               returning n.id)
       select n.id from scheduled_notifications n join wanted w on w.id = n.id
        where n.status = ${lit(S.queued)} and not exists (select 1 from taken where taken.id = n.id)`,
      [items.map((i) => i.id), items.map((i) => i.job), owner, now, until],
    );
    return new Set(rows.map((r) => String(r.id)));
  }

  /** The owner is alive: every lease it holds on a notification still queued lasts until `until`. Returns how many. */
  async renewLeases(owner: string, until: Date): Promise<number> {
    const rows = await this.sql.query(`update scheduled_notifications set lease_until = $2 where lease_owner = $1 and status = ${lit(S.queued)} returning id`, [
      owner,
      until,
    ]);
    return rows.length;
  }

  /** The owner is done with these: delivered, or their jobs to be retried by the queue, by whoever takes them then. */
  async releaseLeases(ids: readonly string[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(
      `update scheduled_notifications set lease_owner = null, lease_job = null, lease_until = null where id = any($1::uuid[]) and lease_owner = $2`,
      [ids, owner],
    );
  }

  /**
   * Work a dead process left: leases that ran out by `now` (or, with `anyOther`, every lease not `owner`'s: only
   * one process can have the embedded database open). The leases are cleared; each comes back with its job and
   * whether its notification still waits to go (`queued`) or went before the process died.
   */
  async reclaimAbandoned(
    owner: string,
    now: Date,
    anyOther: boolean,
    sql: Sql = this.sql,
  ): Promise<{ id: string; kind: NotificationKind; job: string; queued: boolean }[]> {
    const rows = await sql.query<{ id: string; kind: NotificationKind; job: string; queued: boolean }>(
      `update scheduled_notifications n set lease_owner = null, lease_job = null, lease_until = null
         from (select id, lease_job from scheduled_notifications
                where lease_owner is not null and lease_owner <> $1 and (lease_until < $2 or $3::boolean)
                for update skip locked) as old
        where n.id = old.id
        returning n.id, n.kind, old.lease_job as job, n.status = ${lit(S.queued)} as queued`,
      [owner, now, anyOther],
    );
    return rows;
  }

  /** Queued ones left behind by a process that died go back to pending. */
  async requeueStuck(olderThanDueBefore: Date): Promise<number> {
    const rows = await this.sql.query(
      `update scheduled_notifications set status = ${lit(S.pending)} where status = ${lit(S.queued)} and due_at < $1 returning id`,
      [olderThanDueBefore],
    );
    return rows.length;
  }

  async listForSubject(subjectId: string): Promise<ScheduledNotification[]> {
    const rows = await this.sql.query<Row>('select * from scheduled_notifications where subject_id = $1 order by due_at', [subjectId]);
    return rows.map(toNotification);
  }

  /** The notifications of a kind about a subject for one recipient, earliest first. */
  async scheduleOf(n: Pick<NewNotification, 'kind' | 'subjectId' | 'recipientId'>): Promise<ScheduledNotification[]> {
    const rows = await this.sql.query<Row>(
      'select * from scheduled_notifications where kind = $1 and subject_id = $2 and recipient_id = $3 order by due_at, id',
      [n.kind, n.subjectId, n.recipientId],
    );
    return rows.map(toNotification);
  }

  /** How many of a kind have gone and how many wait, per subject (subjects with none are left out). */
  async progress(kind: NotificationKind, subjectIds: readonly string[]): Promise<Map<string, { sent: number; pending: number }>> {
    const counts = new Map<string, { sent: number; pending: number }>();
    if (subjectIds.length === 0) return counts;
    const rows = await this.sql.query<{ subject_id: string; sent: number; pending: number }>(
      `select subject_id, count(*) filter (where status = ${lit(S.sent)})::int as sent, count(*) filter (where status = ${lit(S.pending)})::int as pending
         from scheduled_notifications where kind = $1 and subject_id = any($2::text[]) group by subject_id`,
      [kind, subjectIds],
    );
    for (const r of rows) counts.set(r.subject_id, { sent: Number(r.sent), pending: Number(r.pending) });
    return counts;
  }

  /**
   * A person's data is deleted: what was meant for them is handed to `placeholder`, and
   * whatever had not gone yet is cancelled. Runs in the caller's transaction; returns how many.
   */
  async handOverRecipient(tenantId: string, userId: string, placeholder: string, sql: Sql): Promise<number> {
    const rows = await sql.query(
      `update scheduled_notifications set recipient_id = $3,
              status = case when status in (${lit(S.pending)}, ${lit(S.queued)}) then ${lit(S.cancelled)} else status end
        where tenant_id = $1 and recipient_id = $2 returning id`,
      [tenantId, userId, placeholder],
    );
    return rows.length;
  }
}
