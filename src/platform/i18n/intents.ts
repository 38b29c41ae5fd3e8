import { LOCALES, t, type MessageKey } from './index';
import type { CommandKey } from './commands';

/** A catalogue key listing words that point to a command ("keywords.findPartner" → "command.findPartner"). */
type KeywordKey = Extract<MessageKey, `keywords.${string}`>;

/** The commands a sentence can be matched to, each with its keywords' key; buttons are offered for these. */
export const GUESSABLE_COMMANDS = [
  ['command.findPartner', 'keywords.findPartner'],
  ['command.newPlan', 'keywords.newPlan'],
  ['command.myPlans', 'keywords.myPlans'],
  ['command.myRequests', 'keywords.myRequests'],
  ['command.mySchool', 'keywords.mySchool'],
  ['command.fadeStatus', 'keywords.fadeStatus'],
  ['command.privacy', 'keywords.privacy'],
  ['command.language', 'keywords.language'],
  ['command.help', 'keywords.help'],
] as const satisfies readonly (readonly [CommandKey, KeywordKey])[];

export type GuessableCommand = (typeof GUESSABLE_COMMANDS)[number][0];

/** Lower case, no accents or apostrophe variants, words separated by single spaces. */
export function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/[^\p{L}\p{N}'-]+/gu, ' ')
    .trim();
}

const words = (key: MessageKey): string[] => [
  ...new Set(
    LOCALES.flatMap((l) =>
      t(l, key)
        .split('|')
        .map((w) => normalise(w))
        .filter(Boolean),
    ),
  ),
];

/** At most one letter added, dropped or changed: "parnter", "partnr", "rhifeed" still count. */
function nearlyEqual(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/** Does this word of the sentence match the keyword? Whole words; long ones also by their start or with one typo. */
function wordMatches(word: string, keyword: string): boolean {
  if (word === keyword) return true;
  if (keyword.length < 5) return false;
  return word.startsWith(keyword) || nearlyEqual(word, keyword);
}

let table: { command: GuessableCommand; phrases: string[]; commandWords: string[] }[] | null = null;

function commandTable() {
  table ??= GUESSABLE_COMMANDS.map(([command, keywords]) => ({ command, phrases: words(keywords), commandWords: words(command) }));
  return table;
}

/**
 * The commands a sentence most likely means, best first (none when nothing points anywhere). Each keyword found
 * counts once, a command's own words twice; either language's words count for everyone, whatever they chose.
 */
export function nearestCommands(text: string, limit = 3): GuessableCommand[] {
  const sentence = normalise(text).slice(0, 500);
  if (sentence === '') return [];
  const tokens = sentence.split(' ');
  const padded = ` ${sentence} `;
  const found = (phrase: string) => (phrase.includes(' ') ? padded.includes(` ${phrase} `) : tokens.some((w) => wordMatches(w, phrase)));
  const scored = commandTable().map(({ command, phrases, commandWords }, order) => ({
    command,
    order,
    score: phrases.filter(found).length + 2 * commandWords.filter((w) => w.length > 1 && found(w)).length,
  }));
  return scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, limit)
    .map((s) => s.command);
}
