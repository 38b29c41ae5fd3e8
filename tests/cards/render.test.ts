import { readFileSync } from 'node:fs';
import * as ACData from 'adaptivecards-templating';
import { bindConstants, renderCardPlain, renderingWith, templateDir, templateFiles } from '../../src/platform/cards/render';
import { Verbs } from '../../src/platform/cards/verbs';
import { LOCALES, catalogue } from '../../src/platform/i18n';
import { allCards } from './samples';

const source = (file: string): unknown => JSON.parse(readFileSync(`${templateDir()}/${file}`, 'utf8'));

/** What the library makes of a template, as written and with its constants bound first. */
function bothWays(template: unknown, data: Record<string, unknown>) {
  const root = { $root: { ...data, verbs: Verbs } };
  return {
    plain: JSON.stringify(new ACData.Template(template).expand(root)),
    bound: JSON.stringify(new ACData.Template(bindConstants(template, data.t)).expand(root)),
  };
}

describe('cards from templates with the catalogue and verbs bound once', () => {
  for (const locale of LOCALES) {
    it(`draws every card in ${locale} byte for byte as the plain expansion does`, () => {
      const plain = renderingWith(renderCardPlain, () => allCards(locale));
      const bound = allCards(locale);
      expect(Object.keys(bound)).toEqual(Object.keys(plain));
      const drawn = new Set(Object.keys(bound).map((k) => k.split(':')[0]));
      expect(templateFiles().filter((f) => !drawn.has(f.replace(/\.json$/, '')))).toEqual([]);
      for (const key of Object.keys(plain)) expect({ key, json: JSON.stringify(bound[key]) }).toEqual({ key, json: JSON.stringify(plain[key]) });
    });

    it(`really binds something in every template that uses the catalogue or a verb (${locale})`, () => {
      for (const file of templateFiles()) {
        const text = readFileSync(`${templateDir()}/${file}`, 'utf8');
        if (!text.includes("t['") && !text.includes('verbs.')) continue;
        const bound = JSON.stringify(bindConstants(source(file), catalogue(locale)));
        expect({ file, changed: bound !== JSON.stringify(source(file)) }).toEqual({ file, changed: true });
      }
    });
  }

  // Names, texts and scopes chosen to catch a binding filled in where the library would read something else.
  const odd = {
    a: 'A',
    dollar: 'costs ${price}',
    tick: 'back`tick',
    slash: 'back\\slash',
    lone: 'US$',
    braces: '{name} and {count}',
    empty: '',
  };
  const fixture = {
    type: 'AdaptiveCard',
    version: '1.5',
    fallbackText: "${t['a']}",
    body: [
      { type: 'TextBlock', text: "${t['a']}" },
      { type: 'TextBlock', text: "${t['a']}: ${name}" },
      { type: 'TextBlock', text: "${t['a']} · ${verbs.menuHelp}" },
      { type: 'TextBlock', text: "${t['dollar']}" },
      { type: 'TextBlock', text: "${t['dollar']}: ${name}" },
      { type: 'TextBlock', text: "${t['tick']} ${name}" },
      { type: 'TextBlock', text: "${t['slash']} ${name}" },
      { type: 'TextBlock', text: "${t['lone']}{name} ${name}" },
      { type: 'TextBlock', text: "${t['braces']} ${name}" },
      { type: 'TextBlock', text: "${t['empty']}${name}" },
      { type: 'TextBlock', text: "\\${t['a']} and ${t['a']}" },
      { type: 'TextBlock', text: "${t['missing']}" },
      { type: 'TextBlock', text: "\\${t['a']} ${name}" },
      { type: 'TextBlock', text: "$${t['braces']} ${name}" },
      { type: 'TextBlock', text: "a\\b ${t['a']} ${name}" },
      { type: 'TextBlock', $when: "${t['a'] == 'A'}", text: 'shown' },
      {
        $data: '${items}',
        type: 'Container',
        items: [
          { type: 'TextBlock', text: "${t['a']}" },
          { type: 'TextBlock', text: "${$root.t['a']} / ${verbs.menuHelp} / ${$root.verbs.menuHelp}" },
          { $data: '${inner}', type: 'TextBlock', text: "${t['a']} ${$root.t['a']}" },
        ],
      },
    ],
    actions: [{ type: 'Action.Execute', title: "${t['a']}", verb: '${verbs.menuHelp}', data: {} }],
  };
  const data = {
    t: odd,
    name: 7,
    price: 5,
    items: [
      { t: { a: 'item a' }, verbs: { menuHelp: 'item verb' }, inner: [{ t: { a: 'inner a' } }] },
      { t: { a: 'second a' }, verbs: { menuHelp: 'second verb' }, inner: [] },
    ],
  };

  it('expands a template with awkward catalogue text and nested $data scopes exactly as the library does', () => {
    const { plain, bound } = bothWays(fixture, data);
    expect(bound).toEqual(plain);
    // The item's own t and verbs, not the root's, inside a $data scope.
    expect(plain).toContain('"text":"item a"');
    expect(plain).toContain('"text":"A / item verb / menu.help"');
    expect(plain).toContain('"text":"inner a A"');
    // A lone binding keeps its value's type; after empty text it is still text.
    expect(plain).toContain('"text":"7"');
  });

  it('fills in only what it can prove constant', () => {
    const bound = bindConstants(fixture, odd) as { fallbackText: string; body: { text: string; items?: { text: string }[] }[]; actions: { verb: string }[] };
    expect(bound.fallbackText).toBe('A');
    expect(bound.body[1].text).toBe('A: ${name}');
    expect(bound.body[2].text).toBe('A · menu.help');
    expect(bound.actions[0].verb).toBe('menu.help');
    // Left to the library: text holding a binding, text it would read again, a lone binding's type, escapes, missing keys.
    for (const i of [3, 4, 5, 6, 7, 9, 10, 11, 12, 13]) expect(bound.body[i].text).toBe(fixture.body[i].text);
    expect(bound.body[8].text).toBe('{name} and {count} ${name}');
    expect(bound.body[14].text).toBe('a\\b A ${name}');
    // Inside $data a bare name is the item's; only $root. is the root's.
    const scoped = bound.body[16].items ?? [];
    expect(scoped[0].text).toBe("${t['a']}");
    expect(scoped[1].text).toBe('A / ${verbs.menuHelp} / menu.help');
    expect(scoped[2].text).toBe("${t['a']} A");
  });
});
