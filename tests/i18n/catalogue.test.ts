import { cy } from '../../src/platform/i18n/cy';
import { en } from '../../src/platform/i18n/en';
import { formatDate, formatTime, localeFromTag, messageArguments, t } from '../../src/platform/i18n';
import { PLAN_FIELDS } from '../../src/features/plans/plan';
import { PRIORITY_AREAS } from '../../src/features/plans/priorities';

const placeholders = (s: string) => messageArguments(s).sort();

describe('the cy/en catalogue', () => {
  it('has every key in both languages, none empty', () => {
    expect(Object.keys(cy).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of [...Object.entries(en), ...Object.entries(cy)]) expect({ key, empty: value.trim() === '' }).toEqual({ key, empty: false });
  });

  it('uses the same placeholders in Welsh as in English', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) expect({ key, cy: placeholders(cy[key]) }).toEqual({ key, cy: placeholders(en[key]) });
  });

  it('is really translated: Welsh differs from English except for names', () => {
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => en[k] === cy[k]);
    // "Help" is a Welsh word too, and the one Welsh speakers type: "cymorth" means support here.
    expect(same).toEqual(['app.name', 'menu.language', 'menu.help']);
  });

  it('has a label, prompt and example for every aide-memoire field and a label for every priority area', () => {
    for (const f of PLAN_FIELDS) for (const part of ['label', 'prompt', 'example']) expect(Object.keys(en)).toContain(`field.${f.id}.${part}`);
    for (const p of PRIORITY_AREAS) expect(Object.keys(en)).toContain(`priority.${p}`);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('en', 'plan.stepOf', { step: 2, total: 7 })).toBe('Step 2 of 7');
    expect(t('cy', 'plan.stepOf', { step: 2, total: 7 })).toBe('Cam 2 o 7');
    expect(t('en', 'plan.stepOf', { step: 2 })).toBe('Step 2 of {total}');
  });

  it("shows a name given in each language in the reader's", () => {
    const school = { en: 'Cardiff High School', cy: 'Ysgol Uwchradd Caerdydd' };
    expect(t('cy', 'match.sent.direct', { school })).toContain('Ysgol Uwchradd Caerdydd');
    expect(t('en', 'match.sent.direct', { school })).toContain('Cardiff High School');
    expect(t('cy', 'fade.cycle.done', { name: school, clusters: 3, rounds: 2, reminders: 1 })).toContain('Ysgol Uwchradd Caerdydd');
  });

  it('writes times of day in UK time, 24-hour', () => {
    expect(formatTime(new Date('2026-07-01T08:05:00Z'))).toBe('09:05');
    expect(formatTime(new Date('2026-12-01T17:30:00Z'))).toBe('17:30');
  });

  it('chooses Welsh for cy tags and falls back otherwise', () => {
    expect(localeFromTag('cy-GB', 'en')).toBe('cy');
    expect(localeFromTag('CY', 'en')).toBe('cy');
    expect(localeFromTag('en-US', 'cy')).toBe('en');
    expect(localeFromTag('fr-FR', 'cy')).toBe('cy');
    expect(localeFromTag(undefined, 'en')).toBe('en');
  });

  it('writes dates in UK time with Welsh month names', () => {
    expect(formatDate('cy', new Date('2026-12-06T09:00:00Z'))).toBe('6 Rhagfyr 2026');
    expect(formatDate('en', new Date('2026-03-28T23:30:00Z'))).toBe('28 March 2026');
    expect(formatDate('en', new Date('2026-06-30T23:30:00Z'))).toBe('1 July 2026');
  });

  it('gives the UK day of every minute around both clock changes, as the time-zone database does', () => {
    const uk = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' });
    for (const around of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-10-24T23:00:00Z', '2026-03-28T23:00:00Z']) {
      const centre = Date.parse(around);
      for (let minute = -120; minute <= 120; minute++) {
        const date = new Date(centre + minute * 60_000 + 7_000);
        expect(formatDate('en', date)).toBe(uk.format(date));
      }
    }
  });
});
