import {
  cycleCard,
  fadeMessage,
  fadeNoticeCard,
  linkCard,
  noteCard,
  reminderCard,
  reportCard,
  reviewCard,
  type ReminderView,
  type ReportView,
} from '../../../src/features/fade/cards';
import type { CardJson } from '../../../src/platform/cards/render';
import { defaultRounds } from '../../../src/features/fade/model';
import { t, type Locale } from '../../../src/platform/i18n';

const roundId = '3f1d2c4b-1111-4222-8333-944444444444';
const reportId = '9a8b7c6d-1111-4222-8333-944444444444';
const cwmbran = { en: 'Cwmbran High School cluster', cy: 'Clwstwr Ysgol Uwchradd Cwmbrân' };

function reminder(locale: Locale, over: Partial<ReminderView> = {}): ReminderView {
  return {
    roundId,
    clusterId: 12,
    clusterName: cwmbran,
    language: locale,
    roundName: 'interim',
    cycleName: '2026/27',
    deadline: '2026-12-11',
    daysLeft: 3,
    leadName: 'Alice Head',
    members: [
      { nameEn: 'Cwmbran High School', nameCy: null, status: 'drafted' },
      { nameEn: 'Ysgol Gymraeg Cwmbran', nameCy: 'Ysgol Gymraeg Cwmbrân', status: 'notStarted' },
      { nameEn: 'Greenmeadow Primary', nameCy: null, status: 'submitted' },
    ],
    reportStatus: 'drafted',
    draftOpened: true,
    leadInPersonalChat: true,
    submittedAt: null,
    reviewJudgement: null,
    ...over,
  };
}

function report(over: Partial<ReportView> = {}): ReportView {
  return {
    reportId,
    version: 3,
    clusterName: cwmbran,
    roundName: 'interim',
    cycleName: '2026/27',
    deadline: '2026-12-11',
    status: 'drafted',
    sections: { focus: 'Numeracy', analysis: 'What member schools did…', develop: '- Moderation', evaluation: '' },
    selfJudgement: 'strong',
    submittedAt: null,
    reviewJudgement: null,
    reviewFeedback: null,
    editable: true,
    canMakeNextSteps: false,
    ...over,
  };
}

/** Every fade card, keyed "<template>:<variant>", with realistic data. */
export function fadeSamples(locale: Locale): Record<string, CardJson> {
  const submittedAt = new Date('2026-12-09T15:00:00Z');
  return {
    'fadeNotice:message': fadeMessage([locale], 'fade.link.forbidden'),
    'fadeNotice:bilingual': fadeNoticeCard(
      ['cy', 'en'],
      (l) => ({ heading: t(l, 'fade.link.heading'), lines: [t(l, 'fade.link.done', { cluster: 'X' })] }),
      'good',
    ),
    'fadeReminder:open': reminderCard(reminder(locale)),
    'fadeReminder:overdue': reminderCard(reminder(locale, { daysLeft: -5, reportStatus: 'notStarted', leadName: null })),
    'fadeReminder:submitted': reminderCard(reminder(locale, { reportStatus: 'submitted', submittedAt })),
    'fadeReminder:reviewed': reminderCard(reminder(locale, { reportStatus: 'reviewed', submittedAt, reviewJudgement: 'veryGood' })),
    'fadeReminder:bilingual': reminderCard(reminder(locale, { language: 'both' })),
    'fadeReminder:leadWithoutPersonalChat': reminderCard(reminder(locale, { leadInPersonalChat: false })),
    'fadeReport:draft': reportCard(locale, report({ notice: 'saved', problem: 'p', typed: 'typed text' })),
    'fadeReport:reviewed': reportCard(
      locale,
      report({ status: 'reviewed', editable: false, canMakeNextSteps: true, submittedAt, reviewJudgement: 'strong', reviewFeedback: 'Good work' }),
    ),
    'fadeReview:open': reviewCard(locale, {
      reportId,
      clusterName: 'C',
      roundName: 'final',
      cycleName: '2026/27',
      deadline: '2027-03-19',
      sections: report().sections,
      selfJudgement: 'strong',
      reviewJudgement: null,
      reviewFeedback: null,
      problem: 'p',
    }),
    'fadeReview:recorded': reviewCard(locale, {
      reportId,
      clusterName: 'C',
      roundName: 'final',
      cycleName: '2026/27',
      deadline: '2027-03-19',
      sections: report().sections,
      selfJudgement: 'strong',
      reviewJudgement: 'satisfactory',
      reviewFeedback: 'More evidence',
      notice: 'n',
    }),
    'fadeLink:choices': linkCard(locale, {
      choices: [
        { id: 1, name: 'Cwmbran High School cluster', nameCy: 'Clwstwr Ysgol Uwchradd Cwmbrân', laCode: 678, leadSchoolId: null, language: 'en' },
        { id: 2, name: 'Ammanford cluster', nameCy: 'Clwstwr Rhydaman', laCode: 669, leadSchoolId: null, language: 'cy' },
      ],
      name: 'cluster',
      problem: 'p',
    }),
    'fadeLink:search': linkCard(locale, { choices: [] }),
    'fadeNote:empty': noteCard(locale, { roundId, clusterId: 12, clusterName: cwmbran }),
    'fadeNote:saved': noteCard(locale, { roundId, clusterId: 12, clusterName: 'C', notice: 'saved', done: true }),
    'fadeCycle:default': cycleCard(locale, {
      name: '2026/27',
      rounds: defaultRounds(2026),
      offsets: '-14, -3, 0, 5',
      sendTime: '09:00',
      clusters: [
        { id: 1, name: cwmbran },
        { id: 2, name: 'B cluster' },
      ],
      problem: 'p',
    }),
  };
}
