import { noticeCard } from '../../platform/cards/notice';
import { renderCard, type CardJson } from '../../platform/cards/render';
import { catalogue, formatDate, formatMonth, t, type Locale } from '../../platform/i18n';
import type { StrengthRecord } from '../directory/repository';
import type { SchoolDetails } from '../directory/repository';
import { inReaderLanguage } from '../directory/names';
import type { PriorityArea } from '../plans/priorities';
import { schoolNameIn } from './cards';

const YEAR_MS = 365.25 * 86_400_000;
const areaTitle = (locale: Locale, area: PriorityArea) => t(locale, `priority.${area}`);

/** Where a strength's evidence stands: the school's own view, verified (when, by whom), or verified too long ago to count. */
export function evidenceStatus(locale: Locale, s: StrengthRecord, now: Date, maxAgeYears: number): string {
  if (s.statedBy === 'school' || s.verifiedAt === null) return t(locale, 'evidence.status.school');
  const params = {
    by: t(locale, `match.source.${s.statedBy}`),
    date: formatMonth(locale, s.verifiedAt.getUTCMonth() + 1, s.verifiedAt.getUTCFullYear()),
    years: maxAgeYears,
  };
  return t(locale, now.getTime() - s.verifiedAt.getTime() > maxAgeYears * YEAR_MS ? 'evidence.status.old' : 'evidence.status.verified', params);
}

/** An adviser's card for one school's strengths: each with its evidence, and buttons to verify or withdraw it. */
export function strengthReviewCard(
  locale: Locale,
  view: { school: SchoolDetails; strengths: StrengthRecord[]; now: Date; maxAgeYears: number; notice?: string; problem?: string },
): CardJson {
  return renderCard('strengthReview', {
    t: catalogue(locale),
    notice: view.notice ?? '',
    problem: view.problem ?? '',
    schoolId: String(view.school.id),
    heading: t(locale, 'evidence.heading', { school: schoolNameIn(view.school, locale) }),
    strengths: view.strengths.map((s) => ({
      area: s.area,
      title: areaTitle(locale, s.area),
      description: inReaderLanguage({ en: s.description, cy: s.descriptionCy }, locale),
      status: evidenceStatus(locale, s, view.now, view.maxAgeYears),
      verifyTitle: t(locale, 'evidence.verify', { area: areaTitle(locale, s.area) }),
      withdrawTitle: t(locale, 'evidence.withdraw', { area: areaTitle(locale, s.area) }),
    })),
  });
}

/** What the school's head is told when an adviser verifies or withdraws one of its strengths. */
export function evidenceToldCard(
  locale: Locale,
  what: { action: 'verified' | 'withdrawn'; area: PriorityArea; adviserName: string; school: SchoolDetails; at: Date },
): CardJson {
  const area = areaTitle(locale, what.area);
  return noticeCard(
    locale,
    t(locale, `evidence.told.${what.action}`, {
      adviser: what.adviserName,
      area,
      date: formatDate(locale, what.at),
      school: schoolNameIn(what.school, locale),
    }),
    {
      heading: t(locale, 'evidence.told.heading'),
      tone: what.action === 'verified' ? 'good' : 'default',
    },
  );
}
