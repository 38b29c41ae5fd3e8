import { join } from 'node:path';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { loadDirectorySeed } from './directory/seed';
import { SqlSchoolRepository } from './directory/schools';
import { createLogger, type Logger } from './log';
import type { Messenger } from './services/messenger';
import { NotificationDispatcher } from './services/notificationDispatcher';
import { PlanService } from './services/planService';
import { SchoolNameCache, type SchoolLookup } from './services/schools';
import { SqlStateStore } from './storage/botState';
import { loadExistingKeys } from './storage/hotRows';
import type { Database } from './storage/db';
import { migrate } from './storage/migrate';
import { SqlNotificationRepository } from './storage/notifications';
import { openPgliteThread } from './storage/pgliteThread';
import { SqlPlanRepository } from './storage/plans';
import { openPostgres } from './storage/postgres';
import { SqlAuditLog, SqlRoleRepository } from './storage/roles';
import { SqlUserRepository } from './storage/users';
import { SqlPersonalDataStore } from './storage/personalData';
import { PersonalDataService } from './services/personalData';
import { createBotApplication, type BotApplication, type TeamsAdapter, type TurnState } from './teams/app';
import { matchingCards } from './cards/matchingCards';
import { ESCALATE_KIND, MatchingService, REMIND_KIND } from './services/matching';
import { StrengthEvidenceService } from './services/strengthEvidence';
import { evidenceToldCard } from './cards/strengthCards';
import { SqlRequestRepository } from './storage/requests';
import { SqlMatchingAdminRepository } from './storage/matchingAdmin';

import { holidaySet } from './domain/workingDays';
import { ChannelSender } from './services/channelSender';
import { FADE_REMINDER_KIND, FadeService } from './services/fadeService';
import { SqlFadeRepository } from './storage/fade';

export interface RuntimeOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  /** Where proactive messages go; the server passes the Teams one, tests a recorder. */
  messenger: Messenger;
  /** An already-open database (tests); otherwise opened from the config. */
  database?: Database;
  adapter?: TeamsAdapter;
  /** How the FADE channel sender waits (tests pass one that does not really sleep). */
  fadeSleep?: (ms: number) => Promise<void>;
  /** Load the school directory on first start (default true). */
  seedDirectory?: boolean;
}

export interface Runtime {
  config: Config;
  clock: Clock;
  log: Logger;
  db: Database;
  app: BotApplication<TurnState>;
  users: SqlUserRepository;
  schools: SchoolLookup;
  plans: PlanService;
  planRepository: SqlPlanRepository;
  notifications: SqlNotificationRepository;
  roles: SqlRoleRepository;
  audit: SqlAuditLog;
  dispatcher: NotificationDispatcher;
  matching: MatchingService;
  requests: SqlRequestRepository;
  fade: FadeService;
  fadeSender: ChannelSender;
  personalData: PersonalDataService;
  close(): Promise<void>;
}

export async function openDatabase(config: Config, log?: Logger): Promise<Database> {
  if (config.DATABASE_URL) return openPostgres({ connectionString: config.DATABASE_URL });
  // On its own thread, so the database's CPU work runs beside request handling rather than in its way.
  return openPgliteThread(join(config.DATA_DIR, 'pglite'), log);
}

/** The one composition root: every collaborator is made here, once. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  const db = options.database ?? (await openDatabase(config, log));

  const applied = await migrate(db);
  if (applied.length > 0) log.info('database migrated', { applied });
  if (options.seedDirectory ?? true) {
    const seeded = await loadDirectorySeed(db, { demo: config.DEMO_DATA });
    if (seeded) log.info('school directory loaded', { ...seeded });
  }

  await loadExistingKeys(db);
  const users = new SqlUserRepository(db);
  const schools = new SqlSchoolRepository(db);
  const schoolNames = new SchoolNameCache(schools);
  const planRepository = new SqlPlanRepository(db, log);
  const notifications = new SqlNotificationRepository(db);
  const roles = new SqlRoleRepository(db, config.ADMIN_USER_IDS);
  const audit = new SqlAuditLog(db);
  const plans = new PlanService({ db, plans: planRepository, notifications, clock, impactDelayDays: config.IMPACT_NUDGE_DAYS });
  const dispatcher = new NotificationDispatcher({
    notifications,
    plans: planRepository,
    users,
    messenger: options.messenger,
    clock,
    log,
    defaultLocale: config.DEFAULT_LOCALE,
  });

  // ---- matching (school directory, partner matching, brokered requests) ----
  const requests = new SqlRequestRepository(db);
  const matchingService = new MatchingService({
    db,
    requests,
    plans: planRepository,
    planService: plans,
    schools,
    users,
    roles,
    audit,
    notifications,
    messenger: options.messenger,
    cards: matchingCards,
    clock,
    log,
    defaultLocale: config.DEFAULT_LOCALE,
    waitWorkingDays: config.MATCHING_WAIT_WORKING_DAYS,
    policy: { rangeKm: config.MATCHING_RANGE_KM, evidenceMaxAgeYears: config.MATCHING_EVIDENCE_MAX_AGE_YEARS, supportCategories: config.MATCHING_SUPPORT_CATEGORIES },
    // The FADE calendar holds the school holidays (configured and added by admins).
    holidays: (tenantId) => fadeService.holidaysFor(tenantId),
  });
  dispatcher.register(REMIND_KIND, (n) => matchingService.deliverReminder(n));
  dispatcher.register(ESCALATE_KIND, (n) => matchingService.deliverEscalation(n));
  const matchingAdmin = new SqlMatchingAdminRepository(db);
  const matching = {
    service: matchingService,
    schools,
    admin: {
      db,
      admin: matchingAdmin,
      roles,
      audit,
      users,
      schools,
      clock,
      directoryChanged: () => {
        matchingService.invalidate();
        schoolNames.forget();
      },
      evidence: new StrengthEvidenceService({
        db,
        admin: matchingAdmin,
        schools,
        roles,
        audit,
        requests,
        users,
        messenger: options.messenger,
        clock,
        log,
        defaultLocale: config.DEFAULT_LOCALE,
        toldCard: evidenceToldCard,
        directoryChanged: () => matchingService.invalidate(),
      }),
      evidenceMaxAgeYears: config.MATCHING_EVIDENCE_MAX_AGE_YEARS,
    },
  };

  // ---- FADE cycles (clusters, channels, reminders, reports) ----
  const fadeRepository = new SqlFadeRepository(db);
  const fadeSender = new ChannelSender({ transport: options.messenger, sleep: options.fadeSleep });
  const fadeService = new FadeService({
    db,
    repo: fadeRepository,
    notifications,
    roles,
    users,
    audit,
    sender: fadeSender,
    messenger: options.messenger,
    clock,
    log,
    defaultLocale: config.DEFAULT_LOCALE,
    holidays: holidaySet(config.FADE_HOLIDAYS.map((h) => (h.includes('..') ? { start: h.split('..')[0], end: h.split('..')[1] } : h))),
    configuredAdmins: config.ADMIN_USER_IDS,
  });
  dispatcher.register(FADE_REMINDER_KIND, (n) => fadeService.deliverReminder(n));
  const fade = { service: fadeService, clock, log };

  // ---- personal data (admins' export and deletion; retention) ----
  const personalData = new PersonalDataService({ db, store: new SqlPersonalDataStore(db), roles, audit, clock, log, turnStateRetentionDays: config.TURN_STATE_RETENTION_DAYS });

  const app = createBotApplication({
    defaultLocale: config.DEFAULT_LOCALE,
    allowedTenantIds: config.ALLOWED_TENANT_IDS,
    botAppId: config.BOT_ID,
    adapter: options.adapter,
    stateStore: new SqlStateStore(db),
    users,
    schools: schoolNames,
    plans,
    clock,
    log,
    matching,
    fade,
    privacy: { service: personalData },
  });

  return {
    config,
    clock,
    log,
    db,
    app,
    users,
    schools,
    plans,
    planRepository,
    notifications,
    roles,
    audit,
    dispatcher,
    matching: matchingService,
    requests,
    fade: fadeService,
    fadeSender,
    personalData,
    close: () => db.close(),
  };
}
