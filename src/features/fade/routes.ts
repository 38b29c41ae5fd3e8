import { commandPattern } from '../../platform/i18n/commands';
import { cycleCard, languagesOf, noteCard, roundLabel } from './cards';
import type { CardJson } from '../../platform/cards/render';
import { Verbs } from '../../platform/cards/verbs';
import type { Clock } from '../../platform/clock';
import { DEFAULT_REMINDER_OFFSETS, DEFAULT_SEND_TIME, cycleStartYear, defaultRounds, type RoundDefinition } from './model';
import { holidaySet, isLocalDate } from '../../platform/workingDays';
import { t, type Locale, type MessageKey } from '../../platform/i18n';
import type { Logger } from '../../platform/log';
import type { FadeService } from './service';
import type { ClusterInfo } from './repository';
import { commandArgument, parse, type RouteKit, type Turn } from '../../platform/teams/kit';
import { FadeOpenPayload, FadeReportIdPayload, FadeReviewPayload, FadeSaveNotePayload, FadeSaveReportPayload, FadeSetCyclePayload } from './payloads';

/** What the fade routes need from the composition root. */
export interface FadeRouteDeps {
  service?: FadeService;
  clock?: Clock;
  log?: Logger;
}

export const FADE_COMMANDS = {
  link: commandPattern('command.linkCluster', { argument: true }),
  cycle: commandPattern('command.fadeCycle', { argument: true }),
  status: commandPattern('command.fadeStatus'),
  report: commandPattern('command.fadeReport'),
  note: commandPattern('command.fadeNote', { argument: true }),
  holidays: commandPattern('command.fadeHolidays', { argument: true }),
  priorities: commandPattern('command.fadePriorities', { argument: true }),
  lead: commandPattern('command.clusterLead', { argument: true }),
};

export function registerFadeRoutes(kit: RouteKit, deps: FadeRouteDeps): void {
  const service = deps.service;
  if (!service) return;

  // ---- where the bot is: stored on install, deactivated on removal ----

  kit.on('installed', async (event) => {
    if (!event.personal) await service.conversationSeen(event.conversation);
  });
  kit.on('channelDeleted', async (event) => {
    if (event.channelId) await service.conversationsRemoved(event.actor.tenantId, { conversationId: event.channelId }, 'channelDeleted');
  });
  kit.on('uninstalled', async (event) => {
    if (event.personal) return;
    await service.conversationsRemoved(event.actor.tenantId, event.teamId ? { teamId: event.teamId } : { conversationId: event.conversation.conversationId }, 'botRemoved');
  });

  // ---- helpers ----

  /** Replies in a linked channel follow the cluster's language(s); elsewhere the person's. */
  async function languagesHere(turn: Turn): Promise<{ languages: Locale[]; cluster: ClusterInfo | null }> {
    if (turn.personal) return { languages: [turn.locale], cluster: null };
    const conv = await service!.repo.getConversation(turn.conversation.conversationId);
    const cluster = conv?.clusterId ? await service!.repo.getCluster(conv.clusterId) : null;
    return { languages: cluster ? languagesOf(cluster.language) : [turn.locale], cluster };
  }

  /** Refusals for want of permission (not usage or not-found answers) are logged with what was tried. */
  const PERMISSION_KEYS: readonly string[] = ['fade.adminOnly', 'fade.link.forbidden', 'fade.lead.forbidden', 'fade.report.forbidden', 'fade.review.forbidden', 'fade.note.forbidden'];
  const refusal = (turn: Turn, r: { key: MessageKey; params?: Record<string, string | number> }, languages: Locale[] = [turn.locale]) => {
    if (PERMISSION_KEYS.includes(r.key)) kit.refused(turn, r.key);
    return service.message(languages, r.key, r.params);
  };

  /** In a channel, a personal form goes to the person's own chat (others keep the shared card). */
  async function deliverPersonally(turn: Turn, card: CardJson, shared: () => Promise<CardJson>): Promise<CardJson> {
    if (turn.personal || !turn.user.personalConversation) return card;
    try {
      await service!.sendPersonal(turn.user.personalConversation, card);
      return await shared();
    } catch {
      return card;
    }
  }

  async function sharedReminder(roundId: string, clusterId: number): Promise<CardJson> {
    return (await service!.reminderCardNow(roundId, clusterId)) ?? {};
  }

  async function clusterForTurn(turn: Turn): Promise<ClusterInfo | null> {
    const conversationId = turn.personal ? null : turn.conversation.conversationId;
    return service!.clusterFor(turn.actor, conversationId, turn.user);
  }

  // ---- commands ----

  kit.onCommand(FADE_COMMANDS.link, async (turn) => {
    const name = commandArgument(turn, FADE_COMMANDS.link);
    const seen = turn.conversation;
    if (!turn.personal) await service.conversationSeen(seen);
    const outcome = await service.linkCluster(turn.actor, seen, name);
    if (outcome.kind === 'linked') return outcome.card;
    return refusal(turn, outcome);
  });

  kit.onCommand(FADE_COMMANDS.cycle, async (turn) => {
    const name = commandArgument(turn, FADE_COMMANDS.cycle);
    const start = cycleStartYear(name);
    if (start === null) return service.message([turn.locale], 'fade.cycle.usage');
    if (!(await service.isAdmin(turn.actor))) return refusal(turn, { key: 'fade.adminOnly' });
    const holidays = await service.repo.holidays(turn.actor.tenantId);
    const clusters = await service.repo.clustersByIds(await service.repo.allClusterIds());
    return cycleCard(turn.locale, {
      name,
      rounds: withBlankRows(defaultRounds(start, holidays)),
      offsets: DEFAULT_REMINDER_OFFSETS.join(', '),
      sendTime: DEFAULT_SEND_TIME,
      clusters: clusters.map((c) => ({ id: c.id, name: c.name })),
    });
  });

  kit.onCommand(FADE_COMMANDS.status, async (turn) => {
    const outcome = await service.statusCard(turn.actor, turn.locale);
    return outcome.kind === 'ok' ? outcome.value : refusal(turn, outcome);
  });

  kit.onCommand(FADE_COMMANDS.report, async (turn) => {
    const { languages } = await languagesHere(turn);
    const cluster = await clusterForTurn(turn);
    if (!cluster) return service.message(languages, 'fade.report.noCluster');
    const round = await service.currentRound(turn.actor.tenantId, cluster.id);
    if (!round) return service.message(languages, 'fade.report.noRound');
    const outcome = await service.openReport(turn.actor, turn.locale, round.id, cluster.id);
    if (outcome.kind !== 'ok') return refusal(turn, outcome, languages);
    return deliverPersonally(turn, outcome.value, async () => service.message(languages, 'fade.report.sentToChat', {}, 'good'));
  });

  kit.onCommand(FADE_COMMANDS.note, async (turn) => {
    const text = commandArgument(turn, FADE_COMMANDS.note);
    const { languages } = await languagesHere(turn);
    const cluster = await clusterForTurn(turn);
    if (!cluster) return service.message(languages, 'fade.report.noCluster');
    const round = await service.currentRound(turn.actor.tenantId, cluster.id);
    if (text === '') return noteCard(turn.locale, { roundId: round?.id ?? '', clusterId: cluster.id, clusterName: cluster.name });
    const outcome = await service.addNote(turn.actor, turn.user, { clusterId: cluster.id, roundId: round?.id ?? null, text, done: false });
    if (outcome.kind !== 'ok') return refusal(turn, outcome, languages);
    return service.message(languages, 'fade.note.saved', {}, 'good');
  });

  kit.onCommand(FADE_COMMANDS.holidays, async (turn) => {
    const arg = commandArgument(turn, FADE_COMMANDS.holidays);
    const entries: (string | { start: string; end: string })[] = [];
    for (const part of arg.split(/[\s,;]+/).filter((p) => p !== '')) {
      const [start, end] = part.split('..');
      if (!isLocalDate(start) || (end !== undefined && !isLocalDate(end))) return service.message([turn.locale], 'fade.holiday.usage');
      entries.push(end ? { start, end } : start);
    }
    if (entries.length === 0) return service.message([turn.locale], 'fade.holiday.usage');
    let days: string[];
    try {
      days = [...holidaySet(entries)];
    } catch {
      return service.message([turn.locale], 'fade.holiday.usage');
    }
    const outcome = await service.addHolidays(turn.actor, days);
    return outcome.kind === 'ok' ? service.message([turn.locale], 'fade.holiday.added', { count: outcome.value }, 'good') : refusal(turn, outcome);
  });

  kit.onCommand(FADE_COMMANDS.priorities, async (turn) => {
    const list = commandArgument(turn, FADE_COMMANDS.priorities)
      .split(/[;\n]+/)
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .slice(0, 12);
    const { languages } = await languagesHere(turn);
    if (list.length === 0) return service.message(languages, 'fade.priorities.usage');
    const cluster = await clusterForTurn(turn);
    if (!cluster) return service.message(languages, 'fade.report.noCluster');
    const outcome = await service.setPriorities(turn.actor, cluster, list);
    return outcome.kind === 'ok' ? service.message(languages, 'fade.priorities.saved', { list: list.join('; ') }, 'good') : refusal(turn, outcome, languages);
  });

  kit.onCommand(FADE_COMMANDS.lead, async (turn) => {
    const name = commandArgument(turn, FADE_COMMANDS.lead);
    const { languages } = await languagesHere(turn);
    const cluster = await clusterForTurn(turn);
    if (!cluster) return service.message(languages, 'fade.report.noCluster');
    const outcome = await service.setLead(turn.actor, cluster, turn.user, name);
    if (outcome.kind !== 'ok') return refusal(turn, outcome, languages);
    return service.message(languages, 'fade.lead.set', { lead: outcome.value, cluster: cluster.name }, 'good');
  });

  // ---- cards ----

  kit.onCard(Verbs.fadeOpenReport, async (turn, data) => {
    const { roundId, clusterId } = parse(FadeOpenPayload, data);
    const outcome = await service.openReport(turn.actor, turn.locale, roundId, clusterId);
    if (outcome.kind !== 'ok') {
      // A member school pressing "start the report" is offered the notes form instead.
      if (outcome.key === 'fade.report.forbidden') {
        const cluster = await service.repo.getCluster(clusterId);
        if (cluster && (await service.canAddNote(turn.actor, cluster, turn.user))) {
          const card = noteCard(turn.locale, { roundId, clusterId, clusterName: cluster.name, problem: t(turn.locale, 'fade.report.forbidden') });
          return deliverPersonally(turn, card, () => sharedReminder(roundId, clusterId));
        }
      }
      return refusal(turn, outcome);
    }
    return deliverPersonally(turn, outcome.value, () => sharedReminder(roundId, clusterId));
  });

  kit.onCard(Verbs.fadeSaveReport, async (turn, data) => {
    const input = parse(FadeSaveReportPayload, data);
    const outcome = await service.saveReport(turn.actor, turn.locale, {
      reportId: input.reportId,
      version: input.version,
      submit: input.submit,
      sections: { focus: input.focus, analysis: input.analysis, develop: input.develop, evaluation: input.evaluation },
      judgement: input.judgement,
    });
    return outcome.kind === 'ok' ? outcome.value : refusal(turn, outcome);
  });

  kit.onCard(Verbs.fadeNextSteps, async (turn, data) => {
    const { reportId } = parse(FadeReportIdPayload, data);
    const outcome = await service.makeNextSteps(turn.actor, turn.locale, reportId);
    return outcome.kind === 'ok' ? outcome.value : refusal(turn, outcome);
  });

  kit.onCard(Verbs.fadeOpenNote, async (turn, data) => {
    const { roundId, clusterId } = parse(FadeOpenPayload, data);
    const cluster = await service.repo.getCluster(clusterId);
    if (!cluster) return refusal(turn, { key: 'fade.report.notFound' });
    if (!(await service.canAddNote(turn.actor, cluster, turn.user))) return refusal(turn, { key: 'fade.note.forbidden' });
    return deliverPersonally(turn, noteCard(turn.locale, { roundId, clusterId, clusterName: cluster.name }), () => sharedReminder(roundId, clusterId));
  });

  kit.onCard(Verbs.fadeSaveNote, async (turn, data) => {
    const input = parse(FadeSaveNotePayload, data);
    const outcome = await service.addNote(turn.actor, turn.user, { clusterId: input.clusterId, roundId: input.roundId, text: input.text, done: input.done });
    const cluster = await service.repo.getCluster(input.clusterId);
    const name = cluster?.name ?? '';
    if (outcome.kind !== 'ok' && PERMISSION_KEYS.includes(outcome.key)) kit.refused(turn, outcome.key);
    if (outcome.kind !== 'ok') return noteCard(turn.locale, { roundId: input.roundId, clusterId: input.clusterId, clusterName: name, problem: t(turn.locale, outcome.key, outcome.params), text: input.text, done: input.done });
    return noteCard(turn.locale, { roundId: input.roundId, clusterId: input.clusterId, clusterName: name, notice: t(turn.locale, 'fade.note.saved'), done: input.done });
  });

  kit.onCard(Verbs.fadeSetCycle, async (turn, data) => {
    const input = parse(FadeSetCyclePayload, data);
    const roundName = (name: string, fallback: string) => {
      const trimmed = name.trim();
      for (const key of ['interim', 'final']) if ((['cy', 'en'] as Locale[]).some((l) => roundLabel(l, key) === trimmed)) return key;
      return trimmed === '' ? fallback : trimmed;
    };
    // The form's rows in order; a row without a deadline is left out (the first always counts, so an empty form is explained).
    const rows = [
      { name: input.round1Name, deadline: input.round1Deadline, fallback: 'interim' },
      { name: input.round2Name, deadline: input.round2Deadline, fallback: 'final' },
      { name: input.round3Name, deadline: input.round3Deadline, fallback: '' },
      { name: input.round4Name, deadline: input.round4Deadline, fallback: '' },
    ];
    const typed: RoundDefinition[] = rows.map((row) => ({ name: roundName(row.name, row.fallback), deadline: row.deadline.trim() }));
    const rounds = typed.filter((row, i) => i === 0 || row.deadline !== '');
    const offsets = input.offsets.trim() === '' ? [...DEFAULT_REMINDER_OFFSETS] : input.offsets.split(/[,;\s]+/).filter((x) => x !== '').map(Number);
    const clusterIds = input.clusterIds.split(',').map((x) => Number(x.trim())).filter((x) => Number.isInteger(x) && x > 0);
    const outcome = await service.defineCycle(turn.actor, { name: input.name, rounds, offsets, sendTime: input.sendTime, clusterIds });
    if (outcome.kind === 'ok') {
      return service.message([turn.locale], 'fade.cycle.done', { name: input.name, clusters: outcome.value.clusters, rounds: outcome.value.rounds, reminders: outcome.value.reminders }, 'good');
    }
    if (outcome.key === 'fade.adminOnly' || outcome.key === 'fade.cycle.exists') return refusal(turn, outcome);
    const clusters = await service.repo.clustersByIds(await service.repo.allClusterIds());
    return cycleCard(turn.locale, {
      name: input.name,
      rounds: typed, // as typed, row for row
      offsets: input.offsets,
      sendTime: input.sendTime,
      clusters: clusters.map((c) => ({ id: c.id, name: c.name })),
      clusterIds: input.clusterIds,
      problem: t(turn.locale, outcome.key, outcome.params),
    });
  });

  kit.onCard(Verbs.fadeReview, async (turn, data) => {
    const input = parse(FadeReviewPayload, data);
    const outcome = await service.review(turn.actor, turn.locale, input);
    return outcome.kind === 'ok' ? outcome.value : refusal(turn, outcome);
  });

}

/** The cycle form has this many round rows: the template's two, and room for a cluster that reports more often. */
const CYCLE_FORM_ROUNDS = 4;

function withBlankRows(rounds: RoundDefinition[]): RoundDefinition[] {
  const rows = [...rounds];
  if (rows.length === 1) rows.push({ name: 'final', deadline: '' });
  while (rows.length < CYCLE_FORM_ROUNDS) rows.push({ name: '', deadline: '' });
  return rows;
}
