import type { CardJson } from '../../src/platform/cards/render';

/** Every piece of text a card shows, its fallbacks included (older clients show those). */
export function shownText(card: CardJson): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && ['text', 'title', 'value', 'label', 'placeholder', 'fallbackText'].includes(key)) parts.push(value);
      else walk(value);
    }
  };
  walk(card);
  return parts.join('\n');
}
