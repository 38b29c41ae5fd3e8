import type { CardJson } from '../../src/platform/cards/render';
import { Verbs } from '../../src/platform/cards/verbs';
import type { Database } from '../../src/platform/db/db';
import { alice, bethan, cardText, createHarness, findAction, mallory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/** A small corner of Torfaen (and one school elsewhere), with strengths and coordinates. */
async function seedMatchingDirectory(db: Database): Promise<void> {
  await db.exec(`
    insert into local_authorities (code, name_en, name_cy, consortium) values
      (669, 'Carmarthenshire', 'Sir Gaerfyrddin', 'ERW'), (678, 'Torfaen', 'Tor-faen', 'EAS');
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils, latitude, longitude, capacity, open_to_requests) values
      (6784001, 'Cwmbran High School', null, 678, 'secondary', 'english', 1100, 51.6530, -3.0210, 2, true),
      (6785001, 'Croesyceiliog School', null, 678, 'secondary', 'english', 1200, 51.6660, -2.9990, 2, true),
      (6786003, 'Llantarnam School', null, 678, 'secondary', 'english', 900, 51.6400, -3.0050, 2, true),
      (6782002, 'Ysgol Gymraeg Cwmbran', null, 678, 'primary', 'welsh', 420, 51.6500, -3.0300, 2, true),
      (6787004, 'Fairwater High School', null, 678, 'secondary', 'english', 800, 51.6450, -3.0400, 2, false),
      (6692001, 'Ysgol Gymraeg Rhydaman', null, 669, 'primary', 'welsh', 310, 51.7900, -3.9900, 2, true);
    insert into school_strengths (school_id, area, description, evidence, stated_by) values
      (6785001, 'numeracy', 'Mastery maths at KS4', 'Results above family for 3 years', 'adviser'),
      (6786003, 'numeracy', 'Maths intervention', null, 'school');
  `);
}

const dafydd: TestUser = { id: 'aad-dafydd', name: 'Dafydd Adviser', tenantId: TENANT, locale: 'en-GB' };
const eleri: TestUser = { id: 'aad-eleri', name: 'Eleri Ymgynghorydd', tenantId: TENANT, locale: 'cy-GB' };
const gwen: TestUser = { id: 'aad-gwen', name: 'Gwen Other-LA Adviser', tenantId: TENANT, locale: 'en-GB' };
const carys: TestUser = { id: 'aad-carys', name: 'Carys Pennaeth', tenantId: TENANT, locale: 'en-GB' };

let h: Harness;
let planId: string;

/** Everyone has used the bot once (so it can reach them), heads are registered, advisers have their role. */
beforeEach(async () => {
  h = await createHarness({ seed: seedMatchingDirectory });
  for (const user of [alice, bethan, dafydd, eleri, gwen, carys, mallory]) await h.say(user, 'help');
  const { roles, plans } = h.runtime;
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6785001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, carys.id, 6782002, 'deputy');
  await confirmSchoolRole(h.runtime, TENANT, mallory.id, 6786003, 'other');
  await roles.grant({ tenantId: TENANT, userId: dafydd.id, role: 'adviser', laCode: 678 }, 'admin');
  await roles.grant({ tenantId: TENANT, userId: eleri.id, role: 'adviser', laCode: 678 }, 'admin');
  await roles.grant({ tenantId: TENANT, userId: gwen.id, role: 'adviser', laCode: 669 }, 'admin');
  const plan = await plans.create({ tenantId: TENANT, userId: alice.id }, 6784001);
  planId = plan.id;
  let version = 1;
  for (const [field, text] of [
    ['focus', 'KS4 maths, D to C'],
    ['need', 'Below the family of similar schools for three years'],
    ['objectives', 'Raise KS4 attainment of FSM pupils'],
    ['successCriteria', '60% of the group at C or above'],
  ] as const) {
    const saved = await plans.saveAnswer({ tenantId: TENANT, userId: alice.id }, planId, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
  await plans.saveAnswer({ tenantId: TENANT, userId: alice.id }, planId, version, 'priorityAreas', { priorityAreas: 'numeracy' });
  h.messenger.sent.splice(0);
});
afterEach(async () => {
  await h.close();
});

/** The cards proactively sent to one person's personal chat, in order. */
const sentTo = (user: TestUser): CardJson[] =>
  h.messenger.sent.filter((s) => (s.conversation.conversation as { id?: string } | undefined)?.id === `a:personal-${user.id}`).map((s) => s.message.card!);

async function latestRequest() {
  return (await h.runtime.requests.latestForPlan(planId, [TENANT]))!;
}

async function brokeredRequest(): Promise<{ adviserCard: CardJson; requestId: string }> {
  const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
  const sent = await h.press(alice, found, 'Ask my adviser to broker', { lookFurther: 'false' });
  expect(cardText(sent.invokeCard)).toContain('Sent to your advisers (2)');
  const adviserCard = sentTo(dafydd)[0]!;
  return { adviserCard, requestId: (await latestRequest()).id };
}

describe('finding a partner from a plan', () => {
  it('offers "Find a partner" on a plan with Focus, Need and Objectives, and explains each suggestion', async () => {
    const summary = (await h.execute(alice, Verbs.planOpen, { planId })).invokeCard!;
    const found = (await h.press(alice, summary, 'Find a partner')).invokeCard!;
    const text = cardText(found);
    expect(text).toContain('Suggested partners for: KS4 maths, D to C');
    expect(text).toContain('1. Croesyceiliog School');
    expect(text).toMatch(
      /strong in numeracy and mathematics, verified by an adviser, \w+ \d{4}; secondary like you; English-medium like you; [\d.]+ km away; 2 places free/,
    );
    expect(text).toContain('strong in numeracy and mathematics (the school’s own view)'); // Llantarnam, second
    expect(text.indexOf('Croesyceiliog')).toBeLessThan(text.indexOf('Llantarnam'));
    expect(text).not.toContain('Cwmbran High School'); // never the asking school
    expect(text).not.toContain('Fairwater'); // closed to requests
  });

  it('shows five at a time, with "Show more" for the next, and keeps the "look further" choice', async () => {
    await h.runtime.db.exec(`
      insert into schools (id, name_en, la_code, phase, language_medium, latitude, longitude) values
        (6788101, 'Extra School One', 678, 'secondary', 'english', 51.70, -3.05),
        (6788102, 'Extra School Two', 678, 'secondary', 'english', 51.71, -3.06),
        (6788103, 'Extra School Three', 678, 'secondary', 'english', 51.72, -3.07),
        (6788104, 'Extra School Four', 678, 'secondary', 'english', 51.73, -3.08);
    `);
    const first = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    expect(cardText(first)).toContain('among 7 schools');
    expect(cardText(first)).toContain('5. ');
    expect(cardText(first)).not.toContain('6. ');
    expect(cardText(first)).not.toMatch(/place(s)? taken|0 of/);
    const more = (await h.press(alice, first, 'Show more', { lookFurther: 'true' })).invokeCard!;
    // The first five stay, in the same order, with the next ones below them.
    for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(cardText(more)).toContain(`${n}. `);
    expect(cardText(more)).toContain('1. Croesyceiliog School');
    expect(findAction(more, 'Show more')).toBeUndefined();
    expect(JSON.stringify(more)).toContain('"id":"lookFurther","title"');
    expect(JSON.stringify(more)).toMatch(/"id":"lookFurther"[^}]*"value":"true"/);
  });

  it('shows the suggestions in Welsh to a Welsh speaker', async () => {
    await h.say(alice, 'language');
    await h.execute(alice, Verbs.setLanguage, { locale: 'cy' });
    const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    expect(cardText(found)).toContain('cryf o ran rhifedd a mathemateg, wedi');
    expect(cardText(found)).toContain('lleoedd yn rhydd: 2');
    expect(findAction(found, 'Gofyn i’m hymgynghorydd frocera')).toBeDefined();
  });

  it('does not offer it before Focus, Need and Objectives, and refuses a forged request for it', async () => {
    const fresh = await h.runtime.plans.create({ tenantId: TENANT, userId: alice.id }, 6784001);
    const summary = (await h.execute(alice, Verbs.planOpen, { planId: fresh.id })).invokeCard!;
    expect(findAction(summary, 'Find a partner')).toBeUndefined();
    expect(cardText((await h.execute(alice, Verbs.matchFind, { planId: fresh.id })).invokeCard)).toContain(
      'Fill in Focus, Need and Strategic objectives first',
    );
    expect(cardText((await h.execute(mallory, Verbs.matchFind, { planId })).invokeCard)).toContain('belongs to someone else');
  });
});

describe('a brokered request', () => {
  it('goes to every adviser for the LA; one approves inline; the supporting head accepts; the plan moves on', async () => {
    const { adviserCard, requestId } = await brokeredRequest();
    expect(sentTo(eleri)).toHaveLength(1);
    expect(sentTo(gwen)).toHaveLength(0); // another LA's adviser
    expect(cardText(sentTo(eleri)[0])).toContain('Mae Cwmbran High School yn gofyn am gymorth'); // in her language
    expect(adviserCard).toMatchObject({
      refresh: { action: { verb: Verbs.matchAdviserView, data: { requestId } }, userIds: ['29:aad-dafydd', '29:aad-eleri'] },
    });
    const adviserText = cardText(adviserCard);
    for (const part of ['KS4 maths, D to C', 'Below the family', 'Raise KS4 attainment', '60% of the group', 'verified by an adviser'])
      expect(adviserText).toContain(part);

    const approved = (await h.press(dafydd, adviserCard, 'Approve Croesyceiliog School')).invokeCard!;
    expect(cardText(approved)).toContain('Approved by Dafydd Adviser: Croesyceiliog School has been asked.');
    expect(findAction(approved, 'Approve Croesyceiliog School')).toBeUndefined();

    // Eleri's card refreshes to the current state.
    const refreshed = (await h.execute(eleri, Verbs.matchAdviserView, { requestId })).invokeCard!;
    expect(cardText(refreshed)).toContain('Wedi’i gymeradwyo gan Dafydd Adviser');

    const schoolCard = sentTo(bethan)[0]!;
    expect(cardText(schoolCard)).toContain('Mae Cwmbran High School yn gofyn a all eich ysgol chi ei chefnogi');
    expect(cardText(sentTo(alice)[0])).toContain('Approved by Dafydd Adviser');

    const accepted = (await h.press(bethan, schoolCard, 'Derbyn')).invokeCard!;
    expect(cardText(accepted)).toContain('Bydd Croesyceiliog School yn cefnogi Cwmbran High School');
    const joint = sentTo(alice).at(-1)!;
    expect(cardText(joint)).toContain('Croesyceiliog School will support Cwmbran High School');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))!.status).toBe('supportUnderWay');
    expect((await h.runtime.requests.loadBySchool()).get(6785001)).toBe(1);

    const audit = await h.runtime.audit.forSubject('supportRequest', requestId);
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ['request.askBroker', alice.id],
      ['request.approve', dafydd.id],
      ['request.accept', bethan.id],
    ]);
    expect(audit[1]!.cardVersion).toBe(1);
    expect(audit[2]!.cardVersion).toBe(2);

    // Marking the support done frees the place again.
    await h.press(alice, joint, 'Mark the support done');
    expect((await h.runtime.requests.loadBySchool()).get(6785001)).toBeUndefined();
  });

  it('lets exactly one of two advisers clicking at once win; the other sees who approved', async () => {
    const { adviserCard, requestId } = await brokeredRequest();
    const approve = findAction(adviserCard, 'Approve Croesyceiliog School')!.data as Record<string, unknown>;
    const choose = { ...approve, schoolId: '6782002' }; // Eleri picks Ysgol Gymraeg Cwmbran at the same moment
    const [one, two] = await Promise.all([h.execute(dafydd, Verbs.matchApprove, approve), h.execute(eleri, Verbs.matchApprove, choose)]);
    const texts = [cardText(one.invokeCard), cardText(two.invokeCard)];
    const request = await latestRequest();
    expect(request.state).toBe('awaitingSchool');
    const winner = request.decidedBy === dafydd.id ? 0 : 1;
    expect(texts[winner]).toMatch(/Approved\. The head of|Wedi’i gymeradwyo\. Gofynnwyd/);
    expect(texts[1 - winner]).toMatch(/already decided|eisoes wedi penderfynu/);
    expect(texts[1 - winner]).toContain(winner === 0 ? 'Dafydd Adviser' : 'Eleri Ymgynghorydd');
    const approvals = (await h.runtime.audit.forSubject('supportRequest', requestId)).filter((a) => a.action === 'request.approve');
    expect(approvals).toHaveLength(1);
    // Exactly one school was asked, once.
    expect(sentTo(bethan).length + sentTo(carys).length).toBe(1);
    expect(request.chosenSchoolId).toBe(winner === 0 ? 6785001 : 6782002);
  });

  it('does nothing twice on a second click of the same button', async () => {
    const { adviserCard, requestId } = await brokeredRequest();
    await h.press(dafydd, adviserCard, 'Approve Croesyceiliog School');
    const again = (await h.press(dafydd, adviserCard, 'Approve Croesyceiliog School')).invokeCard!;
    expect(cardText(again)).toContain('Approved by Dafydd Adviser');
    expect(sentTo(bethan)).toHaveLength(1);
    expect((await h.runtime.audit.forSubject('supportRequest', requestId)).filter((a) => a.action === 'request.approve')).toHaveLength(1);
    const schoolCard = sentTo(bethan)[0]!;
    await h.press(bethan, schoolCard, 'Derbyn');
    await h.press(bethan, schoolCard, 'Derbyn');
    expect((await h.runtime.audit.forSubject('supportRequest', requestId)).filter((a) => a.action === 'request.accept')).toHaveLength(1);
    expect(sentTo(alice).filter((c) => cardText(c).includes('will support'))).toHaveLength(1);
  });

  it('refuses forged and misdirected actions, whatever the payload says', async () => {
    const { adviserCard, requestId } = await brokeredRequest();
    const approve = findAction(adviserCard, 'Approve Croesyceiliog School')!.data as Record<string, unknown>;
    for (const user of [mallory, alice, bethan, gwen]) {
      const reply = await h.execute(user, Verbs.matchApprove, approve);
      expect(cardText(reply.invokeCard)).toMatch(/Only an adviser for this school’s local authority|Dim ond ymgynghorydd ar gyfer awdurdod lleol/);
    }
    expect(cardText((await h.execute(mallory, Verbs.matchAdviserView, { requestId })).invokeCard)).not.toContain('KS4 maths');
    expect(cardText((await h.execute(mallory, Verbs.matchWithdraw, { requestId, version: 1 })).invokeCard)).toContain('not yours to answer');
    expect(cardText((await h.execute(dafydd, Verbs.matchApprove, { ...approve, requestId: 'not-a-uuid' })).invokeCard)).toContain('could not be read');
    expect((await latestRequest()).state).toBe('awaitingAdviser');

    await h.press(dafydd, adviserCard, 'Approve Croesyceiliog School');
    // Only the head or deputy of the school asked may accept: not Mallory (staff there in name only), not another head.
    for (const user of [mallory, carys, alice]) {
      expect(cardText((await h.execute(user, Verbs.matchAccept, { requestId, version: 2 })).invokeCard)).toMatch(/not yours to answer|Nid chi sydd i ateb/);
    }
    expect((await latestRequest()).state).toBe('awaitingSchool');
  });

  it('cannot be approved once withdrawn', async () => {
    const { adviserCard } = await brokeredRequest();
    const status = (await h.execute(alice, Verbs.matchStatus, { requestId: (await latestRequest()).id })).invokeCard!;
    const withdrawn = (await h.press(alice, status, 'Withdraw the request')).invokeCard!;
    expect(cardText(withdrawn)).toContain('Request withdrawn.');
    const late = (await h.press(dafydd, adviserCard, 'Approve Croesyceiliog School')).invokeCard!;
    expect(cardText(late)).toContain('no longer waiting');
    expect((await latestRequest()).state).toBe('withdrawn');
    expect(sentTo(bethan)).toHaveLength(0);
  });

  it('is declined by an adviser only with a reason; the requester is told and offered schools to ask', async () => {
    const { adviserCard } = await brokeredRequest();
    const empty = (await h.press(dafydd, adviserCard, 'Decline', { reason: '  ' })).invokeCard!;
    expect(cardText(empty)).toContain('Please give a short reason');
    const declined = (await h.press(dafydd, adviserCard, 'Decline', { reason: 'Work with the cluster first' })).invokeCard!;
    expect(cardText(declined)).toContain('Declined by Dafydd Adviser: Work with the cluster first');
    const told = sentTo(alice).at(-1)!;
    expect(cardText(told)).toContain('Declined by Dafydd Adviser');
    expect(findAction(told, 'Ask Croesyceiliog School instead')).toBeDefined();
  });

  /** Teams does not take the next card the bot answers with (the connector fails once), as after a decision is stored. */
  function failNextCardAnswer(): void {
    const adapter = h.adapter;
    const send = adapter.sendActivities.bind(adapter);
    let failed = false;
    adapter.sendActivities = async (context, activities) => {
      if (!failed && activities.some((a) => a.type === 'invokeResponse')) {
        failed = true;
        throw new Error('connector unavailable (test)');
      }
      return send(context, activities);
    };
  }

  it('says an adviser’s decision was recorded when the updated card could not be sent, never that nothing changed', async () => {
    for (const [button, inputs, state] of [
      ['Approve Croesyceiliog School', {}, 'awaitingSchool'],
      ['Decline', { reason: 'Work with the cluster first' }, 'declined'],
    ] as const) {
      const { adviserCard } = await brokeredRequest();
      failNextCardAnswer();
      const reply = await h.press(dafydd, adviserCard, button, inputs);
      expect((await latestRequest()).state).toBe(state);
      expect(cardText(reply.invokeCard)).toContain('Your decision was recorded, but something went wrong on my side before I could show the updated card.');
      expect(cardText(reply.invokeCard)).not.toContain('nothing was changed');
      // Opened again, the card shows the decision, and no second one is made.
      const again = (await h.press(dafydd, adviserCard, button, inputs)).invokeCard!;
      expect(cardText(again)).toContain(state === 'declined' ? 'Declined by Dafydd Adviser' : 'Approved by Dafydd Adviser');
      await h.execute(alice, Verbs.matchWithdraw, { requestId: (await latestRequest()).id, version: (await latestRequest()).version });
      h.messenger.sent.splice(0);
      h.clock.advanceDays(1); // the next request is the plan's latest
    }
  });

  it('says so on the Action.Submit fallback too, where the card goes out as a new message', async () => {
    const { adviserCard } = await brokeredRequest();
    const approve = findAction(adviserCard, 'Approve Croesyceiliog School')!.data as Record<string, unknown>;
    const adapter = h.adapter;
    const send = adapter.sendActivities.bind(adapter);
    let failed = false;
    adapter.sendActivities = async (context, activities) => {
      if (!failed && activities.some((a) => (a.attachments ?? []).length > 0)) {
        failed = true;
        throw new Error('connector unavailable (test)');
      }
      return send(context, activities);
    };
    const reply = await h.activity(dafydd, { type: 'message', value: { verb: Verbs.matchApprove, ...approve } });
    expect((await latestRequest()).state).toBe('awaitingSchool');
    expect(cardText(reply.cards[0])).toContain('Your decision was recorded');
  });

  it('still says nothing was changed when the failure came before anything was stored', async () => {
    const { adviserCard } = await brokeredRequest();
    failNextCardAnswer();
    const reply = await h.press(dafydd, adviserCard, 'Decline', { reason: '  ' });
    expect(cardText(reply.invokeCard)).toContain('nothing was changed');
    expect((await latestRequest()).state).toBe('awaitingAdviser');
  });

  it('lets an adviser choose another school from the directory', async () => {
    const { adviserCard } = await brokeredRequest();
    const searched = (await h.press(dafydd, adviserCard, 'Search', { query: 'llantarnam' })).invokeCard!;
    expect(cardText(searched)).toContain('Llantarnam School (Torfaen)');
    const other = (await h.press(dafydd, adviserCard, 'Search', { query: 'Ysgol Gymraeg Cwmbran' })).invokeCard!;
    const approved = (await h.press(dafydd, other, 'Approve the chosen school', { otherSchoolId: '6782002' })).invokeCard!;
    expect(cardText(approved)).toContain('Approved by Dafydd Adviser: Ysgol Gymraeg Cwmbran has been asked.');
    expect(sentTo(carys)).toHaveLength(1);
  });
});

describe('advisers assigned to named schools', () => {
  it('sends a brokered request to the school’s own adviser when an admin has assigned one, and lets them approve', async () => {
    // Gwen covers Carmarthenshire, and Cwmbran High School by name: she, not the Torfaen advisers, gets the request.
    await h.runtime.roles.grant({ tenantId: TENANT, userId: gwen.id, role: 'adviser', laCode: null, schoolId: 6784001 }, 'admin');
    const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    const sent = await h.press(alice, found, 'Ask my adviser to broker', { lookFurther: 'false' });
    expect(cardText(sent.invokeCard)).toContain('Sent to your advisers (1)');
    expect(sentTo(dafydd)).toHaveLength(0);
    const card = sentTo(gwen)[0]!;
    const approved = (await h.press(gwen, card, 'Approve Croesyceiliog School')).invokeCard!;
    expect(cardText(approved)).toContain('Approved by Gwen Other-LA Adviser');
    expect((await latestRequest()).state).toBe('awaitingSchool');
    // Her caseload is that school alone, not the rest of Torfaen.
    expect(await h.runtime.roles.holds(TENANT, gwen.id, 'adviser', 678, 6785001)).toBe(false);
    expect((await h.runtime.roles.holders([TENANT], 'adviser', 678, 6785001)).map((p) => p.userId)).toEqual([dafydd.id, eleri.id]);
  });
});

describe('asking a school directly', () => {
  async function askBethan(): Promise<CardJson> {
    const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    const croesyceiliog = (found.body as Record<string, unknown>[]).findIndex((b) => JSON.stringify(b).includes('Croesyceiliog'));
    expect(croesyceiliog).toBeGreaterThan(0);
    const ask = await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6785001', lookFurther: 'false' });
    expect(cardText(ask.invokeCard)).toContain('Sent to the head of Croesyceiliog School');
    return sentTo(bethan)[0]!;
  }

  it('sends the head the Focus, Need, objectives, success criteria and time asked; a decline tells the requester and offers the next school', async () => {
    const card = await askBethan();
    const text = cardText(card);
    for (const part of [
      'Ffocws',
      'KS4 maths, D to C',
      'Angen',
      'Amcanion strategol',
      'Meini prawf llwyddiant',
      '60% of the group',
      'Gofynnwyd ar',
      '7 Medi 2026',
    ])
      expect(text).toContain(part);
    const declined = (await h.press(bethan, card, 'Gwrthod', { reason: 'Dim lle y tymor hwn' })).invokeCard!;
    expect(cardText(declined)).toContain('Gwrthododd Croesyceiliog School (Bethan Pennaeth): Dim lle y tymor hwn');
    const told = sentTo(alice).at(-1)!;
    expect(cardText(told)).toContain('Croesyceiliog School declined (Bethan Pennaeth): Dim lle y tymor hwn');
    expect(findAction(told, 'Ask Croesyceiliog School instead')).toBeUndefined(); // already asked
    expect(findAction(told, 'Ask Llantarnam School instead')).toBeDefined();
  });

  it('lets the head suggest a colleague school: the request moves there and the requester is told', async () => {
    const card = await askBethan();
    const searched = (await h.press(bethan, card, 'Chwilio', { query: 'Ysgol Gymraeg Cwmbran' })).invokeCard!;
    const moved = (await h.press(bethan, searched, 'Awgrymu’r ysgol hon', { otherSchoolId: '6782002' })).invokeCard!;
    expect(cardText(moved)).toContain('Wedi’i drosglwyddo i Ysgol Gymraeg Cwmbran');
    expect(findAction(moved, 'Derbyn')).toBeUndefined(); // no longer Bethan's to answer
    expect(sentTo(carys)).toHaveLength(1);
    expect(cardText(sentTo(alice).at(-1))).toContain('Waiting for Ysgol Gymraeg Cwmbran to answer.');
    // Bethan can no longer accept; Carys (deputy) can.
    expect(cardText((await h.execute(bethan, Verbs.matchAccept, { requestId: (await latestRequest()).id, version: 2 })).invokeCard)).toContain(
      'Nid chi sydd i ateb',
    );
    await h.press(carys, sentTo(carys)[0]!, 'Accept');
    expect((await latestRequest()).state).toBe('accepted');
  });

  it('names every school in the reader’s language: no English name on a Welsh card for a school with a Welsh name', async () => {
    await h.runtime.db.exec(`
      update schools set name_cy = 'Ysgol Uwchradd Cwmbrân' where id = 6784001;
      update schools set name_cy = 'Ysgol Croesyceiliog' where id = 6785001;
      update schools set name_cy = 'Ysgol Llantarnam' where id = 6786003;
    `);
    const ask = await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6785001', lookFurther: 'false' });
    expect(cardText(ask.invokeCard)).toContain('Sent to the head of Croesyceiliog School'); // English for Alice
    const card = sentTo(bethan)[0]!;
    expect(cardText(card)).toContain('Mae Ysgol Uwchradd Cwmbrân yn gofyn a all eich ysgol chi ei chefnogi');
    // Bethan suggests a colleague school where nobody uses the bot yet: the request is held there, named in Welsh.
    const searched = (await h.press(bethan, card, 'Chwilio', { query: 'Llantarnam' })).invokeCard!;
    const passed = (await h.press(bethan, searched, 'Awgrymu’r ysgol hon', { otherSchoolId: '6786003' })).invokeCard!;
    expect(cardText(passed)).toContain('Wedi’i drosglwyddo i Ysgol Llantarnam. Does neb oddi yno yn defnyddio Cydweithio eto');
    expect(cardText(sentTo(alice).at(-1))).toContain('Nobody from Llantarnam School uses Cydweithio yet, so your request is kept for them');
    for (const welshCard of [card, searched, passed]) {
      for (const english of ['Cwmbran High School', 'Croesyceiliog School', 'Llantarnam School'])
        expect({ english, shown: cardText(welshCard).includes(english) }).toEqual({ english, shown: false });
    }
  });

  it('ends a sentence once after a name that ends in a full stop, in English and in Welsh', async () => {
    await h.runtime.db.exec(`update schools set name_en = 'Croesyceiliog R.C.' where id = 6785001`);
    const ask = cardText((await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6785001', lookFurther: 'false' })).invokeCard);
    expect(ask).toContain('Sent to the head of Croesyceiliog R.C. I will tell you');
    expect(ask).not.toContain('R.C..');
    const first = await latestRequest();
    await h.execute(alice, Verbs.matchWithdraw, { requestId: first.id, version: String(first.version) });
    await h.execute(alice, Verbs.setLanguage, { locale: 'cy' });
    const welsh = cardText((await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6785001', lookFurther: 'false' })).invokeCard);
    expect(welsh).toContain('Wedi’i anfon at bennaeth Croesyceiliog R.C. Bydda i’n');
    expect(welsh).not.toContain('R.C..');
  });

  it('refuses a closed school, the asking school itself, and a second open request for the same plan', async () => {
    expect(cardText((await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6787004' })).invokeCard)).toContain('cannot take a request just now');
    expect(cardText((await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6784001' })).invokeCard)).toContain('cannot take a request just now');
    await askBethan();
    const twice = await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6782002' });
    expect(cardText(twice.invokeCard)).toContain('already has a request waiting');
    expect(sentTo(carys)).toHaveLength(0);
  });

  it('reminds the head once after 5 working days, then tells the requester and offers the next school', async () => {
    const card = await askBethan();
    const requestId = (await latestRequest()).id;
    h.clock.advanceDays(6); // Monday 7 Sept + 6 days: Sunday, not yet 5 working days
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0);
    h.clock.advanceDays(1); // Monday 14 Sept 09:00: 5 working days
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(1);
    expect(sentTo(bethan)).toHaveLength(2);
    expect(cardText(sentTo(bethan)[1])).toContain('Nodyn atgoffa: mae’r cais hwn wedi bod yn aros ers 7 Medi 2026');
    h.clock.advanceDays(7);
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(1);
    const told = sentTo(alice).at(-1)!;
    expect(cardText(told)).toContain('Croesyceiliog School has not answered since 7 September 2026');
    h.clock.advanceDays(30);
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0); // once each

    // Asking the next school instead moves the request and starts the wait again.
    const moved = (await h.press(alice, told, 'Ask Ysgol Gymraeg Cwmbran instead')).invokeCard!;
    expect(cardText(moved)).toContain('Waiting for Ysgol Gymraeg Cwmbran to answer.');
    expect(sentTo(carys)).toHaveLength(1);
    expect(cardText((await h.press(bethan, card, 'Derbyn')).invokeCard)).toContain('Nid chi sydd i ateb');
    expect((await h.runtime.audit.forSubject('supportRequest', requestId)).map((a) => a.action)).toEqual([
      'request.askDirect',
      'request.escalated',
      'request.askInstead',
    ]);
  });

  it('does not count school holidays as working days while a request waits', async () => {
    // Half term, Monday 7 to Friday 11 September (asked on the Monday at 09:00): the wait starts after it.
    await h.runtime.fadeStore.cycles.addHolidays(TENANT, ['2026-09-08', '2026-09-09', '2026-09-10', '2026-09-11'], 'half term');
    await askBethan();
    h.clock.advanceDays(7); // Monday 14 Sept: only 1 working day has passed
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0);
    h.clock.advanceDays(3); // Thursday 17 Sept: 4
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0);
    h.clock.advanceDays(1); // Friday 18 Sept: 5 working days
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(1);
  });

  it('sends no reminder once the head has answered', async () => {
    const card = await askBethan();
    await h.press(bethan, card, 'Derbyn');
    h.clock.advanceDays(30);
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0);
  });
});

describe('my requests: one card listing a person’s requests', () => {
  let readingPlanId: string;
  let readingRequestId: string;
  let brokeredRequestId: string;

  /** The "Open" button of the row that mentions `needle` (a school or a focus). */
  function rowAction(card: CardJson, needle: string): { verb: string; data: Record<string, unknown> } {
    let found: { verb: string; data: Record<string, unknown> } | undefined;
    const walk = (node: unknown) => {
      if (found || !node || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach(walk);
      const obj = node as Record<string, unknown>;
      if (obj.type === 'Container' && Array.isArray(obj.items) && cardText({ items: obj.items }).includes(needle)) {
        const set = (obj.items as Record<string, unknown>[]).find((i) => i.type === 'ActionSet');
        const action = (set?.actions as Record<string, unknown>[] | undefined)?.[0];
        if (action?.type === 'Action.Execute') found = { verb: action.verb as string, data: action.data as Record<string, unknown> };
      }
      Object.values(obj).forEach(walk);
    };
    walk(card);
    if (!found) throw new Error(`no row mentioning "${needle}" with a button on the card:\n${cardText(card)}`);
    return found;
  }

  const list = async (user: TestUser, command = 'my requests'): Promise<CardJson> => {
    const reply = await h.say(user, command);
    expect(reply.cards).toHaveLength(1);
    return reply.cards[0]!;
  };
  const inWelsh = (user: TestUser) => h.execute(user, Verbs.setLanguage, { locale: 'cy' });
  const inEnglish = (user: TestUser) => h.execute(user, Verbs.setLanguage, { locale: 'en' });

  /** Alice has two requests: the maths plan brokered (waiting for an adviser), a reading plan asked of Bethan's school directly. */
  beforeEach(async () => {
    const found = (await h.execute(alice, Verbs.matchFind, { planId })).invokeCard!;
    await h.press(alice, found, 'Ask my adviser to broker', { lookFurther: 'false' });
    brokeredRequestId = (await latestRequest()).id;

    const owner = { tenantId: TENANT, userId: alice.id };
    const reading = await h.runtime.plans.create(owner, 6784001);
    readingPlanId = reading.id;
    let version = reading.version;
    for (const [field, text] of [
      ['focus', 'Reading ages at KS3'],
      ['need', 'A third of Year 7 read below their age'],
      ['objectives', 'Literacy across the curriculum, in the school development plan'],
    ] as const) {
      const saved = await h.runtime.plans.saveAnswer(owner, readingPlanId, version, field, { text });
      if (saved.kind === 'ok') version = saved.value.plan.version;
    }
    h.clock.advanceMs(60 * 60_000);
    const asked = await h.execute(alice, Verbs.matchAskDirect, { planId: readingPlanId, schoolId: '6785001', lookFurther: 'false' });
    expect(cardText(asked.invokeCard)).toContain('Sent to the head of Croesyceiliog School');
    readingRequestId = (await h.runtime.requests.latestForPlan(readingPlanId, [TENANT]))!.id;
  });

  it('shows the requester both her requests, still waiting, in English and in Welsh; each opens her own request card', async () => {
    const card = await list(alice);
    const text = cardText(card);
    expect(text).toContain('My requests for support');
    expect(text).toContain('Your requests to other schools');
    expect(text).toContain('School asked: Croesyceiliog School\nReading ages at KS3\nWaiting for the school’s answer · Asked on 7 September 2026');
    expect(text).toContain('School asked: not chosen yet\nKS4 maths, D to C\nWaiting for an adviser to choose a partner · Asked on 7 September 2026');
    // As head of Cwmbran High School she sees the requests to her school too: none. Not an adviser: no adviser list.
    expect(text).toContain('Requests to your school\nNo request is waiting for your school’s answer just now.');
    expect(text).not.toContain('Brokered requests waiting for your decision');

    const opened = await h.execute(alice, rowAction(card, 'Reading ages at KS3').verb, rowAction(card, 'Reading ages at KS3').data);
    expect(rowAction(card, 'Reading ages at KS3').data).toEqual({ requestId: readingRequestId });
    expect(cardText(opened.invokeCard)).toContain('Your request for support');
    expect(cardText(opened.invokeCard)).toContain('Waiting for Croesyceiliog School to answer.');
    expect(findAction(opened.invokeCard!, 'Withdraw the request')).toBeDefined();
    expect(rowAction(card, 'KS4 maths').data).toEqual({ requestId: brokeredRequestId });

    await inWelsh(alice);
    const welsh = cardText(await list(alice, 'fy ngheisiadau'));
    expect(welsh).toContain('Fy ngheisiadau am gymorth');
    expect(welsh).toContain('Eich ceisiadau i ysgolion eraill');
    expect(welsh).toContain('Ysgol y gofynnwyd iddi: Croesyceiliog School\nReading ages at KS3\nYn aros am ateb yr ysgol · Gofynnwyd ar 7 Medi 2026');
    expect(welsh).toContain('Ysgol y gofynnwyd iddi: heb ei dewis eto\nKS4 maths, D to C\nYn aros i ymgynghorydd ddewis partner');
    expect(welsh).toContain('Ceisiadau i’ch ysgol\nDoes dim cais yn aros am ateb eich ysgol ar hyn o bryd.');
    expect(welsh).not.toContain('Waiting');
  });

  it('shows the supporting head the request to her school, in Welsh and in English; its button opens the card to answer it', async () => {
    const card = await list(bethan, 'fy ngheisiadau');
    const text = cardText(card);
    expect(text).toContain('Ceisiadau i’ch ysgol\nOddi wrth: Cwmbran High School\nReading ages at KS3\nYn aros am ateb eich ysgol · Gofynnwyd ar 7 Medi 2026');
    expect(text).not.toContain('KS4 maths'); // brokered, not put to her school
    expect(text).toContain('Dydych chi ddim wedi gofyn i ysgol arall am gymorth eto.');

    const row = rowAction(card, 'Reading ages at KS3');
    expect(row).toEqual({ verb: Verbs.matchSchoolView, data: { requestId: readingRequestId } });
    const schoolCard = (await h.execute(bethan, row.verb, row.data)).invokeCard!;
    expect(cardText(schoolCard)).toContain('Mae Cwmbran High School yn gofyn a all eich ysgol chi ei chefnogi');
    // Accepted the next day, late in the evening: 23:30 UTC is already 9 September in Wales (BST).
    h.clock.set('2026-09-08T23:30:00Z');
    await h.press(bethan, schoolCard, 'Derbyn');
    expect(cardText(await list(bethan, 'fy ngheisiadau'))).toContain(
      'Oddi wrth: Cwmbran High School\nReading ages at KS3\nWedi’i dderbyn: cymorth ar y gweill · Gofynnwyd ar 7 Medi 2026, newid diwethaf 9 Medi 2026',
    );

    await inEnglish(bethan);
    const english = cardText(await list(bethan));
    expect(english).toContain(
      'Requests to your school\nFrom: Cwmbran High School\nReading ages at KS3\nAccepted: support under way · Asked on 7 September 2026, last change 9 September 2026',
    );
    expect(english).toContain('You have not asked another school for support yet.');
    expect(cardText(await list(alice))).toContain(
      'School asked: Croesyceiliog School\nReading ages at KS3\nAccepted: support under way · Asked on 7 September 2026, last change 9 September 2026',
    );
  });

  it('shows an adviser the brokered requests waiting for a decision from their schools, in English and in Welsh', async () => {
    const card = await list(dafydd);
    const text = cardText(card);
    expect(text).toContain(
      'Brokered requests waiting for your decision\nFrom: Cwmbran High School\nKS4 maths, D to C\nWaiting for an adviser to choose a partner · Asked on 7 September 2026',
    );
    expect(text).not.toContain('Reading ages'); // asked directly: no adviser decides it
    expect(text).not.toContain('Requests to your school'); // he leads no school
    expect(text).toContain('You have not asked another school for support yet.');

    const welsh = cardText(await list(eleri, 'fy ngheisiadau'));
    expect(welsh).toContain(
      'Ceisiadau i’w brocera sy’n aros am eich penderfyniad\nOddi wrth: Cwmbran High School\nKS4 maths, D to C\nYn aros i ymgynghorydd ddewis partner · Gofynnwyd ar 7 Medi 2026',
    );
    // Gwen advises Carmarthenshire only.
    expect(cardText(await list(gwen))).toContain(
      'Brokered requests waiting for your decision\nNo brokered request from your schools is waiting for a decision just now.',
    );

    const row = rowAction(card, 'KS4 maths');
    expect(row).toEqual({ verb: Verbs.matchAdviserView, data: { requestId: brokeredRequestId } });
    const adviserCard = (await h.execute(dafydd, row.verb, row.data)).invokeCard!;
    await h.press(dafydd, adviserCard, 'Approve Croesyceiliog School');
    // Decided: it leaves the adviser's list; "Refresh" on the old card shows that.
    const refreshed = (await h.press(dafydd, card, 'Refresh')).invokeCard!;
    expect(cardText(refreshed)).toContain(
      'Brokered requests waiting for your decision\nNo brokered request from your schools is waiting for a decision just now.',
    );
    expect(cardText(await list(eleri, 'fy ngheisiadau'))).toContain('Does dim cais gan eich ysgolion yn aros i chi ei frocera ar hyn o bryd.');
  });

  it('tells someone with no requests so, politely, in English and in Welsh', async () => {
    const text = cardText(await list(carys));
    expect(text).toContain('You have not asked another school for support yet. Open a plan and choose "Find a partner" when you are ready.');
    expect(text).toContain('Requests to your school\nNo request is waiting for your school’s answer just now.');
    expect(findAction(await list(carys), 'Open')).toBeUndefined();
    // Mallory works at a school but does not lead it: only her own requests are listed.
    const mallorys = cardText(await list(mallory));
    expect(mallorys).toContain('You have not asked another school for support yet.');
    expect(mallorys).not.toContain('Requests to your school');
    await inWelsh(carys);
    const welsh = cardText(await list(carys, 'fy ngheisiadau'));
    expect(welsh).toContain('Dydych chi ddim wedi gofyn i ysgol arall am gymorth eto.');
    expect(welsh).toContain('Does dim cais yn aros am ateb eich ysgol ar hyn o bryd.');
  });

  it('never shows a school’s requests to another school or another tenant, and their buttons do nothing for anyone else', async () => {
    const ffion: TestUser = { id: 'aad-ffion', name: 'Ffion Other Tenant', tenantId: '99999999-2222-3333-4444-555555555555', locale: 'en-GB' };
    await h.say(ffion, 'help');
    // The same school and role as Bethan, in another tenant.
    await confirmSchoolRole(h.runtime, ffion.tenantId, ffion.id, 6785001, 'headteacher');
    for (const user of [carys, mallory, ffion, gwen]) {
      const text = cardText(await list(user));
      for (const other of ['Reading ages', 'KS4 maths', 'Cwmbran High School', 'Croesyceiliog School'])
        expect({ user: user.id, other, shown: text.includes(other) }).toEqual({ user: user.id, other, shown: false });
    }
    // Buttons from the others' lists, pressed by someone else, are refused by the views they open.
    const bethansRow = rowAction(await list(bethan), 'Reading ages at KS3');
    const alicesRow = rowAction(await list(alice), 'Reading ages at KS3');
    const dafyddsRow = rowAction(await list(dafydd), 'KS4 maths');
    const refusals: [TestUser, { verb: string; data: Record<string, unknown> }, string][] = [
      [carys, bethansRow, 'This request is not yours to answer.'],
      [bethan, alicesRow, 'Nid chi sydd i ateb y cais hwn.'],
      [gwen, dafyddsRow, 'Only an adviser for this school’s local authority can decide this request.'],
      [ffion, bethansRow, 'I could not find that request.'],
    ];
    for (const [user, row, message] of refusals) {
      const text = cardText((await h.execute(user, row.verb, row.data)).invokeCard);
      expect(text).toContain(message);
      expect(text).not.toMatch(/Reading ages|KS4 maths/);
    }
  });

  it('keeps requests to our personal chat', async () => {
    const reply = await h.say(alice, 'my requests', { id: '19:group-chat', conversationType: 'groupChat', isGroup: true });
    expect(cardText(reply.cards[0])).toContain('Requests for support are private, so I list them only in our personal chat.');
    expect(cardText(reply.cards[0])).not.toContain('Reading ages');
  });
});
