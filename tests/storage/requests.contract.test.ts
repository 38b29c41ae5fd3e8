import { importDirectory } from '../../src/features/directory/import';
import { newPlan } from '../../src/features/plans/plan';
import type { SupportRequest } from '../../src/features/matching/supportRequest';
import type { Database } from '../../src/platform/db/db';
import { SqlPlanRepository } from '../../src/features/plans/repository';
import { SqlRequestRepository, type RequestListQuery } from '../../src/features/matching/repository';
import { SqlRoleRepository } from '../../src/features/people/roles';
import { SqlUserRepository } from '../../src/features/people/users';
import { databasesUnderTest } from '../support/databases';
import { seedSmallDirectory } from '../support/harness';

const now = new Date('2026-09-07T09:00:00Z');
const PLAN_ID = '7d0f9a3e-1111-4222-8333-944444444444';
const REQUEST_ID = '5a0f9a3e-1111-4222-8333-944444444444';

function request(): SupportRequest {
  return {
    id: REQUEST_ID,
    tenantId: 't',
    planId: PLAN_ID,
    requesterId: 'u',
    askingSchoolId: 6784001,
    kind: 'brokered',
    state: 'awaitingAdviser',
    chosenSchoolId: null,
    lookFurther: false,
    version: 1,
    askSeq: 0,
    decidedBy: null,
    decisionReason: null,
    declinedBy: null,
    adviserIds: ['a1', 'a2'],
    createdAt: now,
    updatedAt: now,
    stateChangedAt: now,
    acceptedAt: null,
    doneAt: null,
  };
}

describe.each(databasesUnderTest())('support requests on $name', ({ name, open }) => {
  let db: Database;
  let requests: SqlRequestRepository;
  beforeEach(async () => {
    db = await open();
    await seedSmallDirectory(db);
    await new SqlUserRepository(db).touch({ tenantId: 't', userId: 'u', displayName: 'Ann' });
    await new SqlPlanRepository(db).create({ ...newPlan(PLAN_ID, { tenantId: 't', userId: 'u', schoolId: 6784001 }, now), status: 'planning' });
    requests = new SqlRequestRepository(db);
    await requests.create(request());
  });
  afterEach(() => db.close());

  it('round-trips a request', async () => {
    expect(await requests.get(REQUEST_ID, ['t'])).toEqual(request());
    expect(await requests.latestForPlan(PLAN_ID, ['t'])).toEqual(request());
    expect(await requests.get('not-a-uuid', ['t'])).toBeNull();
  });

  it('lets exactly one of two concurrent decisions win', async () => {
    const move = (by: string, school: number) =>
      db.transaction((tx) =>
        requests.move(REQUEST_ID, { from: ['awaitingAdviser'], to: 'awaitingSchool', at: now, by, chosenSchoolId: school, nextAsk: true }, tx),
      );
    const [a, b] = await Promise.all([move('a1', 6782002), move('a2', 6692001)]);
    expect([a, b].filter((r) => r !== null)).toHaveLength(1);
    const stored = (await requests.get(REQUEST_ID, ['t']))!;
    expect(stored).toMatchObject({ state: 'awaitingSchool', version: 2, askSeq: 1 });
    expect(stored.chosenSchoolId).toBe(a ? 6782002 : 6692001);
  });

  it('moves only while the expected school is the one asked', async () => {
    await requests.move(REQUEST_ID, { from: ['awaitingAdviser'], to: 'awaitingSchool', at: now, by: 'a1', chosenSchoolId: 6782002, nextAsk: true });
    expect(await requests.move(REQUEST_ID, { from: ['awaitingSchool'], to: 'accepted', at: now, by: 'h', whileChosen: 6692001 })).toBeNull();
    expect(await requests.move(REQUEST_ID, { from: ['awaitingSchool'], to: 'accepted', at: now, by: 'h', whileChosen: 6782002 })).toMatchObject({
      state: 'accepted',
      acceptedAt: now,
    });
    expect(await requests.loadBySchool()).toEqual(new Map([[6782002, 1]]));
  });

  it('holds a place at acceptance: of two acceptances at once for a one-place school, exactly one wins', async () => {
    const OTHER_PLAN = '7d0f9a3e-1111-4222-8333-955555555555';
    const OTHER_REQUEST = '5a0f9a3e-1111-4222-8333-955555555555';
    await new SqlPlanRepository(db).create({ ...newPlan(OTHER_PLAN, { tenantId: 't', userId: 'u', schoolId: 6692001 }, now), status: 'planning' });
    await requests.create({ ...request(), id: OTHER_REQUEST, planId: OTHER_PLAN, askingSchoolId: 6692001 });
    await db.query('update schools set capacity = 1 where id = 6782002');
    for (const id of [REQUEST_ID, OTHER_REQUEST])
      await requests.move(id, { from: ['awaitingAdviser'], to: 'awaitingSchool', at: now, by: 'a1', chosenSchoolId: 6782002, nextAsk: true });
    expect(await requests.pendingBySchool()).toEqual(new Map([[6782002, 2]]));

    const accept = (id: string, tx: Database | Parameters<Parameters<Database['transaction']>[0]>[0]) =>
      requests.acceptWithinCapacity(id, { from: ['awaitingSchool'], to: 'accepted', at: now, by: 'h', whileChosen: 6782002 }, tx);
    // The first acceptance has counted and moved but not committed when the second starts: the worst moment.
    let counted!: () => void;
    let release!: () => void;
    const firstCounted = new Promise<void>((resolve) => (counted = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = db.transaction(async (tx) => {
      const result = await accept(REQUEST_ID, tx);
      counted();
      await held;
      return result;
    });
    await firstCounted;
    let secondDone = false;
    const second = db.transaction((tx) => accept(OTHER_REQUEST, tx)).finally(() => (secondDone = true));
    if (name === 'postgres') {
      // Let the second run until it waits for the first's lock (or, were there no lock, until it has finished).
      for (;;) {
        const rows = await db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
        );
        if (rows[0]!.n > 0 || secondDone) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    release();
    const [a, b] = await Promise.all([first, second]);
    expect([a, b].filter((r) => r.request !== null)).toHaveLength(1);
    expect([a, b].filter((r) => r.full)).toEqual([{ request: null, full: true, capacity: 1, taken: 1 }]);
    expect(await requests.loadBySchool()).toEqual(new Map([[6782002, 1]]));
    expect(await requests.pendingBySchool()).toEqual(new Map([[6782002, 1]]));
  });

  it('keeps one open request per plan', async () => {
    await expect(requests.create({ ...request(), id: '6a0f9a3e-1111-4222-8333-944444444444' })).rejects.toThrow();
  });

  it('records asks for fairness', async () => {
    await requests.recordAsk(REQUEST_ID, 1, 6782002, now, 'a1');
    await requests.recordAsk(REQUEST_ID, 1, 6782002, now, 'a1'); // a retry records nothing twice
    expect(await requests.recentAsks(new Date('2026-09-01T00:00:00Z'))).toEqual(new Map([[6782002, [now.getTime()]]]));
    expect(await requests.askedSchools(REQUEST_ID)).toEqual([6782002]);
  });

  describe('one person\'s lists ("my requests")', () => {
    const OTHER_PLAN = '7d0f9a3e-2222-4222-8333-944444444444';
    const ELSEWHERE_PLAN = '7d0f9a3e-3333-4222-8333-944444444444';
    const TO_RHYDAMAN = '5a0f9a3e-2222-4222-8333-944444444444';
    const ASKED_OF_CWMBRAN = '5a0f9a3e-3333-4222-8333-944444444444';
    const ELSEWHERE = '5a0f9a3e-4444-4222-8333-944444444444';
    const at = (day: number) => new Date(Date.UTC(2026, 8, day, 9));
    const list = (q: Partial<RequestListQuery>) => requests.listFor({ tenantId: 't', userId: 'u', tenants: ['t'], ledSchoolId: null, limit: 10, ...q });
    const ids = (l: { entries: { request: { id: string } }[] }) => l.entries.map((e) => e.request.id);

    beforeEach(async () => {
      const users = new SqlUserRepository(db);
      const plans = new SqlPlanRepository(db);
      for (const [tenantId, userId] of [
        ['t', 'v'],
        ['t2', 'u'],
      ])
        await users.touch({ tenantId, userId, displayName: userId });
      // Ann ('u', Cwmbran High School) has a second plan, asked directly of Rhydaman on 3 September and accepted on 9 September.
      await plans.create({
        ...newPlan(OTHER_PLAN, { tenantId: 't', userId: 'u', schoolId: 6784001 }, now),
        answers: { focus: `Reading at KS3 ${'x'.repeat(300)}` },
      });
      await requests.create({
        ...request(),
        id: TO_RHYDAMAN,
        planId: OTHER_PLAN,
        kind: 'direct',
        state: 'awaitingSchool',
        chosenSchoolId: 6692001,
        askSeq: 1,
        adviserIds: [],
        createdAt: at(3),
      });
      await requests.move(TO_RHYDAMAN, { from: ['awaitingSchool'], to: 'accepted', at: at(9), by: 'h' });
      // 'v' at Rhydaman asks Ysgol Gymraeg Cwmbran.
      await plans.create({ ...newPlan(ELSEWHERE_PLAN, { tenantId: 't', userId: 'v', schoolId: 6692001 }, now), answers: { focus: 'Welsh oracy' } });
      await requests.create({
        ...request(),
        id: ASKED_OF_CWMBRAN,
        planId: ELSEWHERE_PLAN,
        requesterId: 'v',
        askingSchoolId: 6692001,
        kind: 'direct',
        state: 'awaitingSchool',
        chosenSchoolId: 6782002,
        askSeq: 1,
        adviserIds: [],
      });
      // Another tenant: same user id, same schools; never listed in tenant 't'.
      await plans.create({
        ...newPlan('7d0f9a3e-4444-4222-8333-944444444444', { tenantId: 't2', userId: 'u', schoolId: 6784001 }, now),
        answers: { focus: 'Elsewhere' },
      });
      await requests.create({
        ...request(),
        id: ELSEWHERE,
        tenantId: 't2',
        planId: '7d0f9a3e-4444-4222-8333-944444444444',
        kind: 'direct',
        state: 'awaitingSchool',
        chosenSchoolId: 6782002,
        askSeq: 1,
      });
    });

    it("lists the requests a person made, still waiting first, with the plan's focus and both schools", async () => {
      const lists = await list({});
      expect(ids(lists.asked)).toEqual([REQUEST_ID, TO_RHYDAMAN]);
      expect(lists.asked.total).toBe(2);
      expect(lists.asked.entries[0]).toMatchObject({ focus: null, asking: { id: 6784001, nameEn: 'Cwmbran High School' }, chosen: null });
      const accepted = lists.asked.entries[1]!;
      expect(accepted.request).toMatchObject({ state: 'accepted', createdAt: at(3), updatedAt: at(9) });
      expect(accepted.focus).toHaveLength(200);
      expect(accepted.focus!.startsWith('Reading at KS3')).toBe(true);
      expect(accepted.chosen).toEqual({ id: 6692001, nameEn: 'Ysgol Gymraeg Rhydaman', nameCy: null });
      expect(lists.toAnswer).toEqual({ entries: [], total: 0 });
      expect(lists.toBroker).toEqual({ entries: [], total: 0 });
      // Someone else, or the same id in another tenant, sees none of them.
      expect(ids((await list({ userId: 'v' })).asked)).toEqual([ASKED_OF_CWMBRAN]);
      expect(ids((await list({ tenantId: 't2' })).asked)).toEqual([ELSEWHERE]);
    });

    it('lists for the school a person leads the requests waiting for its answer or under way, in their tenant only', async () => {
      expect(ids((await list({ userId: 'head', ledSchoolId: 6782002 })).toAnswer)).toEqual([ASKED_OF_CWMBRAN]);
      expect(ids((await list({ userId: 'head', ledSchoolId: 6692001 })).toAnswer)).toEqual([TO_RHYDAMAN]);
      expect(ids((await list({ userId: 'head', ledSchoolId: 6784001 })).toAnswer)).toEqual([]);
      await requests.move(ASKED_OF_CWMBRAN, { from: ['awaitingSchool'], to: 'declined', at: at(10), by: 'head', declinedBy: 'school', reason: 'Full' });
      expect(ids((await list({ userId: 'head', ledSchoolId: 6782002 })).toAnswer)).toEqual([]);
    });

    it('lists for an adviser the brokered requests waiting for a decision from the schools they cover', async () => {
      const roles = new SqlRoleRepository(db);
      await roles.grant({ tenantId: 't', userId: 'by-la', role: 'adviser', laCode: 678 }, 'admin');
      await roles.grant({ tenantId: 't', userId: 'by-name', role: 'adviser', laCode: null, schoolId: 6784001 }, 'admin');
      await roles.grant({ tenantId: 't', userId: 'everywhere', role: 'adviser', laCode: null }, 'admin');
      await roles.grant({ tenantId: 't', userId: 'other-la', role: 'adviser', laCode: 669 }, 'admin');
      await roles.grant({ tenantId: 't', userId: 'other-school', role: 'adviser', laCode: null, schoolId: 6782002 }, 'admin');
      await roles.grant({ tenantId: 't', userId: 'reviewer', role: 'reviewer', laCode: 678 }, 'admin');
      await roles.grant({ tenantId: 't2', userId: 'other-tenant', role: 'adviser', laCode: 678 }, 'admin');
      for (const userId of ['by-la', 'by-name', 'everywhere'])
        expect({ userId, ids: ids((await list({ userId })).toBroker) }).toEqual({ userId, ids: [REQUEST_ID] });
      for (const userId of ['other-la', 'other-school', 'reviewer', 'other-tenant'])
        expect({ userId, ids: ids((await list({ userId })).toBroker) }).toEqual({ userId, ids: [] });
      await requests.move(REQUEST_ID, { from: ['awaitingAdviser'], to: 'awaitingSchool', at: at(8), by: 'by-la', chosenSchoolId: 6782002, nextAsk: true });
      expect(ids((await list({ userId: 'by-la' })).toBroker)).toEqual([]);
    });

    it('holds at most `limit` rows per list and says how many there are', async () => {
      // Eleven finished requests on the first plan, one a day, after the one still waiting.
      for (let day = 10; day <= 20; day++) {
        await requests.create({ ...request(), id: `5a0f9a3e-9999-4222-8333-9444444444${day}`, state: 'withdrawn', createdAt: at(day) });
      }
      const asked = (await list({ limit: 5 })).asked;
      expect(asked.total).toBe(13);
      expect(asked.entries.map((e) => [e.request.state, e.request.updatedAt.getUTCDate()])).toEqual([
        ['awaitingAdviser', 7],
        ['withdrawn', 20],
        ['withdrawn', 19],
        ['withdrawn', 18],
        ['withdrawn', 17],
      ]);
    });
  });

  it('imports a directory file, updating in place', async () => {
    const text = 'School Number,School Name,LA Code,Sector\n6784001,Cwmbran High School,678,Secondary\n6789001,Ysgol Newydd,678,Primary\n';
    expect(await importDirectory(db, text)).toEqual({ errors: [], inserted: 1, updated: 1 });
    expect(await importDirectory(db, text)).toEqual({ errors: [], inserted: 0, updated: 2 });
  });
});
