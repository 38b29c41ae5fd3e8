import { addWelshToDemo, applyDemoDirectory, loadDirectorySeed, removeDemoDirectory } from '../../src/features/directory/seed';
import { PRIORITY_AREAS } from '../../src/features/plans/priorities';
import type { Database } from '../../src/platform/db/db';
import { databasesUnderTest } from '../support/databases';

const count = async (db: Database, sql: string): Promise<number> => {
  const rows = await db.query<{ n: number }>(`select (${sql})::int as n`);
  return rows[0]!.n;
};

describe.each(databasesUnderTest())('directory seed on $name', ({ open }) => {
  let db: Database;
  beforeEach(async () => {
    db = await open();
  });
  afterEach(() => db.close());

  it('loads the LAs, maintained schools and PRUs once, without demo data', async () => {
    const counts = await loadDirectorySeed(db, { demo: false });
    expect(counts).toEqual({ localAuthorities: 22, maintainedSchools: 1521, pupilReferralUnits: 23, demo: null });

    expect(await count(db, 'select count(*) from local_authorities')).toBe(22);
    expect(await count(db, 'select count(*) from schools')).toBe(1544);
    expect(await count(db, "select count(*) from schools where phase = 'pru'")).toBe(23);
    expect(await count(db, "select count(*) from schools where phase = 'pru' and latitude is null")).toBe(23);
    expect(await count(db, 'select count(*) from schools where demo_attributes or fsm_percent is not null or family is not null')).toBe(0);
    expect(await count(db, 'select count(*) from school_strengths')).toBe(0);
    expect(await count(db, 'select count(*) from clusters')).toBe(0);

    const [amlwch] = await db.query<Record<string, unknown>>(
      'select name_en, la_code, phase, language_medium, pupils, support_category, latitude, postcode from schools where id = 6602130',
    );
    expect(amlwch).toEqual({
      name_en: 'Ysgol Gynradd Amlwch',
      la_code: 660,
      phase: 'primary',
      language_medium: 'welsh',
      pupils: 278,
      support_category: 'amber',
      latitude: 53.412411,
      postcode: 'LL68 9DY',
    });
    const [torfaen] = await db.query<Record<string, unknown>>('select name_en, name_cy, consortium from local_authorities where code = 678');
    expect(torfaen).toEqual({ name_en: 'Torfaen', name_cy: 'Tor-faen', consortium: 'EAS' });

    expect(await loadDirectorySeed(db, { demo: true })).toBeNull();
    expect(await count(db, 'select count(*) from schools')).toBe(1544);
    expect(await count(db, 'select count(*) from clusters')).toBe(0);
  });

  it('adds demo attributes, strengths and clusters when asked, all marked as demo', async () => {
    const counts = await loadDirectorySeed(db, { demo: true, seed: 7 });
    expect(counts?.demo).toEqual({
      schools: 1544,
      strengths: await count(db, 'select count(*) from school_strengths'),
      clusters: 208, // 195 secondary + 13 all-age schools
      clusterMembers: 1480, // every primary, nursery, secondary and all-age school
    });
    expect(counts!.demo!.strengths).toBeGreaterThanOrEqual(1544);

    expect(await count(db, 'select count(*) from schools where not demo_attributes or fsm_percent is null or family is null')).toBe(0);
    expect(await count(db, 'select count(*) from school_strengths where not demo')).toBe(0);
    expect(await count(db, 'select count(*) from clusters where not demo')).toBe(0);
    expect(await count(db, 'select count(*) from (select school_id from cluster_members group by school_id having count(*) > 1) twice')).toBe(0);
    expect(await count(db, 'select count(*) from (select cluster_id from cluster_members group by cluster_id having count(*) not between 5 and 12) odd')).toBe(
      0,
    );
    expect(
      await count(
        db,
        'select count(*) from clusters c where not exists (select 1 from cluster_members m where m.cluster_id = c.id and m.school_id = c.lead_school_id)',
      ),
    ).toBe(0);
  });

  it('writes demo clusters and strengths in Welsh as well as English', async () => {
    await loadDirectorySeed(db, { demo: true, seed: 7 });
    expect(await count(db, 'select count(*) from clusters where name_cy is null')).toBe(0);
    expect(await count(db, 'select count(*) from school_strengths where description_cy is null or evidence_cy is null')).toBe(0);
    const [glantaf] = await db.query<{ name: string; name_cy: string }>(
      `select c.name, c.name_cy from clusters c join cluster_members m on m.cluster_id = c.id where m.school_id = 6814071`,
    );
    expect(glantaf).toEqual({ name: 'Ysgol Gyfun Gymraeg Glantaf cluster', name_cy: 'Clwstwr Ysgol Gyfun Gymraeg Glantaf' });
    // A school's Welsh name, where the directory has one, names its cluster in Welsh.
    await db.query(`update schools set name_cy = 'Ysgol Uwchradd Caerdydd' where name_en = 'Cardiff High School'`);
    await applyDemoDirectory(db, 7);
    expect(await count(db, `select count(*) from clusters where name = 'Cardiff High School cluster' and name_cy = 'Clwstwr Ysgol Uwchradd Caerdydd'`)).toBe(1);
  });

  it('gives Welsh to demo rows written before there was any, and to nothing else', async () => {
    await loadDirectorySeed(db, { demo: true, seed: 7 });
    const welsh = () =>
      db.query(`select school_id, area, description_cy, evidence_cy from school_strengths order by school_id, area`).then(async (strengths) => ({
        strengths,
        clusters: await db.query('select id, name_cy from clusters order by id'),
      }));
    const written = await welsh();
    // As an older release left them: English only, with straight apostrophes.
    await db.query(`update school_strengths set description_cy = null, evidence_cy = null, description = replace(description, '’', '''')`);
    await db.query('update clusters set name_cy = null');
    await db.query(`insert into clusters (name, la_code, demo) values ('Clwstwr Tywi', 669, false)`);
    // One strength the school has since stated in its own words: not the demo's to translate.
    const [own] = await db.query<{ area: string }>(`select min(area) as area from school_strengths where school_id = 6602130`);
    await db.query(`update school_strengths set demo = false, description = 'Ysgol goedwig' where school_id = 6602130 and area = $1`, [own!.area]);

    expect(await loadDirectorySeed(db, { demo: true, seed: 7 })).toBeNull();
    const filled = await welsh();
    const isOwn = (r: Record<string, unknown>) => r.school_id === 6602130 && r.area === own!.area;
    expect(filled.strengths).toEqual(written.strengths.map((r) => (isOwn(r) ? { ...r, description_cy: null, evidence_cy: null } : r)));
    expect(filled.clusters.slice(0, -1)).toEqual(written.clusters);
    expect(filled.clusters.at(-1)).toEqual({ id: expect.any(Number), name_cy: null });
    expect(await addWelshToDemo(db)).toEqual({ strengths: 0, clusters: 0 });
  });

  it('gives the same demo for the same seed', async () => {
    await loadDirectorySeed(db, { demo: true, seed: 7 });
    const snapshot = () =>
      db.query(`select s.id, s.fsm_percent, s.capacity, s.open_to_requests, c.name as cluster,
                       (select string_agg(area || ':' || stated_by, ',' order by area) from school_strengths t where t.school_id = s.id) as strengths
                  from schools s left join cluster_members m on m.school_id = s.id left join clusters c on c.id = m.cluster_id
                 order by s.id`);
    const first = await snapshot();
    await applyDemoDirectory(db, 7);
    expect(await snapshot()).toEqual(first);
    await applyDemoDirectory(db, 8);
    expect(await snapshot()).not.toEqual(first);
  });

  it('removes the demo again, keeping what was real', async () => {
    await loadDirectorySeed(db, { demo: true });
    await db.query(`insert into school_strengths (school_id, area, description, stated_by) values (6602131, 'other', 'Forest school', 'school')
                    on conflict (school_id, area) do update set description = excluded.description, demo = false`);
    await removeDemoDirectory(db);
    expect(await count(db, 'select count(*) from clusters')).toBe(0);
    expect(await count(db, 'select count(*) from cluster_members')).toBe(0);
    expect(await count(db, 'select count(*) from school_strengths')).toBe(1);
    expect(await count(db, 'select count(*) from schools where demo_attributes or fsm_percent is not null')).toBe(0);
    expect(await count(db, 'select count(*) from schools')).toBe(1544);
  });

  it('accepts every priority area as a strength, and nothing else', async () => {
    await loadDirectorySeed(db, { demo: false });
    for (const area of PRIORITY_AREAS) {
      await db.query(`insert into school_strengths (school_id, area, description) values (6602130, $1, 'x')`, [area]);
    }
    expect(await count(db, 'select count(*) from school_strengths')).toBe(PRIORITY_AREAS.length);
    await expect(db.query(`insert into school_strengths (school_id, area, description) values (6602131, 'football', 'x')`)).rejects.toThrow(/check/i);
  });
});
