/**
 * Does the ranking choose partners an adviser would? The real Welsh directory (the shipped open data,
 * src/directory/seed-data) with strengths, evidence, capacities and openness from this file's own seeded
 * generator (independent of the demo generator), then a few hundred requests from real schools, each
 * accepted by its first suggestion so load builds up. The same requests, in the same run, go to the plain
 * rule "nearest open school with the strength and a free place", which keeps its own load.
 *
 *   npm run bench:matching-quality          (BENCH_REQUESTS=300, BENCH_SEED=7 to change)
 *
 * Distances here come from this file's own reading of where schools are (coordinates; else the centre of
 * the other schools in the postcode district; else of the local authority's schools), so the figures do
 * not depend on how the ranking itself places a school. Only `buildMatchingIndex` and `rankSchools` are
 * used, with fields older versions ignore, so the same file measures the code before and after a change.
 */
import { buildMatchingIndex, rankSchools, type CandidateSchool, type MatchRequest, type MatchState } from '../src/features/matching/ranking';
import { PRIORITY_AREAS, type PriorityArea } from '../src/features/plans/priorities';
import { readDirectorySeedData, type SchoolSeed } from '../src/features/directory/csv';

const RANGE_KM = 40;
/** How far a request that looks further may go for schools of the asker's own kind (Welsh-medium, special/PRU). */
const FURTHER_KM = 100;

/** splitmix32: this bench's own generator, so its data owes nothing to the demo generator's. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

const AREAS = PRIORITY_AREAS.filter((a) => a !== 'other');
/** Areas special schools and PRUs are more often strong in. */
const SPECIAL_AREAS: PriorityArea[] = ['aln', 'wellbeing', 'attendance', 'lookedAfter'];

interface Place {
  lat: number;
  lon: number;
}

const KM_PER_DEG = 111.195;
function km(a: Place, b: Place): number {
  const dy = (a.lat - b.lat) * KM_PER_DEG;
  const dx = (a.lon - b.lon) * KM_PER_DEG * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.sqrt(dx * dx + dy * dy);
}

const district = (postcode: string | null) => (postcode ? postcode.trim().toUpperCase().split(/\s+/)[0]! : null);

/** Where each school is, for measuring: its coordinates; else its postcode district's other schools; else its LA's. */
function places(schools: readonly SchoolSeed[]): Map<number, Place> {
  const sums = new Map<string, { lat: number; lon: number; n: number }>();
  const add = (key: string, s: SchoolSeed) => {
    const sum = sums.get(key) ?? { lat: 0, lon: 0, n: 0 };
    sum.lat += s.latitude!;
    sum.lon += s.longitude!;
    sum.n++;
    sums.set(key, sum);
  };
  for (const s of schools) {
    if (s.latitude === null || s.longitude === null) continue;
    add(`la:${s.laCode}`, s);
    const d = district(s.postcode);
    if (d) add(`pc:${d}`, s);
  }
  const centre = (key: string): Place | null => {
    const sum = sums.get(key);
    return sum ? { lat: sum.lat / sum.n, lon: sum.lon / sum.n } : null;
  };
  const out = new Map<number, Place>();
  for (const s of schools) {
    const place =
      s.latitude !== null && s.longitude !== null ? { lat: s.latitude, lon: s.longitude } : (centre(`pc:${district(s.postcode)}`) ?? centre(`la:${s.laCode}`));
    if (place) out.set(s.id, place);
  }
  return out;
}

type Kind = 'welsh' | 'special' | null;
const kindOf = (s: { phase: string; languageMedium: string }): Kind =>
  s.phase === 'special' || s.phase === 'pru' ? 'special' : s.languageMedium === 'welsh' ? 'welsh' : null;

/** Strengths, evidence, capacity, openness and FSM shares for the real schools, from `seed`. */
function generate(seed: number, schools: readonly SchoolSeed[]): CandidateSchool[] {
  const random = splitmix32(seed);
  const now = Date.parse('2026-09-07T09:00:00Z');
  return schools.map((s) => {
    const special = s.phase === 'special' || s.phase === 'pru';
    const count = random() < 0.45 ? 0 : 1 + Math.floor(random() * 3);
    const areas = new Set<PriorityArea>();
    while (areas.size < count) {
      const pool = special && random() < 0.6 ? SPECIAL_AREAS : AREAS;
      areas.add(pool[Math.floor(random() * pool.length)]!);
    }
    const strengths = [...areas].map((area) => {
      const r = random();
      const statedBy = r < 0.55 ? ('school' as const) : r < 0.85 ? ('adviser' as const) : ('inspection' as const);
      // Evidence from the last seven years: some of it older than a deployment would trust.
      const at = statedBy === 'school' ? null : new Date(now - Math.floor(random() * 7 * 365) * 86_400_000);
      return { area, statedBy, at, verifiedAt: at };
    });
    const c = random();
    const candidate = {
      id: s.id,
      laCode: s.laCode,
      phase: s.phase,
      languageMedium: s.languageMedium,
      fsmPercent: Math.round((4 + random() * 36) * 10) / 10,
      family: null,
      supportCategory: s.supportCategory,
      latitude: s.latitude,
      longitude: s.longitude,
      postcode: s.postcode,
      capacity: c < 0.3 ? 1 : c < 0.8 ? 2 : 3,
      openToRequests: random() < 0.9,
      strengths,
    };
    return candidate as CandidateSchool;
  });
}

interface Asked {
  asker: CandidateSchool;
  areas: PriorityArea[];
  lookFurther: boolean;
}

function requests(seed: number, schools: readonly CandidateSchool[], n: number): Asked[] {
  const random = splitmix32(seed ^ 0x5eed);
  const special = schools.filter((s) => kindOf(s) === 'special');
  const welsh = schools.filter((s) => kindOf(s) === 'welsh');
  return Array.from({ length: n }, () => {
    const r = random();
    // About one request in eight from a special school or PRU and one in four from a Welsh-medium school.
    const pool = r < 0.12 ? special : r < 0.37 ? welsh : schools;
    const asker = pool[Math.floor(random() * pool.length)]!;
    const areas = new Set<PriorityArea>();
    const count = random() < 0.7 ? 1 : 2;
    while (areas.size < count) {
      const from = kindOf(asker) === 'special' && random() < 0.6 ? SPECIAL_AREAS : AREAS;
      areas.add(from[Math.floor(random() * from.length)]!);
    }
    return { asker, areas: [...areas], lookFurther: kindOf(asker) !== null && random() < 0.3 };
  });
}

function gini(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  const total = v.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  v.forEach((x, i) => (weighted += (i + 1) * x));
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

const quantile = (values: number[], p: number) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length === 0 ? Number.NaN : v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)]!;
};
const pct = (hits: number, of: number) => (of === 0 ? 'n/a' : `${((100 * hits) / of).toFixed(1)}% (${hits}/${of})`);

interface Tally {
  name: string;
  load: Map<number, number>;
  distances: number[];
  unmatched: number;
  none: number;
  beyondWhileLeftOut: number;
  recallHits: number;
  recallSlots: number;
  kindHits: Record<'welsh' | 'special', number>;
  kindSlots: Record<'welsh' | 'special', number>;
  examples: string[];
}

const tally = (name: string): Tally => ({
  name,
  load: new Map(),
  distances: [],
  unmatched: 0,
  none: 0,
  beyondWhileLeftOut: 0,
  recallHits: 0,
  recallSlots: 0,
  kindHits: { welsh: 0, special: 0 },
  kindSlots: { welsh: 0, special: 0 },
  examples: [],
});

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_REQUESTS ?? 300);
  const seed = Number(process.env.BENCH_SEED ?? 7);
  const data = readDirectorySeedData();
  const seeds = [...data.maintainedSchools, ...data.pupilReferralUnits];
  const where = places(seeds);
  const names = new Map(seeds.map((s) => [s.id, s.nameEn]));
  const schools = generate(seed, seeds);
  const byId = new Map(schools.map((s) => [s.id, s]));
  const index = buildMatchingIndex(schools);
  const asked = requests(seed, schools, n);
  const now = new Date('2026-09-07T09:00:00Z');

  const ours = tally('ranking');
  const plain = tally('plain nearest rule');
  const recentAsks = new Map<number, number[]>();
  const times: number[] = [];

  const distance = (a: number, b: number) => {
    const p = where.get(a);
    const q = where.get(b);
    return p && q ? km(p, q) : Number.POSITIVE_INFINITY;
  };
  const hasStrength = (s: CandidateSchool, areas: readonly PriorityArea[]) => s.strengths.some((x) => areas.includes(x.area));
  const free = (s: CandidateSchool, load: Map<number, number>) => s.openToRequests && (load.get(s.id) ?? 0) < s.capacity;

  // Warm-up on an empty state, so the timings below are of compiled code.
  const calm = { load: new Map(), recentAsks: new Map(), now } as MatchState;
  for (let i = 0; i < 300; i++) rankSchools(index, { askingSchoolId: asked[i % n]!.asker.id, priorityAreas: asked[i % n]!.areas } as MatchRequest, calm, 3);

  asked.forEach((q, k) => {
    const kind = kindOf(q.asker);
    const rangeOf = (c: CandidateSchool) => (q.lookFurther && kind !== null && kindOf(c) === kind ? FURTHER_KM : RANGE_KM);
    const inRange = (c: CandidateSchool) => distance(q.asker.id, c.id) <= rangeOf(c);
    const at = new Date(now.getTime() + k * 3_600_000);

    // Ours: the top three as the ranking gives them; the first accepts.
    const request = { askingSchoolId: q.asker.id, priorityAreas: q.areas, lookFurther: q.lookFurther, rangeKm: RANGE_KM };
    const state = { load: ours.load, recentAsks, now: at, pending: new Map<number, number>() } as MatchState;
    const started = process.hrtime.bigint();
    const top = rankSchools(index, request as MatchRequest, state, 3).suggestions.map((s) => byId.get(s.schoolId)!);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    const qualifying = schools.filter((c) => c.id !== q.asker.id && free(c, ours.load) && hasStrength(c, q.areas) && inRange(c));
    const topIds = new Set(top.map((c) => c.id));
    if (top.some((c) => !inRange(c)) && qualifying.some((c) => !topIds.has(c.id))) {
      ours.beyondWhileLeftOut++;
      if (ours.examples.length < 3) {
        const far = top.find((c) => !inRange(c))!;
        const near = qualifying.filter((c) => !topIds.has(c.id)).sort((a, b) => distance(q.asker.id, a.id) - distance(q.asker.id, b.id))[0]!;
        ours.examples.push(
          `${names.get(q.asker.id)} (${q.asker.phase}, ${q.areas.join('+')}): ${names.get(far.id)} at ${distance(q.asker.id, far.id).toFixed(0)} km in the top 3, ${names.get(near.id)} at ${distance(q.asker.id, near.id).toFixed(0)} km left out`,
        );
      }
    }
    if (qualifying.length > 0) {
      ours.recallSlots += Math.min(3, qualifying.length);
      ours.recallHits += top.filter((c) => hasStrength(c, q.areas) && inRange(c)).length;
    }
    if (kind !== null) {
      const own = qualifying.filter((c) => kindOf(c) === kind);
      if (own.length > 0) {
        ours.kindSlots[kind] += Math.min(3, own.length);
        ours.kindHits[kind] += top.filter((c) => kindOf(c) === kind && hasStrength(c, q.areas) && inRange(c)).length;
      }
    }
    const chosen = top[0];
    if (chosen) {
      ours.load.set(chosen.id, (ours.load.get(chosen.id) ?? 0) + 1);
      recentAsks.set(chosen.id, [...(recentAsks.get(chosen.id) ?? []), at.getTime()]);
      ours.distances.push(distance(q.asker.id, chosen.id));
      if (!hasStrength(chosen, q.areas)) ours.unmatched++;
    } else ours.none++;

    // The plain rule: the nearest open school with the strength and a free place, at any distance.
    let best: CandidateSchool | null = null;
    let bestKm = Number.POSITIVE_INFINITY;
    for (const c of schools) {
      if (c.id === q.asker.id || !free(c, plain.load) || !hasStrength(c, q.areas)) continue;
      const d = distance(q.asker.id, c.id);
      if (d < bestKm) {
        best = c;
        bestKm = d;
      }
    }
    if (best) {
      plain.load.set(best.id, (plain.load.get(best.id) ?? 0) + 1);
      plain.distances.push(bestKm);
    } else plain.none++;
  });

  const withStrengths = schools.filter((s) => s.strengths.length > 0);
  const report = (t: Tally) => {
    const loads = withStrengths.map((s) => t.load.get(s.id) ?? 0);
    const over = schools.filter((s) => (t.load.get(s.id) ?? 0) > s.capacity);
    const maxLoad = Math.max(0, ...t.load.values());
    const atMax = schools.filter((s) => (t.load.get(s.id) ?? 0) === maxLoad);
    return {
      gini: gini(loads).toFixed(3),
      max: `${maxLoad} (capacity ${[...new Set(atMax.map((s) => s.capacity))].join('/')}); over capacity: ${over.length} schools`,
      median: quantile(t.distances, 0.5).toFixed(1),
      p90: quantile(t.distances, 0.9).toFixed(1),
      over100: pct(t.distances.filter((d) => d > 100).length, t.distances.length),
    };
  };
  const a = report(ours);
  const b = report(plain);
  times.sort((x, y) => x - y);
  console.log(
    `directory: ${schools.length} schools (${withStrengths.length} with strengths), ${n} requests, seed ${seed}, range ${RANGE_KM} km (${FURTHER_KM} km for the asker's own kind when looking further)`,
  );
  console.log(`top 3 with a school beyond range while a qualifying one in range was left out: ${pct(ours.beyondWhileLeftOut, n)}   (goal < 2%)`);
  console.log(`strength recall within range (top-3 places filled by qualifying schools in range): ${pct(ours.recallHits, ours.recallSlots)}   (goal >= 95%)`);
  console.log(
    `Welsh-medium share of the top 3 for Welsh-medium askers, where such schools qualify in range: ${pct(ours.kindHits.welsh, ours.kindSlots.welsh)}   (goal >= 85%)`,
  );
  console.log(
    `special/PRU share of the top 3 for special schools and PRUs, where such schools qualify in range: ${pct(ours.kindHits.special, ours.kindSlots.special)}   (goal >= 85%)`,
  );
  console.log(
    `accepted partner without the strength asked for: ${pct(ours.unmatched, n - ours.none)}; requests with no suggestion: ${ours.none} (plain rule found none for ${plain.none})`,
  );
  console.log(`                      ${'ranking'.padEnd(40)} plain nearest rule`);
  console.log(`load Gini             ${a.gini.padEnd(40)} ${b.gini}   (goal: lower)`);
  console.log(`most engagements held ${a.max.padEnd(40)} ${b.max}`);
  console.log(`partner km median     ${a.median.padEnd(40)} ${b.median}`);
  console.log(`partner km p90        ${a.p90.padEnd(40)} ${b.p90}`);
  console.log(`partners over 100 km  ${a.over100.padEnd(40)} ${b.over100}`);
  console.log(`ranking time: p50 ${quantile(times, 0.5).toFixed(3)} ms, p99 ${quantile(times, 0.99).toFixed(3)} ms`);
  for (const e of ours.examples) console.log(`  e.g. ${e}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
