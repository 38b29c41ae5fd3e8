import type { ClusterLanguage } from '../directory/repository';
import type { LocalDate } from '../../platform/workingDays';
import type { InEachLanguage, MessageKey } from '../../platform/i18n';
import type { MessageParams } from '../../platform/outcome';
import type { FadeSections, Judgement, PartStatus, ReportStatus } from './model';
import type { PlanAnswers } from '../plans/plan';

/** FADE's records as the services and cards see them (the repositories map rows to these). */

/** A team, channel or chat the bot was seen in; a channel can be linked to one cluster. */
export interface FadeConversation {
  conversationId: string;
  tenantId: string;
  teamId: string | null;
  kind: string;
  name: string | null;
  reference: Record<string, unknown>;
  clusterId: number | null;
  active: boolean;
  inactiveReason: string | null;
}

/** A conversation as first seen, before any cluster is linked to it. */
export type ConversationSeen = Omit<FadeConversation, 'clusterId' | 'active' | 'inactiveReason'>;

/** Why the bot stopped posting in a channel. */
export type RemovalReason = 'channelDeleted' | 'botRemoved' | 'sendRefused';

export interface ClusterInfo {
  id: number;
  name: string;
  /** Its Welsh name, where it has one (every demo cluster does). */
  nameCy: string | null;
  laCode: number;
  leadSchoolId: number | null;
  language: ClusterLanguage;
}

export interface MemberSchool {
  schoolId: number;
  nameEn: string;
  nameCy: string | null;
}

export interface LeadPerson {
  /** The lead's tenant (one of the reader's community). */
  tenantId: string;
  userId: string;
  displayName: string | null;
  /** Chosen for the cluster with "cluster lead", rather than the head of its lead school. */
  chosen?: boolean;
  /** The bot can reach them in a personal chat (they have opened one), where the draft report goes. */
  inPersonalChat?: boolean;
}

export interface Cycle {
  id: string;
  tenantId: string;
  name: string;
  offsets: number[];
  sendTime: string;
  createdAt: Date;
}

export interface Round {
  id: string;
  cycleId: string;
  cycleName: string;
  tenantId: string;
  seq: number;
  name: string;
  deadline: string;
  offsets: number[];
  sendTime: string;
}

export interface FadeReport {
  id: string;
  roundId: string;
  clusterId: number;
  tenantId: string;
  status: ReportStatus;
  sections: Partial<FadeSections>;
  selfJudgement: Judgement | null;
  version: number;
  submittedBy: string | null;
  submittedAt: Date | null;
  reviewJudgement: Judgement | null;
  reviewFeedback: string | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  /** When the submitted report went to a reviewer or adviser; null while nobody could be asked. */
  reviewAskedAt: Date | null;
}

/** The error a reminder is recorded with when its cluster has no channel to post to. */
export const NO_CHANNEL = 'no channel linked';

export interface DeliveryFailure {
  at: Date;
  clusterId: number | null;
  clusterName: InEachLanguage | null;
  conversationId: string | null;
  what: string;
  status: number | null;
  error: string;
  attempts: number;
}

export type NewDeliveryFailure = Omit<DeliveryFailure, 'clusterName'> & { tenantId: string };

export interface MemberPlanRow {
  schoolId: number;
  answers: PlanAnswers;
  updatedAt: Date;
}

/** Support a member school agreed with a partner through the bot. */
export interface MemberSupportRow {
  schoolId: number;
  done: boolean;
  at: Date;
  partner: { nameEn: string; nameCy: string | null };
}

export interface MemberNote {
  schoolId: number | null;
  authorName: string | null;
  text: string;
  at: Date;
}

/** Per cycle and round: clusters, how many submitted, reminders sent and pending, channels missing. */
export interface RoundProgress {
  roundId: string;
  cycleName: string;
  roundName: string;
  deadline: string;
  clusters: number;
  submitted: number;
  sent: number;
  pending: number;
  inactiveChannels: number;
  unlinked: number;
}

/** What the reminder card in a cluster's channel shows. */
export interface ReminderView {
  roundId: string;
  clusterId: number;
  clusterName: string | InEachLanguage;
  language: ClusterLanguage;
  roundName: string;
  cycleName: string;
  deadline: LocalDate;
  daysLeft: number;
  leadName: string | null;
  members: { nameEn: string; nameCy: string | null; status: PartStatus }[];
  reportStatus: ReportStatus;
  /** The lead has opened the draft, though maybe not saved it yet. */
  draftOpened: boolean;
  /** The lead has a personal chat with the bot, so an opened draft is there (else it was shown where they opened it). */
  leadInPersonalChat: boolean;
  submittedAt: Date | null;
  reviewJudgement: Judgement | null;
}

/** A catalogue message with its placeholders, for a card to show beside a record. */
export interface Message {
  key: MessageKey;
  params?: MessageParams;
}
