import { Outcomes, type Outcome as UseCaseOutcome, type Refusal } from '../../platform/outcome';
import type { MessageKey } from '../../platform/i18n';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock';
import type { SchoolDetails, SqlSchoolRepository } from '../directory/repository';
import { buildMatchingIndex, rankSchools, type MatchingIndex, type MatchState, type Ranking } from './ranking';
import { missingRequired, type Plan } from '../plans/plan';
import { addWorkingDays, REASON_MAX, type SupportRequest } from './supportRequest';
import { localeFromTag, type Locale, type MessageParam } from '../../platform/i18n';
import type { Logger } from '../../platform/log';
import type { Database, Sql } from '../../platform/db/db';
import type { SqlNotificationRepository, ScheduledNotification } from '../../platform/jobs/notifications';
import type { PlanRepository } from '../plans/repository';
import type { SqlRequestRepository, SchoolContact, RequestMove, RequestList, RequestListSection } from './repository';
import type { SqlAuditLog, SqlRoleRepository } from '../people/roles';
import type { UserRepository } from '../people/users';
import type { UserRecord } from '../people/model';
import type { CardJson } from '../../platform/cards/render';
import type { Messenger } from '../../platform/teams/messenger';
import type { PlanService } from '../plans/service';
import type { Actor } from '../../platform/actor';
import type { Community } from '../../platform/community';

/** Everything a card about one request needs. */
export interface RequestContext {
  request: SupportRequest;
  plan: Plan;
  asking: SchoolDetails;
  chosen: SchoolDetails | null;
  requesterName: string;
  decidedByName: string | null;
  /** Who sees an adviser card refresh itself: the advisers' Teams ids (MRIs where known), at most 60. */
  refreshUserIds: string[];
}

export interface SuggestedSchool {
  school: SchoolDetails;
  suggestion: Ranking['suggestions'][number];
}

export interface Suggestions {
  plan: Plan;
  asking: SchoolDetails;
  ranking: Ranking;
  schools: SuggestedSchool[];
  offset: number;
  lookFurther: boolean;
}

/** Rows per list on the "my requests" card: enough to act on, small enough for a Teams card. */
export const MY_REQUESTS_LIMIT = 8;

/** What the "my requests" card shows: the three lists, and which of them apply to this person. */
export interface MyRequests {
  lists: Record<RequestListSection, RequestList>;
  /** Head or deputy of a school: the requests put to it are listed. */
  leadsSchool: boolean;
  /** Holds the adviser role: brokered requests waiting for a decision are listed. */
  isAdviser: boolean;
}

/** What each use case tells someone it refuses, by who they would have to be. */
const FORBIDDEN = {
  adviserView: 'match.notAdviser',
  approve: 'match.notAdviser',
  adviserDecline: 'match.notAdviser',
  schoolView: 'match.notYourRequest',
  accept: 'match.notYourRequest',
  schoolDecline: 'match.notYourRequest',
  redirect: 'match.notYourRequest',
  requesterView: 'match.notYourRequest',
  askInstead: 'match.notYourRequest',
  withdraw: 'match.notYourRequest',
  markDone: 'match.notYourRequest',
} as const satisfies Record<string, MessageKey>;

/** The platform's use-case answer: `changed` says whether this call changed anything; a problem may carry the request as it stands. */
export type Outcome<T> = UseCaseOutcome<{ changed: boolean } & T, RequestContext>;
type Refused = Refusal;

export type ProblemKey =
  | 'match.problem.planNotReady'
  | 'match.problem.noSchool'
  | 'match.problem.alreadyOpen'
  | 'match.problem.schoolUnavailable'
  | 'match.problem.alreadyDecided'
  | 'match.problem.notOpen'
  | 'match.problem.reasonRequired'
  | 'match.problem.reasonTooLong'
  | 'match.problem.ownSchool'
  | 'match.problem.schoolFull';

/** Whether a request was held for a school with nobody on the bot yet, and how many of its advisers were told. */
export interface Held {
  held: boolean;
  advisersTold: number;
}

/** How cards for proactive sends are drawn; the composition root passes the card builders. */
export interface MatchingCards {
  school(locale: Locale, ctx: RequestContext, notice?: string): CardJson;
  adviser(locale: Locale, ctx: RequestContext, suggestions: SuggestedSchool[], notice?: string): CardJson;
  agreed(locale: Locale, ctx: RequestContext): CardJson;
  status(locale: Locale, ctx: RequestContext, next: SuggestedSchool[], notice?: string): CardJson;
  reminderNotice(locale: Locale, ctx: RequestContext): string;
  escalationNotice(locale: Locale, ctx: RequestContext): string;
  /** Told to the advisers of a school asked while nobody from it uses the bot: the request is held for it. */
  heldForSchool(locale: Locale, ctx: RequestContext): CardJson;
  /** Told to the admins when a request for brokerage is held because no adviser covers the asking school. */
  heldForAdvisers(locale: Locale, ctx: RequestContext): CardJson;
  /** Told to the requester beside their request when it is held for the school asked. */
  heldNotice(locale: Locale, ctx: RequestContext): string;
  /** Told to the requester when the school asked tried to accept with no free place. */
  fullNotice(locale: Locale, ctx: RequestContext): string;
}

export interface MatchingServiceDeps {
  db: Database;
  requests: SqlRequestRepository;
  plans: PlanRepository;
  planService: PlanService;
  schools: SqlSchoolRepository;
  users: UserRepository;
  roles: SqlRoleRepository;
  /** Which tenants work together: an adviser in one brokers for a head in another. */
  community: Community;
  audit: SqlAuditLog;
  notifications: SqlNotificationRepository;
  messenger: Messenger;
  cards: MatchingCards;
  clock: Clock;
  log: Logger;
  defaultLocale: Locale;
  /** Working days a request may wait before the waiting person is reminded (and as long again before the requester is told). */
  waitWorkingDays: number;
  /** The deployment's ranking choices (config): range, how old evidence may be, support categories on or off. */
  policy?: { rangeKm: number; evidenceMaxAgeYears: number; supportCategories: boolean };
  /** The tenant's school holidays, which are not working days either. */
  holidays?: (tenantId: string) => Promise<ReadonlySet<string>>;
  newId?: () => string;
}

interface Waiting {
  remindAt: Date;
  escalateAt: Date;
}

export const REMIND_KIND = 'matching.reminder';
export const ESCALATE_KIND = 'matching.escalation';
const remindKey = (id: string, seq: number) => `matching.reminder:${id}:${seq}`;
const escalateKey = (id: string, seq: number) => `matching.escalation:${id}:${seq}`;

const planText = (plan: Plan) => [plan.answers.focus, plan.answers.need, plan.answers.objectives, plan.answers.successCriteria].filter(Boolean).join('\n');

/**
 * Partner matching and support requests. Every action checks on the server who may do it,
 * whatever the card sent: only the plan's owner asks and withdraws, only an adviser for the
 * asking school's LA approves or declines a brokered request, only the head or deputy of the
 * school asked accepts, declines or redirects. Decisions are conditional updates, so of two at
 * once exactly one wins, and every decision is written to the audit log.
 */
export class MatchingService {
  private index: MatchingIndex | null = null;
  /** What the directory looked like when the index was built (another instance may change it). */
  private indexStamp = '';
  private readonly newId: () => string;

  constructor(private readonly deps: MatchingServiceDeps) {
    this.newId = deps.newId ?? randomUUID;
  }

  /** Drops the cached index: call after the directory, strengths or capacity change. */
  invalidate(): void {
    this.index = null;
  }

  /** Builds the ranking's index now (the process calls this at start, before it says it is ready), so the first "find a partner" does not wait for it. */
  async prepare(): Promise<void> {
    await this.matchingIndex();
  }

  /** The ranking index, rebuilt when the directory changed here or on another instance since it was built. */
  private async matchingIndex(): Promise<MatchingIndex> {
    const stamp = await this.deps.requests.directoryStamp();
    if (!this.index || stamp !== this.indexStamp) {
      this.index = buildMatchingIndex(await this.deps.requests.candidates());
      this.indexStamp = stamp;
    }
    return this.index;
  }

  private async state(): Promise<MatchState> {
    const now = this.deps.clock.now();
    const [load, pending, recentAsks] = await Promise.all([
      this.deps.requests.loadBySchool(),
      this.deps.requests.pendingBySchool(),
      this.deps.requests.recentAsks(new Date(now.getTime() - 120 * 86_400_000)),
    ]);
    const policy = this.deps.policy;
    return { load, pending, recentAsks, now, supportCategories: policy?.supportCategories ?? false, evidenceMaxAgeYears: policy?.evidenceMaxAgeYears };
  }

  // ---- suggestions ----

  private async ownPlan(actor: Actor, planId: string): Promise<UseCaseOutcome<{ plan: Plan; asking: SchoolDetails }>> {
    const plan = await this.deps.plans.get(planId, [actor.tenantId]);
    if (!plan) return Outcomes.notFound('match.notFound');
    if (plan.tenantId !== actor.tenantId || plan.ownerId !== actor.userId) return Outcomes.forbidden('error.notYourPlan');
    if (missingRequired(plan, 'before').length > 0) return Outcomes.problem('match.problem.planNotReady');
    const asking = plan.schoolId ? await this.deps.schools.get(plan.schoolId) : null;
    if (!asking) return Outcomes.problem('match.problem.noSchool');
    return Outcomes.ok({ plan, asking });
  }

  private async rank(
    plan: Plan,
    asking: SchoolDetails,
    options: { offset?: number; limit?: number; lookFurther?: boolean; exclude?: number[] },
  ): Promise<{ ranking: Ranking; schools: SuggestedSchool[] }> {
    const index = await this.matchingIndex();
    const ranking = rankSchools(
      index,
      {
        askingSchoolId: asking.id,
        priorityAreas: plan.answers.priorityAreas ?? [],
        text: planText(plan),
        lookFurther: options.lookFurther,
        rangeKm: this.deps.policy?.rangeKm,
        exclude: options.exclude,
      },
      await this.state(),
      options.limit ?? 5,
      options.offset ?? 0,
    );
    const schools: SuggestedSchool[] = [];
    for (const suggestion of ranking.suggestions) {
      const school = await this.deps.schools.get(suggestion.schoolId);
      if (school) schools.push({ school, suggestion });
    }
    return { ranking, schools };
  }

  async suggestions(actor: Actor, planId: string, options: { offset?: number; lookFurther?: boolean } = {}): Promise<Outcome<Suggestions>> {
    const owned = await this.ownPlan(actor, planId);
    if (owned.kind !== 'ok') return owned;
    const own = owned.value;
    // "Show more" adds the next five below those already shown: the card keeps the first page.
    const offset = Math.max(0, Math.min(options.offset ?? 0, 200));
    const { ranking, schools } = await this.rank(own.plan, own.asking, { offset: 0, limit: offset + 5, lookFurther: options.lookFurther });
    return Outcomes.ok({ changed: false, plan: own.plan, asking: own.asking, ranking, schools, offset: 0, lookFurther: options.lookFurther ?? false });
  }

  /** The person's most recently changed plan that is ready for partners (Focus, Need and objectives filled in, a school), if any. */
  async readyPlan(actor: Actor): Promise<Plan | null> {
    const plans = await this.deps.plans.listForOwner(actor.tenantId, actor.userId, 20);
    return plans.find((p) => p.schoolId !== null && missingRequired(p, 'before').length === 0) ?? null;
  }

  /** Whether a school can be asked now: exists, not the asker, open, with a free place. */
  private async available(schoolId: number, askingSchoolId: number): Promise<SchoolDetails | null> {
    if (schoolId === askingSchoolId) return null;
    const school = await this.deps.schools.get(schoolId);
    if (!school || !school.openToRequests || school.capacity <= 0) return null;
    const load = (await this.deps.requests.loadBySchool()).get(schoolId) ?? 0;
    return load < school.capacity ? school : null;
  }

  /** The confirmed heads and deputies of a school in this tenant's community whom the bot can reach. */
  private async reachableHeads(tenantId: string, schoolId: number): Promise<SchoolContact[]> {
    return (await this.deps.requests.headsOf(this.deps.community.tenantsOf(tenantId), schoolId)).filter((h) => h.personalConversation !== null);
  }

  /** The request as it is stored now (after a move someone else may have made). */
  private async reread(request: SupportRequest): Promise<SupportRequest> {
    return (await this.deps.requests.get(request.id, [request.tenantId]))!;
  }

  /**
   * A school a request can be put to now (available), with the heads the bot can reach there, or the problem beside
   * the request. No head on the bot is not a refusal: the request is held for the school (see `held`).
   */
  private async reachableFor(actor: Actor, request: SupportRequest, schoolId: number): Promise<Outcome<{ school: SchoolDetails; heads: SchoolContact[] }>> {
    const school = await this.available(schoolId, request.askingSchoolId);
    if (!school) return this.problemWith(request, 'match.problem.schoolUnavailable');
    const heads = await this.reachableHeads(request.tenantId, school.id);
    return Outcomes.ok({ changed: false, school, heads });
  }

  /**
   * Nobody from the school asked uses the bot yet: the request waits there, held for the school, and its head
   * or deputy gets it once their role is confirmed (`deliverHeldToHead`). The advisers covering that school are
   * told, so they can bring its head in; returns how many were told.
   */
  private async held(context: RequestContext, actorId: string): Promise<number> {
    const school = context.chosen;
    if (!school) return 0;
    const tenants = this.deps.community.tenantsOf(context.request.tenantId);
    const people = (await this.deps.roles.holders(tenants, 'adviser', school.laCode, school.id)).filter((p) => p.userId !== actorId);
    let told = 0;
    for (const p of people) {
      const adviser = await this.deps.users.get(p.tenantId, p.userId);
      if (!adviser?.personalConversation) continue;
      await this.send(adviser.personalConversation, this.deps.cards.heldForSchool(this.localeOf(adviser), context));
      told++;
    }
    return told;
  }

  // ---- asking ----

  /**
   * A request speaks for the asking school: only someone whose role there is confirmed sends one. A claimant still
   * waiting is refused (the kit adds who was asked to confirm their role).
   */
  private async speaksFor(actor: Actor, school: SchoolDetails): Promise<boolean> {
    return (await this.deps.users.get(actor.tenantId, actor.userId))?.schoolId === school.id;
  }

  async askDirect(actor: Actor, planId: string, schoolId: number, lookFurther = false): Promise<Outcome<{ context: RequestContext } & Held>> {
    const owned = await this.ownPlan(actor, planId);
    if (owned.kind !== 'ok') return owned;
    const own = owned.value;
    if (!(await this.speaksFor(actor, own.asking))) return Outcomes.forbidden('match.notConfirmedForSchool');
    const open = await this.openRequestOf(actor, planId);
    if (open) return Outcomes.problem('match.problem.alreadyOpen', undefined, await this.context(open));
    const school = await this.available(schoolId, own.asking.id);
    if (!school) return Outcomes.problem('match.problem.schoolUnavailable');
    const heads = await this.reachableHeads(actor.tenantId, school.id);

    const now = this.deps.clock.now();
    const wait = await this.waitFrom(actor.tenantId, now);
    const request = this.newRequest(actor, own.plan, own.asking, 'direct', lookFurther, now, { state: 'awaitingSchool', chosenSchoolId: school.id, askSeq: 1 });
    const created = await this.createOnce(request, async (tx) => {
      await this.deps.requests.recordAsk(request.id, 1, school.id, now, actor.userId, tx);
      await this.audit(actor, 'request.askDirect', request, 1, heads.length > 0 ? { schoolId: school.id } : { schoolId: school.id, held: true }, tx);
      await this.scheduleWaiting(request, 1, heads[0]?.userId ?? actor.userId, wait, tx);
    });
    if (!created) return Outcomes.problem('match.problem.alreadyOpen', undefined, await this.context((await this.openRequestOf(actor, planId))!));
    const context = await this.context(request);
    if (heads.length === 0) return Outcomes.ok({ changed: true, context, held: true, advisersTold: await this.held(context, actor.userId) });
    await this.sendToHeads(heads, (locale) => this.deps.cards.school(locale, context));
    return Outcomes.ok({ changed: true, context, held: false, advisersTold: 0 });
  }

  async askBroker(actor: Actor, planId: string, lookFurther = false): Promise<Outcome<{ context: RequestContext; advisers: number; adminsTold?: number }>> {
    const owned = await this.ownPlan(actor, planId);
    if (owned.kind !== 'ok') return owned;
    const own = owned.value;
    if (!(await this.speaksFor(actor, own.asking))) return Outcomes.forbidden('match.notConfirmedForSchool');
    const open = await this.openRequestOf(actor, planId);
    if (open) return Outcomes.problem('match.problem.alreadyOpen', undefined, await this.context(open));
    const adviserRefs = await this.deps.roles.holders(this.deps.community.tenantsOf(actor.tenantId), 'adviser', own.asking.laCode, own.asking.id);
    const advisers = (await Promise.all(adviserRefs.map((a) => this.deps.users.get(a.tenantId, a.userId)))).filter(
      (u): u is UserRecord => u !== null && u.personalConversation !== null,
    );

    const now = this.deps.clock.now();
    const wait = await this.waitFrom(actor.tenantId, now);
    const request = this.newRequest(actor, own.plan, own.asking, 'brokered', lookFurther, now, {
      state: 'awaitingAdviser',
      chosenSchoolId: null,
      askSeq: 0,
      adviserIds: advisers.map((a) => a.userId).slice(0, 60),
    });
    const created = await this.createOnce(request, async (tx) => {
      await this.audit(actor, 'request.askBroker', request, 1, advisers.length > 0 ? { advisers: request.adviserIds } : { advisers: [], held: true }, tx);
      await this.scheduleWaiting(request, 0, advisers[0]?.userId ?? actor.userId, wait, tx);
    });
    if (!created) return Outcomes.problem('match.problem.alreadyOpen', undefined, await this.context((await this.openRequestOf(actor, planId))!));
    const context = await this.context(request);
    if (advisers.length === 0) {
      // Held for the local authority's advisers: the first adviser granted for it gets it (`deliverHeldToAdviser`).
      // The admins, who grant that role, are told.
      let adminsTold = 0;
      for (const p of await this.deps.roles.admins(this.deps.community.tenantsOf(actor.tenantId))) {
        const admin = await this.deps.users.get(p.tenantId, p.userId);
        if (!admin?.personalConversation) continue;
        await this.send(admin.personalConversation, this.deps.cards.heldForAdvisers(this.localeOf(admin), context));
        adminsTold++;
      }
      return Outcomes.ok({ changed: true, context, advisers: 0, adminsTold });
    }
    const { schools } = await this.rank(context.plan, context.asking, { lookFurther });
    for (const adviser of advisers) {
      await this.send(adviser.personalConversation!, this.deps.cards.adviser(this.localeOf(adviser), context, schools));
    }
    return Outcomes.ok({ changed: true, context, advisers: advisers.length });
  }

  private newRequest(
    actor: Actor,
    plan: Plan,
    asking: SchoolDetails,
    kind: SupportRequest['kind'],
    lookFurther: boolean,
    now: Date,
    extra: Pick<SupportRequest, 'state' | 'chosenSchoolId' | 'askSeq'> & Partial<SupportRequest>,
  ): SupportRequest {
    return {
      id: this.newId(),
      tenantId: actor.tenantId,
      planId: plan.id,
      requesterId: actor.userId,
      askingSchoolId: asking.id,
      kind,
      lookFurther,
      version: 1,
      decidedBy: null,
      decisionReason: null,
      declinedBy: null,
      adviserIds: [],
      createdAt: now,
      updatedAt: now,
      stateChangedAt: now,
      acceptedAt: null,
      doneAt: null,
      ...extra,
    };
  }

  /** Creates the request with its side records in one transaction; false when the plan already had one open (a double click). */
  private async createOnce(request: SupportRequest, alongside: (tx: Sql) => Promise<void>): Promise<boolean> {
    try {
      await this.deps.db.transaction(async (tx) => {
        await this.deps.requests.create(request, tx);
        await alongside(tx);
      });
      return true;
    } catch (err) {
      if (String((err as { code?: string }).code) === '23505' || /support_requests_open_idx/.test(String(err))) return false;
      throw err;
    }
  }

  /** The plan's request under way, if any (the plan is the actor's own, so their tenant holds it). */
  private async openRequestOf(actor: Actor, planId: string): Promise<SupportRequest | null> {
    const latest = await this.deps.requests.latestForPlan(planId, [actor.tenantId]);
    return latest && (latest.state === 'awaitingAdviser' || latest.state === 'awaitingSchool') ? latest : null;
  }

  // ---- reading a request ----

  async context(request: SupportRequest): Promise<RequestContext> {
    // The advisers, and whoever decided last, may be in another of the community's tenants than the requester.
    const community = this.deps.community.tenantsOf(request.tenantId);
    const [plan, asking, chosen, requester, decider] = await Promise.all([
      this.deps.plans.get(request.planId, [request.tenantId]),
      this.deps.schools.get(request.askingSchoolId),
      request.chosenSchoolId ? this.deps.schools.get(request.chosenSchoolId) : Promise.resolve(null),
      this.deps.users.get(request.tenantId, request.requesterId),
      request.decidedBy ? this.deps.users.findIn(community, request.decidedBy) : Promise.resolve(null),
    ]);
    if (!plan || !asking) throw new Error(`request ${request.id} has lost its plan or school`);
    const advisers = await Promise.all(request.adviserIds.map((id) => this.deps.users.findIn(community, id)));
    const refreshUserIds = request.adviserIds.map((id, i) => {
      const mri = (advisers[i]?.personalConversation?.user as { id?: unknown } | undefined)?.id;
      return typeof mri === 'string' && mri !== '' ? mri : id;
    });
    return {
      request,
      plan,
      asking,
      chosen,
      requesterName: requester?.displayName ?? '—',
      decidedByName: decider?.displayName ?? null,
      refreshUserIds: refreshUserIds.slice(0, 60),
    };
  }

  private async load(actor: Actor, requestId: string): Promise<SupportRequest | null> {
    return this.deps.requests.get(requestId, this.deps.community.tenantsOf(actor.tenantId));
  }

  private async isAdviserFor(actor: Actor, request: SupportRequest): Promise<boolean> {
    const asking = await this.deps.schools.get(request.askingSchoolId);
    return asking !== null && (await this.deps.roles.holds(actor.tenantId, actor.userId, 'adviser', asking.laCode, asking.id));
  }

  /** The school this person leads (head or deputy), if any. */
  private async ledSchool(actor: Actor): Promise<number | null> {
    const user = await this.deps.users.get(actor.tenantId, actor.userId);
    return user && user.schoolId !== null && (user.schoolRole === 'headteacher' || user.schoolRole === 'deputy') ? user.schoolId : null;
  }

  /** The adviser's view: the request and the suggestions as they stand now. */
  async adviserView(actor: Actor, requestId: string): Promise<Outcome<{ context: RequestContext; suggestions: SuggestedSchool[] }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    if (!(await this.isAdviserFor(actor, request))) return this.refuse(actor, 'adviserView', request);
    const context = await this.context(request);
    const suggestions =
      request.state === 'awaitingAdviser' ? (await this.rank(context.plan, context.asking, { lookFurther: request.lookFurther })).schools : [];
    return Outcomes.ok({ changed: false, context, suggestions });
  }

  async schoolView(actor: Actor, requestId: string): Promise<Outcome<{ context: RequestContext }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    const led = await this.ledSchool(actor);
    if (led === null || led !== request.chosenSchoolId) return this.refuse(actor, 'schoolView', request);
    return Outcomes.ok({ changed: false, context: await this.context(request) });
  }

  async requesterView(actor: Actor, requestId: string): Promise<Outcome<{ context: RequestContext }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    if (request.requesterId !== actor.userId) return this.refuse(actor, 'requesterView', request);
    return Outcomes.ok({ changed: false, context: await this.context(request) });
  }

  /**
   * The person's requests in one place. Read-only: each row's button goes to the view the person may
   * open (requester, school asked or adviser), and that view checks again on the server.
   */
  async myRequests(actor: Actor, limit = MY_REQUESTS_LIMIT): Promise<MyRequests> {
    const [led, grants] = await Promise.all([this.ledSchool(actor), this.deps.roles.rolesOf(actor.tenantId, actor.userId)]);
    const lists = await this.deps.requests.listFor({
      tenantId: actor.tenantId,
      userId: actor.userId,
      tenants: this.deps.community.tenantsOf(actor.tenantId),
      ledSchoolId: led,
      limit,
    });
    return { lists, leadsSchool: led !== null, isAdviser: grants.some((g) => g.role === 'adviser') };
  }

  private async refuse(actor: Actor, what: keyof typeof FORBIDDEN, request: SupportRequest): Promise<Refused> {
    // The route kit logs the refusal with the card's verb and tenant; this adds the use case, for debugging.
    this.deps.log.debug('request action refused', { what, requestId: request.id, userId: actor.userId });
    return Outcomes.forbidden(FORBIDDEN[what]);
  }

  // ---- advisers ----

  async approve(
    actor: Actor,
    requestId: string,
    schoolId: number,
    cardVersion: number,
  ): Promise<Outcome<{ context: RequestContext; suggestions: SuggestedSchool[] } & Partial<Held>>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    if (!(await this.isAdviserFor(actor, request))) return this.refuse(actor, 'approve', request);
    if (request.state !== 'awaitingAdviser')
      return this.afterDecision(request, request.state === 'awaitingSchool' && request.chosenSchoolId === schoolId && request.decidedBy === actor.userId);
    const reachable = await this.reachableFor(actor, request, schoolId);
    if (reachable.kind !== 'ok') return reachable;
    const { school, heads } = reachable.value;

    const moved = await this.askSchool(
      actor,
      request,
      school.id,
      heads[0]?.userId ?? request.requesterId,
      { from: ['awaitingAdviser'] },
      { action: 'request.approve', cardVersion, details: heads.length > 0 ? { schoolId: school.id } : { schoolId: school.id, held: true } },
    );
    if (!moved) return this.afterDecision(await this.reread(request), false);
    const context = await this.context(moved);
    if (heads.length === 0) {
      const advisersTold = await this.held(context, actor.userId);
      await this.tellRequester(context, [], 'held');
      return Outcomes.ok({ changed: true, context, suggestions: [], held: true, advisersTold });
    }
    await this.sendToHeads(heads, (locale) => this.deps.cards.school(locale, context));
    await this.tellRequester(context, []);
    return Outcomes.ok({ changed: true, context, suggestions: [], held: false, advisersTold: 0 });
  }

  async adviserDecline(
    actor: Actor,
    requestId: string,
    reason: string,
    cardVersion: number,
  ): Promise<Outcome<{ context: RequestContext; suggestions: SuggestedSchool[] }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    if (!(await this.isAdviserFor(actor, request))) return this.refuse(actor, 'adviserDecline', request);
    if (request.state !== 'awaitingAdviser') return this.afterDecision(request, request.state === 'declined' && request.decidedBy === actor.userId);
    const checked = this.checkReason(reason);
    if (checked) return this.problemWith(request, checked);
    const now = this.deps.clock.now();
    const moved = await this.decide(
      actor,
      request,
      { from: ['awaitingAdviser'], to: 'declined', at: now, by: actor.userId, reason: reason.trim(), declinedBy: 'adviser' },
      'request.adviserDecline',
      cardVersion,
    );
    if (!moved) return this.afterDecision(await this.reread(request), false);
    const context = await this.context(moved);
    await this.tellRequester(context, (await this.rank(context.plan, context.asking, { lookFurther: moved.lookFurther, limit: 3 })).schools);
    return Outcomes.ok({ changed: true, context, suggestions: [] });
  }

  /** Someone decided first (or this is a repeat of one's own decision): the current state, nothing done twice. */
  private async afterDecision(request: SupportRequest, ownRepeat: boolean): Promise<Outcome<{ context: RequestContext; suggestions: SuggestedSchool[] }>> {
    const context = await this.context(request);
    if (ownRepeat) return Outcomes.ok({ changed: false, context, suggestions: [] });
    return Outcomes.problem(request.state === 'withdrawn' ? 'match.problem.notOpen' : 'match.problem.alreadyDecided', undefined, context);
  }

  private async problemWith(request: SupportRequest, key: ProblemKey, params?: Record<string, MessageParam>): Promise<Outcome<never>> {
    return Outcomes.problem(key, params, await this.context(request));
  }

  private checkReason(reason: string): ProblemKey | null {
    const text = reason.trim();
    if (text === '') return 'match.problem.reasonRequired';
    if (text.length > REASON_MAX) return 'match.problem.reasonTooLong';
    return null;
  }

  /** A conditional move with its audit entry and the end of any reminders, in one transaction. */
  private async decide(
    actor: Actor,
    request: SupportRequest,
    move: RequestMove,
    action: string,
    cardVersion: number,
    askOutcome?: 'accepted' | 'declined' | 'withdrawn',
  ): Promise<SupportRequest | null> {
    return this.deps.db.transaction(async (tx) => {
      const next = await this.deps.requests.move(request.id, move, tx);
      if (!next) return null;
      if (askOutcome && request.askSeq > 0) await this.deps.requests.closeAsk(request.id, request.askSeq, askOutcome, tx);
      await this.audit(actor, action, next, cardVersion, move.reason ? { reason: move.reason } : {}, tx);
      await this.cancelWaiting(request, tx);
      return next;
    });
  }

  // ---- the school asked ----

  async accept(actor: Actor, requestId: string, cardVersion: number): Promise<Outcome<{ context: RequestContext }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    const led = await this.ledSchool(actor);
    if (led === null || led !== request.chosenSchoolId) return this.refuse(actor, 'accept', request);
    if (request.state === 'accepted') return Outcomes.ok({ changed: false, context: await this.context(request) });
    if (request.state !== 'awaitingSchool') return this.problemWith(request, 'match.problem.notOpen');
    const now = this.deps.clock.now();
    // A place is taken at acceptance, not when the school is asked: the check and the move are one locked step.
    const held = await this.deps.db.transaction(async (tx) => {
      const result = await this.deps.requests.acceptWithinCapacity(
        request.id,
        { from: ['awaitingSchool'], to: 'accepted', at: now, by: actor.userId, whileChosen: led },
        tx,
      );
      if (!result.request) return result;
      if (request.askSeq > 0) await this.deps.requests.closeAsk(request.id, request.askSeq, 'accepted', tx);
      await this.audit(actor, 'request.accept', result.request, cardVersion, {}, tx);
      await this.cancelWaiting(request, tx);
      return result;
    });
    if (held.full) {
      // A second click while the first was accepting finds the place taken by this very request.
      const again = await this.reread(request);
      if (again.state === 'accepted' && again.chosenSchoolId === led) return Outcomes.ok({ changed: false, context: await this.context(again) });
      if (again.state !== 'awaitingSchool') return this.problemWith(again, 'match.problem.notOpen');
      return this.refuseFull(actor, again, held.taken, held.capacity, cardVersion);
    }
    const moved = held.request;
    if (!moved) {
      const again = await this.reread(request);
      return again.state === 'accepted' && again.chosenSchoolId === led
        ? Outcomes.ok({ changed: false, context: await this.context(again) })
        : this.problemWith(again, 'match.problem.notOpen');
    }
    const started = await this.deps.planService.transition({ tenantId: moved.tenantId, userId: moved.requesterId }, moved.planId, 'startSupport');
    if (started.kind !== 'ok') this.deps.log.warn('plan did not move to support under way', { planId: moved.planId, outcome: started.kind });
    const context = await this.context(moved);
    const requester = await this.deps.users.get(moved.tenantId, moved.requesterId);
    if (requester?.personalConversation) await this.send(requester.personalConversation, this.deps.cards.agreed(this.localeOf(requester), context));
    const colleagues = (await this.reachableHeads(moved.tenantId, led)).filter((h) => h.userId !== actor.userId);
    await this.sendToHeads(colleagues, (locale) => this.deps.cards.agreed(locale, context));
    return Outcomes.ok({ changed: true, context });
  }

  /**
   * The school has no free place: the head is told politely and the request keeps waiting (a place may free
   * up, or they decline); the requester is offered the next suggestions meanwhile.
   */
  private async refuseFull(
    actor: Actor,
    request: SupportRequest,
    taken: number,
    capacity: number,
    cardVersion: number,
  ): Promise<Outcome<{ context: RequestContext }>> {
    await this.audit(actor, 'request.acceptFull', request, cardVersion, { taken, capacity }, this.deps.db);
    const context = await this.context(request);
    const requester = await this.deps.users.get(request.tenantId, request.requesterId);
    if (requester?.personalConversation) {
      const locale = this.localeOf(requester);
      await this.send(
        requester.personalConversation,
        this.deps.cards.status(locale, context, await this.nextSuggestions(context, 3), this.deps.cards.fullNotice(locale, context)),
      );
    }
    return Outcomes.problem('match.problem.schoolFull', { taken, capacity, school: context.asking.nameEn }, context);
  }

  async schoolDecline(actor: Actor, requestId: string, reason: string, cardVersion: number): Promise<Outcome<{ context: RequestContext }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    const led = await this.ledSchool(actor);
    if (led === null || led !== request.chosenSchoolId) return this.refuse(actor, 'schoolDecline', request);
    if (request.state === 'declined' && request.decidedBy === actor.userId) return Outcomes.ok({ changed: false, context: await this.context(request) });
    if (request.state !== 'awaitingSchool') return this.problemWith(request, 'match.problem.notOpen');
    const checked = this.checkReason(reason);
    if (checked) return this.problemWith(request, checked);
    const now = this.deps.clock.now();
    const moved = await this.decide(
      actor,
      request,
      { from: ['awaitingSchool'], to: 'declined', at: now, by: actor.userId, whileChosen: led, reason: reason.trim(), declinedBy: 'school' },
      'request.schoolDecline',
      cardVersion,
      'declined',
    );
    if (!moved) return this.problemWith(await this.reread(request), 'match.problem.notOpen');
    const context = await this.context(moved);
    await this.tellRequester(context, await this.nextSuggestions(context, 3));
    return Outcomes.ok({ changed: true, context });
  }

  /** The head asked suggests a colleague school instead: the request moves there. */
  async redirect(actor: Actor, requestId: string, toSchoolId: number, cardVersion: number): Promise<Outcome<{ context: RequestContext } & Partial<Held>>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    const led = await this.ledSchool(actor);
    if (led === null || led !== request.chosenSchoolId) return this.refuse(actor, 'redirect', request);
    if (request.state !== 'awaitingSchool') return this.problemWith(request, 'match.problem.notOpen');
    if (toSchoolId === led) return this.problemWith(request, 'match.problem.ownSchool');
    return this.moveTo(actor, request, toSchoolId, cardVersion, 'request.redirect', { from: ['awaitingSchool'], whileChosen: led, askOutcome: 'redirected' });
  }

  /** The requester, after waiting too long or a decline, asks the next school instead. */
  async askInstead(actor: Actor, requestId: string, toSchoolId: number, cardVersion: number): Promise<Outcome<{ context: RequestContext } & Partial<Held>>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    if (request.requesterId !== actor.userId) return this.refuse(actor, 'askInstead', request);
    if (request.state !== 'awaitingAdviser' && request.state !== 'awaitingSchool') return this.problemWith(request, 'match.problem.notOpen');
    if (request.chosenSchoolId === toSchoolId) return Outcomes.ok({ changed: false, context: await this.context(request) });
    return this.moveTo(actor, request, toSchoolId, cardVersion, 'request.askInstead', { from: [request.state], askOutcome: 'moved', kind: 'direct' });
  }

  private async moveTo(
    actor: Actor,
    request: SupportRequest,
    toSchoolId: number,
    cardVersion: number,
    action: string,
    how: { from: RequestMove['from']; whileChosen?: number; askOutcome: 'redirected' | 'moved'; kind?: SupportRequest['kind'] },
  ): Promise<Outcome<{ context: RequestContext } & Partial<Held>>> {
    const reachable = await this.reachableFor(actor, request, toSchoolId);
    if (reachable.kind !== 'ok') return reachable;
    const { school, heads } = reachable.value;
    const moved = await this.askSchool(
      actor,
      request,
      school.id,
      heads[0]?.userId ?? request.requesterId,
      { from: how.from, whileChosen: how.whileChosen, kind: how.kind },
      { action, cardVersion, details: { from: request.chosenSchoolId, to: school.id } },
      how.askOutcome,
    );
    if (!moved) return this.problemWith(await this.reread(request), 'match.problem.notOpen');
    const context = await this.context(moved);
    const held = heads.length === 0;
    const advisersTold = held ? await this.held(context, actor.userId) : 0;
    await this.sendToHeads(heads, (locale) => this.deps.cards.school(locale, context));
    if (actor.userId !== moved.requesterId) await this.tellRequester(context, [], held ? 'held' : undefined);
    return Outcomes.ok({ changed: true, context, held, advisersTold });
  }

  /**
   * Puts the request to a school's head in one transaction: the conditional move, the ask (closing the
   * previous one), its audit entry and a fresh wait. Null when someone else moved the request first.
   */
  private async askSchool(
    actor: Actor,
    request: SupportRequest,
    schoolId: number,
    waitingUserId: string,
    move: Pick<RequestMove, 'from' | 'whileChosen' | 'kind'>,
    entry: { action: string; cardVersion: number; details: Record<string, unknown> },
    previousAskOutcome?: 'redirected' | 'moved',
  ): Promise<SupportRequest | null> {
    const now = this.deps.clock.now();
    const wait = await this.waitFrom(actor.tenantId, now);
    return this.deps.db.transaction(async (tx) => {
      const next = await this.deps.requests.move(
        request.id,
        { ...move, to: 'awaitingSchool', at: now, by: actor.userId, chosenSchoolId: schoolId, nextAsk: true },
        tx,
      );
      if (!next) return null;
      if (previousAskOutcome && request.askSeq > 0) await this.deps.requests.closeAsk(request.id, request.askSeq, previousAskOutcome, tx);
      await this.deps.requests.recordAsk(next.id, next.askSeq, schoolId, now, actor.userId, tx);
      await this.audit(actor, entry.action, next, entry.cardVersion, entry.details, tx);
      await this.rescheduleWaiting(request, next, waitingUserId, wait, tx);
      return next;
    });
  }

  // ---- requests held until someone can be reached ----

  /**
   * A headteacher or deputy's role was just confirmed: the requests waiting for their school (held while nobody
   * from it used the bot) are sent to them. Returns how many.
   */
  async deliverHeldToHead(tenantId: string, userId: string, schoolId: number, role: string): Promise<number> {
    if (role !== 'headteacher' && role !== 'deputy') return 0;
    const head = await this.deps.users.get(tenantId, userId);
    if (!head?.personalConversation) return 0;
    let sent = 0;
    for (const request of await this.deps.requests.waitingForSchool(this.deps.community.tenantsOf(tenantId), schoolId)) {
      const context = await this.context(request);
      await this.send(head.personalConversation, this.deps.cards.school(this.localeOf(head), context));
      await this.audit({ tenantId, userId: 'cydweithio' }, 'request.delivered', request, request.version, { to: userId }, this.deps.db);
      sent++;
    }
    return sent;
  }

  /** The bot can now reach this person (the app was just installed in their personal chat): held requests for their school go to them. */
  async deliverHeldOnFirstUse(actor: Actor): Promise<number> {
    const user = await this.deps.users.get(actor.tenantId, actor.userId);
    if (!user || user.schoolId === null || user.schoolRole === null) return 0;
    return this.deliverHeldToHead(actor.tenantId, actor.userId, user.schoolId, user.schoolRole);
  }

  /**
   * Someone was just made an adviser: brokered requests held because no adviser covered the asking school go to
   * the advisers who cover it now. Returns how many requests were sent.
   */
  async deliverHeldToAdviser(tenantId: string, userId: string): Promise<number> {
    let sent = 0;
    const tenants = this.deps.community.tenantsOf(tenantId);
    for (const request of await this.deps.requests.heldForAdvisers(tenants)) {
      const asking = await this.deps.schools.get(request.askingSchoolId);
      if (!asking || !(await this.deps.roles.holds(tenantId, userId, 'adviser', asking.laCode, asking.id))) continue;
      const people = await this.deps.roles.holders(tenants, 'adviser', asking.laCode, asking.id);
      const advisers = (await Promise.all(people.map((p) => this.deps.users.get(p.tenantId, p.userId)))).filter(
        (u): u is UserRecord => u !== null && u.personalConversation !== null,
      );
      if (advisers.length === 0) continue;
      const given = await this.deps.requests.giveToAdvisers(request.id, advisers.map((a) => a.userId).slice(0, 60));
      if (!given) continue;
      await this.audit({ tenantId, userId: 'cydweithio' }, 'request.delivered', given, given.version, { advisers: given.adviserIds }, this.deps.db);
      const context = await this.context(given);
      const { schools } = await this.rank(context.plan, context.asking, { lookFurther: given.lookFurther });
      for (const adviser of advisers) await this.send(adviser.personalConversation!, this.deps.cards.adviser(this.localeOf(adviser), context, schools));
      sent++;
    }
    return sent;
  }

  // ---- the requester ----

  async withdraw(actor: Actor, requestId: string, cardVersion: number): Promise<Outcome<{ context: RequestContext }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    if (request.requesterId !== actor.userId) return this.refuse(actor, 'withdraw', request);
    if (request.state === 'withdrawn') return Outcomes.ok({ changed: false, context: await this.context(request) });
    if (request.state !== 'awaitingAdviser' && request.state !== 'awaitingSchool') return this.problemWith(request, 'match.problem.notOpen');
    const moved = await this.decide(
      actor,
      request,
      { from: ['awaitingAdviser', 'awaitingSchool'], to: 'withdrawn', at: this.deps.clock.now(), by: actor.userId },
      'request.withdraw',
      cardVersion,
      'withdrawn',
    );
    if (!moved) return this.problemWith(await this.reread(request), 'match.problem.alreadyDecided');
    return Outcomes.ok({ changed: true, context: await this.context(moved) });
  }

  /** Either head marks the support done: the supporting school's place is free again. */
  async markDone(actor: Actor, requestId: string, cardVersion: number): Promise<Outcome<{ context: RequestContext }>> {
    const request = await this.load(actor, requestId);
    if (!request) return Outcomes.notFound('match.notFound');
    const led = await this.ledSchool(actor);
    if (request.requesterId !== actor.userId && (led === null || led !== request.chosenSchoolId)) return this.refuse(actor, 'markDone', request);
    if (request.state === 'done') return Outcomes.ok({ changed: false, context: await this.context(request) });
    if (request.state !== 'accepted') return this.problemWith(request, 'match.problem.notOpen');
    const moved = await this.decide(
      actor,
      request,
      { from: ['accepted'], to: 'done', at: this.deps.clock.now(), by: actor.userId },
      'request.done',
      cardVersion,
    );
    if (!moved) return Outcomes.ok({ changed: false, context: await this.context(await this.reread(request)) });
    return Outcomes.ok({ changed: true, context: await this.context(moved) });
  }

  /** Schools to offer next: the best not yet asked for this request. */
  async nextSuggestions(context: RequestContext, limit: number): Promise<SuggestedSchool[]> {
    const asked = await this.deps.requests.askedSchools(context.request.id);
    return (await this.rank(context.plan, context.asking, { lookFurther: context.request.lookFurther, limit, exclude: asked })).schools;
  }

  // ---- waiting too long ----

  /**
   * When the waiting person is reminded and when the requester is told. Read before a transaction opens:
   * the holidays come from another repository, and the embedded database has a single connection.
   */
  private async waitFrom(tenantId: string, now: Date): Promise<Waiting> {
    const holidays = (await this.deps.holidays?.(tenantId)) ?? new Set<string>();
    const remindAt = addWorkingDays(now, this.deps.waitWorkingDays, holidays);
    return { remindAt, escalateAt: addWorkingDays(remindAt, this.deps.waitWorkingDays, holidays) };
  }

  private async scheduleWaiting(request: SupportRequest, seq: number, waitingUserId: string, { remindAt, escalateAt }: Waiting, sql: Sql): Promise<void> {
    const subjectId = `${request.id}:${seq}`;
    await this.deps.notifications.schedule(
      { kind: REMIND_KIND, dedupeKey: remindKey(request.id, seq), tenantId: request.tenantId, recipientId: waitingUserId, subjectId, dueAt: remindAt },
      sql,
    );
    await this.deps.notifications.schedule(
      {
        kind: ESCALATE_KIND,
        dedupeKey: escalateKey(request.id, seq),
        tenantId: request.tenantId,
        recipientId: request.requesterId,
        subjectId,
        dueAt: escalateAt,
      },
      sql,
    );
  }

  private async cancelWaiting(request: SupportRequest, sql: Sql): Promise<void> {
    for (const key of [remindKey(request.id, request.askSeq), escalateKey(request.id, request.askSeq)]) {
      await this.deps.notifications.cancel(key, sql);
    }
  }

  private async rescheduleWaiting(before: SupportRequest, after: SupportRequest, waitingUserId: string, wait: Waiting, sql: Sql): Promise<void> {
    await this.cancelWaiting(before, sql);
    await this.scheduleWaiting(after, after.askSeq, waitingUserId, wait, sql);
  }

  /** The request this notification was about, if it is still waiting at the same step. */
  private async stillWaiting(n: ScheduledNotification): Promise<SupportRequest | null> {
    const [id, seq] = n.subjectId.split(':');
    const request = id ? await this.deps.requests.forJob(id) : null;
    if (!request || request.askSeq !== Number(seq) || (request.state !== 'awaitingAdviser' && request.state !== 'awaitingSchool')) {
      await this.deps.notifications.markFailed(n.id, 'request no longer waiting at this step');
      return null;
    }
    return request;
  }

  /** Reminds whoever the request waits for: the advisers, or the head(s) of the school asked. */
  async deliverReminder(n: ScheduledNotification): Promise<'sent' | 'skipped'> {
    const request = await this.stillWaiting(n);
    if (!request) return 'skipped';
    const context = await this.context(request);
    if (request.state === 'awaitingAdviser') {
      const { schools } = await this.rank(context.plan, context.asking, { lookFurther: request.lookFurther });
      let sent = 0;
      for (const id of request.adviserIds) {
        const adviser = await this.deps.users.findIn(this.deps.community.tenantsOf(request.tenantId), id);
        if (!adviser?.personalConversation) continue;
        const locale = this.localeOf(adviser);
        await this.send(adviser.personalConversation, this.deps.cards.adviser(locale, context, schools, this.deps.cards.reminderNotice(locale, context)));
        sent++;
      }
      return this.sentOrSkipped(n, sent);
    }
    const heads = await this.reachableHeads(request.tenantId, request.chosenSchoolId!);
    await this.sendToHeads(heads, (locale) => this.deps.cards.school(locale, context, this.deps.cards.reminderNotice(locale, context)));
    return this.sentOrSkipped(n, heads.length);
  }

  /** Tells the requester their request is still waiting, and offers the next suggestions. */
  async deliverEscalation(n: ScheduledNotification): Promise<'sent' | 'skipped'> {
    const request = await this.stillWaiting(n);
    if (!request) return 'skipped';
    const requester = await this.deps.users.get(request.tenantId, request.requesterId);
    if (!requester?.personalConversation) return this.sentOrSkipped(n, 0);
    const context = await this.context(request);
    const locale = this.localeOf(requester);
    await this.send(
      requester.personalConversation,
      this.deps.cards.status(locale, context, await this.nextSuggestions(context, 3), this.deps.cards.escalationNotice(locale, context)),
    );
    await this.audit({ tenantId: request.tenantId, userId: 'cydweithio' }, 'request.escalated', request, request.version, {}, this.deps.db);
    return 'sent';
  }

  private async sentOrSkipped(n: ScheduledNotification, sent: number): Promise<'sent' | 'skipped'> {
    if (sent > 0) return 'sent';
    await this.deps.notifications.markFailed(n.id, 'nobody to send to');
    return 'skipped';
  }

  // ---- sending and the audit log ----

  /** The person's chosen language, else the one their Teams client last reported, else the default. */
  private localeOf(person: { locale: Locale | null; personalConversation: Record<string, unknown> | null }): Locale {
    if (person.locale) return person.locale;
    const tag = person.personalConversation?.locale;
    return localeFromTag(typeof tag === 'string' ? tag : undefined, this.deps.defaultLocale);
  }

  private async tellRequester(context: RequestContext, next: SuggestedSchool[], notice?: 'held'): Promise<void> {
    const requester = await this.deps.users.get(context.request.tenantId, context.request.requesterId);
    if (!requester?.personalConversation) return;
    const locale = this.localeOf(requester);
    if (notice === 'held') next = await this.nextSuggestions(context, 3);
    await this.send(
      requester.personalConversation,
      this.deps.cards.status(locale, context, next, notice ? this.deps.cards.heldNotice(locale, context) : undefined),
    );
  }

  private async sendToHeads(heads: SchoolContact[], card: (locale: Locale) => CardJson): Promise<void> {
    for (const head of heads) if (head.personalConversation) await this.send(head.personalConversation, card(this.localeOf(head)));
  }

  /** A failed proactive send is logged, not fatal: the decision is already made and recorded. */
  private async send(conversation: Record<string, unknown>, card: CardJson): Promise<void> {
    try {
      await this.deps.messenger.send(conversation, { card });
    } catch (err) {
      this.deps.log.warn('proactive send failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async audit(actor: Actor, action: string, request: SupportRequest, cardVersion: number, details: Record<string, unknown>, sql: Sql): Promise<void> {
    await this.deps.audit.record(
      {
        at: this.deps.clock.now(),
        tenantId: actor.tenantId,
        actorId: actor.userId,
        action,
        subjectType: 'supportRequest',
        subjectId: request.id,
        cardVersion,
        details: { state: request.state, ...details },
      },
      sql,
    );
  }
}
