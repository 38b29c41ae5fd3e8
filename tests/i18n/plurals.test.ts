import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cy } from '../../src/platform/i18n/cy';
import { en } from '../../src/platform/i18n/en';
import { LOCALES, messageArguments, t, usesIcuSyntax, type MessageKey } from '../../src/platform/i18n';

const COUNTS = [0, 1, 2, 3, 6, 11, 20];
const keys = Object.keys(en) as MessageKey[];
const pluralKeys = keys.filter((k) => usesIcuSyntax(en[k]) || usesIcuSyntax(cy[k]));

/** Every argument filled: counts with n, anything else with a plain word. */
const paramsFor = (key: MessageKey, n: number) =>
  Object.fromEntries(
    [...messageArguments(en[key]), ...messageArguments(cy[key])].map((name) => [name, /^(areas|name|query|cycle|round|date)$/.test(name) ? 'X' : n]),
  );

/** Arguments that hold a number (the ones a noun may follow). */
const NUMERIC = new Set([
  'count',
  'days',
  'n',
  'total',
  'shown',
  'inserted',
  'updated',
  'clusters',
  'rounds',
  'reminders',
  'submitted',
  'sent',
  'pending',
  'unlinked',
  'inactive',
  'taken',
  'capacity',
  'parts',
  'kb',
  'deleted',
  'anonymised',
  'length',
  'max',
  'min',
  'step',
  'km',
  'percent',
  'found',
  'expected',
  'line',
  'first',
  'staff',
  'supply',
  'years',
  'further',
  'range',
]);
/** Words that may follow a bare number: units, "of", and words that are not nouns counted by it. */
const AFTER_A_NUMBER = new Set(['o', 'of', 'i', 'to', 'km', 'KB', 'cyntaf', 'are', 'updated', 'more', 'made']);

describe('messages that count', () => {
  it('exist: the formatter is used for every count before a noun', () => {
    expect(pluralKeys.length).toBeGreaterThanOrEqual(15);
  });

  it.each(pluralKeys)('%s renders in both languages for 0, 1, 2, 3, 6, 11 and 20, every argument filled', (key) => {
    for (const locale of LOCALES) {
      for (const n of COUNTS) {
        const text = t(locale, key, paramsFor(key, n));
        expect({ key, locale, n, text, leftOver: /[{}#]/.test(text) }).toEqual({ key, locale, n, text, leftOver: false });
      }
    }
  });

  it('puts no bare number straight before a noun: a count before a noun goes through a plural case', () => {
    const offenders: string[] = [];
    for (const locale of LOCALES) {
      const catalogue = locale === 'cy' ? cy : en;
      for (const key of keys) {
        for (const m of catalogue[key].matchAll(/\{(\w+)\} (\p{L}+)/gu)) {
          if (NUMERIC.has(m[1]) && !AFTER_A_NUMBER.has(m[2])) offenders.push(`${locale} ${key}: {${m[1]}} ${m[2]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

// Written out by hand, as a Welsh-medium head would write them: the noun after 2, 3 and 6 mutates
// (dau ddiwrnod, tri chlwstwr, chwe phroblem), 1 is "un", and 11 and 20 take the plain singular.
const BY_HAND: [MessageKey, Record<string, string | number>, 'cy' | 'en', string[]][] = [
  [
    'fade.reminder.daysLeft',
    {},
    'cy',
    [
      'Dim diwrnodau gwaith ar ôl',
      'Un diwrnod gwaith ar ôl',
      '2 ddiwrnod gwaith ar ôl',
      '3 diwrnod gwaith ar ôl',
      '6 diwrnod gwaith ar ôl',
      '11 diwrnod gwaith ar ôl',
      '20 diwrnod gwaith ar ôl',
    ],
  ],
  [
    'fade.reminder.daysLeft',
    {},
    'en',
    [
      '0 working days left',
      '1 working day left',
      '2 working days left',
      '3 working days left',
      '6 working days left',
      '11 working days left',
      '20 working days left',
    ],
  ],
  [
    'fade.report.nextStepsDone',
    {},
    'cy',
    [
      'Ychwanegwyd dim camau nesaf at gynllun y clwstwr.',
      'Ychwanegwyd un cam nesaf at gynllun y clwstwr.',
      'Ychwanegwyd 2 gam nesaf at gynllun y clwstwr.',
      'Ychwanegwyd 3 cham nesaf at gynllun y clwstwr.',
      'Ychwanegwyd 6 cham nesaf at gynllun y clwstwr.',
      'Ychwanegwyd 11 cam nesaf at gynllun y clwstwr.',
      'Ychwanegwyd 20 cam nesaf at gynllun y clwstwr.',
    ],
  ],
  [
    'import.failed',
    {},
    'cy',
    [
      'Does dim wedi’i fewnforio: mae angen cywiro dim problemau yn gyntaf.',
      'Does dim wedi’i fewnforio: mae angen cywiro un broblem yn gyntaf.',
      'Does dim wedi’i fewnforio: mae angen cywiro 2 broblem yn gyntaf.',
      'Does dim wedi’i fewnforio: mae angen cywiro 3 problem yn gyntaf.',
      'Does dim wedi’i fewnforio: mae angen cywiro 6 phroblem yn gyntaf.',
      'Does dim wedi’i fewnforio: mae angen cywiro 11 problem yn gyntaf.',
      'Does dim wedi’i fewnforio: mae angen cywiro 20 problem yn gyntaf.',
    ],
  ],
  [
    'import.failed',
    {},
    'en',
    [
      'Nothing was imported: 0 problems to fix first.',
      'Nothing was imported: 1 problem to fix first.',
      'Nothing was imported: 2 problems to fix first.',
      'Nothing was imported: 3 problems to fix first.',
      'Nothing was imported: 6 problems to fix first.',
      'Nothing was imported: 11 problems to fix first.',
      'Nothing was imported: 20 problems to fix first.',
    ],
  ],
  [
    'privacy.pick.intro',
    { query: 'Jones' },
    'cy',
    [
      'Does neb yn cyfateb i "Jones". Dewiswch un.',
      'Mae un person yn cyfateb i "Jones". Dewiswch un.',
      'Mae 2 berson yn cyfateb i "Jones". Dewiswch un.',
      'Mae 3 pherson yn cyfateb i "Jones". Dewiswch un.',
      'Mae 6 pherson yn cyfateb i "Jones". Dewiswch un.',
      'Mae 11 o bobl yn cyfateb i "Jones". Dewiswch un.',
      'Mae 20 o bobl yn cyfateb i "Jones". Dewiswch un.',
    ],
  ],
  [
    'error.tooManyPriorities',
    {},
    'cy',
    [
      'Dewiswch ddim un maes blaenoriaeth ar y mwyaf.',
      'Dewiswch un maes blaenoriaeth ar y mwyaf.',
      'Dewiswch 2 faes blaenoriaeth ar y mwyaf.',
      'Dewiswch 3 maes blaenoriaeth ar y mwyaf.',
      'Dewiswch 6 maes blaenoriaeth ar y mwyaf.',
      'Dewiswch 11 maes blaenoriaeth ar y mwyaf.',
      'Dewiswch 20 maes blaenoriaeth ar y mwyaf.',
    ],
  ],
];

describe('counted messages, compared with text written by hand', () => {
  it('mutates "blynedd" as the number before it asks, for every age of evidence a deployment may set (1 to 20 years)', () => {
    const old = (years: number) => t('cy', 'evidence.status.old', { by: 'ymgynghorydd', date: 'Mawrth 2020', years }).split(': ')[1]!.split(',')[0];
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map(old)).toEqual([
      'yn hŷn na blwyddyn',
      'yn hŷn na 2 flynedd',
      'yn hŷn na 3 blynedd',
      'yn hŷn na 4 blynedd',
      'yn hŷn na 5 mlynedd',
      'yn hŷn na 6 blynedd',
      'yn hŷn na 7 mlynedd',
      'yn hŷn na 8 mlynedd',
      'yn hŷn na 9 mlynedd',
      'yn hŷn na 10 mlynedd',
      'yn hŷn na 11 mlynedd',
      'yn hŷn na 12 mlynedd',
      'yn hŷn na 13 blynedd',
      'yn hŷn na 14 blynedd',
      'yn hŷn na 15 mlynedd',
      'yn hŷn na 16 mlynedd',
      'yn hŷn na 17 flynedd',
      'yn hŷn na 18 mlynedd',
      'yn hŷn na 19 blynedd',
      'yn hŷn na 20 mlynedd',
    ]);
    expect(t('en', 'evidence.status.old', { by: 'an adviser', date: 'March 2020', years: 1 })).toContain('older than a year,');
    expect(t('en', 'evidence.status.old', { by: 'an adviser', date: 'March 2020', years: 3 })).toContain('older than 3 years,');
  });

  it.each(BY_HAND)('%s (%#)', (key, fixed, locale, expected) => {
    const single = messageArguments(locale === 'cy' ? cy[key] : en[key]).filter((name) => !(name in fixed));
    expect(COUNTS.map((n) => t(locale, key, { ...fixed, ...Object.fromEntries(single.map((name) => [name, n])) }))).toEqual(expected);
  });

  it('mutates clusters after 2, 3 and 6 within a longer message', () => {
    const cycle = (clusters: number) => t('cy', 'fade.cycle.done', { name: '2026/27', clusters, rounds: 2, reminders: 1 });
    expect(cycle(2)).toBe('Mae cylch 2026/27 wedi’i osod ar gyfer 2 glwstwr, mewn 2 rownd; mae un nodyn atgoffa wedi’i drefnu.');
    expect(cycle(3)).toContain('ar gyfer 3 chlwstwr,');
    expect(cycle(6)).toContain('ar gyfer 6 chlwstwr,');
    expect(cycle(35)).toContain('ar gyfer 35 clwstwr,');
    expect(t('en', 'fade.cycle.done', { name: '2026/27', clusters: 1, rounds: 1, reminders: 0 })).toBe(
      'Cycle 2026/27 is set for 1 cluster, with 1 round; no reminders are scheduled.',
    );
  });

  it('is never bound raw into a card template, where its plural cases would show', () => {
    const dir = join(__dirname, '..', '..', 'adaptiveCards');
    const bound = readdirSync(dir).flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/t\['([^']+)'\]/g)].map((m) => m[1]));
    expect(bound.filter((k) => (pluralKeys as string[]).includes(k))).toEqual([]);
  });
});
