import { confirmSchoolRole } from '../support/roles';
import { Verbs } from '../../src/platform/cards/verbs';
import type { Database } from '../../src/platform/db/db';
import { escapeMarkdown } from '../../src/platform/cards/markdown';
import { bethan, cardText, createHarness, TENANT, type Harness, type TestUser } from '../support/harness';

async function seed(db: Database): Promise<void> {
  await db.exec(`
    insert into local_authorities (code, name_en, name_cy, consortium) values (678, 'Torfaen', 'Tor-faen', 'EAS');
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils, latitude, longitude, capacity, open_to_requests) values
      (6784001, 'Cwmbran High School', null, 678, 'secondary', 'english', 1100, 51.6530, -3.0210, 2, true),
      (6785001, 'Croesyceiliog School', null, 678, 'secondary', 'english', 1200, 51.6660, -2.9990, 2, true);
  `);
}

const PHISH = '[reset password](https://evil.example)';
const phisher: TestUser = { id: 'aad-phisher', name: PHISH, tenantId: TENANT, locale: 'en-GB' };

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ seed });
});
afterEach(() => h.close());

const sentTo = (user: TestUser) =>
  h.messenger.sent.filter((s) => (s.conversation.conversation as { id?: string } | undefined)?.id === `a:personal-${user.id}`).map((s) => s.message.card!);

it('shows a requester named like a Markdown link, and their focus, as literal text in the other head’s card', async () => {
  for (const user of [phisher, bethan]) await h.say(user, 'help');
  await confirmSchoolRole(h.runtime, TENANT, phisher.id, 6784001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6785001, 'headteacher');
  const owner = { tenantId: TENANT, userId: phisher.id };
  const plan = await h.runtime.plans.create(owner, 6784001);
  let version = plan.version;
  for (const [field, text] of [
    ['focus', '**Urgent**: [log in](https://evil.example/x)'],
    ['need', '- a list\n1. item'],
    ['objectives', 'Raise attainment'],
  ] as const) {
    const saved = await h.runtime.plans.saveAnswer(owner, plan.id, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
  const ask = await h.execute(phisher, Verbs.matchAskDirect, { planId: plan.id, schoolId: '6785001', lookFurther: 'false' });
  expect(cardText(ask.invokeCard)).toContain('Croesyceiliog School');
  const card = sentTo(bethan)[0]!;
  const json = JSON.stringify(card);
  expect(json).not.toContain(JSON.stringify(PHISH).slice(1, -1));
  expect(json).not.toContain('[log in](');
  expect(json).not.toContain('**Urgent**');
  const text = cardText(card);
  expect(text).toContain(escapeMarkdown(PHISH));
  expect(text).toContain('\\*\\*Urgent\\*\\*: \\[log in\\](https://evil.example/x)');
  expect(text).toContain('\\- a list\n1\\. item');
});

it('escapes every Markdown construct Teams renders, and nothing else', () => {
  expect(escapeMarkdown(PHISH)).toBe('\\[reset password\\](https://evil.example)');
  expect(escapeMarkdown('*bold* _it_ `code` ~x~ <https://x> \\')).toBe('\\*bold\\* \\_it\\_ \\`code\\` \\~x\\~ \\<https://x\\> \\\\');
  expect(escapeMarkdown('- one\n  + two\n3. three\nYsgol Gymraeg (Cwmbrân) - 3. ŵ')).toBe('\\- one\n  \\+ two\n3\\. three\nYsgol Gymraeg (Cwmbrân) - 3. ŵ');
});

describe('text that cannot be stored, at the edge', () => {
  it.each([
    ['a NUL', 'Dim lle\u0000 y tymor hwn'],
    ['a lone surrogate', 'No room \uD800 this term'],
    ['a bell', 'No room\u0007'],
  ])('is refused with %s before anything is saved, in the person’s language, with their text handed back', async (_what, reason) => {
    await h.say(bethan, 'help');
    const reply = await h.execute(bethan, Verbs.matchSchoolDecline, { requestId: '7d0f9a3e-1111-4222-8333-944444444444', version: '1', reason });
    expect(reply.invokeStatus).toBe(200);
    const text = cardText(reply.invokeCard);
    expect(text).toContain('na ellir ei gadw');
    // eslint-disable-next-line no-control-regex -- the characters refused are exactly what this removes
    expect(text).toContain(reason.replace(/[\u0000\u0007\uD800]/g, ''));
  });
});
