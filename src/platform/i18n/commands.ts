import { LOCALES, t, type Locale, type MessageKey } from './index';

/** A command's catalogue key: its words in each language, alternatives separated by '|'. */
export type CommandKey = Extract<MessageKey, `command.${string}`>;

const alternatives = (locale: Locale, key: CommandKey): string[] =>
  t(locale, key)
    .split('|')
    .map((w) => w.trim())
    .filter(Boolean);

/** The words shown for a command in a language (the catalogue's first alternative). */
export function commandWord(locale: Locale, key: CommandKey): string {
  return alternatives(locale, key)[0];
}

/** The words as a pattern: any run of spaces for a space, and either apostrophe for one (people type the straight one). */
const escape = (text: string) =>
  text
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+')
    .replace(/['’]/g, "['’]");

/**
 * The pattern a route listens for: any of the command's words in either language, alone, or
 * (when it takes an argument) followed by it as the first group. Built from the catalogue, so
 * the words a help card shows are the words the bot understands.
 */
export function commandPattern(key: CommandKey, options: { argument?: boolean } = {}): RegExp {
  const words = [...new Set(LOCALES.flatMap((l) => alternatives(l, key)))].sort((a, b) => b.length - a.length).map(escape);
  const group = `(?:${words.join('|')})`;
  const pattern = options.argument ? new RegExp(`^\\s*${group}(?![\\p{L}\\p{N}])\\s*(.*)$`, 'isu') : new RegExp(`^\\s*${group}\\s*$`, 'iu');
  keys.set(pattern, key);
  return pattern;
}

const keys = new WeakMap<RegExp, CommandKey>();

/** Which command a pattern listens for (for logs: the command, never what followed it). */
export function commandKeyOf(pattern: RegExp): CommandKey | undefined {
  return keys.get(pattern);
}
