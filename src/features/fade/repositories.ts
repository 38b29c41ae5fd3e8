import type { Sql } from '../../platform/db/db';
import { SqlFadeChannelRepository } from './channelRepository';
import { SqlFadeClusterRepository } from './clusterRepository';
import { SqlFadeCycleRepository } from './cycleRepository';
import { SqlFadeReminderRepository } from './reminderRepository';
import { SqlFadeReportRepository } from './reportRepository';

/** FADE's repositories, one owner per table (each file says which). */
export interface FadeRepositories {
  channels: SqlFadeChannelRepository;
  clusters: SqlFadeClusterRepository;
  cycles: SqlFadeCycleRepository;
  reminders: SqlFadeReminderRepository;
  reports: SqlFadeReportRepository;
}

export function fadeRepositories(sql: Sql): FadeRepositories {
  return {
    channels: new SqlFadeChannelRepository(sql),
    clusters: new SqlFadeClusterRepository(sql),
    cycles: new SqlFadeCycleRepository(sql),
    reminders: new SqlFadeReminderRepository(sql),
    reports: new SqlFadeReportRepository(sql),
  };
}
