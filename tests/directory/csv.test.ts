import {
  SEED_FILES,
  SeedDataError,
  cleanName,
  languageMediumFromWelshMediumType,
  maintainedSchoolsFromCsv,
  parseCsv,
  phaseFromSector,
  pupilReferralUnitsFromCsv,
  pupilsFrom,
  readDirectorySeedData,
  readSeedCsv,
  supportCategoryFrom,
  type CsvRecord,
} from '../../src/features/directory/csv';

const maintained = readSeedCsv(SEED_FILES.maintainedSchools);
const row = (schoolCode: string): CsvRecord => {
  const found = maintained.find((r) => r['school_code'] === schoolCode);
  if (!found) throw new Error(`no row ${schoolCode}`);
  return found;
};

describe('phaseFromSector', () => {
  it.each([
    ['6602130', 'primary'], // Ysgol Gynradd Amlwch, Nursery, Infants & Juniors
    ['6604025', 'secondary'], // Ysgol Syr Thomas Jones, 11-19
    ['6615500', 'middle'], // Ysgol Bro Idris, Middle (ages 3-16)
    ['6651007', 'nursery'], // Wrexham Early Years Centre
    ['6607011', 'special'], // Canolfan Addysg Y Bont
  ])('maps school %s to %s', (code, phase) => {
    const r = row(code);
    expect(phaseFromSector(r['sector']!, r['school_type']!)).toBe(phase);
  });

  it('gives every real row a phase, in the proportions the list has', () => {
    const counts: Record<string, number> = {};
    for (const r of maintained) {
      const phase = phaseFromSector(r['sector']!, r['school_type']!);
      counts[phase] = (counts[phase] ?? 0) + 1;
    }
    expect(counts).toEqual({ primary: 1261, secondary: 195, special: 41, middle: 13, nursery: 11 });
  });

  it('falls back on school type when sector is missing, and refuses what it cannot place', () => {
    expect(phaseFromSector('', 'Infants & Juniors')).toBe('primary');
    expect(phaseFromSector('', 'Middle (ages 3-19)')).toBe('middle');
    expect(phaseFromSector('', 'Special (without post-16 provision)')).toBe('special');
    expect(() => phaseFromSector('Tertiary', 'Sixth form college')).toThrow(SeedDataError);
  });
});

describe('languageMediumFromWelshMediumType', () => {
  it('covers every code in the list, each with its expected medium', () => {
    const pairs = new Map<string, string>();
    for (const r of maintained) {
      pairs.set(`${r['wm_code']} ${r['welsh_medium_type']}`, languageMediumFromWelshMediumType(r['wm_code']!, r['welsh_medium_type']!));
    }
    expect(Object.fromEntries(pairs)).toEqual({
      'WM Welsh medium': 'welsh',
      'EM English medium': 'english',
      'NA Not applicable': 'english',
      'EW English with significant Welsh': 'dual',
      'DS Dual Stream': 'dual',
      'TR Transitional': 'dual',
      'AB Bilingual (Type A)': 'dual',
      'BB Bilingual (Type B)': 'dual',
      'CB Bilingual (Type C)': 'dual',
    });
  });

  it('maps real schools', () => {
    const medium = (code: string) => languageMediumFromWelshMediumType(row(code)['wm_code']!, row(code)['welsh_medium_type']!);
    expect(medium('6814071')).toBe('welsh'); // Ysgol Gyfun Gymraeg Glantaf
    expect(medium('6605200')).toBe('dual'); // Ysgol Caergeiliog, dual stream
    expect(medium('6624022')).toBe('english'); // Ysgol John Bright
  });

  it('reads the description when the code is unknown', () => {
    expect(languageMediumFromWelshMediumType('', 'Welsh medium')).toBe('welsh');
    expect(languageMediumFromWelshMediumType('XX', 'Bilingual (Type CH)')).toBe('dual');
    expect(languageMediumFromWelshMediumType('', '')).toBe('english');
  });
});

describe('supportCategoryFrom and pupilsFrom', () => {
  it('lower-cases categories and leaves blanks empty', () => {
    expect(supportCategoryFrom(row('6614002')['support_category_2019']!)).toBe('red'); // Ysgol Dyffryn Ogwen
    expect(supportCategoryFrom(row('6605200')['support_category_2019']!)).toBe('green');
    expect(supportCategoryFrom(row('6651007')['support_category_2019']!)).toBeNull(); // nursery, not categorised
    expect(() => supportCategoryFrom('Purple')).toThrow(SeedDataError);
  });

  it('reads pupils as whole numbers, blank as null', () => {
    expect(pupilsFrom(row('6602130')['pupils_jan2018']!)).toBe(278);
    expect(pupilsFrom(row('6662154')['pupils_jan2018']!)).toBeNull(); // Ysgol Gymraeg y Trallwng, not in the census
    expect(pupilsFrom('1,042')).toBe(1042);
    expect(pupilsFrom('n/a')).toBeNull();
  });
});

describe('seed files', () => {
  it('turns a maintained row into a school', () => {
    const [amlwch] = maintainedSchoolsFromCsv([row('6602130')]);
    expect(amlwch).toEqual({
      id: 6602130,
      nameEn: 'Ysgol Gynradd Amlwch',
      nameCy: null,
      laCode: 660,
      phase: 'primary',
      languageMedium: 'welsh',
      pupils: 278,
      supportCategory: 'amber',
      latitude: 53.412411,
      longitude: -4.346583,
      postcode: 'LL68 9DY',
    });
  });

  it('reads all LAs, maintained schools and PRUs, with the gaps the data really has', () => {
    const data = readDirectorySeedData();
    expect(data.localAuthorities).toHaveLength(22);
    expect(data.localAuthorities.find((la) => la.code === 681)).toEqual({
      code: 681,
      nameEn: 'Cardiff',
      nameCy: 'Caerdydd',
      onsCode: 'W06000015',
      consortium: 'CSC',
    });
    expect(data.maintainedSchools).toHaveLength(1521);
    expect(data.pupilReferralUnits).toHaveLength(23);
    expect(data.pupilReferralUnits.every((p) => p.phase === 'pru' && p.latitude === null && p.longitude === null)).toBe(true);
    expect(data.maintainedSchools.filter((s) => s.latitude === null)).toHaveLength(36);
    expect(data.maintainedSchools.filter((s) => s.supportCategory === null)).toHaveLength(73);
    expect(data.maintainedSchools.filter((s) => s.pupils === null)).toHaveLength(5);
    // trailing space in the source: "Ysgol Gymraeg Dewi Sant "
    expect(data.maintainedSchools.find((s) => s.id === 6732184)?.nameEn).toBe('Ysgol Gymraeg Dewi Sant');
  });

  it('tidies PRU names and keeps their LA', () => {
    const units = pupilReferralUnitsFromCsv(readSeedCsv(SEED_FILES.pupilReferralUnits));
    expect(units.find((u) => u.id === 6741106)).toMatchObject({
      nameEn: 'Ty Gwyn Education Centres',
      laCode: 674,
      postcode: 'CF44 8SS',
      languageMedium: 'english',
      pupils: null,
    });
    expect(cleanName('  Ty Gwyn  Education\tCentres ')).toBe('Ty Gwyn Education Centres');
  });

  it('parses quoted fields and a byte-order mark', () => {
    const records = parseCsv('\uFEFFschool_code,school_type\n1,"Nursery, Infants & Juniors"\n');
    expect(records).toEqual([{ school_code: '1', school_type: 'Nursery, Infants & Juniors' }]);
  });
});
