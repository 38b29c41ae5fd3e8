import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cy } from '../../src/platform/i18n/cy';
import { en, type MessageKey } from '../../src/platform/i18n/en';
import { manifestStrings, welshManifestStrings } from '../support/appStrings';

interface Term {
  english: string[];
  welsh: string;
  forms: string[];
}

/** The glossary's table: the rows between its header and the first blank line after it. */
function glossary(): Term[] {
  const text = readFileSync(join(__dirname, '..', '..', 'docs', 'glossary.md'), 'utf8');
  // The header row, however the table's columns are padded.
  const start = text.search(/^\|\s*English\s*\|\s*Cymraeg\s*\|/m);
  const rows = text.slice(start).split('\n\n')[0].split('\n').slice(2);
  return rows.map((row) => {
    const [english, welsh, forms] = row
      .split('|')
      .slice(1, 4)
      .map((cell) => cell.trim());
    return { english: english.split(',').map((e) => e.trim()), welsh, forms: forms.split(',').map((f) => f.trim()) };
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const apostrophes = (s: string) => s.replace(/'/g, '’');
/** A whole word or phrase, any case, Welsh letters included. */
const phrase = (words: string[]) => new RegExp(`(?<![\\p{L}-])(?:${words.map((w) => escape(apostrophes(w))).join('|')})(?![\\p{L}-])`, 'iu');

describe('the glossary', () => {
  const terms = glossary();

  it('has the terms the domain needs', () => {
    const english = terms.flatMap((term) => term.english);
    for (const needed of [
      'plan',
      'cluster',
      'round',
      'cycle',
      'adviser',
      'broker',
      'headteacher',
      'deputy',
      'senior leader',
      'strategic objectives',
      'impact assessment',
      'Limited',
      'Satisfactory',
      'Strong',
      'Very Good',
      'priority areas',
      'aide-memoire',
      'support request',
      'local authority',
      'consortium',
    ]) {
      expect(english).toContain(needed);
    }
  });

  it.each(glossary().map((term) => [term.english[0], term] as const))('"%s" is rendered with its Welsh term wherever the English uses it', (_, term) => {
    const english = phrase(term.english);
    const welsh = phrase([term.welsh, ...term.forms]);
    // Placeholders such as {cluster} are names filled in later, not the term.
    const words = (s: string) => s.replace(/\{\w+\}/g, '');
    const missing = (Object.keys(en) as MessageKey[]).filter((key) => english.test(words(en[key])) && !welsh.test(apostrophes(cy[key])));
    expect(missing.map((key) => `${key}: ${cy[key]}`)).toEqual([]);
  });

  it.each(glossary().map((term) => [term.english[0], term] as const))('"%s" is rendered with its Welsh term in the Teams manifest too', (_, term) => {
    const english = phrase(term.english);
    const welsh = phrase([term.welsh, ...term.forms]);
    const manifest = manifestStrings();
    const cy = welshManifestStrings();
    const missing = Object.keys(manifest).filter((key) => english.test(manifest[key]) && !welsh.test(apostrophes(cy[key] ?? '')));
    expect(missing.map((key) => `${key}: ${cy[key]}`)).toEqual([]);
  });

  it('keeps out the coinage it rules out: the aide-memoire is never a "cymhorthyn cof"', () => {
    const welsh = [...Object.values(cy), ...Object.values(welshManifestStrings())];
    expect(welsh.filter((text) => /cymhorth(yn|ion) cof/i.test(text))).toEqual([]);
  });

  it('keeps to its one register: no literary form from the "not" column of the register table', () => {
    // The register table in docs/glossary.md. The aide-memoire's model answers (field.*.example) keep the formal written register.
    const literary = [
      /\bni all(af|wn)?\b/i,
      /\bnid (oes|oedd|yw|ydych)\b/i,
      /\b(rwyf|byddaf)\b/i,
      /\bgyda fi\b/i,
      /\bwrthyf\b/i,
      /os gwelwch yn dda/i,
      // "already" is eisoes; "ready" keeps yn barod: a person who is ready (chi’n barod), or ready to (yn barod i’w gopïo).
      /(?<!\b(chi|ni|nhw|i|hi|e)\s?)(\byn|’n) barod(?! i\b)/i,
    ];
    const texts: [string, string][] = [
      ...(Object.keys(cy) as MessageKey[]).filter((key) => !/^field\.\w+\.example$/.test(key)).map((key): [string, string] => [key, cy[key]]),
      ...Object.entries(welshManifestStrings()),
    ];
    expect(texts.filter(([, text]) => literary.some((form) => form.test(text))).map(([key, text]) => `${key}: ${text}`)).toEqual([]);
  });

  it('has none of the calques and slips a Welsh reader pointed out', () => {
    const slips = [
      /Rhowch ddim mwy na/i, // "give no more than": Dewiswch … ar y mwyaf
      /caeodd (y )?bwlch/i, // a gap narrows: culhaodd y bwlch
      /pa mor bell/i, // how far a cluster has come: i ba raddau
      /un eitem y llinell/i, // un eitem ar bob llinell
      /disgyn ar wyliau/i, // a reminder that falls on a holiday: sy’n dod ar ddiwrnod o wyliau
      /Wedi’i nodi fel wedi’i orffen/i, // Nodwyd bod … wedi’i orffen
      /Dyma lle mae’r cais/i, // Dyma sefyllfa’r cais
      /yn sianel \{inactive\}/i, // a count is not a channel
      /Asesiad effaith yn ddyledus/i, // Mae’n bryd asesu’r effaith
      /Mae cylch o’r enw \{name\} eisoes\./i, // wants a verb: … yn bodoli eisoes
      /\bDwy iaith\b/, // the medium is Dwyieithog
      /hunan-gychwynnol/i,
      /\byn Gweinyddwr/i, // yn mutates: yn weinyddwr (or a label)
      /yes neu no/i,
      /\bHH:MM\b/, // Welsh writes AA:MM
      /Croeso i Cydweithio/i, // the name mutates: Croeso i Gydweithio
      /\bWelcome\b/,
    ];
    const texts = [...Object.entries(cy), ...Object.entries(welshManifestStrings())];
    expect(texts.filter(([, text]) => slips.some((slip) => slip.test(text))).map(([key, text]) => `${key}: ${text}`)).toEqual([]);
  });
});
