// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js');
import { loadTemplates, templateFiles, type CardJson } from '../../src/platform/cards/render';
import { ALL_VERBS } from '../../src/platform/cards/verbs';
import { PLAN_FIELDS } from '../../src/features/plans/plan';
import { LOCALES } from '../../src/platform/i18n';
import { allCards } from './samples';

function walk(node: unknown, visit: (obj: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== 'object') return;
  visit(node as Record<string, unknown>);
  Object.values(node as object).forEach((v) => walk(v, visit));
}

describe('card templates', () => {
  it('are all parsed at start, before anyone draws a card', () => {
    expect(loadTemplates()).toBe(templateFiles().length);
  });

  it('draws every template file in adaptiveCards/ at least once', () => {
    const drawn = new Set(Object.keys(allCards('en')).map((k) => k.split(':')[0]));
    expect(
      templateFiles()
        .map((f) => f.replace(/\.json$/, ''))
        .filter((name) => !drawn.has(name)),
    ).toEqual([]);
  });

  for (const locale of LOCALES) {
    describe(`in ${locale}`, () => {
      const cards = allCards(locale);

      it.each(Object.keys(cards))('%s expands fully into an Adaptive Card 1.5 that parses cleanly', (name) => {
        const card = cards[name];
        const json = JSON.stringify(card);
        expect(json).not.toContain('${');
        expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
        expect(json.length).toBeLessThan(40_000);

        const parsed = new AC.AdaptiveCard();
        const context = new AC.SerializationContext(AC.Versions.v1_5);
        parsed.parse(card, context);
        const problems = [];
        for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
        for (const event of parsed.validateProperties().validationEvents) problems.push(event.message);
        expect(problems).toEqual([]);
      });

      it.each(Object.keys(cards))('%s has a known verb on every Action.Execute, with a Submit fallback for older clients', (name) => {
        walk(cards[name], (obj) => {
          if (obj.type !== 'Action.Execute') return;
          expect(ALL_VERBS).toContain(obj.verb);
          expect(obj.fallback).toMatchObject({ type: 'Action.Submit', data: { verb: obj.verb } });
        });
      });
    });
  }

  it('gives Welsh and English cards the same structure', () => {
    const shape = (card: CardJson) =>
      JSON.stringify(card, (key, value) => (['text', 'title', 'label', 'placeholder', 'fallbackText', 'value'].includes(key) ? '' : value));
    const en = allCards('en');
    const cy = allCards('cy');
    for (const name of Object.keys(en)) expect({ name, shape: shape(cy[name]) }).toEqual({ name, shape: shape(en[name]) });
  });

  it('keeps the fullest "my requests" card (three full lists, 200-character school names) well under the ~28 KB Teams accepts in a bot message', () => {
    for (const locale of LOCALES) expect(Buffer.byteLength(JSON.stringify(allCards(locale)['myRequests:full']), 'utf8')).toBeLessThan(24_000);
  });

  it('shows the example behind a toggle on every field card', () => {
    for (const f of PLAN_FIELDS) {
      const json = JSON.stringify(allCards('en')[`planField:${f.id}`]);
      expect(json).toContain('"type":"Action.ToggleVisibility"');
      expect(json).toContain('"id":"example","isVisible":false');
    }
  });
});
