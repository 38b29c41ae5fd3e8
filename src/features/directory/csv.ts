import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { fromRoot } from '../../platform/paths';
import { publishedSchoolName } from './nameCase';
import type { LanguageMedium, Phase, SupportCategory } from './repository';

/**
 * Reading the Welsh Government "Address list of schools" format (and our LA list) into
 * directory rows. Parsers take text so an admin's newer list in the same format can reuse them.
 */

export type CsvRecord = Record<string, string>;

export const SEED_FILES = {
  localAuthorities: 'la_consortia.csv',
  maintainedSchools: 'schools_wales_maintained_2018_enriched.csv',
  pupilReferralUnits: 'address-list-2018-pru.csv',
} as const;

export interface LocalAuthoritySeed {
  code: number;
  nameEn: string;
  nameCy: string;
  onsCode: string | null;
  consortium: string;
}

export interface SchoolSeed {
  id: number;
  nameEn: string;
  nameCy: string | null;
  laCode: number;
  phase: Phase;
  languageMedium: LanguageMedium;
  pupils: number | null;
  supportCategory: SupportCategory | null;
  latitude: number | null;
  longitude: number | null;
  postcode: string | null;
}

export class SeedDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedDataError';
  }
}

/** Rows keyed by header; tolerates a byte-order mark and stray spaces around values. */
export function parseCsv(text: string): CsvRecord[] {
  return parse(text, { columns: true, bom: true, trim: true, skip_empty_lines: true }) as CsvRecord[];
}

export function readSeedCsv(file: string): CsvRecord[] {
  return parseCsv(readFileSync(fromRoot('src', 'features', 'directory', 'seed-data', file), 'utf8'));
}

/**
 * Phase from the list's Sector, with School type as a fallback for lists that leave Sector out.
 * Sector values: Nursery, Primary, Middle (all-age 3–16/3–19 schools), Secondary, Special.
 * PRUs come from their own file and are given 'pru' there, not here.
 */
export function phaseFromSector(sector: string, schoolType = ''): Phase {
  const bySector: Record<string, Phase> = {
    nursery: 'nursery',
    primary: 'primary',
    middle: 'middle',
    secondary: 'secondary',
    special: 'special',
  };
  const phase = bySector[sector.trim().toLowerCase()];
  if (phase) return phase;
  // School type reads e.g. "Nursery, Infants & Juniors", "Middle (ages 3-19)", "Special (with post-16 provision)".
  const type = schoolType.trim().toLowerCase();
  if (type.startsWith('special')) return 'special';
  if (type.startsWith('middle')) return 'middle';
  if (type.startsWith('secondary')) return 'secondary';
  if (type === 'nursery') return 'nursery';
  if (/infants|juniors/.test(type)) return 'primary';
  if (/pupil referral/.test(type)) return 'pru';
  throw new SeedDataError(`unknown sector "${sector}" / school type "${schoolType}"`);
}

/**
 * Language medium from the Welsh-medium code (WM code) or its description.
 * - welsh: WM "Welsh medium".
 * - dual: both languages are media of teaching — DS "Dual Stream", TR "Transitional",
 *   AB/BB/CB (and CH in other years) "Bilingual (Type A/B/C/CH)", and EW "English with significant
 *   Welsh" (Welsh Government's definition: both languages used, 20–49% of teaching through Welsh).
 * - english: EM "English medium", and NA "Not applicable" (special and nursery schools are not
 *   categorised; the schema needs a value and English medium is the commonest).
 * An unknown code falls back to the description's words, then to 'english'.
 */
export function languageMediumFromWelshMediumType(wmCode: string, welshMediumType = ''): LanguageMedium {
  switch (wmCode.trim().toUpperCase()) {
    case 'WM':
      return 'welsh';
    case 'DS':
    case 'TR':
    case 'AB':
    case 'BB':
    case 'CB':
    case 'CH':
    case 'EW':
      return 'dual';
    case 'EM':
    case 'NA':
      return 'english';
  }
  const type = welshMediumType.trim().toLowerCase();
  if (type === 'welsh medium') return 'welsh';
  if (/dual|bilingual|transitional|significant welsh/.test(type)) return 'dual';
  return 'english';
}

/** "Green" → 'green'; blank (not categorised, e.g. nursery schools and new schools) → null. */
export function supportCategoryFrom(value: string): SupportCategory | null {
  const category = value.trim().toLowerCase();
  if (category === '') return null;
  if (category === 'green' || category === 'yellow' || category === 'amber' || category === 'red') return category;
  throw new SeedDataError(`unknown support category "${value}"`);
}

/** Pupil count as a whole number; blank or non-numeric (not in the census) → null. */
export function pupilsFrom(value: string): number | null {
  const trimmed = value.trim().replace(/,/g, '');
  if (!/^\d+$/.test(trimmed)) return null;
  return Number(trimmed);
}

/** A coordinate in range, else null (blank means the postcode was not geocoded). */
export function coordinateFrom(value: string | undefined, limit: 90 | 180): number | null {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}

/** Names as published, with runs of spaces made single ("Ty Gwyn  Education Centres"). */
export function cleanName(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function requiredInteger(record: CsvRecord, column: string): number {
  const value = (record[column] ?? '').trim();
  if (!/^\d+$/.test(value)) throw new SeedDataError(`column "${column}" should be a whole number, got "${value}"`);
  return Number(value);
}

function requiredText(record: CsvRecord, column: string): string {
  const value = cleanName(record[column] ?? '');
  if (value === '') throw new SeedDataError(`column "${column}" is empty`);
  return value;
}

const optionalText = (value: string | undefined): string | null => (value && value.trim() !== '' ? value.trim() : null);

/** la_consortia.csv: la_code, local_authority, local_authority_cy, ons_code, consortium. */
export function localAuthoritiesFromCsv(records: readonly CsvRecord[]): LocalAuthoritySeed[] {
  return records.map((r) => ({
    code: requiredInteger(r, 'la_code'),
    nameEn: requiredText(r, 'local_authority'),
    nameCy: requiredText(r, 'local_authority_cy'),
    onsCode: optionalText(r['ons_code']),
    consortium: requiredText(r, 'consortium'),
  }));
}

/** The enriched maintained-schools list (snake_case headers). */
export function maintainedSchoolsFromCsv(records: readonly CsvRecord[]): SchoolSeed[] {
  return records.map((r) => ({
    id: requiredInteger(r, 'school_code'),
    nameEn: publishedSchoolName(requiredText(r, 'school_name')),
    nameCy: null, // the published list has one name per school, whatever its language
    laCode: requiredInteger(r, 'la_code'),
    phase: phaseFromSector(r['sector'] ?? '', r['school_type'] ?? ''),
    languageMedium: languageMediumFromWelshMediumType(r['wm_code'] ?? '', r['welsh_medium_type'] ?? ''),
    pupils: pupilsFrom(r['pupils_jan2018'] ?? ''),
    supportCategory: supportCategoryFrom(r['support_category_2019'] ?? ''),
    latitude: coordinateFrom(r['latitude'], 90),
    longitude: coordinateFrom(r['longitude'], 180),
    postcode: optionalText(r['postcode']),
  }));
}

/**
 * PRUs from the address list (original English headers). The list says nothing of their
 * language medium or pupils and they have no coordinates: 'english', null, null.
 */
export function pupilReferralUnitsFromCsv(records: readonly CsvRecord[]): SchoolSeed[] {
  return records.map((r) => ({
    id: requiredInteger(r, 'School Number'),
    nameEn: publishedSchoolName(requiredText(r, 'School Name')),
    nameCy: null,
    laCode: requiredInteger(r, 'LA Code'),
    phase: 'pru',
    languageMedium: 'english',
    pupils: null,
    supportCategory: null,
    latitude: null,
    longitude: null,
    postcode: optionalText(r['Postcode']),
  }));
}

export interface DirectorySeedData {
  localAuthorities: LocalAuthoritySeed[];
  maintainedSchools: SchoolSeed[];
  pupilReferralUnits: SchoolSeed[];
}

/** Reads and checks the shipped seed files: unique school numbers, every school in a known LA. */
export function readDirectorySeedData(): DirectorySeedData {
  const data: DirectorySeedData = {
    localAuthorities: localAuthoritiesFromCsv(readSeedCsv(SEED_FILES.localAuthorities)),
    maintainedSchools: maintainedSchoolsFromCsv(readSeedCsv(SEED_FILES.maintainedSchools)),
    pupilReferralUnits: pupilReferralUnitsFromCsv(readSeedCsv(SEED_FILES.pupilReferralUnits)),
  };
  const laCodes = new Set(data.localAuthorities.map((la) => la.code));
  const seen = new Set<number>();
  for (const school of [...data.maintainedSchools, ...data.pupilReferralUnits]) {
    if (seen.has(school.id)) throw new SeedDataError(`school number ${school.id} appears twice`);
    seen.add(school.id);
    if (!laCodes.has(school.laCode)) throw new SeedDataError(`school ${school.id} has unknown LA code ${school.laCode}`);
  }
  return data;
}
