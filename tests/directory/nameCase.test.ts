import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDirectorySeed } from '../../src/features/directory/seed';
import { publishedSchoolName } from '../../src/features/directory/nameCase';
import { splitStatements } from '../../src/platform/db/migrate';
import type { Database } from '../../src/platform/db/db';
import { pgliteForTest } from '../support/databases';

const MANGLED: [string, string][] = [
  ['King Henry Viii Comprehensive', 'King Henry VIII Comprehensive'],
  ['Hawarden Village Va', 'Hawarden Village VA'],
  ["St Teilo's C-In-W High School", "St Teilo's C-in-W High School"],
  ['Ysgol Yr Esgob C In W', 'Ysgol Yr Esgob C in W'],
  ['Cilgerran Church In Wales Vc', 'Cilgerran Church in Wales VC'],
  ['Venerable Edward Morgan Rc', 'Venerable Edward Morgan RC'],
  ['Ysgol Y Castell Cp', 'Ysgol Y Castell CP'],
  ['Ygg Cynwyd Sant', 'YGG Cynwyd Sant'],
];

describe('school names as published', () => {
  it('puts back the capitals of Roman numerals and abbreviations the address list title-cased', () => {
    for (const [mangled, published] of MANGLED) expect(publishedSchoolName(mangled)).toBe(published);
  });

  it('leaves every other name as it is, and a name already right unchanged', () => {
    for (const name of [
      'Ysgol Gymraeg Cwmbran',
      'St Mary’s Catholic Primary',
      'Pentre Ciw Voluntary Controlled',
      'Vale View',
      'King Henry VIII',
      'Ivy Bush School',
    ])
      expect(publishedSchoolName(name)).toBe(name);
  });

  describe('in the database', () => {
    let db: Database;
    beforeEach(async () => {
      db = await pgliteForTest(async () => {});
    });
    afterEach(() => db.close());

    const nameOf = async (id: number) => (await db.query<{ name_en: string }>('select name_en from schools where id = $1', [id]))[0]!.name_en;

    it('loads the shipped directory with the names as published', async () => {
      await loadDirectorySeed(db, { demo: false });
      expect(await nameOf(6794064)).toBe('King Henry VIII Comprehensive');
      expect(await nameOf(6643333)).toBe('Hawarden Village VA');
      expect(await nameOf(6814609)).toBe("St Teilo's C-in-W High School");
    });

    it('corrects names stored before (migration 0070), and only those', async () => {
      await db.exec(`
        insert into local_authorities (code, name_en, name_cy, consortium) values (679, 'Monmouthshire', 'Sir Fynwy', 'EAS');
        insert into schools (id, name_en, la_code, phase, language_medium) values
          (6794064, 'King Henry Viii Comprehensive', 679, 'secondary', 'english'),
          (6790001, 'St Teilo''s C-In-W High School', 679, 'secondary', 'english'),
          (6790002, 'Cilgerran Church In Wales Vc', 679, 'primary', 'english'),
          (6790003, 'Vale View Primary', 679, 'primary', 'english');
      `);
      const sql = readFileSync(join(__dirname, '../../src/platform/db/migrations/0070_school_name_capitals.sql'), 'utf8');
      for (const statement of splitStatements(sql)) await db.query(statement);
      expect(await nameOf(6794064)).toBe('King Henry VIII Comprehensive');
      expect(await nameOf(6790001)).toBe("St Teilo's C-in-W High School");
      expect(await nameOf(6790002)).toBe('Cilgerran Church in Wales VC');
      expect(await nameOf(6790003)).toBe('Vale View Primary');
    });
  });
});
