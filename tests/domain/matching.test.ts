import fc from 'fast-check';
import {
  MATCH_RULES,
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
    expect(ids(ranked).slice(0, 2).sort()).toEqual([3, 4]);
    expect(ids(ranked)[2]).toBe(2);
    expect(ranked.suggestions.find((s) => s.schoolId === 3)!.reasons[0]).toEqual({ key: 'strengthVerified', params: { area: 'numeracy', by: 'inspection' } });
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
    const busy = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['literacy'] }, { ...quiet, load: new Map([[2, 1]]) });
    expect(ids(busy)).toEqual([3, 2]);
    expect(busy.suggestions[1]!.reasons).toContainEqual({ key: 'places', params: { taken: 1, capacity: 3 } });
  });

  it('lowers schools asked recently (fairness), less as the asks age', () => {
    const strong = [{ area: 'literacy' as const, statedBy: 'adviser' as const }];
    const index = buildMatchingIndex([asker, school(2, { strengths: strong }), school(3, { strengths: strong })]);
    const askedYesterday = rankSchools(
      index,
      { askingSchoolId: 1, priorityAreas: ['literacy'] },
      { ...quiet, recentAsks: new Map([[2, [now.getTime() - DAY]]]) },
    );
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

  it('lets a special school look further for other special schools, and only for them', () => {
    const specialAsker = school(1, { phase: 'special', ...km(0) });
    const aln = [{ area: 'aln' as const, statedBy: 'school' as const }];
    const index = buildMatchingIndex([
      specialAsker,
      school(2, { phase: 'primary', ...km(3), strengths: aln }),
      school(3, { phase: 'special', ...km(70), strengths: aln }),
      school(4, { phase: 'primary', ...km(70), strengths: aln }),
      ...[5, 6, 7, 8, 9].map((id) => school(id, { phase: 'primary', ...km(10 + id), strengths: aln })),
    ]);
    // Six primaries strong in ALN within 40 km: the special school 70 km away is beyond range and not shown.
    const near = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['aln'] }, quiet, 10);
    expect(ids(near)).not.toContain(3);
    expect(near.beyondShown).toBe(false);
    // Looking further: the special school is within its wider range and first (its own kind); the primary at 70 km is not.
    const further = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['aln'], lookFurther: true }, quiet, 10);
    expect(ids(further)[0]).toBe(3);
    expect(ids(further)).not.toContain(4);
    expect(further.furtherKm).toBe(MATCH_RULES.furtherRangeKm);
  });

  it('puts the asker’s own kind before covering more of the areas, and covering more before a related rather than the same phase', () => {
    const specialAsker = school(1, { phase: 'special', ...km(0) });
    const index = buildMatchingIndex([
      specialAsker,
      school(2, {
        phase: 'primary',
        ...km(2),
        strengths: [
          { area: 'aln', statedBy: 'adviser' },
          { area: 'attendance', statedBy: 'adviser' },
        ],
      }),
      school(3, { phase: 'special', ...km(25), strengths: [{ area: 'aln', statedBy: 'school' }] }),
    ]);
    expect(ids(rankSchools(index, { askingSchoolId: 1, priorityAreas: ['aln', 'attendance'] }, quiet))).toEqual([3, 2]);
    const primary = buildMatchingIndex([
      asker,
      school(2, {
        phase: 'middle',
        ...km(2),
        strengths: [
          { area: 'aln', statedBy: 'school' },
          { area: 'attendance', statedBy: 'school' },
        ],
      }),
      school(3, { ...km(2), strengths: [{ area: 'aln', statedBy: 'school' }] }),
    ]);
    expect(ids(rankSchools(primary, { askingSchoolId: 1, priorityAreas: ['aln', 'attendance'] }, quiet))).toEqual([2, 3]);
  });

  it('prefers a partner one or two steps ahead to one behind, only where a deployment turns the categories on', () => {
    const amber = school(1, { supportCategory: 'amber', ...km(0) });
    const index = buildMatchingIndex([amber, school(2, { supportCategory: 'red' }), school(3, { supportCategory: 'green' })]);
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, { ...quiet, supportCategories: true });
    expect(ids(ranked)).toEqual([3, 2]);
    expect(ranked.suggestions[0]!.reasons).toContainEqual({ key: 'aheadInCategory', params: {} });
    // Off by default (categorisation ended in 2022): the categories change nothing.
    const plain = rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, quiet);
    expect(plain.suggestions.map((s) => s.breakdown.supportGap)).toEqual([0, 0]);
    expect(plain.suggestions.flatMap((s) => s.reasons)).not.toContainEqual({ key: 'aheadInCategory', params: {} });
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

  it('is deterministic whatever the input order, breaks exact ties by distance then load, never by school number', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([2, 3, 4, 5, 6, 7, 8, 9], { minLength: 8, maxLength: 8 }), (order) => {
        const index = buildMatchingIndex([asker, ...order.map((id) => school(id, { ...km(id === 9 ? 4 : 5) }))]);
        const busy = rankSchools(index, { askingSchoolId: 1, priorityAreas: [] }, { ...quiet, load: new Map([[2, 1]]) }, 8);
        expect(ids(busy)[0]).toBe(9); // the nearest
        expect(ids(busy)[7]).toBe(2); // the busiest
        const again = rankSchools(
          buildMatchingIndex([asker, ...[2, 3, 4, 5, 6, 7, 8, 9].map((id) => school(id, { ...km(id === 9 ? 4 : 5) }))]),
          { askingSchoolId: 1, priorityAreas: [] },
          { ...quiet, load: new Map([[2, 1]]) },
          8,
        );
        expect(ids(busy)).toEqual(ids(again));
      }),
      { numRuns: 30 },
    );
    // Among equals, the order is not the school numbers' (which would favour one part of Wales).
    const equals = buildMatchingIndex([asker, ...Array.from({ length: 20 }, (_, k) => school(100 + k))]);
    const order = ids(rankSchools(equals, { askingSchoolId: 1, priorityAreas: [] }, quiet, 20));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it('keeps schools beyond the range out unless fewer than five strong in the need are within it, and says how far the nearest is', () => {
    const strong = [{ area: 'numeracy' as const, statedBy: 'school' as const }];
    const verified = [{ area: 'numeracy' as const, statedBy: 'adviser' as const, verifiedAt: new Date('2026-03-10') }];
    const far = school(90, { ...km(73), strengths: verified }); // verified, but 73 km away
    const none = buildMatchingIndex([asker, far, school(2, { ...km(2) })]);
    const alone = rankSchools(none, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, quiet);
    expect(alone.inRange).toBe(0);
    expect(alone.beyondShown).toBe(true);
    expect(alone.nearestBeyondKm).toBeCloseTo(73, 0);
    expect(ids(alone)).toEqual([90, 2]); // strong beyond range, then in range without the strength
    expect(alone.suggestions[0]!.tier).toBe('beyondRange');
    expect(alone.suggestions[0]!.reasons).toContainEqual({ key: 'beyondRange', params: { range: 40 } });

    const five = buildMatchingIndex([asker, far, ...[2, 3, 4, 5, 6].map((id) => school(id, { ...km(5 + id * 5), strengths: strong }))]);
    const full = rankSchools(five, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, quiet, 10);
    expect(full.inRange).toBe(5);
    expect(full.beyondShown).toBe(false);
    expect(ids(full)).not.toContain(90);
    expect(full.eligible).toBe(5);
    // A self-stated strength 15 km away beats a verified one 73 km away, whatever the weights.
    const four = rankSchools(five, { askingSchoolId: 1, priorityAreas: ['numeracy'], exclude: [6] }, quiet, 10);
    expect(ids(four)).toEqual([2, 3, 4, 5, 90]);
    // A wider range set by the deployment brings it in.
    expect(ids(rankSchools(five, { askingSchoolId: 1, priorityAreas: ['numeracy'], rangeKm: 80 }, quiet, 10))).toContain(90);
  });

  it('gives every school a place: its postcode district’s, else its LA’s centre, and says "about"', () => {
    const index = buildMatchingIndex([
      school(1, { ...km(0), postcode: 'CF14 1AA' }),
      school(2, { ...km(6), postcode: 'CF14 2BB' }),
      school(3, { latitude: null, longitude: null, postcode: 'CF14 9ZZ', strengths: [{ area: 'wellbeing', statedBy: 'school' }] }),
      school(4, { latitude: null, longitude: null, postcode: 'NP44 1AA', laCode: 681, strengths: [{ area: 'wellbeing', statedBy: 'school' }] }),
      school(5, { latitude: null, longitude: null, postcode: null, laCode: 999 }),
    ]);
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['wellbeing'] }, quiet);
    const byId = new Map(ranked.suggestions.map((s) => [s.schoolId, s]));
    expect(byId.get(3)!.km).toBeCloseTo(3, 0); // the middle of the two CF14 schools
    expect(byId.get(3)!.reasons).toContainEqual({ key: 'distanceAbout', params: { km: 3 } });
    expect(byId.get(4)!.km).toBeCloseTo(3, 0); // no other NP44 school: LA 681's centre
    expect(byId.get(4)!.kmApproximate).toBe(true);
    expect(byId.get(2)!.reasons).toContainEqual({ key: 'distance', params: { km: 6 } });
    expect(byId.get(5)!.reasons).toContainEqual({ key: 'distanceUnknown', params: {} });
  });

  it('counts asks waiting for an answer against a school’s places', () => {
    const strong = [{ area: 'numeracy' as const, statedBy: 'school' as const }];
    const index = buildMatchingIndex([asker, school(2, { ...km(1), capacity: 1, strengths: strong }), school(3, { ...km(3), capacity: 2, strengths: strong })]);
    const waiting = rankSchools(
      index,
      { askingSchoolId: 1, priorityAreas: ['numeracy'] },
      {
        ...quiet,
        pending: new Map([
          [2, 1],
          [3, 1],
        ]),
      },
    );
    expect(ids(waiting)).toEqual([3]); // the one-place school is not asked again while its ask waits
    expect(waiting.suggestions[0]!.reasons).toContainEqual({ key: 'pendingAsks', params: { count: 1 } });
  });

  it('counts evidence older than the configured years as the school’s own view, and dates the rest', () => {
    const index = buildMatchingIndex([
      asker,
      school(2, { strengths: [{ area: 'numeracy', statedBy: 'adviser', verifiedAt: new Date('2026-03-10') }] }),
      school(3, { strengths: [{ area: 'numeracy', statedBy: 'inspection', verifiedAt: new Date('2019-06-01') }] }),
      school(4, { strengths: [{ area: 'numeracy', statedBy: 'school' }] }),
    ]);
    const ranked = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, quiet);
    expect(ids(ranked)[0]).toBe(2);
    const byId = new Map(ranked.suggestions.map((s) => [s.schoolId, s]));
    expect(byId.get(2)!.reasons[0]).toEqual({ key: 'strengthVerifiedOn', params: { area: 'numeracy', by: 'adviser', month: 3, year: 2026 } });
    expect(byId.get(3)!.reasons[0]).toEqual({ key: 'strengthOld', params: { area: 'numeracy', by: 'inspection', month: 6, year: 2019 } });
    expect(byId.get(3)!.breakdown.strength).toBe(byId.get(4)!.breakdown.strength);
    // With ten years allowed, the 2019 inspection counts in full again.
    const lenient = rankSchools(index, { askingSchoolId: 1, priorityAreas: ['numeracy'] }, { ...quiet, evidenceMaxAgeYears: 10 });
    expect(lenient.suggestions.find((s) => s.schoolId === 3)!.breakdown.strength).toBe(lenient.suggestions.find((s) => s.schoolId === 2)!.breakdown.strength);
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
