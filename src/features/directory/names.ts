import type { InEachLanguage, Locale } from '../../platform/i18n';
import { BoundedCache } from '../../platform/boundedCache';

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

/**
 * School names for cards, kept for a while: a plan's summary shows its school's name on every
 * opening, and names change only when an admin reloads the directory. This instance forgets them
 * at once when it reloads the directory (`forget`); another instance's reload shows here within
 * `maxAgeMs` (ten minutes by default). Only the name fields are kept, so nothing that decides
 * anything (capacity, openness, clusters) is ever read from here.
 */
export class SchoolNameCache implements SchoolLookup {
  private readonly names: BoundedCache<number, SchoolSummary | null>;

  constructor(
    private readonly lookup: SchoolLookup,
    options: { maxEntries?: number; maxAgeMs?: number; now?: () => number } = {},
  ) {
    // Wales has about 1,500 schools: the default holds them all.
    this.names = new BoundedCache(options.maxEntries ?? 2000, { maxAgeMs: options.maxAgeMs ?? 10 * 60_000, now: options.now });
  }

  async get(id: number): Promise<SchoolSummary | null> {
    const known = this.names.get(id);
    if (known !== undefined) return known;
    const school = await this.lookup.get(id);
    const summary = school && { id: school.id, nameEn: school.nameEn, nameCy: school.nameCy, laNameEn: school.laNameEn, laNameCy: school.laNameCy };
    // An unknown id is not remembered: the school may be added by the next directory load.
    if (summary) this.names.set(id, summary);
    return summary;
  }

  searchByName(query: string, limit?: number): Promise<SchoolSummary[]> {
    return this.lookup.searchByName(query, limit);
  }

  forget(): void {
    this.names.clear();
  }
}
