import type { CardJson } from '../../src/platform/cards/render';
import { Verbs } from '../../src/platform/cards/verbs';
import type { Database } from '../../src/platform/db/db';
import { alice, bethan, cardText, createHarness, findAction, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/**
 * No dead ends: a request to a school nobody from which uses the bot yet, or for brokerage where no adviser
 * covers the asking school, is held (stored) and reaches the right person as soon as they can be reached.
 */
async function seed(db: Database): Promise<void> {
  await db.exec(`
    insert into local_authorities (code, name_en, name_cy, consortium) values
      (669, 'Carmarthenshire', 'Sir Gaerfyrddin', 'ERW'), (678, 'Torfaen', 'Tor-faen', 'EAS');
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils, latitude, longitude, capacity, open_to_requests) values
      (6784001, 'Cwmbran High School', null, 678, 'secondary', 'english', 1100, 51.6530, -3.0210, 2, true),
      (6785001, 'Croesyceiliog School', null, 678, 'secondary', 'english', 1200, 51.6660, -2.9990, 2, true),
      (6786003, 'Llantarnam School', null, 678, 'secondary', 'english', 900, 51.6400, -3.0050, 2, true),
      (6692001, 'Ysgol Gymraeg Rhydaman', null, 669, 'primary', 'welsh', 310, 51.7900, -3.9900, 2, true);
    insert into school_strengths (school_id, area, description, evidence, stated_by) values
      (6785001, 'numeracy', 'Mastery maths at KS4', null, 'adviser'),
      (6786003, 'numeracy', 'Maths intervention', null, 'school');
  `);
}

const admin: TestUser = { id: 'aad-admin', name: 'Nia Officer', tenantId: TENANT, locale: 'en-GB' };
const dafydd: TestUser = { id: 'aad-dafydd', name: 'Dafydd Adviser', tenantId: TENANT, locale: 'en-GB' };
const eleri: TestUser = { id: 'aad-eleri', name: 'Eleri Ymgynghorydd', tenantId: TENANT, locale: 'cy-GB' };
/** The head of Llantarnam School, who has not used the bot yet. */
const lowri: TestUser = { id: 'aad-lowri', name: 'Lowri Head', tenantId: TENANT, locale: 'en-GB' };

let h: Harness;
let planId: string;

beforeEach(async () => {
  h = await createHarness({ seed, env: { ADMIN_USER_IDS: admin.id } });
  for (const user of [alice, bethan, dafydd, eleri, admin]) await h.say(user, 'help');
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6785001, 'headteacher');
  const plan = await h.runtime.plans.create({ tenantId: TENANT, userId: alice.id }, 6784001);
  planId = plan.id;
  let version = 1;
  for (const [field, text] of [
    ['focus', 'KS4 maths, D to C'],
    ['need', 'Below the family of similar schools'],
    ['objectives', 'Raise KS4 attainment of FSM pupils'],
  ] as const) {
    const saved = await h.runtime.plans.saveAnswer({ tenantId: TENANT, userId: alice.id }, planId, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
  await h.runtime.plans.saveAnswer({ tenantId: TENANT, userId: alice.id }, planId, version, 'priorityAreas', { priorityAreas: 'numeracy' });
  h.messenger.sent.splice(0);
});
afterEach(async () => {
  await h.close();
});

const sentTo = (user: TestUser): CardJson[] =>
  h.messenger.sent.filter((s) => (s.conversation.conversation as { id?: string } | undefined)?.id === `a:personal-${user.id}`).map((s) => s.message.card!);

const grantAdvisers = async () => {
  await h.runtime.roles.grant({ tenantId: TENANT, userId: dafydd.id, role: 'adviser', laCode: 678 }, 'admin');
  await h.runtime.roles.grant({ tenantId: TENANT, userId: eleri.id, role: 'adviser', laCode: 678 }, 'admin');
};

/** Lowri starts using the bot and says she is the head of Llantarnam School. */
async function lowriClaimsHead(): Promise<void> {
  await h.say(lowri, 'hello');
  await h.execute(lowri, Verbs.onboardConfirm, { query: '', schoolId: '6786003', role: 'headteacher' });
}

describe('a request to a school nobody from which uses the bot yet', () => {
  it('is held for the school: the requester and its advisers are told, and its head gets it once their role is confirmed', async () => {
    await grantAdvisers();
    const reply = (await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6786003', lookFurther: 'false' })).invokeCard!;
    const text = cardText(reply);
    expect(text).toContain('Nobody from Llantarnam School uses Cydweithio yet, so I have kept your request for them');
    expect(text).toContain('I have told 2 advisers for Llantarnam School');
    expect(text).not.toContain('ask your adviser');
    // The next step is on the card: another school, or withdraw.
    expect(findAction(reply, 'Ask Croesyceiliog School instead')).toBeDefined();
    expect(findAction(reply, 'Withdraw the request')).toBeDefined();
    const request = (await h.runtime.requests.latestForPlan(planId, [TENANT]))!;
    expect([request.state, request.chosenSchoolId]).toEqual(['awaitingSchool', 6786003]);

    expect(cardText(sentTo(dafydd)[0])).toContain('Cwmbran High School has asked Llantarnam School for support, but nobody from Llantarnam School uses');
    expect(cardText(sentTo(eleri)[0])).toContain('Mae cais yn aros am Llantarnam School');

    // Lowri arrives and claims the headship; an adviser confirms it; the held request reaches her at once.
    await lowriClaimsHead();
    expect(sentTo(lowri)).toHaveLength(0);
    const claimCard = sentTo(dafydd).at(-1)!;
    await h.press(dafydd, claimCard, 'Confirm');
    const held = sentTo(lowri).find((c) => cardText(c).includes('Cwmbran High School asks whether your school can support them'));
    expect(held).toBeDefined();
    const accepted = (await h.press(lowri, held!, 'Accept')).invokeCard!;
    expect(cardText(accepted)).toContain('Llantarnam School will support Cwmbran High School');
    expect((await h.runtime.requests.latestForPlan(planId, [TENANT]))!.state).toBe('accepted');
  });

  it('reaches a head whose role is confirmed as soon as the app is installed for them again', async () => {
    await h.say(lowri, 'help');
    await confirmSchoolRole(h.runtime, TENANT, lowri.id, 6786003, 'headteacher');
    await h.runtime.users.forgetPersonalConversation(TENANT, lowri.id); // Teams said her chat was gone
    const reply = (await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6786003', lookFurther: 'false' })).invokeCard!;
    expect(cardText(reply)).toContain('so I have kept your request for them');
    expect(sentTo(lowri)).toHaveLength(0);
    await h.activity(lowri, { type: 'conversationUpdate', membersAdded: [{ id: '28:cydweithio-bot', name: 'Cydweithio' }] });
    expect(
      sentTo(lowri)
        .map((c) => cardText(c))
        .join('\n'),
    ).toContain('Cwmbran High School asks whether your school can support them');
  });

  it('tells a Welsh-speaking requester in Welsh', async () => {
    await h.execute(alice, Verbs.setLanguage, { locale: 'cy' });
    const reply = (await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6786003', lookFurther: 'false' })).invokeCard!;
    expect(cardText(reply)).toContain('Does neb o Llantarnam School yn defnyddio Cydweithio eto, felly rydw i wedi cadw eich cais ar eu cyfer');
    expect(findAction(reply, 'Gofyn i Croesyceiliog School yn lle hynny')).toBeDefined();
  });

  it('is held when an adviser approves it: the adviser and the requester are told so, and an admin’s assignment delivers it', async () => {
    await grantAdvisers();
    const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    await h.press(alice, found, 'Ask my adviser to broker', { lookFurther: 'false' });
    const adviserCard = sentTo(dafydd)[0]!;
    const approved = (await h.press(dafydd, adviserCard, 'Approve Llantarnam School')).invokeCard!;
    const text = cardText(approved);
    expect(text).toContain('Approved. Nobody from Llantarnam School uses Cydweithio yet, so the request is kept for the school');
    expect(text).not.toMatch(/ask your adviser/i);
    expect((await h.runtime.requests.latestForPlan(planId, [TENANT]))!.state).toBe('awaitingSchool');
    const told = sentTo(alice).at(-1)!;
    expect(cardText(told)).toContain('Nobody from Llantarnam School uses Cydweithio yet, so your request is kept for them');
    expect(findAction(told, 'Ask Croesyceiliog School instead')).toBeDefined();
    expect(cardText(sentTo(eleri).at(-1))).toContain('Mae cais yn aros am Llantarnam School');

    // A Teams admin installs the app for Lowri (she has typed nothing), then an admin assigns her the headship:
    // the request reaches her at once.
    await h.activity(lowri, { type: 'conversationUpdate', membersAdded: [{ id: '28:cydweithio-bot', name: 'Cydweithio' }] });
    expect((await h.runtime.users.get(TENANT, lowri.id))?.personalConversation).not.toBeNull();
    const rolesCard = (await h.say(admin, 'school roles')).cards[0]!;
    await h.press(admin, rolesCard, 'Assign role', { userId: lowri.id, school: '6786003', role: 'headteacher' });
    expect(cardText(sentTo(lowri).at(-1))).toContain('Cwmbran High School asks whether your school can support them');
  });
});

describe('asking for an adviser to broker when no adviser covers the school', () => {
  it('holds the request for the LA’s advisers, offers schools to ask meanwhile, tells the admins, and gives it to the first adviser granted', async () => {
    const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    const reply = (await h.press(alice, found, 'Ask my adviser to broker', { lookFurther: 'false' })).invokeCard!;
    const text = cardText(reply);
    expect(text).toContain('No adviser for Torfaen uses Cydweithio yet, so I have kept your request for them');
    expect(text).toContain('I have told the admins, who register advisers.');
    expect(text).not.toContain('ask a school directly, or ask your local authority');
    expect(findAction(reply, 'Ask Croesyceiliog School instead')).toBeDefined();
    expect((await h.runtime.requests.latestForPlan(planId, [TENANT]))!.state).toBe('awaitingAdviser');
    expect(cardText(sentTo(admin)[0])).toContain('Cwmbran High School asked for an adviser to broker a partner, but no adviser is registered for Torfaen yet');

    const roles = (await h.say(admin, 'make adviser')).cards[0]!;
    await h.press(admin, roles, 'Grant the role', { userId: eleri.id, role: 'adviser', laCode: '678' });
    const adviserCard = sentTo(eleri).at(-1)!;
    expect(cardText(adviserCard)).toContain('Mae Cwmbran High School yn gofyn am gymorth');
    const approved = (await h.press(eleri, adviserCard, 'Cymeradwyo Croesyceiliog School')).invokeCard!;
    expect(cardText(approved)).toContain('Croesyceiliog School');
    expect(sentTo(bethan)).toHaveLength(1);
  });

  it('says so in Welsh, and the requester can ask a school instead', async () => {
    await h.execute(alice, Verbs.setLanguage, { locale: 'cy' });
    const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    const reply = (await h.press(alice, found, 'Gofyn i’m hymgynghorydd frocera', { lookFurther: 'false' })).invokeCard!;
    expect(cardText(reply)).toContain('Does dim ymgynghorydd ar gyfer Tor-faen yn defnyddio Cydweithio eto');
    const asked = (await h.press(alice, reply, 'Gofyn i Croesyceiliog School yn lle hynny')).invokeCard!;
    expect(cardText(asked)).toContain('Croesyceiliog School');
    expect(sentTo(bethan)).toHaveLength(1);
  });
});
