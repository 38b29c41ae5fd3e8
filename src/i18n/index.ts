import { cy } from './cy';
import { en, type MessageKey } from './en';

export type Locale = 'cy' | 'en';
export const LOCALES: readonly Locale[] = ['cy', 'en'];
export type { MessageKey };

const catalogues: Record<Locale, Record<MessageKey, string>> = { en, cy };

export function isMessageKey(key: string): key is MessageKey {
  return key in en;
}

/** A message in the given language, with {name} placeholders filled in. */
export function t(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
  const template = catalogues[locale][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A message whose key came from the domain as a string. */
export function tProblem(locale: Locale, key: string, params?: Record<string, string | number>): string {
  return isMessageKey(key) ? t(locale, key, params) : t(locale, 'error.tryAgain');
}

/** Every string of one language, for binding into card templates. */
export function strings(locale: Locale): Readonly<Record<MessageKey, string>> {
  return catalogues[locale];
}

export function catalogue(locale: Locale): Readonly<Record<MessageKey, string>> {
  return catalogues[locale];
}

/** Teams sends BCP 47 tags ("cy-GB", "en-GB"); Welsh when the tag says so. */
export function localeFromTag(tag: string | undefined, fallback: Locale): Locale {
  if (!tag) return fallback;
  const primary = tag.toLowerCase().split(/[-_]/)[0];
  if (primary === 'cy') return 'cy';
  if (primary === 'en') return 'en';
  return fallback;
}

const MONTHS: Record<Locale, string[]> = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  cy: ['Ionawr', 'Chwefror', 'Mawrth', 'Ebrill', 'Mai', 'Mehefin', 'Gorffennaf', 'Awst', 'Medi', 'Hydref', 'Tachwedd', 'Rhagfyr'],
};

/** "March 2026", "Mawrth 2026": when evidence was given (month 1–12). */
export function formatMonth(locale: Locale, month: number, year: number): string {
  return `${MONTHS[locale][Math.min(12, Math.max(1, month)) - 1]} ${year}`;
}

/** Made once: building a DateTimeFormat costs far more than using one, and cards show many dates. */
const LONDON_DAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'numeric', year: 'numeric' });

const HOUR_MS = 3_600_000;
/**
 * The UK calendar day of each UTC hour asked for. UK time is UTC or UTC+1 and changes on the
 * hour, so the day cannot change within a UTC hour; asking the time-zone database (about 20 µs)
 * once an hour instead of once a date matters on cards that list many dates.
 */
const londonDays = new Map<number, { day: number; month: number; year: number }>();
const MAX_LONDON_DAYS = 10_000;

function londonDay(date: Date): { day: number; month: number; year: number } {
  const hour = Math.floor(date.getTime() / HOUR_MS);
  let found = londonDays.get(hour);
  if (!found) {
    const parts = LONDON_DAY.formatToParts(date);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    found = { day: get('day'), month: get('month'), year: get('year') };
    if (londonDays.size >= MAX_LONDON_DAYS) londonDays.clear();
    londonDays.set(hour, found);
  }
  return found;
}

/** A date as people in Wales write it ("7 September 2026", "7 Medi 2026"), in UK time. */
export function formatDate(locale: Locale, date: Date): string {
  const { day, month, year } = londonDay(date);
  return `${day} ${MONTHS[locale][month - 1]} ${year}`;
}
