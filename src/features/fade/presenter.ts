import type { CardJson } from '../../platform/cards/render';
import type { Locale } from '../../platform/i18n';
import type { ClusterInfo, FadeReport, ReminderView, RemovalReason, Round } from './types';

/**
 * How FADE's proactive messages are drawn: the services hand over plain records and send
 * what comes back. The composition root passes the card builders (cards.ts).
 */
export interface FadePresenter {
  /** The reminder card in a cluster's channel. */
  reminder(view: ReminderView): CardJson;
  /** A submitted report, to a reviewer's personal chat. */
  review(locale: Locale, report: FadeReport, round: Round, cluster: ClusterInfo): CardJson;
  /** To an admin: a report was submitted and there is no reviewer or adviser to ask. */
  noReviewer(locale: Locale, report: FadeReport, round: Round, cluster: ClusterInfo): CardJson;
  /** The reviewer's judgement and feedback, in the cluster's channel. */
  feedback(report: FadeReport, round: Round, cluster: ClusterInfo): CardJson;
  /** To an admin: the bot can no longer post in a cluster's channel. */
  channelGone(locale: Locale, cluster: ClusterInfo, reason: RemovalReason): CardJson;
}
