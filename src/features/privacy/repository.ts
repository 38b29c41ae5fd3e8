import type { Sql } from '../../platform/db/db';
import { Community } from '../../platform/community';
import { SqlNotificationRepository } from '../../platform/jobs/notifications';
import { SqlStateStore } from '../../platform/teams/botStateRepository';
import { SqlRequestRepository } from '../matching/repository';
import { SqlAuditLog, SqlRoleRepository } from '../people/roles';
import { SqlUserRepository } from '../people/users';
import { SqlSchoolRoleClaims } from '../people/claims';
import { SqlPlanRepository } from '../plans/repository';
import { fadeRepositories, type FadeRepositories } from '../fade/repositories';

/**
 * Who a deleted person becomes in records other people rely on (a plan shared with a partner
 * school, a support request, a FADE report, the audit log). One id for everyone deleted, so
 * anonymised records cannot be linked back to one another; it can never be a Teams aadObjectId.
 */
export const DELETED_PERSON_ID = 'deleted-person';

export interface PersonMatch {
  userId: string;
  displayName: string | null;
  schoolName: string | null;
}

/** Everything stored about one person, as an admin hands it to them (dates as ISO strings). */
export interface PersonExport {
  format: 'cydweithio-person-export/1';
  tenantId: string;
  userId: string;
  person: Record<string, unknown> | null;
  roles: Record<string, unknown>[];
  /** The school roles they claimed (pending, confirmed, rejected or ended), and who was asked to confirm them. */
  schoolRoleClaims: Record<string, unknown>[];
  /** Others' claims they confirmed or rejected, with the reason they gave (not who claimed). */
  claimsDecided: Record<string, unknown>[];
  plans: Record<string, unknown>[];
  supportRequests: Record<string, unknown>[];
  supportAsks: Record<string, unknown>[];
  notifications: Record<string, unknown>[];
  fade: {
    notes: Record<string, unknown>[];
    reports: Record<string, unknown>[];
    parts: Record<string, unknown>[];
    clusterLeads: Record<string, unknown>[];
    cyclesCreated: Record<string, unknown>[];
    prioritiesUpdated: Record<string, unknown>[];
    nextStepsCreated: Record<string, unknown>[];
    channelsLinked: Record<string, unknown>[];
    channelReferences: Record<string, unknown>[];
  };
  auditLog: Record<string, unknown>[];
  turnState: Record<string, unknown>[];
}

/** What a deletion did (or, previewed, would do), counted by kind of record. */
export interface DeletionSummary {
  personDeleted: number;
  plansDeleted: number;
  plansKept: number;
  rolesRemoved: number;
  turnStateDeleted: number;
  notificationsCancelled: number;
  requestsAnonymised: number;
  fadeRecordsAnonymised: number;
  /** Others' school-role claims they decided: kept, with the decider replaced. */
  claimsAnonymised: number;
  auditEntriesAnonymised: number;
}

export const deletedRecords = (s: DeletionSummary) => s.personDeleted + s.plansDeleted + s.rolesRemoved + s.turnStateDeleted;
export const anonymisedRecords = (s: DeletionSummary) =>
  s.plansKept + s.notificationsCancelled + s.requestsAnonymised + s.fadeRecordsAnonymised + s.claimsAnonymised + s.auditEntriesAnonymised;
export const touchedRecords = (s: DeletionSummary) => deletedRecords(s) + anonymisedRecords(s);

/** Access to one person's data across every table: finding, exporting, deleting, and retention. */
export interface PersonalDataStore {
  /** People in the tenant whose Teams user id is the query, or whose name contains it. */
  findPeople(tenantId: string, query: string, limit: number): Promise<PersonMatch[]>;
  exportPerson(tenantId: string, userId: string): Promise<PersonExport>;
  /**
   * Deletes the person's own data and anonymises their identity in shared records. Several
   * statements: pass a transaction. Running it again finds nothing and changes nothing.
   */
  deletePerson(tenantId: string, userId: string, sql?: Sql): Promise<DeletionSummary>;
  /** The app was removed from their personal chat: the chat's reference and turn state go. */
  forgetPersonalChat(tenantId: string, userId: string, conversationId: string): Promise<number>;
  /** Deletes turn state no turn has touched for this many days (by the database's clock, which wrote it). */
  purgeTurnState(notUsedForDays: number): Promise<number>;
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

/** snake_case row to camelCase, dates as ISO strings. */
function tidy(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = iso(v);
  return out;
}

/** The person's personal chat, as stored: the keys their turn state is kept under end with these. */
interface ChatKeys {
  userMri: string | null;
  conversationId: string | null;
}

function chatKeysOf(reference: unknown): ChatKeys {
  const ref = (reference ?? {}) as { user?: { id?: unknown }; conversation?: { id?: unknown } };
  return {
    userMri: typeof ref.user?.id === 'string' && ref.user.id !== '' ? ref.user.id : null,
    conversationId: typeof ref.conversation?.id === 'string' && ref.conversation.id !== '' ? ref.conversation.id : null,
  };
}

/** teams-ai keys turn state "<channel>/<bot>/conversations/<id>" and "<channel>/<bot>/users/<id>". */
function stateKeySuffixes(keys: ChatKeys): string[] {
  const suffixes: string[] = [];
  if (keys.conversationId) suffixes.push(`/conversations/${keys.conversationId}`);
  if (keys.userMri) suffixes.push(`/users/${keys.userMri}`);
  return suffixes;
}

const STATE_KEY_MATCH = 'exists (select 1 from unnest($1::text[]) s where right(bot_state.key, length(s)) = s)';

/** The repositories that own the tables a person's data is in: deletion asks each for its part. */
interface Owners {
  users: SqlUserRepository;
  plans: SqlPlanRepository;
  requests: SqlRequestRepository;
  notifications: SqlNotificationRepository;
  roles: SqlRoleRepository;
  claims: SqlSchoolRoleClaims;
  audit: SqlAuditLog;
  fade: Pick<FadeRepositories, 'clusters' | 'reports' | 'cycles' | 'channels'>;
  turnState: SqlStateStore;
}

/** Finding and exporting a person's data reads across the tables; deleting it goes through each table's owner. */
export class SqlPersonalDataStore implements PersonalDataStore {
  private readonly owners: Owners;

  /**
   * `community`: the tenants whose people work together, so a person's decisions on claims made in another of its
   * tenants (an LA adviser confirming a head) are theirs to export and have anonymised. Each tenant alone by default.
   */
  constructor(
    private readonly sql: Sql,
    private readonly community: Community = new Community([]),
  ) {
    const fade = fadeRepositories(sql);
    const users = new SqlUserRepository(sql);
    this.owners = {
      users,
      plans: new SqlPlanRepository(sql),
      requests: new SqlRequestRepository(sql),
      notifications: new SqlNotificationRepository(sql),
      roles: new SqlRoleRepository(sql),
      claims: new SqlSchoolRoleClaims(sql, users),
      audit: new SqlAuditLog(sql),
      fade,
      turnState: new SqlStateStore(sql),
    };
  }

  async findPeople(tenantId: string, query: string, limit: number): Promise<PersonMatch[]> {
    const q = query.trim();
    if (q === '') return [];
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.sql.query<{ user_id: string; display_name: string | null; school_name: string | null }>(
      `select u.user_id, u.display_name, s.name_en as school_name
         from users u left join schools s on s.id = u.school_id
        where u.tenant_id = $1 and u.user_id <> $4
          and (u.user_id = $2 or u.display_name ilike $3)
        order by (u.user_id = $2) desc, lower(u.display_name), u.user_id
        limit $5`,
      [tenantId, q, pattern, DELETED_PERSON_ID, limit],
    );
    return rows.map((r) => ({ userId: r.user_id, displayName: r.display_name, schoolName: r.school_name }));
  }

  async exportPerson(tenantId: string, userId: string): Promise<PersonExport> {
    const q = async (text: string, params: unknown[] = [tenantId, userId]) => (await this.sql.query<Record<string, unknown>>(text, params)).map(tidy);
    const [person] = await q(
      `select u.user_id, u.display_name, u.locale, u.school_id, s.name_en as school_name, u.school_role,
              u.personal_conversation, u.last_plan_id, u.created_at, u.updated_at
         from users u left join schools s on s.id = u.school_id where u.tenant_id = $1 and u.user_id = $2`,
    );
    const chat = chatKeysOf(person?.personalConversation);
    return {
      format: 'cydweithio-person-export/1',
      tenantId,
      userId,
      person: person ?? null,
      roles: await q(
        'select role, la_code, school_id, granted_by, granted_at from user_roles where tenant_id = $1 and user_id = $2 order by role, la_code, school_id',
      ),
      schoolRoleClaims: await q(
        `select id::text as id, school_id, role, status, asked, reason, created_at, decided_at, ended_at
           from school_role_claims where tenant_id = $1 and user_id = $2 order by created_at, id`,
      ),
      claimsDecided: await q(
        `select id::text as id, school_id, role, status, reason, decided_at from school_role_claims
          where tenant_id = any($1::text[]) and decided_by = $2 and user_id <> $2 order by decided_at, id`,
        [this.community.tenantsOf(tenantId), userId],
      ),
      plans: await q('select * from plans where tenant_id = $1 and owner_id = $2 order by created_at, id'),
      supportRequests: await q(
        `select id, plan_id, kind, state, asking_school_id, chosen_school_id,
                requester_id = $2 as you_asked, decided_by = $2 as you_decided_last, adviser_ids @> jsonb_build_array($2::text) as you_were_asked_to_broker,
                case when decided_by = $2 then decision_reason end as your_reason,
                created_at, updated_at, accepted_at, done_at
           from support_requests
          where tenant_id = $1 and (requester_id = $2 or decided_by = $2 or adviser_ids @> jsonb_build_array($2::text))
          order by created_at, id`,
      ),
      supportAsks: await q(
        `select a.request_id, a.seq, a.school_id, a.asked_at, a.outcome from support_asks a join support_requests r on r.id = a.request_id
          where r.tenant_id = $1 and a.asked_by = $2 order by a.asked_at, a.request_id, a.seq`,
      ),
      notifications: await q(
        'select kind, subject_id, due_at, status, sent_at from scheduled_notifications where tenant_id = $1 and recipient_id = $2 order by due_at, id',
      ),
      fade: {
        // Notes from before notes had a tenant (none could be worked out) count as the author's wherever they are.
        notes: await q(
          'select id, cluster_id, school_id, author_name, text, at from fade_notes where (tenant_id = $1 or tenant_id is null) and author_id = $2 order by at, id',
        ),
        reports: await q(
          `select id, round_id, cluster_id, status, drafted_by = $2 as you_drafted, submitted_by = $2 as you_submitted, reviewed_by = $2 as you_reviewed,
                  case when reviewed_by = $2 then review_judgement end as your_judgement, case when reviewed_by = $2 then review_feedback end as your_feedback,
                  submitted_at, reviewed_at, updated_at
             from fade_reports where tenant_id = $1 and $2 in (drafted_by, submitted_by, reviewed_by) order by updated_at, id`,
        ),
        parts: await q('select round_id, cluster_id, school_id, status, updated_at from fade_parts where updated_by = $1 order by updated_at', [userId]),
        clusterLeads: await q('select cluster_id, set_by, set_at from fade_cluster_leads where tenant_id = $1 and user_id = $2 order by cluster_id'),
        cyclesCreated: await q('select id, name, created_at from fade_cycles where tenant_id = $1 and created_by = $2 order by created_at', [tenantId, userId]),
        prioritiesUpdated: await q('select cluster_id, updated_at from fade_cluster_priorities where updated_by = $1 order by cluster_id', [userId]),
        nextStepsCreated: await q('select id, cluster_id, round_id, text, created_at from fade_next_steps where created_by = $1 order by created_at, id', [
          userId,
        ]),
        channelsLinked: await q(
          'select conversation_id, name, cluster_id, linked_at from fade_conversations where tenant_id = $1 and linked_by = $2 order by linked_at',
          [tenantId, userId],
        ),
        channelReferences: await q(
          `select conversation_id, name, reference -> 'user' as you_as_last_seen from fade_conversations
            where tenant_id = $1 and reference -> 'user' ->> 'aadObjectId' = $2 order by conversation_id`,
        ),
      },
      auditLog: await q(
        `select at, actor_id = $2 as by_you, action, subject_type, subject_id, card_version, details from audit_log
          where tenant_id = $1 and (actor_id = $2 or (subject_type = 'user' and subject_id = $2)) order by at, id`,
      ),
      turnState: await q(`select key, doc, updated_at from bot_state where ${STATE_KEY_MATCH} order by key`, [stateKeySuffixes(chat)]),
    };
  }

  /**
   * Each table's own repository deletes or anonymises what it holds of the person, in the caller's transaction; this
   * only says in which order (the person's row is locked first and deleted last) and adds up what was done.
   */
  async deletePerson(tenantId: string, userId: string, sql: Sql = this.sql): Promise<DeletionSummary> {
    const T = tenantId;
    const U = userId;
    const P = DELETED_PERSON_ID;
    if (U === P) return emptySummary();
    const { users, plans, requests, notifications, roles, claims, audit, fade, turnState } = this.owners;

    const person = await users.lockForDeletion(T, U, sql);
    const chat = chatKeysOf(person.personalConversation);
    // Plans that never went to another school are theirs alone; the rest stay for the partner, without their name.
    const planCounts = await plans.deleteForPerson(T, U, P, sql, () => users.ensureStandIn(T, P, sql));
    const requestsAnonymised = await requests.anonymisePerson(T, U, P, sql);
    const notificationsCancelled = await notifications.handOverRecipient(T, U, P, sql);
    const roleCounts = await roles.deleteForPerson(T, U, P, sql);
    const claimCounts = await claims.deleteForPerson(this.community.tenantsOf(T), U, P, person.displayName, sql);
    // FADE records are the cluster's: kept, with the person's identity replaced.
    const fadeRecordsAnonymised =
      roleCounts.grantsAnonymised +
      (await fade.clusters.anonymisePerson(T, U, P, sql)) +
      (await fade.reports.anonymisePerson(T, U, P, sql)) +
      (await fade.cycles.anonymisePerson(T, U, P, sql)) +
      (await fade.channels.anonymisePerson(T, U, P, sql));
    // The audit log keeps what was done; who did it, or to whom, becomes the deleted person.
    const auditEntriesAnonymised = await audit.anonymisePerson(T, U, P, sql);
    const turnStateDeleted = await turnState.deleteEndingWith(stateKeySuffixes(chat), sql);
    const personDeleted = await users.deletePerson(T, U, sql);

    return {
      personDeleted,
      plansDeleted: planCounts.deleted,
      plansKept: planCounts.kept,
      rolesRemoved: roleCounts.removed + claimCounts.removed,
      turnStateDeleted,
      notificationsCancelled,
      requestsAnonymised,
      fadeRecordsAnonymised,
      claimsAnonymised: claimCounts.anonymised,
      auditEntriesAnonymised,
    };
  }

  async forgetPersonalChat(tenantId: string, userId: string, conversationId: string): Promise<number> {
    const stored = chatKeysOf((await this.owners.users.get(tenantId, userId))?.personalConversation);
    const removed = await this.owners.turnState.deleteEndingWith(stateKeySuffixes({ conversationId, userMri: stored.userMri }));
    if (stored.conversationId === conversationId) await this.owners.users.forgetPersonalConversation(tenantId, userId);
    return removed;
  }

  async purgeTurnState(notUsedForDays: number): Promise<number> {
    return this.owners.turnState.deleteUnusedFor(notUsedForDays);
  }
}

function emptySummary(): DeletionSummary {
  return {
    personDeleted: 0,
    plansDeleted: 0,
    plansKept: 0,
    rolesRemoved: 0,
    turnStateDeleted: 0,
    notificationsCancelled: 0,
    requestsAnonymised: 0,
    fadeRecordsAnonymised: 0,
    claimsAnonymised: 0,
    auditEntriesAnonymised: 0,
  };
}
