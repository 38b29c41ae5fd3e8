/**
 * End to end, the journeys of issue 15 that the bot once got wrong (help without Find a partner,
 * "didn't understand", dead ends for a school with no head on the bot, a channel linked only by
 * name, `fade status` in the channel, a channel card that never changed), in the Agents
 * Playground with chromium, in English and in Welsh.
 *
 * The Playground keeps one chat per conversation for the whole file, so the tests share it. Each
 * sets up what it needs through the `ensure…` steps below (each done once, whichever test comes
 * first), so any one of them can run alone with `-t`. The order is deliberate: the channel is
 * linked by the linking test before the later ones link it by name, and the slow FADE reminder
 * comes last.
 *
 * Every card drawn is checked for raw template text (`${`), NaN and undefined (afterEach, and
 * after every reply). Screenshots: .e2e-artifacts/journeys-*.png.
 */
import { Playground, command, msg, opening, type Lang } from '../support/playground';

jest.setTimeout(180_000);

const pg = new Playground(39782, 'journeys-');
const lastCard = () => pg.lastCard();
const LANGS: Lang[] = ['en', 'cy'];
const CLUSTER = 'Croesyceiliog School cluster';

beforeAll(async () => {
  await pg.open();
  // Opening the personal chat installs the bot: the welcome card arrives.
  await lastCard().getByText(msg('en', 'menu.welcomeHeading')).waitFor();
});
afterAll(() => pg.close());
afterEach(() => pg.expectCleanCards());

/** The text of a card as it is now, hidden parts included (no waiting: the reply has already come). */
const textOf = async (card = lastCard()) => (await card.textContent()) ?? '';

// ---- set-up steps, each done once ----

let registered = false;
/** The Playground user is the headteacher of Croesyceiliog School (works today). */
async function ensureSchool() {
  if (registered) return;
  await pg.openPersonalChat();
  await pg.useLanguage('en');
  await pg.say('new plan');
  await lastCard().getByText(msg('en', 'onboard.heading')).waitFor();
  await lastCard()
    .getByRole('textbox', { name: msg('en', 'onboard.searchLabel') })
    .fill('Croesyceiliog');
  await lastCard()
    .getByRole('button', { name: msg('en', 'onboard.search') })
    .click();
  await lastCard().getByRole('radio', { name: 'Croesyceiliog School (Torfaen)' }).click();
  await lastCard()
    .getByRole('button', { name: msg('en', 'onboard.confirm') })
    .click();
  await lastCard().getByText('registered as Headteacher at Croesyceiliog School').waitFor();
  registered = true;
}

/** A new plan with Focus, Need and Strategic objectives, left on its summary (works today). */
async function newPlanOnSummary(lang: Lang, answers: [string, string, string]) {
  await pg.say(command(lang, 'command.newPlan'));
  for (const [field, answer] of (['focus', 'need', 'objectives'] as const).map((f, i) => [f, answers[i]] as const)) {
    await lastCard()
      .getByText(msg(lang, `field.${field}.prompt`))
      .waitFor();
    await lastCard()
      .getByRole('textbox', { name: msg(lang, 'plan.yourAnswer') })
      .fill(answer);
    await lastCard()
      .getByRole('button', { name: msg(lang, 'plan.saveAndContinue') })
      .click();
  }
  await lastCard().getByText(msg(lang, 'field.successCriteria.prompt')).waitFor();
  await lastCard()
    .getByRole('button', { name: msg(lang, 'plan.toSummary') })
    .click();
  await lastCard().getByText(msg(lang, 'plan.summaryHeading')).waitFor();
}

const linkedText = new RegExp(`${opening('en', 'fade.link.done')}|${opening('cy', 'fade.link.done')}`);

let linked = false;
/** The team's General channel is linked to the cluster by name (works today). */
async function ensureLinked() {
  if (linked) return;
  await ensureSchool();
  await pg.openChannel();
  const before = await pg.cards().filter({ hasText: linkedText }).count();
  await pg.post(`link cluster ${CLUSTER}`);
  await waitUntil(async () => (await pg.cards().filter({ hasText: linkedText }).count()) > before);
  linked = true;
}

let reminded = false;
/** A FADE cycle whose reminder fell due weeks ago, so the next sweep (once a minute) posts it in the channel (works today). */
async function ensureReminder() {
  if (reminded) return;
  await ensureLinked();
  await pg.openPersonalChat();
  await pg.useLanguage('en');
  await pg.say('fade cycle 2026/27');
  const cycle = lastCard();
  await cycle.getByText(msg('en', 'fade.cycle.heading')).waitFor();
  await cycle.getByRole('textbox', { name: /Reminders, in working days/ }).fill('-30');
  await cycle.getByRole('button', { name: msg('en', 'fade.cycle.submit') }).click();
  await lastCard()
    .getByText(/Cycle 2026\/27 is set for/)
    .waitFor();
  await pg.openChannel();
  await reminderCard().waitFor({ timeout: 90_000 });
  reminded = true;
}

const reminderCard = () =>
  pg
    .cards()
    .filter({ hasText: CLUSTER })
    .filter({ hasText: opening('en', 'fade.reminder.heading') })
    .last();

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A button for finding a partner, in either language. */
const PARTNER_BUTTON = /partner|bartner/i;

// ---- 3. discoverability ----

describe.each(LANGS)('discoverability (%s)', (lang) => {
  const greeting = lang === 'en' ? 'hello' : 'helo';
  const wish = lang === 'en' ? 'I want a partner school for maths' : 'dw i eisiau partner ar gyfer rhifedd';
  // The old refusal, retired: a sentence the bot cannot place gets the help card instead.
  const didNotUnderstand = lang === 'en' ? 'didn’t understand' : 'doeddwn i ddim yn deall';

  beforeEach(async () => {
    await pg.openPersonalChat();
    await pg.useLanguage(lang);
  });

  it('help lists Find a partner', async () => {
    await pg.say(command(lang, 'command.help'));
    await lastCard().getByText(msg(lang, 'menu.helpHeading')).waitFor();
    await pg.shot(`3-${lang}-help`);
    expect(await textOf()).toMatch(new RegExp(msg(lang, 'match.findPartner'), 'i'));
  });

  it(`"${greeting}" gets the help card, not "didn't understand"`, async () => {
    await pg.say(greeting);
    await pg.shot(`3-${lang}-greeting`);
    const text = await textOf();
    expect(text).not.toContain(didNotUnderstand);
    expect(text).toContain(msg(lang, 'menu.helpHeading'));
  });

  it(`"${wish}" offers a button for finding a partner`, async () => {
    await ensureSchool();
    await pg.useLanguage(lang);
    await pg.say(wish);
    await pg.shot(`3-${lang}-wish`);
    expect(await textOf()).not.toContain(didNotUnderstand);
    expect(await lastCard().getByRole('button', { name: PARTNER_BUTTON }).count()).toBeGreaterThan(0);
  });
});

// ---- 4. held requests ----

describe.each(LANGS)('asking a school nobody from which uses Cydweithio (%s)', (lang) => {
  it('holds the request for the school, says who was told and what comes next', async () => {
    await ensureSchool();
    await pg.openPersonalChat();
    await pg.useLanguage(lang);
    await newPlanOnSummary(
      lang,
      lang === 'en'
        ? ['Reading in Year 7 (a direct ask, English)', 'Reading ages below the family', 'Literacy in the school development plan']
        : ['Darllen ym Mlwyddyn 7 (gofyn yn uniongyrchol, Cymraeg)', 'Oedrannau darllen yn is na’r teulu', 'Llythrennedd yng nghynllun datblygu’r ysgol'],
    );
    await pg.press(lastCard(), msg(lang, 'match.findPartner'));
    await lastCard().getByText(opening(lang, 'match.heading')).waitFor();
    // The Playground has one user, so no school in the list has a head on Cydweithio.
    // Each suggestion's "1. School" is Markdown, drawn as a numbered list.
    const school = ((await lastCard().locator('li').first().textContent()) ?? '').trim();
    expect(school).not.toBe('');
    await pg.press(lastCard(), msg(lang, 'match.askDirect'));
    await pg.shot(`4-${lang}-held`);

    const text = await textOf();
    // Before: "Nobody from … has used Cydweithio yet, so I cannot send them the request", a dead end.
    expect(text).not.toMatch(lang === 'en' ? /cannot send them the request/ : /alla i ddim anfon y cais/);
    expect(text).toContain(school);
    // Kept for the school, and who gets it: its head or deputy when they start (the plan's title uses none of these words).
    expect(text).toContain(lang === 'en' ? 'so I have kept your request for them' : 'felly rydw i wedi cadw eich cais ar eu cyfer');
    // A next step: the card still offers something to do.
    expect(await lastCard().getByRole('button').count()).toBeGreaterThan(0);
  });
});

// ---- 7. linking a channel by choosing the cluster ----

describe.each(LANGS)('link cluster with no name, in a channel (%s)', (lang) => {
  it('offers the clusters as buttons, and one click links the channel', async () => {
    await ensureSchool();
    await pg.openPersonalChat();
    await pg.useLanguage(lang);
    await pg.openChannel();
    await pg.post(command(lang, 'command.linkCluster'));
    await pg.shot(`7-${lang}-link-choices`);
    // Before: "Please add the cluster's name: link cluster ." (the placeholder eaten) and no buttons.
    const choices = pg.cards().getByRole('button', { name: /cluster|clwstwr/i });
    expect(await choices.count()).toBeGreaterThan(0);
    const choice = choices.first();
    const name = ((await choice.textContent()) ?? '').trim();
    const before = await pg.cards().filter({ hasText: linkedText }).count();
    await choice.click();
    await waitUntil(async () => (await pg.cards().filter({ hasText: linkedText }).count()) > before);
    await pg.shot(`7-${lang}-linked`);
    // The button names the cluster.
    const cluster = name.match(/[A-Z][^,:;]*? cluster/)?.[0] ?? name;
    expect(await pg.cards().filter({ hasText: linkedText }).filter({ hasText: cluster }).count()).toBeGreaterThan(0);
  });
});

// ---- 5. fade status from a channel ----

describe.each(LANGS)('fade status typed in a channel (%s)', (lang) => {
  it('answers in the personal chat, not in the channel', async () => {
    // The status card always has its "Delivery failures" line.
    const statusCards = () => pg.cards().filter({ hasText: msg(lang, 'fade.status.failures') });
    await ensureLinked();
    await pg.openPersonalChat();
    await pg.useLanguage(lang);
    const before = await statusCards().count();

    await pg.openChannel();
    await pg.post(command(lang, 'command.fadeStatus'), { expectReply: false });

    await pg.openPersonalChat();
    await waitUntil(async () => (await statusCards().count()) > before, 15_000).catch(() => {
      throw new Error(`no FADE status card (${msg(lang, 'fade.status.heading')}) arrived in the personal chat`);
    });
    await pg.shot(`5-${lang}-status-in-chat`);

    await pg.openChannel();
    await pg.page.getByText(command(lang, 'command.fadeStatus')).first().waitFor();
    await pg.shot(`5-${lang}-channel`);
    expect(await statusCards().count()).toBe(0);
  });
});

// ---- 6. the channel's card after "Start the report" ----

it('after "Start the report" in the channel, the channel card says the draft is in the lead’s personal chat, in both languages', async () => {
  await ensureReminder();
  await pg.openChannel();
  await reminderCard().waitFor();
  await reminderCard()
    .getByRole('button', { name: msg('en', 'fade.action.startReport') })
    .first()
    .click();
  // The report goes to the lead's personal chat (works today).
  await pg.openPersonalChat();
  await pg
    .cards()
    .filter({ hasText: msg('en', 'fade.report.heading').replace('{cluster}', CLUSTER) })
    .last()
    .waitFor();

  await pg.openChannel();
  await reminderCard().waitFor();
  await pg.shot('6-channel-card');
  // The cluster posts in Welsh and English, so the channel card says it in both. guess: the words.
  const texts = await pg.cards().filter({ hasText: CLUSTER }).allTextContents();
  expect(texts.some((text) => /personal chat/i.test(text) && /sgwrs bersonol/i.test(text))).toBe(true);
});
