/**
 * End to end: the built bot, the Microsoft 365 Agents Playground (a Teams emulator)
 * and Debian's chromium driven by playwright-core. A headteacher registers their
 * school and walks the plan through every step, Time and cover included, to the
 * summary, in English and in Welsh; the bot is killed and restarted mid-plan, and
 * they carry on; partners are found and brokered; a FADE reminder reaches the
 * cluster channel. Every card drawn is checked for raw template text, NaN and
 * undefined. Screenshots: .e2e-artifacts/.
 *
 * What the journeys need that is not built yet is in journeys.test.ts.
 */
import type { Locator } from 'playwright-core';
import { Playground, msg, opening, type Lang } from '../support/playground';

jest.setTimeout(240_000);

const pg = new Playground(39781);
const lastCard = (): Locator => pg.lastCard();

beforeAll(() => pg.open());
afterAll(() => pg.close());
// Whatever a test left on screen is checked too.
afterEach(() => pg.expectCleanCards());

interface PlanAnswers {
  focus: string;
  need: string;
  objectives: string;
  successCriteria: string;
  priorities: ('priority.numeracy' | 'priority.fsm' | 'priority.literacy' | 'priority.welsh')[];
  staffDays: string;
  supplyCoverDays: string;
  partner: string;
}

/** Waits for the wizard's card for a field, by its prompt and its step. */
async function atStep(lang: Lang, field: 'focus' | 'need' | 'objectives' | 'successCriteria' | 'priorityAreas' | 'time' | 'partner', step: number) {
  await lastCard()
    .getByText(msg(lang, `field.${field}.prompt`))
    .waitFor();
  await lastCard()
    .getByText(msg(lang, 'plan.stepOf').replace('{step}', String(step)).replace('{total}', '7'))
    .waitFor();
}

const answerBox = (lang: Lang) => lastCard().getByRole('textbox', { name: msg(lang, 'plan.yourAnswer') });
const button = (lang: Lang, key: 'plan.saveAndContinue' | 'plan.back' | 'plan.toSummary') => lastCard().getByRole('button', { name: msg(lang, key) });
const staffDays = (lang: Lang) => lastCard().getByRole('spinbutton', { name: msg(lang, 'field.time.staffDays') });
const supplyDays = (lang: Lang) => lastCard().getByRole('spinbutton', { name: msg(lang, 'field.time.supplyCoverDays') });

/**
 * From the Focus card, every step of the plan before the support: Save and continue through 1-5; on 6, Time and
 * cover, Back and Save and continue; then 7, and back to 6 (English: Back from 7, then Summary from 6) or on to the
 * summary (Welsh: Save and continue from 7). The numbers never show NaN and come back as saved.
 */
async function walkEveryStep(lang: Lang, a: PlanAnswers, shotPrefix: string) {
  const texts = [
    ['focus', a.focus],
    ['need', a.need],
    ['objectives', a.objectives],
    ['successCriteria', a.successCriteria],
  ] as const;
  for (const [i, [field, answer]] of texts.entries()) {
    await atStep(lang, field, i + 1);
    await answerBox(lang).fill(answer);
    await button(lang, 'plan.saveAndContinue').click();
  }

  await atStep(lang, 'priorityAreas', 5);
  for (const p of a.priorities)
    await lastCard()
      .getByRole('checkbox', { name: msg(lang, p) })
      .check();
  await button(lang, 'plan.saveAndContinue').click();

  // Step 6, Time and cover: both number inputs empty (never NaN, never a 0 nobody gave) before anything is saved.
  await atStep(lang, 'time', 6);
  await lastCard().getByText(msg(lang, 'field.time.label')).first().waitFor();
  expect(await staffDays(lang).inputValue()).toBe('');
  expect(await supplyDays(lang).inputValue()).toBe('');
  await pg.shot(`${shotPrefix}-time-and-cover`);

  // Back goes to step 5 with the priority areas still chosen; Save and continue comes back to 6.
  await button(lang, 'plan.back').click();
  await atStep(lang, 'priorityAreas', 5);
  for (const p of a.priorities)
    expect(
      await lastCard()
        .getByRole('checkbox', { name: msg(lang, p) })
        .isChecked(),
    ).toBe(true);
  await button(lang, 'plan.saveAndContinue').click();
  await atStep(lang, 'time', 6);
  await pg.expectCleanCards();

  await staffDays(lang).fill(a.staffDays);
  await supplyDays(lang).fill(a.supplyCoverDays);
  await button(lang, 'plan.saveAndContinue').click();

  await atStep(lang, 'partner', 7);
  await answerBox(lang).fill(a.partner);
  if (lang === 'en') {
    // Back from 7 keeps the partner and shows 6 with the days as saved; Summary from 6 keeps them.
    await button(lang, 'plan.back').click();
    await atStep(lang, 'time', 6);
    expect(await staffDays(lang).inputValue()).toBe(a.staffDays);
    expect(await supplyDays(lang).inputValue()).toBe(a.supplyCoverDays);
    await pg.expectCleanCards();
    await button(lang, 'plan.toSummary').click();
  } else {
    await button(lang, 'plan.saveAndContinue').click();
  }

  const summary = lastCard();
  await summary.getByText(msg(lang, 'plan.summaryHeading')).waitFor();
  // .first(): a short focus is also the plan's title.
  for (const answer of [a.focus, a.need, a.objectives, a.successCriteria, a.partner]) await summary.getByText(answer).first().waitFor();
  await summary.getByText(a.priorities.map((p) => msg(lang, p)).join('; ')).waitFor();
  await summary
    .getByText(
      msg(lang, 'plan.days')
        .replace('{staff}', String(Number(a.staffDays)))
        .replace('{supply}', String(Number(a.supplyCoverDays))),
    )
    .waitFor();
  await summary.getByText(msg(lang, 'status.planning')).first().waitFor();
  // The school is in a cluster: the summary says the plan feeds the cluster's FADE report.
  await summary.getByText(opening(lang, 'plan.clusterReport.in')).waitFor();
  await pg.expectCleanCards();
}

const ENGLISH_PLAN: PlanAnswers = {
  focus: 'KS4 mathematics, D to C grades; how the partner tracks progress',
  need: 'Maths below our family of similar schools for three years',
  objectives: 'Raise KS4 attainment of FSM pupils, in the school development plan',
  successCriteria: 'The FSM gap in level 2 maths narrows by 5 points by next summer',
  priorities: ['priority.numeracy', 'priority.fsm'],
  staffDays: '6',
  supplyCoverDays: '4',
  partner: 'A school strong in KS4 maths tracking',
};

const WELSH_PLAN: PlanAnswers = {
  focus: 'Llythrennedd Cymraeg ym Mlwyddyn 7',
  need: 'Sgoriau darllen yn is na’r teulu o ysgolion',
  objectives: 'Codi safonau darllen yn unol â chynllun datblygu’r ysgol',
  successCriteria: 'Pob disgybl ym Mlwyddyn 7 yn darllen yn annibynnol erbyn yr haf',
  priorities: ['priority.literacy', 'priority.welsh'],
  staffDays: '2.5',
  supplyCoverDays: '1',
  partner: 'Ysgol gyfun Gymraeg gyfagos',
};

it('plans every step in English, Time and cover included, survives a restart, and carries on', async () => {
  // Opening the personal chat installs the bot: the welcome card arrives.
  await lastCard().getByText('Welcome to Cydweithio').waitFor();
  await pg.shot('01-welcome');

  await pg.say('new plan');
  await lastCard().getByText('First, which school do you lead?').waitFor();
  await lastCard().getByRole('textbox', { name: 'School name' }).fill('Croesyceiliog');
  await lastCard().getByRole('button', { name: 'Search' }).click();
  await lastCard().getByRole('radio', { name: 'Croesyceiliog School (Torfaen)' }).click();
  await pg.shot('02-school-found');
  await lastCard().getByRole('button', { name: 'This is my school' }).click();
  await lastCard().getByText('registered as Headteacher at Croesyceiliog School').waitFor();

  await walkEveryStep('en', ENGLISH_PLAN, '03');
  await pg.shot('04-summary');
  // Left out of the cluster's FADE report: kept across the restart below.
  await pg.press(lastCard(), msg('en', 'plan.clusterReport.leaveOut'));
  await lastCard().getByText(opening('en', 'plan.clusterReport.out')).waitFor();

  // Close the bot mid-plan without warning, start it again: nothing is lost.
  await pg.restartBot();

  await pg.say('my plans');
  await lastCard().getByText('My plans').waitFor();
  // The list shortens long titles.
  await lastCard()
    .getByText(/^KS4 mathematics, D to C grades; how the partner/)
    .waitFor();
  await lastCard().getByRole('button', { name: 'Open' }).first().click();
  await lastCard().getByText(ENGLISH_PLAN.need).waitFor();
  await lastCard().getByText('Staff days: 6; supply cover days: 4').waitFor();
  await lastCard().getByText(opening('en', 'plan.clusterReport.out')).waitFor();
  await pg.shot('05-after-restart');
}, 240_000);

it('plans every step in Welsh after choosing Cymraeg, and finds a partner in Welsh', async () => {
  await pg.say('iaith');
  await lastCard().getByText('Which language would you like me to use?').waitFor();
  await lastCard().getByRole('button', { name: 'Cymraeg' }).click();
  await lastCard().getByText('Bydda i’n siarad Cymraeg o hyn ymlaen.').waitFor();

  await pg.say('cynllun newydd');
  await walkEveryStep('cy', WELSH_PLAN, '06');
  await pg.shot('06-welsh-summary');

  // The suggestions, in Welsh, with every placeholder filled.
  await pg.press(lastCard(), msg('cy', 'match.findPartner'));
  await lastCard().getByText(opening('cy', 'match.heading')).waitFor();
  await lastCard()
    .getByRole('button', { name: msg('cy', 'match.askBroker') })
    .waitFor();
  await pg.shot('06b-welsh-suggestions');
}, 120_000);

it('brokers a partner: an adviser approves a suggested school inline on the card', async () => {
  await pg.say('language');
  await lastCard().getByRole('button', { name: 'English' }).click();
  await lastCard().getByText('I will speak English from now on.').waitFor();

  // The admin makes themself the adviser for every LA (in real use: someone else).
  await pg.say('make adviser');
  const roles = lastCard();
  // Compact choice sets render as a combobox with a list of options.
  await roles.getByRole('combobox', { name: 'Person' }).click();
  await pg.page.getByRole('option', { name: /Alex/ }).first().click();
  await roles.getByRole('button', { name: 'Grant the role' }).click();
  await lastCard()
    .getByText(/is now Challenge adviser/)
    .waitFor();

  // From the English plan's summary: find a partner and ask for brokerage.
  await pg.say('my plans');
  await lastCard().getByText('My plans').waitFor();
  await pg.shot('07b-my-plans');
  // Newest first: the Welsh plan, then the English one.
  await lastCard().getByRole('button', { name: 'Open' }).nth(1).click();
  await lastCard().getByText(ENGLISH_PLAN.focus).waitFor();
  await pg.press(lastCard(), 'Find a partner');
  await lastCard().getByText(opening('en', 'match.heading')).waitFor();
  await pg.shot('07c-suggestions');
  await lastCard().getByRole('button', { name: 'Ask my adviser to broker' }).click();

  // The adviser's card arrives in their chat; they approve the first suggestion without leaving it.
  // (Pinned by its heading: the same person, as requester, is then told in a new message that the request is held.)
  const adviserCard = pg.cards().filter({ hasText: 'Brokered request: your decision' }).last();
  await adviserCard.waitFor();
  await pg.shot('07-adviser-card');
  await adviserCard
    .getByRole('button', { name: /^Approve / })
    .first()
    .click();
  // The Playground has one signed-in user, so the chosen school has no head on Cydweithio yet: the request is
  // held for the school, and the card is updated in place to say so.
  await pg
    .cards()
    .getByText(/^Approved\. Nobody from .* uses Cydweithio yet, so the request is kept for the school/)
    .first()
    .waitFor();
  // ...and the requester is told, with something to do next rather than a dead end.
  await pg
    .cards()
    .getByText(/so your request is kept for them/)
    .first()
    .waitFor();
  await pg.shot('08-approve-answered');
}, 120_000);

it('posts a FADE reminder into the cluster channel and opens the report from it', async () => {
  // In the team's General channel (opening it installs the bot there), the admin links the channel to a cluster.
  await pg.openChannel();
  await pg.post('link cluster Croesyceiliog School cluster');
  await pg
    .cards()
    .getByText(/This channel is now linked to/)
    .first()
    .waitFor();
  await pg.shot('09-channel-linked');

  // Back in personal chat, the admin sets a cycle whose reminder fell due weeks ago, so the next sweep posts it.
  await pg.openPersonalChat();
  await pg.say('fade cycle 2026/27');
  const cycle = lastCard();
  await cycle.getByText('Set a FADE cycle').waitFor();
  await cycle.getByRole('textbox', { name: /Reminders, in working days/ }).fill('-30');
  await cycle.getByRole('button', { name: 'Set the cycle' }).click();
  await lastCard()
    .getByText(/Cycle 2026\/27 is set for/)
    .waitFor();

  // The reminder arrives in the channel (the sweep runs every minute), then the lead opens the report from it.
  await pg.openChannel();
  const reminder = pg
    .cards()
    .filter({ hasText: 'Croesyceiliog School cluster' })
    .filter({ has: pg.page.getByRole('button', { name: /Start the report/ }) })
    .last();
  await reminder.waitFor({ timeout: 90_000 });
  await pg.shot('10-reminder-in-channel');
  await reminder.getByRole('button', { name: /Start the report/ }).click();
  // The report goes to the lead's personal chat; the shared reminder stays in the channel for everyone.
  await pg.openPersonalChat();
  const report = pg.cards().filter({ hasText: 'FADE report: Croesyceiliog School cluster' }).last();
  await report.waitFor();
  await report.getByText(/I drafted this from the cluster plan/).waitFor();
  await report.getByRole('button', { name: 'Save draft' }).click();
  await report.getByText('Draft saved.').waitFor();
  await pg.shot('11-report-opened');
}, 180_000);
