import type { Locale } from '../../platform/i18n';
import type { NotificationHandler } from '../../platform/jobs/notificationDispatcher';
import type { SqlNotificationRepository } from '../../platform/jobs/notifications';
import type { Logger } from '../../platform/log';
import type { Messenger } from '../../platform/teams/messenger';
import type { UserRepository } from '../people/users';
import { impactNudgeCard } from './cards';
import type { PlanRepository } from './repository';

export const IMPACT_NUDGE_KIND = 'impactNudge';

export interface ImpactNudgeDeps {
  notifications: SqlNotificationRepository;
  plans: PlanRepository;
  users: UserRepository;
  messenger: Messenger;
  log: Logger;
  defaultLocale: Locale;
}

/** The reminder, some weeks after the action plan, that it is time to assess the support's impact. */
export function impactNudgeHandler(deps: ImpactNudgeDeps): NotificationHandler {
  return async (n) => {
    const { notifications, plans, users, messenger, log } = deps;
    const plan = await plans.get(n.subjectId, [n.tenantId]);
    const user = await users.get(n.tenantId, n.recipientId);
    if (!plan || plan.status === 'complete' || !user?.personalConversation) {
      await notifications.markFailed(
        n.id,
        !plan ? 'plan no longer exists' : plan.status === 'complete' ? 'plan already complete' : 'no personal chat to send to',
      );
      log.info('notification dropped', { id: n.id, kind: n.kind });
      return 'skipped';
    }
    await messenger.send(user.personalConversation, { card: impactNudgeCard(user.locale ?? deps.defaultLocale, plan) });
    return 'sent';
  };
}
