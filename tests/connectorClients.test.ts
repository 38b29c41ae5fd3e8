/**
 * The adapter keeps one Bot Connector client per service URL (and one user-token client) instead of
 * building both for every activity, as botbuilder does. Turns must still each reach their own
 * conversation's service, in-turn replies and proactive sends alike.
 */
import type { TurnContext } from 'botbuilder';
import { loadConfig } from '../src/config';
import { silentLogger } from '../src/platform/log';
import { createTeamsAdapter } from '../src/platform/teams/adapter';
import type { TeamsAdapter } from '../src/platform/teams/app';
import { personalActivity } from './support/botProcess';
import { RecordingConnector } from './support/recordingConnector';

const north = new RecordingConnector();
const south = new RecordingConnector();
let northUrl: string;
let southUrl: string;

beforeAll(async () => {
  [northUrl, southUrl] = await Promise.all([north.start(), south.start()]);
});

afterAll(async () => {
  await Promise.all([north.stop(), south.stop()]);
});

beforeEach(() => {
  north.reset();
  south.reset();
});

const newAdapter = () => createTeamsAdapter(loadConfig({ DEMO_DATA: 'false' }), silentLogger);

interface Clients {
  connector: unknown;
  userToken: unknown;
}

const clientsOf = (adapter: TeamsAdapter, context: TurnContext): Clients => ({
  connector: context.turnState.get(adapter.ConnectorClientKey),
  userToken: context.turnState.get(adapter.UserTokenClientKey),
});

/** One incoming message from `user` on `serviceUrl`, answered in the turn. */
async function messageTurn(adapter: TeamsAdapter, serviceUrl: string, user: string): Promise<Clients> {
  let seen: Clients | undefined;
  await adapter.processActivityDirect('', personalActivity(user, serviceUrl, { type: 'message', id: `in-${user}`, text: 'help' }) as never, async (context) => {
    seen = clientsOf(adapter, context);
    await context.sendActivity(`hello ${user}`);
  });
  return seen!;
}

const textsAt = (connector: RecordingConnector) => connector.calls.map((c) => c.body.text);

describe('connector clients', () => {
  it('are shared by turns on one service URL, and each reply still reaches its own service', async () => {
    const adapter = newAdapter();
    const first = await messageTurn(adapter, northUrl, 'rhian');
    const second = await messageTurn(adapter, northUrl, 'owain');
    const elsewhere = await messageTurn(adapter, southUrl, 'sian');

    expect(first.connector).toBeDefined();
    expect(second.connector).toBe(first.connector);
    expect(second.userToken).toBe(first.userToken);
    expect(elsewhere.connector).not.toBe(first.connector);
    expect(textsAt(north)).toEqual(['hello rhian', 'hello owain']);
    expect(textsAt(south)).toEqual(['hello sian']);
  });

  it('are not shared between adapters', async () => {
    const one = await messageTurn(newAdapter(), northUrl, 'rhian');
    const other = await messageTurn(newAdapter(), northUrl, 'rhian');
    expect(other.connector).not.toBe(one.connector);
  });

  it('are shared by proactive sends, each send reaching its conversation', async () => {
    const adapter = newAdapter();
    await messageTurn(adapter, northUrl, 'rhian');
    const proactive: unknown[] = [];
    for (const [serviceUrl, user] of [
      [northUrl, 'owain'],
      [southUrl, 'sian'],
      [northUrl, 'gareth'],
    ]) {
      await adapter.continueConversationAsync(
        '',
        {
          serviceUrl,
          channelId: 'msteams',
          conversation: { id: `a:${user}`, conversationType: 'personal', isGroup: false, name: '' },
          bot: { id: '28:bot', name: '' },
          user: { id: `29:${user}`, name: '' },
        },
        async (context) => {
          proactive.push(clientsOf(adapter, context).connector);
          await context.sendActivity(`reminder for ${user}`);
        },
      );
    }

    expect(proactive[0]).toBeDefined();
    expect(proactive[2]).toBe(proactive[0]);
    expect(proactive[1]).not.toBe(proactive[0]);
    expect(north.calls.map((c) => [c.path, c.body.text])).toEqual([
      [expect.stringContaining('/a%3Arhian/'), 'hello rhian'],
      [expect.stringContaining('/a%3Aowain/'), 'reminder for owain'],
      [expect.stringContaining('/a%3Agareth/'), 'reminder for gareth'],
    ]);
    expect(textsAt(south)).toEqual(['reminder for sian']);
  });
});
