import { confirmSchoolRole } from '../support/roles';
import type { CardJson } from '../../src/platform/cards/render';
import { Verbs } from '../../src/platform/cards/verbs';
import type { Database } from '../../src/platform/db/db';
import { alice, bethan, cardText, createHarness, findAction, TENANT, type Harness, type TestUser } from '../support/harness';

/**
 * Partner ranking through the real app: range as a rule, places for schools without coordinates,
 * places held at acceptance, asks waiting that count against places, and the deployment's settings.
 */
async function seedDirectory(db: Database): Promise<void> {
  await db.exec(`
    insert into local_authorities (code, name_en, name_cy, consortium) values
      (669, 'Carmarthenshire', 'Sir Gaerfyrddin', 'ERW'), (678, 'Torfaen', 'Tor-faen', 'EAS');
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils, latitude, longitude, postcode, capacity, support_category) values
      (6784001, 'Cwmbran High School', null, 678, 'secondary', 'english', 1100, 51.6530, -3.0210, 'NP44 3XA', 2, 'amber'),
      (6785001, 'Croesyceiliog School', null, 678, 'secondary', 'english', 1200, 51.6660, -2.9990, 'NP44 2YB', 1, 'green'),
      (6786003, 'Llantarnam School', null, 678, 'secondary', 'english', 900, 51.6400, -3.0050, 'NP44 3YS', 2, 'red'),
      (6782002, 'Ysgol Gymraeg Cwmbran', null, 678, 'primary', 'welsh', 420, 51.6500, -3.0300, 'NP44 5AA', 2, null),
      (6692001, 'Ysgol Gymraeg Rhydaman', null, 669, 'primary', 'welsh', 310, 51.7900, -3.9900, 'SA18 2NA', 2, null),
      (6781100, 'Torfaen Pupil Referral Unit', null, 678, 'pru', 'english', null, null, null, 'NP44 1ZZ', 2, null),
      (6691100, 'Carmarthenshire PRU', null, 669, 'pru', 'english', null, null, null, 'SA99 9ZZ', 2, null);
    insert into school_strengths (school_id, area, description, stated_by, verified_at) values
      (6785001, 'numeracy', 'Mastery maths at KS4', 'adviser', '2026-03-10T10:00:00Z'),
      (6786003, 'numeracy', 'Maths intervention', 'school', null),
      (6692001, 'science', 'Outdoor science', 'inspection', '2025-06-01T10:00:00Z'),
      (6781100, 'wellbeing', 'Nurture groups', 'school', null),
      (6691100, 'wellbeing', 'Nurture groups', 'school', null);
  `);
}

const carys: TestUser = { id: 'aad-carys', name: 'Carys Pennaeth', tenantId: TENANT, locale: 'en-GB' };
const rhian: TestUser = { id: 'aad-rhian', name: 'Rhian Llantarnam', tenantId: TENANT, locale: 'en-GB' };

let h: Harness;

async function start(env: Record<string, string> = {}): Promise<void> {
  h = await createHarness({ seed: seedDirectory, env });
  for (const user of [alice, bethan, carys, rhian]) await h.say(user, 'help');
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6785001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, carys.id, 6782002, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, rhian.id, 6786003, 'headteacher');
}

/** A plan ready for matching, owned by `user` for `schoolId`, on the given priority areas. */
async function readyPlan(user: TestUser, schoolId: number, areas: string): Promise<string> {
  const owner = { tenantId: TENANT, userId: user.id };
  const plan = await h.runtime.plans.create(owner, schoolId);
  let version = plan.version;
  for (const [field, text] of [
    ['focus', 'A precise focus'],
    ['need', 'The evidence of need'],
    ['objectives', 'In the school development plan'],
  ] as const) {
    const saved = await h.runtime.plans.saveAnswer(owner, plan.id, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
  await h.runtime.plans.saveAnswer(owner, plan.id, version, 'priorityAreas', { priorityAreas: areas });
  return plan.id;
}

const sentTo = (user: TestUser): CardJson[] =>
  h.messenger.sent.filter((s) => (s.conversation.conversation as { id?: string } | undefined)?.id === `a:personal-${user.id}`).map((s) => s.message.card!);

afterEach(async () => {
  await h.close();
});

describe('range is a rule', () => {
  it('says when no school strong in the need is within range, how far the nearest is, and lists it after nobody nearer', async () => {
    await start();
    const planId = await readyPlan(alice, 6784001, 'science');
    const text = cardText((await h.execute(alice, Verbs.matchFind, { planId })).invokeCard);
    expect(text).toMatch(/No school strong in science within 40 km; the nearest is 6\d km away\./);
    expect(text).toMatch(/1\. Ysgol Gymraeg Rhydaman[\s\S]*strong in science, verified by inspection, June 2025[\s\S]*6\d km away; beyond the 40 km range/);

    await h.execute(alice, Verbs.setLanguage, { locale: 'cy' });
    const welsh = cardText((await h.execute(alice, Verbs.matchFind, { planId })).invokeCard);
    expect(welsh).toMatch(/Does dim ysgol sy’n gryf mewn gwyddoniaeth o fewn 40 km; mae’r agosaf 6\d km i ffwrdd\./);
    expect(welsh).toContain('wedi’i gadarnhau gan arolygiad, Mehefin 2025');
    expect(welsh).toContain('y tu hwnt i’r ystod o 40 km');
  });

  it('takes its range from the deployment’s settings', async () => {
    await start({ MATCHING_RANGE_KM: '80' });
    const planId = await readyPlan(alice, 6784001, 'science');
    const text = cardText((await h.execute(alice, Verbs.matchFind, { planId })).invokeCard);
    expect(text).toContain('1. Ysgol Gymraeg Rhydaman');
    expect(text).not.toContain('within 40 km');
    expect(text).not.toContain('beyond the');
  });

  it('keeps a verified strength far away out while schools strong in the need are near, and dates the evidence', async () => {
    await start();
    // Five schools strong in numeracy within range: a verified one 70 km away is not shown.
    await h.runtime.db.exec(`
      insert into schools (id, name_en, la_code, phase, language_medium, latitude, longitude) values
        (6788101, 'Extra One', 678, 'secondary', 'english', 51.70, -3.05),
        (6788102, 'Extra Two', 678, 'secondary', 'english', 51.71, -3.06),
        (6788103, 'Extra Three', 678, 'secondary', 'english', 51.72, -3.07);
      insert into school_strengths (school_id, area, description, stated_by) values
        (6788101, 'numeracy', 'x', 'school'), (6788102, 'numeracy', 'x', 'school'), (6788103, 'numeracy', 'x', 'school'),
        (6782002, 'numeracy', 'x', 'school');
      insert into school_strengths (school_id, area, description, stated_by, verified_at) values (6692001, 'numeracy', 'x', 'adviser', '2026-05-01');
    `);
    h.runtime.matching.invalidate();
    const planId = await readyPlan(alice, 6784001, 'numeracy');
    const card = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    const text = cardText(card);
    expect(text).toContain('strong in numeracy and mathematics, verified by an adviser, March 2026');
    expect(text).not.toContain('Rhydaman');
    expect(text).not.toContain('within 40 km');
    const more = cardText((await h.press(alice, card, 'Show more')).invokeCard);
    expect(more).not.toContain('Rhydaman');
  });
});

describe('every school has a place', () => {
  it('places a PRU without coordinates at its postcode district’s or its LA’s centre and says "about"', async () => {
    await start();
    const planId = await readyPlan(alice, 6784001, 'wellbeing');
    const text = cardText((await h.execute(alice, Verbs.matchFind, { planId })).invokeCard);
    // NP44 is shared with the other Torfaen schools: the PRU is placed among them, "about" a few km away.
    expect(text).toMatch(/Torfaen Pupil Referral Unit[\s\S]*about \d(\.\d)? km away/);
    expect(text).not.toContain('distance not known');
    // The Carmarthenshire PRU (SA99, no other school there) sits at its LA's centre, 60-odd km away: beyond range,
    // and shown because fewer than five schools strong in wellbeing are within it.
    expect(text).toMatch(/Carmarthenshire PRU[\s\S]*about 6\d km away; beyond the 40 km range/);
    expect(text.indexOf('Torfaen Pupil Referral Unit')).toBeLessThan(text.indexOf('Carmarthenshire PRU'));
  });
});

describe('places are held at acceptance', () => {
  it('refuses politely to accept when the school is full, offers the requester the next schools, and keeps the request waiting', async () => {
    await start();
    await h.runtime.db.exec(`insert into school_strengths (school_id, area, description, stated_by) values (6782002, 'numeracy', 'x', 'school')`);
    h.runtime.matching.invalidate();
    // Croesyceiliog has one place. Cwmbran High and Llantarnam both ask it.
    const alicePlan = await readyPlan(alice, 6784001, 'numeracy');
    const rhianPlan = await readyPlan(rhian, 6786003, 'numeracy');
    expect(cardText((await h.execute(alice, Verbs.matchAskDirect, { planId: alicePlan, schoolId: '6785001' })).invokeCard)).toContain(
      'Sent to the head of Croesyceiliog School',
    );
    expect(cardText((await h.execute(rhian, Verbs.matchAskDirect, { planId: rhianPlan, schoolId: '6785001' })).invokeCard)).toContain(
      'Sent to the head of Croesyceiliog School',
    );
    const [toAlice, toRhian] = [sentTo(bethan)[0]!, sentTo(bethan)[1]!];
    const aliceRequest = (await h.runtime.requests.latestForPlan(alicePlan, [TENANT]))!;
    const rhianRequest = (await h.runtime.requests.latestForPlan(rhianPlan, [TENANT]))!;
    h.messenger.sent.splice(0);

    // Bethan accepts both at once (two cards, two clicks).
    const [one, two] = await Promise.all([h.press(bethan, toAlice, 'Derbyn'), h.press(bethan, toRhian, 'Derbyn')]);
    const states = [(await h.runtime.requests.get(aliceRequest.id, [TENANT]))!.state, (await h.runtime.requests.get(rhianRequest.id, [TENANT]))!.state];
    expect(states.sort()).toEqual(['accepted', 'awaitingSchool']);
    expect((await h.runtime.requests.loadBySchool()).get(6785001)).toBe(1);
    const refused = [cardText(one.invokeCard), cardText(two.invokeCard)].find((t) => t.includes('Does gan eich ysgol ddim lle'))!;
    expect(refused).toContain('(lleoedd wedi’u llenwi: 1 o 1)');
    const waitingRequest = (await h.runtime.requests.get(aliceRequest.id, [TENANT]))!.state === 'awaitingSchool' ? aliceRequest : rhianRequest;
    const waitingUser = waitingRequest.id === aliceRequest.id ? alice : rhian;
    // The requester who was refused is told, with the next schools to ask.
    const told = sentTo(waitingUser).at(-1)!;
    expect(cardText(told)).toContain('Croesyceiliog School has no free place just now, so it cannot accept yet.');
    expect(findAction(told, 'Ask Ysgol Gymraeg Cwmbran instead')).toBeDefined();
    const audit = await h.runtime.audit.forSubject('supportRequest', waitingRequest.id);
    expect(audit.map((a) => a.action)).toContain('request.acceptFull');

    // Once the first support is done, the place is free and the waiting request can be accepted.
    const acceptedId = waitingRequest.id === aliceRequest.id ? rhianRequest.id : aliceRequest.id;
    const accepted = (await h.runtime.requests.get(acceptedId, [TENANT]))!;
    await h.execute(bethan, Verbs.matchDone, { requestId: acceptedId, version: accepted.version });
    const later = await h.execute(bethan, Verbs.matchAccept, { requestId: waitingRequest.id, version: waitingRequest.version });
    expect(cardText(later.invokeCard)).toMatch(/Bydd Croesyceiliog School yn cefnogi/);
  });

  it('counts an ask waiting for an answer against the school’s places when ranking for others', async () => {
    await start();
    const alicePlan = await readyPlan(alice, 6784001, 'numeracy');
    const rhianPlan = await readyPlan(rhian, 6786003, 'numeracy');
    const before = cardText((await h.execute(rhian, Verbs.matchFind, { planId: rhianPlan })).invokeCard);
    expect(before).toContain('1. Croesyceiliog School');
    await h.execute(alice, Verbs.matchAskDirect, { planId: alicePlan, schoolId: '6785001' });
    // Its one place is asked for: it is not suggested to Llantarnam while that ask waits.
    const after = cardText((await h.execute(rhian, Verbs.matchFind, { planId: rhianPlan })).invokeCard);
    expect(after).not.toContain('Croesyceiliog School');
  });
});

describe('support categories', () => {
  it('do not shift the ranking unless the deployment turns them on', async () => {
    await start();
    const planId = await readyPlan(alice, 6784001, 'governors');
    const off = cardText((await h.execute(alice, Verbs.matchFind, { planId })).invokeCard);
    expect(off).not.toContain('a step or two ahead on its improvement journey');
    await h.close();
    await start({ MATCHING_SUPPORT_CATEGORIES: 'true' });
    const planOn = await readyPlan(alice, 6784001, 'governors');
    const on = cardText((await h.execute(alice, Verbs.matchFind, { planId: planOn })).invokeCard);
    expect(on).toMatch(/Croesyceiliog School[^\n]*\n[^\n]*\n[^\n]*a step or two ahead on its improvement journey/);
  });
});
