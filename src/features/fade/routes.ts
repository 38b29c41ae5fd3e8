import { commandPattern } from '../../platform/i18n/commands';
import {
  cycleCard,
  fadeMessage,
  languagesOf,
  linkCard,
  linkedCard,
  noteCard,
  reminderCard,
  reportFormCard,
  reviewFormCard,
  roundLabel,
  statusCard,
} from './cards';
import type { CardJson } from '../../platform/cards/render';
import { Verbs } from '../../platform/cards/verbs';
import { DEFAULT_REMINDER_OFFSETS, DEFAULT_SEND_TIME, cycleStartYear, defaultRounds, type RoundDefinition } from './model';
import { holidaySet, isLocalDate } from '../../platform/workingDays';
import { t, type Locale } from '../../platform/i18n';
import type { Outcome, Refusal } from '../../platform/outcome';
import type { Messenger } from '../../platform/teams/messenger';
import type { FadeServices } from './services';
import type { ReportShown } from './reportService';
import type { ClusterInfo } from './types';
import { clusterNames } from '../directory/names';
import { commandArgument, parse, type Answer, type RouteKit, type Turn } from '../../platform/teams/kit';
import {
  FadeLinkPayload,
  FadeOpenPayload,
  FadeReportIdPayload,
  FadeReviewPayload,
  FadeSaveNotePayload,
  FadeSaveReportPayload,
  FadeSetCyclePayload,
} from './payloads';

/** What the fade routes need from the composition root. */
export interface FadeRouteDeps {
  services: FadeServices;
  /** Personal forms asked for in a channel go to the person's own chat. */
  messenger: Messenger;
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

/** A problem that carries the record, drawn again beside it; any other refusal as it is. */
function refusalOf<C>(outcome: Exclude<Outcome<unknown, C>, { kind: 'ok' }>): Refusal {
  return outcome.kind === 'problem' ? { kind: 'problem', key: outcome.key, params: outcome.params } : outcome;
}

export function registerFadeRoutes(kit: RouteKit, { services, messenger }: FadeRouteDeps): void {
  const { channels, cycles, reminders, reports } = services;

  const onCommand = (name: keyof typeof FADE_COMMANDS, handler: (turn: Turn) => Promise<Answer>) => kit.onCommand(FADE_COMMANDS[name], handler);

  // ---- where the bot is: stored on install, deactivated on removal ----

  kit.on('installed', async (event) => {
    if (!event.personal) await channels.conversationSeen(event.conversation);
  });
  kit.on('channelDeleted', async (event) => {
    if (event.channelId) await channels.conversationsRemoved(event.actor.tenantId, { conversationId: event.channelId }, 'channelDeleted');
  });
  kit.on('uninstalled', async (event) => {
    if (event.personal) return;
    await channels.conversationsRemoved(
      event.actor.tenantId,
      event.teamId ? { teamId: event.teamId } : { conversationId: event.conversation.conversationId },
      'botRemoved',
    );
  });

  // ---- helpers ----

  /** Replies in a linked channel follow the cluster's language(s); elsewhere the person's. */
  async function languagesHere(turn: Turn): Promise<Locale[]> {
    const cluster = turn.personal ? null : await channels.clusterLinkedTo(turn.conversation.conversationId);
    return cluster ? languagesOf(cluster.language) : [turn.locale];
  }

  /** A refusal in the languages of the place it is shown (channels get no personal-chat menu); the kit logs it. */
  const refusal = (turn: Turn, r: Refusal, languages: Locale[] = [turn.locale]) => kit.refusal(turn, r, () => fadeMessage(languages, r.key, r.params));

  /** In a channel, a personal form goes to the person's own chat (others keep the shared card). */
  async function deliverPersonally(turn: Turn, card: CardJson, shared: () => Promise<CardJson>): Promise<CardJson> {
    if (turn.personal || !turn.user.personalConversation) return card;
    try {
      await messenger.send(turn.user.personalConversation, { card });
      return await shared();
    } catch {
      return card;
    }
  }

  async function sharedReminder(turn: Turn, roundId: string, clusterId: number): Promise<CardJson> {
    const view = await reminders.reminderNow(turn.actor.tenantId, roundId, clusterId);
    return view ? reminderCard(view) : {};
  }

  async function clusterForTurn(turn: Turn): Promise<ClusterInfo | null> {
    return channels.clusterFor(turn.personal ? null : turn.conversation.conversationId, turn.user);
  }

  // ---- commands ----

  /** Links the channel; a name that matches several clusters or none comes back as the link card, with buttons. */
  async function link(turn: Turn, target: { clusterId?: number; name?: string }): Promise<Answer> {
    const seen = turn.conversation;
    if (!turn.personal) await channels.conversationSeen(seen);
    const outcome = await channels.linkCluster(turn.actor, seen, target);
    if (outcome.kind === 'ok') return linkedCard(outcome.value);
    if (outcome.kind === 'problem' && outcome.current && outcome.key !== 'fade.link.notChannel') {
      const choices = outcome.current.length > 0 ? outcome.current : await channels.linkChoices(turn.actor, turn.user);
      return linkCard(turn.locale, { choices, name: target.name, problem: t(turn.locale, outcome.key, outcome.params) });
    }
    return refusal(turn, refusalOf(outcome));
  }

  onCommand('link', async (turn) => {
    const name = commandArgument(turn, FADE_COMMANDS.link);
    if (name !== '') return link(turn, { name });
    if (turn.personal) return fadeMessage([turn.locale], 'fade.link.notChannel');
    // No name: the clusters this person leads as buttons, and a search box.
    return linkCard(turn.locale, { choices: await channels.linkChoices(turn.actor, turn.user) });
  });

  kit.onCard(Verbs.fadeLinkCluster, async (turn, data) => {
    const input = parse(FadeLinkPayload, data);
    return link(turn, input.clusterId !== undefined ? { clusterId: input.clusterId } : { name: input.name });
  });

  onCommand('cycle', async (turn) => {
    const name = commandArgument(turn, FADE_COMMANDS.cycle);
    const start = cycleStartYear(name);
    if (start === null) return fadeMessage([turn.locale], 'fade.cycle.usage');
    const choices = await cycles.cycleChoices(turn.actor);
    if (choices.kind !== 'ok') return refusal(turn, choices);
    return cycleCard(turn.locale, {
      name,
      rounds: withBlankRows(defaultRounds(start, choices.value.holidays)),
      offsets: DEFAULT_REMINDER_OFFSETS.join(', '),
      sendTime: DEFAULT_SEND_TIME,
      clusters: choices.value.clusters.map((c) => ({ id: c.id, name: clusterNames(c) })),
    });
  });

  // The status names every cluster's troubles: it goes to the person who asked, in personal chat, in their language.
  onCommand('status', async (turn) => {
    const languages = await languagesHere(turn);
    const outcome = await cycles.status(turn.actor);
    if (outcome.kind !== 'ok') return refusal(turn, outcome, languages);
    const card = statusCard(turn.locale, outcome.value);
    if (turn.personal) return card;
    if (!turn.user.personalConversation) return fadeMessage(languages, 'fade.status.askPersonally');
    try {
      await messenger.send(turn.user.personalConversation, { card });
    } catch {
      return fadeMessage(languages, 'fade.status.askPersonally');
    }
    return fadeMessage(languages, 'fade.status.sentToChat', {}, 'good');
  });

  onCommand('report', async (turn) => {
    const languages = await languagesHere(turn);
    const cluster = await clusterForTurn(turn);
    if (!cluster) return fadeMessage(languages, 'fade.report.noCluster');
    const round = await cycles.currentRound(turn.actor.tenantId, cluster.id);
    if (!round) return fadeMessage(languages, 'fade.report.noRound');
    const outcome = await reports.openReport(turn.actor, turn.locale, round.id, cluster.id);
    if (outcome.kind !== 'ok') return refusal(turn, outcome, languages);
    return deliverPersonally(turn, openedCard(turn.locale, outcome.value), async () => fadeMessage(languages, 'fade.report.sentToChat', {}, 'good'));
  });

  onCommand('note', async (turn) => {
    const text = commandArgument(turn, FADE_COMMANDS.note);
    const languages = await languagesHere(turn);
    const cluster = await clusterForTurn(turn);
    if (!cluster) return fadeMessage(languages, 'fade.report.noCluster');
    const round = await cycles.currentRound(turn.actor.tenantId, cluster.id);
    if (text === '') return noteCard(turn.locale, { roundId: round?.id ?? '', clusterId: cluster.id, clusterName: clusterNames(cluster) });
    const outcome = await reports.addNote(turn.actor, turn.user, { clusterId: cluster.id, roundId: round?.id ?? null, text, done: false });
    if (outcome.kind !== 'ok') return refusal(turn, outcome, languages);
    return fadeMessage(languages, 'fade.note.saved', {}, 'good');
  });

  onCommand('holidays', async (turn) => {
    const arg = commandArgument(turn, FADE_COMMANDS.holidays);
    const entries: (string | { start: string; end: string })[] = [];
    for (const part of arg.split(/[\s,;]+/).filter((p) => p !== '')) {
      const [start, end] = part.split('..');
      if (!isLocalDate(start) || (end !== undefined && !isLocalDate(end))) return fadeMessage([turn.locale], 'fade.holiday.usage');
      entries.push(end ? { start, end } : start);
    }
    if (entries.length === 0) return fadeMessage([turn.locale], 'fade.holiday.usage');
    let days: string[];
    try {
      days = [...holidaySet(entries)];
    } catch {
      return fadeMessage([turn.locale], 'fade.holiday.usage');
    }
    const outcome = await cycles.addHolidays(turn.actor, days);
    return outcome.kind === 'ok' ? fadeMessage([turn.locale], 'fade.holiday.added', { count: outcome.value }, 'good') : refusal(turn, outcome);
  });

  onCommand('priorities', async (turn) => {
    const list = commandArgument(turn, FADE_COMMANDS.priorities)
      .split(/[;\n]+/)
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .slice(0, 12);
    const languages = await languagesHere(turn);
    if (list.length === 0) return fadeMessage(languages, 'fade.priorities.usage');
    const cluster = await clusterForTurn(turn);
    if (!cluster) return fadeMessage(languages, 'fade.report.noCluster');
    const outcome = await channels.setPriorities(turn.actor, cluster, list);
    return outcome.kind === 'ok' ? fadeMessage(languages, 'fade.priorities.saved', { list: list.join('; ') }, 'good') : refusal(turn, outcome, languages);
  });

  onCommand('lead', async (turn) => {
    const name = commandArgument(turn, FADE_COMMANDS.lead);
    const languages = await languagesHere(turn);
    const cluster = await clusterForTurn(turn);
    if (!cluster) return fadeMessage(languages, 'fade.report.noCluster');
    const outcome = await channels.setLead(turn.actor, cluster, turn.user, name);
    if (outcome.kind !== 'ok') return refusal(turn, outcome, languages);
    return fadeMessage(languages, 'fade.lead.set', { lead: outcome.value, cluster: clusterNames(cluster) }, 'good');
  });

  // ---- cards ----

  /** A round's card pressed in a channel by someone of the cluster: its message id is kept if the bot did not know it. */
  async function cardPressed(turn: Turn, roundId: string, clusterId: number): Promise<void> {
    if (!turn.personal && turn.cardMessageId)
      await reminders.cardPressed(turn.actor.tenantId, roundId, clusterId, turn.conversation.conversationId, turn.cardMessageId);
  }

  kit.onCard(Verbs.fadeOpenReport, async (turn, data) => {
    const { roundId, clusterId } = parse(FadeOpenPayload, data);
    // Someone of the cluster pressed its card: its id is kept before the report's first opening redraws it.
    if ((await reports.noteForm(turn.actor, turn.user, clusterId)).kind === 'ok') await cardPressed(turn, roundId, clusterId);
    const outcome = await reports.openReport(turn.actor, turn.locale, roundId, clusterId);
    if (outcome.kind === 'ok') return deliverPersonally(turn, openedCard(turn.locale, outcome.value), () => sharedReminder(turn, roundId, clusterId));
    // A member school pressing "start the report" is offered the notes form instead.
    if (outcome.kind === 'forbidden') {
      const form = await reports.noteForm(turn.actor, turn.user, clusterId);
      if (form.kind === 'ok') {
        const card = noteCard(turn.locale, { roundId, clusterId, clusterName: clusterNames(form.value), problem: t(turn.locale, outcome.key) });
        return deliverPersonally(turn, card, () => sharedReminder(turn, roundId, clusterId));
      }
    }
    return refusal(turn, outcome);
  });

  kit.onCard(Verbs.fadeSaveReport, async (turn, data) => {
    const input = parse(FadeSaveReportPayload, data);
    const outcome = await reports.saveReport(turn.actor, {
      reportId: input.reportId,
      version: input.version,
      submit: input.submit,
      sections: { focus: input.focus, analysis: input.analysis, develop: input.develop, evaluation: input.evaluation },
      judgement: input.judgement,
    });
    if (outcome.kind === 'ok') return reportFormCard(turn.locale, outcome.value);
    if (outcome.kind === 'problem' && outcome.current) return reportFormCard(turn.locale, outcome.current, t(turn.locale, outcome.key, outcome.params));
    return refusal(turn, refusalOf(outcome));
  });

  kit.onCard(Verbs.fadeNextSteps, async (turn, data) => {
    const { reportId } = parse(FadeReportIdPayload, data);
    const outcome = await reports.makeNextSteps(turn.actor, reportId);
    return outcome.kind === 'ok' ? reportFormCard(turn.locale, outcome.value) : refusal(turn, outcome);
  });

  kit.onCard(Verbs.fadeOpenNote, async (turn, data) => {
    const { roundId, clusterId } = parse(FadeOpenPayload, data);
    const form = await reports.noteForm(turn.actor, turn.user, clusterId);
    if (form.kind !== 'ok') return refusal(turn, form);
    await cardPressed(turn, roundId, clusterId);
    return deliverPersonally(turn, noteCard(turn.locale, { roundId, clusterId, clusterName: clusterNames(form.value) }), () =>
      sharedReminder(turn, roundId, clusterId),
    );
  });

  kit.onCard(Verbs.fadeSaveNote, async (turn, data) => {
    const input = parse(FadeSaveNotePayload, data);
    const outcome = await reports.addNote(turn.actor, turn.user, { clusterId: input.clusterId, roundId: input.roundId, text: input.text, done: input.done });
    const cluster = await channels.cluster(input.clusterId);
    const form = { roundId: input.roundId, clusterId: input.clusterId, clusterName: cluster ? clusterNames(cluster) : '', done: input.done };
    if (outcome.kind === 'ok') return noteCard(turn.locale, { ...form, notice: t(turn.locale, 'fade.note.saved') });
    // Drawn again with what was typed, and the reason beside it.
    return kit.refusal(turn, outcome, () => noteCard(turn.locale, { ...form, problem: t(turn.locale, outcome.key, outcome.params), text: input.text }));
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
    const offsets =
      input.offsets.trim() === ''
        ? [...DEFAULT_REMINDER_OFFSETS]
        : input.offsets
            .split(/[,;\s]+/)
            .filter((x) => x !== '')
            .map(Number);
    const clusterIds = input.clusterIds
      .split(',')
      .map((x) => Number(x.trim()))
      .filter((x) => Number.isInteger(x) && x > 0);
    const outcome = await cycles.defineCycle(turn.actor, { name: input.name, rounds, offsets, sendTime: input.sendTime, clusterIds });
    if (outcome.kind === 'ok') {
      return fadeMessage(
        [turn.locale],
        'fade.cycle.done',
        { name: input.name, clusters: outcome.value.clusters, rounds: outcome.value.rounds, reminders: outcome.value.reminders },
        'good',
      );
    }
    if (outcome.kind !== 'problem' || !outcome.current) return refusal(turn, refusalOf(outcome));
    return cycleCard(turn.locale, {
      name: input.name,
      rounds: typed, // as typed, row for row
      offsets: input.offsets,
      sendTime: input.sendTime,
      clusters: outcome.current.clusters.map((c) => ({ id: c.id, name: clusterNames(c) })),
      clusterIds: input.clusterIds,
      problem: t(turn.locale, outcome.key, outcome.params),
    });
  });

  kit.onCard(Verbs.fadeReview, async (turn, data) => {
    const input = parse(FadeReviewPayload, data);
    const outcome = await reports.review(turn.actor, input);
    if (outcome.kind === 'ok') return reviewFormCard(turn.locale, outcome.value);
    if (outcome.kind === 'problem' && outcome.current) return reviewFormCard(turn.locale, outcome.current, t(turn.locale, outcome.key, outcome.params));
    return refusal(turn, refusalOf(outcome));
  });
}

/** An opened report: the judgement form for a reviewer of a submitted one, else the report form. */
const openedCard = (locale: Locale, shown: ReportShown): CardJson =>
  shown.review ? reviewFormCard(locale, { round: shown.round, cluster: shown.cluster, report: shown.report }) : reportFormCard(locale, shown);

/** The cycle form has this many round rows: the template's two, and room for a cluster that reports more often. */
const CYCLE_FORM_ROUNDS = 4;

function withBlankRows(rounds: RoundDefinition[]): RoundDefinition[] {
  const rows = [...rounds];
  if (rows.length === 1) rows.push({ name: 'final', deadline: '' });
  while (rows.length < CYCLE_FORM_ROUNDS) rows.push({ name: '', deadline: '' });
  return rows;
}
