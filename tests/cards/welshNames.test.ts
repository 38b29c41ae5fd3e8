import { allCards } from './samples';
import { schoolProfileCard } from '../../src/features/admin/cards';
import { statusCard } from '../../src/features/fade/cards';
import { strengthReviewCard } from '../../src/features/matching/strengthCards';
import { LOCALES, type Locale } from '../../src/platform/i18n';
import { mastery, nurture, partnerSchool } from './samples/matching';
import { shownText } from '../support/shownText';

const shown = shownText;

const CLUSTER = { en: 'Cwmbran High School cluster', cy: 'Clwstwr Ysgol Uwchradd Cwmbrân' };
const other = (locale: Locale): Locale => (locale === 'cy' ? 'en' : 'cy');

describe('names on cards, in the reader’s language', () => {
  it.each(LOCALES)('a cluster with a Welsh name is named in %s only, on every card that names it', (locale) => {
    const cards = allCards(locale);
    const naming = Object.keys(cards).filter((name) => shown(cards[name]).includes(CLUSTER[locale]));
    // The FADE reminder, report, review form, note form and cycle form, and the plan summary of a cluster member.
    expect(naming.length).toBeGreaterThanOrEqual(8);
    // A card for a cluster working in both languages rightly names it in both.
    const wrong = Object.keys(cards).filter((name) => !name.endsWith(':bilingual') && shown(cards[name]).includes(CLUSTER[other(locale)]));
    expect(wrong).toEqual([]);
  });

  it.each(LOCALES)('the status card names a failed post’s cluster in %s', (locale) => {
    const failure = { at: new Date('2026-12-01T09:00:00Z'), clusterId: 1, conversationId: null, what: 'reminder', status: 404, error: 'x', attempts: 1 };
    const text = shown(statusCard(locale, { rounds: [], lostChannels: [], failures: [{ ...failure, clusterName: CLUSTER }] }));
    expect(text).toContain(`09:00 · ${CLUSTER[locale]} ·`);
    expect(text).not.toContain(CLUSTER[other(locale)]);
  });

  it.each(LOCALES)('a demo strength is described in %s on the adviser’s and the head’s cards', (locale) => {
    const strengths = [
      { ...mastery, statedBy: 'adviser' as const, verifiedAt: new Date('2026-03-10T10:00:00Z') },
      { ...nurture, statedBy: 'school' as const, verifiedAt: null },
    ];
    const cards = [
      strengthReviewCard(locale, { school: partnerSchool, strengths, now: new Date('2026-09-07T09:00:00Z'), maxAgeYears: 3 }),
      schoolProfileCard(locale, { schoolId: 1, schoolName: 'x', capacity: 2, open: true, strengths }),
    ];
    type Both = { description: string; descriptionCy: string };
    const description = (s: Both) => (locale === 'cy' ? s.descriptionCy : s.description);
    const foreign = (s: Both) => (locale === 'cy' ? s.description : s.descriptionCy);
    for (const card of cards) {
      const text = shown(card);
      for (const s of [mastery, nurture]) {
        expect(text).toContain(description(s));
        expect(text).not.toContain(foreign(s));
      }
    }
  });
});
