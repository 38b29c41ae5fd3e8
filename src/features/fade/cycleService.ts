import type { Actor } from '../../platform/actor';
import { Outcomes, type Outcome } from '../../platform/outcome';
import { localDateOf } from '../../platform/workingDays';
import type { FadeDeps } from './deps';
import { DEFAULT_SEND_TIME, reminderSchedule, validateOffsets, validateRounds, type RoundDefinition } from './model';
import type { ClusterInfo, DeliveryFailure, Round, RoundProgress } from './types';
import type { NewNotification, ScheduledNotification } from '../../platform/jobs/notifications';

export const FADE_REMINDER_KIND = 'fadeReminder';
/**
 * A cycle's reminders to write: scheduled for at once in the transaction that sets the cycle, so the admin's card is
 * answered first and the writing (over a thousand rows for every cluster of Wales) is a job, retried and never lost.
 */
export const FADE_CYCLE_REMINDERS_KIND = 'fadeCycleReminders';
export const fadeReminderKey = (roundId: string, clusterId: number, key: string) => `fade:${roundId}:${clusterId}:${key}`;

/** What the admin's cycle form offers: the clusters to choose from, and the holidays the default rounds avoid. */
export interface CycleChoices {
  clusters: ClusterInfo[];
  holidays: ReadonlySet<string>;
}

export interface FadeStatus {
  rounds: RoundProgress[];
  /** Linked channels the bot can no longer post in: these need someone to act. */
  lostChannels: { clusterName: string; reason: string | null; since: Date }[];
  /** Other sends that failed (not reminders skipped for want of a channel). */
  failures: DeliveryFailure[];
}

/** FADE cycles: rounds and their deadlines, school holidays, the reminders a cycle schedules, and progress. */
export class FadeCycleService {
  constructor(private readonly deps: FadeDeps) {}

  /** The tenant's school holidays (configured and added by admins); matching's waiting reminders count them too. */
  async holidaysFor(tenantId: string): Promise<ReadonlySet<string>> {
    const stored = await this.deps.store.cycles.holidays(tenantId);
    for (const d of this.deps.holidays ?? []) stored.add(d);
    return stored;
  }

  async addHolidays(actor: Actor, days: string[]): Promise<Outcome<number>> {
    if (!(await this.deps.access.isAdmin(actor))) return Outcomes.forbidden('fade.adminOnly');
    await this.deps.store.cycles.addHolidays(actor.tenantId, days, null);
    return Outcomes.ok(days.length);
  }

  /** For the admin's cycle form. */
  async cycleChoices(actor: Actor): Promise<Outcome<CycleChoices>> {
    if (!(await this.deps.access.isAdmin(actor))) return Outcomes.forbidden('fade.adminOnly');
    return Outcomes.ok({ clusters: await this.allClusters(), holidays: await this.holidaysFor(actor.tenantId) });
  }

  private async allClusters(): Promise<ClusterInfo[]> {
    const { clusters } = this.deps.store;
    return clusters.clustersByIds(await clusters.allClusterIds());
  }

  /**
   * Sets a cycle and schedules its reminders, once per round, cluster and offset. A problem
   * with the form carries the clusters, so the form can be drawn again as typed.
   */
  async defineCycle(
    actor: Actor,
    input: { name: string; rounds: RoundDefinition[]; offsets: number[]; sendTime?: string; clusterIds?: number[] },
  ): Promise<Outcome<{ clusters: number; rounds: number; reminders: number }, CycleChoices>> {
    const { db, store, notifications, clock, audit, access } = this.deps;
    if (!(await access.isAdmin(actor))) return Outcomes.forbidden('fade.adminOnly');
    const formProblem = async (key: Parameters<typeof Outcomes.problem>[0]) =>
      Outcomes.problem<CycleChoices>(key, {}, { clusters: await this.allClusters(), holidays: await this.holidaysFor(actor.tenantId) });
    const problem = validateRounds(input.rounds) ?? validateOffsets(input.offsets);
    if (problem) return formProblem(problem);
    const sendTime = input.sendTime?.trim() || DEFAULT_SEND_TIME;
    if (!/^\d{2}:\d{2}$/.test(sendTime) || Number(sendTime.slice(0, 2)) > 23 || Number(sendTime.slice(3)) > 59) return formProblem('fade.problem.badTime');
    const clusterIds = input.clusterIds && input.clusterIds.length > 0 ? input.clusterIds : await store.clusters.allClusterIds();
    if (clusterIds.length === 0) return formProblem('fade.problem.noClusters');
    const holidays = await this.holidaysFor(actor.tenantId);
    const now = clock.now();
    const result = await db.transaction(async (tx) => {
      const created = await store.cycles.createCycle(
        { tenantId: actor.tenantId, name: input.name, offsets: input.offsets, sendTime, createdBy: actor.userId, createdAt: now },
        input.rounds,
        clusterIds,
        tx,
      );
      if (!created) return null;
      // The reminders are written by a job, due now, in this same transaction: set, and they will all follow.
      await notifications.schedule(
        {
          kind: FADE_CYCLE_REMINDERS_KIND,
          dedupeKey: `fade:cycle:${created.cycle.id}`,
          tenantId: actor.tenantId,
          recipientId: 'cycle',
          subjectId: created.cycle.id,
          dueAt: now,
        },
        tx,
      );
      await audit.record(
        {
          at: now,
          tenantId: actor.tenantId,
          actorId: actor.userId,
          action: 'fade.defineCycle',
          subjectType: 'fadeCycle',
          subjectId: created.cycle.id,
          details: { name: input.name, clusters: clusterIds.length },
        },
        tx,
      );
      // Every reminder of a new round is new (its key names the round), so this is how many the job will write.
      const reminders =
        created.rounds.reduce((n, round) => n + reminderSchedule(round.deadline, input.offsets, holidays, sendTime).length, 0) * clusterIds.length;
      return { clusters: clusterIds.length, rounds: created.rounds.length, reminders };
    });
    if (!result) return Outcomes.problem('fade.cycle.exists', { name: input.name });
    this.deps.wake?.();
    this.deps.log.info('FADE cycle set', { tenantId: actor.tenantId, name: input.name, ...result });
    return Outcomes.ok(result);
  }

  /** The job a new cycle leaves: writes its reminders, once per round, cluster and offset (again, harmlessly, on a retry). */
  async writeCycleReminders(job: ScheduledNotification): Promise<'sent' | 'skipped'> {
    const { store, notifications, log } = this.deps;
    const rounds = await store.cycles.roundsOfCycle(job.subjectId);
    if (rounds.length === 0) {
      await notifications.markFailed(job.id, 'the cycle is gone');
      return 'skipped';
    }
    const clusterIds = await store.cycles.clustersOfCycle(job.subjectId);
    const holidays = await this.holidaysFor(job.tenantId);
    const reminders: NewNotification[] = [];
    for (const round of rounds)
      for (const r of reminderSchedule(round.deadline, round.offsets, holidays, round.sendTime))
        for (const clusterId of clusterIds)
          reminders.push({
            kind: FADE_REMINDER_KIND,
            dedupeKey: fadeReminderKey(round.id, clusterId, r.key),
            tenantId: job.tenantId,
            recipientId: String(clusterId),
            subjectId: round.id,
            dueAt: r.sendAt,
          });
    const added = await notifications.scheduleMany(reminders);
    log.info('FADE reminders scheduled', { tenantId: job.tenantId, cycleId: job.subjectId, reminders: reminders.length, added });
    // A reminder already due (a cycle set late) goes out now, not at the next minute's sweep.
    const now = this.deps.clock.now();
    if (added > 0 && reminders.some((r) => r.dueAt <= now)) this.deps.wake?.();
    return 'sent';
  }

  async currentRound(tenantId: string, clusterId: number): Promise<Round | null> {
    return this.deps.store.cycles.currentRoundFor(this.deps.community.tenantsOf(tenantId), clusterId, localDateOf(this.deps.clock.now()));
  }

  /** Progress of the latest rounds and the latest delivery failures, for admins, advisers and reviewers. */
  async status(actor: Actor): Promise<Outcome<FadeStatus>> {
    const { store, roles, access, notifications } = this.deps;
    const isAdmin = await access.isAdmin(actor);
    const adviser = (await roles.rolesOf(actor.tenantId, actor.userId)).some((g) => g.role === 'adviser' || g.role === 'reviewer');
    if (!isAdmin && !adviser) return Outcomes.forbidden('fade.adminOnly');
    const rounds = await store.cycles.progress(actor.tenantId);
    const reminders = await notifications.progress(
      FADE_REMINDER_KIND,
      rounds.map((r) => r.roundId),
    );
    for (const r of rounds) Object.assign(r, reminders.get(r.roundId) ?? {});
    return Outcomes.ok({
      rounds,
      lostChannels: await store.channels.lostChannels(actor.tenantId),
      failures: await store.reminders.failures(actor.tenantId, 10),
    });
  }
}
