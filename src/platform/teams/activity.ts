import { TurnContext, type Activity } from 'botbuilder';
import { localeFromTag, type Locale } from '../i18n';
import type { Actor } from '../../features/plans/service';
import type { UserRecord } from '../../features/people/users';

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
