import { readFileSync } from 'node:fs';
import { renderCard, templateDir, templateFiles } from '../../src/platform/cards/render';
import { LOCALES, catalogue } from '../../src/platform/i18n';

const templates = templateFiles().map((f) => f.replace(/\.json$/, ''));

describe('cards drawn with values left out', () => {
  for (const locale of LOCALES) {
    it.each(templates)(`%s with only the catalogue (${locale}) shows no raw binding, NaN or undefined`, (name) => {
      const json = JSON.stringify(renderCard(name, { t: catalogue(locale) }));
      expect(json).not.toContain('${');
      expect(json).not.toMatch(/\bNaN\b|\bundefined\b/);
    });
  }

  it('binds an optional value given as undefined or null to nothing', () => {
    const card = renderCard('notice', { t: catalogue('en'), heading: undefined, text: null, color: 'Default' });
    expect(JSON.stringify(card)).not.toContain('${');
  });

  it('shows people\'s own "${…}" as they wrote it, never as a binding', () => {
    const text = 'Budget ${price} and ${t} stay as typed';
    const card = renderCard('notice', { t: catalogue('en'), heading: '', text, color: 'Default' });
    expect(JSON.stringify(card)).toContain(JSON.stringify(text).slice(1, -1));
  });

  it('gives an unanswered input no value, so no client draws 0 for a number nobody gave', () => {
    const card = renderCard('planField', { t: catalogue('en'), kind: 'time', maxDays: 200 });
    const inputs = JSON.stringify(card).match(/"type":"Input\.Number"[^}]*}/g) ?? [];
    expect(inputs).toHaveLength(2);
    for (const input of inputs) expect(input).not.toContain('"value"');
    const answered = JSON.stringify(renderCard('planField', { t: catalogue('en'), kind: 'time', maxDays: 200, staffDays: 3, supplyCoverDays: 0 }));
    expect(answered).toMatch(/"id":"staffDays"[^}]*"value":3/);
    expect(answered).toMatch(/"id":"supplyCoverDays"[^}]*"value":0/);
  });

  it('every template is JSON the library can read', () => {
    for (const name of templates) expect(() => JSON.parse(readFileSync(`${templateDir()}/${name}.json`, 'utf8'))).not.toThrow();
  });
});
