import type { Actor } from '../../platform/actor';
import type { CardJson } from '../../platform/cards/render';
import type { Clock } from '../../platform/clock';
import type { Database } from '../../platform/db/db';
import { localeFromTag, type Locale } from '../../platform/i18n';
import type { Logger } from '../../platform/log';
import { Outcomes, type Outcome } from '../../platform/outcome';
import type { Messenger } from '../../platform/teams/messenger';

import type { SchoolDetails, SqlSchoolRepository, StrengthRecord } from '../directory/repository';
import type { SqlAuditLog, SqlRoleRepository } from '../people/roles';
import type { UserRepository } from '../people/users';
import type { Community } from '../../platform/community';
import { isPriorityArea, type PriorityArea } from '../plans/priorities';
import type { SqlRequestRepository } from './repository';

/** One school's strengths as an adviser covering it sees them. */
export interface StrengthReview {
  school: SchoolDetails;
  strengths: StrengthRecord[];
}

/** The school's strengths as they now stand, and what this call changed; a problem carries the review to draw again. */
export type EvidenceOutcome = Outcome<StrengthReview & { change?: { area: PriorityArea; action: 'verified' | 'withdrawn' } }, StrengthReview>;

export interface StrengthEvidenceDeps {
  db: Database;
  schools: SqlSchoolRepository;
  roles: SqlRoleRepository;
  /** The adviser's community: the school's heads may be in another of its tenants. */
  community: Community;
  audit: SqlAuditLog;
  requests: SqlRequestRepository;
  users: UserRepository;
  messenger: Messenger;
  clock: Clock;
  log: Logger;
  defaultLocale: Locale;
  /** What the school's head is told, in their language. */
  toldCard: (locale: Locale, what: { action: 'verified' | 'withdrawn'; area: PriorityArea; adviserName: string; school: SchoolDetails; at: Date }) => CardJson;
  /** The ranking index is rebuilt after a change. */
  directoryChanged: () => void;
}

/**
 * Evidence behind a school's strengths: an adviser covering the school (by name or by its LA) verifies a
 * strength the school states, or withdraws one the evidence does not bear out. Checked on the server
 * whatever the card sent, written with its audit entry in one transaction, and the school's head is told.
 */
export class StrengthEvidenceService {
  constructor(private readonly deps: StrengthEvidenceDeps) {}

  private async covered(actor: Actor, schoolId: number): Promise<Outcome<SchoolDetails>> {
    const school = await this.deps.schools.get(schoolId);
    if (!school) return Outcomes.notFound('evidence.notFound');
    const adviser = await this.deps.roles.holds(actor.tenantId, actor.userId, 'adviser', school.laCode, school.id);
    return adviser ? Outcomes.ok(school) : Outcomes.forbidden('evidence.notAdviser');
  }

  async review(actor: Actor, schoolId: number): Promise<EvidenceOutcome> {
    const covered = await this.covered(actor, schoolId);
    if (covered.kind !== 'ok') return covered;
    return Outcomes.ok({ school: covered.value, strengths: await this.deps.schools.strengths(covered.value.id) });
  }

  async verify(actor: Actor, schoolId: number, area: string): Promise<EvidenceOutcome> {
    return this.change(actor, schoolId, area, 'verified');
  }

  async withdraw(actor: Actor, schoolId: number, area: string): Promise<EvidenceOutcome> {
    return this.change(actor, schoolId, area, 'withdrawn');
  }

  private async change(actor: Actor, schoolId: number, area: string, action: 'verified' | 'withdrawn'): Promise<EvidenceOutcome> {
    const covered = await this.covered(actor, schoolId);
    if (covered.kind !== 'ok') return covered;
    const school = covered.value;
    const now = this.deps.clock.now();
    const done =
      isPriorityArea(area) &&
      (await this.deps.db.transaction(async (tx) => {
        const before = (await this.deps.schools.strengths(school.id, tx)).find((s) => s.area === area);
        if (!before) return false;
        if (action === 'verified') await this.deps.schools.verifyStrength(school.id, area, now, tx);
        else await this.deps.schools.withdrawStrength(school.id, area, tx);
        await this.deps.audit.record(
          {
            at: now,
            tenantId: actor.tenantId,
            actorId: actor.userId,
            action: action === 'verified' ? 'strength.verify' : 'strength.withdraw',
            subjectType: 'school',
            subjectId: String(school.id),
            details: { area, before: before.statedBy, description: before.description.slice(0, 500) },
          },
          tx,
        );
        return true;
      }));
    const strengths = await this.deps.schools.strengths(school.id);
    if (!done) return Outcomes.problem('evidence.problem.noStrength', undefined, { school, strengths });
    this.deps.directoryChanged();
    await this.tellHeads(actor, school, area as PriorityArea, action, now);
    return Outcomes.ok({ change: { area: area as PriorityArea, action }, school, strengths });
  }

  /** The school's head and deputies hear of it; a failed send is logged, the change already stands. */
  private async tellHeads(actor: Actor, school: SchoolDetails, area: PriorityArea, action: 'verified' | 'withdrawn', at: Date): Promise<void> {
    const adviser = await this.deps.users.get(actor.tenantId, actor.userId);
    const adviserName = adviser?.displayName ?? '—';
    for (const head of await this.deps.requests.headsOf(this.deps.community.tenantsOf(actor.tenantId), school.id)) {
      if (!head.personalConversation) continue;
      const tag = head.personalConversation.locale;
      const locale = head.locale ?? localeFromTag(typeof tag === 'string' ? tag : undefined, this.deps.defaultLocale);
      try {
        await this.deps.messenger.send(head.personalConversation, { card: this.deps.toldCard(locale, { action, area, adviserName, school, at }) });
      } catch (err) {
        this.deps.log.warn('proactive send failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}
