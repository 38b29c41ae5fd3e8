import { newPlan } from '../../src/features/plans/plan';
import { SqlStateStore } from '../../src/platform/teams/botStateRepository';
import type { Database } from '../../src/platform/db/db';
import { loadMigrations, migrate } from '../../src/platform/db/migrate';
import { SqlNotificationRepository } from '../../src/platform/jobs/notifications';
import { SqlPlanRepository } from '../../src/features/plans/repository';
import { openPostgres, StatementNames } from '../../src/platform/db/postgres';
import { SqlAuditLog, SqlRoleRepository } from '../../src/features/people/roles';
import { SqlUserRepository } from '../../src/features/people/users';
import { SqlSchoolRoleClaims } from '../../src/features/people/claims';
import { databasesUnderTest } from '../support/databases';
import { ManualClock } from '../../src/platform/clock';
import { RATE_LIMITS, SqlRateLimits } from '../../src/platform/rateLimits';
import { seedSmallDirectory } from '../support/harness';
import { ScratchDatabase } from '../support/throwawayPostgres';

const now = new Date('2026-09-07T09:00:00Z');
const PLAN_ID = '7d0f9a3e-1111-4222-8333-944444444444';

describe.each(databasesUnderTest())('repositories on $name', ({ open }) => {
  let db: Database;
  beforeEach(async () => {
    db = await open();
    await seedSmallDirectory(db);
  });
  afterEach(() => db.close());

  it('applies every migration once, even when asked again', async () => {
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number }>('select version from schema_migrations order by version');
    expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
  });

  describe('users', () => {
    it('creates on first touch, keeps the personal conversation, and stores school and locale', async () => {
      const users = new SqlUserRepository(db);
      expect(await users.get('t', 'u')).toBeNull();
      await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann', personalConversation: { conversation: { id: 'a:1' } } });
      await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann Jones' });
      await users.recordConfirmedSchool('t', 'u', 6784001, 'deputy', db);
      await users.setLocale('t', 'u', 'cy');
      expect(await users.get('t', 'u')).toEqual({
        tenantId: 't',
        userId: 'u',
        displayName: 'Ann Jones',
        locale: 'cy',
        schoolId: 6784001,
        schoolRole: 'deputy',
        personalConversation: { conversation: { id: 'a:1' } },
        lastPlanId: null,
      });
      expect(await users.get('other-tenant', 'u')).toBeNull();
    });

    it('writes on touch only when the name or the personal chat changed, however the stored keys are ordered', async () => {
      const users = new SqlUserRepository(db);
      const reference = { user: { id: '29:u', name: 'Ann' }, conversation: { id: 'a:1', conversationType: 'personal' }, serviceUrl: 'https://smba.example/' };
      await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann', personalConversation: reference });
      const stamp = async () => (await db.query<{ at: string }>("select updated_at::text as at, xmin::text as x from users where user_id = 'u'"))[0];
      const first = await stamp();
      // The same reference with its keys in another order, as jsonb hands them back: nothing to write.
      const reordered = { serviceUrl: reference.serviceUrl, conversation: { conversationType: 'personal', id: 'a:1' }, user: { name: 'Ann', id: '29:u' } };
      await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann', personalConversation: reordered });
      await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann' });
      expect(await stamp()).toEqual(first);
      // A new chat is written.
      await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann', personalConversation: { ...reference, serviceUrl: 'https://smba.example/emea/' } });
      expect((await users.get('t', 'u'))?.personalConversation).toMatchObject({ serviceUrl: 'https://smba.example/emea/' });
      expect(await stamp()).not.toEqual(first);
    });
  });

  describe('school role claims', () => {
    const asked = { kind: 'admin' as const, names: [] };
    async function people(...ids: string[]) {
      const users = new SqlUserRepository(db);
      for (const id of ids) await users.touch({ tenantId: 't', userId: id, displayName: id });
      return { users, claims: new SqlSchoolRoleClaims(db, users) };
    }

    it('of two deciders at once, exactly one decides; the role is written only on confirmation', async () => {
      const { users, claims } = await people('u');
      const claim = await claims.claim({ tenantId: 't', userId: 'u', schoolId: 6784001, role: 'deputy', asked }, now);
      expect(await users.get('t', 'u')).toMatchObject({ schoolId: null, schoolRole: null });
      const results = await Promise.all([
        db.transaction((tx) => claims.decide(tx, claim.id, ['t'], 'confirmed', 'head', null, now)),
        db.transaction((tx) => claims.decide(tx, claim.id, ['t'], 'rejected', 'adviser', 'not staff', now)),
      ]);
      expect(results.map((r) => r.kind).sort()).toEqual(['alreadyDecided', 'decided']);
      const winner = results.find((r) => r.kind === 'decided') as { claim: { status: string; decidedBy: string } };
      expect(await claims.get(claim.id, ['t'])).toMatchObject({ status: winner.claim.status, decidedBy: winner.claim.decidedBy });
      expect((await users.get('t', 'u'))?.schoolId).toBe(winner.claim.status === 'confirmed' ? 6784001 : null);
    });

    it('keeps one confirmed headteacher per school, and a new role ends the old one', async () => {
      const { users, claims } = await people('a', 'b');
      await db.transaction((tx) => claims.assign(tx, { tenantId: 't', userId: 'a', schoolId: 6784001, role: 'headteacher', asked }, ['t'], 'admin', now));
      const b = await claims.claim({ tenantId: 't', userId: 'b', schoolId: 6784001, role: 'headteacher', asked }, now);
      await expect(db.query(`update school_role_claims set status = 'confirmed' where id = $1`, [b.id])).rejects.toThrow();
      // Moving school: the new role is confirmed, the old one ended.
      await db.transaction((tx) => claims.assign(tx, { tenantId: 't', userId: 'a', schoolId: 6782002, role: 'deputy', asked }, ['t'], 'admin', now));
      expect(await users.get('t', 'a')).toMatchObject({ schoolId: 6782002, schoolRole: 'deputy' });
      expect(await claims.confirmedHead(['t'], 6784001)).toBeNull();
    });
  });

  describe('plans', () => {
    it('round-trips a plan and refuses an update from an old version', async () => {
      await new SqlUserRepository(db).touch({ tenantId: 't', userId: 'u', displayName: null });
      const plans = new SqlPlanRepository(db);
      const plan = newPlan(PLAN_ID, { tenantId: 't', userId: 'u', schoolId: 6784001 }, now);
      await plans.create(plan);
      expect(await plans.get(PLAN_ID, ['t'])).toEqual(plan);

      const v2 = {
        ...plan,
        version: 2,
        answers: { focus: "KS4 maths; 'quoted' -- not SQL" },
        fieldVersions: { focus: 2 },
        updatedAt: new Date('2026-09-08T09:00:00Z'),
      };
      expect(await plans.update(v2, 1)).toBe(true);
      expect(await plans.update({ ...v2, version: 3, answers: { focus: 'lost update' } }, 1)).toBe(false);
      expect(await plans.get(PLAN_ID, ['t'])).toEqual(v2);
      expect(await plans.get('not-a-uuid', ['t'])).toBeNull();
      expect((await plans.listForOwner('t', 'u', 10)).map((p) => p.id)).toEqual([PLAN_ID]);
      expect(await plans.listForOwner('t', 'someone-else', 10)).toEqual([]);
    });

    it('keeps the work of a transaction that fails from being half-saved', async () => {
      await new SqlUserRepository(db).touch({ tenantId: 't', userId: 'u', displayName: null });
      const plans = new SqlPlanRepository(db);
      await expect(
        db.transaction(async (tx) => {
          await plans.create(newPlan(PLAN_ID, { tenantId: 't', userId: 'u', schoolId: null }, now), tx);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await plans.get(PLAN_ID, ['t'])).toBeNull();
    });
  });

  describe('bot state', () => {
    it('reads what it wrote and refuses a write from a stale eTag', async () => {
      const store = new SqlStateStore(db);
      await store.write({ 'conv/1': { count: 1 } });
      const first = await store.read(['conv/1', 'missing']);
      expect(Object.keys(first)).toEqual(['conv/1']);
      expect(first['conv/1']).toMatchObject({ count: 1 });
      await store.write({ 'conv/1': { ...first['conv/1'], count: 2 } });
      await expect(store.write({ 'conv/1': { ...first['conv/1'], count: 3 } })).rejects.toThrow(/stale/);
      expect((await store.read(['conv/1']))['conv/1']).toMatchObject({ count: 2 });
      await store.write({ 'conv/1': { count: 9, eTag: '*' } });
      expect((await store.read(['conv/1']))['conv/1']).toMatchObject({ count: 9 });
      await store.delete(['conv/1']);
      expect(await store.read(['conv/1'])).toEqual({});
    });
  });

  describe('scheduled notifications', () => {
    const base = { kind: 'impactNudge' as const, tenantId: 't', recipientId: 'u', subjectId: PLAN_ID };

    it('schedules once per key and releases by the clock it is given', async () => {
      const repo = new SqlNotificationRepository(db);
      expect(await repo.schedule({ ...base, dedupeKey: 'k1', dueAt: new Date('2026-12-01T09:00:00Z') })).toBe(true);
      expect(await repo.schedule({ ...base, dedupeKey: 'k1', dueAt: new Date('2026-12-02T09:00:00Z') })).toBe(false);
      expect(await repo.claimDue(new Date('2026-11-30T09:00:00Z'), 10)).toEqual([]);
      const claimed = await repo.claimDue(new Date('2026-12-01T09:00:00Z'), 10);
      expect(claimed.map((n) => [n.dedupeKey, n.status, n.attempts])).toEqual([['k1', 'queued', 1]]);
      expect(await repo.claimDue(new Date('2026-12-05T09:00:00Z'), 10)).toEqual([]);
      expect(await repo.markSent(claimed[0].id, now)).toBe(true);
      expect(await repo.markSent(claimed[0].id, now)).toBe(false);
    });

    it('lets two claimers share the due work without overlap', async () => {
      const repo = new SqlNotificationRepository(db);
      for (let i = 0; i < 20; i++) await repo.schedule({ ...base, dedupeKey: `k${i}`, dueAt: now });
      const [a, b] = await Promise.all([repo.claimDue(now, 15), repo.claimDue(now, 15)]);
      const ids = [...a, ...b].map((n) => n.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('schedules many in one go, more than one statement holds, each key once ever', async () => {
      const repo = new SqlNotificationRepository(db);
      const many = Array.from({ length: 2_300 }, (_, i) => ({ ...base, dedupeKey: `m${i}`, dueAt: new Date(now.getTime() + i * 60_000) }));
      expect(await repo.scheduleMany(many.slice(0, 1_200))).toBe(1_200);
      // Again with the first 1,200 among them (as a retried job would): only the new ones are added.
      expect(await repo.scheduleMany(many)).toBe(1_100);
      const [row] = await db.query<{ n: number; first: Date }>(
        "select count(*)::int as n, min(due_at) as first from scheduled_notifications where dedupe_key like 'm%'",
      );
      expect(row.n).toBe(2_300);
      expect(new Date(row.first).toISOString()).toBe(now.toISOString());
    });
  });

  describe('rate limits', () => {
    it('counts each person and action in windows of the clock, refuses past the limit, and keeps no finished window', async () => {
      const clock = new ManualClock(new Date('2026-09-07T09:00:10Z'));
      const limits = new SqlRateLimits(db, clock);
      const ann = { tenantId: 't', userId: 'ann' };
      const taken: boolean[] = [];
      for (let i = 0; i < RATE_LIMITS.message.max + 1; i++) taken.push(await limits.take(ann, 'message'));
      expect(taken.filter(Boolean)).toHaveLength(RATE_LIMITS.message.max);
      expect(taken.at(-1)).toBe(false);
      // Someone else, and another action, count apart.
      expect(await limits.take({ tenantId: 't', userId: 'bob' }, 'message')).toBe(true);
      expect(await limits.take(ann, 'newPlan')).toBe(true);
      // The next window starts afresh, and the finished one is gone.
      clock.set(new Date('2026-09-07T09:01:00Z'));
      expect(await limits.take(ann, 'message')).toBe(true);
      const windows = await db.query<{ count: number }>("select count from rate_limits where user_id = 'ann' and action = 'message'");
      expect(windows).toEqual([{ count: 1 }]);
    });
  });
});

describe.each(databasesUnderTest())('roles and audit on $name', ({ open }) => {
  let db: Database;
  beforeEach(async () => {
    db = await open();
    await seedSmallDirectory(db);
  });
  afterEach(() => db.close());

  it('grants roles per LA, treats configured admins as admins, and revokes', async () => {
    const roles = new SqlRoleRepository(db, ['first-admin']);
    expect(await roles.isAdmin('t', 'first-admin')).toBe(true);
    expect(await roles.isAdmin('t', 'adviser-1')).toBe(false);
    await roles.grant({ tenantId: 't', userId: 'adviser-1', role: 'adviser', laCode: 678 }, 'first-admin');
    await roles.grant({ tenantId: 't', userId: 'adviser-1', role: 'adviser', laCode: 678 }, 'first-admin');
    await roles.grant({ tenantId: 't', userId: 'adviser-all', role: 'adviser', laCode: null }, 'first-admin');
    expect(await roles.holds('t', 'adviser-1', 'adviser', 678)).toBe(true);
    expect(await roles.holds('t', 'adviser-1', 'adviser', 669)).toBe(false);
    expect(await roles.holds('other-tenant', 'adviser-1', 'adviser', 678)).toBe(false);
    expect(await roles.holders(['t'], 'adviser', 678)).toEqual(['adviser-1', 'adviser-all'].map((userId) => ({ tenantId: 't', userId })));
    expect(await roles.holders(['t'], 'adviser', 669)).toEqual(['adviser-all'].map((userId) => ({ tenantId: 't', userId })));
    await roles.revoke({ tenantId: 't', userId: 'adviser-1', role: 'adviser', laCode: 678 });
    expect(await roles.holders(['t'], 'adviser', 678)).toEqual(['adviser-all'].map((userId) => ({ tenantId: 't', userId })));
  });

  it('assigns advisers to named schools: the school’s own adviser is asked first, and covers that school alone', async () => {
    const roles = new SqlRoleRepository(db);
    await roles.grant({ tenantId: 't', userId: 'la-adviser', role: 'adviser', laCode: 678 }, 'admin');
    await roles.grant({ tenantId: 't', userId: 'caseload', role: 'adviser', laCode: null, schoolId: 6784001 }, 'admin');
    await roles.grant({ tenantId: 't', userId: 'caseload', role: 'adviser', laCode: null, schoolId: 6784001 }, 'admin');
    expect(await roles.holders(['t'], 'adviser', 678, 6784001)).toEqual(['caseload'].map((userId) => ({ tenantId: 't', userId })));
    expect(await roles.holders(['t'], 'adviser', 678, 6782002)).toEqual(['la-adviser'].map((userId) => ({ tenantId: 't', userId })));
    expect(await roles.holders(['t'], 'adviser', 678)).toEqual(['la-adviser'].map((userId) => ({ tenantId: 't', userId })));
    expect(await roles.holds('t', 'caseload', 'adviser', 678, 6784001)).toBe(true);
    expect(await roles.holds('t', 'caseload', 'adviser', 678, 6782002)).toBe(false);
    expect(await roles.holds('t', 'la-adviser', 'adviser', 678, 6784001)).toBe(true);
    expect(await roles.rolesOf('t', 'caseload')).toEqual([{ tenantId: 't', userId: 'caseload', role: 'adviser', laCode: null, schoolId: 6784001 }]);
    await roles.revoke({ tenantId: 't', userId: 'caseload', role: 'adviser', laCode: null, schoolId: 6784001 });
    expect(await roles.holders(['t'], 'adviser', 678, 6784001)).toEqual(['la-adviser'].map((userId) => ({ tenantId: 't', userId })));
  });

  it('keeps an ordered audit trail per subject', async () => {
    const audit = new SqlAuditLog(db);
    await audit.record({
      at: now,
      tenantId: 't',
      actorId: 'a',
      action: 'approve',
      subjectType: 'request',
      subjectId: 'r1',
      cardVersion: 3,
      details: { school: 1 },
    });
    await audit.record({ at: now, tenantId: 't', actorId: 'b', action: 'accept', subjectType: 'request', subjectId: 'r1' });
    expect((await audit.forSubject('request', 'r1')).map((e) => [e.actorId, e.action, e.cardVersion])).toEqual([
      ['a', 'approve', 3],
      ['b', 'accept', null],
    ]);
  });
});

// Instances behind a load balancer start together on an empty database. PGlite has one connection, so this
// needs a real server: the suite's (DATABASE_URL, as in CI) or a throwaway one of the test's own.
describe('migrations started together on PostgreSQL', () => {
  const scratch = new ScratchDatabase('cydweithio_migrate');
  beforeAll(() => scratch.create(), 60_000);
  afterAll(() => scratch.drop());

  it('apply once, with no instance failing, when several start at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const schema = `round_${round}`;
      const open = () => openPostgres({ connectionString: scratch.url, schema, maxConnections: 2 });
      // The first opening creates the round's schema (production uses the default one); then all migrate at once.
      const instances = [await open(), await open(), await open()];
      try {
        const applied = await Promise.all(instances.map((db) => migrate(db)));
        expect(applied.flat().sort((x, y) => x - y)).toEqual(loadMigrations().map((m) => m.version));
      } finally {
        await Promise.all(instances.map((db) => db.close()));
      }
    }
  });
});

describe('prepared statements on PostgreSQL', () => {
  const scratch = new ScratchDatabase('cydweithio_prepared');
  beforeAll(() => scratch.create(), 60_000);
  afterAll(() => scratch.drop());

  it('prepares each statement once per connection, and afresh when another instance changes its table', async () => {
    const db = await openPostgres({ connectionString: scratch.url, maxConnections: 1 });
    try {
      await db.exec('create table shapes (id integer primary key)');
      await db.query('insert into shapes (id) values ($1)', [1]);
      const read = 'select * from shapes where id = $1';
      expect(await db.query(read, [1])).toEqual([{ id: 1 }]);
      expect(await db.query(read, [1])).toEqual([{ id: 1 }]);
      const prepared = await db.query<{ name: string }>('select name from pg_prepared_statements where statement = $1', [read]);
      expect(prepared).toHaveLength(1);

      // A column added by another instance's migration: the prepared "select *" no longer fits, the read still answers.
      await db.exec('alter table shapes add column colour text');
      expect(await db.query(read, [1])).toEqual([{ id: 1, colour: null }]);
      expect(await db.query(read, [1])).toEqual([{ id: 1, colour: null }]);
      // Inside a transaction the statement fails once (the transaction is lost anyway); the next one prepares it afresh.
      await db.exec('alter table shapes add column size integer');
      await expect(db.transaction((tx) => tx.query(read, [1]))).rejects.toThrow(/result type/);
      expect(await db.transaction((tx) => tx.query(read, [1]))).toEqual([{ id: 1, colour: null, size: null }]);
      expect(await db.query(read, [1])).toEqual([{ id: 1, colour: null, size: null }]);
    } finally {
      await db.close();
    }
  });

  it('opens every connection at start, so the first people to arrive together do not wait for new ones', async () => {
    const db = await openPostgres({ connectionString: scratch.url, maxConnections: 3 });
    try {
      expect(db.poolUse?.()).toEqual({ total: 3, idle: 3, waiting: 0, max: 3 });
    } finally {
      await db.close();
    }
  });

  it('names a bounded number of statement texts and runs the rest unnamed', () => {
    const names = new StatementNames(2);
    const first = names.nameFor('select 1');
    expect(first).toBeDefined();
    expect(names.nameFor('select 1')).toBe(first);
    expect(names.nameFor('select 2')).toBeDefined();
    expect(names.nameFor('select 3')).toBeUndefined();
    names.forget('select 1');
    const again = names.nameFor('select 1');
    expect(again).toBeDefined();
    expect(again).not.toBe(first);
  });
});
