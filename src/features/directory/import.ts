import type { MessageKey } from '../../platform/i18n';
import { parse } from 'csv-parse/sync';
import type { Database } from '../../platform/db/db';
import { SeedDataError, languageMediumFromWelshMediumType, phaseFromSector } from './csv';
import { PRIORITY_AREAS, type PriorityArea } from '../plans/priorities';
import { publishedSchoolName } from './nameCase';
import { LANGUAGE_MEDIA, PHASES, SUPPORT_CATEGORIES, type LanguageMedium, type Phase, type StrengthSource, type SupportCategory } from './repository';

/**
 * The directory import for admins: a CSV of schools, checked whole before anything is written.
 * Every problem is reported with its line and column; nothing is written unless every row is
 * valid; a school number already in the directory is updated in place, never duplicated.
 * Column names are ours (see README) or, where they overlap, those of the Welsh Government
 * "Address list of schools" (School Number, School Name, LA Code, Sector, Welsh Medium Type,
 * Postcode…) and of the enriched seed list (school_code, school_name, la_code…).
 */

export type ImportColumn =
  | 'school_number'
  | 'name_en'
  | 'name_cy'
  | 'la_code'
  | 'phase'
  | 'school_type'
  | 'language_medium'
  | 'wm_code'
  | 'pupils'
  | 'fsm_percent'
  | 'family'
  | 'support_category'
  | 'latitude'
  | 'longitude'
  | 'postcode'
  | 'capacity'
  | 'open_to_requests'
  | 'strengths'
  | 'strength_source'
  | 'strength_date';

/** Each column and the header names accepted for it (compared case-insensitively, spaces and underscores alike). */
export const IMPORT_COLUMNS: Record<ImportColumn, readonly string[]> = {
  school_number: ['school_number', 'School Number', 'school_code'],
  name_en: ['name_en', 'School Name', 'school_name'],
  name_cy: ['name_cy', 'Welsh Name', 'school_name_cy'],
  la_code: ['la_code', 'LA Code'],
  phase: ['phase', 'Sector'],
  school_type: ['school_type', 'School Type'],
  language_medium: ['language_medium', 'Welsh Medium Type'],
  wm_code: ['wm_code', 'WM Code'],
  pupils: ['pupils', 'Pupils', 'pupils_jan2018', 'Number of Pupils'],
  fsm_percent: ['fsm_percent', 'FSM %'],
  family: ['family'],
  support_category: ['support_category', 'Support Category', 'support_category_2019'],
  latitude: ['latitude', 'Latitude'],
  longitude: ['longitude', 'Longitude'],
  postcode: ['postcode', 'Postcode'],
  capacity: ['capacity'],
  open_to_requests: ['open_to_requests'],
  /** Priority areas the school is strong in, separated by ";" (numeracy; wellbeing): the school's strengths become exactly these. */
  strengths: ['strengths'],
  /** Who says so: school (the default), adviser or inspection. */
  strength_source: ['strength_source'],
  /** When an adviser or an inspection gave the evidence: YYYY-MM or YYYY-MM-DD (the day of the import when blank). */
  strength_date: ['strength_date'],
};

const REQUIRED: readonly ImportColumn[] = ['school_number', 'name_en', 'la_code'];
/** The most rows one import takes (Wales has about 1,500 schools). */
export const IMPORT_MAX_ROWS = 3000;
export const MAX_CAPACITY = 20;

export interface ImportError {
  /** Line in the file, 1 being the header. */
  line: number;
  /** The column's header as written in the file ('' for the whole row or file). */
  column: string;
  key: MessageKey;
  params?: Record<string, string | number>;
}

export interface ImportRow {
  line: number;
  id: number;
  nameEn: string;
  nameCy: string | null;
  laCode: number;
  phase: Phase | null;
  languageMedium: LanguageMedium | null;
  pupils: number | null;
  fsmPercent: number | null;
  family: string | null;
  supportCategory: SupportCategory | null;
  latitude: number | null;
  longitude: number | null;
  postcode: string | null;
  capacity: number | null;
  openToRequests: boolean | null;
  /** The school's strengths (null when the file has no strengths column), who states them and when. */
  strengths: PriorityArea[] | null;
  strengthSource: StrengthSource;
  strengthDate: Date | null;
}

export interface CheckedImport {
  rows: ImportRow[];
  /** Which optional columns the file has: only those are changed for schools already present. */
  present: ReadonlySet<ImportColumn>;
  errors: ImportError[];
}

/** Area names as the file may write them: the catalogue keys, in any case, with or without spaces ("more able", "moreAble"). */
const AREA_BY_NAME = new Map<string, PriorityArea>(PRIORITY_AREAS.filter((a) => a !== 'other').map((a) => [a.toLowerCase(), a]));

const normalise = (header: string) =>
  header
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '_');
const ALIASES = new Map<string, ImportColumn>();
for (const [column, names] of Object.entries(IMPORT_COLUMNS) as [ImportColumn, readonly string[]][])
  for (const name of names) ALIASES.set(normalise(name), column);

/**
 * Checks a whole file. `knownLaCodes` are the local authorities in the directory.
 * Returns every row read and every error found; import only when `errors` is empty.
 */
export function checkImport(text: string, knownLaCodes: ReadonlySet<number>): CheckedImport {
  const errors: ImportError[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
  } catch (err) {
    const line = Number((err as { lines?: number }).lines ?? 1);
    return {
      rows: [],
      present: new Set(),
      errors: [{ line, column: '', key: 'import.error.unreadable', params: { detail: String((err as Error).message).slice(0, 200) } }],
    };
  }
  if (records.length === 0) return { rows: [], present: new Set(), errors: [{ line: 1, column: '', key: 'import.error.empty' }] };

  // The header: which column is which.
  const header = records[0]!.record;
  const columnAt = new Map<ImportColumn, number>();
  header.forEach((name, i) => {
    const column = ALIASES.get(normalise(name));
    if (!column) return; // other columns of the address list (address lines, phone…) are ignored
    if (columnAt.has(column)) errors.push({ line: 1, column: name, key: 'import.error.duplicateColumn', params: { column: name } });
    else columnAt.set(column, i);
  });
  for (const column of REQUIRED)
    if (!columnAt.has(column))
      errors.push({ line: 1, column: IMPORT_COLUMNS[column][0]!, key: 'import.error.missingColumn', params: { column: IMPORT_COLUMNS[column][0]! } });
  if (!columnAt.has('phase') && !columnAt.has('school_type'))
    errors.push({ line: 1, column: 'phase', key: 'import.error.missingColumn', params: { column: 'phase' } });
  if (errors.length > 0) return { rows: [], present: new Set(columnAt.keys()), errors };
  if (records.length - 1 > IMPORT_MAX_ROWS)
    return {
      rows: [],
      present: new Set(columnAt.keys()),
      errors: [{ line: 1, column: '', key: 'import.error.tooManyRows', params: { max: IMPORT_MAX_ROWS } }],
    };

  const rows: ImportRow[] = [];
  const seen = new Map<number, number>();
  // csv-parse counts the lines read so far; a record starts on the line after the previous one ended.
  let previousEnd = records[0]!.info.lines;
  for (const { record, info } of records.slice(1)) {
    const line = previousEnd + 1;
    previousEnd = info.lines;
    const rowErrors: ImportError[] = [];
    const cell = (column: ImportColumn): string => {
      const i = columnAt.get(column);
      return i === undefined ? '' : (record[i] ?? '').trim();
    };
    const problem = (column: ImportColumn, key: MessageKey, params?: Record<string, string | number>) =>
      rowErrors.push({
        line,
        column: header[columnAt.get(column) ?? -1] ?? IMPORT_COLUMNS[column][0]!,
        key,
        params: { value: cell(column).slice(0, 80), ...params },
      });

    if (record.length !== header.length)
      rowErrors.push({ line, column: '', key: 'import.error.columnCount', params: { found: record.length, expected: header.length } });

    const idText = cell('school_number');
    const id = /^\d{7}$/.test(idText) ? Number(idText) : null;
    if (id === null) problem('school_number', 'import.error.schoolNumber');
    else if (seen.has(id)) problem('school_number', 'import.error.duplicateSchool', { first: seen.get(id)! });
    else seen.set(id, line);

    const nameEn = publishedSchoolName(cell('name_en').replace(/\s+/g, ' '));
    if (nameEn === '') problem('name_en', 'import.error.required');
    else if (nameEn.length > 200) problem('name_en', 'import.error.tooLong', { max: 200 });
    const nameCy = cell('name_cy').replace(/\s+/g, ' ') || null;
    if (nameCy && nameCy.length > 200) problem('name_cy', 'import.error.tooLong', { max: 200 });

    const laText = cell('la_code');
    const laCode = /^\d{3}$/.test(laText) ? Number(laText) : null;
    if (laCode === null || !knownLaCodes.has(laCode)) problem('la_code', 'import.error.laCode');

    let phase: Phase | null = null;
    const phaseText = cell('phase').toLowerCase();
    if ((PHASES as readonly string[]).includes(phaseText)) phase = phaseText as Phase;
    else if (phaseText === 'pupil referral unit') phase = 'pru';
    else {
      try {
        phase = phaseFromSector(cell('phase'), cell('school_type'));
      } catch (err) {
        if (!(err instanceof SeedDataError)) throw err;
        problem(columnAt.has('phase') ? 'phase' : 'school_type', 'import.error.phase');
      }
    }

    let languageMedium: LanguageMedium | null = null;
    const mediumText = cell('language_medium').toLowerCase();
    if ((LANGUAGE_MEDIA as readonly string[]).includes(mediumText)) languageMedium = mediumText as LanguageMedium;
    else if (mediumText !== '' || cell('wm_code') !== '') languageMedium = languageMediumFromWelshMediumType(cell('wm_code'), cell('language_medium'));

    const number = (column: ImportColumn, min: number, max: number, integer: boolean): number | null => {
      const text = cell(column).replace(/,/g, column === 'pupils' ? '' : ',');
      if (text === '') return null;
      const value = Number(text);
      if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
        problem(column, integer ? 'import.error.wholeNumber' : 'import.error.number', { min, max });
        return null;
      }
      return value;
    };
    const pupils = number('pupils', 0, 5000, true);
    const fsmPercent = number('fsm_percent', 0, 100, false);
    const latitude = number('latitude', 51, 54, false);
    const longitude = number('longitude', -6, -2.5, false);
    if ((cell('latitude') === '') !== (cell('longitude') === '')) problem(cell('latitude') === '' ? 'latitude' : 'longitude', 'import.error.coordinatePair');
    const capacity = number('capacity', 0, MAX_CAPACITY, true);

    const categoryText = cell('support_category').toLowerCase();
    let supportCategory: SupportCategory | null = null;
    if (categoryText !== '') {
      if ((SUPPORT_CATEGORIES as readonly string[]).includes(categoryText)) supportCategory = categoryText as SupportCategory;
      else problem('support_category', 'import.error.category');
    }

    const openText = cell('open_to_requests').toLowerCase();
    let openToRequests: boolean | null = null;
    if (openText !== '') {
      if (['yes', 'true', '1', 'y', 'ie', 'do'].includes(openText)) openToRequests = true;
      else if (['no', 'false', '0', 'n', 'na', 'naddo'].includes(openText)) openToRequests = false;
      else problem('open_to_requests', 'import.error.yesNo');
    }

    const family = cell('family').replace(/\s+/g, ' ') || null;
    if (family && family.length > 100) problem('family', 'import.error.tooLong', { max: 100 });
    const postcode = cell('postcode').toUpperCase() || null;
    if (postcode && !/^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/.test(postcode)) problem('postcode', 'import.error.postcode');

    let strengths: PriorityArea[] | null = null;
    if (columnAt.has('strengths')) {
      strengths = [];
      for (const part of cell('strengths')
        .split(/[;|]/)
        .map((p) => p.trim())
        .filter((p) => p !== '')) {
        const area = AREA_BY_NAME.get(part.toLowerCase().replace(/[\s_-]+/g, ''));
        if (!area) {
          rowErrors.push({ line, column: header[columnAt.get('strengths')!]!, key: 'import.error.area', params: { value: part.slice(0, 40) } });
          continue;
        }
        if (!strengths.includes(area)) strengths.push(area);
      }
    }
    const sourceText = cell('strength_source').toLowerCase();
    let strengthSource: StrengthSource = 'school';
    if (sourceText === 'adviser' || sourceText === 'inspection' || sourceText === 'school') strengthSource = sourceText;
    else if (sourceText !== '') problem('strength_source', 'import.error.source');
    const dateText = cell('strength_date');
    let strengthDate: Date | null = null;
    if (dateText !== '') {
      const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(dateText);
      const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3] ?? 1), 12)) : null;
      if (!m || !date || date.getUTCMonth() !== Number(m[2]) - 1 || date.getUTCDate() !== Number(m[3] ?? 1) || Number(m[1]) < 2000)
        problem('strength_date', 'import.error.date');
      else strengthDate = date;
    }

    errors.push(...rowErrors);
    if (rowErrors.length === 0 && id !== null && laCode !== null) {
      rows.push({
        line,
        id,
        nameEn,
        nameCy,
        laCode,
        phase,
        languageMedium,
        pupils,
        fsmPercent,
        family,
        supportCategory,
        latitude,
        longitude,
        postcode,
        capacity,
        openToRequests,
        strengths,
        strengthSource,
        strengthDate,
      });
    }
  }
  if (rows.length === 0 && errors.length === 0) errors.push({ line: 1, column: '', key: 'import.error.empty' });
  return { rows, present: new Set(columnAt.keys()), errors };
}

export interface ImportResult {
  errors: ImportError[];
  inserted: number;
  updated: number;
}

/**
 * Checks the file and, only if all of it is valid, writes it in one transaction: new school
 * numbers are added, known ones updated in place. Columns the file lacks are left as they are.
 */
export async function importDirectory(db: Database, text: string): Promise<ImportResult> {
  const known = new Set((await db.query<{ code: number }>('select code from local_authorities')).map((r) => r.code));
  const checked = checkImport(text, known);
  if (checked.errors.length > 0) return { errors: checked.errors, inserted: 0, updated: 0 };
  const { rows, present } = checked;
  const has = (c: ImportColumn) => present.has(c);
  const missingPhase = rows.filter((r) => r.phase === null);
  if (missingPhase.length > 0) {
    return { errors: missingPhase.map((r) => ({ line: r.line, column: 'phase', key: 'import.error.phase', params: { value: '' } })), inserted: 0, updated: 0 };
  }
  const result = await db.transaction(async (tx) => {
    const written = await tx.query<{ inserted: boolean }>(
      `insert into schools as s (id, name_en, name_cy, la_code, phase, language_medium, pupils, fsm_percent, family, support_category,
                                 latitude, longitude, postcode, capacity, open_to_requests, demo_attributes, updated_at)
       select d.id, d.name_en, d.name_cy, d.la_code, d.phase, coalesce(d.language_medium, 'english'), d.pupils, d.fsm_percent, d.family, d.support_category,
              d.latitude, d.longitude, d.postcode, coalesce(d.capacity, 2), coalesce(d.open_to_requests, true), false, now()
         from unnest($1::int[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::int[], $8::numeric[], $9::text[], $10::text[],
                     $11::float8[], $12::float8[], $13::text[], $14::int[], $15::bool[])
              as d (id, name_en, name_cy, la_code, phase, language_medium, pupils, fsm_percent, family, support_category,
                    latitude, longitude, postcode, capacity, open_to_requests)
       on conflict (id) do update set
         name_en = excluded.name_en,
         name_cy = case when $16::bool then excluded.name_cy else s.name_cy end,
         la_code = excluded.la_code,
         phase = excluded.phase,
         language_medium = case when $17::bool then excluded.language_medium else s.language_medium end,
         pupils = case when $18::bool then excluded.pupils else s.pupils end,
         fsm_percent = case when $19::bool then excluded.fsm_percent else s.fsm_percent end,
         family = case when $20::bool then excluded.family else s.family end,
         support_category = case when $21::bool then excluded.support_category else s.support_category end,
         latitude = case when $22::bool then excluded.latitude else s.latitude end,
         longitude = case when $22::bool then excluded.longitude else s.longitude end,
         postcode = case when $23::bool then excluded.postcode else s.postcode end,
         capacity = case when $24::bool then excluded.capacity else s.capacity end,
         open_to_requests = case when $25::bool then excluded.open_to_requests else s.open_to_requests end,
         demo_attributes = s.demo_attributes and not ($19::bool or $20::bool or $24::bool or $25::bool),
         updated_at = now()
       returning (xmax = 0) as inserted`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.nameEn),
        rows.map((r) => r.nameCy),
        rows.map((r) => r.laCode),
        rows.map((r) => r.phase),
        rows.map((r) => r.languageMedium),
        rows.map((r) => r.pupils),
        rows.map((r) => r.fsmPercent),
        rows.map((r) => r.family),
        rows.map((r) => r.supportCategory),
        rows.map((r) => r.latitude),
        rows.map((r) => r.longitude),
        rows.map((r) => r.postcode),
        rows.map((r) => r.capacity),
        rows.map((r) => r.openToRequests),
        has('name_cy'),
        has('language_medium') || has('wm_code'),
        has('pupils'),
        has('fsm_percent'),
        has('family'),
        has('support_category'),
        has('latitude') && has('longitude'),
        has('postcode'),
        has('capacity'),
        has('open_to_requests'),
      ],
    );
    const inserted = written.filter((w) => w.inserted).length;
    if (has('strengths')) {
      // The file says what each school listed is strong in: those strengths replace the school's, with their source and date.
      const listed = rows.flatMap((r) => (r.strengths ?? []).map((area) => ({ r, area })));
      await tx.query('delete from school_strengths where school_id = any($1::int[])', [rows.map((r) => r.id)]);
      await tx.query(
        `insert into school_strengths (school_id, area, description, stated_by, verified_at, demo, updated_at)
         select d.school_id, d.area, '', d.stated_by, case when d.stated_by <> 'school' then coalesce(d.verified_at, now()) end, false, now()
           from unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[]) as d (school_id, area, stated_by, verified_at)`,
        [listed.map((l) => l.r.id), listed.map((l) => l.area), listed.map((l) => l.r.strengthSource), listed.map((l) => l.r.strengthDate)],
      );
    }
    return { inserted, updated: written.length - inserted };
  });
  return { errors: [], ...result };
}
