import fc from 'fast-check';
import type { ZodTypeAny } from 'zod';
import { ALL_VERBS } from '../../src/platform/cards/verbs';
import { FIELD_IDS } from '../../src/features/plans/plan';
import { AIDE_MEMOIRE_PAYLOADS } from '../../src/features/plans/payloads';
import { alice, cardText, createHarness, mallory, TENANT, type Harness } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/**
 * Property: whatever a card payload or a typed message contains, the bot answers
 * with a card in the user's language, never a stack trace or a 500, and nobody can
 * change someone else's plan.
 */
let h: Harness;
let alicePlanId: string;

beforeAll(async () => {
  h = await createHarness();
  await h.runtime.users.touch({ tenantId: alice.tenantId, userId: alice.id, displayName: alice.name });
  await confirmSchoolRole(h.runtime, alice.tenantId, alice.id, 6784001, 'headteacher');
  const plan = await h.runtime.plans.create({ tenantId: alice.tenantId, userId: alice.id }, 6784001);
  alicePlanId = plan.id;
  await h.runtime.plans.saveAnswer({ tenantId: alice.tenantId, userId: alice.id }, plan.id, 1, 'focus', { text: 'Alice’s focus' });
}, 60_000);
afterAll(() => h.close());

const SQL_AND_TEMPLATES = [
  "'; drop table plans; --",
  '" or 1=1 --',
  "Robert'); delete from users; --",
  '${t["error.tryAgain"]}',
  '${verbs.planSaveField}',
  '<at>Cydweithio</at>',
  '\u0000\u0001',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ŵŷâ',
  '../../etc/passwd',
  '{"__proto__":{"polluted":true}}',
];

const hostileString = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...SQL_AND_TEMPLATES), fc.string({ minLength: 4001, maxLength: 4100 }));
const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    fc.constantFrom('7d0f9a3e-1111-4222-8333-944444444444', 'not-a-uuid', 'focus', 'impact', 'next'),
    fc.constant('ALICE_PLAN'),
  );

/** Mostly plausible values for the keys that matter, so many payloads get past the schema to the checks behind it. */
function valueFor(key: string): fc.Arbitrary<unknown> {
  const plausible: Record<string, fc.Arbitrary<unknown>> = {
    planId: fc.constant('ALICE_PLAN'),
    field: fc.constantFrom(...FIELD_IDS),
    version: fc.integer({ min: 0, max: 10 }),
    then: fc.constantFrom('next', 'back', 'summary'),
  };
  const likely = plausible[key];
  return likely ? fc.oneof({ arbitrary: likely, weight: 3 }, { arbitrary: hostileValue(), weight: 1 }) : hostileValue();
}

function keysOf(schema: ZodTypeAny | undefined): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

const payload = (verb: string) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(keysOf(AIDE_MEMOIRE_PAYLOADS[verb as keyof typeof AIDE_MEMOIRE_PAYLOADS]).map((k) => [k, valueFor(k)])), {
        requiredKeys: [],
      }),
      fc.dictionary(fc.string({ maxLength: 8 }), hostileValue(), { maxKeys: 2 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));

const looksLikeAStackTrace = (text: string) => /\bat [\w.<>]+ \(|\.ts:\d+|\.js:\d+|TypeError|ReferenceError|SyntaxError/.test(text);

async function snapshotOfAlice() {
  return h.runtime.db.query('select answers, version, status from plans where owner_id = $1 order by id', [alice.id]);
}

it('answers every card verb, with any payload, politely and without harming anyone else’s plan', async () => {
  const before = await snapshotOfAlice();
  const seen = { refusedAsNotOwner: 0, unreadable: 0, other: 0 };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ALL_VERBS.filter((v) => v in AIDE_MEMOIRE_PAYLOADS)).chain((verb) => fc.tuple(fc.constant(verb), payload(verb))),
      async ([verb, data]) => {
        const withPlan = JSON.parse(JSON.stringify(data ?? {}).replace(/"ALICE_PLAN"/g, JSON.stringify(alicePlanId)));
        const reply = await h.execute(mallory, verb, withPlan);
        expect(reply.invokeStatus).toBe(200);
        expect(reply.invokeCard).toMatchObject({ type: 'AdaptiveCard' });
        expect(looksLikeAStackTrace(JSON.stringify(reply.invokeCard))).toBe(false);
        const text = cardText(reply.invokeCard);
        if (text.includes('belongs to someone else')) seen.refusedAsNotOwner++;
        else if (text.includes('could not be read')) seen.unreadable++;
        else seen.other++;
      },
    ),
    { numRuns: 250, seed: 20261123 },
  );
  expect(await snapshotOfAlice()).toEqual(before);
  // The generator must reach the interesting paths, or the property proves little.
  expect(seen.refusedAsNotOwner).toBeGreaterThan(25);
  expect(seen.unreadable).toBeGreaterThan(25);
  expect(seen.other).toBeGreaterThan(5);
}, 180_000);

it('answers any typed message with a card, never an error', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(hostileString, fc.constantFrom('help', 'cymorth', 'new plan', 'my plans', 'iaith', 'continue')), async (text) => {
      const reply = await h.say(mallory, text);
      expect(reply.cards).toHaveLength(1);
      expect(looksLikeAStackTrace(cardText(reply.cards[0]))).toBe(false);
    }),
    { numRuns: 80, seed: 7 },
  );
}, 120_000);

it('keeps quotes and SQL fragments as plain text in every text field', async () => {
  const owner = { tenantId: alice.tenantId, userId: alice.id };
  const plan = await h.runtime.plans.create(owner, 6784001);
  let version = plan.version;
  for (const [field, text] of [
    ['focus', SQL_AND_TEMPLATES[0]],
    ['need', SQL_AND_TEMPLATES[2]],
    ['objectives', SQL_AND_TEMPLATES[3]],
    ['partner', SQL_AND_TEMPLATES[1]],
  ] as const) {
    const reply = await h.execute(alice, 'plan.saveField', { planId: plan.id, version, field, text });
    expect(reply.invokeStatus).toBe(200);
    version = (await h.runtime.planRepository.get(plan.id, [TENANT]))!.version;
  }
  const saved = await h.runtime.planRepository.get(plan.id, [TENANT]);
  expect(saved?.answers).toMatchObject({
    focus: SQL_AND_TEMPLATES[0],
    need: SQL_AND_TEMPLATES[2],
    objectives: SQL_AND_TEMPLATES[3],
    partner: SQL_AND_TEMPLATES[1],
  });
  const summary = await h.execute(alice, 'plan.open', { planId: plan.id });
  expect(cardText(summary.invokeCard)).toContain(SQL_AND_TEMPLATES[3]); // shown literally, not evaluated
  expect((await h.runtime.db.query('select count(*)::int as n from plans'))[0]).toEqual({ n: 2 });
});

it('never answers a plan field as saved and then loses it: any text is stored and read back as sent, or refused in the user’s language', async () => {
  const owner = { tenantId: alice.tenantId, userId: alice.id };
  const plan = await h.runtime.plans.create(owner, 6784001);
  // Control characters other than tab, newline and carriage return are refused too, at the edge and in plan.ts.
  const awkward = fc.constantFrom(
    '\uD800',
    '\uDFFF',
    '\u0000',
    '😀',
    '\uD83D',
    '\uDE00',
    'ŵ',
    '\n',
    '\u0001',
    '\u0007',
    '\u001B',
    '\u007F',
    '\t',
    '\r',
    '\uFFFF',
    ' ',
    '[x](https://e.example)',
  );
  const text = fc.array(fc.oneof(fc.string({ maxLength: 6 }), awkward), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
  const seen = { saved: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(text, fc.constantFrom('focus', 'need', 'partner'), fc.boolean(), async (sent, field, welsh) => {
      const user = welsh ? { ...alice, locale: 'cy-GB' } : alice;
      const typed = sent.replace(/\r\n/g, '\n').trim();
      if (typed === '') return; // clearing a field is tested elsewhere
      const before = (await h.runtime.planRepository.get(plan.id, [TENANT]))!;
      const reply = await h.execute(user, 'plan.saveField', { planId: plan.id, version: before.version, field, then: 'summary', text: sent });
      expect(reply.invokeStatus).toBe(200);
      const after = (await h.runtime.planRepository.get(plan.id, [TENANT]))!;
      const shown = cardText(reply.invokeCard);
      expect(shown).not.toMatch(/went wrong|aeth rhywbeth o’i le/);
      if (shown.includes(welsh ? 'na ellir ei gadw' : 'cannot be saved')) {
        seen.refused++;
        expect(after.answers).toEqual(before.answers);
        expect(JSON.stringify(reply.invokeCard)).toContain(JSON.stringify(typed).slice(1, -1)); // still in the box
      } else {
        seen.saved++;
        expect(after.answers[field]).toBe(typed === '' ? undefined : typed);
      }
    }),
    { numRuns: 120, seed: 20261206 },
  );
  expect(seen.saved).toBeGreaterThan(10);
  expect(seen.refused).toBeGreaterThan(10);
}, 180_000);

it('never answers any other card text as saved and then loses it: unstorable text is refused at the edge with the text handed back', async () => {
  const owner = { tenantId: alice.tenantId, userId: alice.id };
  const plan = await h.runtime.plans.create(owner, 6784001);
  const awkward = fc.constantFrom('\uD800', '\u0000', '\u0008', '\u001F', '😀', 'ŵ', '\n', ' ');
  const text = fc.array(fc.oneof(fc.string({ maxLength: 6 }), awkward), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
  const seen = { refused: 0, passed: 0 };
  await fc.assert(
    fc.asyncProperty(text, fc.boolean(), async (sent, welsh) => {
      const user = welsh ? { ...alice, locale: 'cy-GB' } : alice;
      const before = await snapshotOfAlice();
      // Any field but the plan form's own text: here the plan id itself, which the edge sees first.
      const reply = await h.execute(user, 'plan.open', { planId: plan.id, field: sent });
      expect(reply.invokeStatus).toBe(200);
      const shown = cardText(reply.invokeCard);
      expect(shown).not.toMatch(/went wrong|aeth rhywbeth o’i le/);
      expect(await snapshotOfAlice()).toEqual(before);
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this property is about
      if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(sent)) {
        seen.refused++;
        expect(shown).toContain(welsh ? 'na ellir ei gadw' : 'cannot be saved');
      } else seen.passed++;
    }),
    { numRuns: 60, seed: 20261207 },
  );
  expect(seen.refused).toBeGreaterThan(5);
  expect(seen.passed).toBeGreaterThan(5);
}, 120_000);
