import { SqlSchoolRepository } from '../../src/directory/schools';
import { BoundedCache } from '../../src/services/boundedCache';
import { SchoolNameCache } from '../../src/services/schools';
import type { Database } from '../../src/storage/db';
import { pgliteForTest } from '../support/databases';
import { seedSmallDirectory } from '../support/harness';

describe('BoundedCache', () => {
  it('never holds more than its bound, dropping the least recently used first', () => {
    const cache = new BoundedCache<string, number>(3);
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) cache.set(k, v);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    for (let i = 0; i < 10_000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(3);
  });

  it('forgets entries older than its age limit', () => {
    let now = 1_000;
    const cache = new BoundedCache<string, string>(10, { maxAgeMs: 500, now: () => now });
    cache.set('k', 'v');
    now += 500;
    expect(cache.get('k')).toBe('v');
    now += 1;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe('SchoolNameCache', () => {
  let db: Database;
  beforeEach(async () => {
    db = await pgliteForTest(seedSmallDirectory);
  });
  afterEach(() => db.close());

  const rename = (name: string) => db.query('update schools set name_en = $1 where id = 6784001', [name]);

  it('keeps names for a while, forgets them on a directory reload here, and picks up a reload elsewhere within its age limit', async () => {
    let now = 0;
    const names = new SchoolNameCache(new SqlSchoolRepository(db), { maxAgeMs: 60_000, now: () => now });
    expect(await names.get(6784001)).toEqual({ id: 6784001, nameEn: 'Cwmbran High School', nameCy: null, laNameEn: 'Torfaen', laNameCy: 'Tor-faen' });

    await rename('Renamed on another instance');
    expect((await names.get(6784001))?.nameEn).toBe('Cwmbran High School');
    now += 60_001;
    expect((await names.get(6784001))?.nameEn).toBe('Renamed on another instance');

    await rename('Renamed here');
    names.forget();
    expect((await names.get(6784001))?.nameEn).toBe('Renamed here');
  });

  it('does not remember a school it could not find', async () => {
    const names = new SchoolNameCache(new SqlSchoolRepository(db));
    expect(await names.get(6784999)).toBeNull();
    await db.query("insert into schools (id, name_en, la_code, phase, language_medium) values (6784999, 'New School', 678, 'primary', 'english')");
    expect((await names.get(6784999))?.nameEn).toBe('New School');
  });
});
