import { SqlSchoolRepository } from '../../src/features/directory/repository';
import { checkImport, importDirectory } from '../../src/features/directory/import';
import type { Database } from '../../src/platform/db/db';
import { pgliteForTest } from '../support/databases';
import { seedSmallDirectory } from '../support/harness';

const LAS = new Set([669, 678]);

describe('checking a directory CSV', () => {
  it('accepts our own columns', () => {
    const checked = checkImport(
      'school_number,name_en,name_cy,la_code,phase,language_medium,pupils,fsm_percent,capacity,open_to_requests,latitude,longitude,postcode\n' +
        '6789001,Ysgol Newydd,Ysgol Newydd,678,primary,welsh,210,12.5,3,yes,51.65,-3.02,NP44 3XX\n',
      LAS,
    );
    expect(checked.errors).toEqual([]);
    expect(checked.rows).toEqual([
      expect.objectContaining({
        line: 2,
        id: 6789001,
        phase: 'primary',
        languageMedium: 'welsh',
        pupils: 210,
        fsmPercent: 12.5,
        capacity: 3,
        openToRequests: true,
        postcode: 'NP44 3XX',
      }),
    ]);
  });

  it('accepts the Welsh Government address list headers where they overlap, ignoring the rest', () => {
    const checked = checkImport(
      'School Number,School Name,LA Code,Local Authority,Address 1,Postcode,Phone Number,Sector,Welsh Medium Type\n' +
        '6784001,Cwmbran High School,678,Torfaen,Henllys Way,NP44 7YB,01633 123456,Secondary,English medium\n' +
        '6782002,Ysgol Gymraeg Cwmbran,678,Torfaen,Heol y Parc,NP44 1AA,01633 654321,Primary,Welsh medium\n',
      LAS,
    );
    expect(checked.errors).toEqual([]);
    expect(checked.rows.map((r) => [r.id, r.phase, r.languageMedium])).toEqual([
      [6784001, 'secondary', 'english'],
      [6782002, 'primary', 'welsh'],
    ]);
  });

  it('lists every error of a broken file with its line and column, and reads no row with a problem', () => {
    const text = [
      'school_number,name_en,la_code,phase,capacity,open_to_requests,fsm_percent,latitude,longitude,postcode,support_category',
      '6789001,Good School,678,primary,2,yes,10,51.6,-3.0,NP44 3XX,green', // line 2: fine
      '678900X,,999,tertiary,-1,maybe,140,51.6,,NOT A CODE,purple', // line 3: everything wrong
      '6789001,Same Number,678,primary,2,yes,,,,,', // line 4: duplicate of line 2
      '"6789003","A ""quoted""',
      'name over two lines",678,primary,2,no,,,,,', // lines 5-6: one record
      '6789004,Short Row,678', // line 7: missing columns
      '6789005,After,678,secondary,2,no,,,,,', // line 8: fine
    ].join('\n');
    const checked = checkImport(text, LAS);
    const found = checked.errors.map((e) => `${e.line}:${e.column}:${e.key}`);
    expect(found).toEqual([
      '3:school_number:import.error.schoolNumber',
      '3:name_en:import.error.required',
      '3:la_code:import.error.laCode',
      '3:phase:import.error.phase',
      '3:fsm_percent:import.error.number',
      '3:longitude:import.error.coordinatePair',
      '3:capacity:import.error.wholeNumber',
      '3:support_category:import.error.category',
      '3:open_to_requests:import.error.yesNo',
      '3:postcode:import.error.postcode',
      '4:school_number:import.error.duplicateSchool',
      '7::import.error.columnCount',
      '7:phase:import.error.phase',
    ]);
    expect(checked.errors.find((e) => e.key === 'import.error.duplicateSchool')!.params).toMatchObject({ first: 2 });
    expect(checked.rows.map((r) => [r.line, r.id])).toEqual([
      [2, 6789001],
      [5, 6789003],
      [8, 6789005],
    ]);
    expect(checked.rows[1]!.nameEn).toBe('A "quoted" name over two lines');
  });

  it('names missing required columns on the header line', () => {
    const checked = checkImport('name_en,postcode\nSomewhere,NP44 3XX\n', LAS);
    expect(checked.errors.map((e) => `${e.line}:${e.column}:${e.key}`)).toEqual([
      '1:school_number:import.error.missingColumn',
      '1:la_code:import.error.missingColumn',
      '1:phase:import.error.missingColumn',
    ]);
  });

  it('reports an unreadable file and an empty one', () => {
    expect(checkImport('school_number,name_en\n"6789001,unclosed\n', LAS).errors[0]).toMatchObject({ key: 'import.error.unreadable' });
    expect(checkImport('', LAS).errors).toEqual([{ line: 1, column: '', key: 'import.error.empty' }]);
    expect(checkImport('school_number,name_en,la_code,phase\n', LAS).errors).toEqual([{ line: 1, column: '', key: 'import.error.empty' }]);
  });
});

describe('importing into the directory', () => {
  let db: Database;
  beforeEach(async () => {
    db = await pgliteForTest(seedSmallDirectory);
  });
  afterEach(async () => {
    await db.close();
  });

  const count = async () => (await db.query<{ n: number }>('select count(*)::int as n from schools'))[0]!.n;

  it('writes nothing at all when any row is invalid', async () => {
    const before = await count();
    const result = await importDirectory(db, 'school_number,name_en,la_code,phase\n6789001,Fine School,678,primary\n6789002,Broken,999,primary\n');
    expect(result.errors.map((e) => `${e.line}:${e.column}`)).toEqual(['3:la_code']);
    expect(result.inserted + result.updated).toBe(0);
    expect(await count()).toBe(before);
  });

  it('adds new schools and updates known ones in place, leaving absent columns alone; a re-import duplicates nothing', async () => {
    await db.query('update schools set capacity = 4, fsm_percent = 22.5 where id = 6784001');
    const text =
      'School Number,School Name,LA Code,Sector,Welsh Medium Type,capacity\n' +
      '6784001,Cwmbran High School (renamed),678,Secondary,English medium,3\n' +
      '6789001,Ysgol Newydd,678,Primary,Welsh medium,1\n';
    const before = await count();
    expect(await importDirectory(db, text)).toEqual({ errors: [], inserted: 1, updated: 1 });
    expect(await importDirectory(db, text)).toEqual({ errors: [], inserted: 0, updated: 2 });
    expect(await count()).toBe(before + 1);
    const schools = new SqlSchoolRepository(db);
    expect(await schools.get(6784001)).toMatchObject({ nameEn: 'Cwmbran High School (renamed)', capacity: 3, fsmPercent: 22.5 });
    expect(await schools.get(6789001)).toMatchObject({ nameEn: 'Ysgol Newydd', phase: 'primary', languageMedium: 'welsh', capacity: 1, openToRequests: true });
  });
});
