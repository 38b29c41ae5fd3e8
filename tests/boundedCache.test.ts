import { BoundedCache } from '../src/platform/boundedCache';

describe('BoundedCache', () => {
  it('never holds more than its bound, dropping the least recently used first', () => {
    const cache = new BoundedCache<string, number>(3);
    for (const [k, v] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      cache.set(k, v);
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
