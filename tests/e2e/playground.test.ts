/**
 * End to end: the built bot, the Microsoft 365 Agents Playground (a Teams emulator)
 * and Debian's chromium driven by playwright-core. A headteacher registers their
 * school, plans Focus → Need → Strategic objectives, sees the summary, the bot is
 * killed and restarted mid-plan, and they carry on. Screenshots: .e2e-artifacts/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { NODE_FLAGS } from '../support/botProcess';

const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, '.e2e-artifacts');
const BOT_PORT = 39781;
const CHROMIUM = '/usr/bin/chromium';

jest.setTimeout(240_000);

const children: ChildProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-e2e-data-'));
let context: BrowserContext;
let page: Page;

function start(name: string, args: string[], env: Record<string, string>): ChildProcess {
  const out = openSync(join(ARTIFACTS, `${name}.log`), 'w');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true });
  children.push(child);
  return child;
}

function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const healthy = () => until('the bot to be healthy', async () => ((await fetch(`http://127.0.0.1:${BOT_PORT}/healthz`)).status === 200 ? true : undefined));

/** The Playground's signed-in user ("Alex Wilber"), made an admin so the test can also act as an adviser. */
const PLAYGROUND_USER = '00000000-0000-0000-0000-0000000000020';

function startBot(): ChildProcess {
  return start('bot', [...NODE_FLAGS, join(ROOT, 'dist', 'src', 'index.js')], {
    PORT: String(BOT_PORT),
    DATA_DIR: dataDir,
    DEMO_DATA: 'true',
    LOG_LEVEL: 'info',
    ADMIN_USER_IDS: PLAYGROUND_USER,
    // The embedded database, as `npm start` uses, even when the test run has DATABASE_URL for the contract suite.
    DATABASE_URL: '',
  });
}

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const cards = () => page.locator('.ac-adaptiveCard');
const lastCard = (): Locator => cards().last();

/** Sends a message in the open chat and waits for the bot's reply card, so a test never reads the previous card by mistake. */
async function say(text: string) {
  const before = await cards().count();
  const compose = page.getByRole('textbox').last();
  await compose.fill(text);
  await page.getByRole('button', { name: 'Send Message' }).click();
  await until(`a reply to "${text}"`, async () => ((await cards().count()) > before ? true : undefined), 20_000);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does this)`);
  if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) throw new Error('build first: npm run build (npm test does)');
  mkdirSync(ARTIFACTS, { recursive: true });

  startBot();
  await healthy();

  const playgroundLog = join(ARTIFACTS, 'playground.log');
  start('playground', [require.resolve('@microsoft/m365agentsplayground/cli.js'), 'start', '-c', 'msteams', '--disable-telemetry', '-p', '0'], {
    BOT_ENDPOINT: `http://localhost:${BOT_PORT}/api/messages`,
    TEAMSAPPTESTER_BROWSER: 'none',
    M365_AGENTS_PLAYGROUND_LOGFILE: join(ARTIFACTS, 'playground-internal.log'),
  });
  // The playground picks another port when asked for one that is taken: read the one it chose.
  const port = await until('the playground to listen', async () => readFileSync(playgroundLog, 'utf8').match(/Listening on (\d+)/)?.[1]);
  const url = `http://localhost:${port}`;
  await until('the playground page', async () => ((await fetch(url)).status < 500 ? true : undefined));

  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cydweithio-e2e-browser-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // The emulator asks a CDN for fonts; there is no internet here, so refuse anything not local at once.
  await context.route(/^https?:\/\/(?!localhost[:/]|127\.0\.0\.1[:/])/, (route) => route.abort());
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
});

afterAll(async () => {
  await context?.close();
  children.forEach((c) => kill(c));
  rmSync(dataDir, { recursive: true, force: true });
});

it('plans Focus → Need → Strategic objectives in English, survives a restart, and carries on', async () => {
  // Opening the personal chat installs the bot: the welcome card arrives.
  await lastCard().getByText('Welcome to Cydweithio').waitFor();
  await shot('01-welcome');

  await say('new plan');
  await lastCard().getByText('First, which school do you lead?').waitFor();
  await lastCard().getByRole('textbox', { name: 'School name' }).fill('Croesyceiliog');
  await lastCard().getByRole('button', { name: 'Search' }).click();
  await lastCard().getByRole('radio', { name: 'Croesyceiliog School (Torfaen)' }).click();
  await shot('02-school-found');
  await lastCard().getByRole('button', { name: 'This is my school' }).click();
  await lastCard().getByText('registered as Headteacher at Croesyceiliog School').waitFor();

  const answers: [string, string][] = [
    ['What is the focus of the school-to-school support?', 'KS4 mathematics, D to C grades; how the partner tracks progress'],
    ['Why is support sought?', 'Maths below our family of similar schools for three years'],
    ['Link the support to school, local or national priorities.', 'Raise KS4 attainment of FSM pupils, in the school development plan'],
  ];
  for (const [prompt, answer] of answers) {
    await lastCard().getByText(prompt).waitFor();
    await lastCard().getByRole('textbox', { name: 'Your answer' }).fill(answer);
    await lastCard().getByRole('button', { name: 'Save and continue' }).click();
  }
  await lastCard().getByText('How will you know the support has worked?').waitFor();
  await shot('03-success-criteria');
  await lastCard().getByRole('button', { name: 'Summary' }).click();
  const summary = lastCard();
  await summary.getByText('Support plan').waitFor();
  for (const [, answer] of answers) await summary.getByText(answer).waitFor();
  await summary.getByText('Planning').first().waitFor();
  await shot('04-summary');

  // Close the bot mid-plan without warning, start it again: nothing is lost.
  kill(children[0], 'SIGKILL');
  await until(
    'the bot to stop',
    async () =>
      await fetch(`http://127.0.0.1:${BOT_PORT}/healthz`).then(
        () => undefined,
        () => true,
      ),
    10_000,
  );
  children[0] = startBot();
  await healthy();

  await say('my plans');
  await lastCard().getByText('My plans').waitFor();
  // The list shortens long titles.
  await lastCard()
    .getByText(/^KS4 mathematics, D to C grades; how the partner/)
    .waitFor();
  await lastCard().getByRole('button', { name: 'Open' }).first().click();
  await lastCard().getByText('Maths below our family of similar schools for three years').waitFor();
  await shot('05-after-restart');
}, 240_000);

it('plans in Welsh after choosing Cymraeg', async () => {
  await say('iaith');
  await lastCard().getByText('Which language would you like me to use?').waitFor();
  await lastCard().getByRole('button', { name: 'Cymraeg' }).click();
  await lastCard().getByText('Bydda i’n siarad Cymraeg o hyn ymlaen.').waitFor();

  await say('cynllun newydd');
  await lastCard().getByText('Beth yw ffocws y cymorth ysgol i ysgol?').waitFor();
  await lastCard().getByRole('textbox', { name: 'Eich ateb' }).fill('Llythrennedd Cymraeg ym Mlwyddyn 7');
  await lastCard().getByRole('button', { name: 'Cadw a pharhau' }).click();
  await lastCard().getByText('Pam mae angen cymorth? Rhowch y dystiolaeth.').waitFor();
  await lastCard().getByRole('textbox', { name: 'Eich ateb' }).fill('Sgoriau darllen yn is na’r teulu o ysgolion');
  await lastCard().getByRole('button', { name: 'Crynodeb' }).click();
  const summary = lastCard();
  await summary.getByText('Cynllun cymorth').waitFor();
  await summary.getByText('Sgoriau darllen yn is na’r teulu o ysgolion').waitFor();
  await summary.getByText('Cynllunio').first().waitFor();
  await shot('06-welsh-summary');
}, 120_000);

it('brokers a partner: an adviser approves a suggested school inline on the card', async () => {
  await say('language');
  await lastCard().getByRole('button', { name: 'English' }).click();
  await lastCard().getByText('I will speak English from now on.').waitFor();

  // The admin makes themself the adviser for every LA (in real use: someone else).
  await say('make adviser');
  const roles = lastCard();
  // Compact choice sets render as a combobox with a list of options.
  await roles.getByRole('combobox', { name: 'Person' }).click();
  await page.getByRole('option', { name: /Alex/ }).first().click();
  await roles.getByRole('button', { name: 'Grant the role' }).click();
  await lastCard()
    .getByText(/is now Challenge adviser/)
    .waitFor();

  // From the English plan's summary: find a partner and ask for brokerage.
  await say('my plans');
  await lastCard().getByText('My plans').waitFor();
  await shot('07b-my-plans');
  // Newest first: the Welsh plan, then the English one with Focus, Need and objectives.
  await lastCard().getByRole('button', { name: 'Open' }).nth(1).click();
  await lastCard().getByText('KS4 mathematics, D to C grades; how the partner tracks progress').waitFor();
  await lastCard().getByRole('button', { name: 'Find a partner' }).click();
  await lastCard().getByRole('button', { name: 'Ask my adviser to broker' }).click();

  // The adviser's card arrives in their chat; they approve the first suggestion without leaving it.
  const adviserCard = lastCard();
  await adviserCard.getByText('Brokered request: your decision').waitFor();
  await shot('07-adviser-card');
  await adviserCard
    .getByRole('button', { name: /^Approve / })
    .first()
    .click();
  // The Playground has one signed-in user, so the chosen school has no head on Cydweithio yet: the request is
  // held for the school, and the card is updated in place to say so.
  await adviserCard.getByText(/uses Cydweithio yet, so the request is kept for the school/).waitFor();
  await shot('08-approve-answered');
}, 120_000);

it('posts a FADE reminder into the cluster channel and opens the report from it', async () => {
  // In the team's General channel (opening it installs the bot there), the admin links the channel to a cluster.
  await page.getByRole('treeitem', { name: 'My Team - General' }).click();
  const postBox = page
    .getByRole('group')
    .filter({ has: page.getByRole('button', { name: 'Post' }) })
    .getByRole('textbox');
  await postBox.click();
  await postBox.pressSequentially('@Test');
  await page
    .getByRole('listbox', { name: 'Typeahead menu' })
    .getByRole('menuitem', { name: /Test Bot/ })
    .click();
  await postBox.pressSequentially(' link cluster Croesyceiliog School cluster');
  await page.getByRole('button', { name: 'Post' }).click();
  await page
    .locator('.ac-adaptiveCard')
    .getByText(/This channel is now linked to/)
    .first()
    .waitFor();
  await shot('09-channel-linked');

  // Back in personal chat, the admin sets a cycle whose reminder fell due weeks ago, so the next sweep posts it.
  await page.getByRole('treeitem', { name: 'Personal Chat' }).click();
  await say('fade cycle 2026/27');
  const cycle = lastCard();
  await cycle.getByText('Set a FADE cycle').waitFor();
  await cycle.getByRole('textbox', { name: /Reminders, in working days/ }).fill('-30');
  await cycle.getByRole('button', { name: 'Set the cycle' }).click();
  await lastCard()
    .getByText(/Cycle 2026\/27 is set for/)
    .waitFor();

  // The reminder arrives in the channel (the sweep runs every minute), then the lead opens the report from it.
  await page.getByRole('treeitem', { name: 'My Team - General' }).click();
  const reminder = page
    .locator('.ac-adaptiveCard')
    .filter({ hasText: 'Croesyceiliog School cluster' })
    .filter({ has: page.getByRole('button', { name: /Start the report/ }) })
    .last();
  await reminder.waitFor({ timeout: 90_000 });
  await shot('10-reminder-in-channel');
  await reminder.getByRole('button', { name: /Start the report/ }).click();
  // The report goes to the lead's personal chat; the shared reminder stays in the channel for everyone.
  await page.getByRole('treeitem', { name: 'Personal Chat' }).click();
  const report = page.locator('.ac-adaptiveCard').filter({ hasText: 'FADE report: Croesyceiliog School cluster' }).last();
  await report.waitFor();
  await report.getByText(/I drafted this from the cluster plan/).waitFor();
  await report.getByRole('button', { name: 'Save draft' }).click();
  await report.getByText('Draft saved.').waitFor();
  await shot('11-report-opened');
}, 180_000);
