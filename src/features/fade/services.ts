import { FadeAccess } from './access';
import { FadeChannelService } from './channelService';
import { FadeCycleService } from './cycleService';
import type { FadeDeps } from './deps';
import { FadeReminderService } from './reminderService';
import { FadeReportService } from './reportService';

/** FADE's use cases, by what they are about. */
export interface FadeServices {
  channels: FadeChannelService;
  cycles: FadeCycleService;
  reminders: FadeReminderService;
  reports: FadeReportService;
}

/** Builds the FADE services over one set of collaborators (the composition root calls this once). */
export function createFadeServices(deps: Omit<FadeDeps, 'access'>): FadeServices {
  const all: FadeDeps = { ...deps, access: new FadeAccess({ roles: deps.roles, users: deps.users, clusters: deps.store.clusters, community: deps.community }) };
  const cycles = new FadeCycleService(all);
  // Channels and reminders need each other (a new lead redraws the reminders; a channel Teams
  // refuses is deactivated): each is handed the other's one operation, called only later.
  const channels: FadeChannelService = new FadeChannelService(all, (roundId, clusterId) => reminders.refreshReminderCard(roundId, clusterId));
  const reminders: FadeReminderService = new FadeReminderService(all, cycles, (tenantId, conversationId, reason) =>
    channels.conversationsRemoved(tenantId, { conversationId }, reason),
  );
  const reports = new FadeReportService(all, cycles, reminders);
  return { channels, cycles, reminders, reports };
}
