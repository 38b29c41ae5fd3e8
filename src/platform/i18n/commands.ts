import { isMessageKey, LOCALES, t, type Locale, type MessageKey } from './index';

/** A command's catalogue key: its words in each language, alternatives separated by '|'. */
export type CommandKey = Extract<MessageKey, `command.${string}`>;

/** Whether a string (from a card) names a command in the catalogue. */
export const isCommandKey = (key: string): key is CommandKey => key.startsWith('command.') && isMessageKey(key);

const alternatives = (locale: Locale, key: CommandKey): string[] =>
  t(locale, key)
    .split('|')
    .map((w) => w.trim())
    .filter(Boolean);

/** The words shown for a command in a language (the catalogue's first alternative). */
export function commandWord(locale: Locale, key: CommandKey): string {
  return alternatives(locale, key)[0];
}

/** Welsh accented letters, each with the plain letter a keyboard without them types instead. */
const PLAIN: Record<string, string> = { â: 'a', ê: 'e', î: 'i', ô: 'o', û: 'u', ŵ: 'w', ŷ: 'y', á: 'a', é: 'e', í: 'i', ó: 'o', ú: 'u', ẃ: 'w', ý: 'y' };

/**
 * The words as a pattern: any run of spaces for a space, either apostrophe for one and an accented letter with or
 * without its accent (people type "rhoi rol" and "cysylltu'r clwstwr" as often as "rhoi rôl" and "cysylltu’r clwstwr").
 */
const escape = (text: string) =>
  text
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+')
    .replace(/['’]/g, "['’]")
    .replace(/[âêîôûŵŷáéíóúẃý]/gi, (letter) => {
      const plain = PLAIN[letter.toLowerCase()]!;
      return `[${letter}${plain}]`;
    });

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
