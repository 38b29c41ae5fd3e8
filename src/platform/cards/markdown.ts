/**
 * Teams renders card text (TextBlock, FactSet values) and plain messages as Markdown: bold, italic, lists and links.
 * Text one person wrote and another reads must show as typed, never as a live link or formatting, so every such
 * string is escaped with this before it is bound into a card or a message.
 */
const INLINE = /[\\`*_~[\]<>]/g;
/** A line that would begin a list: "- x", "+ x", "1. x", "1) x". */
const LINE_START = /^(\s*)(\d*)([-+.)])(?=\s)/gm;

export function escapeMarkdown(text: string): string {
  // Only ASCII punctuation can be escaped, so a numbered line's dot is, not its number.
  return text
    .replace(INLINE, '\\$&')
    .replace(LINE_START, (whole, space: string, digits: string, mark: string) =>
      digits === '' && (mark === '.' || mark === ')') ? whole : `${space}${digits}\\${mark}`,
    );
}

/**
 * Our own Markdown (a list we built from escaped parts, a bold word of the catalogue's) passed to t() as a
 * parameter: t() escapes every other parameter when it fills a message.
 */
export class OurMarkdown {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const ourMarkdown = (text: string): OurMarkdown => new OurMarkdown(text);
