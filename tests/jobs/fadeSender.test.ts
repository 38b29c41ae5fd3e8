import { ChannelSendError, ChannelSender, MAX_UNRECORDED, TEAMS_LIMITS, parseRetryAfter, type ChannelTransport } from '../../src/platform/teams/channelSender';
import type { OutgoingMessage } from '../../src/platform/teams/messenger';

/** Virtual time: sleeps are timers on a fake clock that jumps to the next timer once everything else has run. */
class VirtualTime {
  now = 0;
  private timers: { at: number; seq: number; resolve: () => void }[] = [];
  private seq = 0;
  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.now + Math.max(0, ms), seq: this.seq++, resolve });
    });
  /** Runs until `done` settles, advancing time only when nothing else can run. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const result = work.finally(() => (settled = true));
    for (let i = 0; i < 1_000_000 && !settled; i++) {
      await new Promise((r) => setImmediate(r));
      if (settled) break;
      if (this.timers.length === 0) continue;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift()!;
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
    return result;
  }
}

interface Call {
  at: number;
  conversationId: string;
  kind: 'post' | 'update';
}

/** A transport that records when each request reached "Teams" and answers from a script. */
class ScriptedTransport implements ChannelTransport {
  readonly calls: Call[] = [];
  /** Per conversation id: errors to throw on its next requests. */
  readonly script = new Map<string, Error[]>();
  private counter = 0;
  constructor(private readonly time: VirtualTime) {}
  private answer(conversation: Record<string, unknown>, kind: Call['kind']): void {
    const conversationId = (conversation.conversation as { id: string }).id;
    this.calls.push({ at: this.time.now, conversationId, kind });
    const next = this.script.get(conversationId)?.shift();
    if (next) throw next;
  }
  async post(conversation: Record<string, unknown>, _message: OutgoingMessage): Promise<{ activityId?: string }> {
    this.answer(conversation, 'post');
    return { activityId: `a-${++this.counter}` };
  }
  async update(conversation: Record<string, unknown>): Promise<void> {
    this.answer(conversation, 'update');
  }
}

const ref = (id: string, tenantId = 'tenant-1') => ({ conversation: { id, tenantId }, serviceUrl: 'https://smba.example.test/' });
const message: OutgoingMessage = { text: 'Reminder' };

/** The most requests in any window of `ms` ending at a request. */
function busiestWindow(times: number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function setup(options: { random?: () => number } = {}) {
  const time = new VirtualTime();
  const transport = new ScriptedTransport(time);
  const sender = new ChannelSender({ transport, now: () => time.now, sleep: time.sleep, random: options.random ?? (() => 0.5) });
  return { time, transport, sender };
}

describe('the paced channel sender (virtual time)', () => {
  it('fans out to 300 channels at the per-tenant limit: none over 50 a second, all within 1.2× the minimum time', async () => {
    const { time, transport, sender } = setup();
    const outcomes = await time.run(Promise.all(Array.from({ length: 300 }, (_, i) => sender.post(ref(`19:c${i}@thread.tacv2`), message))));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(transport.calls.map((c) => c.conversationId)).size).toBe(300);
    expect(transport.calls).toHaveLength(300);
    expect(
      busiestWindow(
        transport.calls.map((c) => c.at),
        1000,
      ),
    ).toBeLessThanOrEqual(50);
    const minimum = ((300 - TEAMS_LIMITS.perTenant[0].limit) / 50) * 1000; // the first 50 may go at once
    const took = Math.max(...transport.calls.map((c) => c.at));
    expect(took).toBeGreaterThanOrEqual(minimum);
    expect(took).toBeLessThanOrEqual(1.2 * 6000);
  });

  it('lets no more than MAX_UNRECORDED posts be out and unrecorded, and keeps the pace while records take 40 ms', async () => {
    const { time, transport } = setup();
    let recorded = 0;
    let mostUnrecorded = 0;
    const record = async () => {
      mostUnrecorded = Math.max(mostUnrecorded, transport.calls.length - recorded);
      await time.sleep(40); // the database is slow to take the record
      recorded++;
    };
    // A post going out while too many are unrecorded is seen by the transport before its record runs.
    const watched: ChannelTransport = {
      post: async (conversation, m) => {
        const answer = await transport.post(conversation, m);
        mostUnrecorded = Math.max(mostUnrecorded, transport.calls.length - recorded);
        return answer;
      },
      update: (conversation) => transport.update(conversation),
    };
    const paced = new ChannelSender({ transport: watched, now: () => time.now, sleep: time.sleep, random: () => 0.5 });
    const outcomes = await time.run(Promise.all(Array.from({ length: 300 }, (_, i) => paced.post(ref(`19:c${i}@thread.tacv2`), message, record))));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(recorded).toBe(300);
    expect(mostUnrecorded).toBe(MAX_UNRECORDED);
    expect(
      busiestWindow(
        transport.calls.map((c) => c.at),
        1000,
      ),
    ).toBeLessThanOrEqual(50);
    expect(Math.max(...transport.calls.map((c) => c.at))).toBeLessThanOrEqual(1.2 * 6000);
  });

  it('retries 408 and 412 as Teams asks, and holds no place for a post while it waits to retry', async () => {
    const { time, transport } = setup();
    transport.script.set('19:x@thread.tacv2', [new ChannelSendError('Request Timeout', 408), new ChannelSendError('Precondition Failed', 412)]);
    const one = new ChannelSender({ transport, now: () => time.now, sleep: time.sleep, random: () => 0.5, maxUnrecorded: 1 });
    const [retried, other] = await time.run(
      Promise.all([one.post(ref('19:x@thread.tacv2'), message, async () => undefined), one.post(ref('19:y@thread.tacv2'), message, async () => undefined)]),
    );
    expect(retried).toMatchObject({ ok: true, attempts: 3 });
    expect(other).toMatchObject({ ok: true, attempts: 1 });
    // The other channel's post went while the first waited out its backoff, not after it.
    expect(transport.calls.map((c) => `${c.conversationId}@${c.at}`)).toEqual([
      '19:x@thread.tacv2@0',
      '19:y@thread.tacv2@0',
      '19:x@thread.tacv2@375',
      '19:x@thread.tacv2@1125',
    ]);
  });

  it('keeps one conversation under 7 a second and 60 in 30 seconds, without holding up the others', async () => {
    const { time, transport, sender } = setup();
    const busy = Array.from({ length: 100 }, () => sender.post(ref('19:busy@thread.tacv2'), message));
    const others = Array.from({ length: 20 }, (_, i) => sender.post(ref(`19:quiet${i}@thread.tacv2`), message));
    await time.run(Promise.all([...busy, ...others]));
    const busyTimes = transport.calls.filter((c) => c.conversationId === '19:busy@thread.tacv2').map((c) => c.at);
    expect(busyTimes).toHaveLength(100);
    expect(busiestWindow(busyTimes, 1000)).toBeLessThanOrEqual(7);
    expect(busiestWindow(busyTimes, 30_000)).toBeLessThanOrEqual(60);
    const quietLast = Math.max(...transport.calls.filter((c) => c.conversationId !== '19:busy@thread.tacv2').map((c) => c.at));
    expect(quietLast).toBeLessThan(1000);
  });

  it('honours Retry-After on 429 and then delivers once', async () => {
    const { time, transport, sender } = setup();
    transport.script.set('19:x@thread.tacv2', [new ChannelSendError('Too Many Requests', 429, 2000)]);
    const outcome = await time.run(sender.post(ref('19:x@thread.tacv2'), message));
    expect(outcome).toMatchObject({ ok: true, attempts: 2, throttled: 1 });
    expect(transport.calls.map((c) => c.at)).toEqual([0, 2000]);
  });

  it('backs off exponentially on 429 without Retry-After, and gives up after a bounded number of tries', async () => {
    const { time, transport, sender } = setup({ random: () => 1 });
    transport.script.set(
      '19:x@thread.tacv2',
      Array.from({ length: 20 }, () => new ChannelSendError('Too Many Requests', 429)),
    );
    const outcome = await time.run(sender.post(ref('19:x@thread.tacv2'), message));
    expect(outcome).toMatchObject({ ok: false, status: 429, permanent: false, attempts: 7 });
    const gaps = transport.calls.slice(1).map((c, i) => c.at - transport.calls[i].at);
    expect(gaps).toEqual([500, 1000, 2000, 4000, 8000, 16000]);
  });

  it('retries 5xx a bounded number of times, then reports the failure', async () => {
    const { time, transport, sender } = setup();
    transport.script.set('19:flaky@thread.tacv2', [new ChannelSendError('Service Unavailable', 503), new ChannelSendError('Bad Gateway', 502)]);
    transport.script.set(
      '19:down@thread.tacv2',
      Array.from({ length: 10 }, () => new ChannelSendError('Service Unavailable', 503, 1000)),
    );
    const [flaky, down] = await time.run(Promise.all([sender.post(ref('19:flaky@thread.tacv2'), message), sender.post(ref('19:down@thread.tacv2'), message)]));
    expect(flaky).toMatchObject({ ok: true, attempts: 3 });
    expect(down).toMatchObject({ ok: false, status: 503, attempts: 4, permanent: false });
    expect(transport.calls.filter((c) => c.conversationId === '19:down@thread.tacv2')).toHaveLength(4);
  });

  it('does not retry a 403 or 404: the bot is gone from that conversation', async () => {
    const { time, transport, sender } = setup();
    transport.script.set('19:gone@thread.tacv2', [Object.assign(new Error('Forbidden'), { statusCode: 403 })]);
    const outcome = await time.run(sender.update(ref('19:gone@thread.tacv2'), 'a-1', message));
    expect(outcome).toMatchObject({ ok: false, status: 403, permanent: true, attempts: 1 });
    expect(transport.calls).toHaveLength(1);
  });

  it('reads Retry-After from botbuilder errors, in seconds or as a date', async () => {
    const { time, transport, sender } = setup();
    const restError = Object.assign(new Error('429'), {
      statusCode: 429,
      response: { headers: { get: (n: string) => (n === 'retry-after' ? '3' : undefined) } },
    });
    transport.script.set('19:x@thread.tacv2', [restError]);
    await time.run(sender.post(ref('19:x@thread.tacv2'), message));
    expect(transport.calls.map((c) => c.at)).toEqual([0, 3000]);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:05 GMT', Date.parse('Wed, 21 Oct 2026 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
