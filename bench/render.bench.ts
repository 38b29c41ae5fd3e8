/**
 * Card expansion on its own: the cards a headteacher's turns draw (help menu, a saved-notice,
 * field cards, the plan summary, "my plans"), each expanded N times from the template as written
 * (every binding evaluated by adaptivecards-templating on each call) and from the template with
 * its catalogue strings and verbs bound once per language. Same data, same output (checked).
 *
 *   npm run bench:render              (N=5000 per card; BENCH_N to change)
 */
import { menuCard, myPlansCard, planFieldCard, planSummaryCard } from '../src/features/plans/cards';
import { noticeCard } from '../src/platform/cards/notice';
import { renderCard, renderCardPlain, renderingWith, type CardName, type CardRenderer } from '../src/platform/cards/render';
import { newPlan, type Plan } from '../src/features/plans/plan';
import { LOCALES, t, type Locale } from '../src/platform/i18n';
import { machineLine } from './traffic';

const N = Number(process.env.BENCH_N ?? 5000);
const now = new Date('2026-09-07T09:00:00Z');

function plan(n: number, answers: Plan['answers']): Plan {
  return { ...newPlan(`7d0f9a3e-1111-4222-8333-94444444444${n}`, { tenantId: 't', userId: 'u', schoolId: 6784001 }, now), version: 4, answers };
}

/** What the builders hand to renderCard for one headteacher's turns, in one language. */
function turnCards(locale: Locale): { label: string; name: CardName; data: Record<string, unknown> }[] {
  const started = plan(1, { focus: 'KS3 numeracy' });
  const planned = plan(2, { focus: 'KS3 numeracy', need: 'Below the family of similar schools for three years', objectives: 'Raise attainment of FSM pupils' });
  const builders: [string, () => unknown][] = [
    ['menu (help)', () => menuCard(locale, 'help')],
    ['notice (saved)', () => noticeCard(locale, t(locale, 'plan.saved'), { tone: 'good' })],
    ['plan field (need, text)', () => planFieldCard(locale, started, 'need')],
    ['plan field (priority areas)', () => planFieldCard(locale, planned, 'priorityAreas')],
    ['plan summary', () => planSummaryCard(locale, planned, { schoolName: 'Cwmbran High School', now })],
    ['my plans (3)', () => myPlansCard(locale, [planned, started, plan(3, { focus: 'Attendance' })])],
  ];
  return builders.map(([label, build]) => {
    let seen: { name: CardName; data: Record<string, unknown> } | undefined;
    const record: CardRenderer = (name, data) => {
      seen = { name, data };
      return {};
    };
    renderingWith(record, build);
    if (!seen) throw new Error(`${label} drew no card`);
    return { label, ...seen };
  });
}

function meanMicros(render: CardRenderer, name: CardName, data: Record<string, unknown>): number {
  for (let i = 0; i < 500; i++) render(name, data);
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) render(name, data);
  return Number(process.hrtime.bigint() - start) / 1000 / N;
}

function main(): void {
  console.log(machineLine());
  console.log(`N=${N} renders of each card, mean µs per render`);
  const rows: string[][] = [];
  for (const locale of LOCALES) {
    let plainSum = 0;
    let boundSum = 0;
    for (const { label, name, data } of turnCards(locale)) {
      if (JSON.stringify(renderCard(name, data)) !== JSON.stringify(renderCardPlain(name, data))) throw new Error(`${label} (${locale}) differs`);
      const plain = meanMicros(renderCardPlain, name, data);
      const bound = meanMicros(renderCard, name, data);
      plainSum += plain;
      boundSum += bound;
      rows.push([locale, label, plain.toFixed(1), bound.toFixed(1), `${Math.round(100 * (1 - bound / plain))}%`]);
    }
    rows.push([locale, 'all six', plainSum.toFixed(1), boundSum.toFixed(1), `${Math.round(100 * (1 - boundSum / plainSum))}%`]);
  }
  console.log('| locale | card | plain µs | bound µs | saved |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

main();
