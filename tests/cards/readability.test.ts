import type { CardJson } from '../../src/platform/cards/render';
import { LOCALES, catalogue } from '../../src/platform/i18n';
import { allCards } from './samples';

/** Every element of a card with a `type`, outside fallbacks. */
function elements(card: CardJson): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (typeof obj.type === 'string') found.push(obj);
    Object.entries(obj).forEach(([k, v]) => k !== 'fallback' && walk(v));
  };
  walk(card);
  return found;
}

/** A catalogue string in both languages at once, as a bilingual title would join them (short ones, such as "Cymraeg / English", fit). */
const [cy, en] = [catalogue('cy') as Record<string, unknown>, catalogue('en') as Record<string, unknown>];
const BOTH_LANGUAGES = Object.keys(en)
  .filter((k) => typeof en[k] === 'string' && typeof cy[k] === 'string' && en[k] !== cy[k])
  .flatMap((k) => [`${String(cy[k])} / ${String(en[k])}`, `${String(en[k])} / ${String(cy[k])}`])
  .filter((both) => both.length > 24);

describe.each(LOCALES)('cards in %s read well in light, dark and high-contrast themes', (locale) => {
  const cards = allCards(locale);

  it.each(Object.keys(cards))('%s colours no text green (Good) or yellow (Warning)', (name) => {
    const coloured = elements(cards[name]!)
      .filter((e) => e.color === 'Good' || e.color === 'Warning')
      .map((e) => `${String(e.color)}: ${String(e.text ?? e.title ?? '')}`);
    expect(coloured).toEqual([]);
  });

  it.each(Object.keys(cards))('%s labels nothing with an emoji (a box where no emoji font exists, and poor for screen readers)', (name) => {
    const labels = elements(cards[name]!).flatMap((e) => [e.title, e.label, e.text].filter((v): v is string => typeof v === 'string'));
    const facts = elements(cards[name]!).flatMap((e) => (Array.isArray(e.facts) ? (e.facts as { title?: string }[]).map((f) => f.title ?? '') : []));
    expect([...labels, ...facts].filter((text) => /\p{Extended_Pictographic}/u.test(text))).toEqual([]);
  });

  it.each(Object.keys(cards))('%s has no button title in two languages at once (it would be cut off)', (name) => {
    const titles = elements(cards[name]!)
      .filter((e) => typeof e.type === 'string' && e.type.startsWith('Action.'))
      .map((e) => String(e.title ?? ''));
    expect(titles.filter((title) => BOTH_LANGUAGES.some((both) => title.includes(both)))).toEqual([]);
  });
});
