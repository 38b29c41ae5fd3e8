import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../src/platform/log';
import { startTelemetry, type Telemetry } from '../../src/platform/telemetry/telemetry';
import { ChannelSendError, ChannelSender } from '../../src/platform/teams/channelSender';
import { ConnectorHttpClient, headersFrom } from '../../src/platform/teams/connectorHttp';
import { RecordingConnector } from '../support/recordingConnector';

/** The value of one Prometheus sample whose labels include every one given. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe("Teams' throttling, as the metrics show it", () => {
  const connector = new RecordingConnector();
  let serviceUrl: string;
  let telemetry: Telemetry;
  let scrape: Server;
  let scrapeUrl: string;

  beforeAll(async () => {
    serviceUrl = await connector.start();
    telemetry = startTelemetry({ serviceName: 'cydweithio-test', prometheus: true, otlpMetrics: false, otlpTraces: false });
    scrape = createServer((req, res) => telemetry.prometheusHandler!(req, res));
    await new Promise<void>((resolve) => scrape.listen(0, '127.0.0.1', resolve));
    scrapeUrl = `http://127.0.0.1:${(scrape.address() as AddressInfo).port}/metrics`;
  });

  afterAll(async () => {
    await new Promise((resolve) => scrape.close(resolve));
    await telemetry.shutdown();
    await connector.stop();
  });

  const metrics = async () => (await fetch(scrapeUrl)).text();

  it('counts a 429 from the Bot Connector and the Retry-After wait before the retry that got through', async () => {
    connector.script = [{ status: 429, retryAfterSeconds: 0 }, { status: 503 }];
    const client = new ConnectorHttpClient(silentLogger, { baseDelayMs: 1, maxDelayMs: 2 });
    const response = await client.sendRequest({
      url: new URL('v3/conversations/a%3Aone/activities', serviceUrl.endsWith('/') ? serviceUrl : `${serviceUrl}/`).href,
      method: 'POST',
      headers: headersFrom([['content-type', 'application/json']]),
      body: { type: 'message', text: 'hello' },
    });
    expect(response.status).toBe(200);
    const text = await metrics();
    expect(sample(text, 'cydweithio_connector_retryable_answers_total', { status: '429', method: 'POST' })).toBe(1);
    expect(sample(text, 'cydweithio_connector_retryable_answers_total', { status: '503', method: 'POST' })).toBe(1);
    expect(sample(text, 'cydweithio_connector_retry_wait_count', { reason: 'retryAfter' })).toBe(1);
    expect(sample(text, 'cydweithio_connector_retry_wait_count', { reason: 'backoff' })).toBe(1);
  });

  it("records the FADE sender's waits for Retry-After beyond a turn's window", async () => {
    const waits: number[] = [];
    let refusals = 1;
    const sender = new ChannelSender({
      transport: {
        async post() {
          if (refusals-- > 0) throw new ChannelSendError('Bot Connector answered 429', 429, 12_000);
          return { activityId: 'a-1' };
        },
        async update() {},
      },
      sleep: async (ms) => void waits.push(ms),
    });
    const outcome = await sender.post({ conversation: { id: '19:channel', tenantId: 't' }, serviceUrl }, { text: 'Reminder' });
    expect(outcome.ok).toBe(true);
    expect(waits).toContain(12_000);
    const text = await metrics();
    expect(sample(text, 'cydweithio_connector_retry_wait_count', { reason: 'retryAfter' })).toBe(2);
    expect(sample(text, 'cydweithio_connector_retry_wait_sum', { reason: 'retryAfter' })).toBe(12);
  });
});
