import { PRIORITY_AREAS, type PriorityArea } from '../plans/priorities';

/**
 * Partner matching: ranks the schools that could support a request. Pure and synchronous:
 * no database, no Teams, no clock (the caller passes "now").
 *
 * What the reports say makes a good partner (docs/domain.md, "Matching criteria"): strength in the
 * *specific* area of need, a similar context (phase, language medium, family, FSM level),
 * not too great a gap in stage of improvement, not too far away (unless a Welsh-medium or
 * special school has to look further), spare capacity, and spreading requests so the same
 * strong schools are not asked every time.
 *
 * Built for speed: `buildMatchingIndex` turns the directory into flat typed arrays once
 * (bit masks of strengths, projected coordinates, interned families); `rankSchools` then
 * scores every school in one allocation-free loop and keeps only the top few, building the
 * reasons for those alone.
 */

export type Phase = 'nursery' | 'primary' | 'middle' | 'secondary' | 'special' | 'pru';
export type LanguageMedium = 'english' | 'welsh' | 'dual';
export type SupportCategory = 'green' | 'yellow' | 'amber' | 'red';
export type StrengthSource = 'school' | 'adviser' | 'inspection';

/** Every weight of the ranking, in one place. A perfect match scores about 100. */
export const MATCH_WEIGHTS = {
  /**
   * Strength in the requested priority areas: the biggest single factor, because the reports'
   * first finding is that support works when the partner is strong in the specific need, not
   * "a good school". Shared across the requested areas (all matched = full weight).
   */
  strength: 40,
  /** A strength verified by an adviser or an inspection counts in full; one the school states itself counts this much. */
  selfStatedShare: 0.6,
  /**
   * Same phase (primary with primary…): practice has to fit the pupils. Big enough that a
   * primary strong in the area beats a secondary strong in it, small enough that strength
   * still beats a same-phase school without it (40 > 20).
   */
  phase: 20,
  /** Same language medium: teaching materials, staff and the language of the support itself. */
  medium: 10,
  /** Same family of similar schools (similar phase and disadvantage). */
  family: 5,
  /** Similar share of pupils on free school meals: full at equal shares, none at 15 points apart. */
  fsm: 5,
  fsmSpan: 15,
  /**
   * Stage of improvement (the old green/yellow/amber/red categories, optional): best one or two
   * steps ahead; a partner further behind than the asker scores below zero, and the widest gap
   * (green supporting red) scores little, because "too big a gap fails".
   */
  supportGap: 6,
  /** Closeness: full when next door, half at `distanceHalfKm` (or `furtherHalfKm` when the request may look further). */
  distance: 15,
  distanceHalfKm: 15,
  furtherHalfKm: 60,
  /** When a school has no coordinates, this share of the distance weight (neither near nor far). */
  unknownDistanceShare: 0.3,
  /** Current load: a school with every place but one taken loses nearly all of this. Full schools are never suggested. */
  load: 10,
  /**
   * Fairness: each recent time a school was asked costs this, decaying with a half-life of
   * `fairnessHalfLifeDays` and capped at `fairnessCap` asks, so requests spread out.
   */
  fairness: 6,
  fairnessHalfLifeDays: 30,
  fairnessWindowDays: 120,
  fairnessCap: 3,
} as const;

/** How well a partner's phase fits the asking school's (1 = same). Rows: asking; columns: candidate. */
const PHASE_FIT: Record<Phase, Record<Phase, number>> = {
  nursery: { nursery: 1, primary: 0.6, middle: 0.3, secondary: 0, special: 0.2, pru: 0 },
  primary: { nursery: 0.4, primary: 1, middle: 0.6, secondary: 0.1, special: 0.2, pru: 0.1 },
  middle: { nursery: 0.2, primary: 0.6, middle: 1, secondary: 0.6, special: 0.2, pru: 0.2 },
  secondary: { nursery: 0, primary: 0.1, middle: 0.6, secondary: 1, special: 0.2, pru: 0.3 },
  special: { nursery: 0.1, primary: 0.2, middle: 0.2, secondary: 0.2, special: 1, pru: 0.5 },
  pru: { nursery: 0, primary: 0.1, middle: 0.3, secondary: 0.4, special: 0.5, pru: 1 },
};

/** How well a partner's language medium fits (1 = same). Rows: asking; columns: candidate. */
const MEDIUM_FIT: Record<LanguageMedium, Record<LanguageMedium, number>> = {
  welsh: { welsh: 1, dual: 0.5, english: 0 },
  dual: { welsh: 0.6, dual: 1, english: 0.6 },
  english: { welsh: 0.2, dual: 0.7, english: 1 },
};

const PHASES: readonly Phase[] = ['nursery', 'primary', 'middle', 'secondary', 'special', 'pru'];
const MEDIA: readonly LanguageMedium[] = ['english', 'welsh', 'dual'];
const CATEGORY_RANK: Record<SupportCategory, number> = { green: 0, yellow: 1, amber: 2, red: 3 };

/** Score share by how many categories the partner is ahead (asker − partner), from −3 to 3. */
function supportGapShare(gap: number): number {
  switch (gap) {
    case 1:
    case 2:
      return 1;
    case 0:
      return 0.4;
    case 3:
      return 0.3;
    default:
      return gap < 0 ? -1 : 0.4;
  }
}

// ---------------------------------------------------------------------------------------------
// Input

export interface CandidateStrength {
  area: PriorityArea;
  statedBy: StrengthSource;
}

/** A school as the ranking sees it. */
export interface CandidateSchool {
  id: number;
  laCode: number;
  phase: Phase;
  languageMedium: LanguageMedium;
  fsmPercent: number | null;
  family: string | null;
  supportCategory: SupportCategory | null;
  latitude: number | null;
  longitude: number | null;
  capacity: number;
  openToRequests: boolean;
  strengths: readonly CandidateStrength[];
}

/** The request: who asks and what for. */
export interface MatchRequest {
  askingSchoolId: number;
  /** Priority areas from the plan; when empty, areas are read from the text (see `areasFromText`). */
  priorityAreas: readonly PriorityArea[];
  /** Focus, need, objectives and success criteria, for areas the plan did not tick. */
  text?: string;
  /** A Welsh-medium or special school may need to look further afield. */
  lookFurther?: boolean;
  /** Schools not to suggest (already asked for this request, for example). */
  exclude?: readonly number[];
}

/** What changes between requests: current engagements and recent asks, by school id. */
export interface MatchState {
  /** Support engagements under way, by school. */
  load: ReadonlyMap<number, number>;
  /** When each school was last asked for support (epoch ms), by school. */
  recentAsks: ReadonlyMap<number, readonly number[]>;
  now: Date;
}

// ---------------------------------------------------------------------------------------------
// Output

export type ReasonKey =
  | 'strengthVerified'
  | 'strengthSelf'
  | 'samePhase'
  | 'nearPhase'
  | 'sameMedium'
  | 'dualMedium'
  | 'sameFamily'
  | 'similarFsm'
  | 'aheadInCategory'
  | 'distance'
  | 'distanceUnknown'
  | 'places'
  | 'askedRecently';

/** One reason as data; the catalogue says it in words (`match.reason.<key>`). */
export interface Reason {
  key: ReasonKey;
  params: Record<string, string | number>;
}

export interface ScoreBreakdown {
  strength: number;
  phase: number;
  medium: number;
  family: number;
  fsm: number;
  supportGap: number;
  distance: number;
  load: number;
  fairness: number;
  total: number;
}

export interface Suggestion {
  schoolId: number;
  score: number;
  breakdown: ScoreBreakdown;
  reasons: Reason[];
  /** Kilometres from the asking school, when both have coordinates. */
  km: number | null;
  load: number;
  capacity: number;
}

export interface Ranking {
  suggestions: Suggestion[];
  /** How many schools could be suggested at all (open, not full, not the asker). */
  eligible: number;
  /** The areas ranked on (the plan's, or those read from its text). */
  areas: PriorityArea[];
}

// ---------------------------------------------------------------------------------------------
// Index

const AREA_BIT = new Map<PriorityArea, number>(PRIORITY_AREAS.map((area, i) => [area, 1 << i]));
const KM_PER_DEG_LAT = 111.195;
/** Wales spans about 51.3°N to 53.4°N: an equirectangular projection at 52.4°N is within 1% there. */
const KM_PER_DEG_LON = KM_PER_DEG_LAT * Math.cos((52.4 * Math.PI) / 180);

/** The directory as flat arrays, built once and reused for every ranking. */
export interface MatchingIndex {
  readonly size: number;
  readonly ids: Int32Array;
  readonly positionOf: ReadonlyMap<number, number>;
  readonly schools: readonly CandidateSchool[];
  readonly phase: Uint8Array;
  readonly medium: Uint8Array;
  readonly family: Int32Array;
  readonly fsm: Float64Array;
  readonly category: Int8Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly hasPoint: Uint8Array;
  readonly capacity: Int32Array;
  readonly open: Uint8Array;
  readonly verified: Int32Array;
  readonly selfStated: Int32Array;
  /** Scratch space for one ranking at a time (rankings are synchronous). */
  readonly scratchLoad: Float64Array;
  readonly scratchAsks: Float64Array;
  readonly scratchExcluded: Uint8Array;
}

export function buildMatchingIndex(candidates: readonly CandidateSchool[]): MatchingIndex {
  const schools = [...candidates].sort((a, b) => a.id - b.id);
  const n = schools.length;
  const families = new Map<string, number>();
  const index: MatchingIndex = {
    size: n,
    ids: new Int32Array(n),
    positionOf: new Map(schools.map((s, i) => [s.id, i])),
    schools,
    phase: new Uint8Array(n),
    medium: new Uint8Array(n),
    family: new Int32Array(n),
    fsm: new Float64Array(n),
    category: new Int8Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    hasPoint: new Uint8Array(n),
    capacity: new Int32Array(n),
    open: new Uint8Array(n),
    verified: new Int32Array(n),
    selfStated: new Int32Array(n),
    scratchLoad: new Float64Array(n),
    scratchAsks: new Float64Array(n),
    scratchExcluded: new Uint8Array(n),
  };
  schools.forEach((s, i) => {
    index.ids[i] = s.id;
    index.phase[i] = PHASES.indexOf(s.phase);
    index.medium[i] = MEDIA.indexOf(s.languageMedium);
    if (s.family === null) index.family[i] = -1;
    else {
      if (!families.has(s.family)) families.set(s.family, families.size);
      index.family[i] = families.get(s.family)!;
    }
    index.fsm[i] = s.fsmPercent ?? Number.NaN;
    index.category[i] = s.supportCategory ? CATEGORY_RANK[s.supportCategory] : -1;
    if (s.latitude !== null && s.longitude !== null) {
      index.hasPoint[i] = 1;
      index.x[i] = s.longitude * KM_PER_DEG_LON;
      index.y[i] = s.latitude * KM_PER_DEG_LAT;
    }
    index.capacity[i] = Math.max(0, s.capacity);
    index.open[i] = s.openToRequests ? 1 : 0;
    for (const strength of s.strengths) {
      const bit = AREA_BIT.get(strength.area) ?? 0;
      if (strength.statedBy === 'school') index.selfStated[i] |= bit;
      else index.verified[i] |= bit;
    }
    index.selfStated[i] &= ~index.verified[i];
  });
  return index;
}

function popcount(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

// ---------------------------------------------------------------------------------------------
// Reading areas from the plan's words

/** Words (English and Welsh, folded to lower case) that point to a priority area. */
const AREA_WORDS: ReadonlyArray<readonly [PriorityArea, RegExp]> = [
  ['numeracy', /\b(numeracy|maths?|mathematics|arithmetic|rhifedd|mathemateg)\b/],
  ['literacy', /\b(literacy|reading|writing|oracy|phonics|spelling|llythrennedd|darllen|ysgrifennu)\b/],
  ['welsh', /\b(welsh language|cymraeg|siarter iaith|welsh second language|immersion|trochi)\b/],
  ['science', /\b(science|stem|gwyddoniaeth)\b/],
  ['moreAble', /\b(more able|able and talented|mat pupils|gifted|mwy abl)\b/],
  ['aln', /\b(aln|sen|additional learning needs|special educational needs|anghenion dysgu ychwanegol|ady)\b/],
  ['attendance', /\b(attendance|absence|presenoldeb|absenoldeb)\b/],
  ['transition', /\b(transition|trosglwyddo|pontio)\b/],
  ['assessment', /\b(moderation|assessment|asesu|cymedroli)\b/],
  ['curriculum', /\b(new curriculum|curriculum for wales|cwricwlwm|areas of learning)\b/],
  ['digital', /\b(digital|dcf|ict|digidol)\b/],
  ['leadership', /\b(middle leaders?|leadership|arweinyddiaeth|arweinwyr)\b/],
  ['wellbeing', /\b(wellbeing|well-being|behaviour|lles|ymddygiad)\b/],
  ['fsm', /\b(fsm|free school meals|closing the gap|disadvantaged|pdg|prydau ysgol am ddim|difreintiedig)\b/],
  ['lookedAfter', /\b(looked[- ]after|lac|plant sy'n derbyn gofal)\b/],
  ['governors', /\b(governors?|governing body|llywodraethwyr)\b/],
];

/** Priority areas the plan's text mentions, in catalogue order; at most `max`. */
export function areasFromText(text: string, max = 4): PriorityArea[] {
  const folded = text.toLowerCase();
  const found: PriorityArea[] = [];
  for (const [area, pattern] of AREA_WORDS) if (pattern.test(folded)) found.push(area);
  const ordered = PRIORITY_AREAS.filter((a) => found.includes(a));
  return ordered.slice(0, max);
}

// ---------------------------------------------------------------------------------------------
// Ranking

/** How much a school still counts as "recently asked", given when it was asked. */
export function recentAskUnits(asks: readonly number[], nowMs: number): number {
  const { fairnessHalfLifeDays, fairnessWindowDays, fairnessCap } = MATCH_WEIGHTS;
  let units = 0;
  for (const at of asks) {
    const ageDays = (nowMs - at) / 86_400_000;
    if (ageDays < 0 || ageDays > fairnessWindowDays) continue;
    units += Math.pow(0.5, ageDays / fairnessHalfLifeDays);
  }
  return Math.min(units, fairnessCap);
}

/**
 * Ranks every eligible school for the request and returns the best `limit` after skipping
 * `offset` ("show more"). Never the asking school, a school closed to requests, or a full one.
 * Ties go to the lower school number, so the same data always gives the same order.
 */
export function rankSchools(index: MatchingIndex, request: MatchRequest, state: MatchState, limit = 5, offset = 0): Ranking {
  const W = MATCH_WEIGHTS;
  const asker = index.positionOf.get(request.askingSchoolId);
  const askerSchool = asker === undefined ? null : index.schools[asker]!;
  const areas = request.priorityAreas.length > 0 ? [...new Set(request.priorityAreas)] : areasFromText(request.text ?? '');
  let areaMask = 0;
  for (const area of areas) areaMask |= AREA_BIT.get(area) ?? 0;
  const areaCount = popcount(areaMask);
  const nowMs = state.now.getTime();

  // What changes per request goes into scratch arrays, so the loop below only reads arrays.
  const { scratchLoad, scratchAsks, scratchExcluded, positionOf } = index;
  const touched: number[] = [];
  for (const [id, n] of state.load) {
    const i = positionOf.get(id);
    if (i !== undefined) (scratchLoad[i] = n), touched.push(i);
  }
  for (const [id, asks] of state.recentAsks) {
    const i = positionOf.get(id);
    if (i !== undefined) (scratchAsks[i] = recentAskUnits(asks, nowMs)), touched.push(i);
  }
  for (const id of request.exclude ?? []) {
    const i = positionOf.get(id);
    if (i !== undefined) (scratchExcluded[i] = 1), touched.push(i);
  }

  const askPhase = askerSchool ? PHASES.indexOf(askerSchool.phase) : -1;
  const askMedium = askerSchool ? MEDIA.indexOf(askerSchool.languageMedium) : -1;
  const phaseFit = askerSchool ? PHASES.map((p) => PHASE_FIT[askerSchool.phase][p]) : PHASES.map(() => 0.5);
  const mediumFit = askerSchool ? MEDIA.map((m) => MEDIUM_FIT[askerSchool.languageMedium][m]) : MEDIA.map(() => 0.5);
  const askFamily = asker === undefined ? -1 : index.family[asker]!;
  const askFsm = asker === undefined ? Number.NaN : index.fsm[asker]!;
  const askCategory = asker === undefined ? -1 : index.category[asker]!;
  const askHasPoint = asker !== undefined && index.hasPoint[asker] === 1;
  const askX = asker === undefined ? 0 : index.x[asker]!;
  const askY = asker === undefined ? 0 : index.y[asker]!;
  const halfKm = request.lookFurther ? W.furtherHalfKm : W.distanceHalfKm;
  const strengthPerArea = areaCount > 0 ? W.strength / areaCount : 0;
  const selfStrengthPerArea = strengthPerArea * W.selfStatedShare;

  const want = Math.max(0, offset) + Math.max(0, limit);
  const topPos = new Int32Array(want);
  const topScore = new Float64Array(want);
  let kept = 0;
  let eligible = 0;

  const { size, capacity, open, verified, selfStated, phase, medium, family, fsm, category, hasPoint, x, y } = index;
  for (let i = 0; i < size; i++) {
    const cap = capacity[i]!;
    const load = scratchLoad[i]!;
    if (i === asker || open[i] === 0 || cap <= 0 || load >= cap || scratchExcluded[i] === 1) continue;
    eligible++;
    let score =
      (popcount(areaMask & verified[i]!) * strengthPerArea + popcount(areaMask & selfStated[i]!) * selfStrengthPerArea) +
      W.phase * phaseFit[phase[i]!]! +
      W.medium * mediumFit[medium[i]!]!;
    if (askFamily >= 0 && family[i] === askFamily) score += W.family;
    const f = fsm[i]!;
    if (askFsm === askFsm && f === f) {
      const share = 1 - Math.abs(f - askFsm) / W.fsmSpan;
      if (share > 0) score += W.fsm * share;
    }
    const c = category[i]!;
    if (askCategory >= 0 && c >= 0) score += W.supportGap * supportGapShare(askCategory - c);
    if (askHasPoint && hasPoint[i] === 1) {
      const dx = x[i]! - askX;
      const dy = y[i]! - askY;
      score += W.distance * Math.pow(0.5, Math.sqrt(dx * dx + dy * dy) / halfKm);
    } else score += W.distance * W.unknownDistanceShare;
    score -= W.load * (load / cap) + W.fairness * scratchAsks[i]!;

    // Keep the best `want` in order (score descending, then position = school number ascending).
    if (kept < want || score > topScore[kept - 1]!) {
      let j = kept < want ? kept++ : kept - 1;
      while (j > 0 && score > topScore[j - 1]!) {
        topScore[j] = topScore[j - 1]!;
        topPos[j] = topPos[j - 1]!;
        j--;
      }
      topScore[j] = score;
      topPos[j] = i;
    }
  }

  const suggestions: Suggestion[] = [];
  for (let k = Math.max(0, offset); k < kept; k++) {
    suggestions.push({ ...explain(index, topPos[k]!, asker, areaMask, areaCount, halfKm), score: topScore[k]! });
  }
  for (const i of touched) {
    scratchLoad[i] = 0;
    scratchAsks[i] = 0;
    scratchExcluded[i] = 0;
  }
  return { suggestions, eligible, areas: PRIORITY_AREAS.filter((a) => areas.includes(a)) };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The score of one school again, part by part, with the reasons in words-to-be. */
function explain(index: MatchingIndex, i: number, asker: number | undefined, areaMask: number, areaCount: number, halfKm: number): Suggestion {
  const W = MATCH_WEIGHTS;
  const school = index.schools[i]!;
  const askerSchool = asker === undefined ? null : index.schools[asker]!;
  const reasons: Reason[] = [];

  const perArea = areaCount > 0 ? W.strength / areaCount : 0;
  let strength = 0;
  for (const area of PRIORITY_AREAS) {
    const bit = AREA_BIT.get(area)!;
    if ((areaMask & bit) === 0) continue;
    if (index.verified[i]! & bit) {
      strength += perArea;
      const by = school.strengths.find((s) => s.area === area && s.statedBy !== 'school')?.statedBy ?? 'adviser';
      reasons.push({ key: 'strengthVerified', params: { area, by } });
    } else if (index.selfStated[i]! & bit) {
      strength += perArea * W.selfStatedShare;
      reasons.push({ key: 'strengthSelf', params: { area } });
    }
  }

  const phaseShare = askerSchool ? PHASE_FIT[askerSchool.phase][school.phase] : 0.5;
  if (askerSchool && school.phase === askerSchool.phase) reasons.push({ key: 'samePhase', params: { phase: school.phase } });
  else if (phaseShare >= 0.5) reasons.push({ key: 'nearPhase', params: { phase: school.phase } });

  const mediumShare = askerSchool ? MEDIUM_FIT[askerSchool.languageMedium][school.languageMedium] : 0.5;
  if (askerSchool && school.languageMedium === askerSchool.languageMedium) reasons.push({ key: 'sameMedium', params: { medium: school.languageMedium } });
  else if (school.languageMedium === 'dual') reasons.push({ key: 'dualMedium', params: {} });

  const family = askerSchool && school.family !== null && school.family === askerSchool.family ? W.family : 0;
  if (family > 0) reasons.push({ key: 'sameFamily', params: {} });

  let fsm = 0;
  if (askerSchool && askerSchool.fsmPercent !== null && school.fsmPercent !== null) {
    const share = 1 - Math.abs(school.fsmPercent - askerSchool.fsmPercent) / W.fsmSpan;
    if (share > 0) fsm = W.fsm * share;
    if (share >= 2 / 3) reasons.push({ key: 'similarFsm', params: { percent: round1(school.fsmPercent) } });
  }

  let supportGap = 0;
  if (askerSchool?.supportCategory && school.supportCategory) {
    const gap = CATEGORY_RANK[askerSchool.supportCategory] - CATEGORY_RANK[school.supportCategory];
    supportGap = W.supportGap * supportGapShare(gap);
    if (gap === 1 || gap === 2) reasons.push({ key: 'aheadInCategory', params: {} });
  }

  let km: number | null = null;
  let distance = W.distance * W.unknownDistanceShare;
  if (asker !== undefined && index.hasPoint[asker] === 1 && index.hasPoint[i] === 1) {
    const dx = index.x[i]! - index.x[asker]!;
    const dy = index.y[i]! - index.y[asker]!;
    km = Math.sqrt(dx * dx + dy * dy);
    distance = W.distance * Math.pow(0.5, km / halfKm);
    reasons.push({ key: 'distance', params: { km: km < 10 ? round1(km) : Math.round(km) } });
  } else reasons.push({ key: 'distanceUnknown', params: {} });

  const load = index.scratchLoad[i]!;
  const cap = index.capacity[i]!;
  reasons.push({ key: 'places', params: { taken: load, capacity: cap } });
  const loadScore = -W.load * (load / cap);

  const asks = index.scratchAsks[i]!;
  const fairness = -W.fairness * asks;
  if (asks >= 0.5) reasons.push({ key: 'askedRecently', params: { count: Math.max(1, Math.round(asks)) } });

  const parts = {
    strength,
    phase: W.phase * phaseShare,
    medium: W.medium * mediumShare,
    family,
    fsm,
    supportGap,
    distance,
    load: loadScore,
    fairness,
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const breakdown: ScoreBreakdown = { ...parts, total };
  return { schoolId: school.id, score: total, breakdown, reasons, km, load, capacity: cap };
}
