import type { Actor } from '../../platform/actor';
import type { Clock } from '../../platform/clock';
import type { Database } from '../../platform/db/db';
import type { CardJson } from '../../platform/cards/render';
import type { Locale, MessageKey } from '../../platform/i18n';
import type { Logger } from '../../platform/log';
import type { Messenger } from '../../platform/teams/messenger';
import { Outcomes, type Outcome } from '../../platform/outcome';
import { parseCsv } from '../directory/csv';
import type { ImportError } from '../directory/import';
import type { SqlSchoolRepository } from '../directory/repository';
import { SqlSchoolRoleClaims, type Asked, type DecideResult, type SchoolRoleClaim } from './claims';
import type { PersonRef, SqlAuditLog, SqlRoleRepository } from './roles';
import type { Community } from '../../platform/community';
import { type UserRepository } from './users';
import { SCHOOL_ROLES, type SchoolRole, type UserRecord } from './model';

/** A claim as the cards show it: with its school's names. */
export interface ClaimView {
  claim: SchoolRoleClaim;
  school: { id: number; nameEn: string; nameCy: string | null };
}

/** How the service's proactive messages look (cards.ts implements it; the service never builds cards). */
export interface ClaimPresenter {
  /** The card a decider gets: confirm or reject, with a reason. */
  decide(locale: Locale, view: ClaimView, forUserId: string): CardJson;
  /** The claimant is told what was decided. */
  decided(locale: Locale, view: ClaimView): CardJson;
}

export interface SchoolRoleServiceDeps {
  db: Database;
  claims: SqlSchoolRoleClaims;
  /** Which tenants work together: claims are seen and confirmed within the claimant's community. */
  community: Community;
  users: UserRepository;
  roles: SqlRoleRepository;
  audit: SqlAuditLog;
  schools: SqlSchoolRepository;
  messenger: Messenger;
  cards: ClaimPresenter;
  clock: Clock;
  log: Logger;
  defaultLocale: Locale;
  /** People who have used the bot in a tenant, most recent first (for the admin's assignment card). */
  recentPeople: (tenantId: string) => Promise<{ userId: string; displayName: string | null; schoolName: string | null }[]>;
  /** Local demo mode only: a claim is confirmed as soon as it is made. */
  autoConfirm: boolean;
  /**
   * Told once a school role is confirmed (by a decider, an admin's assignment or import): requests held for the
   * school while nobody from it used the bot go to its new headteacher or deputy.
   */
  roleConfirmed?: (tenantId: string, userId: string, schoolId: number, role: SchoolRole) => Promise<void>;
}

export interface Claimed {
  view: ClaimView;
  /** Confirmed at once (local demo mode), or the person already held this role. */
  confirmed: boolean;
  /** The school already has a confirmed headteacher (and this was a headteacher claim). */
  headExists: boolean;
}

export type RoleImportOutcome = Outcome<{ assigned: number }, { errors: ImportError[] }>;

const MAX_REASON = 500;
const ROLE_WORDS = new Map<string, SchoolRole>([
  ...SCHOOL_ROLES.map((r) => [r.toLowerCase(), r] as [string, SchoolRole]),
  ['head', 'headteacher'],
  ['senior leader', 'seniorLeader'],
  ['senior_leader', 'seniorLeader'],
  ['pennaeth', 'headteacher'],
  ['dirprwy', 'deputy'],
  ['dirprwy bennaeth', 'deputy'],
  ['uwch arweinydd', 'seniorLeader'],
  ['arall', 'other'],
]);

/**
 * School roles: a person claims their school and role; the school's confirmed head (for other roles), else an
 * adviser covering the school, else an admin confirms or rejects it. Admins may also assign roles directly or
 * from a CSV file. Nothing here trusts what the person said about themselves until someone who knows confirms it.
 */
export class SchoolRoleService {
  constructor(private readonly deps: SchoolRoleServiceDeps) {}

  private async schoolOf(id: number) {
    return this.deps.schools.get(id);
  }

  private async viewOf(claim: SchoolRoleClaim): Promise<ClaimView | null> {
    const school = await this.schoolOf(claim.schoolId);
    return school ? { claim, school: { id: school.id, nameEn: school.nameEn, nameCy: school.nameCy } } : null;
  }

  private tenantsOf(actor: Actor): string[] {
    return this.deps.community.tenantsOf(actor.tenantId);
  }

  /**
   * Who is asked to confirm a claim, by kind: the school's head, else its advisers, else the admins; all in the
   * claimant's community (an adviser in a local authority's tenant confirms a head in the schools' tenant).
   */
  private async deciders(
    tenantId: string,
    claimantId: string,
    schoolId: number,
    laCode: number,
    role: SchoolRole,
  ): Promise<{ asked: Asked; people: PersonRef[]; headExists: boolean }> {
    const { claims, roles, users } = this.deps;
    const tenants = this.deps.community.tenantsOf(tenantId);
    const notClaimant = (p: PersonRef) => !(p.tenantId === tenantId && p.userId === claimantId);
    const head = await claims.confirmedHead(tenants, schoolId);
    const headRef = head && notClaimant(head) ? { tenantId: head.tenantId, userId: head.userId } : null;
    const advisers = (await roles.holders(tenants, 'adviser', laCode, schoolId)).filter(notClaimant);
    const headExists = role === 'headteacher' && headRef !== null;
    let kind: Asked['kind'];
    let people: PersonRef[];
    if (headRef && role !== 'headteacher') [kind, people] = ['headteacher', [headRef]];
    else if (headRef) [kind, people] = [advisers.length > 0 ? 'headteacherAndAdviser' : 'headteacher', [headRef, ...advisers]];
    else if (advisers.length > 0) [kind, people] = ['adviser', advisers];
    else [kind, people] = ['admin', (await roles.admins(tenants)).filter(notClaimant)];
    const names = await Promise.all(people.map(async (p) => (await users.get(p.tenantId, p.userId))?.displayName ?? null));
    return { asked: { kind, names: names.filter((n): n is string => !!n) }, people, headExists };
  }

  /** May this person decide the claim? Never their own; the school's confirmed head, an adviser for it, an admin, in the claimant's community. */
  async mayDecide(actor: Actor, claim: SchoolRoleClaim): Promise<boolean> {
    if (!this.deps.community.shares(actor.tenantId, claim.tenantId) || (claim.tenantId === actor.tenantId && claim.userId === actor.userId)) return false;
    const { roles, users } = this.deps;
    if (await roles.isAdmin(actor.tenantId, actor.userId)) return true;
    const school = await this.schoolOf(claim.schoolId);
    if (school && (await roles.holds(actor.tenantId, actor.userId, 'adviser', school.laCode, school.id))) return true;
    const me = await users.get(actor.tenantId, actor.userId);
    return me?.schoolId === claim.schoolId && me.schoolRole === 'headteacher';
  }

  /** A person says which school they work at and in what role: recorded as a claim; nothing is granted yet. */
  async claim(actor: Actor, schoolId: number, role: SchoolRole): Promise<Outcome<Claimed>> {
    const { claims, users, db, clock } = this.deps;
    const school = await this.schoolOf(schoolId);
    if (!school) return Outcomes.problem('onboard.chooseSchool');
    const me = await users.get(actor.tenantId, actor.userId);
    const now = clock.now();
    const mkView = (claim: SchoolRoleClaim): ClaimView => ({ claim, school: { id: school.id, nameEn: school.nameEn, nameCy: school.nameCy } });
    const pending = await claims.pendingOf(actor.tenantId, actor.userId);
    // The same claim again (a retried card) changes nothing.
    if (pending && pending.schoolId === schoolId && pending.role === role)
      return Outcomes.ok({
        view: mkView(pending),
        confirmed: false,
        headExists: role === 'headteacher' && (pending.asked.kind === 'headteacher' || pending.asked.kind === 'headteacherAndAdviser'),
      });
    if (me?.schoolId === schoolId && me.schoolRole === role) {
      // They hold this role already: a pending claim elsewhere is dropped, and nothing else changes.
      await claims.endPending(actor.tenantId, actor.userId, now);
      const held = await claims.confirmedOf(actor.tenantId, actor.userId);
      if (held) return Outcomes.ok({ view: mkView(held), confirmed: true, headExists: false });
    }
    if (this.deps.autoConfirm) {
      const auto = await this.confirmAtOnce(
        actor,
        { tenantId: actor.tenantId, userId: actor.userId, schoolId, role, asked: { kind: 'auto', names: [] } },
        'local-auto-confirm',
      );
      if (auto.kind === 'decided') {
        await this.confirmed(actor.tenantId, actor.userId, schoolId, role);
        return Outcomes.ok({ view: mkView(auto.claim), confirmed: true, headExists: false });
      }
    }
    const who = await this.deciders(actor.tenantId, actor.userId, school.id, school.laCode, role);
    const claim = await db.transaction(async (tx) => {
      const made = await claims.claim({ tenantId: actor.tenantId, userId: actor.userId, schoolId, role, asked: who.asked }, now, tx);
      await this.deps.audit.record(
        {
          at: now,
          tenantId: actor.tenantId,
          actorId: actor.userId,
          action: 'role.claim',
          subjectType: 'schoolRoleClaim',
          subjectId: made.id,
          details: { schoolId, role, asked: who.asked.kind },
        },
        tx,
      );
      return made;
    });
    const view = mkView(claim);
    await this.tellDeciders(who.people, view);
    return Outcomes.ok({ view, confirmed: false, headExists: who.headExists });
  }

  private async confirmAtOnce(actor: Actor, c: Parameters<SqlSchoolRoleClaims['assign']>[1], by: string): Promise<DecideResult> {
    const now = this.deps.clock.now();
    try {
      return await this.deps.db.transaction(async (tx) => {
        const result = await this.deps.claims.assign(tx, c, this.deps.community.tenantsOf(c.tenantId), by, now);
        if (result.kind === 'decided') {
          await this.deps.audit.record(
            {
              at: now,
              tenantId: actor.tenantId,
              actorId: actor.userId,
              action: 'role.assign',
              subjectType: 'schoolRoleClaim',
              subjectId: result.claim.id,
              details: { userId: c.userId, schoolId: c.schoolId, role: c.role, by },
            },
            tx,
          );
        }
        return result;
      });
    } catch (err) {
      if (SqlSchoolRoleClaims.isUniqueViolation(err)) return { kind: 'headTaken' };
      throw err;
    }
  }

  /** A failure here is logged, not fatal: the role is confirmed and recorded either way. */
  private async confirmed(tenantId: string, userId: string, schoolId: number, role: SchoolRole): Promise<void> {
    try {
      await this.deps.roleConfirmed?.(tenantId, userId, schoolId, role);
    } catch (err) {
      this.deps.log.warn('after a confirmed role: held requests not delivered', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private async tellDeciders(people: PersonRef[], view: ClaimView): Promise<void> {
    for (const p of people) {
      const person = await this.deps.users.get(p.tenantId, p.userId);
      if (!person?.personalConversation) continue;
      await this.send(person.personalConversation, this.deps.cards.decide(person.locale ?? this.deps.defaultLocale, view, p.userId));
    }
  }

  private async send(conversation: Record<string, unknown>, card: CardJson): Promise<void> {
    try {
      await this.deps.messenger.send(conversation, { card });
    } catch (err) {
      this.deps.log.warn('proactive send failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** A claim as its decider or its claimant sees it now (the card's refresh). */
  async view(actor: Actor, claimId: string): Promise<Outcome<ClaimView & { canDecide: boolean }>> {
    const claim = await this.deps.claims.get(claimId, this.tenantsOf(actor));
    if (!claim) return Outcomes.notFound('roles.claim.notFound');
    const canDecide = await this.mayDecide(actor, claim);
    const own = claim.tenantId === actor.tenantId && claim.userId === actor.userId;
    if (!own && !canDecide) return Outcomes.forbidden('roles.claim.notDecider');
    const view = await this.viewOf(claim);
    return view ? Outcomes.ok({ ...view, canDecide }) : Outcomes.notFound('roles.claim.notFound');
  }

  /**
   * Confirm or reject. Of two deciders at once exactly one wins (the claim is locked and only a pending claim
   * changes); the same decision retried is answered as done; anyone else is shown what was decided.
   */
  async decide(
    actor: Actor,
    claimId: string,
    decision: 'confirmed' | 'rejected',
    reasonText: string,
  ): Promise<Outcome<ClaimView & { already: boolean }, ClaimView>> {
    const { claims, db, clock } = this.deps;
    const tenants = this.tenantsOf(actor);
    const claim = await claims.get(claimId, tenants);
    if (!claim) return Outcomes.notFound('roles.claim.notFound');
    if (!(await this.mayDecide(actor, claim))) return Outcomes.forbidden('roles.claim.notDecider');
    const view = await this.viewOf(claim);
    if (!view) return Outcomes.notFound('roles.claim.notFound');
    const reason = reasonText.replace(/\s+/g, ' ').trim();
    if (claim.status === 'pending' && decision === 'rejected' && reason === '') return Outcomes.problem('roles.claim.reasonNeeded', undefined, view);
    if (reason.length > MAX_REASON) return Outcomes.problem('roles.claim.reasonTooLong', { max: MAX_REASON }, view);
    const now = clock.now();
    let result: DecideResult;
    try {
      result = await db.transaction(async (tx) => {
        const r = await claims.decide(tx, claimId, tenants, decision, actor.userId, decision === 'rejected' ? reason : null, now);
        if (r.kind === 'decided') {
          await this.deps.audit.record(
            {
              at: now,
              tenantId: actor.tenantId,
              actorId: actor.userId,
              action: decision === 'confirmed' ? 'role.confirm' : 'role.reject',
              subjectType: 'schoolRoleClaim',
              subjectId: claimId,
              details: { userId: claim.userId, schoolId: claim.schoolId, role: claim.role },
            },
            tx,
          );
        }
        return r;
      });
    } catch (err) {
      if (SqlSchoolRoleClaims.isUniqueViolation(err)) return Outcomes.problem('roles.claim.headTaken', undefined, view);
      throw err;
    }
    if (result.kind === 'notFound') return Outcomes.notFound('roles.claim.notFound');
    if (result.kind === 'headTaken') return Outcomes.problem('roles.claim.headTaken', undefined, view);
    const after = { ...view, claim: result.claim };
    if (result.kind === 'alreadyDecided') {
      if (result.claim.decidedBy === actor.userId && result.claim.status === decision) return Outcomes.ok({ ...after, already: true });
      return Outcomes.problem(
        result.claim.status === 'confirmed'
          ? 'roles.claim.alreadyConfirmed'
          : result.claim.status === 'rejected'
            ? 'roles.claim.alreadyRejected'
            : 'roles.claim.ended',
        undefined,
        after,
      );
    }
    const claimant = await this.deps.users.get(claim.tenantId, claim.userId);
    if (claimant?.personalConversation)
      await this.send(claimant.personalConversation, this.deps.cards.decided(claimant.locale ?? this.deps.defaultLocale, after));
    if (decision === 'confirmed') await this.confirmed(claim.tenantId, claim.userId, claim.schoolId, claim.role);
    return Outcomes.ok({ ...after, already: false });
  }

  /** Pending claims this person may decide (the "claims" command). */
  async pendingFor(actor: Actor): Promise<Outcome<ClaimView[]>> {
    const views: ClaimView[] = [];
    for (const claim of await this.deps.claims.pending(this.tenantsOf(actor))) {
      if (!(await this.mayDecide(actor, claim))) continue;
      const view = await this.viewOf(claim);
      if (view) views.push(view);
    }
    return Outcomes.ok(views);
  }

  /** The person's own pending claim, to tell them who has been asked (null: none). */
  pendingOf(actor: Actor): Promise<SchoolRoleClaim | null> {
    return this.deps.claims.pendingOf(actor.tenantId, actor.userId);
  }

  async pendingView(actor: Actor): Promise<ClaimView | null> {
    const claim = await this.pendingOf(actor);
    return claim ? this.viewOf(claim) : null;
  }

  isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin(actor.tenantId, actor.userId);
  }

  async assignView(actor: Actor): Promise<Outcome<{ people: { userId: string; displayName: string | null; schoolName: string | null }[] }>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    return Outcomes.ok({ people: await this.deps.recentPeople(actor.tenantId) });
  }

  /** An admin gives a person a school role directly (confirmed at once, audited). */
  async assign(actor: Actor, input: { userId: string; school: string; role: string }): Promise<Outcome<ClaimView>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    const checked = await this.checkRow(actor.tenantId, input.school, input.userId, input.role);
    if ('key' in checked) return Outcomes.problem(checked.key, checked.params);
    const result = await this.confirmAtOnce(
      actor,
      { tenantId: checked.person.tenantId, userId: checked.person.userId, schoolId: checked.schoolId, role: checked.role, asked: { kind: 'admin', names: [] } },
      actor.userId,
    );
    if (result.kind === 'headTaken') return Outcomes.problem('roles.claim.headTaken');
    if (result.kind !== 'decided') return Outcomes.problem('roles.claim.ended');
    await this.confirmed(actor.tenantId, checked.person.userId, checked.schoolId, checked.role);
    const view = await this.viewOf(result.claim);
    return view ? Outcomes.ok(view) : Outcomes.problem('roles.claim.notFound');
  }

  private async checkRow(
    tenantId: string,
    schoolText: string,
    personText: string,
    roleText: string,
  ): Promise<{ person: UserRecord; schoolId: number; role: SchoolRole } | { key: MessageKey; params?: Record<string, string>; column: string }> {
    const schoolId = /^\d{7}$/.test(schoolText.trim()) ? Number(schoolText.trim()) : null;
    if (schoolId === null || !(await this.schoolOf(schoolId)))
      return { key: 'roles.import.unknownSchool', params: { value: schoolText.slice(0, 40) }, column: 'school' };
    const person = await this.findPerson(tenantId, personText.trim());
    if (!person) return { key: 'roles.import.unknownPerson', params: { value: personText.slice(0, 80) }, column: 'user' };
    const role = ROLE_WORDS.get(roleText.trim().toLowerCase());
    if (!role) return { key: 'roles.import.unknownRole', params: { value: roleText.slice(0, 40) }, column: 'role' };
    return { person, schoolId, role };
  }

  /** A Teams user id of someone in the admin's community who has used the bot (an admin assigns roles across it). */
  private async findPerson(tenantId: string, text: string): Promise<UserRecord | null> {
    if (text === '') return null;
    return this.deps.users.findIn(this.deps.community.tenantsOf(tenantId), text);
  }

  /** CSV: school number, Teams user id, role. Checks every row first; assigns nothing unless all are valid. */
  async importRoles(actor: Actor, csv: string): Promise<RoleImportOutcome> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    if (csv.trim() === '') return Outcomes.problem('admin.import.emptyPaste');
    let records: Record<string, string>[];
    try {
      records = parseCsv(csv);
    } catch {
      return Outcomes.problem('import.failed', { count: 1 }, { errors: [{ line: 1, column: '', key: 'roles.import.badFile' }] });
    }
    const errors: ImportError[] = [];
    const rows: { person: UserRecord; schoolId: number; role: SchoolRole }[] = [];
    const heads = new Map<number, number>();
    for (const [i, r] of records.entries()) {
      const line = i + 2;
      const checked = await this.checkRow(actor.tenantId, r.school ?? r.school_number ?? '', r.user ?? r.user_id ?? r.upn ?? '', r.role ?? '');
      if ('key' in checked) {
        errors.push({ line, column: checked.column, key: checked.key, params: checked.params });
        continue;
      }
      if (checked.role === 'headteacher') {
        if (heads.has(checked.schoolId)) errors.push({ line, column: 'school', key: 'roles.import.twoHeads', params: { other: heads.get(checked.schoolId)! } });
        heads.set(checked.schoolId, line);
      }
      rows.push(checked);
    }
    if (records.length === 0) errors.push({ line: 1, column: '', key: 'roles.import.badFile' });
    if (errors.length > 0) return Outcomes.problem('import.failed', { count: errors.length }, { errors });
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      for (const row of rows) {
        const r = await this.deps.claims.assign(
          tx,
          { tenantId: row.person.tenantId, userId: row.person.userId, schoolId: row.schoolId, role: row.role, asked: { kind: 'admin', names: [] } },
          this.tenantsOf(actor),
          actor.userId,
          now,
        );
        if (r.kind !== 'decided') throw new Error('role import: a row could not be assigned');
      }
      await this.deps.audit.record(
        {
          at: now,
          tenantId: actor.tenantId,
          actorId: actor.userId,
          action: 'role.import',
          subjectType: 'schoolRoles',
          subjectId: 'import',
          details: { assigned: rows.length },
        },
        tx,
      );
    });
    for (const row of rows) await this.confirmed(actor.tenantId, row.person.userId, row.schoolId, row.role);
    return Outcomes.ok({ assigned: rows.length });
  }
}
