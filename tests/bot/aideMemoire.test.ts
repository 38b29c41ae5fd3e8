import { Verbs } from '../../src/platform/cards/verbs';
import type { CardJson } from '../../src/platform/cards/render';
import { LIMITS } from '../../src/features/plans/plan';
import { createRuntime } from '../../src/compose';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/platform/log';
import { DELETED_PERSON_ID } from '../../src/features/privacy/repository';
import { alice, bethan, cardText, createHarness, findAction, mallory, TENANT, type Harness } from '../support/harness';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

/** Registers Alice at Cwmbran High and returns the Focus card of a new plan. */
async function registeredWithNewPlan(user = alice, school = 'Cwmbran High'): Promise<CardJson> {
  const start = await h.say(user, user === bethan ? 'cynllun newydd' : 'new plan');
  const onboarding = start.cards[0];
  const search = await h.press(user, onboarding, user === bethan ? 'Chwilio' : 'Search', { query: school });
  const results = search.invokeCard!;
  const schoolId = String((JSON.stringify(results).match(/"value":"(\d{7})"/) ?? [])[1]);
  const confirmed = await h.press(user, results, user === bethan ? 'Dyma fy ysgol' : 'This is my school', { query: school, schoolId, role: 'headteacher' });
  return confirmed.invokeCard!;
}

const planIdOf = (card: CardJson) =>
  String(
    (findAction(card, 'Save and continue') ?? findAction(card, 'Cadw a pharhau'))?.data &&
      ((findAction(card, 'Save and continue') ?? findAction(card, 'Cadw a pharhau'))!.data as { planId: string }).planId,
  );

describe('first contact', () => {
  it('welcomes a user who installs the bot, with the same choices as buttons', async () => {
    const reply = await h.activity(alice, { type: 'conversationUpdate', membersAdded: [{ id: '28:cydweithio-bot', name: 'Cydweithio' }] });
    expect(reply.cards).toHaveLength(1);
    const text = cardText(reply.cards[0]);
    expect(text).toContain('Welcome to Cydweithio');
    for (const title of ['New plan', 'My plans', 'Cymraeg / English', 'Help']) expect(findAction(reply.cards[0], title)).toBeDefined();
  });

  it('answers help and cymorth in the right language', async () => {
    expect(cardText((await h.say(alice, 'help')).cards[0])).toContain('What I can do');
    expect(cardText((await h.say(bethan, 'cymorth')).cards[0])).toContain('Beth alla i ei wneud');
  });

  it('answers words that point to no command with the help card, without saying it did not understand', async () => {
    const reply = await h.say(alice, 'make me a sandwich');
    expect(cardText(reply.cards[0])).toContain('Here is what I can do.');
    expect(cardText(reply.cards[0])).not.toMatch(/didn.t understand/);
  });

  it('asks which school the user leads before the first plan, and records it as a claim to be confirmed', async () => {
    const start = await h.say(alice, 'new plan');
    expect(cardText(start.cards[0])).toContain('which school do you lead');
    const tooShort = await h.press(alice, start.cards[0], 'Search', { query: 'Cw' });
    expect(cardText(tooShort.invokeCard)).toContain('at least 3 letters');
    const none = await h.press(alice, start.cards[0], 'Search', { query: 'Hogwarts' });
    expect(cardText(none.invokeCard)).toContain('No school matched "Hogwarts"');
    const found = await h.press(alice, start.cards[0], 'Search', { query: 'cwmbran' });
    expect(cardText(found.invokeCard)).toContain('Cwmbran High School (Torfaen)');
    expect(cardText(found.invokeCard)).toContain('Ysgol Gymraeg Cwmbran (Torfaen)');

    const noChoice = await h.press(alice, found.invokeCard!, 'This is my school', { query: 'cwmbran', role: 'headteacher' });
    expect(cardText(noChoice.invokeCard)).toContain('Please choose your school');
    expect(cardText(noChoice.invokeCard)).toContain('Cwmbran High School'); // the results are still there

    const focus = await h.press(alice, found.invokeCard!, 'This is my school', { query: 'cwmbran', schoolId: '6784001', role: 'headteacher' });
    expect(cardText(focus.invokeCard)).toContain(
      'You have asked to be confirmed as Headteacher at Cwmbran High School. We have asked an administrator to confirm it.',
    );
    expect(cardText(focus.invokeCard)).toContain('Focus');
    // Claimed, not granted: the role waits for someone who knows to confirm it; the private plan is for that school.
    const user = await h.runtime.users.get(alice.tenantId, alice.id);
    expect(user).toMatchObject({ schoolId: null, schoolRole: null, displayName: 'Alice Head' });
    expect(await h.runtime.claims.pendingOf(alice.tenantId, alice.id)).toMatchObject({ schoolId: 6784001, role: 'headteacher', status: 'pending' });
    expect((await h.runtime.plans.list({ tenantId: alice.tenantId, userId: alice.id })).map((p) => p.schoolId)).toEqual([6784001]);
  });

  it('keeps plans to personal chat', async () => {
    const reply = await h.say(alice, 'new plan', { id: '19:channel@thread.tacv2', conversationType: 'channel' });
    expect(cardText(reply.cards[0])).toContain('Plans are private');
  });
});

describe('planning with the aide-memoire', () => {
  it('saves each answer as it is submitted and walks Focus → Need → Strategic objectives to the summary', async () => {
    const focus = await registeredWithNewPlan();
    expect(cardText(focus)).toContain('What is the focus of the school-to-school support?');
    expect(findAction(focus, 'Show example')).toMatchObject({ type: 'Action.ToggleVisibility', targetElements: ['example'] });
    const planId = planIdOf(focus);

    const need = (await h.press(alice, focus, 'Save and continue', { text: 'KS4 maths, D to C' })).invokeCard!;
    expect(cardText(need)).toContain('Why is support sought?');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers).toEqual({ focus: 'KS4 maths, D to C' });

    const objectives = (await h.press(alice, need, 'Save and continue', { text: 'Below the family for 3 years' })).invokeCard!;
    const criteria = (await h.press(alice, objectives, 'Save and continue', { text: 'Raise FSM attainment at KS4' })).invokeCard!;
    expect(cardText(criteria)).toContain('Added by Cydweithio');
    const summary = (await h.press(alice, criteria, 'Summary', { text: '' })).invokeCard!;
    const text = cardText(summary);
    expect(text).toContain('KS4 maths, D to C');
    expect(text).toContain('Below the family for 3 years');
    expect(text).toContain('Raise FSM attainment at KS4');
    expect(text).toContain('Planning');
    expect(text).toContain('Cwmbran High School');
    expect(findAction(summary, 'Support has started')).toBeDefined();
  });

  it('saves priority areas and time as typed values', async () => {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    await h.execute(alice, Verbs.planSaveField, { planId, version: 1, field: 'priorityAreas', priorityAreas: 'numeracy,fsm' });
    await h.execute(alice, Verbs.planSaveField, { planId, version: 2, field: 'time', staffDays: '6', supplyCoverDays: 4 });
    const plan = await h.runtime.planRepository.get(planId, [TENANT]);
    expect(plan?.answers).toEqual({ priorityAreas: ['numeracy', 'fsm'], staffDays: 6, supplyCoverDays: 4 });
    const summary = (await h.execute(alice, Verbs.planOpen, { planId })).invokeCard;
    expect(cardText(summary)).toContain('Numeracy and mathematics; FSM / closing the gap');
    expect(cardText(summary)).toContain('Staff days: 6; supply cover days: 4');
  });

  it('refuses an empty required answer with a clear message and saves nothing', async () => {
    const focus = await registeredWithNewPlan();
    const reply = await h.press(alice, focus, 'Save and continue', { text: '   ' });
    expect(cardText(reply.invokeCard)).toContain('This field is required');
    expect((await h.runtime.planRepository.get(planIdOf(focus), [TENANT]))?.version).toBe(1);
  });

  it('keeps over-long text in the box and explains the limit', async () => {
    const focus = await registeredWithNewPlan();
    const long = 'a'.repeat(LIMITS.longText + 10);
    const reply = await h.press(alice, focus, 'Save and continue', { text: long });
    const thousands = (n: number) => n.toLocaleString('en-GB');
    expect(cardText(reply.invokeCard)).toContain(`That is ${thousands(LIMITS.longText + 10)} characters; the limit is ${thousands(LIMITS.longText)}`);
    expect(JSON.stringify(reply.invokeCard)).toContain(long);
    expect((await h.runtime.planRepository.get(planIdOf(focus), [TENANT]))?.answers).toEqual({});
  });

  it('keeps a wrong number in the box and explains', async () => {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    const reply = await h.execute(alice, Verbs.planSaveField, { planId, version: 1, field: 'time', staffDays: 'lots', supplyCoverDays: '2' });
    expect(cardText(reply.invokeCard)).toContain('Please enter a number of days');
    expect(reply.invokeCard && findAction(reply.invokeCard, 'Save and continue')).toBeDefined();
  });

  it('does a retried submit once', async () => {
    const focus = await registeredWithNewPlan();
    const first = await h.press(alice, focus, 'Save and continue', { text: 'KS4 maths' });
    const retry = await h.press(alice, focus, 'Save and continue', { text: 'KS4 maths' });
    expect(cardText(retry.invokeCard)).toEqual(cardText(first.invokeCard));
    expect((await h.runtime.planRepository.get(planIdOf(focus), [TENANT]))?.version).toBe(2);
  });

  it('never lets a stale card overwrite a newer answer, and shows the stale text so nothing is lost', async () => {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    await h.press(alice, focus, 'Save and continue', { text: 'KS4 maths (newer)' });
    const stale = await h.press(alice, focus, 'Save and continue', { text: 'KS3 science (older card)' });
    const text = cardText(stale.invokeCard);
    expect(text).toContain('This card was out of date');
    expect(text).toContain('KS3 science (older card)');
    expect(JSON.stringify(stale.invokeCard)).toContain('KS4 maths (newer)');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers.focus).toBe('KS4 maths (newer)');
    // The refreshed card carries the current version, so saving from it works.
    const saved = await h.press(alice, stale.invokeCard!, 'Save and continue', { text: 'KS3 science after all' });
    expect(cardText(saved.invokeCard)).toContain('Why is support sought?');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers.focus).toBe('KS3 science after all');
  });

  it("refuses someone else's plan id in a payload and changes nothing", async () => {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    await h.press(alice, focus, 'Save and continue', { text: 'Alice focus' });
    const forged = await h.execute(mallory, Verbs.planSaveField, { planId, version: 99, field: 'focus', text: 'Mallory was here' });
    expect(cardText(forged.invokeCard)).toContain('belongs to someone else');
    const peek = await h.execute(mallory, Verbs.planOpen, { planId });
    expect(cardText(peek.invokeCard)).not.toContain('Alice focus');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers.focus).toBe('Alice focus');
  });

  it('answers a malformed payload politely', async () => {
    const bad = await h.execute(alice, Verbs.planSaveField, { planId: "1'; drop table plans; --", field: 'focus', version: 'x' });
    expect(bad.invokeStatus).toBe(200);
    expect(cardText(bad.invokeCard)).toContain('that card could not be read');
    const unknownField = await h.execute(alice, Verbs.planOpen, { planId: '7d0f9a3e-1111-4222-8333-944444444444', field: 'password' });
    expect(cardText(unknownField.invokeCard)).toContain('that card could not be read');
  });

  it('lists plans in "my plans" and resumes at the first unanswered field after a restart', async () => {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    await h.press(alice, focus, 'Save and continue', { text: 'Attendance in Year 9' });
    await h.restart();
    const list = (await h.say(alice, 'my plans')).cards[0];
    expect(cardText(list)).toContain('Attendance in Year 9');
    const summary = (await h.press(alice, list, 'Open')).invokeCard!;
    const resumed = (await h.press(alice, summary, 'Continue')).invokeCard!;
    expect(cardText(resumed)).toContain('Why is support sought?');
    expect(planIdOf(resumed)).toBe(planId);
  });

  it('edits any field from the summary', async () => {
    const focus = await registeredWithNewPlan();
    const need = (await h.press(alice, focus, 'Save and continue', { text: 'First focus' })).invokeCard!;
    const summary = (await h.press(alice, need, 'Summary', { text: '' })).invokeCard!;
    const edit = (await h.press(alice, summary, 'Edit')).invokeCard!; // the first Edit is Focus
    expect(JSON.stringify(edit)).toContain('First focus');
    const after = await h.press(alice, edit, 'Summary', { text: 'Better focus' });
    expect(cardText(after.invokeCard)).toContain('Better focus');
  });

  it('exports the plan as text to copy', async () => {
    const focus = await registeredWithNewPlan();
    const need = (await h.press(alice, focus, 'Save and continue', { text: 'Numeracy across KS3' })).invokeCard!;
    const summary = (await h.press(alice, need, 'Summary', { text: '' })).invokeCard!;
    const exported = await h.press(alice, summary, 'Export');
    expect(exported.texts.join('\n')).toContain('**Focus**\nNumeracy across KS3');
    expect(cardText(exported.invokeCard)).toContain('Your plan is in the message below');
  });
});

describe('after the support, and the impact nudge', () => {
  async function throughEvaluation(): Promise<{ planId: string; summary: CardJson }> {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    let card = focus;
    for (const text of ['KS4 maths', 'Below family', 'Raise attainment']) card = (await h.press(alice, card, 'Save and continue', { text })).invokeCard!;
    const summary = (await h.press(alice, card, 'Summary', { text: '' })).invokeCard!;
    const locked = await h.execute(alice, Verbs.planOpen, { planId, field: 'provision' });
    expect(cardText(locked.invokeCard)).toContain('opens later');

    let provision = (await h.press(alice, summary, 'Support has taken place')).invokeCard!;
    expect(cardText(provision)).toContain('The evaluation fields are now open');
    h.clock.advanceDays(30);
    for (const text of ['Two visits', 'Effective', 'Diagnostic tests in Y7'])
      provision = (await h.press(alice, provision, 'Save and continue', { text })).invokeCard!;
    return { planId, summary: provision };
  }

  it('schedules one impact nudge when the action plan is done, and sends it once when due, even across a restart', async () => {
    const { planId, summary } = await throughEvaluation();
    expect(cardText(summary)).toContain('Impact assessment due');
    expect(cardText(summary)).toContain('I will remind you to assess the impact on 5 January 2027');
    const scheduled = await h.runtime.notifications.listForSubject(planId);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0].dueAt).toEqual(new Date('2027-01-05T09:00:00Z'));

    h.clock.advanceDays(89);
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0);
    expect(h.messenger.sent).toHaveLength(0);

    await h.restart();
    h.clock.advanceDays(1);
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(1);
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0);
    await h.restart();
    expect((await h.runtime.dispatcher.deliverDue()).sent).toBe(0);
    expect(h.messenger.sent).toHaveLength(1);
    const nudge = h.messenger.sent[0];
    expect(nudge.conversation).toMatchObject({ conversation: { id: `a:personal-${alice.id}` } });
    expect(cardText(nudge.message.card)).toContain('Time to assess the impact');

    const impact = (await h.press(alice, nudge.message.card!, 'Assess impact')).invokeCard!;
    const done = (await h.press(alice, impact, 'Save and continue', { text: 'Maths up 9 points' })).invokeCard!;
    expect(cardText(done)).toContain('Complete');
  });

  it('retries a failed nudge later instead of losing it', async () => {
    await throughEvaluation();
    h.clock.advanceDays(91);
    h.messenger.failNext = 1;
    expect(await h.runtime.dispatcher.deliverDue()).toMatchObject({ sent: 0, retry: 1 });
    expect(await h.runtime.dispatcher.deliverDue()).toMatchObject({ sent: 1 });
    expect(h.messenger.sent).toHaveLength(1);
  });

  it('does not reschedule the nudge when the action plan is edited again', async () => {
    const { planId } = await throughEvaluation();
    await h.execute(alice, Verbs.planSaveField, { planId, version: 100, field: 'actionPlan', text: 'Revised action plan' });
    expect(await h.runtime.notifications.listForSubject(planId)).toHaveLength(1);
  });
});

describe('Welsh and English', () => {
  it('speaks Welsh to a cy-GB client and English after "language"', async () => {
    const focus = await registeredWithNewPlan(bethan, 'Ysgol Gymraeg');
    expect(cardText(focus)).toContain('Ffocws');
    expect(cardText(focus)).toContain('Beth yw ffocws y cymorth ysgol i ysgol?');
    const language = (await h.say(bethan, 'iaith')).cards[0];
    const switched = await h.press(bethan, language, 'English');
    expect(cardText(switched.invokeCard)).toContain('I will speak English from now on.');
    expect(cardText((await h.say(bethan, 'my plans')).cards[0])).toContain('My plans');
  });

  it('lets an English client choose Welsh, and keeps the choice', async () => {
    const language = (await h.say(alice, 'language')).cards[0];
    await h.press(alice, language, 'Cymraeg');
    await h.restart();
    expect(cardText((await h.say(alice, 'help')).cards[0])).toContain('Beth alla i ei wneud');
  });
});

describe('tenants', () => {
  it('drops activities from tenants that are not allowed', async () => {
    await h.close();
    h = await createHarness({ env: { ALLOWED_TENANT_IDS: 'some-other-tenant' } });
    const reply = await h.say(alice, 'help');
    expect(reply.activities).toHaveLength(0);
    expect(await h.runtime.users.get(alice.tenantId, alice.id)).toBeNull();
  });
});

describe('turn state in the database', () => {
  it('remembers the last plan on the person, so "continue" resumes it after a restart, with no turn state read or kept', async () => {
    const focus = await registeredWithNewPlan();
    await h.press(alice, focus, 'Save and continue', { text: 'Governors and finance' });
    expect((await h.runtime.users.get(alice.tenantId, alice.id))?.lastPlanId).toBe(planIdOf(focus));
    expect(await h.runtime.db.query('select key from bot_state')).toEqual([]);
    await h.restart();
    const resumed = await h.say(alice, 'continue');
    expect(cardText(resumed.cards[0])).toContain('Why is support sought?');
    expect(cardText((await h.say(bethan, 'parhau')).cards[0])).toContain('Fy nghynlluniau');
  });

  it('reads the user on every turn, so a change made by another instance shows at once', async () => {
    expect(cardText((await h.say(alice, 'help')).cards[0])).toContain('What I can do');
    // Another instance on the same database records Alice's choice of Welsh between her turns.
    const other = await createRuntime({
      config: loadConfig({ DEMO_DATA: 'false' }),
      clock: h.clock,
      messenger: h.messenger,
      database: h.runtime.db,
      log: silentLogger,
      seedDirectory: false,
    });
    await other.users.setLocale(alice.tenantId, alice.id, 'cy');
    expect(cardText((await h.say(alice, 'help')).cards[0])).toContain('Beth alla i ei wneud');
    // A change made straight in the database shows at once too.
    await h.runtime.db.query("update users set locale = 'en' where user_id = $1", [alice.id]);
    expect(cardText((await h.say(alice, 'help')).cards[0])).toContain('What I can do');
    // The user's row is never stored with the turn state.
    const keys = (await h.runtime.db.query<{ key: string }>('select key from bot_state')).map((r) => r.key);
    expect(keys.filter((k) => !k.startsWith('msteams/'))).toEqual([]);
  });
});

describe('two instances on one database', () => {
  it('never saves over, or shows, a change the other instance made since this one last saw the plan', async () => {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    const saved = await h.press(alice, focus, 'Save and continue', { text: 'Governors and finance' }); // this instance now knows the plan at version 2
    const other = await createRuntime({
      config: loadConfig({ DEMO_DATA: 'false' }),
      clock: h.clock,
      messenger: h.messenger,
      database: h.runtime.db,
      log: silentLogger,
      seedDirectory: false,
    });
    const actor = { tenantId: alice.tenantId, userId: alice.id };
    expect(await other.plans.saveAnswer(actor, planId, 2, 'need', { text: 'Written on the other instance' })).toMatchObject({
      kind: 'ok',
      value: { changed: true },
    });

    // The Need card this instance showed is now stale: it says so rather than writing over the other instance's answer.
    const stale = await h.press(alice, saved.invokeCard!, 'Save and continue', { text: 'Written here, later' });
    expect(cardText(stale.invokeCard)).toContain('Written on the other instance');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers.need).toBe('Written on the other instance');

    // A field the other instance did not touch saves, on top of its change.
    const objectives = await h.execute(alice, Verbs.planSaveField, { planId, version: 2, field: 'objectives', then: 'summary', text: 'Raise attainment' });
    expect(cardText(objectives.invokeCard)).toContain('Raise attainment');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers).toMatchObject({
      focus: 'Governors and finance',
      need: 'Written on the other instance',
      objectives: 'Raise attainment',
    });
  });

  it('refuses a save on a plan that changed hands since this instance last saw it', async () => {
    const focus = await registeredWithNewPlan();
    const planId = planIdOf(focus);
    const saved = await h.press(alice, focus, 'Save and continue', { text: 'Governors and finance' }); // known here at version 2
    // Elsewhere, Alice's data is deleted; a plan shared with a partner school stays, under no one's name (see SqlPersonalDataStore.deletePerson).
    await h.runtime.db.query('insert into users (tenant_id, user_id) values ($1, $2) on conflict do nothing', [alice.tenantId, DELETED_PERSON_ID]);
    await h.runtime.db.query('update plans set owner_id = $2 where id = $1', [planId, DELETED_PERSON_ID]);
    const refused = await h.press(alice, saved.invokeCard!, 'Save and continue', { text: 'Written after deletion' });
    expect(cardText(refused.invokeCard)).toContain('That plan belongs to someone else');
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers.need).toBeUndefined();
  });
});
