import { TestAdapter, type Activity } from 'botbuilder';
import type { CardJson } from '../../src/platform/cards/render';
import { ManualClock } from '../../src/platform/clock';
import { createRuntime, type Runtime } from '../../src/compose';
import { turnErrorHandlerOf } from '../../src/platform/teams/app';
import { loadConfig } from '../../src/config';
import { silentLogger, type Logger } from '../../src/platform/log';
import type { Database } from '../../src/platform/db/db';
import { pgliteForTest } from './databases';
import { RecordingMessenger } from './recordingMessenger';

export interface TestUser {
  id: string;
  name: string;
  tenantId: string;
  locale?: string;
}

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const alice: TestUser = { id: 'aad-alice', name: 'Alice Head', tenantId: TENANT, locale: 'en-GB' };
export const bethan: TestUser = { id: 'aad-bethan', name: 'Bethan Pennaeth', tenantId: TENANT, locale: 'cy-GB' };
export const mallory: TestUser = { id: 'aad-mallory', name: 'Mallory', tenantId: TENANT, locale: 'en-GB' };

/** A few real schools from the open data, enough for search and plans. */
export async function seedSmallDirectory(db: Database): Promise<void> {
  await db.exec(`
    insert into local_authorities (code, name_en, name_cy, consortium) values
      (669, 'Carmarthenshire', 'Sir Gaerfyrddin', 'ERW'), (678, 'Torfaen', 'Tor-faen', 'EAS');
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils) values
      (6692001, 'Ysgol Gymraeg Rhydaman', null, 669, 'primary', 'welsh', 310),
      (6784001, 'Cwmbran High School', null, 678, 'secondary', 'english', 1100),
      (6782002, 'Ysgol Gymraeg Cwmbran', null, 678, 'primary', 'welsh', 420);
  `);
}

export interface Reply {
  activities: Partial<Activity>[];
  /** Cards sent as messages, in order. */
  cards: CardJson[];
  texts: string[];
  /** The card an Action.Execute answered with (the card updated in place). */
  invokeCard?: CardJson;
  invokeStatus?: number;
}

export interface Harness {
  runtime: Runtime;
  clock: ManualClock;
  messenger: RecordingMessenger;
  adapter: TestAdapter;
  say(user: TestUser, text: string, conversation?: Partial<Activity['conversation']>): Promise<Reply>;
  execute(user: TestUser, verb: string, data: Record<string, unknown>): Promise<Reply>;
  /** Presses a button on a card by its title, sending the inputs as Teams would (merged into the action's data). */
  press(user: TestUser, card: CardJson, title: string, inputs?: Record<string, unknown>): Promise<Reply>;
  activity(user: TestUser, partial: Partial<Activity>): Promise<Reply>;
  /** A second instance of the bot on the same database, as after a restart. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

function baseActivity(user: TestUser, conversation?: Partial<Activity['conversation']>): Partial<Activity> {
  return {
    channelId: 'msteams',
    serviceUrl: 'https://smba.example.test/emea/',
    from: { id: `29:${user.id}`, aadObjectId: user.id, name: user.name },
    recipient: { id: '28:cydweithio-bot', name: 'Cydweithio' },
    conversation: {
      id: `a:personal-${user.id}`,
      conversationType: 'personal',
      tenantId: user.tenantId,
      isGroup: false,
      name: '',
      ...conversation,
    } as Activity['conversation'],
    channelData: { tenant: { id: user.tenantId } },
    locale: user.locale ?? 'en-GB',
  };
}

/** Finds an action anywhere in a card (actions, ActionSets) by its title. */
export function findAction(card: CardJson, title: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const walk = (node: unknown) => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const obj = node as Record<string, unknown>;
    if (typeof obj.type === 'string' && obj.type.startsWith('Action.') && obj.title === title) {
      found = obj;
      return;
    }
    Object.entries(obj).forEach(([k, v]) => k !== 'fallback' && walk(v));
  };
  walk(card);
  return found;
}

/** All visible text of a card, for assertions. */
export function cardText(card: CardJson | undefined): string {
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const obj = node as Record<string, unknown>;
    for (const key of ['text', 'title', 'value', 'label', 'placeholder']) if (typeof obj[key] === 'string') parts.push(obj[key] as string);
    Object.entries(obj).forEach(([k, v]) => k !== 'fallback' && walk(v));
  };
  walk(card);
  return parts.join('\n');
}

export async function createHarness(
  options: {
    env?: Record<string, string>;
    log?: Logger;
    seed?: (db: Database) => Promise<void>;
  } = {},
): Promise<Harness> {
  const seed = options.seed ?? seedSmallDirectory;
  const db = await pgliteForTest(seed);
  const clock = new ManualClock('2026-09-07T09:00:00Z');
  const messenger = new RecordingMessenger();
  const config = loadConfig({ DEMO_DATA: 'false', DEFAULT_LOCALE: 'en', ...options.env });
  const build = () => createRuntime({ config, clock, messenger, database: db, log: options.log ?? silentLogger, seedDirectory: false });
  let runtime = await build();
  const adapter = new TestAdapter();

  async function run(activity: Partial<Activity>): Promise<Reply> {
    adapter.activeQueue.splice(0);
    // As in production, where the application's adapter answers a turn that failed outside any handler.
    adapter.onTurnError = turnErrorHandlerOf(runtime.app);
    await adapter.processActivity(activity, async (context) => {
      await runtime.app.run(context);
    });
    const activities = adapter.activeQueue.splice(0);
    const reply: Reply = { activities, cards: [], texts: [] };
    for (const a of activities) {
      if (a.type === 'invokeResponse') {
        const value = a.value as { status: number; body?: { value?: CardJson } };
        reply.invokeStatus = value.status;
        reply.invokeCard = value.body?.value;
        continue;
      }
      for (const att of a.attachments ?? []) if (att.contentType === 'application/vnd.microsoft.card.adaptive') reply.cards.push(att.content as CardJson);
      if (a.text) reply.texts.push(a.text);
    }
    return reply;
  }

  const execute = (user: TestUser, verb: string, data: Record<string, unknown>) =>
    run({
      ...baseActivity(user),
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: 'card-message-id',
      value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    });

  const harness: Harness = {
    runtime,
    clock,
    messenger,
    adapter,
    say: (user, text, conversation) => run({ ...baseActivity(user, conversation), type: 'message', text }),
    execute,
    async press(user, card, title, inputs = {}) {
      const action = findAction(card, title);
      if (!action) throw new Error(`no action titled "${title}" on the card:\n${cardText(card)}`);
      if (action.type !== 'Action.Execute') throw new Error(`"${title}" is ${String(action.type)}, not Action.Execute`);
      if (typeof action.verb !== 'string' || action.verb === '') throw new Error(`"${title}" has no verb: Teams would never call the bot`);
      return execute(user, action.verb, { ...(action.data as object), ...inputs });
    },
    activity: (user, partial) => run({ ...baseActivity(user), ...partial }),
    async restart() {
      runtime = await build();
      harness.runtime = runtime;
    },
    close: () => db.close(),
  };
  return harness;
}
