/**
 * The end-to-end harness: the built bot (demo data, embedded database), the Microsoft 365
 * Agents Playground in front of it, and Debian's chromium driven by playwright-core.
 * Each test file opens its own, on its own bot port and data directory, so files never share a chat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { cy } from '../../src/platform/i18n/cy';
import { en, type MessageKey } from '../../src/platform/i18n/en';
import { ARTIFACTS, NODE_FLAGS, ROOT } from './botProcess';

const CHROMIUM = '/usr/bin/chromium';

/** The Playground's signed-in user ("Alex Wilber"), made an admin so a test can also act as an adviser. */
export const PLAYGROUND_USER = '00000000-0000-0000-0000-0000000000020';

export type Lang = 'en' | 'cy';

/** A catalogue string as written (for messages without placeholders). */
export const msg = (lang: Lang, key: MessageKey): string => (lang === 'en' ? en : cy)[key];

/** The text of a message up to its first placeholder or Markdown, for finding it on a card that filled the rest in. */
export const opening = (lang: Lang, key: MessageKey): string => msg(lang, key).split(/\{|\*\*/)[0];

/** A command's first word, as the help card shows it. */
export const command = (lang: Lang, key: Extract<MessageKey, `command.${string}`>): string => msg(lang, key).split('|')[0];

/** What must never reach a person: an unbound template expression, a number that failed to parse, a missing value. */
export const RAW_TEMPLATE = /\$\{|\bNaN\b|\bundefined\b/;

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function kill(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM') {
  if (!child?.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

export class Playground {
  page!: Page;
  private context?: BrowserContext;
  private bot?: ChildProcess;
  private playground?: ChildProcess;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-e2e-data-'));

  /** `prefix` names this file's logs and screenshots in .e2e-artifacts/. */
  constructor(
    private readonly botPort: number,
    private readonly prefix = '',
  ) {}

  private spawnLogged(name: string, args: string[], env: Record<string, string>): ChildProcess {
    // A restarted bot adds to its log.
    const out = openSync(join(ARTIFACTS, `${this.prefix}${name}.log`), name === 'bot' && this.bot ? 'a' : 'w');
    return spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', out, out], detached: true });
  }

  private async healthy() {
    await until('the bot to be healthy', async () => ((await fetch(`http://127.0.0.1:${this.botPort}/healthz`)).status === 200 ? true : undefined));
  }

  async startBot(): Promise<void> {
    this.bot = this.spawnLogged('bot', [...NODE_FLAGS, join(ROOT, 'dist', 'src', 'index.js')], {
      PORT: String(this.botPort),
      DATA_DIR: this.dataDir,
      DEMO_DATA: 'true',
      LOG_LEVEL: 'info',
      ADMIN_USER_IDS: PLAYGROUND_USER,
      // The embedded database, as `npm start` uses, even when the test run has DATABASE_URL for the contract suite.
      DATABASE_URL: '',
    });
    await this.healthy();
  }

  /** Closes the bot without warning (SIGKILL) and starts it again on the same data. */
  async restartBot(): Promise<void> {
    kill(this.bot, 'SIGKILL');
    await until(
      'the bot to stop',
      async () =>
        await fetch(`http://127.0.0.1:${this.botPort}/healthz`).then(
          () => undefined,
          () => true,
        ),
      10_000,
    );
    await this.startBot();
  }

  async open(): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does this)`);
    if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) throw new Error('build first: npm run build (npm test does)');
    mkdirSync(ARTIFACTS, { recursive: true });

    await this.startBot();

    const playgroundLog = join(ARTIFACTS, `${this.prefix}playground.log`);
    this.playground = this.spawnLogged(
      'playground',
      [require.resolve('@microsoft/m365agentsplayground/cli.js'), 'start', '-c', 'msteams', '--disable-telemetry', '-p', '0'],
      {
        BOT_ENDPOINT: `http://localhost:${this.botPort}/api/messages`,
        TEAMSAPPTESTER_BROWSER: 'none',
        M365_AGENTS_PLAYGROUND_LOGFILE: join(ARTIFACTS, `${this.prefix}playground-internal.log`),
      },
    );
    // The playground picks another port when asked for one that is taken: read the one it chose.
    const port = await until('the playground to listen', async () => readFileSync(playgroundLog, 'utf8').match(/Listening on (\d+)/)?.[1]);
    const url = `http://localhost:${port}`;
    await until('the playground page', async () => ((await fetch(url)).status < 500 ? true : undefined));

    this.context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cydweithio-e2e-browser-')), {
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
    await this.context.route(/^https?:\/\/(?!localhost[:/]|127\.0\.0\.1[:/])/, (route) => route.abort());
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.page.setDefaultTimeout(20_000);
    await this.page.goto(url, { waitUntil: 'domcontentloaded' });
  }

  async close(): Promise<void> {
    await this.context?.close();
    kill(this.bot);
    kill(this.playground);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  // ---- reading the conversation on screen ----

  cards(): Locator {
    return this.page.locator('.ac-adaptiveCard');
  }

  lastCard(): Locator {
    return this.cards().last();
  }

  /**
   * Every card on screen, hidden parts and input values included, holds no raw template (`${…}`), `NaN` or
   * `undefined`. Called after every reply and screenshot, so every card a test draws is checked.
   */
  async expectCleanCards(): Promise<void> {
    const texts = await this.cards().evaluateAll((els) =>
      els.map((el) =>
        [el.textContent ?? '', ...Array.from(el.querySelectorAll('input, textarea'), (input) => (input as unknown as { value: string }).value)].join('\n'),
      ),
    );
    for (const text of texts) {
      const found = RAW_TEMPLATE.exec(text);
      if (found) throw new Error(`a card shows "${found[0]}": …${text.slice(Math.max(0, found.index - 120), found.index + 120)}…`);
    }
  }

  async shot(name: string): Promise<void> {
    await this.page.screenshot({ path: join(ARTIFACTS, `${this.prefix}${name}.png`), fullPage: true });
    await this.expectCleanCards();
  }

  /** Clicks a button on a card and waits until the card (replaced in place) or the chat (a new message) has changed. */
  async press(card: Locator, name: string | RegExp): Promise<void> {
    const before = await this.conversationText();
    await card.getByRole('button', { name }).first().click();
    await until(`an answer to "${String(name)}"`, async () => ((await this.conversationText()) !== before ? true : undefined), 20_000);
    await this.expectCleanCards();
  }

  private async conversationText(): Promise<string> {
    return (await this.cards().allTextContents()).join('\u0001');
  }

  // ---- where the test is ----

  async openPersonalChat(): Promise<void> {
    await this.page.getByRole('treeitem', { name: 'Personal Chat' }).click();
    await this.page.getByRole('button', { name: 'Send Message' }).waitFor();
  }

  async openChannel(): Promise<void> {
    // Opening the team's General channel the first time installs the bot there.
    await this.page.getByRole('treeitem', { name: 'My Team - General' }).click();
    await this.page.getByRole('button', { name: 'Post' }).waitFor();
  }

  // ---- saying things ----

  /** Sends a message in the personal chat and waits for the bot's reply card, so a test never reads the previous card by mistake. */
  async say(text: string): Promise<void> {
    const before = await this.cards().count();
    const compose = this.page.getByRole('textbox').last();
    await compose.fill(text);
    await this.page.getByRole('button', { name: 'Send Message' }).click();
    await until(`a reply to "${text}"`, async () => ((await this.cards().count()) > before ? true : undefined), 20_000);
    await this.expectCleanCards();
  }

  /** Posts "@Test Bot <text>" in the open channel; waits for a reply card unless told the reply goes elsewhere. */
  async post(text: string, { expectReply = true } = {}): Promise<void> {
    const before = await this.cards().count();
    const postBox = this.page
      .getByRole('group')
      .filter({ has: this.page.getByRole('button', { name: 'Post' }) })
      .getByRole('textbox');
    await postBox.click();
    await postBox.pressSequentially('@Test');
    await this.page
      .getByRole('listbox', { name: 'Typeahead menu' })
      .getByRole('menuitem', { name: /Test Bot/ })
      .click();
    await postBox.pressSequentially(` ${text}`);
    await this.page.getByRole('button', { name: 'Post' }).click();
    if (!expectReply) return;
    await until(`a reply to "${text}"`, async () => ((await this.cards().count()) > before ? true : undefined), 20_000);
    await this.expectCleanCards();
  }

  /** Chooses the language on the language card (both languages' command words work for everyone). */
  async useLanguage(lang: Lang): Promise<void> {
    await this.say(command('en', 'command.language'));
    await this.lastCard()
      .getByRole('button', { name: lang === 'en' ? 'English' : 'Cymraeg' })
      .click();
    await this.lastCard().getByText(msg(lang, 'language.changed')).waitFor();
  }
}
