import { SqlSchoolRepository, escapeLike, foldForSearch } from '../../src/features/directory/repository';
import { loadDirectorySeed } from '../../src/features/directory/seed';
import type { SchoolLookup } from '../../src/features/directory/names';
import type { Database } from '../../src/platform/db/db';
import { databasesUnderTest } from '../support/databases';

describe('search folding', () => {
  it('folds case, Welsh accents, apostrophes and hyphens', () => {
    expect(foldForSearch('  Ysgol  Lôn Las ')).toBe('ysgol lon las');
    expect(foldForSearch('ŶŴÂ ŷŵâ ëï')).toBe('ywa ywa ei');
    expect(foldForSearch('Pentre’r Graig')).toBe("pentre'r graig");
    expect(foldForSearch('Nant-y-Bryniau')).toBe('nant y bryniau');
    expect(foldForSearch('Lo\u0302n')).toBe('lon'); // decomposed circumflex
  });

  it('escapes LIKE wildcards and the escape character', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
  });
});

describe.each(databasesUnderTest())('school repository on $name', ({ open }) => {
  let db: Database;
  let schools: SqlSchoolRepository;
  beforeAll(async () => {
    db = await open();
    await loadDirectorySeed(db, { demo: true, seed: 3 });
    schools = new SqlSchoolRepository(db);
  });
  afterAll(() => db.close());

  it('serves as the bot’s school lookup', () => {
    const lookup: SchoolLookup = schools; // compile-time check of the shapes
    expect(typeof lookup.searchByName).toBe('function');
  });

  it('counts the schools', async () => {
    expect(await schools.count()).toBe(1544);
  });

  it('gets a school with its LA in both languages and its demo cluster', async () => {
    const school = await schools.get(6814071);
    expect(school).toMatchObject({
      id: 6814071,
      nameEn: 'Ysgol Gyfun Gymraeg Glantaf',
      nameCy: null,
      laCode: 681,
      laNameEn: 'Cardiff',
      laNameCy: 'Caerdydd',
      consortium: 'CSC',
      phase: 'secondary',
      languageMedium: 'welsh',
      demoAttributes: true,
      cluster: { id: expect.any(Number), name: 'Ysgol Gyfun Gymraeg Glantaf cluster', nameCy: 'Clwstwr Ysgol Gyfun Gymraeg Glantaf' },
    });
    expect(typeof school!.fsmPercent).toBe('number');
    expect(await schools.get(1)).toBeNull();
  });

  it('finds a Welsh-medium school by part of its name, whatever the case and accents', async () => {
    const expected = {
      id: 6692179,
      nameEn: 'Ysgol Gymraeg Rhydaman',
      laNameEn: 'Carmarthenshire',
      laNameCy: 'Sir Gaerfyrddin',
      phase: 'primary',
      languageMedium: 'welsh',
    };
    expect(await schools.searchByName('rhydaman')).toEqual([{ ...expected, nameCy: null }]);
    expect(await schools.searchByName('GYMRAEG RHYDAMAN')).toEqual([{ ...expected, nameCy: null }]);
    // the open data drops Welsh accents ("Lon Las"); people type them
    const lonLas = await schools.searchByName('Lôn Las');
    expect(lonLas.map((s) => s.id)).toContain(6702036);
    // words in another order or apart still match
    expect((await schools.searchByName('ysgol rhydaman')).map((s) => s.id)).toEqual([6692179]);
  });

  it('ranks names that start with the query first, then names containing it, then names with all its words', async () => {
    const rank = (name: string, phrase: string) => {
      const key = name.toLowerCase();
      if (key.startsWith(phrase)) return 0;
      if (key.includes(' ' + phrase)) return 1;
      if (key.includes(phrase)) return 2;
      return 3;
    };
    const results = await schools.searchByName('Ysgol Gymraeg', 50);
    expect(results).toHaveLength(50);
    const ranks = results.map((s) => rank(s.nameEn, 'ysgol gymraeg'));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(ranks[0]).toBe(0);
    expect(ranks).toContain(3); // e.g. "Ysgol Gyfun Gymraeg …" after every "Ysgol Gymraeg …"

    const gymraeg = await schools.searchByName('gymraeg', 50);
    expect(gymraeg.map((s) => rank(s.nameEn, 'gymraeg')).every((r) => r === 1)).toBe(true);

    const high = await schools.searchByName('high');
    expect(high[0]!.nameEn).toBe('High Cross Primary School');
    expect(high.map((s) => rank(s.nameEn, 'high'))).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('returns at most the limit', async () => {
    expect(await schools.searchByName('school')).toHaveLength(8);
    expect(await schools.searchByName('school', 3)).toHaveLength(3);
    expect(await schools.searchByName('school', 500)).toHaveLength(50);
  });

  it('treats % and _ as ordinary characters', async () => {
    expect(await schools.searchByName('%')).toEqual([]);
    expect(await schools.searchByName('_')).toEqual([]);
    expect(await schools.searchByName('ysgol%')).toEqual([]);
    expect(await schools.searchByName('\\')).toEqual([]);
    expect(await schools.searchByName('   ')).toEqual([]);
  });

  it('matches straight and curly apostrophes alike', async () => {
    expect((await schools.searchByName("Pentre'r Graig")).map((s) => s.id)).toEqual([6702241]);
    expect((await schools.searchByName('St Mary’s', 50)).some((s) => s.nameEn.includes("St Mary's"))).toBe(true);
  });
});
