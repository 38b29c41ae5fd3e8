import type { Clock } from '../clock';
import type { Logger } from '../log';
import { NotificationStatus, type ScheduledNotification, type SqlNotificationRepository } from './notifications';
import { DeliveryUnconfirmedError, isConversationGone, statusOfSendError } from '../teams/messenger';

export interface DispatcherDeps {
  notifications: SqlNotificationRepository;
  clock: Clock;
  log: Logger;
  /** Teams said the person's personal chat is gone (403 or 404): forget its reference. */
  personalChatGone: (tenantId: string, userId: string) => Promise<void>;
  maxAttempts?: number;
}

export type DeliveryResult = 'sent' | 'skipped' | 'retry' | 'failed';

/**
 * Delivers one claimed notification of a kind: returns 'sent' once it has gone,
 * 'skipped' when it no longer applies (after marking it failed with the reason),
 * or throws to have it retried.
 */
export type NotificationHandler = (n: ScheduledNotification) => Promise<'sent' | 'skipped'>;

/**
 * Sends scheduled notifications that are due by the application's clock.
 * Claiming marks each one "queued" first, so two instances never both send it.
 */
export class NotificationDispatcher {
  private readonly handlers = new Map<string, NotificationHandler>();
  private wakeListener?: () => void;

  constructor(private readonly deps: DispatcherDeps) {}

  /** Each feature registers how its kinds of notification are delivered. */
  register(kind: string, handler: NotificationHandler): void {
    this.handlers.set(kind, handler);
  }

  /**
   * Something was scheduled to be done at once (a FADE cycle's reminders to write): the job runner sweeps soon rather
   * than at the next minute. With no runner listening (tests drive every step themselves) nothing happens.
   */
  wake(): void {
    this.wakeListener?.();
  }

  /** The job runner's hook for `wake`. */
  onWake(listener: () => void): void {
    this.wakeListener = listener;
  }

  /** Claims what is due now; the caller delivers each (directly, or through the job queue). */
  claimDue(limit = 50): Promise<ScheduledNotification[]> {
    return this.deps.notifications.claimDue(this.deps.clock.now(), limit);
  }

  async deliver(notificationId: string): Promise<DeliveryResult> {
    const { notifications, clock, log } = this.deps;
    const n = await notifications.get(notificationId);
    if (!n || n.status !== NotificationStatus.queued) return 'skipped';
    const handler = this.handlers.get(n.kind);
    if (!handler) {
      await notifications.markFailed(n.id, `no handler for ${n.kind}`);
      log.error('notification of an unknown kind', { id: n.id, kind: n.kind });
      return 'skipped';
    }
    let result: 'sent' | 'skipped';
    try {
      result = await handler(n);
    } catch (err) {
      if (isConversationGone(err)) {
        // Blocked, or the app removed: permanent. The chat's reference goes, so nothing else is tried there.
        await notifications.markFailed(n.id, `undeliverable: Teams answered ${statusOfSendError(err)} for the personal chat`);
        await this.deps.personalChatGone(n.tenantId, n.recipientId);
        log.warn('notification undeliverable: personal chat gone', { id: n.id, kind: n.kind, tenantId: n.tenantId, status: statusOfSendError(err) });
        return 'skipped';
      }
      if (!(err instanceof DeliveryUnconfirmedError)) throw err;
      // It may well have arrived: a retry could post it twice, so it counts as sent.
      log.warn('notification sent but not confirmed; not resent', { id: n.id, kind: n.kind, error: err.message });
      result = 'sent';
    }
    if (result === 'sent') await notifications.markSent(n.id, clock.now());
    return result;
  }

  /** Claims and delivers everything due, one by one: the simple path (tests, single instance). */
  async deliverDue(limit = 50): Promise<Record<DeliveryResult, number>> {
    const counts: Record<DeliveryResult, number> = { sent: 0, skipped: 0, retry: 0, failed: 0 };
    for (const n of await this.claimDue(limit)) {
      try {
        counts[await this.deliver(n.id)]++;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const giveUp = n.attempts >= (this.deps.maxAttempts ?? 5);
        if (giveUp) await this.deps.notifications.markFailed(n.id, message);
        else await this.deps.notifications.requeue(n.id, message);
        this.deps.log.warn('notification delivery failed', { id: n.id, attempts: n.attempts, giveUp, error: message });
        counts[giveUp ? 'failed' : 'retry']++;
      }
    }
    return counts;
  }
}
