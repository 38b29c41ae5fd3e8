import type { Actor } from '../../platform/actor';
import type { Clock } from '../../platform/clock';
import type { Database } from '../../platform/db/db';
import { Outcomes, type Outcome } from '../../platform/outcome';
import { importDirectory, type ImportError } from '../directory/import';
import type { SqlSchoolRepository, StrengthRecord } from '../directory/repository';
import { findOneSchool } from '../directory/find';
import { isPriorityArea, type PriorityArea } from '../plans/priorities';
import type { Role, RoleGrant, SqlAuditLog, SqlRoleRepository } from '../people/roles';
import type { UserRepository } from '../people/users';
import type { KnownPerson, SqlMatchingAdminRepository } from './repository';

export interface AdminServiceDeps {
  db: Database;
  admin: SqlMatchingAdminRepository;
  roles: SqlRoleRepository;
  audit: SqlAuditLog;
  users: UserRepository;
  schools: SqlSchoolRepository;
  clock: Clock;
  /** Called after the directory, a school's strengths or its capacity change (the matching index is rebuilt). */
  directoryChanged: () => void;
  /** Called once a role is granted and recorded: FADE sends a waiting report to a new reviewer, matching hands held requests to a new adviser. */
  roleGranted?: (grant: RoleGrant) => Promise<unknown>;
}

export interface LocalAuthority {
  code: number;
  nameEn: string;
  nameCy: string;
}

export interface NamedSchool {
  id: number;
  nameEn: string;
  nameCy: string | null;
}

export interface RolesView {
  people: KnownPerson[];
  las: LocalAuthority[];
  grants: (RoleGrant & { displayName: string | null; school: NamedSchool | null })[];
}

export interface RoleGranted {
  person: { userId: string; displayName: string | null };
  role: Role;
  /** Where the role holds: a school, a local authority, or everywhere (both null). */
  school: NamedSchool | null;
  la: LocalAuthority | null;
}

export interface GrantRoleInput {
  userId: string;
  role: Role;
  /** An LA code, or 'all'. */
  laCode: string;
  /** A school's number or name, or ''. */
  school: string;
}

export interface SchoolProfile {
  school: NamedSchool;
  capacity: number;
  open: boolean;
  strengths: StrengthRecord[];
}

export interface ProfileInput {
  schoolId: number;
  capacity: string;
  openToRequests: boolean;
  strengths: { area: string | undefined; description: string | undefined }[];
}

/** The directory import's answer: what changed, or every problem found (and nothing written). */
export type ImportOutcome = Outcome<{ inserted: number; updated: number }, { errors: ImportError[] }>;

/**
 * Admins' duties (roles, the school directory) and a head's own school profile. Every use case
 * checks the person's role here, whatever the card sent, and writes its audit entry.
 */
export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  private isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin(actor.tenantId, actor.userId);
  }

  async rolesView(actor: Actor): Promise<Outcome<RolesView>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    const { admin, roles, schools } = this.deps;
    const [people, las] = await Promise.all([admin.recentPeople(actor.tenantId), admin.localAuthorities()]);
    const grants = (
      await Promise.all(
        people.map(async (p) =>
          Promise.all(
            (await roles.rolesOf(actor.tenantId, p.userId)).map(async (g) => ({
              ...g,
              displayName: p.displayName,
              school: g.schoolId ? await schools.get(g.schoolId) : null,
            })),
          ),
        ),
      )
    ).flat();
    return Outcomes.ok({ people, las, grants });
  }

  async grantRole(actor: Actor, input: GrantRoleInput): Promise<Outcome<RoleGranted>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    const { users, admin } = this.deps;
    const person = input.userId ? await users.get(actor.tenantId, input.userId) : null;
    if (!person) return Outcomes.problem('admin.roles.unknownPerson');
    const laCode = input.laCode === 'all' ? null : Number(input.laCode);
    const typedSchool = input.school.trim();
    if (input.role === 'admin' && (laCode !== null || typedSchool !== '')) return Outcomes.problem('admin.roles.adminEverywhere');
    const granted = { person: { userId: person.userId, displayName: person.displayName }, role: input.role };
    if (typedSchool !== '') {
      const found = await findOneSchool(this.deps.schools, typedSchool);
      if (found.kind === 'none') return Outcomes.problem('admin.roles.schoolNotFound', { name: typedSchool, list: '' });
      if (found.kind === 'many')
        return Outcomes.problem('admin.roles.schoolAmbiguous', {
          name: typedSchool,
          list: { en: found.names.map((n) => n.en).join('; '), cy: found.names.map((n) => n.cy).join('; ') },
        });
      await this.recordGrant(
        actor,
        { tenantId: actor.tenantId, userId: person.userId, role: input.role, laCode: null, schoolId: found.school.id },
        { role: input.role, schoolId: found.school.id },
      );
      return Outcomes.ok({ ...granted, school: found.school, la: null });
    }
    const la = laCode === null ? null : ((await admin.localAuthorities()).find((l) => l.code === laCode) ?? null);
    if (laCode !== null && !la) return Outcomes.problem('admin.roles.unknownPerson');
    await this.recordGrant(actor, { tenantId: actor.tenantId, userId: person.userId, role: input.role, laCode }, { role: input.role, laCode });
    return Outcomes.ok({ ...granted, school: null, la });
  }

  private async recordGrant(actor: Actor, grant: RoleGrant, details: Record<string, unknown>): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      await this.deps.roles.grant(grant, actor.userId, tx);
      await this.deps.audit.record(
        {
          at: this.deps.clock.now(),
          tenantId: actor.tenantId,
          actorId: actor.userId,
          action: 'role.grant',
          subjectType: 'user',
          subjectId: grant.userId,
          details,
        },
        tx,
      );
    });
    await this.deps.roleGranted?.(grant);
  }

  /** May this person import the directory? (The import card is shown only to them.) */
  async canImport(actor: Actor): Promise<Outcome<true>> {
    return (await this.isAdmin(actor)) ? Outcomes.ok(true) : Outcomes.forbidden('admin.only');
  }

  /** Checks the whole file first; writes nothing unless every row is valid. */
  async importSchools(actor: Actor, csv: string): Promise<ImportOutcome> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    if (csv.trim() === '') return Outcomes.problem('admin.import.emptyPaste');
    const result = await importDirectory(this.deps.db, csv);
    if (result.errors.length > 0) return Outcomes.problem('import.failed', { count: result.errors.length }, { errors: result.errors });
    await this.deps.audit.record({
      at: this.deps.clock.now(),
      tenantId: actor.tenantId,
      actorId: actor.userId,
      action: 'directory.import',
      subjectType: 'directory',
      subjectId: 'schools',
      details: { inserted: result.inserted, updated: result.updated },
    });
    this.deps.directoryChanged();
    return Outcomes.ok({ inserted: result.inserted, updated: result.updated });
  }

  /** The school this person leads (as its headteacher or a deputy), if any. */
  private async ownSchool(actor: Actor): Promise<number | null> {
    const user = await this.deps.users.get(actor.tenantId, actor.userId);
    return user && user.schoolId !== null && (user.schoolRole === 'headteacher' || user.schoolRole === 'deputy') ? user.schoolId : null;
  }

  async ownProfile(actor: Actor): Promise<Outcome<SchoolProfile>> {
    const schoolId = await this.ownSchool(actor);
    const profile = schoolId === null ? null : await this.profile(schoolId);
    return profile ? Outcomes.ok(profile) : Outcomes.problem('profile.notHead');
  }

  private async profile(schoolId: number): Promise<SchoolProfile | null> {
    const school = await this.deps.schools.get(schoolId);
    if (!school) return null;
    const strengths = await this.deps.schools.strengths(schoolId);
    return { school, capacity: school.capacity, open: school.openToRequests, strengths };
  }

  /** A head changes their own school's capacity, openness and self-stated strengths (never another school's). */
  async saveOwnProfile(actor: Actor, input: ProfileInput, maxSlots: number): Promise<Outcome<SchoolProfile, SchoolProfile>> {
    const schoolId = await this.ownSchool(actor);
    if (schoolId === null || schoolId !== input.schoolId) return Outcomes.forbidden('profile.notHead');
    const current = await this.profile(schoolId);
    if (!current) return Outcomes.forbidden('profile.notHead');
    const capacityText = input.capacity.trim();
    const capacity = Number(capacityText);
    if (!/^\d{1,2}$/.test(capacityText) || capacity > 20) return Outcomes.problem('profile.badCapacity', undefined, current);
    const picked: { area: PriorityArea; description: string }[] = [];
    for (const { area, description } of input.strengths.slice(0, maxSlots)) {
      if (!area || area === 'none') continue;
      if (!isPriorityArea(area)) return Outcomes.problem('error.badPayload', undefined, current);
      if (picked.some((p) => p.area === area)) return Outcomes.problem('profile.duplicateArea', undefined, current);
      const text = (description ?? '').replace(/\s+/g, ' ').trim();
      if (text === '' || text.length > 500) return Outcomes.problem('profile.descriptionNeeded', undefined, current);
      picked.push({ area, description: text });
    }
    await this.deps.db.transaction(async (tx) => {
      await this.deps.schools.saveOwnProfile(schoolId, { capacity, openToRequests: input.openToRequests, strengths: picked }, tx);
      await this.deps.audit.record(
        {
          at: this.deps.clock.now(),
          tenantId: actor.tenantId,
          actorId: actor.userId,
          action: 'school.profile',
          subjectType: 'school',
          subjectId: String(schoolId),
          details: { capacity, open: input.openToRequests, areas: picked.map((p) => p.area) },
        },
        tx,
      );
    });
    this.deps.directoryChanged();
    return Outcomes.ok((await this.profile(schoolId)) ?? current);
  }
}
