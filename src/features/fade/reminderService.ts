import type { ScheduledNotification } from '../../platform/jobs/notifications';
import type { SendOutcome } from '../../platform/teams/channelSender';
import type { FadeCycleService } from './cycleService';
import { FADE_REMINDER_KIND } from './cycleService';
import type { FadeDeps } from './deps';
import { clusterNames } from '../directory/names';
import { memberStatuses, needsReminder, reminderRelevance, workingDaysLeft } from './model';
import type { ReminderOutcome } from './reminderRepository';
import { NO_CHANNEL, type ClusterInfo, type FadeConversation, type FadeReport, type ReminderView, type RemovalReason, type Round } from './types';

type Refused = Extract<SendOutcome, { ok: false }>;

/**
 * FADE reminders in cluster channels: each delivered once (through the notification dispatcher),
 * and the card already in the channel redrawn in place when statuses change.
 */
export class FadeReminderService {
  constructor(
    private readonly deps: FadeDeps,
    private readonly cycles: FadeCycleService,
    /** Teams refused a channel for good: the channel service stops posting there and tells the admins. */
    private readonly channelRefused: (tenantId: string, conversationId: string, reason: RemovalReason) => Promise<unknown>,
  ) {}

  /** The dispatcher's handler for 'fadeReminder': sends it once, or drops it with the reason. */
  async deliverReminder(n: ScheduledNotification): Promise<'sent' | 'skipped'> {
    const { store, notifications, clock, log } = this.deps;
    const [, roundId, clusterText, key] = n.dedupeKey.split(':');
    const clusterId = Number(clusterText);
    const now = clock.now();
    const drop = async (outcome: ReminderOutcome, reason: string) => {
      await notifications.drop(n.id, reason);
      await store.reminders.logReminder(roundId, clusterId, key, outcome, reason, now);
      log.info('FADE reminder not sent', { roundId, clusterId, key, reason });
      return 'skipped' as const;
    };
    // Posted and recorded by a process that died before marking the notification sent: done, not posted again.
    if (await store.reminders.wasSent(roundId, clusterId, key)) {
      log.info('FADE reminder already posted; not posted again', { roundId, clusterId, key });
      return 'sent';
    }
    const round = await store.cycles.roundForJob(roundId);
    const cluster = round ? await store.clusters.getCluster(clusterId) : null;
    if (!round || !cluster) return drop('skipped', 'round or cluster no longer exists');
    const report = await store.reports.report(roundId, clusterId);
    if (!needsReminder(report?.status ?? 'notStarted')) return drop('skipped', 'report submitted');
    const schedule = (await notifications.scheduleOf({ kind: FADE_REMINDER_KIND, subjectId: roundId, recipientId: String(clusterId) })).map((r) => ({
      key: r.dedupeKey.split(':').pop()!,
      sendAt: r.dueAt,
    }));
    const relevance = reminderRelevance({ key, sendAt: n.dueAt }, schedule, now);
    if (!relevance.send && relevance.reason === 'superseded') {
      log.warn('stale FADE reminder dropped', { roundId, clusterId, key, dueAt: n.dueAt.toISOString() });
      return drop('dropped', 'stale: a later reminder is already due');
    }
    const channel = await store.channels.channelForCluster(clusterId, this.deps.community.tenantsOf(n.tenantId));
    if (!channel || !channel.active) {
      const reason = channel ? `channel inactive (${channel.inactiveReason ?? 'unknown'})` : NO_CHANNEL;
      await store.reminders.recordFailure({
        at: now,
        tenantId: n.tenantId,
        clusterId,
        conversationId: channel?.conversationId ?? null,
        what: `reminder ${key}`,
        status: null,
        error: reason,
        attempts: 0,
      });
      return drop('skipped', reason);
    }
    const { view, leadId } = await this.reminderView(round, cluster, report);
    // Recorded as soon as Teams answers, before the sender lets another post go: what a crash can post twice is
    // only what was out and not yet recorded (at most the sender's MAX_UNRECORDED).
    const outcome = await this.deps.sender.post(channel.reference, { card: this.deps.cards.reminder(view), ...mention(view.leadName, leadId) }, (posted) =>
      store.reminders.recordSent(roundId, clusterId, channel.conversationId, posted.activityId, key, now),
    );
    if (outcome.ok) return 'sent';
    await this.failed(n.tenantId, clusterId, channel, `reminder ${key}`, outcome);
    if (outcome.permanent) return drop('skipped', `Teams refused: ${outcome.status ?? ''} ${outcome.error}`.trim());
    // Transient (throttled or unavailable beyond our retries): the job queue tries again later.
    throw new Error(`reminder not delivered: ${outcome.error}`);
  }

  /** Records a send Teams refused; a channel refused for good (403, 404) is treated as removed. */
  async failed(tenantId: string, clusterId: number, channel: FadeConversation, what: string, outcome: Refused): Promise<void> {
    await this.deps.store.reminders.recordFailure({
      at: this.deps.clock.now(),
      tenantId,
      clusterId,
      conversationId: channel.conversationId,
      what,
      status: outcome.status ?? null,
      error: outcome.error,
      attempts: outcome.attempts,
    });
    if (outcome.permanent && (outcome.status === 403 || outcome.status === 404)) await this.channelRefused(tenantId, channel.conversationId, 'sendRefused');
  }

  private async reminderView(round: Round, cluster: ClusterInfo, report: FadeReport | null): Promise<{ view: ReminderView; leadId: string | null }> {
    const { store, clock } = this.deps;
    const members = await store.clusters.members(cluster.id);
    const parts = memberStatuses(
      members.map((m) => m.schoolId),
      await store.reports.parts(round.id, cluster.id),
    );
    const lead = await store.clusters.leadPerson(this.deps.community.tenantsOf(round.tenantId), cluster);
    const view: ReminderView = {
      roundId: round.id,
      clusterId: cluster.id,
      clusterName: clusterNames(cluster),
      language: cluster.language,
      roundName: round.name,
      cycleName: round.cycleName,
      deadline: round.deadline,
      daysLeft: workingDaysLeft(clock.now(), round.deadline, await this.cycles.holidaysFor(round.tenantId)),
      leadName: lead?.displayName ?? null,
      members: members.map((m, i) => ({ nameEn: m.nameEn, nameCy: m.nameCy, status: parts[i].status })),
      reportStatus: report?.status ?? 'notStarted',
      draftOpened: report !== null,
      leadInPersonalChat: lead?.inPersonalChat ?? false,
      submittedAt: report?.submittedAt ?? null,
      reviewJudgement: report?.reviewJudgement ?? null,
    };
    return { view, leadId: lead?.userId ?? null };
  }

  /** The reminder card as it should look now (for a channel card someone in `tenantId` pressed), if the round is their community's. */
  async reminderNow(tenantId: string, roundId: string, clusterId: number): Promise<ReminderView | null> {
    const { store } = this.deps;
    const round = await store.cycles.getRound(roundId, this.deps.community.tenantsOf(tenantId));
    const cluster = await store.clusters.getCluster(clusterId);
    if (!round || !cluster) return null;
    return (await this.reminderView(round, cluster, await store.reports.report(roundId, clusterId))).view;
  }

  /**
   * Someone pressed a round's card in the cluster's channel: if the bot never learnt that card's id (its post
   * was not confirmed), it is kept now, so the card is redrawn in place as the round goes on.
   */
  async cardPressed(tenantId: string, roundId: string, clusterId: number, conversationId: string, activityId: string): Promise<void> {
    const { store, clock, community } = this.deps;
    const channel = await store.channels.channelForCluster(clusterId, community.tenantsOf(tenantId));
    if (channel?.conversationId !== conversationId || (await store.reminders.post(roundId, clusterId))) return;
    await store.reminders.rememberPost(roundId, clusterId, conversationId, activityId, clock.now());
  }

  /** Redraws the reminder card already in the channel (statuses changed), in place. */
  async refreshReminderCard(roundId: string, clusterId: number): Promise<boolean> {
    const { store } = this.deps;
    const post = await store.reminders.post(roundId, clusterId);
    if (!post) return false;
    const channel = await store.channels.getConversation(post.conversationId);
    const round = await store.cycles.roundForJob(roundId);
    const cluster = await store.clusters.getCluster(clusterId);
    if (!channel || !channel.active || !round || !cluster) return false;
    const { view, leadId } = await this.reminderView(round, cluster, await store.reports.report(roundId, clusterId));
    const outcome = await this.deps.sender.update(channel.reference, post.activityId, {
      card: this.deps.cards.reminder(view),
      ...mention(view.leadName, leadId),
    });
    if (outcome.ok) return true;
    if (outcome.status === 404) {
      // The card is gone (deleted, or never the card we took it for), not the channel: stop updating it.
      await store.reminders.forgetPost(roundId, clusterId, post.activityId);
      await store.reminders.recordFailure({
        at: this.deps.clock.now(),
        tenantId: round.tenantId,
        clusterId,
        conversationId: channel.conversationId,
        what: 'card update',
        status: 404,
        error: outcome.error,
        attempts: outcome.attempts,
      });
      return false;
    }
    await this.failed(round.tenantId, clusterId, channel, 'card update', outcome);
    return false;
  }
}

/** The lead @mentioned beside the card, so Teams tells them. */
function mention(name: string | null, id: string | null): { text?: string; entities?: Record<string, unknown>[] } {
  if (!name || !id) return {};
  const at = `<at>${name}</at>`;
  return { text: at, entities: [{ type: 'mention', text: at, mentioned: { id, name } }] };
}
