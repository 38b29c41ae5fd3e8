import type { Sql } from '../../platform/db/db';
import type { PriorityArea } from '../plans/priorities';

export const PHASES = ['nursery', 'primary', 'middle', 'secondary', 'special', 'pru'] as const;
export type Phase = (typeof PHASES)[number];

export const LANGUAGE_MEDIA = ['english', 'welsh', 'dual'] as const;
export type LanguageMedium = (typeof LANGUAGE_MEDIA)[number];

/** National categorisation 2014–2022 (red = most support). Optional: Wales ended it in 2022. */
export const SUPPORT_CATEGORIES = ['green', 'yellow', 'amber', 'red'] as const;
export type SupportCategory = (typeof SUPPORT_CATEGORIES)[number];

export type ClusterLanguage = 'cy' | 'en' | 'both';
export type StrengthSource = 'school' | 'adviser' | 'inspection';

/** One strength of a school, as matching weighs it and the cards show it. */
export interface StrengthRecord {
  area: PriorityArea;
  /** As the school stated it, or the demo's English. */
  description: string;
  /** The demo's Welsh; null for a strength a school stated in its own words. */
  descriptionCy: string | null;
  evidence: string | null;
  evidenceCy: string | null;
  statedBy: StrengthSource;
  /** When an adviser or an inspection gave the evidence (null for the school's own view). */
  verifiedAt: Date | null;
}

/** Enough to show a school in a list or card, in either language. */
export interface SchoolListing {
  id: number;
  nameEn: string;
  nameCy: string | null;
  laNameEn: string;
  laNameCy: string;
  phase: Phase;
  languageMedium: LanguageMedium;
}

export interface SchoolDetails extends SchoolListing {
  laCode: number;
  consortium: string;
  pupils: number | null;
  fsmPercent: number | null;
  family: string | null;
  supportCategory: SupportCategory | null;
  latitude: number | null;
  longitude: number | null;
  postcode: string | null;
  capacity: number;
  openToRequests: boolean;
  /** FSM, family, capacity and openness came from the demo generator, not from the school. */
  demoAttributes: boolean;
  /** The school's cluster: its name, and its Welsh name where it has one. */
  cluster: { id: number; name: string; nameCy: string | null } | null;
}

export interface SchoolRepository {
  get(id: number): Promise<SchoolDetails | null>;
  /** Names starting with the query first, then containing it; case- and accent-insensitive. */
  searchByName(query: string, limit?: number): Promise<SchoolListing[]>;
  count(): Promise<number>;
}

const MAX_SEARCH_LIMIT = 50;
const MAX_SEARCH_WORDS = 6;

/**
 * Characters folded for search, each to the one at the same place in the second string:
 * Welsh and other Latin diacritics to plain letters, typographic apostrophes to ', hyphens
 * to spaces (so "nant y bryniau" finds "Nant-y-Bryniau"). The same fold is applied to the
 * query in JS and to names in SQL (translate), so neither side depends on the collation.
 */
const FOLD_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['âáàäÂÁÀÄ', 'aaaaaaaa'],
  ['êéèëÊÉÈË', 'eeeeeeee'],
  ['îíìïÎÍÌÏ', 'iiiiiiii'],
  ['ôóòöÔÓÒÖ', 'oooooooo'],
  ['ûúùüÛÚÙÜ', 'uuuuuuuu'],
  ['ŵẃẁẅŴẂẀẄ', 'wwwwwwww'],
  ['ŷýỳÿŶÝỲŸ', 'yyyyyyyy'],
  ['’‘`', "'''"],
  ['-', ' '],
];
const FOLD_FROM = FOLD_PAIRS.map(([from]) => from).join('');
const FOLD_TO = FOLD_PAIRS.map(([, to]) => to).join('');
const FOLD_MAP = new Map([...FOLD_FROM].map((ch, i) => [ch, FOLD_TO[i]!]));

/** The JS half of the search fold: same mapping as FOLD_PAIRS, then lower case and single spaces. */
export function foldForSearch(text: string): string {
  const mapped = [...text.normalize('NFC')].map((ch) => FOLD_MAP.get(ch) ?? ch).join('');
  // Anything FOLD_PAIRS missed (e.g. a decomposed accent) loses its combining mark here.
  return mapped.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Escapes LIKE wildcards so a user's % or _ matches itself (escape character: backslash). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => '\\' + ch);
}

interface ListingRow {
  id: number;
  name_en: string;
  name_cy: string | null;
  la_name_en: string;
  la_name_cy: string;
  phase: Phase;
  language_medium: LanguageMedium;
}

interface DetailsRow extends ListingRow {
  la_code: number;
  consortium: string;
  pupils: number | null;
  fsm_percent: string | number | null; // numeric arrives as a string
  family: string | null;
  support_category: SupportCategory | null;
  latitude: number | null;
  longitude: number | null;
  postcode: string | null;
  capacity: number;
  open_to_requests: boolean;
  demo_attributes: boolean;
  cluster_id: number | null;
  cluster_name: string | null;
  cluster_name_cy: string | null;
}

const toListing = (r: ListingRow): SchoolListing => ({
  id: r.id,
  nameEn: r.name_en,
  nameCy: r.name_cy,
  laNameEn: r.la_name_en,
  laNameCy: r.la_name_cy,
  phase: r.phase,
  languageMedium: r.language_medium,
});

const toDetails = (r: DetailsRow): SchoolDetails => ({
  ...toListing(r),
  laCode: r.la_code,
  consortium: r.consortium,
  pupils: r.pupils,
  fsmPercent: r.fsm_percent === null ? null : Number(r.fsm_percent),
  family: r.family,
  supportCategory: r.support_category,
  latitude: r.latitude,
  longitude: r.longitude,
  postcode: r.postcode,
  capacity: r.capacity,
  openToRequests: r.open_to_requests,
  demoAttributes: r.demo_attributes,
  cluster: r.cluster_id === null || r.cluster_name === null ? null : { id: r.cluster_id, name: r.cluster_name, nameCy: r.cluster_name_cy },
});

const LISTING_COLUMNS = `s.id, s.name_en, s.name_cy, la.name_en as la_name_en, la.name_cy as la_name_cy, s.phase, s.language_medium`;

/**
 * The one owner of the directory's tables that change while the bot runs: schools (a school's capacity and openness)
 * and school_strengths (what a school says of itself, an adviser's verification or withdrawal). The open-data seed
 * and the CSV import load the directory as a whole (seed.ts, import.ts).
 */
export class SqlSchoolRepository implements SchoolRepository {
  constructor(private readonly sql: Sql) {}

  async get(id: number): Promise<SchoolDetails | null> {
    if (!Number.isSafeInteger(id)) return null;
    const rows = await this.sql.query<DetailsRow>(
      `select ${LISTING_COLUMNS}, s.la_code, la.consortium, s.pupils, s.fsm_percent, s.family, s.support_category,
              s.latitude, s.longitude, s.postcode, s.capacity, s.open_to_requests, s.demo_attributes,
              c.id as cluster_id, c.name as cluster_name, c.name_cy as cluster_name_cy
         from schools s
         join local_authorities la on la.code = s.la_code
         left join cluster_members cm on cm.school_id = s.id
         left join clusters c on c.id = cm.cluster_id
        where s.id = $1`,
      [id],
    );
    return rows[0] ? toDetails(rows[0]) : null;
  }

  async searchByName(query: string, limit = 8): Promise<SchoolListing[]> {
    const phrase = foldForSearch(query);
    if (phrase === '') return [];
    const words = [...new Set(phrase.split(' '))].slice(0, MAX_SEARCH_WORDS);
    const safeLimit = Math.max(1, Math.min(MAX_SEARCH_LIMIT, Math.floor(Number.isFinite(limit) ? limit : 8)));

    // $1, $2: fold tables; $3: the whole phrase; $4: limit; $5…: each word, all of which must appear.
    const params: unknown[] = [FOLD_FROM, FOLD_TO, escapeLike(phrase), safeLimit, ...words.map(escapeLike)];
    const containsEvery = words.map(
      (_, i) => `(key_en like '%' || $${i + 5}::text || '%' escape '\\' or key_cy like '%' || $${i + 5}::text || '%' escape '\\')`,
    );
    const phraseRank = (pattern: string) => `(key_en like ${pattern} escape '\\' or key_cy like ${pattern} escape '\\')`;

    const rows = await this.sql.query<ListingRow>(
      `with folded as (
         select ${LISTING_COLUMNS},
                lower(translate(s.name_en, $1, $2)) as key_en,
                lower(translate(coalesce(s.name_cy, ''), $1, $2)) as key_cy
           from schools s
           join local_authorities la on la.code = s.la_code
       )
       select id, name_en, name_cy, la_name_en, la_name_cy, phase, language_medium
         from folded
        where ${containsEvery.join(' and ')}
        order by case
                   when ${phraseRank(`$3::text || '%'`)} then 0
                   when ${phraseRank(`'% ' || $3::text || '%'`)} then 1
                   when ${phraseRank(`'%' || $3::text || '%'`)} then 2
                   else 3
                 end,
                 name_en, id
        limit $4`,
      params,
    );
    return rows.map(toListing);
  }

  async count(): Promise<number> {
    const rows = await this.sql.query<{ n: number }>('select count(*)::int as n from schools');
    return rows[0]?.n ?? 0;
  }

  async strengths(schoolId: number, sql: Sql = this.sql): Promise<StrengthRecord[]> {
    const rows = await sql.query<{
      area: PriorityArea;
      description: string;
      description_cy: string | null;
      evidence: string | null;
      evidence_cy: string | null;
      stated_by: StrengthSource;
      verified_at: Date | string | null;
    }>(
      `select area, description, description_cy, evidence, evidence_cy, stated_by, case when stated_by <> 'school' then coalesce(verified_at, updated_at) end as verified_at
         from school_strengths where school_id = $1 order by area`,
      [schoolId],
    );
    return rows.map((r) => ({
      area: r.area,
      description: r.description,
      descriptionCy: r.description_cy,
      evidence: r.evidence,
      evidenceCy: r.evidence_cy,
      statedBy: r.stated_by,
      verifiedAt: r.verified_at === null ? null : new Date(r.verified_at),
    }));
  }

  /** An adviser verifies a strength the school states (or verifies it again): false when the school has no such strength. Who did is in the audit log. */
  async verifyStrength(schoolId: number, area: PriorityArea, at: Date, sql: Sql = this.sql): Promise<boolean> {
    const rows = await sql.query(
      `update school_strengths set stated_by = 'adviser', verified_at = $3, updated_at = now()
        where school_id = $1 and area = $2 returning area`,
      [schoolId, area, at],
    );
    return rows.length > 0;
  }

  /** An adviser withdraws a strength the evidence does not bear out: the record as it was, or null when there was none. */
  async withdrawStrength(schoolId: number, area: PriorityArea, sql: Sql = this.sql): Promise<{ description: string; statedBy: StrengthSource } | null> {
    const rows = await sql.query<{ description: string; stated_by: StrengthSource }>(
      'delete from school_strengths where school_id = $1 and area = $2 returning description, stated_by',
      [schoolId, area],
    );
    return rows[0] ? { description: rows[0].description, statedBy: rows[0].stated_by } : null;
  }

  /**
   * Replaces what the school says of itself: its capacity, openness and self-stated strengths.
   * Strengths verified by an adviser or an inspection are kept as they are.
   */
  async saveOwnProfile(
    schoolId: number,
    profile: { capacity: number; openToRequests: boolean; strengths: { area: PriorityArea; description: string }[] },
    sql: Sql = this.sql,
  ): Promise<void> {
    await sql.query('update schools set capacity = $2, open_to_requests = $3, demo_attributes = false, updated_at = now() where id = $1', [
      schoolId,
      profile.capacity,
      profile.openToRequests,
    ]);
    // A strength saved again as it was shown, in either language, keeps both: a Welsh head who only changes the
    // capacity leaves English readers the English.
    const before = await sql.query<{ area: string; description: string; description_cy: string | null }>(
      `delete from school_strengths where school_id = $1 and stated_by = 'school' returning area, description, description_cy`,
      [schoolId],
    );
    for (const s of profile.strengths) {
      const same = before.find((b) => b.area === s.area && (b.description === s.description || b.description_cy === s.description));
      await sql.query(
        `insert into school_strengths (school_id, area, description, description_cy, stated_by, demo) values ($1, $2, $3, $4, 'school', false)
         on conflict (school_id, area) do nothing`,
        [schoolId, s.area, same ? same.description : s.description, same ? same.description_cy : null],
      );
    }
  }
}
