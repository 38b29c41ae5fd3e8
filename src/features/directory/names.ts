import type { InEachLanguage, Locale } from '../../platform/i18n';

/** What the bot needs to know of a school to show it to people. */
export interface SchoolSummary {
  id: number;
  nameEn: string;
  nameCy: string | null;
  laNameEn: string;
  laNameCy: string;
}

export interface SchoolLookup {
  get(id: number): Promise<SchoolSummary | null>;
  searchByName(query: string, limit?: number): Promise<SchoolSummary[]>;
}

export const schoolName = (school: Pick<SchoolSummary, 'nameEn' | 'nameCy'>, locale: Locale): string =>
  locale === 'cy' ? (school.nameCy ?? school.nameEn) : school.nameEn;

/** A school's name for a message whose reader is not known yet: t() shows the reader's language. */
export const schoolNames = (school: Pick<SchoolSummary, 'nameEn' | 'nameCy'>): InEachLanguage => ({ en: school.nameEn, cy: school.nameCy ?? school.nameEn });

export const schoolWithPlace = (school: SchoolSummary, locale: Locale): string =>
  `${schoolName(school, locale)} (${locale === 'cy' ? school.laNameCy : school.laNameEn})`;
