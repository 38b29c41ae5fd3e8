import fc from 'fast-check';
import {
  MATCH_WEIGHTS,
  areasFromText,
  buildMatchingIndex,
  rankSchools,
  recentAskUnits,
  type CandidateSchool,
  type MatchState,
} from '../../src/features/matching/ranking';
import { addWorkingDays } from '../../src/features/matching/supportRequest';

const now = new Date('2026-09-07T09:00:00Z');
const DAY = 86_400_000;
const quiet: MatchState = { load: new Map(), recentAsks: new Map(), now };

/** Cardiff-ish; 0.009° of latitude ≈ 1 km. */
const LAT = 51.5;
const LON = -3.2;
const km = (north: number) => ({ latitude: LAT + north / 111.195, longitude: LON });

function school(id: number, over: Partial<CandidateSchool> = {}): CandidateSchool {
  return {
    id,
    laCode: 681,
    phase: 'primary',
    languageMedium: 'english',
    fsmPercent: 18,
    family: 'Primary family 4',
    supportCategory: null,
    ...km(5),
    capacity: 2,
    openToRequests: true,
    strengths: [],
    ...over,
  };
}

const asker = school(1, { ...km(0) });
const ids = (r: ReturnType<typeof rankSchools>) => r.suggestions.map((s) => s.schoolId);

describe('ranking partner schools', () => {
  it('puts strength in the area of need above proximity', () => {
    const index = buildMatchingIndex([
      asker,
      school(2, { ...km(1) }), // next door, no strength
      school(3, { ...km(30), strengths: [{ area: 'numeracy', statedBy: 'school' }] }),
    ]);
    expect(ids(rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, quiet))).toEqual([3, 2]);
  });

  it('counts a verified strength above one the school states itself', () => {
    const index = buildMatchingIndex([
      asker,
      school(2, { strengths: [{ area: 'numeracy', statedBy: 'school' }] }),
      school(3, { strengths: [{ area: 'numeracy', statedBy: 'inspection' }] }),
      school(4, { strengths: [{ area: 'numeracy', statedBy: 'adviser' }] }),
    ]);
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, quiet);
    expect(ids(ranked)).toEqual([3, 4, 2]);
    expect(ranked.suggestions[0]!.reasons[0]).toEqual({ key: 'strengthVerified', params: { area: 'numeracy', by: 'inspection' } });
    expect(ranked.suggestions[2]!.reasons[0]).toEqual({ key: 'strengthSelf', params: { area: 'numeracy' } });
  });

  it('never suggests the asking school, a closed school, a full one, one with no capacity, or one excluded', () => {
    const strong = [{ area: 'numeracy' as const, statedBy: 'adviser' as const }];
    const index = buildMatchingIndex([
      school(1, { strengths: strong }),
      school(2, { strengths: strong, openToRequests: false }),
      school(3, { strengths: strong, capacity: 2 }),
      school(4, { strengths: strong, capacity: 0 }),
      school(5, { strengths: strong }),
      school(6),
    ]);
    const state: MatchState = { ...quiet, load: new Map([[3, 2]]) };
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'], exclude: [5] }, state, 10);
    expect(ids(ranked)).toEqual([6]);
    expect(ranked.eligible).toBe(1);
  });

  it('lowers a school with current engagements, so load spreads requests', () => {
    const strong = [{ area: 'literacy' as const, statedBy: 'adviser' as const }];
    const index = buildMatchingIndex([asker, school(2, { strengths: strong, capacity: 3 }), school(3, { strengths: strong, capacity: 3 })]);
    expect(ids(rankSchools(index, { askingSchoolId: 1, priorityAreas: ['literacy'] }, quiet))).toEqual([2, 3]);
    const busy = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['literacy'] }, { ...quiet, load: new Map([[2, 1]]) });
    expect(ids(busy)).toEqual([3, 2]);
    expect(busy.suggestions[1]!.reasons).toContainEqual({ key: 'places', params: { taken: 1, capacity: 3 } });
  });

  it('lowers schools asked recently (fairness), less as the asks age', () => {
    const strong = [{ area: 'literacy' as const, statedBy: 'adviser' as const }];
    const index = buildMatchingIndex([asker, school(2, { strengths: strong }), school(3, { strengths: strong })]);
    const askedYesterday = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['literacy'] }, { ...quiet, recentAsks: new Map([[2, [now.getTime() - DAY]]]) });
    expect(ids(askedYesterday)).toEqual([3, 2]);
    expect(askedYesterday.suggestions[1]!.reasons).toContainEqual({ key: 'askedRecently', params: { count: 1 } });
    expect(recentAskUnits([now.getTime() - 30 * DAY], now.getTime())).toBeCloseTo(0.5);
    expect(recentAskUnits([now.getTime() - 200 * DAY], now.getTime())).toBe(0);
    expect(recentAskUnits(Array(10).fill(now.getTime()), now.getTime())).toBe(MATCH_WEIGHTS.fairnessCap);
  });

  it('spreads a run of requests across equally good schools when each ask is recorded', () => {
    const strong = [{ area: 'numeracy' as const, statedBy: 'adviser' as const }];
    const index = buildMatchingIndex([asker, ...[2, 3, 4].map((id) => school(id, { strengths: strong }))]);
    const asks = new Map<number, number[]>();
    const firsts: number[] = [];
    for (let k = 0; k < 3; k++) {
      const top = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, { ...quiet, recentAsks: asks }).suggestions[0]!.schoolId;
      firsts.push(top);
      asks.set(top, [...(asks.get(top) ?? []), now.getTime()]);
    }
    expect(firsts.sort()).toEqual([2, 3, 4]);
  });

  it('respects language medium: a Welsh-medium school is offered Welsh-medium partners first', () => {
    const welshAsker = school(1, { languageMedium: 'welsh', ...km(0) });
    const index = buildMatchingIndex([
      welshAsker,
      school(2, { languageMedium: 'english', ...km(2) }),
      school(3, { languageMedium: 'dual', ...km(4) }),
      school(4, { languageMedium: 'welsh', ...km(8) }),
    ]);
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['wellbeing'] }, quiet);
    expect(ids(ranked)).toEqual([4, 3, 2]);
    expect(ranked.suggestions[0]!.reasons).toContainEqual({ key: 'sameMedium', params: { medium: 'welsh' } });
  });

  it('respects phase: a primary strong in the area beats a secondary strong in it', () => {
    const strong = [{ area: 'numeracy' as const, statedBy: 'adviser' as const }];
    const index = buildMatchingIndex([asker, school(2, { phase: 'secondary', strengths: strong, ...km(1) }), school(3, { strengths: strong, ...km(10) })]);
    expect(ids(rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, quiet))).toEqual([3, 2]);
  });

  it('lets a special school look further for another special school', () => {
    const specialAsker = school(1, { phase: 'special', ...km(0) });
    const index = buildMatchingIndex([specialAsker, school(2, { phase: 'primary', ...km(3) }), school(3, { phase: 'special', ...km(70) })]);
    const near = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['aln'] }, quiet);
    const further = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['aln'], lookFurther: true }, quiet);
    expect(near.suggestions.find((s) => s.schoolId === 3)!.breakdown.distance).toBeLessThan(further.suggestions.find((s) => s.schoolId === 3)!.breakdown.distance);
    expect(ids(further)[0]).toBe(3);
  });

  it('prefers a partner one or two steps ahead to one behind the asking school', () => {
    const amber = school(1, { supportCategory: 'amber', ...km(0) });
    const index = buildMatchingIndex([amber, school(2, { supportCategory: 'red' }), school(3, { supportCategory: 'green' })]);
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, quiet);
    expect(ids(ranked)).toEqual([3, 2]);
    expect(ranked.suggestions[0]!.reasons).toContainEqual({ key: 'aheadInCategory', params: {} });
  });

  it('reads priority areas from the plan text when none were ticked, in English or Welsh', () => {
    expect(areasFromText('KS4 maths D to C; FSM pupils trailing')).toEqual(['numeracy', 'fsm']);
    expect(areasFromText('Gwella darllen a lles disgyblion')).toEqual(['literacy', 'wellbeing']);
    const index = buildMatchingIndex([asker, school(2, { ...km(1) }), school(3, { ...km(20), strengths: [{ area: 'numeracy', statedBy: 'adviser' }] })]);
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: [], text: 'Raise attainment in mathematics' }, quiet);
    expect(ranked.areas).toEqual(['numeracy']);
    expect(ids(ranked)).toEqual([3, 2]);
  });

  it('explains distance and places, and its breakdown adds up to the score', () => {
    const index = buildMatchingIndex([asker, school(2, { ...km(11), capacity: 3 })]);
    const s = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, { ...quiet, load: new Map([[2, 1]]) }).suggestions[0]!;
    expect(s.reasons).toContainEqual({ key: 'distance', params: { km: 11 } });
    expect(s.reasons).toContainEqual({ key: 'places', params: { taken: 1, capacity: 3 } });
    expect(s.breakdown.total).toBeCloseTo(s.score, 6);
    const { total, ...parts } = s.breakdown;
    expect(Object.values(parts).reduce((a, b) => a + b, 0)).toBeCloseTo(total, 9);
  });

  it('pages with offset ("show more") without repeating or skipping', () => {
    const index = buildMatchingIndex([asker, ...Array.from({ length: 12 }, (_, k) => school(10 + k, { ...km(k + 1) }))]);
    const all = ids(rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, quiet, 12));
    const first = ids(rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, quiet, 5));
    const more = ids(rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, quiet, 5, 5));
    expect([...first, ...more]).toEqual(all.slice(0, 10));
  });

  it('is deterministic: ties go to the lower school number whatever the input order, and scratch state never leaks', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([2, 3, 4, 5, 6, 7, 8, 9], { minLength: 8, maxLength: 8 }), (order) => {
        const index = buildMatchingIndex([asker, ...order.map((id) => school(id))]);
        const busy = rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, { ...quiet, load: new Map([[2, 1]]), recentAsks: new Map([[3, [now.getTime()]]]) }, 8);
        expect(ids(busy).slice(0, 6)).toEqual([4, 5, 6, 7, 8, 9]);
        const calm = rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, quiet, 8);
        expect(ids(calm)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      }),
      { numRuns: 30 },
    );
  });
});

describe('waiting in working days', () => {
  it('skips weekends and keeps the London time of day across the clock change', () => {
    expect(addWorkingDays(new Date('2026-09-07T09:00:00Z'), 5).toISOString()).toBe('2026-09-14T09:00:00.000Z'); // Monday → Monday
    expect(addWorkingDays(new Date('2026-09-11T09:00:00Z'), 1).toISOString()).toBe('2026-09-14T09:00:00.000Z'); // Friday → Monday
    // 10:00 BST on Friday 23 October is 10:00 GMT on Monday 26 October (clocks go back on the 25th).
    expect(addWorkingDays(new Date('2026-10-23T09:00:00Z'), 1).toISOString()).toBe('2026-10-26T10:00:00.000Z');
    expect(addWorkingDays(new Date('2026-12-24T10:00:00Z'), 1, new Set(['2026-12-25', '2026-12-28'])).toISOString()).toBe('2026-12-29T10:00:00.000Z');
  });
});
