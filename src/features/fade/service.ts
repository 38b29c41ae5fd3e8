import {
  fadeMessage,
  fadeNoticeCard,
  formatLocalDate,
  inLanguages,
  judgementLabel,
  languagesOf,
  reminderCard,
  reportCard,
  reviewCard,
  roundLabel,
  type ReminderView,
} from './cards';
import type { CardJson } from '../../platform/cards/render';
import type { Clock } from '../../platform/clock';
import {
  DEFAULT_SEND_TIME,
  FADE_SECTIONS,
  checkSubmission,
  developItems,
  draftReport,
  isJudgement,
  memberStatuses,
  needsReminder,
  reminderRelevance,
  reminderSchedule,
  validateOffsets,
  validateRounds,
  workingDaysLeft,
  type FadeSections,
  type Judgement,
  type RoundDefinition,
} from './model';
import { localDateOf } from '../../platform/workingDays';
import { schoolName } from '../directory/names';
import { formatTime, t, type Locale, type MessageKey } from '../../platform/i18n';
import type { Logger } from '../../platform/log';
import type { Database } from '../../platform/db/db';
import type { ClusterInfo, DeliveryFailure, FadeConversation, FadeReport, LeadPerson, Round, SqlFadeRepository } from './repository';

const REMOVAL_REASONS = ['channelDeleted', 'botRemoved', 'sendRefused'] as const;
const NO_CHANNEL = 'no channel linked';

/** Why a post failed, in the reader's language; what Teams said stays as a technical detail. */
function failureReason(locale: Locale, f: DeliveryFailure): string {
  const known = REMOVAL_REASONS.find((r) => f.error === r || f.error.includes(`(${r})`));
  if (known) return t(locale, `fade.removed.${known}`);
  if (f.error === NO_CHANNEL) return t(locale, 'fade.status.noChannel');
  if (f.status === 403 || f.status === 404) return t(locale, 'fade.removed.sendRefused');
  return t(locale, 'fade.status.failureOther', { detail: `${f.what}: ${f.status ?? ''} ${f.error}`.replace(/\s+/g, ' ').slice(0, 200) });
}
import type { ScheduledNotification, SqlNotificationRepository } from '../../platform/jobs/notifications';
import type { SqlAuditLog, SqlRoleRepository } from '../people/roles';
import type { UserRecord, UserRepository } from '../people/users';
import type { ChannelSender, SendOutcome } from '../../platform/teams/channelSender';
import type { Messenger } from '../../platform/teams/messenger';
import type { Actor } from '../../platform/actor';

export const FADE_REMINDER_KIND = 'fadeReminder';
export const fadeReminderKey = (roundId: string, clusterId: number, key: string) => `fade:${roundId}:${clusterId}:${key}`;

export interface FadeServiceDeps {
  db: Database;
  repo: SqlFadeRepository;
  notifications: SqlNotificationRepository;
  roles: SqlRoleRepository;
  users: UserRepository;
  audit: SqlAuditLog;
  /** Channel posts and updates, paced under Teams' limits. */
  sender: ChannelSender;
  /** Personal messages (reviewers, admins). */
  messenger: Messenger;
  clock: Clock;
  log: Logger;
  defaultLocale: Locale;
  /** School holidays from configuration, added to those stored per tenant. */
  holidays?: ReadonlySet<string>;
  /** Admins from configuration (ADMIN_USER_IDS), told about channels that stopped working. */
  configuredAdmins?: readonly string[];
}

export type LinkOutcome =
  | { kind: 'linked'; cluster: ClusterInfo; card: CardJson }
  | { kind: 'refused'; key: MessageKey; params?: Record<string, string | number> };

/** A team, channel or chat the bot was seen in, before any cluster is linked to it. */
export type ConversationSeen = Omit<FadeConversation, 'clusterId' | 'active' | 'inactiveReason'>;

type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'refused'; key: MessageKey; params?: Record<string, string | number> };
const refused = (key: MessageKey, params?: Record<string, string | number>) => ({ kind: 'refused' as const, key, params });

/**
 * FADE use cases: cluster channels, cycles, reminders (delivered once, through the
 * notification dispatcher), the report drafted from what the bot knows, and review.
 */
export class FadeService {
  constructor(private readonly deps: FadeServiceDeps) {}

  get repo(): SqlFadeRepository {
    return this.deps.repo;
  }

  /**
   * Rounds, clusters and their members change rarely and a fan-out reads them once per channel:
   * kept for 30 seconds (rounds never change once set).
   */
  private readonly cache = new Map<string, { at: number; value: unknown }>();

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < 30_000) return hit.value as T;
    const value = await load();
    if (value !== null) this.cache.set(key, { at: Date.now(), value });
    if (this.cache.size > 5_000) this.cache.clear();
    return value;
  }

  /** Holidays per tenant, read at most every 30 seconds: a fan-out asks for them once per channel. */
  private readonly holidayCache = new Map<string, { at: number; days: Set<string> }>();

  /** The tenant's school holidays (configured and added by admins); matching's waiting reminders count them too. */
  async holidaysFor(tenantId: string): Promise<ReadonlySet<string>> {
    return this.holidays(tenantId);
  }

  private async holidays(tenantId: string): Promise<Set<string>> {
    const cached = this.holidayCache.get(tenantId);
    if (cached && Date.now() - cached.at < 30_000) return cached.days;
    const stored = await this.deps.repo.holidays(tenantId);
    for (const d of this.deps.holidays ?? []) stored.add(d);
    this.holidayCache.set(tenantId, { at: Date.now(), days: stored });
    return stored;
  }

  // ---------------------------------------------------------------- channels

  async conversationSeen(c: ConversationSeen): Promise<FadeConversation> {
    return this.deps.repo.upsertConversation(c);
  }

  async linkCluster(actor: Actor, conversation: ConversationSeen, name: string): Promise<LinkOutcome> {
    const { repo, roles, clock, audit } = this.deps;
    if (conversation.kind !== 'channel' && conversation.kind !== 'groupChat') return refused('fade.link.notChannel');
    if (name.trim() === '') return refused('fade.link.usage');
    const found = await repo.findClusters(name);
    const exact = found.filter((c) => c.name.toLowerCase() === name.trim().toLowerCase() || c.name.toLowerCase() === `${name.trim().toLowerCase()} cluster`);
    const candidates = exact.length > 0 ? exact : found;
    if (candidates.length === 0) return refused('fade.link.notFound', { name });
    if (candidates.length > 1) return refused('fade.link.ambiguous', { name, list: candidates.map((c) => c.name).join(', ') });
    const cluster = candidates[0];
    const isAdmin = await roles.isAdmin(actor.tenantId, actor.userId);
    if (!isAdmin && !(await this.isLead(actor, cluster))) return refused('fade.link.forbidden');
    await repo.upsertConversation(conversation);
    await repo.linkCluster(conversation.conversationId, cluster.id, actor.userId, clock.now());
    await audit.record({ at: clock.now(), tenantId: actor.tenantId, actorId: actor.userId, action: 'fade.linkCluster', subjectType: 'cluster', subjectId: String(cluster.id), details: { conversationId: conversation.conversationId } });
    const members = await repo.members(cluster.id);
    const lead = await repo.leadPerson(actor.tenantId, cluster);
    const languages = languagesOf(cluster.language);
    const card = fadeNoticeCard(
      languages,
      (l) => ({
        heading: t(l, 'fade.link.heading'),
        lines: [
          t(l, 'fade.link.done', { cluster: cluster.name }),
          t(l, 'fade.link.members', { list: members.map((m) => (l === 'cy' && m.nameCy ? m.nameCy : m.nameEn)).join(', ') }),
          t(l, 'fade.link.language', { language: t(l, `fade.language.${cluster.language}` as MessageKey) }),
          lead?.displayName ? t(l, 'fade.link.lead', { lead: lead.displayName }) : '',
        ],
      }),
      'good',
    );
    return { kind: 'linked', cluster, card };
  }

  /** The lead: the person chosen for the cluster, or, until someone is chosen, anyone registered at the lead school. */
  async isLead(actor: Actor, cluster: ClusterInfo, user?: UserRecord | null): Promise<boolean> {
    const lead = await this.deps.repo.leadPerson(actor.tenantId, cluster);
    if (lead?.userId === actor.userId) return true;
    if (lead?.chosen) return false;
    const me = user ?? (await this.deps.users.get(actor.tenantId, actor.userId));
    return cluster.leadSchoolId !== null && me?.schoolId === cluster.leadSchoolId;
  }

  /**
   * The lead rotates: the current lead or an admin hands it to someone at a member school by name,
   * and a member school's head may take it on themself (an empty name). Reminders already in the
   * channel are redrawn so they @mention the new lead.
   */
  async setLead(actor: Actor, cluster: ClusterInfo, user: UserRecord | null, name: string): Promise<Outcome<string>> {
    const { repo, clock, audit } = this.deps;
    const wanted = name.trim();
    let chosen: LeadPerson;
    if (wanted === '') {
      const mine = user?.schoolId ? await repo.clusterOfSchool(user.schoolId) : null;
      if (mine !== cluster.id) return refused('fade.lead.notMember', { cluster: cluster.name });
      chosen = { userId: actor.userId, displayName: user?.displayName ?? null };
    } else {
      if (!(await this.canEdit(actor, cluster))) return refused('fade.lead.forbidden');
      const found = await repo.peopleAtMemberSchools(actor.tenantId, cluster.id, wanted);
      const exact = found.filter((p) => p.displayName?.toLowerCase() === wanted.toLowerCase());
      const candidates = exact.length > 0 ? exact : found;
      if (candidates.length === 0) return refused('fade.lead.notFound', { name: wanted, cluster: cluster.name });
      if (candidates.length > 1) return refused('fade.lead.ambiguous', { name: wanted, list: candidates.map((p) => p.displayName).join(', ') });
      chosen = candidates[0];
    }
    const at = clock.now();
    await repo.setLeadPerson(actor.tenantId, cluster.id, chosen.userId, actor.userId, at);
    await audit.record({ at, tenantId: actor.tenantId, actorId: actor.userId, action: 'fade.setLead', subjectType: 'cluster', subjectId: String(cluster.id), details: { leadId: chosen.userId } });
    for (const roundId of await repo.postedRounds(cluster.id)) await this.refreshReminderCard(roundId, cluster.id);
    return { kind: 'ok', value: chosen.displayName ?? '' };
  }

  /** The bot was removed or the channel deleted: stop posting there and tell the admins. */
  async conversationsRemoved(tenantId: string, where: { conversationId?: string; teamId?: string }, reason: 'channelDeleted' | 'botRemoved' | 'sendRefused'): Promise<number> {
    const gone = await this.deps.repo.deactivate(where, reason);
    for (const c of gone.filter((g) => g.clusterId !== null)) {
      const cluster = await this.deps.repo.getCluster(c.clusterId!);
      this.deps.log.warn('cluster channel no longer reachable', { clusterId: c.clusterId, conversationId: c.conversationId, reason });
      await this.deps.repo.recordFailure({ at: this.deps.clock.now(), tenantId, clusterId: c.clusterId, conversationId: c.conversationId, what: 'channel', status: null, error: reason, attempts: 0 });
      if (cluster) await this.tellAdmins(tenantId, (l) => t(l, 'fade.removed.admin', { cluster: cluster.name, reason: t(l, `fade.removed.${reason}` as MessageKey) }));
    }
    return gone.length;
  }

  private async tellAdmins(tenantId: string, text: (l: Locale) => string): Promise<void> {
    const { users, messenger, log } = this.deps;
    for (const userId of new Set([...(this.deps.configuredAdmins ?? []), ...(await this.deps.repo.adminIds(tenantId))])) {
      const user = await users.get(tenantId, userId);
      if (!user?.personalConversation) continue;
      const locale = user.locale ?? this.deps.defaultLocale;
      try {
        await messenger.send(user.personalConversation, { card: fadeNoticeCard([locale], (l) => ({ heading: t(l, 'fade.notice.heading'), lines: [text(l)] }), 'attention') });
      } catch (err) {
        log.warn('could not tell an admin', { userId, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  // ---------------------------------------------------------------- cycles

  async defineCycle(
    actor: Actor,
    input: { name: string; rounds: RoundDefinition[]; offsets: number[]; sendTime?: string; clusterIds?: number[] },
  ): Promise<Outcome<{ clusters: number; rounds: number; reminders: number }>> {
    const { db, repo, roles, notifications, clock, audit } = this.deps;
    if (!(await roles.isAdmin(actor.tenantId, actor.userId))) return refused('fade.adminOnly');
    const problem = validateRounds(input.rounds) ?? validateOffsets(input.offsets);
    if (problem) return refused(problem);
    const sendTime = input.sendTime?.trim() || DEFAULT_SEND_TIME;
    if (!/^\d{2}:\d{2}$/.test(sendTime) || Number(sendTime.slice(0, 2)) > 23 || Number(sendTime.slice(3)) > 59) return refused('fade.problem.badTime');
    const clusterIds = input.clusterIds && input.clusterIds.length > 0 ? input.clusterIds : await repo.allClusterIds();
    if (clusterIds.length === 0) return refused('fade.problem.noClusters');
    const holidays = await this.holidays(actor.tenantId);
    const now = clock.now();
    const result = await db.transaction(async (tx) => {
      const created = await repo.createCycle({ tenantId: actor.tenantId, name: input.name, offsets: input.offsets, sendTime, createdBy: actor.userId, createdAt: now }, input.rounds, clusterIds, tx);
      if (!created) return null;
      let reminders = 0;
      for (const round of created.rounds) {
        const schedule = reminderSchedule(round.deadline, input.offsets, holidays, sendTime);
        for (const clusterId of clusterIds) {
          for (const r of schedule) {
            const scheduled = await notifications.schedule(
              { kind: FADE_REMINDER_KIND, dedupeKey: fadeReminderKey(round.id, clusterId, r.key), tenantId: actor.tenantId, recipientId: String(clusterId), subjectId: round.id, dueAt: r.sendAt },
              tx,
            );
            if (scheduled) reminders++;
          }
        }
      }
      await audit.record({ at: now, tenantId: actor.tenantId, actorId: actor.userId, action: 'fade.defineCycle', subjectType: 'fadeCycle', subjectId: created.cycle.id, details: { name: input.name, clusters: clusterIds.length } }, tx);
      return { clusters: clusterIds.length, rounds: created.rounds.length, reminders };
    });
    if (!result) return refused('fade.cycle.exists', { name: input.name });
    this.deps.log.info('FADE cycle set', { tenantId: actor.tenantId, name: input.name, ...result });
    return { kind: 'ok', value: result };
  }

  // ---------------------------------------------------------------- reminders

  /** The dispatcher's handler for 'fadeReminder': sends it once, or drops it with the reason. */
  async deliverReminder(n: ScheduledNotification): Promise<'sent' | 'skipped'> {
    const { repo, clock, log } = this.deps;
    const [, roundId, clusterText, key] = n.dedupeKey.split(':');
    const clusterId = Number(clusterText);
    const now = clock.now();
    const drop = async (outcome: 'dropped' | 'skipped', reason: string) => {
      await repo.dropNotification(n.id, reason);
      await repo.logReminder(roundId, clusterId, key, outcome, reason, now);
      log.info('FADE reminder not sent', { roundId, clusterId, key, reason });
      return 'skipped' as const;
    };
    const round = await this.cached(`round:${roundId}`, () => repo.getRound(roundId));
    const cluster = round ? await this.cached(`cluster:${clusterId}`, () => repo.getCluster(clusterId)) : null;
    if (!round || !cluster) return drop('skipped', 'round or cluster no longer exists');
    const context = await repo.reminderContext(roundId, clusterId);
    const report = context.report;
    if (!needsReminder(report?.status ?? 'notStarted')) return drop('skipped', 'report submitted');
    const schedule = context.schedule.map((r) => ({ key: r.key, sendAt: r.dueAt }));
    const relevance = reminderRelevance({ key, sendAt: n.dueAt }, schedule, now);
    if (!relevance.send && relevance.reason === 'superseded') {
      log.warn('stale FADE reminder dropped', { roundId, clusterId, key, dueAt: n.dueAt.toISOString() });
      return drop('dropped', 'stale: a later reminder is already due');
    }
    const channel = context.channel;
    if (!channel || !channel.active) {
      const reason = channel ? `channel inactive (${channel.inactiveReason ?? 'unknown'})` : NO_CHANNEL;
      await repo.recordFailure({ at: now, tenantId: n.tenantId, clusterId, conversationId: channel?.conversationId ?? null, what: `reminder ${key}`, status: null, error: reason, attempts: 0 });
      return drop('skipped', reason);
    }
    const view = await this.reminderView(round, cluster, report);
    const message = { card: reminderCard(view), ...this.mention(view.leadName, view.leadId) };
    const outcome = await this.deps.sender.post(channel.reference, message);
    if (outcome.ok) {
      await repo.recordSent(roundId, clusterId, channel.conversationId, outcome.activityId, key, now);
      return 'sent';
    }
    await this.failed(n.tenantId, clusterId, channel, `reminder ${key}`, outcome);
    if (outcome.permanent) return drop('skipped', `Teams refused: ${outcome.status ?? ''} ${outcome.error}`.trim());
    // Transient (throttled or unavailable beyond our retries): the job queue tries again later.
    throw new Error(`reminder not delivered: ${outcome.error}`);
  }

  private async failed(tenantId: string, clusterId: number, channel: FadeConversation, what: string, outcome: Extract<SendOutcome, { ok: false }>): Promise<void> {
    await this.deps.repo.recordFailure({ at: this.deps.clock.now(), tenantId, clusterId, conversationId: channel.conversationId, what, status: outcome.status ?? null, error: outcome.error, attempts: outcome.attempts });
    if (outcome.permanent && (outcome.status === 403 || outcome.status === 404)) await this.conversationsRemoved(tenantId, { conversationId: channel.conversationId }, 'sendRefused');
  }

  private mention(name: string | null, id: string | null): { text?: string; entities?: Record<string, unknown>[] } {
    if (!name || !id) return {};
    const at = `<at>${name}</at>`;
    return { text: at, entities: [{ type: 'mention', text: at, mentioned: { id, name } }] };
  }

  private async reminderView(round: Round, cluster: ClusterInfo, report: FadeReport | null): Promise<ReminderView & { leadId: string | null }> {
    const { repo, clock } = this.deps;
    const members = await this.cached(`members:${cluster.id}`, () => repo.members(cluster.id));
    const parts = memberStatuses(
      members.map((m) => m.schoolId),
      await repo.parts(round.id, cluster.id),
    );
    const lead = await repo.leadPerson(round.tenantId, cluster);
    return {
      roundId: round.id,
      clusterId: cluster.id,
      clusterName: cluster.name,
      language: cluster.language,
      roundName: round.name,
      cycleName: round.cycleName,
      deadline: round.deadline,
      daysLeft: workingDaysLeft(clock.now(), round.deadline, await this.holidays(round.tenantId)),
      leadName: lead?.displayName ?? null,
      leadId: lead?.userId ?? null,
      members: members.map((m, i) => ({ nameEn: m.nameEn, nameCy: m.nameCy, status: parts[i].status })),
      reportStatus: report?.status ?? 'notStarted',
      submittedAt: report?.submittedAt ?? null,
      reviewJudgement: report?.reviewJudgement ?? null,
    };
  }

  /** Redraws the reminder card already in the channel (statuses changed), in place. */
  async refreshReminderCard(roundId: string, clusterId: number): Promise<boolean> {
    const { repo } = this.deps;
    const post = await repo.post(roundId, clusterId);
    if (!post) return false;
    const channel = await repo.getConversation(post.conversationId);
    const round = await repo.getRound(roundId);
    const cluster = await repo.getCluster(clusterId);
    if (!channel || !channel.active || !round || !cluster) return false;
    const view = await this.reminderView(round, cluster, await repo.report(roundId, clusterId));
    const outcome = await this.deps.sender.update(channel.reference, post.activityId, { card: reminderCard(view), ...this.mention(view.leadName, view.leadId) });
    if (!outcome.ok) await this.failed(round.tenantId, clusterId, channel, 'card update', outcome);
    return outcome.ok;
  }

  // ---------------------------------------------------------------- the report

  /** The cluster a turn is about: the channel's linked cluster, else the user's own school's cluster. */
  async clusterFor(actor: Actor, conversationId: string | null, user: UserRecord | null): Promise<ClusterInfo | null> {
    const { repo } = this.deps;
    if (conversationId) {
      const conv = await repo.getConversation(conversationId);
      if (conv?.clusterId) return repo.getCluster(conv.clusterId);
    }
    const schoolId = user?.schoolId ?? null;
    const clusterId = schoolId ? await repo.clusterOfSchool(schoolId) : null;
    return clusterId ? repo.getCluster(clusterId) : null;
  }

  async currentRound(tenantId: string, clusterId: number): Promise<Round | null> {
    return this.deps.repo.currentRoundFor(tenantId, clusterId, localDateOf(this.deps.clock.now()));
  }

  private async canEdit(actor: Actor, cluster: ClusterInfo): Promise<boolean> {
    return (await this.deps.roles.isAdmin(actor.tenantId, actor.userId)) || (await this.isLead(actor, cluster));
  }

  private async draftFor(round: Round, cluster: ClusterInfo, locale: Locale): Promise<FadeSections> {
    const { repo } = this.deps;
    const previous = await repo.previousRound(round, cluster.id);
    const previousReport = previous ? await repo.report(previous.id, cluster.id) : null;
    const members = await repo.members(cluster.id);
    const nameOf = new Map(members.map((m) => [m.schoolId, locale === 'cy' && m.nameCy ? m.nameCy : m.nameEn]));
    const since = previous ? new Date(`${previous.deadline}T23:59:59Z`) : null;
    const priorities = await repo.priorities(cluster.id);
    const plans = await repo.memberPlans(cluster.id);
    const planPriorities = [...new Set(plans.flatMap((p) => p.answers.priorityAreas ?? []))].map((p) => t(locale, `priority.${p}` as MessageKey));
    return draftReport(
      {
        priorities: priorities.length > 0 ? priorities : planPriorities,
        previousDevelop: previousReport?.sections.develop ?? null,
        plans: plans.map((p) => ({ schoolName: nameOf.get(p.schoolId) ?? String(p.schoolId), focus: p.answers.focus, provision: p.answers.provision, effectiveness: p.answers.effectiveness, impact: p.answers.impact, updatedAt: p.updatedAt })),
        notes: (await repo.notes(cluster.id)).map((n) => ({ schoolName: n.schoolId ? (nameOf.get(n.schoolId) ?? '') : '', authorName: n.authorName ?? '', text: n.text, at: n.at })),
        since,
      },
      {
        priorities: t(locale, 'fade.draft.priorities'),
        carriedOver: t(locale, 'fade.draft.carriedOver'),
        digestHeading: t(locale, 'fade.draft.digest'),
        provision: t(locale, 'fade.draft.provision'),
        effectiveness: t(locale, 'fade.draft.effectiveness'),
        impact: t(locale, 'fade.draft.impact'),
        notesHeading: t(locale, 'fade.draft.notes'),
        nothingYet: '',
      },
    );
  }

  /** Opens the report of a round for a cluster: drafted the first time, then as saved. */
  async openReport(actor: Actor, locale: Locale, roundId: string, clusterId: number): Promise<Outcome<CardJson>> {
    const { repo, clock } = this.deps;
    const round = await repo.getRound(roundId);
    const cluster = await repo.getCluster(clusterId);
    if (!round || !cluster || round.tenantId !== actor.tenantId || !(await repo.clustersOfCycle(round.cycleId)).includes(clusterId)) return refused('fade.report.notFound');
    const editor = await this.canEdit(actor, cluster);
    let report = await repo.report(roundId, clusterId);
    if (!report && !editor) return refused('fade.report.forbidden');
    if (!report) report = await repo.ensureReport({ roundId, clusterId, tenantId: actor.tenantId, sections: await this.draftFor(round, cluster, locale), by: actor.userId, at: clock.now() });
    return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, report, editor) };
  }

  private reportCardFor(locale: Locale, round: Round, cluster: ClusterInfo, report: FadeReport, editor: boolean, extra: { notice?: string; problem?: string; typed?: string } = {}): CardJson {
    const open = report.status === 'notStarted' || report.status === 'drafted';
    return reportCard(locale, {
      reportId: report.id,
      version: report.version,
      clusterName: cluster.name,
      roundName: round.name,
      cycleName: round.cycleName,
      deadline: round.deadline,
      status: report.status,
      sections: report.sections,
      selfJudgement: report.selfJudgement,
      submittedAt: report.submittedAt,
      reviewJudgement: report.reviewJudgement,
      reviewFeedback: report.reviewFeedback,
      editable: editor && open,
      canMakeNextSteps: editor && !open && (report.sections.develop ?? '').trim() !== '',
      ...extra,
    });
  }

  async saveReport(
    actor: Actor,
    locale: Locale,
    input: { reportId: string; version: number; sections: Partial<FadeSections>; judgement?: string; submit: boolean },
  ): Promise<Outcome<CardJson>> {
    const { repo, clock, db, audit } = this.deps;
    const report = await repo.reportById(input.reportId);
    if (!report || report.tenantId !== actor.tenantId) return refused('fade.report.notFound');
    const round = (await repo.getRound(report.roundId))!;
    const cluster = (await repo.getCluster(report.clusterId))!;
    if (!(await this.canEdit(actor, cluster))) return refused('fade.report.forbidden');
    const sections: Partial<FadeSections> = {};
    for (const s of FADE_SECTIONS) sections[s] = input.sections[s] ?? report.sections[s] ?? '';
    const judgement = isJudgement(input.judgement) ? input.judgement : report.selfJudgement;
    const typed = FADE_SECTIONS.filter((s) => input.sections[s] !== undefined && input.sections[s] !== report.sections[s]).map((s) => `${t(locale, `fade.report.${s}` as MessageKey)}: ${input.sections[s]}`).join('\n\n');

    const unchanged = FADE_SECTIONS.every((s) => sections[s] === (report.sections[s] ?? '')) && judgement === report.selfJudgement;
    if (report.status === 'submitted' || report.status === 'reviewed') {
      // A retried submit changes nothing; an edit after submission is refused, and kept.
      return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, report, true, { notice: unchanged && input.submit ? t(locale, 'fade.report.submitted') : '', typed: unchanged ? '' : typed }) };
    }
    if (report.version !== input.version) {
      if (unchanged && !input.submit) return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, report, true, { notice: t(locale, 'fade.report.saved') }) };
      return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, report, true, { problem: t(locale, 'fade.report.stale'), typed }) };
    }
    if (input.submit) {
      const problem = checkSubmission(sections, judgement);
      if (problem) return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, { ...report, sections, selfJudgement: judgement }, true, { problem: t(locale, problem) }) };
    }
    const now = clock.now();
    const saved = await db.transaction(async (tx) => {
      const s = await repo.saveDraft(report.id, input.version, sections, judgement as Judgement | null, actor.userId, now, input.submit, tx);
      if (s && input.submit) {
        await repo.cancelReminders(report.roundId, report.clusterId, tx);
        await audit.record({ at: now, tenantId: actor.tenantId, actorId: actor.userId, action: 'fade.submit', subjectType: 'fadeReport', subjectId: report.id, cardVersion: input.version, details: { judgement } }, tx);
      }
      return s;
    });
    if (!saved) {
      const latest = (await repo.reportById(report.id))!;
      return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, latest, true, { problem: t(locale, 'fade.report.stale'), typed }) };
    }
    await this.refreshReminderCard(report.roundId, report.clusterId);
    if (input.submit) await this.askReviewers(saved, round, cluster);
    return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, saved, true, { notice: t(locale, input.submit ? 'fade.report.submitted' : 'fade.report.saved') }) };
  }

  private async askReviewers(report: FadeReport, round: Round, cluster: ClusterInfo): Promise<number> {
    const { roles, users, messenger, log } = this.deps;
    const ids = [...new Set([...(await roles.holders(report.tenantId, 'reviewer', cluster.laCode)), ...(await roles.holders(report.tenantId, 'adviser', cluster.laCode))])];
    let asked = 0;
    for (const userId of ids) {
      const user = await users.get(report.tenantId, userId);
      if (!user?.personalConversation) continue;
      const locale = user.locale ?? this.deps.defaultLocale;
      try {
        await messenger.send(user.personalConversation, { card: this.reviewCardFor(locale, report, round, cluster) });
        asked++;
      } catch (err) {
        log.warn('could not send the review card', { userId, error: err instanceof Error ? err.message : String(err) });
        await this.deps.repo.recordFailure({ at: this.deps.clock.now(), tenantId: report.tenantId, clusterId: cluster.id, conversationId: null, what: 'review card', status: null, error: err instanceof Error ? err.message : String(err), attempts: 1 });
      }
    }
    if (asked === 0) log.warn('no reviewer to ask for a FADE judgement', { clusterId: cluster.id, laCode: cluster.laCode });
    return asked;
  }

  private reviewCardFor(locale: Locale, report: FadeReport, round: Round, cluster: ClusterInfo, extra: { notice?: string; problem?: string; draft?: { judgement?: string; feedback?: string } } = {}): CardJson {
    return reviewCard(locale, {
      reportId: report.id,
      clusterName: cluster.name,
      roundName: round.name,
      cycleName: round.cycleName,
      deadline: round.deadline,
      sections: report.sections,
      selfJudgement: report.selfJudgement,
      reviewJudgement: report.reviewJudgement,
      reviewFeedback: report.reviewFeedback,
      ...extra,
    });
  }

  async review(actor: Actor, locale: Locale, input: { reportId: string; judgement?: string; feedback: string }): Promise<Outcome<CardJson>> {
    const { repo, roles, clock, audit } = this.deps;
    const report = await repo.reportById(input.reportId);
    if (!report || report.tenantId !== actor.tenantId) return refused('fade.report.notFound');
    const round = (await repo.getRound(report.roundId))!;
    const cluster = (await repo.getCluster(report.clusterId))!;
    const allowed =
      (await roles.holds(actor.tenantId, actor.userId, 'reviewer', cluster.laCode)) ||
      (await roles.holds(actor.tenantId, actor.userId, 'adviser', cluster.laCode)) ||
      (await roles.isAdmin(actor.tenantId, actor.userId));
    if (!allowed) return refused('fade.review.forbidden');
    if (report.status === 'reviewed') {
      const same = report.reviewJudgement === input.judgement && (report.reviewFeedback ?? '') === input.feedback.trim();
      return { kind: 'ok', value: this.reviewCardFor(locale, report, round, cluster, same ? { notice: t(locale, 'fade.review.recorded', { judgement: judgementLabel(locale, report.reviewJudgement!) }) } : { problem: t(locale, 'fade.review.already') }) };
    }
    if (!isJudgement(input.judgement)) return { kind: 'ok', value: this.reviewCardFor(locale, report, round, cluster, { problem: t(locale, 'fade.review.needsJudgement'), draft: { feedback: input.feedback } }) };
    const now = clock.now();
    const reviewed = await repo.review(report.id, input.judgement, input.feedback.trim(), actor.userId, now);
    if (!reviewed) return refused('fade.report.notFound');
    await audit.record({ at: now, tenantId: actor.tenantId, actorId: actor.userId, action: 'fade.review', subjectType: 'fadeReport', subjectId: report.id, details: { judgement: input.judgement } });
    await this.shareFeedback(reviewed, round, cluster);
    await this.refreshReminderCard(report.roundId, report.clusterId);
    return { kind: 'ok', value: this.reviewCardFor(locale, reviewed, round, cluster, { notice: t(locale, 'fade.review.recorded', { judgement: judgementLabel(locale, input.judgement) }) }) };
  }

  /** The cluster sees the reviewer's judgement and feedback in its channel. */
  private async shareFeedback(report: FadeReport, round: Round, cluster: ClusterInfo): Promise<void> {
    const channel = await this.deps.repo.channelForCluster(cluster.id);
    if (!channel?.active) return;
    const card = fadeNoticeCard(languagesOf(cluster.language), (l) => ({
      heading: t(l, 'fade.feedback.heading', { round: `${roundLabel(l, round.name)}, ${round.cycleName}` }),
      lines: [
        t(l, 'fade.report.selfJudgement', { judgement: report.selfJudgement ? judgementLabel(l, report.selfJudgement) : '—' }),
        t(l, 'fade.report.review', { judgement: judgementLabel(l, report.reviewJudgement!) }),
        t(l, 'fade.report.feedback', { feedback: report.reviewFeedback ?? '' }),
      ],
    }), 'good');
    const outcome = await this.deps.sender.post(channel.reference, { card });
    if (!outcome.ok) await this.failed(report.tenantId, cluster.id, channel, 'feedback', outcome);
  }

  async makeNextSteps(actor: Actor, locale: Locale, reportId: string): Promise<Outcome<CardJson>> {
    const { repo, clock } = this.deps;
    const report = await repo.reportById(reportId);
    if (!report || report.tenantId !== actor.tenantId) return refused('fade.report.notFound');
    const round = (await repo.getRound(report.roundId))!;
    const cluster = (await repo.getCluster(report.clusterId))!;
    if (!(await this.canEdit(actor, cluster))) return refused('fade.report.forbidden');
    const added = await repo.addNextSteps(cluster.id, round.id, developItems(report.sections.develop ?? ''), actor.userId, clock.now());
    const total = (await repo.nextSteps(cluster.id)).length;
    return { kind: 'ok', value: this.reportCardFor(locale, round, cluster, report, true, { notice: t(locale, 'fade.report.nextStepsDone', { count: added > 0 ? added : total }) }) };
  }

  // ---------------------------------------------------------------- members' notes

  async canAddNote(actor: Actor, cluster: ClusterInfo, user: UserRecord | null): Promise<boolean> {
    if (user?.schoolId && (await this.deps.repo.clusterOfSchool(user.schoolId)) === cluster.id) return true;
    return this.canEdit(actor, cluster);
  }

  async addNote(actor: Actor, user: UserRecord | null, input: { clusterId: number; roundId: string | null; text: string; done: boolean }): Promise<Outcome<ClusterInfo>> {
    const { repo, clock } = this.deps;
    const cluster = await repo.getCluster(input.clusterId);
    if (!cluster) return refused('fade.report.notFound');
    if (!(await this.canAddNote(actor, cluster, user))) return refused('fade.note.forbidden');
    const text = input.text.trim();
    if (text === '' && !input.done) return refused('fade.note.empty');
    const now = clock.now();
    if (text !== '') await repo.addNote({ clusterId: cluster.id, schoolId: user?.schoolId ?? null, authorId: actor.userId, authorName: user?.displayName ?? null, text, at: now });
    const round = input.roundId ? await repo.getRound(input.roundId) : await this.currentRound(actor.tenantId, cluster.id);
    const isMember = user?.schoolId && (await repo.clusterOfSchool(user.schoolId)) === cluster.id;
    if (round && isMember) {
      await repo.setPart(round.id, cluster.id, user!.schoolId!, input.done ? 'submitted' : 'drafted', actor.userId, now);
      await this.refreshReminderCard(round.id, cluster.id);
    }
    // Notes reach a draft already started too: appended to its Analysis.
    if (round && text !== '') {
      const report = await repo.report(round.id, cluster.id);
      if (report && (report.status === 'notStarted' || report.status === 'drafted')) {
        const members = await repo.members(cluster.id);
        const school = members.find((m) => m.schoolId === user?.schoolId);
        // The draft is in the cluster's language: a Welsh or bilingual cluster gets the Welsh name.
        const line = `- ${school ? schoolName(school, cluster.language === 'en' ? 'en' : 'cy') : ''} (${user?.displayName ?? ''}): ${text.replace(/\s+/g, ' ')}`;
        await repo.saveDraft(report.id, report.version, { ...report.sections, analysis: `${report.sections.analysis ?? ''}\n${line}`.trim() }, report.selfJudgement, report.submittedBy ?? actor.userId, now, false);
      }
    }
    return { kind: 'ok', value: cluster };
  }

  // ---------------------------------------------------------------- admin

  async statusCard(actor: Actor, locale: Locale): Promise<Outcome<CardJson>> {
    const { repo, roles } = this.deps;
    const isAdmin = await roles.isAdmin(actor.tenantId, actor.userId);
    const me = await this.deps.users.get(actor.tenantId, actor.userId);
    const adviser = (await roles.rolesOf(actor.tenantId, actor.userId)).some((g) => g.role === 'adviser' || g.role === 'reviewer');
    if (!isAdmin && !adviser && !me) return refused('fade.adminOnly');
    if (!isAdmin && !adviser) return refused('fade.adminOnly');
    const overview = await repo.statusOverview(actor.tenantId);
    const failures = await repo.failures(actor.tenantId, 10);
    const lines: string[] = [];
    if (overview.length === 0) lines.push(t(locale, 'fade.status.none'));
    for (const o of overview) {
      lines.push(t(locale, 'fade.status.round', { cycle: o.cycleName, round: roundLabel(locale, o.roundName), date: formatLocalDate(locale, o.deadline), submitted: o.submitted, clusters: o.clusters, sent: o.sent, pending: o.pending }));
    }
    if (overview.length > 0) lines.push(t(locale, 'fade.status.channels', { unlinked: overview[0].unlinked, inactive: overview[0].inactiveChannels }));
    lines.push(`**${t(locale, 'fade.status.failures')}**`);
    if (failures.length === 0) lines.push(t(locale, 'fade.status.noFailures'));
    for (const f of failures) {
      lines.push(t(locale, 'fade.status.failure', { date: formatLocalDate(locale, localDateOf(f.at)), time: formatTime(f.at), cluster: f.clusterName ?? '—', reason: failureReason(locale, f) }));
    }
    return { kind: 'ok', value: fadeNoticeCard([locale], (l) => ({ heading: t(l, 'fade.status.heading'), lines }), 'default') };
  }

  async addHolidays(actor: Actor, days: string[]): Promise<Outcome<number>> {
    if (!(await this.deps.roles.isAdmin(actor.tenantId, actor.userId))) return refused('fade.adminOnly');
    await this.deps.repo.addHolidays(actor.tenantId, days, null);
    this.holidayCache.delete(actor.tenantId);
    return { kind: 'ok', value: days.length };
  }

  async setPriorities(actor: Actor, cluster: ClusterInfo, priorities: string[]): Promise<Outcome<string[]>> {
    if (!(await this.canEdit(actor, cluster))) return refused('fade.report.forbidden');
    await this.deps.repo.setPriorities(cluster.id, priorities, actor.userId);
    return { kind: 'ok', value: priorities };
  }

  async isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin(actor.tenantId, actor.userId);
  }

  async sendPersonal(conversation: Record<string, unknown>, card: CardJson): Promise<void> {
    await this.deps.messenger.send(conversation, { card });
  }

  /** The reminder card as it should look now (for a channel card someone pressed). */
  async reminderCardNow(roundId: string, clusterId: number): Promise<CardJson | null> {
    const round = await this.deps.repo.getRound(roundId);
    const cluster = await this.deps.repo.getCluster(clusterId);
    if (!round || !cluster) return null;
    return reminderCard(await this.reminderView(round, cluster, await this.deps.repo.report(roundId, clusterId)));
  }

  /** A polite refusal in the languages of the place it is shown. */
  message(languages: readonly Locale[], key: MessageKey, params?: Record<string, string | number>, tone: 'default' | 'attention' | 'good' = 'attention'): CardJson {
    return fadeMessage(languages, key, params, tone);
  }

  both(languages: readonly Locale[], key: MessageKey): string {
    return inLanguages(languages, key);
  }
}
