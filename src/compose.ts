import { IMPACT_NUDGE_KIND, impactNudgeHandler } from './features/plans/impactNudge';
import { join } from 'node:path';
import { systemClock, type Clock } from './platform/clock';
import type { Config } from './config';
import { loadDirectorySeed } from './features/directory/seed';
import { SqlSchoolRepository } from './features/directory/repository';
import { createLogger, type Logger } from './platform/log';
import type { Messenger } from './platform/teams/messenger';
import { NotificationDispatcher } from './platform/jobs/notificationDispatcher';
import { PlanService } from './features/plans/service';
import type { SchoolLookup } from './features/directory/names';
import type { Database } from './platform/db/db';
import { migrate } from './platform/db/migrate';
import { SqlNotificationRepository } from './platform/jobs/notifications';
import { openPglite } from './platform/db/pglite';
import { SqlPlanRepository } from './features/plans/repository';
import { openPostgres } from './platform/db/postgres';
import { SqlAuditLog, SqlRoleRepository } from './features/people/roles';
import { SqlUserRepository } from './features/people/users';
import { SqlSchoolRoleClaims } from './features/people/claims';
import { SchoolRoleService } from './features/people/service';
import { claimPresenter } from './features/people/cards';
import { SqlPersonalDataStore } from './features/privacy/repository';
import { PersonalDataService } from './features/privacy/service';
import { createBotApplication, type BotApplication, type TeamsAdapter, type TurnState } from './platform/teams/app';
import { matchingCards } from './features/matching/cards';
import { ESCALATE_KIND, MatchingService, REMIND_KIND } from './features/matching/service';
import { SqlRequestRepository } from './features/matching/repository';
import { SqlMatchingAdminRepository } from './features/admin/repository';
import { AdminService } from './features/admin/service';
import { StrengthEvidenceService } from './features/matching/strengthEvidence';
import { evidenceToldCard } from './features/matching/strengthCards';

import { holidaySet } from './platform/workingDays';
import { Community } from './platform/community';
import { SqlRateLimits } from './platform/rateLimits';
import { ChannelSender } from './platform/teams/channelSender';
import { FADE_CYCLE_REMINDERS_KIND, FADE_REMINDER_KIND } from './features/fade/cycleService';
import { fadeRepositories, type FadeRepositories } from './features/fade/repositories';
import { createFadeServices, type FadeServices } from './features/fade/services';
import { fadePresenter } from './features/fade/cards';

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
  fade: FadeServices;
  fadeStore: FadeRepositories;
  fadeSender: ChannelSender;
  personalData: PersonalDataService;
  schoolRoles: SchoolRoleService;
  claims: SqlSchoolRoleClaims;
  community: Community;
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  if (config.DATABASE_URL) return openPostgres({ connectionString: config.DATABASE_URL });
  return openPglite(join(config.DATA_DIR, 'pglite'));
}

/** The one composition root: every collaborator is made here, once. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  let db = options.database ?? (await openDatabase(config));

  const applied = await migrate(db);
  if (applied.length > 0) log.info('database migrated', { applied });
  const seeded = (options.seedDirectory ?? true) ? await loadDirectorySeed(db, { demo: config.DEMO_DATA }) : null;
  if (seeded) log.info('school directory loaded', { ...seeded });
  if (!options.database && db.kind === 'pglite' && (applied.length > 0 || seeded)) {
    // Creating the embedded database and loading the directory leave memory behind that an idle server keeps while the
    // database stays open; opened afresh, it starts small again (an idle first start: 344-346 MB against 353-360).
    await db.close();
    db = await openDatabase(config);
  }

  // The tenants whose people work together (ALLOWED_TENANT_IDS as one community; else each tenant on its own).
  const community = new Community(config.ALLOWED_TENANT_IDS);
  const users = new SqlUserRepository(db);
  const schools = new SqlSchoolRepository(db);
  const planRepository = new SqlPlanRepository(db);
  const notifications = new SqlNotificationRepository(db);
  const roles = new SqlRoleRepository(db, config.ADMIN_USER_IDS);
  const audit = new SqlAuditLog(db);
  const plans = new PlanService({ db, plans: planRepository, notifications, clock, impactDelayDays: config.IMPACT_NUDGE_DAYS });
  const dispatcher = new NotificationDispatcher({
    notifications,
    clock,
    log,
    personalChatGone: (tenantId, userId) => users.forgetPersonalConversation(tenantId, userId),
  });
  dispatcher.register(
    IMPACT_NUDGE_KIND,
    impactNudgeHandler({ notifications, plans: planRepository, users, messenger: options.messenger, log, defaultLocale: config.DEFAULT_LOCALE }),
  );

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
    community,
    audit,
    notifications,
    messenger: options.messenger,
    cards: matchingCards,
    clock,
    log,
    defaultLocale: config.DEFAULT_LOCALE,
    waitWorkingDays: config.MATCHING_WAIT_WORKING_DAYS,
    policy: {
      rangeKm: config.MATCHING_RANGE_KM,
      evidenceMaxAgeYears: config.MATCHING_EVIDENCE_MAX_AGE_YEARS,
      supportCategories: config.MATCHING_SUPPORT_CATEGORIES,
    },
    // The FADE calendar holds the school holidays (configured and added by admins).
    holidays: (tenantId) => fade.cycles.holidaysFor(tenantId),
  });
  dispatcher.register(REMIND_KIND, (n) => matchingService.deliverReminder(n));
  dispatcher.register(ESCALATE_KIND, (n) => matchingService.deliverEscalation(n));
  const matching = { service: matchingService, schools };
  // ---- school roles (claimed, then confirmed by the head, an adviser or an admin) ----
  const claims = new SqlSchoolRoleClaims(db, users);
  const matchingAdmin = new SqlMatchingAdminRepository(db);
  const schoolRoles = new SchoolRoleService({
    db,
    claims,
    community,
    users,
    roles,
    audit,
    schools,
    messenger: options.messenger,
    cards: claimPresenter,
    clock,
    log,
    defaultLocale: config.DEFAULT_LOCALE,
    recentPeople: (tenantId) => matchingAdmin.recentPeople(tenantId),
    autoConfirm: config.LOCAL_AUTO_CONFIRM,
    roleConfirmed: async (tenantId, userId, schoolId, role) => {
      await matchingService.deliverHeldToHead(tenantId, userId, schoolId, role);
    },
  });

  const evidence = new StrengthEvidenceService({
    db,
    schools,
    roles,
    community,
    audit,
    requests,
    users,
    messenger: options.messenger,
    clock,
    log,
    defaultLocale: config.DEFAULT_LOCALE,
    toldCard: evidenceToldCard,
    directoryChanged: () => matchingService.invalidate(),
  });
  const admin = new AdminService({
    db,
    admin: matchingAdmin,
    roles,
    audit,
    users,
    schools,
    clock,
    directoryChanged: () => {
      matchingService.invalidate();
    },
    // A new reviewer or adviser is sent the FADE reports nobody could be asked to judge, and a new adviser the requests
    // held for want of one. The grant is recorded either way; a failure here is logged, not the admin's problem.
    roleGranted: async (grant) => {
      await fade.reports.roleGranted(grant).catch((err: unknown) => log.warn('could not send waiting FADE reports to a new reviewer', { error: String(err) }));
      if (grant.role === 'adviser')
        await matchingService
          .deliverHeldToAdviser(grant.tenantId, grant.userId)
          .catch((err: unknown) => log.warn('after an adviser grant: held requests not delivered', { error: String(err) }));
    },
  });

  // ---- FADE cycles (clusters, channels, reminders, reports) ----
  const fadeStore = fadeRepositories(db);
  const fadeSender = new ChannelSender({ transport: options.messenger, sleep: options.fadeSleep });
  const fade = createFadeServices({
    db,
    store: fadeStore,
    notifications,
    roles,
    community,
    users,
    audit,
    sender: fadeSender,
    messenger: options.messenger,
    cards: fadePresenter,
    clock,
    log,
    defaultLocale: config.DEFAULT_LOCALE,
    wake: () => dispatcher.wake(),
    holidays: holidaySet(config.FADE_HOLIDAYS.map((h) => (h.includes('..') ? { start: h.split('..')[0], end: h.split('..')[1] } : h))),
  });
  dispatcher.register(FADE_REMINDER_KIND, (n) => fade.reminders.deliverReminder(n));
  dispatcher.register(FADE_CYCLE_REMINDERS_KIND, (n) => fade.cycles.writeCycleReminders(n));

  // ---- personal data (admins' export and deletion; retention) ----
  const personalData = new PersonalDataService({
    db,
    store: new SqlPersonalDataStore(db, community),
    roles,
    audit,
    clock,
    log,
    turnStateRetentionDays: config.TURN_STATE_RETENTION_DAYS,
  });

  const app = createBotApplication({
    defaultLocale: config.DEFAULT_LOCALE,
    allowedTenantIds: config.ALLOWED_TENANT_IDS,
    botAppId: config.BOT_ID,
    adapter: options.adapter,
    users,
    schools,
    plans,
    clock,
    log,
    matching,
    admin,
    strengths: { evidence, schools, clock, evidenceMaxAgeYears: config.MATCHING_EVIDENCE_MAX_AGE_YEARS },
    fade: { services: fade, messenger: options.messenger },
    privacy: personalData,
    limits: new SqlRateLimits(db, clock),
    schoolRoles,
    clusterNameOf: (schoolId) => fadeStore.clusters.clusterNameOfSchool(schoolId),
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
    fade,
    fadeStore,
    fadeSender,
    personalData,
    schoolRoles,
    claims,
    community,
    close: () => db.close(),
  };
}
