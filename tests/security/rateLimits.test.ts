import { confirmSchoolRole } from '../support/roles';
import { Verbs } from '../../src/platform/cards/verbs';
import { alice, bethan, cardText, createHarness, TENANT, type Harness } from '../support/harness';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
  for (const user of [alice, bethan]) {
    await h.say(user, 'help');
    await confirmSchoolRole(h.runtime, TENANT, user.id, 6784001, 'headteacher');
  }
});
afterEach(() => h.close());

const planCount = async (userId: string) =>
  (await h.runtime.db.query<{ n: number }>('select count(*)::int as n from plans where owner_id = $1', [userId]))[0].n;

it('refuses the 101st plan in a burst politely, in the person’s language, and leaves everyone else alone', async () => {
  const answers: string[] = [];
  for (let i = 0; i < 101; i++) answers.push(cardText((await h.execute(bethan, Verbs.menuNewPlan, {})).invokeCard));
  expect(answers.slice(0, 20).every((a) => !a.includes('rhowch gynnig arall arni ymhen ychydig funudau'))).toBe(true);
  expect(answers[100]).toContain('rhowch gynnig arall arni ymhen ychydig funudau');
  expect(await planCount(bethan.id)).toBe(20);
  // Someone else working normally is unaffected, and so is Bethan an hour later.
  expect(cardText((await h.execute(alice, Verbs.menuNewPlan, {})).invokeCard)).not.toContain('try again in a few minutes');
  h.clock.advanceMs(60 * 60_000);
  expect(cardText((await h.execute(bethan, Verbs.menuNewPlan, {})).invokeCard)).not.toContain('ymhen ychydig funudau');
  expect(await planCount(bethan.id)).toBe(21);
}, 60_000);

it('lets a person type at a normal pace and stops a flood of messages', async () => {
  for (let i = 1; i < 60; i++) expect(cardText((await h.say(alice, 'help')).cards[0])).not.toContain('try again in a few minutes');
  expect(cardText((await h.say(alice, 'help')).cards[0])).toContain('try again in a few minutes');
  h.clock.advanceMs(60_000);
  expect(cardText((await h.say(alice, 'help')).cards[0])).not.toContain('try again in a few minutes');
});
