import { importDirectory } from '../../src/directory/import';
import { newPlan } from '../../src/domain/plan';
import type { SupportRequest } from '../../src/domain/supportRequest';
import type { Database } from '../../src/storage/db';
import { SqlPlanRepository } from '../../src/storage/plans';
import { SqlRequestRepository } from '../../src/storage/requests';
import { SqlUserRepository } from '../../src/storage/users';
import { databasesUnderTest } from '../support/databases';
import { seedSmallDirectory } from '../support/harness';

const now = new Date('2026-09-07T09:00:00Z');
const PLAN_ID = '7d0f9a3e-1111-4222-8333-944444444444';
const REQUEST_ID = '5a0f9a3e-1111-4222-8333-944444444444';

function request(): SupportRequest {
  return {
    id: REQUEST_ID, tenantId: 't', planId: PLAN_ID, requesterId: 'u', askingSchoolId: 6784001, kind: 'brokered', state: 'awaitingAdviser',
    chosenSchoolId: null, lookFurther: false, version: 1, askSeq: 0, decidedBy: null, decisionReason: null, declinedBy: null,
    adviserIds: ['a1', 'a2'], createdAt: now, updatedAt: now, stateChangedAt: now, acceptedAt: null, doneAt: null,
  };
}

describe.each(databasesUnderTest())('support requests on $name', ({ open }) => {
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
    expect(await requests.get(REQUEST_ID)).toEqual(request());
    expect(await requests.latestForPlan(PLAN_ID)).toEqual(request());
    expect(await requests.get('not-a-uuid')).toBeNull();
  });

  it('lets exactly one of two concurrent decisions win', async () => {
    const move = (by: string, school: number) =>
      db.transaction((tx) => requests.move(REQUEST_ID, { from: ['awaitingAdviser'], to: 'awaitingSchool', at: now, by, chosenSchoolId: school, nextAsk: true }, tx));
    const [a, b] = await Promise.all([move('a1', 6782002), move('a2', 6692001)]);
    expect([a, b].filter((r) => r !== null)).toHaveLength(1);
    const stored = (await requests.get(REQUEST_ID))!;
    expect(stored).toMatchObject({ state: 'awaitingSchool', version: 2, askSeq: 1 });
    expect(stored.chosenSchoolId).toBe(a ? 6782002 : 6692001);
  });

  it('moves only while the expected school is the one asked', async () => {
    await requests.move(REQUEST_ID, { from: ['awaitingAdviser'], to: 'awaitingSchool', at: now, by: 'a1', chosenSchoolId: 6782002, nextAsk: true });
    expect(await requests.move(REQUEST_ID, { from: ['awaitingSchool'], to: 'accepted', at: now, by: 'h', whileChosen: 6692001 })).toBeNull();
    expect(await requests.move(REQUEST_ID, { from: ['awaitingSchool'], to: 'accepted', at: now, by: 'h', whileChosen: 6782002 })).toMatchObject({ state: 'accepted', acceptedAt: now });
    expect(await requests.loadBySchool()).toEqual(new Map([[6782002, 1]]));
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

  it('imports a directory file, updating in place', async () => {
    const text = 'School Number,School Name,LA Code,Sector\n6784001,Cwmbran High School,678,Secondary\n6789001,Ysgol Newydd,678,Primary\n';
    expect(await importDirectory(db, text)).toEqual({ errors: [], inserted: 1, updated: 1 });
    expect(await importDirectory(db, text)).toEqual({ errors: [], inserted: 0, updated: 2 });
  });
});
