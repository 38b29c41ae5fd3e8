import type { Clock } from '../../platform/clock';
import type { Database } from '../../platform/db/db';
import type { Locale } from '../../platform/i18n';
import type { Logger } from '../../platform/log';
import type { SqlNotificationRepository } from '../../platform/jobs/notifications';
import type { ChannelSender } from '../../platform/teams/channelSender';
import type { Messenger } from '../../platform/teams/messenger';
import type { SqlAuditLog, SqlRoleRepository } from '../people/roles';
import type { UserRepository } from '../people/users';
import type { FadeAccess } from './access';
import type { FadePresenter } from './presenter';
import type { FadeRepositories } from './repositories';
import type { Community } from '../../platform/community';

/** What every FADE service is built from (made once, in the composition root). */
export interface FadeDeps {
  db: Database;
  store: FadeRepositories;
  notifications: SqlNotificationRepository;
  roles: SqlRoleRepository;
  /** Which tenants work together: a cluster's lead, notes, plans and rounds are read within the reader's community. */
  community: Community;
  users: UserRepository;
  audit: SqlAuditLog;
  access: FadeAccess;
  /** Channel posts and updates, paced under Teams' limits. */
  sender: ChannelSender;
  /** Personal messages (reviewers, admins). */
  messenger: Messenger;
  cards: FadePresenter;
  clock: Clock;
  log: Logger;
  defaultLocale: Locale;
  /** Asks the job runner to sweep now: work was scheduled for at once (see NotificationDispatcher.wake). */
  wake?: () => void;
  /** School holidays from configuration, added to those stored per tenant. */
  holidays?: ReadonlySet<string>;
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
