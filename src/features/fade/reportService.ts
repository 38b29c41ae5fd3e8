import type { Actor } from '../../platform/actor';
import { t, type Locale } from '../../platform/i18n';
import { schoolName } from '../directory/names';
import { Outcomes, type Outcome } from '../../platform/outcome';
import type { UserRecord } from '../people/model';
import type { PersonRef } from '../people/roles';
import type { FadeCycleService } from './cycleService';
import { FADE_REMINDER_KIND } from './cycleService';
import { errorText, type FadeDeps } from './deps';
import { FADE_SECTIONS, checkSubmission, developItems, draftReport, isJudgement, type FadeSections, type Judgement } from './model';
import type { FadeReminderService } from './reminderService';
import type { ClusterInfo, FadeReport, Message, Round } from './types';

/** A report as its form shows it, with what to say beside it. */
export interface ReportShown {
  round: Round;
  cluster: ClusterInfo;
  report: FadeReport;
  /** The person may edit it (the lead or an admin). */
  editor: boolean;
  /** Awaiting judgement, and the person judges it (a reviewer, adviser or admin who is not the lead): shown as the review form. */
  review?: boolean;
  notice?: Message;
  /** What a stale or refused form had typed, shown so nothing is lost. */
  typed?: Partial<FadeSections>;
}

/** A report as the reviewer's card shows it. */
export interface ReviewShown {
  round: Round;
  cluster: ClusterInfo;
  report: FadeReport;
  /** The judgement was recorded (now or by this same retried review). */
  recorded?: boolean;
  draft?: { judgement?: string; feedback?: string };
}

/** The cluster's report for a round: drafted from what the bot knows, saved, submitted and reviewed; members' notes. */
export class FadeReportService {
  constructor(
    private readonly deps: FadeDeps,
    private readonly cycles: FadeCycleService,
    private readonly reminders: FadeReminderService,
  ) {}

  private async draftFor(round: Round, cluster: ClusterInfo, locale: Locale): Promise<FadeSections> {
    const { cycles, clusters, reports } = this.deps.store;
    const tenants = this.deps.community.tenantsOf(round.tenantId);
    const previous = await cycles.previousRound(round, cluster.id, tenants);
    const previousReport = previous ? await reports.report(previous.id, cluster.id) : null;
    const members = await clusters.members(cluster.id);
    const nameOf = new Map(members.map((m) => [m.schoolId, locale === 'cy' && m.nameCy ? m.nameCy : m.nameEn]));
    const since = previous ? new Date(`${previous.deadline}T23:59:59Z`) : null;
    const priorities = await clusters.priorities(cluster.id, tenants);
    const plans = await clusters.memberPlans(tenants, cluster.id);
    const support = await clusters.memberSupport(tenants, cluster.id);
    const planPriorities = [...new Set(plans.flatMap((p) => p.answers.priorityAreas ?? []))].map((p) => t(locale, `priority.${p}`));
    const named = (n: { nameEn: string; nameCy: string | null }) => (locale === 'cy' && n.nameCy ? n.nameCy : n.nameEn);
    return draftReport(
      {
        priorities: priorities.length > 0 ? priorities : planPriorities,
        previousDevelop: previousReport?.sections.develop ?? null,
        plans: plans.map((p) => ({
          schoolId: p.schoolId,
          schoolName: nameOf.get(p.schoolId) ?? String(p.schoolId),
          provision: p.answers.provision,
          effectiveness: p.answers.effectiveness,
          actionPlan: p.answers.actionPlan,
          impact: p.answers.impact,
          // Support is the school's, not one plan's: every plan of the school carries it, and the draft keeps each partner once.
          support: support.filter((s) => s.schoolId === p.schoolId).map((s) => ({ partnerName: named(s.partner), done: s.done, at: s.at })),
          updatedAt: p.updatedAt,
        })),
        notes: (await reports.notes(cluster.id, tenants)).map((n) => ({
          schoolName: n.schoolId ? (nameOf.get(n.schoolId) ?? '') : '',
          authorName: n.authorName ?? '',
          text: n.text,
          at: n.at,
        })),
        since,
      },
      {
        priorities: t(locale, 'fade.draft.priorities'),
        carriedOver: t(locale, 'fade.draft.carriedOver'),
        digestHeading: t(locale, 'fade.draft.digest'),
        provision: t(locale, 'fade.draft.provision'),
        effectiveness: t(locale, 'fade.draft.effectiveness'),
        notesHeading: t(locale, 'fade.draft.notes'),
        nothingYet: '',
        supportAgreed: (partner) => t(locale, 'fade.draft.supportAgreed', { partner }),
        supportDone: (partner) => t(locale, 'fade.draft.supportDone', { partner }),
        actionPlansHeading: t(locale, 'fade.draft.actionPlans'),
        impactHeading: t(locale, 'fade.draft.impactHeading'),
        impactPending: (schools) => t(locale, 'fade.draft.impactPending', { schools }),
      },
    );
  }

  /** Opens the report of a round for a cluster: drafted (in the opener's language) the first time, then as saved. */
  async openReport(actor: Actor, locale: Locale, roundId: string, clusterId: number): Promise<Outcome<ReportShown>> {
    const { store, clock, access } = this.deps;
    const round = await store.cycles.getRound(roundId, this.deps.community.tenantsOf(actor.tenantId));
    const cluster = await store.clusters.getCluster(clusterId);
    if (
      !round ||
      !cluster ||
      !this.deps.community.shares(actor.tenantId, round.tenantId) ||
      !(await store.cycles.clustersOfCycle(round.cycleId)).includes(clusterId)
    )
      return Outcomes.notFound('fade.report.notFound');
    const editor = await access.canEdit(actor, cluster);
    let report = await store.reports.report(roundId, clusterId);
    if (!report && !editor) return Outcomes.forbidden('fade.report.forbidden');
    if (!editor && !(await access.canViewReport(actor, cluster))) return Outcomes.forbidden('fade.report.forbidden');
    if (!report) {
      report = await store.reports.ensureReport({
        roundId,
        clusterId,
        tenantId: actor.tenantId,
        sections: await this.draftFor(round, cluster, locale),
        by: actor.userId,
        at: clock.now(),
      });
      // The channel's card says the draft is now in the lead's personal chat.
      await this.reminders.refreshReminderCard(roundId, clusterId);
    }
    // Once judged, everyone sees the report with its judgement and feedback (and the lead or an admin its next steps).
    const review = report.status === 'submitted' && (await access.canReview(actor, cluster)) && !(await access.isLead(actor, cluster));
    return Outcomes.ok({ round, cluster, report, editor, review });
  }

  /** The report with its round and cluster, if it is in the actor's community. */
  private async reportInTenant(actor: Actor, reportId: string): Promise<{ report: FadeReport; round: Round; cluster: ClusterInfo } | null> {
    const { store } = this.deps;
    const tenants = this.deps.community.tenantsOf(actor.tenantId);
    const report = await store.reports.reportById(reportId, tenants);
    if (!report) return null;
    const round = await store.cycles.getRound(report.roundId, tenants);
    const cluster = await store.clusters.getCluster(report.clusterId);
    return round && cluster ? { report, round, cluster } : null;
  }

  /**
   * Saves the lead's draft, or submits it. A stale or incomplete form is a problem that carries the
   * report as stored (or as typed), so the form is drawn again and nothing typed is lost.
   */
  async saveReport(
    actor: Actor,
    input: { reportId: string; version: number; sections: Partial<FadeSections>; judgement?: string; submit: boolean },
  ): Promise<Outcome<ReportShown, ReportShown>> {
    const { store, clock, db, audit, notifications, access } = this.deps;
    const found = await this.reportInTenant(actor, input.reportId);
    if (!found) return Outcomes.notFound('fade.report.notFound');
    const { report, round, cluster } = found;
    if (!(await access.canEdit(actor, cluster))) return Outcomes.forbidden('fade.report.forbidden');
    const sections: Partial<FadeSections> = {};
    for (const s of FADE_SECTIONS) sections[s] = input.sections[s] ?? report.sections[s] ?? '';
    const judgement = isJudgement(input.judgement) ? input.judgement : report.selfJudgement;
    const typed: Partial<FadeSections> = {};
    for (const s of FADE_SECTIONS) if (input.sections[s] !== undefined && input.sections[s] !== report.sections[s]) typed[s] = input.sections[s];
    const shown = (r: FadeReport, extra: Partial<ReportShown> = {}): ReportShown => ({ round, cluster, report: r, editor: true, ...extra });

    const unchanged = FADE_SECTIONS.every((s) => sections[s] === (report.sections[s] ?? '')) && judgement === report.selfJudgement;
    if (report.status === 'submitted' || report.status === 'reviewed') {
      // A retried submit changes nothing; an edit after submission is refused, and kept.
      const again = report.reviewAskedAt || report.status === 'reviewed' ? 'fade.report.submitted' : 'fade.report.submittedNoReviewer';
      return Outcomes.ok(shown(report, unchanged ? { notice: input.submit ? { key: again } : undefined } : { typed }));
    }
    if (report.version !== input.version) {
      if (unchanged && !input.submit) return Outcomes.ok(shown(report, { notice: { key: 'fade.report.saved' } }));
      return Outcomes.problem('fade.report.stale', {}, shown(report, { typed }));
    }
    if (input.submit) {
      const problem = checkSubmission(sections, judgement);
      if (problem) return Outcomes.problem(problem, {}, shown({ ...report, sections, selfJudgement: judgement }));
    }
    const now = clock.now();
    const saved = await db.transaction(async (tx) => {
      const s = await store.reports.saveDraft(report.id, input.version, sections, judgement as Judgement | null, actor.userId, now, input.submit, tx);
      if (s && input.submit) {
        await notifications.cancelFor({ kind: FADE_REMINDER_KIND, subjectId: report.roundId, recipientId: String(report.clusterId) }, 'report submitted', tx);
        await audit.record(
          {
            at: now,
            tenantId: actor.tenantId,
            actorId: actor.userId,
            action: 'fade.submit',
            subjectType: 'fadeReport',
            subjectId: report.id,
            cardVersion: input.version,
            details: { judgement },
          },
          tx,
        );
      }
      return s;
    });
    if (!saved) return Outcomes.problem('fade.report.stale', {}, shown((await store.reports.reportById(report.id, [report.tenantId]))!, { typed }));
    if (input.submit) {
      // The lead's own school has done its part by submitting.
      const me = await this.deps.users.get(actor.tenantId, actor.userId);
      if (me?.schoolId && (await access.isMember(me, cluster))) await store.reports.setPart(round.id, cluster.id, me.schoolId, 'submitted', actor.userId, now);
    }
    await this.reminders.refreshReminderCard(report.roundId, report.clusterId);
    if (!input.submit) return Outcomes.ok(shown(saved, { notice: { key: 'fade.report.saved' } }));
    const asked = await this.askReviewers(saved, round, cluster);
    const stored = (await store.reports.reportById(saved.id, [saved.tenantId])) ?? saved;
    return Outcomes.ok(shown(stored, { notice: { key: asked ? 'fade.report.submitted' : 'fade.report.submittedNoReviewer' } }));
  }

  /**
   * Sends the submitted report to the reviewers and advisers for the cluster's LA. With nobody to ask, the
   * admins are told instead, and the report waits for the first reviewer granted (see `roleGranted`).
   * False when there was nobody.
   */
  private async askReviewers(report: FadeReport, round: Round, cluster: ClusterInfo): Promise<boolean> {
    const { roles, log, store, clock } = this.deps;
    // Reviewers and advisers anywhere in the report's community (a local authority's tenant reviews the schools').
    const tenants = this.deps.community.tenantsOf(report.tenantId);
    const holders = [...(await roles.holders(tenants, 'reviewer', cluster.laCode)), ...(await roles.holders(tenants, 'adviser', cluster.laCode))];
    const people = [...new Map(holders.map((p) => [`${p.tenantId}\n${p.userId}`, p])).values()];
    if (people.length === 0) {
      log.warn('no reviewer to ask for a FADE judgement', { clusterId: cluster.id, laCode: cluster.laCode });
      await this.tellAdminsNoReviewer(report, round, cluster);
      return false;
    }
    // A reviewer the card could not reach still has the report (their "View the report"); the failure is in "fade status".
    for (const person of people) await this.sendForReview(person, report, round, cluster);
    await store.reports.markReviewAsked(report.id, clock.now());
    return true;
  }

  /** The review card to one person's personal chat; recorded on the report once it went. */
  private async sendForReview({ tenantId, userId }: PersonRef, report: FadeReport, round: Round, cluster: ClusterInfo): Promise<boolean> {
    const { users, messenger, cards, store, clock, log } = this.deps;
    const user = await users.get(tenantId, userId);
    if (!user?.personalConversation) return false;
    try {
      await messenger.send(user.personalConversation, { card: cards.review(user.locale ?? this.deps.defaultLocale, report, round, cluster) });
    } catch (err) {
      log.warn('could not send the review card', { userId, error: errorText(err) });
      await store.reminders.recordFailure({
        at: clock.now(),
        tenantId: report.tenantId,
        clusterId: cluster.id,
        conversationId: null,
        what: 'review card',
        status: null,
        error: errorText(err),
        attempts: 1,
      });
      return false;
    }
    await store.reports.markReviewAsked(report.id, clock.now());
    return true;
  }

  private async tellAdminsNoReviewer(report: FadeReport, round: Round, cluster: ClusterInfo): Promise<void> {
    const { roles, users, messenger, cards, log } = this.deps;
    for (const { tenantId, userId } of await roles.admins(this.deps.community.tenantsOf(report.tenantId))) {
      const user = await users.get(tenantId, userId);
      if (!user?.personalConversation) continue;
      try {
        await messenger.send(user.personalConversation, { card: cards.noReviewer(user.locale ?? this.deps.defaultLocale, report, round, cluster) });
      } catch (err) {
        log.warn('could not tell an admin', { userId, error: errorText(err) });
      }
    }
  }

  /**
   * Someone was just made a reviewer or adviser: submitted reports in what they cover that nobody could be
   * asked to review go to them now. Returns how many went.
   */
  async roleGranted(grant: { tenantId: string; userId: string; role: string; laCode: number | null; schoolId?: number | null }): Promise<number> {
    if (grant.role !== 'reviewer' && grant.role !== 'adviser') return 0;
    const { store } = this.deps;
    let sent = 0;
    for (const report of await store.reports.awaitingReviewer(this.deps.community.tenantsOf(grant.tenantId))) {
      const round = await store.cycles.roundForJob(report.roundId);
      const cluster = await store.clusters.getCluster(report.clusterId);
      if (!round || !cluster) continue;
      const covers = grant.schoolId
        ? (await store.clusters.members(cluster.id)).some((m) => m.schoolId === grant.schoolId)
        : grant.laCode === null || grant.laCode === cluster.laCode;
      if (covers && (await this.sendForReview({ tenantId: grant.tenantId, userId: grant.userId }, report, round, cluster))) sent++;
    }
    return sent;
  }

  /** A reviewer's judgement and feedback; the cluster sees them in its channel. */
  async review(actor: Actor, input: { reportId: string; judgement?: string; feedback: string }): Promise<Outcome<ReviewShown, ReviewShown>> {
    const { store, clock, audit, access } = this.deps;
    const found = await this.reportInTenant(actor, input.reportId);
    if (!found) return Outcomes.notFound('fade.report.notFound');
    const { report, round, cluster } = found;
    if (!(await access.canReview(actor, cluster))) return Outcomes.forbidden('fade.review.forbidden');
    if (report.status === 'reviewed') {
      const same = report.reviewJudgement === input.judgement && (report.reviewFeedback ?? '') === input.feedback.trim();
      return same ? Outcomes.ok({ round, cluster, report, recorded: true }) : Outcomes.problem('fade.review.already', {}, { round, cluster, report });
    }
    if (!isJudgement(input.judgement))
      return Outcomes.problem('fade.review.needsJudgement', {}, { round, cluster, report, draft: { feedback: input.feedback } });
    const now = clock.now();
    const reviewed = await store.reports.review(report.id, input.judgement, input.feedback.trim(), actor.userId, now);
    if (!reviewed) return Outcomes.notFound('fade.report.notFound');
    await audit.record({
      at: now,
      tenantId: actor.tenantId,
      actorId: actor.userId,
      action: 'fade.review',
      subjectType: 'fadeReport',
      subjectId: report.id,
      details: { judgement: input.judgement },
    });
    await this.shareFeedback(reviewed, round, cluster);
    await this.reminders.refreshReminderCard(report.roundId, report.clusterId);
    return Outcomes.ok({ round, cluster, report: reviewed, recorded: true });
  }

  private async shareFeedback(report: FadeReport, round: Round, cluster: ClusterInfo): Promise<void> {
    const channel = await this.deps.store.channels.channelForCluster(cluster.id, this.deps.community.tenantsOf(report.tenantId));
    if (!channel?.active) return;
    const outcome = await this.deps.sender.post(channel.reference, { card: this.deps.cards.feedback(report, round, cluster) });
    if (!outcome.ok) await this.reminders.failed(report.tenantId, cluster.id, channel, 'feedback', outcome);
  }

  /** The report's "develop" items become the cluster's next steps (each once). */
  async makeNextSteps(actor: Actor, reportId: string): Promise<Outcome<ReportShown>> {
    const { store, clock, access } = this.deps;
    const found = await this.reportInTenant(actor, reportId);
    if (!found) return Outcomes.notFound('fade.report.notFound');
    const { report, round, cluster } = found;
    if (!(await access.canEdit(actor, cluster))) return Outcomes.forbidden('fade.report.forbidden');
    const added = await store.reports.addNextSteps(cluster.id, round.id, developItems(report.sections.develop ?? ''), actor.userId, clock.now());
    const total = (await store.reports.nextSteps(cluster.id, this.deps.community.tenantsOf(actor.tenantId))).length;
    return Outcomes.ok({ round, cluster, report, editor: true, notice: { key: 'fade.report.nextStepsDone', params: { count: added > 0 ? added : total } } });
  }

  // ---------------------------------------------------------------- members' notes

  /** The cluster whose notes form the person may open. */
  async noteForm(actor: Actor, user: UserRecord | null, clusterId: number): Promise<Outcome<ClusterInfo>> {
    const cluster = await this.deps.store.clusters.getCluster(clusterId);
    if (!cluster) return Outcomes.notFound('fade.report.notFound');
    if (!(await this.deps.access.canAddNote(actor, cluster, user))) return Outcomes.forbidden('fade.note.forbidden');
    return Outcomes.ok(cluster);
  }

  async addNote(
    actor: Actor,
    user: UserRecord | null,
    input: { clusterId: number; roundId: string | null; text: string; done: boolean },
  ): Promise<Outcome<ClusterInfo>> {
    const { store, clock, access } = this.deps;
    const form = await this.noteForm(actor, user, input.clusterId);
    if (form.kind !== 'ok') return form;
    const cluster = form.value;
    const text = input.text.trim();
    if (text === '' && !input.done) return Outcomes.problem('fade.note.empty');
    const now = clock.now();
    if (text !== '')
      await store.reports.addNote({
        clusterId: cluster.id,
        tenantId: actor.tenantId,
        schoolId: user?.schoolId ?? null,
        authorId: actor.userId,
        authorName: user?.displayName ?? null,
        text,
        at: now,
      });
    // A round named by the card counts only if it is the community's own: another community's report is never touched.
    const round = input.roundId
      ? await store.cycles.getRound(input.roundId, this.deps.community.tenantsOf(actor.tenantId))
      : await this.cycles.currentRound(actor.tenantId, cluster.id);
    if (round && user?.schoolId && (await access.isMember(user, cluster))) {
      await store.reports.setPart(round.id, cluster.id, user.schoolId, input.done ? 'submitted' : 'drafted', actor.userId, now);
      await this.reminders.refreshReminderCard(round.id, cluster.id);
    }
    // Notes reach a draft already started too: appended to its Analysis.
    if (round && text !== '') {
      const report = await store.reports.report(round.id, cluster.id);
      if (report && (report.status === 'notStarted' || report.status === 'drafted')) {
        const members = await store.clusters.members(cluster.id);
        const school = members.find((m) => m.schoolId === user?.schoolId);
        // The draft is in the cluster's language: a Welsh or bilingual cluster gets the Welsh name.
        const line = `- ${school ? schoolName(school, cluster.language === 'en' ? 'en' : 'cy') : ''} (${user?.displayName ?? ''}): ${text.replace(/\s+/g, ' ')}`;
        await store.reports.saveDraft(
          report.id,
          report.version,
          { ...report.sections, analysis: `${report.sections.analysis ?? ''}\n${line}`.trim() },
          report.selfJudgement,
          report.submittedBy ?? actor.userId,
          now,
          false,
        );
      }
    }
    return Outcomes.ok(cluster);
  }
}
