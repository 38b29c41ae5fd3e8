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

/** Text kept in both languages (a demo strength, a cluster's name), in the reader's: the other only where theirs is missing. */
export const inReaderLanguage = (text: { en: string; cy: string | null }, locale: Locale): string => (locale === 'cy' ? (text.cy ?? text.en) : text.en);

/** A cluster's name in each language, for t() to show the reader's; a cluster with no Welsh name keeps its one name. */
export const clusterNames = (cluster: { name: string; nameCy: string | null }): InEachLanguage => ({ en: cluster.name, cy: cluster.nameCy ?? cluster.name });

/** A name given once or in each language, in the reader's. */
export const nameIn = (name: string | InEachLanguage, locale: Locale): string => (typeof name === 'string' ? name : name[locale]);
