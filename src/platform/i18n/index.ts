import { IntlMessageFormat } from 'intl-messageformat';
import { cy } from './cy';
import { en, type MessageKey } from './en';
import { escapeMarkdown, OurMarkdown } from '../cards/markdown';

export type Locale = 'cy' | 'en';
export const LOCALES: readonly Locale[] = ['cy', 'en'];
export type { MessageKey };

/** Frozen: nothing changes a catalogue while the bot runs (card rendering prepares each once, relying on it). */
const catalogues: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = { en: Object.freeze({ ...en }), cy: Object.freeze({ ...cy }) };

/** Text that exists in each language, such as a school's name: t() shows the reader's. */
export type InEachLanguage = Readonly<Record<Locale, string>>;
/**
 * A placeholder's value. Text is escaped as it fills the message, since messages are shown as Markdown and a
 * parameter usually holds someone's words (a name, a plan's focus); our own Markdown comes as `ourMarkdown(...)`.
 */
export type MessageParam = string | number | InEachLanguage | OurMarkdown;

const inLocale = (locale: Locale, value: MessageParam): string | number => {
  if (value instanceof OurMarkdown) return value.text;
  if (typeof value === 'number') return value;
  return escapeMarkdown(typeof value === 'object' ? value[locale] : value);
};

export function isMessageKey(key: string): key is MessageKey {
  return key in en;
}

/**
 * ICU plural or select syntax ("{n, plural, one {…} other {…}}"). Only such messages go through
 * the ICU formatter; the rest keep the plain {name} substitution, which leaves an unfilled
 * placeholder visible instead of throwing.
 */
const ICU_SYNTAX = /\{\s*\w+\s*,\s*(?:plural|select|selectordinal)\s*,/;

export const usesIcuSyntax = (template: string): boolean => ICU_SYNTAX.test(template);

/** The parser's element type for literal text (its TYPE enum is not re-exported). */
const TYPE_LITERAL = 0;
type MessageFormatElement = ReturnType<IntlMessageFormat['getAst']>[number];

/** Compiled once per locale and key, with the arguments it names: parsing costs far more than formatting. */
const compiled = new Map<string, { message: IntlMessageFormat; names: string[] }>();

/** `ignoreTag`: our messages contain "<name>"-style hints, never markup. */
export function compileMessage(locale: Locale, template: string): IntlMessageFormat {
  return new IntlMessageFormat(template, locale, undefined, { ignoreTag: true });
}

function compiledMessage(locale: Locale, key: MessageKey): { message: IntlMessageFormat; names: string[] } {
  const id = `${locale}\u0000${key}`;
  let found = compiled.get(id);
  if (!found) {
    const message = compileMessage(locale, catalogues[locale][key]);
    found = { message, names: argumentsOf(message.getAst()) };
    compiled.set(id, found);
  }
  return found;
}

function argumentsOf(ast: MessageFormatElement[]): string[] {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const element of elements) {
      // Literals and the plural '#' carry no name; every other element is an argument or a tag.
      if ('value' in element && typeof element.value === 'string' && element.type !== TYPE_LITERAL) names.add(element.value);
      if ('options' in element) for (const option of Object.values(element.options) as { value: MessageFormatElement[] }[]) walk(option.value);
      if ('children' in element) walk(element.children);
    }
  };
  walk(ast);
  return [...names];
}

/** The arguments a message names, at any depth of its plural and select cases. */
export function messageArguments(template: string): string[] {
  if (!usesIcuSyntax(template)) return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))];
  return argumentsOf(compileMessage('en', template).getAst());
}

/**
 * A message in the given language, with {name} placeholders filled in. Messages that count
 * things use ICU plural cases, so Welsh gets its six categories (and the mutations after
 * 2, 3 and 6) and English its two.
 */
export function t(locale: Locale, key: MessageKey, params?: Readonly<Record<string, MessageParam>>): string {
  const template = catalogues[locale][key];
  if (!usesIcuSyntax(template)) {
    if (!params) return template;
    // A value ending in a full stop ("Our Lady's R.C.") takes the place of the sentence's own: never "R.C..".
    return template.replace(/\{(\w+)\}(\.?)/g, (whole, name: string, stop: string) => {
      if (!(name in params)) return whole;
      const value = String(inLocale(locale, params[name]));
      return value + (value.endsWith('.') ? '' : stop);
    });
  }
  const { message, names } = compiledMessage(locale, key);
  const values: Record<string, string | number> = {};
  for (const name of names) values[name] = params && name in params ? inLocale(locale, params[name]) : `{${name}}`;
  let out = String(message.format(values));
  for (const value of Object.values(values)) if (typeof value === 'string' && value.endsWith('.')) out = out.split(`${value}.`).join(value);
  return out;
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

const LONDON_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** A time of day in UK time, 24-hour, as both languages write it ("09:05"). */
export function formatTime(date: Date): string {
  return LONDON_TIME.format(date);
}

/** A date as people in Wales write it ("7 September 2026", "7 Medi 2026"), in UK time. */
export function formatDate(locale: Locale, date: Date): string {
  const { day, month, year } = londonDay(date);
  return `${day} ${MONTHS[locale][month - 1]} ${year}`;
}
