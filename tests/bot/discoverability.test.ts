import type { CardJson } from '../../src/platform/cards/render';
import { Verbs } from '../../src/platform/cards/verbs';
import { alice, bethan, cardText, createHarness, findAction, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/** Every job can be found: the help card lists them all, and a sentence is matched to the command it most likely means. */
const admin: TestUser = { id: 'aad-admin', name: 'Nia Officer', tenantId: TENANT, locale: 'en-GB' };

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ env: { ADMIN_USER_IDS: admin.id } });
  for (const user of [alice, bethan, admin]) await h.say(user, 'help');
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
});
afterEach(async () => {
  await h.close();
});

const buttons = (card: CardJson | undefined): string[] => (JSON.stringify(card).match(/"title":"[^"]*"/g) ?? []).map((m) => m.slice(9, -1));

async function readyPlan(): Promise<string> {
  const plan = await h.runtime.plans.create({ tenantId: TENANT, userId: alice.id }, 6784001);
  let version = 1;
  for (const [field, text] of [
    ['focus', 'KS4 maths, D to C'],
    ['need', 'Below the family of similar schools'],
    ['objectives', 'Raise KS4 attainment'],
  ] as const) {
    const saved = await h.runtime.plans.saveAnswer({ tenantId: TENANT, userId: alice.id }, plan.id, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
  return plan.id;
}

describe('the help card', () => {
  const JOBS = ['new plan', 'my plans', 'continue', 'find a partner', 'my requests', 'my school', 'fade status', 'privacy', 'language'];
  const ADMIN_JOBS = ['make adviser', 'school roles', 'claims', 'import schools', 'export person'];
  const listed = (text: string, commands: string[]) => commands.map((command) => ({ command, listed: text.includes(`**${command}**`) }));

  it('lists every job: plans, find a partner, requests, my school, FADE, privacy and language; the admins’ commands for admins only', async () => {
    const text = cardText((await h.say(alice, 'help')).cards[0]);
    expect(listed(text, JOBS)).toEqual(JOBS.map((command) => ({ command, listed: true })));
    expect(listed(text, ADMIN_JOBS)).toEqual(ADMIN_JOBS.map((command) => ({ command, listed: false })));
    const forAdmin = cardText((await h.say(admin, 'help')).cards[0]);
    expect(listed(forAdmin, [...JOBS, ...ADMIN_JOBS])).toEqual([...JOBS, ...ADMIN_JOBS].map((command) => ({ command, listed: true })));
  });

  it('lists them in Welsh, with the Welsh command words', async () => {
    await h.execute(alice, Verbs.setLanguage, { locale: 'cy' });
    const text = cardText((await h.say(alice, 'help')).cards[0]);
    const jobs = ['cynllun newydd', 'fy nghynlluniau', 'parhau', 'dod o hyd i bartner', 'fy ngheisiadau', 'fy ysgol', 'statws fade', 'preifatrwydd', 'iaith'];
    expect(listed(text, jobs)).toEqual(jobs.map((command) => ({ command, listed: true })));
    await h.execute(admin, Verbs.setLanguage, { locale: 'cy' });
    expect(cardText((await h.say(admin, 'help')).cards[0])).toContain('**penodi ymgynghorydd**');
  });
});

describe('a sentence instead of a command', () => {
  it('answers "hello" with the help card, never "didn’t understand"', async () => {
    const card = (await h.say(alice, 'hello')).cards[0];
    expect(cardText(card)).toContain('What I can do');
    expect(cardText(card)).not.toMatch(/didn.t understand/i);
    const welsh = (await h.say(bethan, 'shwmae')).cards[0];
    expect(cardText(welsh)).toContain('Beth alla i ei wneud');
    expect(cardText(welsh)).not.toContain('doeddwn i ddim yn deall');
  });

  it('offers "Find a partner" for "I want a partner school for maths", and the button finds partners for the ready plan', async () => {
    const card = (await h.say(alice, 'I want a partner school for maths')).cards[0]!;
    expect(cardText(card)).toContain('Did you mean one of these?');
    expect(cardText(card)).not.toMatch(/didn.t understand/i);
    expect(buttons(card)[0]).toBe('Find a partner');
    // No plan ready yet: the button says what to do next.
    const noPlan = (await h.press(alice, card, 'Find a partner')).invokeCard!;
    expect(cardText(noPlan)).toContain('Finding a partner starts from a plan');
    await readyPlan();
    const found = (await h.press(alice, card, 'Find a partner')).invokeCard!;
    expect(cardText(found)).toContain('Suggested partners for: KS4 maths, D to C');
  });

  it('matches Welsh words, with a typo, to the nearest commands: partner, cymorth, rhifedd, llythrennedd', async () => {
    await h.execute(bethan, Verbs.setLanguage, { locale: 'cy' });
    const card = (await h.say(bethan, 'Rydw i eisiau cymorth gyda rhifedd a llythrenedd')).cards[0]!;
    expect(cardText(card)).toContain('Ai un o’r rhain oedd gennych chi mewn golwg?');
    expect(buttons(card)[0]).toBe('Dod o hyd i bartner');
    const requests = (await h.say(bethan, 'ble mae fy nghais i?')).cards[0]!;
    expect(buttons(requests)[0]).toBe('Fy ngheisiadau');
    // Either language's words work for everyone.
    const english = (await h.say(bethan, 'where is my request')).cards[0]!;
    expect(buttons(english)[0]).toBe('Fy ngheisiadau');
  });

  it('runs the command a button names, as if typed, and refuses a forged command politely', async () => {
    const card = (await h.say(alice, 'what data do you keep about me? privacy please')).cards[0]!;
    expect(buttons(card)[0]).toBe('Privacy');
    const privacy = (await h.press(alice, card, 'Privacy')).invokeCard!;
    expect(cardText(privacy)).toContain('Your data in Cydweithio');
    const requests = (await h.execute(alice, Verbs.menuCommand, { command: 'command.myRequests' })).invokeCard!;
    expect(cardText(requests)).toContain('My requests for support');
    const forged = (await h.execute(alice, Verbs.menuCommand, { command: 'command.nothing' })).invokeCard!;
    expect(cardText(forged)).toContain('What I can do');
    // An admin's command from a button is still checked on the server.
    const admin = (await h.execute(alice, Verbs.menuCommand, { command: 'command.roles' })).invokeCard!;
    expect(cardText(admin)).toContain('Only an admin can do that');
    expect(findAction(admin, 'Grant the role')).toBeUndefined();
  });

  it('answers "privacy" typed, in Welsh too', async () => {
    expect(cardText((await h.say(alice, 'privacy')).cards[0])).toContain('Your data in Cydweithio');
    expect(cardText((await h.say(alice, 'preifatrwydd')).cards[0])).toContain('Your data in Cydweithio');
    await h.execute(alice, Verbs.setLanguage, { locale: 'cy' });
    expect(cardText((await h.say(alice, 'preifatrwydd')).cards[0])).toContain('Eich data yn Cydweithio');
  });
});
