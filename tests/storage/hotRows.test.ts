/**
 * The embedded database's write-through cache of user rows and turn state: the rules that keep it
 * right when reads and writes overlap, and the repositories that use it, against a real database.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/platform/log';
import { SqlStateStore } from '../../src/platform/teams/botStateRepository';
import type { Database, Sql } from '../../src/platform/db/db';
import { ABSENT, hotRowsOf, loadExistingKeys, WriteThroughCache } from '../../src/platform/db/hotRows';
import { migrate } from '../../src/platform/db/migrate';
import { DELETED_PERSON_ID, SqlPersonalDataStore } from '../../src/features/privacy/repository';
import { openPgliteThread } from '../../src/platform/db/pgliteThread';
import { SqlUserRepository } from '../../src/features/people/users';
import { SqlPlanRepository } from '../../src/features/plans/repository';
import { newPlan } from '../../src/features/plans/plan';
import { databasesUnderTest } from '../support/databases';
import { seedSmallDirectory } from '../support/harness';

jest.setTimeout(120_000);

describe('WriteThroughCache', () => {
  it('keeps what a read found, and remembers a row that does not exist', () => {
    const cache = new WriteThroughCache<string>(10);
    expect(cache.lookup('a')).toBeUndefined();
    cache.filled('a', 'one', cache.readStarted());
    cache.filled('b', ABSENT, cache.readStarted());
    expect(cache.lookup('a')).toBe('one');
    expect(cache.lookup('b')).toBe(ABSENT);
  });

  it('drops a read that overlapped a write, so an older row never replaces a newer one', () => {
    const cache = new WriteThroughCache<string>(10);
    const read = cache.readStarted();
    const write = cache.writeStarted('a');
    cache.written('a', 'new', write);
    cache.filled('a', 'old', read); // the read was answered before the write
    expect(cache.lookup('a')).toBe('new');

    // A read answered while a write is still in flight is not kept either.
    const write2 = cache.writeStarted('a');
    cache.filled('a', 'old', cache.readStarted());
    expect(cache.lookup('a')).toBeUndefined();
    cache.written('a', 'newer', write2);
    expect(cache.lookup('a')).toBe('newer');
  });

  it('keeps only the newest of two overlapping writes, and forgets a key whose write failed', () => {
    const cache = new WriteThroughCache<string>(10);
    const first = cache.writeStarted('a');
    const second = cache.writeStarted('a');
    cache.written('a', 'second', second);
    cache.written('a', 'first', first);
    expect(cache.lookup('a')).toBe('second');

    const failed = cache.writeStarted('a');
    cache.writeFailed('a', failed);
    expect(cache.lookup('a')).toBeUndefined();
  });

  it('after a clear, keeps nothing from reads or writes that began before it', () => {
    const cache = new WriteThroughCache<string>(10);
    cache.filled('a', 'one', cache.readStarted());
    const read = cache.readStarted();
    const write = cache.writeStarted('b');
    cache.clear();
    cache.filled('c', 'stale', read);
    cache.written('b', 'stale', write);
    expect([cache.lookup('a'), cache.lookup('b'), cache.lookup('c')]).toEqual([undefined, undefined, undefined]);
  });

  it('knows a key outside the rows that existed at start is absent, until something may create it', () => {
    const cache = new WriteThroughCache<string>(10, 3);
    expect(cache.lookup('new')).toBeUndefined(); // nothing known yet: read
    cache.loadExisting(['a', 'b']);
    expect(cache.lookup('new')).toBe(ABSENT);
    expect(cache.lookup('a')).toBeUndefined(); // exists, not cached: read
    cache.mayCreate('new');
    expect(cache.lookup('new')).toBeUndefined();
    cache.clear(); // forgets entries, not which keys may exist
    expect(cache.lookup('other')).toBe(ABSENT);
    cache.mayCreate('c'); // a fourth key: more than it keeps track of, so it stops answering from the set
    expect(cache.lookup('other')).toBeUndefined();
  });

  it('holds at most its capacity, letting the least recently used go', () => {
    const cache = new WriteThroughCache<string>(2);
    cache.filled('a', 'A', cache.readStarted());
    cache.filled('b', 'B', cache.readStarted());
    cache.lookup('a');
    cache.filled('c', 'C', cache.readStarted());
    expect(cache.size).toBe(2);
    expect([cache.lookup('a'), cache.lookup('b'), cache.lookup('c')]).toEqual(['A', undefined, 'C']);
  });
});

/** Counts the statements sent, keeping the database's other properties (so its own cache). */
function counting(db: Database): Database & { statements: number } {
  const counted = {
    ...db,
    statements: 0,
    query<T>(text: string, params?: readonly unknown[]) {
      counted.statements++;
      return db.query<T>(text, params);
    },
  };
  return counted;
}

describe.each(databasesUnderTest())('user rows and turn state on $name', ({ name, open }) => {
  let db: Database;
  beforeEach(async () => {
    db = await open();
  });
  afterEach(async () => {
    await db.close();
  });

  it(name === 'pglite' ? 'answers a known user and their state from memory' : 'reads every time (other instances may have written)', async () => {
    const sql = counting(db);
    const users = new SqlUserRepository(sql);
    const store = new SqlStateStore(sql);
    await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann' });
    await store.write({ 'conv/1': { lastPlanId: 'p1' } });
    await store.readWithUser(['conv/1', 'user/1'], { tenantId: 't', userId: 'u' }); // 'user/1' has never been seen
    const before = sql.statements;
    for (let i = 0; i < 3; i++) {
      const { items, user } = await store.readWithUser(['conv/1', 'user/1'], { tenantId: 't', userId: 'u' });
      expect(items).toEqual({ 'conv/1': { lastPlanId: 'p1', eTag: expect.any(String) } });
      expect(user).toMatchObject({ userId: 'u', displayName: 'Ann' });
      expect(await users.get('t', 'u')).toMatchObject({ displayName: 'Ann' });
    }
    expect(sql.statements - before).toBe(name === 'pglite' ? 0 : 6);
    expect(hotRowsOf(sql) !== undefined).toBe(name === 'pglite');
  });

  it('answers a never-seen user without a read once it knows which rows exist, and never hides one that was created', async () => {
    const sql = counting(db);
    await new SqlUserRepository(sql).touch({ tenantId: 't', userId: 'old', displayName: 'Old' });
    await loadExistingKeys(sql);
    const users = new SqlUserRepository(sql);
    const store = new SqlStateStore(sql);
    const me = { tenantId: 't', userId: 'new' };
    const before = sql.statements;
    expect(await store.readWithUser(['conv/new'], me)).toEqual({ items: {}, user: null });
    expect(sql.statements - before).toBe(name === 'pglite' ? 0 : 1);
    await users.touch({ ...me, displayName: 'New' });
    await store.write({ 'conv/new': { lastPlanId: 'p1' } });
    hotRowsOf(sql)?.clear(); // so what follows cannot come from the entries the writes left
    expect(await users.get('t', 'new')).toMatchObject({ displayName: 'New' });
    expect((await store.read(['conv/new']))['conv/new']).toMatchObject({ lastPlanId: 'p1' });
    const after = await store.readWithUser(['conv/new'], me);
    expect(after.user).toMatchObject({ displayName: 'New' });
    expect(after.items['conv/new']).toMatchObject({ lastPlanId: 'p1' });
    expect(await users.get('t', 'old')).toMatchObject({ displayName: 'Old' });

    // A plan that went to another school outlives its owner, under a placeholder person the deletion creates: found afterwards.
    await seedSmallDirectory(sql);
    const planId = '00000000-0000-0000-0000-000000000001';
    await sql.query(`insert into plans (id, tenant_id, owner_id, created_at, updated_at) values ($1, 't', 'old', now(), now())`, [planId]);
    await sql.query(
      `insert into support_requests (id, tenant_id, plan_id, requester_id, asking_school_id, kind, state, created_at, updated_at, state_changed_at)
       values ('00000000-0000-0000-0000-000000000002', 't', $1, 'old', 6784001, 'direct', 'withdrawn', now(), now(), now())`,
      [planId],
    );
    await sql.transaction((tx) => new SqlPersonalDataStore(sql).deletePerson('t', 'old', tx));
    expect(await users.get('t', DELETED_PERSON_ID)).toMatchObject({ userId: DELETED_PERSON_ID });
    expect(await users.get('t', 'old')).toBeNull();
  });

  it('shows every change made through the repositories at once, whichever repository made it', async () => {
    const users = new SqlUserRepository(db);
    const store = new SqlStateStore(db);
    const otherUsers = new SqlUserRepository(db);
    const otherStore = new SqlStateStore(db);
    const me = { tenantId: 't', userId: 'u' };
    expect((await store.readWithUser(['conv/1'], me)).user).toBeNull(); // known absent now
    await users.touch({ ...me, displayName: 'Ann' });
    await otherUsers.setLocale('t', 'u', 'cy');
    await seedSmallDirectory(db);
    await otherUsers.setSchool('t', 'u', 6784001, 'headteacher');
    expect((await store.readWithUser(['conv/1'], me)).user).toMatchObject({ displayName: 'Ann', locale: 'cy', schoolId: 6784001, schoolRole: 'headteacher' });

    await otherStore.write({ 'conv/1': { lastPlanId: 'p1' } });
    const read = (await store.readWithUser(['conv/1'], me)).items['conv/1'];
    expect(read).toMatchObject({ lastPlanId: 'p1' });
    // A turn changes the state it was given; the next turn still gets what was stored.
    (read as { lastPlanId: string }).lastPlanId = 'changed in memory only';
    expect((await store.read(['conv/1']))['conv/1']).toMatchObject({ lastPlanId: 'p1' });

    // Saved with the version it was read at, then the old version is refused, and the next read is fresh.
    await store.write({ 'conv/1': { ...read, lastPlanId: 'p2' } });
    await expect(otherStore.write({ 'conv/1': { ...read, lastPlanId: 'p3' } })).rejects.toThrow(/stale/);
    expect((await otherStore.read(['conv/1']))['conv/1']).toMatchObject({ lastPlanId: 'p2' });
    await otherStore.delete(['conv/1']);
    expect(await store.read(['conv/1'])).toEqual({});
    // The user row handed out cannot be changed by whoever holds it.
    const user = await users.get('t', 'u');
    expect(() => Object.assign(user!, { locale: 'en' })).toThrow();
  });

  it(name === 'pglite' ? 'reads a plan once, then from memory, and keeps it right through saves, lost races and rolled-back transactions' : 'keeps plans right through saves, lost races and rolled-back transactions', async () => {
    await seedSmallDirectory(db);
    const sql = counting(db);
    const plans = new SqlPlanRepository(sql);
    await new SqlUserRepository(sql).touch({ tenantId: 't', userId: 'u', displayName: 'U' });
    const id = '00000000-0000-0000-0000-0000000000aa';
    const now = new Date('2026-09-07T09:00:00Z');
    await plans.create(newPlan(id, { tenantId: 't', userId: 'u', schoolId: 6784001 }, now));
    const before = sql.statements;
    const first = (await plans.get(id))!;
    first.answers.focus = 'changed by the caller only';
    expect((await plans.get(id))!.answers.focus).toBeUndefined();
    expect(sql.statements - before).toBe(name === 'pglite' ? 0 : 2);

    const saved = { ...first, answers: { focus: 'Numeracy' }, version: 2, updatedAt: new Date(now.getTime() + 1000) };
    expect(await plans.update(saved, 1)).toBe(true);
    expect(await plans.get(id)).toMatchObject({ version: 2, answers: { focus: 'Numeracy' } });
    expect(await plans.update({ ...saved, version: 3 }, 1)).toBe(false); // someone got there first
    expect(await plans.get(id)).toMatchObject({ version: 2 });

    // A save inside a transaction that is rolled back leaves the committed plan, here and in the database.
    await expect(
      sql.transaction(async (tx) => {
        expect(await plans.update({ ...saved, answers: { focus: 'Rolled back' }, version: 3 }, 2, tx)).toBe(true);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await plans.get(id))!.answers.focus).toBe('Numeracy');
    await sql.transaction((tx) => plans.update({ ...saved, answers: { focus: 'Committed' }, version: 3 }, 2, tx));
    expect((await plans.get(id))!.answers.focus).toBe('Committed');
  });

  it('forgets what deleting a person, forgetting a chat or purging old state removed', async () => {
    const users = new SqlUserRepository(db);
    const store = new SqlStateStore(db);
    const personalData = new SqlPersonalDataStore(db);
    const chat = { conversation: { id: 'a:ann-chat' }, user: { id: '29:ann' } };
    await users.touch({ tenantId: 't', userId: 'ann', displayName: 'Ann', personalConversation: chat });
    const key = 'msteams/bot/conversations/a:ann-chat';
    await store.write({ [key]: { lastPlanId: 'p1' } });
    expect(await store.read([key])).not.toEqual({});

    await personalData.forgetPersonalChat('t', 'ann', 'a:ann-chat');
    expect(await store.read([key])).toEqual({});
    expect((await users.get('t', 'ann'))?.personalConversation).toBeNull();

    await store.write({ [key]: { lastPlanId: 'p2' } });
    await db.query("update bot_state set updated_at = now() - interval '400 days'");
    expect(await personalData.purgeTurnState(180)).toBe(1);
    expect(await store.read([key])).toEqual({});

    const plans = new SqlPlanRepository(db);
    const planId = '00000000-0000-0000-0000-0000000000bb';
    await plans.create(newPlan(planId, { tenantId: 't', userId: 'ann', schoolId: null }, new Date('2026-09-07T09:00:00Z')));
    expect(await plans.get(planId)).not.toBeNull();
    await db.transaction((tx) => personalData.deletePerson('t', 'ann', tx));
    expect(await users.get('t', 'ann')).toBeNull();
    expect(await plans.get(planId)).toBeNull();
  });
});

describe('on the embedded database on its own thread (as the server runs it)', () => {
  let scratch: string;
  let db: Database;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cydweithio-hot-'));
    db = await openPgliteThread(join(scratch, 'pglite'));
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('never keeps an older row when reads and writes of the same user overlap', async () => {
    const users = new SqlUserRepository(db);
    await users.touch({ tenantId: 't', userId: 'u', displayName: 'Ann' });
    hotRowsOf(db)!.clear();
    for (const locale of ['cy', 'en', 'cy'] as const) {
      // Sent together, unawaited: the read goes first, the write second; the read's answer must not stay.
      const reads = [users.get('t', 'u'), users.get('t', 'u')];
      const write = users.setLocale('t', 'u', locale);
      await Promise.all([...reads, write]);
      expect((await users.get('t', 'u'))?.locale).toBe(locale);
      const [row] = await (db as Sql).query<{ locale: string }>("select locale from users where user_id = 'u'");
      expect(row.locale).toBe(locale);
    }
  });

  describe('a plan save whose outcome is known', () => {
    const now = new Date('2026-09-07T09:00:00Z');
    let n = 0;
    async function heldPlan(owner: string) {
      const plans = new SqlPlanRepository(db, logger);
      const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
      await new SqlUserRepository(db).touch({ tenantId: 't', userId: owner, displayName: owner });
      await plans.create(newPlan(id, { tenantId: 't', userId: owner, schoolId: null }, now));
      return { plans, plan: (await plans.get(id))! };
    }
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (msg: string) => warnings.push(msg) };
    const journal = () => readFileSync(join(scratch, 'pglite.journal'), 'utf8');
    const storedFocus = async (id: string) => (await db.query<{ focus: string | null; version: number }>("select answers->>'focus' as focus, version from plans where id = $1", [id]))[0];

    it('is answered once journaled, before the database has run it, and every read after sees it', async () => {
      const { plans, plan } = await heldPlan('gwen');
      const busy = db.query('select pg_sleep(0.3)');
      const saves = ['one', 'two', 'three'].map((focus, i) => plans.update({ ...plan, answers: { focus }, version: plan.version + i + 1 }, plan.version + i));
      expect(await Promise.all(saves)).toEqual([true, true, true]);
      // The database thread is still asleep: the saves are in the journal, not yet in the table.
      expect(journal().trim().split('\n')).toHaveLength(3);
      expect(await plans.get(plan.id)).toMatchObject({ version: plan.version + 3, answers: { focus: 'three' } });
      expect(await plans.listForOwner('t', 'gwen', 5)).toEqual([expect.objectContaining({ version: plan.version + 3 })]);
      await busy;
      expect(await storedFocus(plan.id)).toEqual({ focus: 'three', version: plan.version + 3 });
      expect(journal()).toBe('');
    });

    it('is not answered ahead when the version has moved on, and changes nothing', async () => {
      const { plans, plan } = await heldPlan('huw');
      expect(await plans.update({ ...plan, answers: { focus: 'first' }, version: plan.version + 1 }, plan.version)).toBe(true);
      expect(await plans.update({ ...plan, answers: { focus: 'late' }, version: plan.version + 1 }, plan.version)).toBe(false);
      expect(await storedFocus(plan.id)).toEqual({ focus: 'first', version: plan.version + 1 });
    });

    it('that finds its plan gone (changed behind the cache) is reported and forgotten, not kept as saved', async () => {
      const { plans, plan } = await heldPlan('ifan');
      await db.query('delete from plans where id = $1', [plan.id]); // not through the repository: breaks the rule on purpose
      warnings.length = 0;
      expect(await plans.update({ ...plan, answers: { focus: 'lost' }, version: plan.version + 1 }, plan.version)).toBe(true);
      await db.query('select 1'); // after the update has run
      expect(warnings).toEqual(['an acknowledged plan save found the plan changed and was not applied']);
      expect(await plans.get(plan.id)).toBeNull();
    });
  });

  it('keeps transactions whole while single statements are pipelined around them', async () => {
    const store = new SqlStateStore(db);
    await store.write({ k: { n: 0 } });
    const work = Array.from({ length: 20 }, (_, i) =>
      i % 5 === 0
        ? db.transaction(async (tx) => {
            await tx.query("update bot_state set doc = jsonb_set(doc, '{n}', to_jsonb((doc->>'n')::int + 1)) where key = 'k'");
            await tx.query("update bot_state set doc = jsonb_set(doc, '{n}', to_jsonb((doc->>'n')::int + 1)) where key = 'k'");
          })
        : db.query<{ n: number }>("select (doc->>'n')::int as n from bot_state where key = 'k'").then(([r]) => r.n),
    );
    const seen = (await Promise.all(work)).filter((n): n is number => typeof n === 'number');
    // No single statement ever saw a transaction half done (an odd count).
    expect(seen.every((n) => n % 2 === 0)).toBe(true);
    expect((await db.query<{ n: number }>("select (doc->>'n')::int as n from bot_state where key = 'k'"))[0].n).toBe(8);
  });
});
