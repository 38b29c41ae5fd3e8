import { TurnContext, type Activity } from 'botbuilder';
import { localeFromTag, type Locale } from '../i18n';
import type { Actor } from '../actor';
import type { UserRecord } from '../../features/people/model';

/** Who is acting, from the activity: Teams' stable user id and tenant. */
export function actorOf(activity: Activity): Actor {
  const channelTenant = (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
  return {
    tenantId: activity.conversation?.tenantId ?? channelTenant ?? 'local',
    userId: activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown',
  };
}

export function isPersonal(activity: Activity): boolean {
  const type = activity.conversation?.conversationType;
  return type === undefined || type === 'personal';
}

export function conversationRefOf(activity: Activity): Record<string, unknown> {
  return JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity))) as Record<string, unknown>;
}

/**
 * Where to reach this person later (reminders, nudges): the personal chat's reference without the id of
 * the message that happened to arrive, which changes every turn and is not needed to start a new message.
 */
export function personalConversationRefOf(activity: Activity): Record<string, unknown> {
  const reference = conversationRefOf(activity);
  delete reference.activityId;
  return reference;
}

/** The user's own choice first, then what their Teams client says, then the deployment default. */
export function localeFor(user: Pick<UserRecord, 'locale'> | null, activity: Activity, fallback: Locale): Locale {
  return user?.locale ?? localeFromTag(activity.locale, fallback);
}

/** Where a turn or event happened, as the bot needs it to post there later. */
export interface ConversationSeen {
  conversationId: string;
  tenantId: string;
  teamId: string | null;
  kind: 'channel' | 'groupChat' | 'personal';
  name: string | null;
  reference: Record<string, unknown>;
}

/** A message's text with non-breaking spaces (which Teams puts after a mention) made plain; '' for other activities. */
export function activityText(activity: Activity): string {
  return activity.type === 'message' ? (activity.text ?? '').replace(/\u00a0/g, ' ') : '';
}

/** The conversation an activity came from, as the bot will need it to post there later. */
export function conversationSeenOf(activity: Activity): ConversationSeen {
  const channelData = (activity.channelData ?? {}) as { team?: { id?: string; name?: string }; channel?: { id?: string; name?: string } };
  const conversationId = String(activity.conversation?.id ?? '').split(';')[0];
  const reference = conversationRefOf(activity);
  // Posts go to the channel itself (a new thread), not as a reply to the message that mentioned the bot.
  reference.conversation = { ...(reference.conversation as object), id: conversationId };
  delete reference.activityId;
  const type = activity.conversation?.conversationType;
  return {
    conversationId,
    tenantId: actorOf(activity).tenantId,
    teamId: channelData.team?.id ?? null,
    kind: type === 'channel' ? 'channel' : type === 'groupChat' ? 'groupChat' : 'personal',
    name: channelData.channel?.name ?? channelData.team?.name ?? activity.conversation?.name ?? null,
    reference,
  };
}
