/**
 * Fault: a FADE-sized fan-out over real HTTP, through the Teams adapter's own connector client
 * (ConnectorHttpClient, with its production retry settings) and the paced channel sender, to a stand-in
 * Bot Connector that enforces Teams' limits on arrival and answers 5% of requests 503. Every request that
 * reaches the connector, retries included, must be one the sender counted against its budget: none over
 * 50 in any second, none refused for a limit, and one post per channel.
 */
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/platform/log';
import { TeamsMessenger, createTeamsAdapter } from '../../src/platform/teams/adapter';
import { ChannelSender } from '../../src/platform/teams/channelSender';
import { LimitingConnector } from '../support/limitingConnector';

jest.setTimeout(60_000);

const CHANNELS = 208;
const TENANT = 'pacing-tenant';

const connector = new LimitingConnector({ every503: 20 });
let serviceUrl: string;

beforeAll(async () => {
  serviceUrl = await connector.start();
});

afterAll(async () => {
  await connector.stop();
});

const channel = (n: number) => ({
  serviceUrl,
  channelId: 'msteams',
  conversation: { id: `19:pacing${n}@thread.tacv2`, tenantId: TENANT, conversationType: 'channel' },
});

it('counts every attempt, the connector client’s retries included, against the one budget: no second over the app limit', async () => {
  const messenger = new TeamsMessenger(createTeamsAdapter(loadConfig({ DEMO_DATA: 'false' }), silentLogger), '');
  const sender = new ChannelSender({ transport: messenger });
  const outcomes = await Promise.all(Array.from({ length: CHANNELS }, (_, i) => sender.post(channel(i + 1), { text: `Reminder ${i + 1}` })));

  expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  // Some requests were answered 503 and retried: the fault was there to count.
  expect(connector.injected503).toBeGreaterThanOrEqual(Math.floor(CHANNELS / 20));
  // Every request that reached the connector is one the sender made and counted.
  expect(connector.requests).toBe(sender.requests);
  expect(connector.refusedForLimits).toBe(0);
  expect(connector.busiest(1000)).toBeLessThanOrEqual(50);
  // One post per channel.
  expect(connector.accepted.size).toBe(CHANNELS);
  expect([...connector.accepted.values()].every((n) => n === 1)).toBe(true);
});
