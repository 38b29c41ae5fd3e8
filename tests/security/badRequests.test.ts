import { Verbs } from '../../src/platform/cards/verbs';
import type { Logger } from '../../src/platform/log';
import { alice, bethan, cardText, createHarness, type Harness } from '../support/harness';

/** Card actions the bot cannot read are answered with a card (200), never Teams' "not implemented" (501). */
const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields = {}) => warnings.push({ msg, fields }) };

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ log });
});
afterAll(() => h.close());
beforeEach(() => warnings.splice(0));

const invoke = (value: unknown, user = alice) => h.activity(user, { type: 'invoke', name: 'adaptiveCard/action', value });

describe('a card action the bot cannot read', () => {
  it.each([
    ['an unknown verb', { action: { type: 'Action.Execute', verb: 'plan.noSuchThing', data: {} } }],
    ['a verb that is not text', { action: { type: 'Action.Execute', verb: 42, data: {} } }],
    ['no action', { trigger: 'manual' }],
    ['a null value', null],
    ['a string value', 'plan.open'],
  ])('%s gets a card saying so, in the person’s language', async (_what, value) => {
    const reply = await invoke(value);
    expect(reply.invokeStatus).toBe(200);
    expect(cardText(reply.invokeCard)).toContain('that card could not be read');
    expect(warnings.map((w) => w.msg)).toContain('card action not understood');
  });

  it('answers in Welsh for a Welsh speaker', async () => {
    const reply = await invoke({ action: { type: 'Action.Execute', verb: 'nothing.here', data: {} } }, bethan);
    expect(reply.invokeStatus).toBe(200);
    expect(cardText(reply.invokeCard)).toContain('allwn i ddim darllen y cerdyn');
  });

  it('a known verb with a payload that does not fit still gets its polite card', async () => {
    const reply = await h.execute(alice, Verbs.planSaveField, { planId: 'not-a-plan', version: 'x' });
    expect(reply.invokeStatus).toBe(200);
    expect(cardText(reply.invokeCard)).toContain('that card could not be read');
  });
});
