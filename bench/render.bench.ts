/**
 * Card building on its own: the cards a headteacher's turns draw (help menu, a saved-notice,
 * field cards, the plan summary, "my plans"), each built N times (the builder, then the template
 * expanded by adaptivecards-templating with every binding evaluated on each call).
 *
 *   npm run bench:render              (N=5000 per card; BENCH_N to change)
 */
import { menuCard, myPlansCard, planFieldCard, planSummaryCard } from '../src/features/plans/cards';
import { noticeCard } from '../src/platform/cards/notice';
import { newPlan, type Plan } from '../src/features/plans/plan';
import { LOCALES, t, type Locale } from '../src/platform/i18n';
import { machineLine } from './traffic';

const N = Number(process.env.BENCH_N ?? 5000);
const now = new Date('2026-09-07T09:00:00Z');

function plan(n: number, answers: Plan['answers']): Plan {
  return { ...newPlan(`7d0f9a3e-1111-4222-8333-94444444444${n}`, { tenantId: 't', userId: 'u', schoolId: 6784001 }, now), version: 4, answers };
}

/** The builders of one headteacher's turns, in one language. */
function turnCards(locale: Locale): [string, () => unknown][] {
  const started = plan(1, { focus: 'KS3 numeracy' });
  const planned = plan(2, { focus: 'KS3 numeracy', need: 'Below the family of similar schools for three years', objectives: 'Raise attainment of FSM pupils' });
  return [
    ['menu (help)', () => menuCard(locale, 'help')],
    ['notice (saved)', () => noticeCard(locale, t(locale, 'plan.saved'), { tone: 'good' })],
    ['plan field (need, text)', () => planFieldCard(locale, started, 'need')],
    ['plan field (priority areas)', () => planFieldCard(locale, planned, 'priorityAreas')],
    ['plan summary', () => planSummaryCard(locale, planned, { schoolName: 'Cwmbran High School', now })],
    ['my plans (3)', () => myPlansCard(locale, [planned, started, plan(3, { focus: 'Attendance' })])],
  ];
}

function meanMicros(build: () => unknown): number {
  for (let i = 0; i < 500; i++) build();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) build();
  return Number(process.hrtime.bigint() - start) / 1000 / N;
}

function main(): void {
  console.log(machineLine());
  console.log(`N=${N} builds of each card, mean µs per card`);
  console.log('| locale | card | µs |');
  console.log('|---|---|---|');
  for (const locale of LOCALES) {
    let sum = 0;
    for (const [label, build] of turnCards(locale)) {
      const micros = meanMicros(build);
      sum += micros;
      console.log(`| ${locale} | ${label} | ${micros.toFixed(1)} |`);
    }
    console.log(`| ${locale} | all six | ${sum.toFixed(1)} |`);
  }
}

main();
