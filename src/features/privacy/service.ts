import type { Clock } from '../../platform/clock';
import type { Logger } from '../../platform/log';
import type { Database } from '../../platform/db/db';
import { DELETED_PERSON_ID, touchedRecords, type DeletionSummary, type PersonExport, type PersonMatch, type PersonalDataStore } from './repository';
import type { SqlAuditLog, SqlRoleRepository } from '../people/roles';
import type { Actor } from '../../platform/actor';
import { Outcomes, type Outcome } from '../../platform/outcome';

export interface PersonalDataDeps {
  db: Database;
  store: PersonalDataStore;
  roles: SqlRoleRepository;
  audit: SqlAuditLog;
  clock: Clock;
  log: Logger;
  /** Turn state untouched for this many days is deleted by the daily retention job. */
  turnStateRetentionDays: number;
}

/** Thrown to roll a deletion back after counting it: the confirmation card shows exact numbers. */
class PreviewOnly extends Error {
  constructor(readonly summary: DeletionSummary) {
    super('deletion previewed, rolled back');
  }
}

/**
 * An admin's requests about one person's data (export, deletion), and the retention rules.
 * Every use case checks the admin role itself, whatever the card sent; each export and
 * deletion is written to the audit log (a deletion without the deleted person's details).
 */
export class PersonalDataService {
  constructor(private readonly deps: PersonalDataDeps) {}

  isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin(actor.tenantId, actor.userId);
  }

  /** People in the admin's tenant matching a name or Teams user id; `more` when the list was cut short. */
  async find(actor: Actor, query: string, limit = 8): Promise<Outcome<{ people: PersonMatch[]; more: boolean }>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    const found = await this.deps.store.findPeople(actor.tenantId, query, limit + 1);
    return Outcomes.ok({ people: found.slice(0, limit), more: found.length > limit });
  }

  private async person(actor: Actor, userId: string): Promise<PersonMatch | null> {
    return (await this.deps.store.findPeople(actor.tenantId, userId, 1)).find((p) => p.userId === userId) ?? null;
  }

  async export(actor: Actor, userId: string): Promise<Outcome<{ person: PersonMatch; doc: PersonExport }>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    const person = await this.person(actor, userId);
    if (!person) return Outcomes.notFound('privacy.export.nothing');
    const doc = await this.deps.store.exportPerson(actor.tenantId, userId);
    await this.deps.audit.record({
      at: this.deps.clock.now(),
      tenantId: actor.tenantId,
      actorId: actor.userId,
      action: 'person.export',
      subjectType: 'user',
      subjectId: userId,
    });
    return Outcomes.ok({ person, doc });
  }

  /** What deleting would do, counted exactly by doing it in a transaction that is then rolled back. */
  async previewDeletion(actor: Actor, userId: string): Promise<Outcome<{ person: PersonMatch; preview: DeletionSummary }>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    if (userId === actor.userId) return Outcomes.problem('privacy.delete.self');
    const person = await this.person(actor, userId);
    if (!person) return Outcomes.notFound('privacy.delete.nothing');
    try {
      await this.deps.db.transaction(async (tx) => {
        throw new PreviewOnly(await this.deps.store.deletePerson(actor.tenantId, userId, tx));
      });
    } catch (err) {
      if (err instanceof PreviewOnly) return Outcomes.ok({ person, preview: err.summary });
      throw err;
    }
    throw new Error('unreachable: a preview always rolls back');
  }

  /** Deletes and anonymises in one transaction with its audit entry. Again: nothing found, nothing done. */
  async delete(actor: Actor, userId: string): Promise<Outcome<{ summary: DeletionSummary; name: string }>> {
    if (!(await this.isAdmin(actor))) return Outcomes.forbidden('admin.only');
    if (userId === actor.userId) return Outcomes.problem('privacy.delete.self');
    const person = await this.person(actor, userId);
    const summary = await this.deps.db.transaction(async (tx) => {
      const done = await this.deps.store.deletePerson(actor.tenantId, userId, tx);
      if (touchedRecords(done) > 0) {
        await this.deps.audit.record(
          {
            at: this.deps.clock.now(),
            tenantId: actor.tenantId,
            actorId: actor.userId,
            action: 'person.delete',
            subjectType: 'person',
            subjectId: DELETED_PERSON_ID,
            details: { ...done },
          },
          tx,
        );
      }
      return done;
    });
    if (touchedRecords(summary) === 0) return Outcomes.notFound('privacy.delete.nothing');
    this.deps.log.info('personal data deleted', { tenantId: actor.tenantId, by: actor.userId, ...summary });
    return Outcomes.ok({ summary, name: person?.displayName ?? userId });
  }

  /** The app was removed from someone's personal chat. */
  async personalChatRemoved(tenantId: string, userId: string, conversationId: string): Promise<void> {
    const removed = await this.deps.store.forgetPersonalChat(tenantId, userId, conversationId);
    this.deps.log.info('personal chat removed: its reference and turn state were deleted', { tenantId, turnState: removed });
  }

  /** The daily retention job. */
  async applyRetention(): Promise<{ turnState: number }> {
    const turnState = await this.deps.store.purgeTurnState(this.deps.turnStateRetentionDays);
    if (turnState > 0) this.deps.log.info('old turn state deleted', { count: turnState, olderThanDays: this.deps.turnStateRetentionDays });
    return { turnState };
  }
}
