import { readDirectorySeedData } from '../../src/features/directory/csv';
import {
  CLUSTER_MAX_SCHOOLS,
  CLUSTER_MIN_SCHOOLS,
  buildClusters,
  familyLabel,
  generateDemoDirectory,
  haversineKm,
  mulberry32,
  type DemoSchoolInput,
} from '../../src/features/directory/demo';
import { PRIORITY_AREAS } from '../../src/features/plans/priorities';

const data = readDirectorySeedData();
const schools: DemoSchoolInput[] = [...data.maintainedSchools, ...data.pupilReferralUnits].map((s) => ({
  id: s.id,
  nameEn: s.nameEn,
  nameCy: s.nameCy,
  laCode: s.laCode,
  phase: s.phase,
  languageMedium: s.languageMedium,
  pupils: s.pupils,
  supportCategory: s.supportCategory,
  latitude: s.latitude,
  longitude: s.longitude,
}));
const byId = new Map(schools.map((s) => [s.id, s]));
const demo = generateDemoDirectory(schools, 42);

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('generateDemoDirectory', () => {
  it('gives the same demo for the same seed, whatever the input order', () => {
    const reversed = generateDemoDirectory([...schools].reverse(), 42);
    expect(reversed).toEqual(demo);
  });

  it('gives a different demo for a different seed', () => {
    const other = generateDemoDirectory(schools, 43);
    const differentFsm = other.schools.filter((s, i) => s.fsmPercent !== demo.schools[i]!.fsmPercent).length;
    expect(differentFsm).toBeGreaterThan(schools.length * 0.9);
    expect(other.strengths).not.toEqual(demo.strengths);
  });

  it('keeps a school’s attributes when another school is added', () => {
    const extra: DemoSchoolInput = { ...schools[0]!, id: 6609999, nameEn: 'Ysgol Newydd' };
    const withExtra = generateDemoDirectory([...schools, extra], 42);
    const amlwch = (d: typeof demo) => d.schools.find((s) => s.schoolId === 6602130);
    expect(amlwch(withExtra)).toEqual(amlwch(demo));
  });

  it('gives every school a plausible FSM share, family, capacity and openness', () => {
    expect(demo.schools).toHaveLength(1544);
    const fsm = demo.schools.map((s) => s.fsmPercent);
    expect(Math.min(...fsm)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...fsm)).toBeLessThanOrEqual(45);
    expect(mean(fsm)).toBeGreaterThan(15);
    expect(mean(fsm)).toBeLessThan(21);
    // Monmouthshire well below Blaenau Gwent, as in life
    const laMean = (la: number) => mean(demo.schools.filter((s) => byId.get(s.schoolId)!.laCode === la).map((s) => s.fsmPercent));
    expect(laMean(679)).toBeLessThan(laMean(677) - 5);

    for (const s of demo.schools) {
      expect(s.family).toBe(familyLabel(byId.get(s.schoolId)!.phase, s.fsmPercent));
      expect(Number.isInteger(s.capacity) && s.capacity >= 0 && s.capacity <= 4).toBe(true);
      if (s.capacity === 0) expect(s.openToRequests).toBe(false);
    }
    const capacities = demo.schools.map((s) => s.capacity);
    expect(capacities.filter((c) => c === 1 || c === 2).length).toBeGreaterThan(capacities.length / 2);
    const capacityOf = (phases: string[]) => mean(demo.schools.filter((s) => phases.includes(byId.get(s.schoolId)!.phase)).map((s) => s.capacity));
    expect(capacityOf(['special', 'pru'])).toBeLessThan(capacityOf(['primary', 'secondary']));
    expect(demo.schools.filter((s) => s.openToRequests).length).toBeGreaterThan(demo.schools.length * 0.75);
  });

  it('labels families by phase and FSM band', () => {
    expect(familyLabel('primary', 17.5)).toBe('Primary family 4 (FSM 16–20%)');
    expect(familyLabel('secondary', 7.9)).toBe('Secondary family 1 (FSM under 8%)');
    expect(familyLabel('secondary', 40)).toBe('Secondary family 7 (FSM 32% and over)');
    expect(familyLabel('pru', 30)).toBe('Pupil referral units family');
  });

  it('gives each school one to three distinct strengths, never "other", mostly stated by the school', () => {
    const perSchool = new Map<number, string[]>();
    for (const s of demo.strengths) perSchool.set(s.schoolId, [...(perSchool.get(s.schoolId) ?? []), s.area]);
    expect(perSchool.size).toBe(1544);
    for (const areas of perSchool.values()) {
      expect(areas.length).toBeGreaterThanOrEqual(1);
      expect(areas.length).toBeLessThanOrEqual(3);
      expect(new Set(areas).size).toBe(areas.length);
    }
    const areas = new Set(demo.strengths.map((s) => s.area));
    expect(areas.has('other')).toBe(false);
    expect([...areas].every((a) => (PRIORITY_AREAS as readonly string[]).includes(a))).toBe(true);
    expect(areas.size).toBe(PRIORITY_AREAS.length - 1); // every real area turns up somewhere

    const share = (by: string) => demo.strengths.filter((s) => s.statedBy === by).length / demo.strengths.length;
    expect(share('school')).toBeGreaterThan(0.5);
    expect(share('adviser')).toBeGreaterThan(share('inspection'));
    expect(share('inspection')).toBeLessThan(0.2);
    expect(demo.strengths.every((s) => s.description.length > 20 && s.evidence.startsWith('Demo data.'))).toBe(true);
    expect(demo.strengths.some((s) => /\{|\}/.test(s.description))).toBe(false);
  });

  it('writes every strength in Welsh as well, with no English left in it', () => {
    expect(demo.strengths.every((s) => s.descriptionCy.length > 20 && s.evidenceCy.startsWith('Data demo.'))).toBe(true);
    expect(demo.strengths.filter((s) => /[{}]/.test(s.descriptionCy + s.evidenceCy))).toEqual([]);
    // Words only the English uses (the Welsh never borrows them); charter and programme names are Welsh already.
    const english = /\b(the|and|with|for|of|that|pupils|school|schools|Demo data|stage|teaching|Welsh Language Charter)\b/i;
    expect(demo.strengths.filter((s) => english.test(s.descriptionCy) || english.test(s.evidenceCy)).map((s) => s.descriptionCy)).toEqual([]);
    // Each English description has one Welsh one, whatever the school: the two were drawn together.
    const welshOf = new Map<string, Set<string>>();
    for (const s of demo.strengths) welshOf.set(s.description, (welshOf.get(s.description) ?? new Set()).add(s.descriptionCy));
    expect([...welshOf.values()].filter((forms) => forms.size > 1)).toEqual([]);
    expect(welshOf.size).toBeGreaterThan(40);
  });

  it('writes the charter and the key stage in Welsh where the English names them', () => {
    const sample = (pattern: RegExp) => demo.strengths.find((s) => pattern.test(s.description))!;
    expect(sample(/^Cymraeg Campus/).descriptionCy).toBe('Gwaith Cymraeg Campus sydd wedi cynyddu defnydd disgyblion o’r Gymraeg y tu allan i wersi');
    expect(sample(/^Siarter Iaith/).descriptionCy).toBe('Gwaith y Siarter Iaith sydd wedi cynyddu defnydd disgyblion o’r Gymraeg y tu allan i wersi');
    expect(sample(/^Targeted maths intervention that has closed gaps in key stage 3$/).descriptionCy).toBe(
      'Ymyrraeth fathemateg wedi’i thargedu sydd wedi cau bylchau yng nghyfnod allweddol 3',
    );
    expect(sample(/^Restorative approaches .* in the Foundation Phase$/).descriptionCy).toBe('Dulliau adferol sydd wedi gwella ymddygiad yn y Cyfnod Sylfaen');
  });

  it('verifies strengths of green schools more often than of red ones, and gives red ones fewer', () => {
    const ofCategory = (category: string) => demo.strengths.filter((s) => byId.get(s.schoolId)!.supportCategory === category);
    const verified = (list: typeof demo.strengths) => list.filter((s) => s.statedBy !== 'school').length / list.length;
    expect(verified(ofCategory('green'))).toBeGreaterThan(verified(ofCategory('red')) + 0.2);
    const perSchool = (category: string) => ofCategory(category).length / schools.filter((s) => s.supportCategory === category).length;
    expect(perSchool('green')).toBeGreaterThan(perSchool('red') + 0.7);
  });
});

describe('clusters', () => {
  const clusters = demo.clusters;

  it('builds one cluster round each secondary and all-age school, named after it', () => {
    const hubs = schools.filter((s) => s.phase === 'secondary' || s.phase === 'middle');
    expect(clusters).toHaveLength(hubs.length);
    for (const c of clusters) {
      const hub = byId.get(c.hubSchoolId)!;
      expect(['secondary', 'middle']).toContain(hub.phase);
      expect(c.name).toBe(`${hub.nameEn} cluster`);
      expect(c.nameCy).toBe(`Clwstwr ${hub.nameCy ?? hub.nameEn}`);
      expect(c.memberIds).toContain(c.hubSchoolId);
      expect(c.memberIds).toContain(c.leadSchoolId);
      expect(c.memberIds.every((id) => byId.get(id)!.laCode === c.laCode)).toBe(true);
      expect(c.language).toBe(hub.languageMedium === 'welsh' ? 'cy' : 'both');
    }
  });

  it('puts no school in two clusters and every primary in one', () => {
    const members = clusters.flatMap((c) => c.memberIds);
    expect(new Set(members).size).toBe(members.length);
    const primaries = schools.filter((s) => s.phase === 'primary').map((s) => s.id);
    expect(primaries.every((id) => members.includes(id))).toBe(true);
    const outside = schools.filter((s) => s.phase === 'special' || s.phase === 'pru');
    expect(outside.some((s) => members.includes(s.id))).toBe(false);
  });

  it('has 5 to 12 schools in each cluster where the LA has enough schools', () => {
    const laCodes = [...new Set(clusters.map((c) => c.laCode))];
    let checked = 0;
    for (const la of laCodes) {
      const inLa = schools.filter((s) => s.laCode === la);
      const hubs = inLa.filter((s) => s.phase === 'secondary' || s.phase === 'middle').length;
      const feeders = inLa.filter((s) => s.phase === 'primary' || s.phase === 'nursery').length;
      if (feeders < hubs * (CLUSTER_MIN_SCHOOLS - 1)) continue;
      for (const c of clusters.filter((c) => c.laCode === la)) {
        expect(c.memberIds.length).toBeGreaterThanOrEqual(CLUSTER_MIN_SCHOOLS);
        expect(c.memberIds.length).toBeLessThanOrEqual(CLUSTER_MAX_SCHOOLS);
        checked++;
      }
    }
    expect(checked).toBe(clusters.length); // every Welsh LA has enough
  });

  it('mostly lets the secondary lead, sometimes a primary', () => {
    const ledByHub = clusters.filter((c) => c.leadSchoolId === c.hubSchoolId).length;
    expect(ledByHub).toBeGreaterThan(clusters.length * 0.6);
    expect(ledByHub).toBeLessThan(clusters.length);
  });
});

describe('cluster geography', () => {
  const school = (
    id: number,
    phase: DemoSchoolInput['phase'],
    latitude: number | null,
    longitude: number | null,
    languageMedium: DemoSchoolInput['languageMedium'] = 'english',
  ): DemoSchoolInput => ({
    id,
    nameEn: `School ${id}`,
    nameCy: null,
    laCode: 999,
    phase,
    languageMedium,
    pupils: 200,
    supportCategory: null,
    latitude,
    longitude,
  });

  it('measures great-circle distance', () => {
    const cardiff = { latitude: 51.4816, longitude: -3.1791 };
    const swansea = { latitude: 51.6214, longitude: -3.9436 };
    expect(haversineKm(cardiff, swansea)).toBeCloseTo(55.1, 1);
    expect(haversineKm(cardiff, cardiff)).toBe(0);
  });

  it('sends primaries to the nearest secondary, Welsh-medium ones to the Welsh-medium secondary, and those without coordinates to the first', () => {
    const west = school(100, 'secondary', 51.6, -4.0);
    const east = school(200, 'secondary', 51.6, -3.0, 'welsh');
    const westPrimaries = [1, 2, 3, 4, 5].map((i) => school(100 + i, 'primary', 51.6 + i * 0.01, -4.0));
    const eastPrimaries = [1, 2, 3, 4].map((i) => school(200 + i, 'primary', 51.6 + i * 0.01, -3.0));
    // nearer the west (English-medium) secondary, but Welsh-medium: 30 km vs 40 km
    const welshPrimary = school(150, 'primary', 51.6, -3.57, 'welsh');
    const unlocated = school(160, 'primary', null, null);
    const result = buildClusters([east, ...eastPrimaries, welshPrimary, unlocated, west, ...westPrimaries], 7);
    const members = (hub: number) => result.find((c) => c.hubSchoolId === hub)!.memberIds;
    expect(members(100)).toEqual([100, 101, 102, 103, 104, 105, 160]);
    expect(members(200)).toEqual([150, 200, 201, 202, 203, 204]);
  });

  it('tops up a cluster with too few schools from a bigger neighbour', () => {
    const a = school(100, 'secondary', 51.6, -4.0);
    const b = school(200, 'secondary', 51.6, -3.9);
    const nearA = Array.from({ length: 9 }, (_, i) => school(101 + i, 'primary', 51.6 + i * 0.002, -4.0));
    const result = buildClusters([a, b, ...nearA], 7);
    const sizes = result.map((c) => c.memberIds.length);
    expect(sizes.every((n) => n >= CLUSTER_MIN_SCHOOLS)).toBe(true);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(11);
  });
});

describe('mulberry32', () => {
  it('repeats for a seed and stays in [0, 1)', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const draws = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mean(draws)).toBeGreaterThan(0.45);
    expect(mean(draws)).toBeLessThan(0.55);
    expect(mulberry32(2)()).not.toBe(mulberry32(1)());
  });
});
