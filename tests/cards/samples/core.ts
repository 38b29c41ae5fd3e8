import { impactNudgeCard, languageCard, menuCard, myPlansCard, onboardCard, planFieldCard, planSummaryCard } from '../../../src/features/plans/cards';
import type { CardJson } from '../../../src/platform/cards/render';
import { noticeCard } from '../../../src/platform/cards/notice';
import { PLAN_FIELDS, newPlan, type Plan } from '../../../src/features/plans/plan';
import type { Locale } from '../../../src/platform/i18n';

/** Every aide-memoire card, keyed "<template>:<variant>", with realistic data. */
const now = new Date('2026-09-07T09:00:00Z');
const planId = '7d0f9a3e-1111-4222-8333-944444444444';

function samplePlan(status: Plan['status']): Plan {
  return {
    ...newPlan(planId, { tenantId: 't', userId: 'u', schoolId: 1 }, now),
    status,
    version: 9,
    answers: {
      focus: 'KS4 maths',
      need: 'Below family',
      objectives: 'Raise FSM attainment',
      priorityAreas: ['numeracy', 'fsm'],
      staffDays: 6,
      supplyCoverDays: 4,
      actionPlan: 'Y7 tests',
    },
    actionPlanDoneAt: now,
    impactDueAt: new Date('2026-12-06T09:00:00Z'),
  };
}

/** Every card the bot can draw, in one language, with realistic data. */
export function coreSamples(locale: Locale): Record<string, CardJson> {
  const cards: Record<string, CardJson> = {
    'menu:welcome': menuCard(locale, 'welcome'),
    'menu:help': menuCard(locale, 'help', { notice: 'note', admin: true }),
    'menu:didYouMean': menuCard(locale, 'help', { notice: 'note', choices: ['command.findPartner', 'command.myRequests', 'command.privacy'] }),
    'language:changed': languageCard(locale, 'changed'),
    'onboard:empty': onboardCard(locale),
    'onboard:results': onboardCard(locale, { query: 'cwm', results: [{ id: 6784001, title: 'Cwmbran High School (Torfaen)' }], problem: 'p' }),
    'myPlans:two': myPlansCard(locale, [samplePlan('planning'), samplePlan('complete')]),
    'myPlans:none': myPlansCard(locale, []),
    'notice:attention': noticeCard(locale, 'Something', { heading: 'Heading', tone: 'attention' }),
    'impactNudge:due': impactNudgeCard(locale, samplePlan('impactDue')),
  };
  for (const status of ['planning', 'supportUnderWay', 'evaluating', 'impactDue', 'complete'] as const) {
    cards[`planSummary:${status}`] = planSummaryCard(locale, samplePlan(status), { schoolName: 'Ysgol', now, notice: 'saved' });
    cards[`planSummary:${status}:inCluster`] = planSummaryCard(locale, samplePlan(status), {
      schoolName: 'Ysgol',
      now,
      clusterReport: { cluster: { en: 'Cwmbran High School cluster', cy: 'Clwstwr Ysgol Uwchradd Cwmbrân' }, included: status !== 'planning' },
    });
  }
  for (const f of PLAN_FIELDS) {
    cards[`planField:${f.id}`] = planFieldCard(locale, samplePlan('impactDue'), f.id, {
      problem: 'problem',
      staleText: 'older text',
      draft: { text: 'typed' },
    });
  }
  return cards;
}
