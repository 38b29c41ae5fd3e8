import { applyDemoDirectory, loadDirectorySeed, removeDemoDirectory } from '../../src/features/directory/seed';
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
