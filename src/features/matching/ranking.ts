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

/**
 * The rules of the ranking, which no weight can outweigh. A request has a range: schools beyond it are
 * suggested only when fewer than `minInRange` schools strong in the need are within it, after those that
 * are, and the card says so. Looking further widens the range for the schools of the asker's own kind
 * (Welsh-medium for a Welsh-medium school, special schools and PRUs for those), not for every school:
 * they are few, and must often cross LAs.
 */
export const MATCH_RULES = {
  rangeKm: 40,
  furtherRangeKm: 100,
  minInRange: 5,
  /** Evidence older than this many years counts as the school's own view (a deployment may change it). */
  evidenceMaxAgeYears: 3,
} as const;

/**
 * The weights within a tier (in range and strong in the need; beyond range and strong; in range, not
 * strong). Strength in the specific need comes first: covering more of the requested areas outweighs
 * everything else together. Then context: a school of the asker's own kind (Welsh-medium, special/PRU),
 * the evidence behind the strength, phase, medium, family and FSM share. Then closeness and free places,
 * so among comparable schools the nearer one, and among comparable schools nearby the less busy one,
 * is asked first.
 */
export const MATCH_WEIGHTS = {
  /**
   * Strong in at least one requested area: bigger than all the rest together, so it always comes first.
   * How many of the requested areas a school covers then weighs `coverage` (all = full): less than the
   * asker's own kind, so a special school strong in one of two areas beats a primary strong in both.
   */
  strength: 1000,
  coverage: 80,
  /** A strength verified by an adviser or an inspection, not older than the deployment allows, adds this (shared across areas). */
  evidence: 20,
  /** A Welsh-medium asker's Welsh-medium partner (a dual-language one counts 40%), a special school's or PRU's special or PRU partner. */
  kind: 100,
  /** Same phase (primary with primary…): practice has to fit the pupils. */
  phase: 50,
  /** Same language medium: teaching materials, staff and the language of the support itself. */
  medium: 15,
  /** Same family of similar schools (similar phase and disadvantage). */
  family: 8,
  /** Similar share of pupils on free school meals: full at equal shares, none at 15 points apart. */
  fsm: 7,
  fsmSpan: 15,
  /**
   * Stage of improvement (the old green/yellow/amber/red categories): off unless the deployment turns
   * it on, since Wales ended categorisation in 2022. Best one or two steps ahead; behind scores below zero.
   */
  supportGap: 6,
  /** Closeness: `distance` × `distanceHalfKm` ÷ (`distanceHalfKm` + km): full next door, half at 10 km, a fifth at 40 km (so a school of the same phase 10 km away still beats one of another phase next door). */
  distance: 80,
  distanceHalfKm: 10,
  /** When a school has no place at all, this share of the distance weight (neither near nor far). */
  unknownDistanceShare: 0.3,
  /** Places: a school with every place but one taken (engagements and asks waiting) loses nearly all of this. */
  load: 40,
  /**
   * Each recent time a school was asked costs this, decaying with a half-life of `fairnessHalfLifeDays`
   * and capped at `fairnessCap` asks, so requests spread among comparable schools.
   */
  fairness: 3,
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
  /** When an adviser or an inspection gave the evidence; older than the deployment allows, it counts as self-stated. */
  verifiedAt?: Date | null;
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
  /** Places a school without coordinates near the other schools of its postcode district. */
  postcode?: string | null;
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
  /** Widens the range for schools of the asker's own kind (Welsh-medium; special and PRU). */
  lookFurther?: boolean;
  /** The range in km (default `MATCH_RULES.rangeKm`). */
  rangeKm?: number;
  /** Schools not to suggest (already asked for this request, for example). */
  exclude?: readonly number[];
}

/** What changes between requests: places held and recent asks, by school id; and the deployment's choices. */
export interface MatchState {
  /** Support engagements under way (accepted), by school. */
  load: ReadonlyMap<number, number>;
  /** Asks waiting for the school's answer, by school: they count against its places too. */
  pending?: ReadonlyMap<number, number>;
  /** When each school was last asked for support (epoch ms), by school. */
  recentAsks: ReadonlyMap<number, readonly number[]>;
  now: Date;
  /** The 2014–2022 support categories shift the ranking only when a deployment turns them on. */
  supportCategories?: boolean;
  /** Default `MATCH_RULES.evidenceMaxAgeYears`. */
  evidenceMaxAgeYears?: number;
}

// ---------------------------------------------------------------------------------------------
// Output

export type ReasonKey =
  | 'strengthVerified'
  | 'strengthVerifiedOn'
  | 'strengthOld'
  | 'strengthSelf'
  | 'samePhase'
  | 'nearPhase'
  | 'sameMedium'
  | 'dualMedium'
  | 'sameFamily'
  | 'similarFsm'
  | 'aheadInCategory'
  | 'distance'
  | 'distanceAbout'
  | 'distanceUnknown'
  | 'beyondRange'
  | 'places'
  | 'pendingAsks'
  | 'askedRecently';

/** One reason as data; the catalogue says it in words (`match.reason.<key>`). */
export interface Reason {
  key: ReasonKey;
  params: Record<string, string | number>;
}

export interface ScoreBreakdown {
  strength: number;
  kind: number;
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

/** inRange: within range and strong in the need; beyondRange: strong, further away; context: in range, not strong in it. */
export type Tier = 'inRange' | 'beyondRange' | 'context';

export interface Suggestion {
  schoolId: number;
  /** The score within its tier; tiers come first (see `Tier`). */
  score: number;
  tier: Tier;
  breakdown: ScoreBreakdown;
  reasons: Reason[];
  /** Kilometres from the asking school, when both have a place. */
  km: number | null;
  /** True when either place is approximate (a postcode district's or an LA's centre). */
  kmApproximate: boolean;
  load: number;
  pending: number;
  capacity: number;
}

export interface Ranking {
  suggestions: Suggestion[];
  /** How many schools could be suggested at all (in the tiers shown, open, with a free place, not the asker). */
  eligible: number;
  /** The areas ranked on (the plan's, or those read from its text). */
  areas: PriorityArea[];
  /** The range applied, in km (the wider range for the asker's own kind is `furtherKm` when looking further). */
  rangeKm: number;
  furtherKm: number | null;
  /** Schools strong in the need within range. */
  inRange: number;
  /** Whether schools beyond range are shown (fewer than `MATCH_RULES.minInRange` within it), and the nearest of them. */
  beyondShown: boolean;
  nearestBeyondKm: number | null;
}

// ---------------------------------------------------------------------------------------------
// Index

const AREA_BIT = new Map<PriorityArea, number>(PRIORITY_AREAS.map((area, i) => [area, 1 << i]));
const AREA_COUNT = PRIORITY_AREAS.length;
/** Distances are equirectangular at the asker's latitude: within a few metres of the great circle over 100 km in Wales. */
const KM_PER_DEG_LAT = 111.195;

/** How a school's place is known: its own coordinates, or about (its postcode district's, its LA's centre). */
export const PLACE_NONE = 0;
export const PLACE_EXACT = 1;
export const PLACE_DISTRICT = 2;
export const PLACE_LA = 3;

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
  /** Longitude and latitude in degrees (the place, exact or about). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** PLACE_NONE, PLACE_EXACT, PLACE_DISTRICT or PLACE_LA. */
  readonly place: Uint8Array;
  readonly capacity: Int32Array;
  readonly open: Uint8Array;
  /** Areas verified by an adviser or an inspection, and when (epoch ms by school × area; NaN when undated). */
  readonly verified: Int32Array;
  readonly verifiedAt: Float64Array;
  readonly selfStated: Int32Array;
  /** Scratch space for one ranking at a time (rankings are synchronous). */
  readonly scratchLoad: Float64Array;
  readonly scratchPending: Float64Array;
  readonly scratchAsks: Float64Array;
  readonly scratchExcluded: Uint8Array;
  readonly scratchScore: Float64Array;
  readonly scratchKm: Float64Array;
  readonly scratchTier: Int8Array;
}

/** "CF14 3XX" → "CF14". */
export const postcodeDistrict = (postcode: string | null | undefined): string | null => {
  const outward = postcode?.trim().toUpperCase().split(/\s+/)[0];
  return outward ? outward : null;
};

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
    place: new Uint8Array(n),
    capacity: new Int32Array(n),
    open: new Uint8Array(n),
    verified: new Int32Array(n),
    verifiedAt: new Float64Array(n * AREA_COUNT).fill(Number.NaN),
    selfStated: new Int32Array(n),
    scratchLoad: new Float64Array(n),
    scratchPending: new Float64Array(n),
    scratchAsks: new Float64Array(n),
    scratchExcluded: new Uint8Array(n),
    scratchScore: new Float64Array(n),
    scratchKm: new Float64Array(n),
    scratchTier: new Int8Array(n),
  };
  // Centres of the schools placed by their own coordinates, by postcode district and by LA.
  const centres = new Map<string, { x: number; y: number; n: number }>();
  const addTo = (key: string, x: number, y: number) => {
    const c = centres.get(key) ?? { x: 0, y: 0, n: 0 };
    c.x += x;
    c.y += y;
    c.n++;
    centres.set(key, c);
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
      index.place[i] = PLACE_EXACT;
      index.x[i] = s.longitude;
      index.y[i] = s.latitude;
      const district = postcodeDistrict(s.postcode);
      if (district) addTo(`pc:${district}`, index.x[i]!, index.y[i]!);
      addTo(`la:${s.laCode}`, index.x[i]!, index.y[i]!);
    }
    index.capacity[i] = Math.max(0, s.capacity);
    index.open[i] = s.openToRequests ? 1 : 0;
    for (const strength of s.strengths) {
      const bit = AREA_BIT.get(strength.area) ?? 0;
      if (bit === 0) continue;
      if (strength.statedBy === 'school') index.selfStated[i] |= bit;
      else {
        index.verified[i] |= bit;
        const at = strength.verifiedAt ? strength.verifiedAt.getTime() : Number.NaN;
        index.verifiedAt[i * AREA_COUNT + PRIORITY_AREAS.indexOf(strength.area)] = at;
      }
    }
    index.selfStated[i] &= ~index.verified[i];
  });
  // Every school has a place: else its postcode district's (shared with other schools), else its LA's centre.
  schools.forEach((s, i) => {
    if (index.place[i] === PLACE_EXACT) return;
    const district = postcodeDistrict(s.postcode);
    const byDistrict = district ? centres.get(`pc:${district}`) : undefined;
    const centre = byDistrict ?? centres.get(`la:${s.laCode}`);
    if (!centre) return;
    index.place[i] = byDistrict ? PLACE_DISTRICT : PLACE_LA;
    index.x[i] = centre.x / centre.n;
    index.y[i] = centre.y / centre.n;
  });
  return index;
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

const KIND_NONE = 0;
const KIND_WELSH = 1;
const KIND_SPECIAL = 2;
const PHASE_SPECIAL = PHASES.indexOf('special');
const PHASE_PRU = PHASES.indexOf('pru');
const MEDIUM_WELSH = MEDIA.indexOf('welsh');
const MEDIUM_DUAL = MEDIA.indexOf('dual');
const YEAR_MS = 365.25 * 86_400_000;

/** The kind of school that must often look further for its own kind: special schools and PRUs, then Welsh-medium schools. */
function kindAt(index: MatchingIndex, i: number): number {
  const p = index.phase[i]!;
  if (p === PHASE_SPECIAL || p === PHASE_PRU) return KIND_SPECIAL;
  return index.medium[i] === MEDIUM_WELSH ? KIND_WELSH : KIND_NONE;
}

/** What one ranking needs of the request, worked out once before the loop. */
interface RankContext {
  asker: number | undefined;
  askerSchool: CandidateSchool | null;
  areaMask: number;
  /** Positions in PRIORITY_AREAS of the requested areas. */
  areaIdx: number[];
  perArea: number;
  evidencePerArea: number;
  /** Kilometres per degree of longitude at the asker's latitude. */
  kmPerDegLon: number;
  phaseFit: number[];
  mediumFit: number[];
  askKind: number;
  askFamily: number;
  askFsm: number;
  askCategory: number;
  askPlace: number;
  askX: number;
  askY: number;
  rangeKm: number;
  /** The wider range for schools of the asker's kind, or NaN. */
  furtherKm: number;
  evidenceCutoffMs: number;
}

const PART_COUNT = 10;
const parts = new Float64Array(PART_COUNT);

/** A school's score within its tier, part by part into `out` (strength, kind, phase, medium, family, fsm, supportGap, distance, load, fairness). */
function scoreParts(index: MatchingIndex, ctx: RankContext, i: number, out: Float64Array): number {
  const W = MATCH_WEIGHTS;
  let strength = 0;
  const verified = index.verified[i]!;
  const stated = verified | index.selfStated[i]!;
  if ((stated & ctx.areaMask) !== 0) {
    strength = W.strength;
    for (const a of ctx.areaIdx) {
      const bit = 1 << a;
      if ((stated & bit) === 0) continue;
      strength += ctx.perArea;
      if ((verified & bit) !== 0 && !(index.verifiedAt[i * AREA_COUNT + a]! < ctx.evidenceCutoffMs)) strength += ctx.evidencePerArea;
    }
  }
  let kind = 0;
  if (ctx.askKind !== KIND_NONE) {
    const k = kindAt(index, i);
    if (k === ctx.askKind) kind = W.kind;
    else if (ctx.askKind === KIND_WELSH && index.medium[i] === MEDIUM_DUAL) kind = W.kind * 0.4;
  }
  let family = 0;
  if (ctx.askFamily >= 0 && index.family[i] === ctx.askFamily) family = W.family;
  let fsm = 0;
  const f = index.fsm[i]!;
  if (ctx.askFsm === ctx.askFsm && f === f) {
    const share = 1 - Math.abs(f - ctx.askFsm) / W.fsmSpan;
    if (share > 0) fsm = W.fsm * share;
  }
  let supportGap = 0;
  const c = index.category[i]!;
  if (ctx.askCategory >= 0 && c >= 0) supportGap = W.supportGap * supportGapShare(ctx.askCategory - c);
  const km = index.scratchKm[i]!;
  const distance = km === km ? (W.distance * W.distanceHalfKm) / (W.distanceHalfKm + km) : W.distance * W.unknownDistanceShare;
  const cap = index.capacity[i]!;
  const load = -W.load * ((index.scratchLoad[i]! + index.scratchPending[i]!) / cap);
  const fairness = -W.fairness * index.scratchAsks[i]!;
  out[0] = strength;
  out[1] = kind;
  out[2] = W.phase * ctx.phaseFit[index.phase[i]!]!;
  out[3] = W.medium * ctx.mediumFit[index.medium[i]!]!;
  out[4] = family;
  out[5] = fsm;
  out[6] = supportGap;
  out[7] = distance;
  out[8] = load;
  out[9] = fairness;
  return strength + kind + out[2] + out[3] + family + fsm + supportGap + distance + load + fairness;
}

function rangeFor(index: MatchingIndex, ctx: RankContext, i: number): number {
  return ctx.furtherKm === ctx.furtherKm && kindAt(index, i) === ctx.askKind ? ctx.furtherKm : ctx.rangeKm;
}

/** A fixed but arbitrary order for exact ties, so no part of Wales wins them by its school numbers. */
function tieBreak(askerId: number, id: number): number {
  let h = Math.imul(askerId ^ 0x9e3779b9, 0x85ebca6b) ^ id;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Tier order: strong in range, then strong beyond (shown only when few are in range), then in range without the strength. */
const TIER_RANK = [0, 1, 2];
const TIER_NAME: readonly Tier[] = ['inRange', 'beyondRange', 'context'];

/**
 * Ranks every eligible school for the request and returns the best `limit` after skipping
 * `offset` ("show more"). Never the asking school, a school closed to requests, or one whose
 * places are all held (engagements under way and asks waiting). Range is a rule: schools beyond it
 * appear only when fewer than `MATCH_RULES.minInRange` schools strong in the need are within it.
 * Within a tier, strength first, then context, then distance and load; exact ties go to the nearer,
 * then the less loaded school, then a fixed order that does not follow school numbers.
 */
export function rankSchools(index: MatchingIndex, request: MatchRequest, state: MatchState, limit = 5, offset = 0): Ranking {
  const W = MATCH_WEIGHTS;
  const asker = index.positionOf.get(request.askingSchoolId);
  const askerSchool = asker === undefined ? null : index.schools[asker]!;
  const areas = request.priorityAreas.length > 0 ? [...new Set(request.priorityAreas)] : areasFromText(request.text ?? '');
  let areaMask = 0;
  for (const area of areas) areaMask |= AREA_BIT.get(area) ?? 0;
  const areaIdx: number[] = [];
  for (let a = 0; a < AREA_COUNT; a++) if (areaMask & (1 << a)) areaIdx.push(a);
  const nowMs = state.now.getTime();

  // What changes per request goes into scratch arrays, so the loops below only read arrays.
  const { scratchLoad, scratchPending, scratchAsks, scratchExcluded, scratchScore, scratchKm, scratchTier, positionOf } = index;
  const touched: number[] = [];
  for (const [id, n] of state.load) {
    const i = positionOf.get(id);
    if (i !== undefined) {
      scratchLoad[i] = n;
      touched.push(i);
    }
  }
  for (const [id, n] of state.pending ?? []) {
    const i = positionOf.get(id);
    if (i !== undefined) {
      scratchPending[i] = n;
      touched.push(i);
    }
  }
  for (const [id, asks] of state.recentAsks) {
    const i = positionOf.get(id);
    if (i !== undefined) {
      scratchAsks[i] = recentAskUnits(asks, nowMs);
      touched.push(i);
    }
  }
  for (const id of request.exclude ?? []) {
    const i = positionOf.get(id);
    if (i !== undefined) {
      scratchExcluded[i] = 1;
      touched.push(i);
    }
  }

  const askKind = asker === undefined ? KIND_NONE : kindAt(index, asker);
  const rangeKm = request.rangeKm ?? MATCH_RULES.rangeKm;
  const ctx: RankContext = {
    asker,
    askerSchool,
    areaMask,
    areaIdx,
    perArea: areaIdx.length > 0 ? W.coverage / areaIdx.length : 0,
    evidencePerArea: areaIdx.length > 0 ? W.evidence / areaIdx.length : 0,
    kmPerDegLon: KM_PER_DEG_LAT * Math.cos(((asker === undefined ? 52.4 : index.y[asker]!) * Math.PI) / 180),
    phaseFit: askerSchool ? PHASES.map((p) => PHASE_FIT[askerSchool.phase][p]) : PHASES.map(() => 0.5),
    mediumFit: askerSchool ? MEDIA.map((m) => MEDIUM_FIT[askerSchool.languageMedium][m]) : MEDIA.map(() => 0.5),
    askKind,
    askFamily: asker === undefined ? -1 : index.family[asker]!,
    askFsm: asker === undefined ? Number.NaN : index.fsm[asker]!,
    askCategory: asker === undefined || state.supportCategories !== true ? -1 : index.category[asker]!,
    askPlace: asker === undefined ? PLACE_NONE : index.place[asker]!,
    askX: asker === undefined ? 0 : index.x[asker]!,
    askY: asker === undefined ? 0 : index.y[asker]!,
    rangeKm,
    furtherKm: request.lookFurther && askKind !== KIND_NONE ? Math.max(rangeKm, MATCH_RULES.furtherRangeKm) : Number.NaN,
    evidenceCutoffMs: nowMs - (state.evidenceMaxAgeYears ?? MATCH_RULES.evidenceMaxAgeYears) * YEAR_MS,
  };

  // Pass 1: who is eligible, in which tier, at what distance and score.
  const { size, capacity, open, verified, selfStated, place, x, y } = index;
  let inRange = 0;
  let nearestBeyondKm = Number.POSITIVE_INFINITY;
  for (let i = 0; i < size; i++) {
    scratchTier[i] = -1;
    const cap = capacity[i]!;
    if (i === asker || open[i] === 0 || cap <= 0 || scratchLoad[i]! + scratchPending[i]! >= cap || scratchExcluded[i] === 1) continue;
    let km = Number.NaN;
    if (ctx.askPlace !== PLACE_NONE && place[i] !== PLACE_NONE) {
      const dx = (x[i]! - ctx.askX) * ctx.kmPerDegLon;
      const dy = (y[i]! - ctx.askY) * KM_PER_DEG_LAT;
      km = Math.sqrt(dx * dx + dy * dy);
    }
    scratchKm[i] = km;
    const strong = areaMask === 0 || ((verified[i]! | selfStated[i]!) & areaMask) !== 0;
    const within = !(km > rangeFor(index, ctx, i)); // a school with no place at all is not ruled out
    if (strong && within) {
      scratchTier[i] = 0;
      inRange++;
    } else if (strong) {
      scratchTier[i] = 1;
      if (km < nearestBeyondKm) nearestBeyondKm = km;
    } else if (within) scratchTier[i] = 2;
    else continue;
    scratchScore[i] = scoreParts(index, ctx, i, parts);
  }
  const beyondShown = inRange < MATCH_RULES.minInRange;

  // Pass 2: the best `want` in order.
  const held = (i: number) => scratchLoad[i]! + scratchPending[i]!;
  const askerId = request.askingSchoolId;
  const better = (i: number, j: number): boolean => {
    const ti = TIER_RANK[scratchTier[i]!]!;
    const tj = TIER_RANK[scratchTier[j]!]!;
    if (ti !== tj) return ti < tj;
    if (scratchScore[i] !== scratchScore[j]) return scratchScore[i]! > scratchScore[j]!;
    const ki = scratchKm[i]!;
    const kj = scratchKm[j]!;
    if (ki !== kj && (ki === ki || kj === kj)) return kj !== kj || ki < kj;
    if (held(i) !== held(j)) return held(i) < held(j);
    return tieBreak(askerId, index.ids[i]!) < tieBreak(askerId, index.ids[j]!);
  };
  const want = Math.max(0, offset) + Math.max(0, limit);
  const top = new Int32Array(want);
  let kept = 0;
  let eligible = 0;
  for (let i = 0; i < size; i++) {
    const tier = scratchTier[i]!;
    if (tier < 0 || (tier === 1 && !beyondShown)) continue;
    eligible++;
    if (want === 0 || (kept === want && !better(i, top[kept - 1]!))) continue;
    let j = kept < want ? kept++ : kept - 1;
    while (j > 0 && better(i, top[j - 1]!)) {
      top[j] = top[j - 1]!;
      j--;
    }
    top[j] = i;
  }

  const suggestions: Suggestion[] = [];
  for (let k = Math.max(0, offset); k < kept; k++) suggestions.push(explain(index, ctx, top[k]!));
  for (const i of touched) {
    scratchLoad[i] = 0;
    scratchPending[i] = 0;
    scratchAsks[i] = 0;
    scratchExcluded[i] = 0;
  }
  return {
    suggestions,
    eligible,
    areas: PRIORITY_AREAS.filter((a) => areas.includes(a)),
    rangeKm,
    furtherKm: ctx.furtherKm === ctx.furtherKm ? ctx.furtherKm : null,
    inRange,
    beyondShown,
    nearestBeyondKm: Number.isFinite(nearestBeyondKm) ? nearestBeyondKm : null,
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
/** Kilometres as people say them: one decimal under 10 km, whole above. */
const roundKm = (km: number) => (km < 10 ? round1(km) : Math.round(km));

/** The score of one school again, part by part, with the reasons in words-to-be. */
function explain(index: MatchingIndex, ctx: RankContext, i: number): Suggestion {
  const W = MATCH_WEIGHTS;
  const school = index.schools[i]!;
  const askerSchool = ctx.askerSchool;
  const out = parts;
  const total = scoreParts(index, ctx, i, out);
  const reasons: Reason[] = [];

  for (const a of ctx.areaIdx) {
    const area = PRIORITY_AREAS[a]!;
    const bit = 1 << a;
    if (index.verified[i]! & bit) {
      const by = school.strengths.find((s) => s.area === area && s.statedBy !== 'school')?.statedBy ?? 'adviser';
      const at = index.verifiedAt[i * AREA_COUNT + a]!;
      if (at !== at) reasons.push({ key: 'strengthVerified', params: { area, by } });
      else {
        const when = new Date(at);
        const params = { area, by, month: when.getUTCMonth() + 1, year: when.getUTCFullYear() };
        reasons.push({ key: at < ctx.evidenceCutoffMs ? 'strengthOld' : 'strengthVerifiedOn', params });
      }
    } else if (index.selfStated[i]! & bit) reasons.push({ key: 'strengthSelf', params: { area } });
  }

  const phaseShare = askerSchool ? PHASE_FIT[askerSchool.phase][school.phase] : 0.5;
  if (askerSchool && school.phase === askerSchool.phase) reasons.push({ key: 'samePhase', params: { phase: school.phase } });
  else if (phaseShare >= 0.5) reasons.push({ key: 'nearPhase', params: { phase: school.phase } });

  if (askerSchool && school.languageMedium === askerSchool.languageMedium) reasons.push({ key: 'sameMedium', params: { medium: school.languageMedium } });
  else if (school.languageMedium === 'dual') reasons.push({ key: 'dualMedium', params: {} });

  if (out[4]! > 0) reasons.push({ key: 'sameFamily', params: {} });
  if (askerSchool && askerSchool.fsmPercent !== null && school.fsmPercent !== null && out[5]! >= (W.fsm * 2) / 3) {
    reasons.push({ key: 'similarFsm', params: { percent: round1(school.fsmPercent) } });
  }
  if (ctx.askCategory >= 0 && index.category[i]! >= 0) {
    const gap = ctx.askCategory - index.category[i]!;
    if (gap === 1 || gap === 2) reasons.push({ key: 'aheadInCategory', params: {} });
  }

  const rawKm = index.scratchKm[i]!;
  const km = rawKm === rawKm ? rawKm : null;
  const kmApproximate = km !== null && (ctx.askPlace !== PLACE_EXACT || index.place[i] !== PLACE_EXACT);
  if (km === null) reasons.push({ key: 'distanceUnknown', params: {} });
  else reasons.push({ key: kmApproximate ? 'distanceAbout' : 'distance', params: { km: roundKm(km) } });
  const tier = TIER_NAME[index.scratchTier[i]!]!;
  if (tier === 'beyondRange') reasons.push({ key: 'beyondRange', params: { range: Math.round(rangeFor(index, ctx, i)) } });

  const load = index.scratchLoad[i]!;
  const pending = index.scratchPending[i]!;
  const cap = index.capacity[i]!;
  reasons.push({ key: 'places', params: { taken: load, capacity: cap } });
  if (pending > 0) reasons.push({ key: 'pendingAsks', params: { count: pending } });
  const asks = index.scratchAsks[i]!;
  if (asks >= 0.5) reasons.push({ key: 'askedRecently', params: { count: Math.max(1, Math.round(asks)) } });

  const breakdown: ScoreBreakdown = {
    strength: out[0]!,
    kind: out[1]!,
    phase: out[2]!,
    medium: out[3]!,
    family: out[4]!,
    fsm: out[5]!,
    supportGap: out[6]!,
    distance: out[7]!,
    load: out[8]!,
    fairness: out[9]!,
    total,
  };
  return { schoolId: school.id, score: total, tier, breakdown, reasons, km, kmApproximate, load, pending, capacity: cap };
}
