import { escapeMarkdown } from '../../platform/cards/markdown';
import type { ClusterLanguage } from '../directory/repository';
import { clusterNames, nameIn } from '../directory/names';
import {
  FADE_SECTIONS,
  JUDGEMENTS,
  type FadeSection,
  type FadeSections,
  type Judgement,
  type PartStatus,
  type ReportStatus,
  type RoundDefinition,
} from './model';
import { zonedTimeToUtc, type LocalDate } from '../../platform/workingDays';
import { catalogue, formatDate, formatTime, t, type InEachLanguage, type Locale, type MessageKey, type MessageParam } from '../../platform/i18n';
import { localDateOf } from '../../platform/workingDays';
import { renderCard, type CardJson } from '../../platform/cards/render';
import type { FadePresenter } from './presenter';
import type { LinkedCluster } from './channelService';
import type { FadeStatus } from './cycleService';
import type { ReportShown, ReviewShown } from './reportService';
import { type ClusterInfo, type DeliveryFailure, type FadeReport, type ReminderView, type RemovalReason, type Round } from './types';

export type { ReminderView };

/** A cluster's languages, Welsh first (both on one card for dual-language clusters). */
export const languagesOf = (language: ClusterLanguage): Locale[] => (language === 'both' ? ['cy', 'en'] : [language]);

/** One string in each of the languages, "Cymraeg / English" for both. */
export function inLanguages(languages: readonly Locale[], key: MessageKey, params: Readonly<Record<string, MessageParam>> = {}): string {
  return languages.map((l) => t(l, key, params)).join(' / ');
}

export const formatLocalDate = (locale: Locale, date: LocalDate): string => formatDate(locale, zonedTimeToUtc(date, '12:00'));

export function roundLabel(locale: Locale, name: string): string {
  if (name === 'interim') return t(locale, 'fade.round.interim');
  if (name === 'final') return t(locale, 'fade.round.final');
  return name;
}

export const judgementLabel = (locale: Locale, j: Judgement): string => t(locale, `fade.judgement.${j}`);
const judgementChoices = (locale: Locale) => JUDGEMENTS.map((j) => ({ title: judgementLabel(locale, j), value: j }));

export type NoticeTone = 'default' | 'attention' | 'good';
// Green and yellow text is hard to read in light, dark and high-contrast themes: good news is Accent.
const colorOf = (tone: NoticeTone) => (tone === 'attention' ? 'Attention' : tone === 'good' ? 'Accent' : 'Default');

/** A message without buttons (channels get no personal-chat menu), in one language or both. */
export function fadeNoticeCard(
  languages: readonly Locale[],
  build: (locale: Locale) => { heading?: string; lines: string[] },
  tone: NoticeTone = 'default',
): CardJson {
  const blocks = languages.map((l) => {
    const b = build(l);
    return { heading: b.heading ?? '', lines: b.lines.filter((x) => x !== '').map((text) => ({ text })) };
  });
  return renderCard('fadeNotice', { blocks, color: colorOf(tone), fallback: blocks.map((b) => b.heading || b.lines[0]?.text || '').join(' / ') });
}

export const fadeMessage = (
  languages: readonly Locale[],
  key: MessageKey,
  params: Readonly<Record<string, MessageParam>> = {},
  tone: NoticeTone = 'attention',
): CardJson => fadeNoticeCard(languages, (l) => ({ lines: [t(l, key, params)] }), tone);

// ---- the reminder card in the cluster channel ----

function daysText(locale: Locale, days: number): string {
  if (days === 0) return t(locale, 'fade.reminder.dueToday');
  if (days === 1) return t(locale, 'fade.reminder.dayLeft');
  if (days < 0) return t(locale, 'fade.reminder.overdue', { days: -days });
  return t(locale, 'fade.reminder.daysLeft', { days });
}

export function reminderCard(view: ReminderView): CardJson {
  const languages = languagesOf(view.language);
  const open = view.reportStatus === 'notStarted' || view.reportStatus === 'drafted';
  const reportKey: MessageKey =
    view.reportStatus === 'notStarted' && !view.draftOpened ? 'fade.action.startReport' : open ? 'fade.action.continueReport' : 'fade.action.viewReport';
  const blocks = languages.map((l) => {
    const state =
      view.reportStatus === 'reviewed' && view.reviewJudgement
        ? t(l, 'fade.reminder.reviewed', { judgement: judgementLabel(l, view.reviewJudgement) })
        : !open && view.submittedAt
          ? t(l, 'fade.reminder.submitted', { date: formatDate(l, view.submittedAt) })
          : view.draftOpened
            ? !view.leadName
              ? t(l, 'fade.reminder.draftingNoLead')
              : view.leadInPersonalChat
                ? t(l, 'fade.reminder.drafting', { lead: view.leadName })
                : t(l, 'fade.reminder.draftingHere', { lead: view.leadName })
            : t(l, 'fade.reminder.notStartedYet');
    return {
      heading: t(l, 'fade.reminder.heading', { round: roundLabel(l, view.roundName), cycle: view.cycleName }),
      cluster: t(l, 'fade.reminder.cluster', { cluster: view.clusterName }),
      deadlineLabel: t(l, 'fade.reminder.deadline', { date: '' }).replace(/[:\s]+$/, ''),
      deadline: formatLocalDate(l, view.deadline),
      daysLabel: t(l, 'fade.reminder.timeLeft'),
      days: open ? daysText(l, view.daysLeft) : '—',
      leadLabel: (view.leadName ? t(l, 'fade.reminder.lead', { lead: '' }) : t(l, 'fade.reminder.noLead')).split(':')[0],
      lead: view.leadName ? escapeMarkdown(view.leadName) : '—',
      state,
      stateColor: open ? (view.daysLeft < 0 ? 'Attention' : 'Default') : 'Accent',
      intro: open ? t(l, 'fade.reminder.intro') : '',
      // Each language has its own buttons, so a bilingual title is never cut off.
      reportTitle: t(l, reportKey),
      noteTitle: t(l, 'fade.action.addNote'),
    };
  });
  // Once the report is in, a school that added nothing is shown as such, not as "not started".
  const both = (s: PartStatus) => inLanguages(languages, !open && s === 'notStarted' ? 'fade.part.noNotes' : `fade.part.${s}`);
  const schoolName = (m: ReminderView['members'][number]) => (languages[0] === 'cy' && m.nameCy ? m.nameCy : m.nameEn);
  return renderCard('fadeReminder', {
    blocks,
    fallback: blocks.map((b) => b.heading).join(' / '),
    membersHeading: inLanguages(languages, 'fade.reminder.members'),
    members: view.members.map((m) => ({ name: escapeMarkdown(schoolName(m)), status: both(m.status) })),
    open,
    roundId: view.roundId,
    clusterId: String(view.clusterId),
  });
}

// ---- the report form ----

export interface ReportView {
  reportId: string;
  version: number;
  clusterName: string | InEachLanguage;
  roundName: string;
  cycleName: string;
  deadline: LocalDate;
  status: ReportStatus;
  sections: Partial<FadeSections>;
  selfJudgement: Judgement | null;
  submittedAt: Date | null;
  reviewJudgement: Judgement | null;
  reviewFeedback: string | null;
  /** Submitted and sent to a reviewer (false: nobody could be asked yet). */
  reviewAsked?: boolean;
  editable: boolean;
  canMakeNextSteps: boolean;
  notice?: string;
  problem?: string;
  /** Text from a stale card, shown so nothing typed is lost. */
  typed?: string;
}

const sectionKey = (s: FadeSection | `${FadeSection}Hint`) => `fade.report.${s}` as const;

/** "Interim round, cycle 2026/27, due …": which round a report or review is for. */
const reportSubheading = (locale: Locale, view: { roundName: string; cycleName: string; deadline: LocalDate }) =>
  t(locale, 'fade.report.subheading', { round: roundLabel(locale, view.roundName), cycle: view.cycleName, date: formatLocalDate(locale, view.deadline) });

export function reportCard(locale: Locale, view: ReportView): CardJson {
  const reviewLines: { text: string }[] = [];
  if (view.submittedAt) reviewLines.push({ text: t(locale, 'fade.report.submittedOn', { date: formatDate(locale, view.submittedAt) }) });
  if (view.reviewJudgement) {
    reviewLines.push({ text: t(locale, 'fade.report.review', { judgement: judgementLabel(locale, view.reviewJudgement) }) });
    if (view.reviewFeedback) reviewLines.push({ text: t(locale, 'fade.report.feedback', { feedback: view.reviewFeedback }) });
  } else if (view.status === 'submitted')
    reviewLines.push({ text: t(locale, view.reviewAsked === false ? 'fade.report.noReviewerYet' : 'fade.report.awaitingReview') });
  return renderCard('fadeReport', {
    t: catalogue(locale),
    heading: t(locale, 'fade.report.heading', { cluster: view.clusterName }),
    subheading: reportSubheading(locale, view),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    typed: escapeMarkdown(view.typed ?? ''),
    editable: view.editable,
    canMakeNextSteps: view.canMakeNextSteps,
    reportId: view.reportId,
    version: view.version,
    sections: FADE_SECTIONS.map((s) => ({
      id: s,
      label: t(locale, sectionKey(s)),
      hint: t(locale, sectionKey(`${s}Hint`)),
      value: view.sections[s] ?? '',
      shown: escapeMarkdown(view.sections[s] ?? ''),
    })),
    judgement: view.selfJudgement ?? '',
    judgements: judgementChoices(locale),
    selfJudgementLine: view.selfJudgement ? t(locale, 'fade.report.selfJudgement', { judgement: judgementLabel(locale, view.selfJudgement) }) : '',
    reviewLines,
  });
}

// ---- the reviewer's card ----

export interface ReviewView {
  reportId: string;
  clusterName: string | InEachLanguage;
  roundName: string;
  cycleName: string;
  deadline: LocalDate;
  sections: Partial<FadeSections>;
  selfJudgement: Judgement | null;
  reviewJudgement: Judgement | null;
  reviewFeedback: string | null;
  notice?: string;
  problem?: string;
  draft?: { judgement?: string; feedback?: string };
}

export function reviewCard(locale: Locale, view: ReviewView): CardJson {
  const open = view.reviewJudgement === null;
  return renderCard('fadeReview', {
    t: catalogue(locale),
    heading: t(locale, 'fade.review.heading', { cluster: view.clusterName }),
    subheading: reportSubheading(locale, view),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    sections: FADE_SECTIONS.map((s) => ({ label: t(locale, sectionKey(s)), value: escapeMarkdown(view.sections[s] ?? '') })),
    selfJudgementLine: view.selfJudgement ? t(locale, 'fade.report.selfJudgement', { judgement: judgementLabel(locale, view.selfJudgement) }) : '',
    open,
    judgement: view.draft?.judgement ?? '',
    judgements: judgementChoices(locale),
    feedback: view.draft?.feedback ?? '',
    feedbackLine: view.reviewJudgement
      ? `${t(locale, 'fade.report.review', { judgement: judgementLabel(locale, view.reviewJudgement) })}\n\n${t(locale, 'fade.report.feedback', { feedback: view.reviewFeedback ?? '' })}`
      : '',
    reportId: view.reportId,
  });
}

// ---- a member school's notes ----

export function noteCard(
  locale: Locale,
  view: { roundId: string; clusterId: number; clusterName: string | InEachLanguage; notice?: string; problem?: string; text?: string; done?: boolean },
): CardJson {
  return renderCard('fadeNote', {
    t: catalogue(locale),
    roundId: view.roundId,
    clusterId: String(view.clusterId),
    clusterName: nameIn(view.clusterName, locale),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    text: view.text ?? '',
    done: view.done ? 'yes' : 'no',
  });
}

// ---- the admin's cycle card ----

export interface CycleFormView {
  name: string;
  rounds: RoundDefinition[];
  offsets: string;
  sendTime: string;
  clusters: { id: number; name: string | InEachLanguage }[];
  clusterIds?: string;
  problem?: string;
}

export function cycleCard(locale: Locale, view: CycleFormView): CardJson {
  return renderCard('fadeCycle', {
    t: catalogue(locale),
    name: view.name,
    problem: view.problem ?? '',
    rounds: view.rounds.map((r, i) => ({
      n: i + 1,
      name: roundLabel(locale, r.name),
      deadline: r.deadline,
      nameLabel: t(locale, 'fade.cycle.roundName', { n: i + 1 }),
      deadlineLabel: t(locale, 'fade.cycle.deadline', { n: i + 1 }),
    })),
    offsets: view.offsets,
    sendTime: view.sendTime,
    clusterIds: view.clusterIds ?? '',
    clusters: view.clusters.map((c) => ({ title: nameIn(c.name, locale), value: String(c.id) })),
  });
}

// ---- what the services' records look like as cards ----

/** Which cluster a channel is for: buttons for the clusters offered, and a search box. */
export function linkCard(locale: Locale, view: { choices: ClusterInfo[]; name?: string; problem?: string }): CardJson {
  return renderCard('fadeLink', {
    t: catalogue(locale),
    problem: view.problem ?? '',
    name: view.name ?? '',
    choices: view.choices.map((c) => ({ id: String(c.id), name: clusterNames(c)[locale] })),
  });
}

/** The channel is told which cluster it now belongs to. */
export function linkedCard({ cluster, members, lead }: LinkedCluster): CardJson {
  return fadeNoticeCard(
    languagesOf(cluster.language),
    (l) => ({
      heading: t(l, 'fade.link.heading'),
      lines: [
        t(l, 'fade.link.done', { cluster: clusterNames(cluster) }),
        t(l, 'fade.link.members', { list: members.map((m) => (l === 'cy' && m.nameCy ? m.nameCy : m.nameEn)).join(', ') }),
        t(l, 'fade.link.language', { language: t(l, `fade.language.${cluster.language}`) }),
        lead?.displayName ? t(l, 'fade.link.lead', { lead: lead.displayName }) : '',
      ],
    }),
    'good',
  );
}

const REMOVAL_REASONS = ['channelDeleted', 'botRemoved', 'sendRefused'] as const;

/** What failed to go, in the reader's language (the stored label is for the log). */
function whatFailed(locale: Locale, what: string): string {
  if (what.startsWith('reminder')) return t(locale, 'fade.status.what.reminder');
  if (what === 'feedback') return t(locale, 'fade.status.what.feedback');
  if (what === 'card update') return t(locale, 'fade.status.what.cardUpdate');
  if (what === 'review card') return t(locale, 'fade.status.what.review');
  return t(locale, 'fade.status.what.other');
}

/** Why a post failed, in the reader's language; what Teams said stays in the log, never on the card. */
function failureReason(locale: Locale, f: Pick<DeliveryFailure, 'error' | 'status'>): string {
  const known = REMOVAL_REASONS.find((r) => f.error === r || f.error.includes(`(${r})`));
  if (known) return t(locale, `fade.removed.${known}`);
  if (f.status === 403 || f.status === 404) return t(locale, 'fade.removed.sendRefused');
  return f.status ? t(locale, 'fade.status.teamsAnswered', { status: String(f.status) }) : t(locale, 'fade.status.noAnswer');
}

export function statusCard(locale: Locale, { rounds, lostChannels, failures }: FadeStatus): CardJson {
  const lines: string[] = [];
  if (rounds.length === 0) lines.push(t(locale, 'fade.status.none'));
  for (const o of rounds) {
    lines.push(
      t(locale, 'fade.status.round', {
        cycle: o.cycleName,
        round: roundLabel(locale, o.roundName),
        date: formatLocalDate(locale, o.deadline),
        submitted: o.submitted,
        clusters: o.clusters,
        sent: o.sent,
        pending: o.pending,
      }),
    );
  }
  if (rounds.length > 0) lines.push(t(locale, 'fade.status.channels', { unlinked: rounds[0].unlinked }));
  if (lostChannels.length > 0) {
    lines.push(`**${t(locale, 'fade.status.lostHeading')}**`);
    for (const c of lostChannels)
      lines.push(
        t(locale, 'fade.status.lost', {
          cluster: c.clusterName,
          reason: failureReason(locale, { error: c.reason ?? '', status: null }),
          date: formatLocalDate(locale, localDateOf(c.since)),
        }),
      );
  }
  lines.push(`**${t(locale, 'fade.status.failures')}**`);
  if (failures.length === 0) lines.push(t(locale, 'fade.status.noFailures'));
  for (const f of failures) {
    lines.push(
      t(locale, 'fade.status.failure', {
        date: formatLocalDate(locale, localDateOf(f.at)),
        time: formatTime(f.at),
        cluster: f.clusterName ?? '—',
        what: whatFailed(locale, f.what),
        reason: failureReason(locale, f),
      }),
    );
  }
  return fadeNoticeCard([locale], (l) => ({ heading: t(l, 'fade.status.heading'), lines }), 'default');
}

/** Sections typed on a form that could not be saved, labelled, so nothing typed is lost. */
const typedText = (locale: Locale, typed: Partial<FadeSections> = {}): string =>
  FADE_SECTIONS.filter((s) => typed[s] !== undefined)
    .map((s) => `${t(locale, sectionKey(s))}: ${typed[s]}`)
    .join('\n\n');

/** The report form for what the report service answered; `problem` says why it is shown again. */
export function reportFormCard(locale: Locale, shown: ReportShown, problem?: string): CardJson {
  const { report, round, cluster, editor } = shown;
  const open = report.status === 'notStarted' || report.status === 'drafted';
  return reportCard(locale, {
    reportId: report.id,
    version: report.version,
    clusterName: clusterNames(cluster),
    roundName: round.name,
    cycleName: round.cycleName,
    deadline: round.deadline,
    status: report.status,
    sections: report.sections,
    selfJudgement: report.selfJudgement,
    submittedAt: report.submittedAt,
    reviewJudgement: report.reviewJudgement,
    reviewFeedback: report.reviewFeedback,
    reviewAsked: report.reviewAskedAt !== null,
    editable: editor && open,
    canMakeNextSteps: editor && !open && (report.sections.develop ?? '').trim() !== '',
    notice: shown.notice ? t(locale, shown.notice.key, shown.notice.params) : '',
    problem: problem ?? '',
    typed: typedText(locale, shown.typed),
  });
}

const reviewViewOf = (report: FadeReport, round: Round, cluster: ClusterInfo): ReviewView => ({
  reportId: report.id,
  clusterName: clusterNames(cluster),
  roundName: round.name,
  cycleName: round.cycleName,
  deadline: round.deadline,
  sections: report.sections,
  selfJudgement: report.selfJudgement,
  reviewJudgement: report.reviewJudgement,
  reviewFeedback: report.reviewFeedback,
});

/** The reviewer's card for what the report service answered. */
export function reviewFormCard(locale: Locale, shown: ReviewShown, problem?: string): CardJson {
  const { report, round, cluster } = shown;
  const notice =
    shown.recorded && report.reviewJudgement ? t(locale, 'fade.review.recorded', { judgement: judgementLabel(locale, report.reviewJudgement) }) : undefined;
  return reviewCard(locale, { ...reviewViewOf(report, round, cluster), notice, problem, draft: shown.draft });
}

/** The cards FADE's services send on their own (reminders, reviewers, admins). */
export const fadePresenter: FadePresenter = {
  reminder: reminderCard,
  review: (locale, report, round, cluster) => reviewCard(locale, reviewViewOf(report, round, cluster)),
  noReviewer: (locale, report, round, cluster) =>
    fadeNoticeCard(
      [locale],
      (l) => ({
        heading: t(l, 'fade.notice.heading'),
        lines: [t(l, 'fade.noReviewer.admin', { cluster: cluster.name, round: `${roundLabel(l, round.name)}, ${round.cycleName}` })],
      }),
      'attention',
    ),
  feedback: (report, round, cluster) =>
    fadeNoticeCard(
      languagesOf(cluster.language),
      (l) => ({
        heading: t(l, 'fade.feedback.heading', { round: `${roundLabel(l, round.name)}, ${round.cycleName}` }),
        lines: [
          t(l, 'fade.report.selfJudgement', { judgement: report.selfJudgement ? judgementLabel(l, report.selfJudgement) : '—' }),
          t(l, 'fade.report.review', { judgement: judgementLabel(l, report.reviewJudgement!) }),
          t(l, 'fade.report.feedback', { feedback: report.reviewFeedback ?? '' }),
        ],
      }),
      'good',
    ),
  channelGone: (locale: Locale, cluster: ClusterInfo, reason: RemovalReason) =>
    fadeNoticeCard(
      [locale],
      (l) => ({
        heading: t(l, 'fade.notice.heading'),
        lines: [t(l, 'fade.removed.admin', { cluster: clusterNames(cluster), reason: t(l, `fade.removed.${reason}`) })],
      }),
      'attention',
    ),
};
