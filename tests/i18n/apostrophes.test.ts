import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDirectorySeedData } from '../../src/features/directory/csv';
import { generateDemoDirectory } from '../../src/features/directory/demo';
import { cy } from '../../src/platform/i18n/cy';
import { en } from '../../src/platform/i18n/en';
import { commandPattern } from '../../src/platform/i18n/commands';
import { manifestStrings, welshManifestStrings } from '../support/appStrings';

/**
 * One apostrophe everywhere a person reads our words: the typographic ’ (i’r, mae’n, school’s). The straight ' is
 * also ICU's quoting character, so in a message with plural cases it would swallow text instead of showing.
 */
const straight = (texts: Record<string, string>) =>
  Object.entries(texts)
    .filter(([, text]) => text.includes("'"))
    .map(([key, text]) => `${key}: ${text}`);

describe('apostrophes', () => {
  it('are typographic in every Welsh and English message of the catalogues (features’ strings included)', () => {
    expect(straight(cy)).toEqual([]);
    expect(straight(en)).toEqual([]);
  });

  it('are typographic in the Teams manifest and its Welsh', () => {
    expect(straight(manifestStrings())).toEqual([]);
    expect(straight(welshManifestStrings())).toEqual([]);
  });

  it('are typographic in any text written into a card template (bindings aside)', () => {
    const dir = join(__dirname, '..', '..', 'adaptiveCards');
    const literal: Record<string, string> = {};
    for (const file of readdirSync(dir)) {
      const walk = (node: unknown, path: string): void => {
        if (typeof node === 'string') {
          const text = node.replace(/\$\{[^}]*\}/g, '');
          if (text.trim() !== '') literal[path] = text;
        } else if (node && typeof node === 'object') Object.entries(node).forEach(([k, v]) => walk(v, `${path}.${k}`));
      };
      walk(JSON.parse(readFileSync(join(dir, file), 'utf8')), file);
    }
    expect(straight(literal)).toEqual([]);
  });

  it('are typographic in the demo directory’s text, in both languages', () => {
    const data = readDirectorySeedData();
    const demo = generateDemoDirectory([...data.maintainedSchools, ...data.pupilReferralUnits], 5);
    const texts = Object.fromEntries(
      demo.strengths.flatMap((s) => [s.description, s.descriptionCy, s.evidence, s.evidenceCy].map((text, i) => [`${s.schoolId}.${s.area}.${i}`, text])),
    );
    expect(straight(texts)).toEqual([]);
  });

  it('do not stop a command being understood when typed straight, as most keyboards type it', () => {
    expect(commandPattern('command.linkCluster').test('cysylltu’r clwstwr')).toBe(true);
    expect(commandPattern('command.linkCluster').test("cysylltu'r clwstwr")).toBe(true);
    expect(commandPattern('command.fadePriorities', { argument: true }).exec("blaenoriaethau'r clwstwr rhifedd; lles")?.[1]).toBe('rhifedd; lles');
  });
});
