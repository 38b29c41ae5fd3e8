/**
 * Characters a person's text may not carry into storage: half of a UTF-16 surrogate pair (what is left of an emoji
 * cut in two, which PostgreSQL cannot keep) and control characters other than tab, newline and carriage return
 * (NUL cannot be kept either; the rest are invisible and only ever arrive by accident or on purpose). Refused with a
 * message rather than stored altered, so what is saved always reads back the same.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this must find
const UNSTORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export function hasUnstorableCharacter(text: string): boolean {
  return UNSTORABLE.test(text);
}

/** The text without the characters that cannot be kept, to hand back to the person so nothing they typed is lost. */
export function withoutUnstorable(text: string): string {
  return text.replace(UNSTORABLE_ALL, '');
}

/** The first string anywhere in a value (a card payload) that cannot be kept, with its key; null when all can. */
export function findUnstorable(value: unknown, skip: ReadonlySet<string> = new Set(), key = ''): { key: string; text: string } | null {
  if (typeof value === 'string') return hasUnstorableCharacter(value) || hasUnstorableCharacter(key) ? { key, text: value } : null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findUnstorable(item, skip, key);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (skip.has(k)) continue;
      if (hasUnstorableCharacter(k)) return { key: k, text: k };
      const found = findUnstorable(v, skip, k);
      if (found) return found;
    }
  }
  return null;
}
