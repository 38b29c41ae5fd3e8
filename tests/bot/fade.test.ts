import type { Activity } from 'botbuilder';
import type { CardJson } from '../../src/platform/cards/render';
import type { Database } from '../../src/platform/db/db';
import { FADE_REMINDER_KIND } from '../../src/features/fade/cycleService';
import { cardText, createHarness, findAction, seedSmallDirectory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

const admin: TestUser = { id: 'aad-admin', name: 'Ann Admin', tenantId: TENANT, locale: 'en-GB' };
const lead: TestUser = { id: 'aad-lead', name: 'Alice Head', tenantId: TENANT, locale: 'en-GB' };
const member: TestUser = { id: 'aad-member', name: 'Gwen Green', tenantId: TENANT, locale: 'en-GB' };
const outsider: TestUser = { id: 'aad-outsider', name: 'Mallory', tenantId: TENANT, locale: 'en-GB' };
const reviewer: TestUser = { id: 'aad-reviewer', name: 'Rhys Reviewer', tenantId: TENANT, locale: 'en-GB' };
const welshLead: TestUser = { id: 'aad-cy-lead', name: 'Bethan Pennaeth', tenantId: TENANT, locale: 'cy-GB' };

const CHANNEL = { id: '19:cluster@thread.tacv2', conversationType: 'channel', tenantId: TENANT, isGroup: true } as Partial<Activity['conversation']>;
const CY_CHANNEL = { id: '19:rhydaman@thread.tacv2', conversationType: 'channel', tenantId: TENANT, isGroup: true } as Partial<Activity['conversation']>;
const BOTH_CHANNEL = { id: '19:dual@thread.tacv2', conversationType: 'channel', tenantId: TENANT, isGroup: true } as Partial<Activity['conversation']>;

async function seedClusters(db: Database): Promise<void> {
  await seedSmallDirectory(db);
  await db.exec(`
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils) values
      (6782003, 'Greenmeadow Primary School', null, 678, 'primary', 'english', 200),
      (6692002, 'Ysgol Gynradd Betws', null, 669, 'primary', 'welsh', 150),
      (6782004, 'Llantarnam Primary', 'Ysgol Gynradd Llantarnam', 678, 'primary', 'dual', 180);
    insert into clusters (id, name, la_code, lead_school_id, language) values
      (1, 'Cwmbran High School cluster', 678, 6784001, 'en'),
      (2, 'Clwstwr Rhydaman', 669, 6692001, 'cy'),
      (3, 'Llantarnam dual cluster', 678, 6782004, 'both');
    insert into cluster_members (cluster_id, school_id) values
      (1, 6784001), (1, 6782002), (1, 6782003), (2, 6692001), (2, 6692002), (3, 6782004);
  `);
}

let h: Harness;
beforeEach(async () => {
  h = await createHarness({ seed: seedClusters, env: { ADMIN_USER_IDS: admin.id } });
  for (const [u, school] of [
    [lead, 6784001],
    [member, 6782003],
    [welshLead, 6692001],
  ] as const) {
    await h.say(u, 'help'); // a personal chat, so the bot can reach them
    await confirmSchoolRole(h.runtime, TENANT, u.id, school, 'headteacher');
  }
  await h.say(admin, 'help');
  await h.say(reviewer, 'help');
  await h.runtime.roles.grant({ tenantId: TENANT, userId: reviewer.id, role: 'reviewer', laCode: 678 }, admin.id);
  h.messenger.sent.splice(0);
});
afterEach(async () => {
  await h.close();
});

const teamInstall = (conversation: Partial<Activity['conversation']>, teamId = '19:team@thread.tacv2') => ({
  type: 'conversationUpdate',
  membersAdded: [{ id: '28:cydweithio-bot', name: 'Cydweithio' }],
  conversation: conversation as Activity['conversation'],
  channelData: { tenant: { id: TENANT }, team: { id: teamId, name: 'Cluster team' }, eventType: 'teamMemberAdded' },
});

async function linkChannel(user: TestUser, name: string, conversation = CHANNEL): Promise<CardJson> {
  await h.activity(admin, teamInstall(conversation));
  const reply = await h.say(user, `link cluster ${name}`, conversation);
  return reply.cards[0];
}

async function setCycle(over: Record<string, unknown> = {}): Promise<CardJson> {
  const form = (await h.say(admin, 'fade cycle 2026/27')).cards[0];
  const done = await h.press(admin, form, 'Set the cycle', {
    round1Name: 'Interim round',
    round1Deadline: '2026-12-11',
    round2Name: 'Final round',
    round2Deadline: '2027-03-19',
    offsets: '-14, -3, 0, 5',
    sendTime: '09:00',
    clusterIds: '',
    ...over,
  });
  // The reminders are written by a job due at once (the job runner would sweep it within moments).
  await h.runtime.dispatcher.deliverDue(500);
  return done.invokeCard!;
}

const channelPosts = (conversationId = CHANNEL.id) => h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === conversationId);

describe('cluster channels', () => {
  it('stores the channel when the bot is added and lets the cluster lead link it, confirmed by a card', async () => {
    const card = await linkChannel(lead, 'Cwmbran');
    const text = cardText(card);
    expect(text).toContain('This channel is now linked to **Cwmbran High School cluster**');
    expect(text).toContain('Greenmeadow Primary School');
    const stored = await h.runtime.fadeStore.channels.channelForCluster(1);
    expect(stored).toMatchObject({ conversationId: CHANNEL.id, active: true, teamId: '19:team@thread.tacv2' });
    expect((stored!.reference.conversation as { id: string }).id).toBe(CHANNEL.id);
  });

  it('refuses anyone but the lead or an admin, and says why', async () => {
    expect(cardText(await linkChannel(outsider, 'Cwmbran'))).toContain('Only the cluster lead or an admin');
    expect(cardText(await linkChannel(admin, 'Cwmbran'))).toContain('now linked');
    expect(cardText((await h.say(lead, 'link cluster Hogwarts', CHANNEL)).cards[0])).toContain('No cluster matched "Hogwarts"');
    expect(cardText((await h.say(lead, 'link cluster Cwmbran')).cards[0])).toContain('in the cluster’s Teams channel');
  });

  it('links in Welsh with cysylltu clwstwr, and answers a Welsh cluster in Welsh', async () => {
    await h.activity(admin, teamInstall(CY_CHANNEL, '19:team-cy@thread.tacv2'));
    const reply = await h.say(welshLead, 'cysylltu clwstwr Rhydaman', CY_CHANNEL);
    expect(cardText(reply.cards[0])).toContain('Mae’r sianel hon bellach wedi’i chysylltu â **Clwstwr Rhydaman**');
    expect(cardText(reply.cards[0])).not.toContain('This channel');
  });

  it('lets the lead rotate: a member head takes it on, the lead or an admin hands it on by name, and reminders mention the new lead', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()[0].message.entities?.[0]).toMatchObject({ mentioned: { id: lead.id, name: lead.name } });

    expect(cardText((await h.say(outsider, 'cluster lead', CHANNEL)).cards[0])).toContain('Only the head of a member school of Cwmbran High School cluster');
    expect(cardText((await h.say(outsider, 'cluster lead Alice', CHANNEL)).cards[0])).toContain('Only the cluster lead or an admin');
    expect(cardText((await h.say(member, 'cluster lead Alice', CHANNEL)).cards[0])).toContain('Only the cluster lead or an admin');

    const taken = await h.say(member, 'cluster lead', CHANNEL);
    expect(cardText(taken.cards[0])).toContain('Gwen Green now leads Cwmbran High School cluster');
    // The reminder already in the channel is redrawn to mention the new lead; the old lead school no longer leads.
    expect(h.messenger.updates.at(-1)!.message.entities?.[0]).toMatchObject({ mentioned: { id: member.id, name: member.name } });
    expect(cardText((await h.say(lead, 'fade priorities Numeracy', CHANNEL)).cards[0])).not.toContain('saved');
    expect(cardText((await h.say(lead, 'cluster lead Gwen', CHANNEL)).cards[0])).toContain('Only the cluster lead or an admin');

    expect(cardText((await h.say(member, 'cluster lead nobody-here', CHANNEL)).cards[0])).toContain('matched "nobody-here"');
    expect(cardText((await h.say(member, 'cluster lead alice head', CHANNEL)).cards[0])).toContain('Alice Head now leads');
    expect(cardText((await h.say(admin, 'cluster lead Gwen', CHANNEL)).cards[0])).toContain('Gwen Green now leads');
    expect((await h.runtime.audit.forSubject('cluster', '1')).filter((a) => a.action === 'fade.setLead').map((a) => a.actorId)).toEqual([
      member.id,
      member.id,
      admin.id,
    ]);
  });

  it('hands on the lead in Welsh with arweinydd clwstwr', async () => {
    await h.activity(admin, teamInstall(CY_CHANNEL, '19:team-cy@thread.tacv2'));
    await h.say(welshLead, 'cysylltu clwstwr Rhydaman', CY_CHANNEL);
    const reply = await h.say(welshLead, 'arweinydd clwstwr', CY_CHANNEL);
    expect(cardText(reply.cards[0])).toContain('Bethan Pennaeth sy’n arwain Clwstwr Rhydaman bellach');
  });

  it('marks the link inactive when the channel is deleted, tells the admin, and records every reminder it could not send', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle();
    h.messenger.sent.splice(0);
    await h.activity(admin, {
      type: 'conversationUpdate',
      conversation: CHANNEL as Activity['conversation'],
      channelData: { tenant: { id: TENANT }, eventType: 'channelDeleted', channel: { id: CHANNEL.id, name: 'Cluster' }, team: { id: '19:team@thread.tacv2' } },
    });
    expect((await h.runtime.fadeStore.channels.channelForCluster(1))!.active).toBe(false);
    const toAdmin = h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${admin.id}`);
    expect(toAdmin).toHaveLength(1);
    expect(cardText(toAdmin[0].message.card)).toContain('I can no longer post in the channel of **Cwmbran High School cluster** (the channel was deleted)');

    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(0);
    const status = cardText((await h.say(admin, 'fade status')).cards[0]);
    expect(status).toContain('23 November 2026 at 09:00 · Cwmbran High School cluster · the channel was deleted');
    expect(status).toContain('Clusters whose channel I can no longer post in: 1.');
  });

  it('marks every channel of a team inactive when the bot is removed from it', async () => {
    await linkChannel(lead, 'Cwmbran');
    await h.activity(admin, {
      type: 'conversationUpdate',
      membersRemoved: [{ id: '28:cydweithio-bot', name: 'Cydweithio' }],
      conversation: CHANNEL as Activity['conversation'],
      channelData: { tenant: { id: TENANT }, team: { id: '19:team@thread.tacv2' }, eventType: 'teamMemberRemoved' },
    });
    expect(await h.runtime.fadeStore.channels.channelForCluster(1)).toMatchObject({ active: false, inactiveReason: 'botRemoved' });
  });

  it('treats a send refused with 403 as a removed channel: the link goes inactive and the admin hears of it', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle();
    h.messenger.sent.splice(0);
    const forbidden = Object.assign(new Error('Forbidden: bot not in conversation'), { statusCode: 403 });
    h.messenger.errors.push(forbidden);
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(0);
    expect(await h.runtime.fadeStore.channels.channelForCluster(1)).toMatchObject({ active: false, inactiveReason: 'sendRefused' });
    expect(h.messenger.sent.some((s) => cardText(s.message.card).includes('Teams refused the message'))).toBe(true);
    // and nothing keeps retrying: the next reminder finds the link inactive and records that
    h.clock.set('2026-12-08T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(0);
  });
});

describe('cycles and reminders', () => {
  it('lets only an admin set a cycle, with the December and March template', async () => {
    expect(cardText((await h.say(lead, 'fade cycle 2026/27')).cards[0])).toContain('Only an admin');
    const form = (await h.say(admin, 'fade cycle 2026/27')).cards[0];
    expect(JSON.stringify(form)).toContain('"value":"2026-12-11"');
    expect(JSON.stringify(form)).toContain('"value":"2027-03-19"');
    const bad = await h.press(admin, form, 'Set the cycle', { round1Deadline: '2027-04-01', round2Deadline: '2027-03-19', offsets: '-14' });
    expect(cardText(bad.invokeCard)).toContain('must come after the one before');
    const done = await setCycle();
    // 3 clusters × 2 rounds × 4 reminders
    expect(cardText(done)).toContain('Cycle 2026/27 is set for 3 clusters, with 2 rounds; 24 reminders are scheduled.');
    expect(cardText(await setCycle())).toContain('There is already a cycle called 2026/27');
  });

  it('answers before writing the reminders, and a job writes every one of them once, however often it runs', async () => {
    const reminders = async () =>
      Number((await h.runtime.db.query<{ n: number }>(`select count(*)::int as n from scheduled_notifications where kind = 'fadeReminder'`))[0].n);
    const form = (await h.say(admin, 'fade cycle 2026/27')).cards[0];
    const done = await h.press(admin, form, 'Set the cycle', {
      round1Name: 'Interim round',
      round1Deadline: '2026-12-11',
      round2Name: 'Final round',
      round2Deadline: '2027-03-19',
      offsets: '-14, -3, 0, 5',
      sendTime: '09:00',
      clusterIds: '',
    });
    expect(cardText(done.invokeCard)).toContain('24 reminders are scheduled');
    // Answered with the job stored in the same transaction as the cycle, and nothing written yet.
    expect(await reminders()).toBe(0);
    const [job] = await h.runtime.db.query<{ id: string; status: string }>(`select id, status from scheduled_notifications where kind = 'fadeCycleReminders'`);
    expect(job.status).toBe('pending');
    expect(await h.runtime.dispatcher.deliverDue(500)).toMatchObject({ sent: 1 });
    expect(await reminders()).toBe(24);
    // A retry (as after a crash before the job was marked done) writes none twice.
    const n = (await h.runtime.notifications.get(job.id))!;
    expect(await h.runtime.fade.cycles.writeCycleReminders(n)).toBe('sent');
    expect(await reminders()).toBe(24);
  });

  it('takes up to four rounds from the form, and asks for a name for an extra round without losing what was typed', async () => {
    const form = (await h.say(admin, 'fade cycle 2026/27')).cards[0];
    expect(JSON.stringify(form)).toContain('"id":"round4Deadline"');
    // Teams sends every input on the card: the template's two rounds and a third with no name.
    const typed = {
      round1Name: 'Interim round',
      round1Deadline: '2026-12-11',
      round2Name: 'Final round',
      round2Deadline: '2027-03-19',
      round3Name: '',
      round3Deadline: '2027-06-25',
      round4Name: '',
      round4Deadline: '',
      offsets: '-3, 0',
      sendTime: '09:00',
      clusterIds: '1',
    };
    const unnamed = await h.press(admin, form, 'Set the cycle', typed);
    expect(cardText(unnamed.invokeCard)).toContain('Please give each round a name and a real date.');
    expect(JSON.stringify(unnamed.invokeCard)).toContain('"value":"2027-06-25"');
    expect(JSON.stringify(unnamed.invokeCard)).toContain('"value":"-3, 0"');
    const done = await h.press(admin, unnamed.invokeCard!, 'Set the cycle', { ...typed, round3Name: 'Summer round' });
    // 1 cluster × 3 rounds × 2 reminders
    expect(cardText(done.invokeCard)).toContain('Cycle 2026/27 is set for 1 cluster, with 3 rounds; 6 reminders are scheduled.');
  });

  it('posts reminders in the cluster channel on the right days, with working days left, statuses and an @mention of the lead', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.messenger.sent.splice(0);

    h.clock.set('2026-11-23T08:59:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(0);

    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const [first] = channelPosts();
    expect(first).toBeDefined();
    const text = cardText(first.message.card);
    expect(text).toContain('FADE report: Interim round, 2026/27');
    expect(text).toContain('11 December 2026');
    expect(text).toContain('14 working days left');
    expect(text).toContain('Alice Head');
    expect(text).toMatch(/Greenmeadow Primary School\nNot started/);
    expect(first.message.text).toBe('<at>Alice Head</at>');
    expect(first.message.entities).toEqual([{ type: 'mention', text: '<at>Alice Head</at>', mentioned: { id: lead.id, name: 'Alice Head' } }]);
    expect(findAction(first.message.card!, 'Start the report')).toBeDefined();

    h.clock.set('2026-12-08T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(2);
    expect(cardText(channelPosts()[1].message.card)).toContain('3 working days left');
  });

  it('stops reminding once the cluster submits, and updates the card in place', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const posted = channelPosts()[0];

    const opened = await h.press(lead, posted.message.card!, 'Start the report');
    const form = opened.invokeCard!;
    const submitted = await h.press(lead, form, 'Submit to the reviewer', {
      focus: 'Numeracy',
      analysis: 'Joint lessons went well',
      develop: '- Moderate Y6 maths\n- Transition day',
      evaluation: 'Good progress',
      judgement: 'strong',
    });
    expect(cardText(submitted.invokeCard)).toContain('Submitted. The reviewer has been asked');

    const update = h.messenger.updates.at(-1)!;
    expect(update.activityId).toBe(posted.activityId);
    expect(cardText(update.message.card)).toContain('Submitted on 23 November 2026');

    for (const when of ['2026-12-08T09:00:00Z', '2026-12-11T09:00:00Z', '2026-12-18T09:00:00Z']) {
      h.clock.set(when);
      await h.runtime.dispatcher.deliverDue(500);
    }
    expect(channelPosts()).toHaveLength(1);
  });

  it('after downtime sends the latest missed reminder once and drops the stale one; a restart sends nothing again', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-12-09T10:00:00Z'); // down since before 23 November
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(1);
    expect(cardText(channelPosts()[0].message.card)).toContain('2 working days left');
    const rounds = await h.runtime.db.query<{ id: string }>('select id from fade_rounds order by seq');
    expect(await h.runtime.fadeStore.reminders.reminderLog(rounds[0].id, 1)).toEqual([
      { key: 'd-14', outcome: 'dropped', reason: 'stale: a later reminder is already due' },
      { key: 'd-3', outcome: 'sent', reason: null },
    ]);
    await h.restart();
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(1);
  });

  it('writes the reminder in Welsh for a Welsh cluster and in both languages on one card for a dual-language one', async () => {
    await h.activity(admin, teamInstall(CY_CHANNEL, '19:team-cy@thread.tacv2'));
    await h.say(welshLead, 'cysylltu clwstwr Rhydaman', CY_CHANNEL);
    await h.activity(admin, teamInstall(BOTH_CHANNEL, '19:team-dual@thread.tacv2'));
    await h.say(admin, 'link cluster Llantarnam', BOTH_CHANNEL);
    await setCycle({ clusterIds: '2,3' });
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const welsh = cardText(channelPosts(CY_CHANNEL.id)[0].message.card);
    expect(welsh).toContain('Adroddiad FADE: Rownd interim, 2026/27');
    expect(welsh).toContain('14 diwrnod gwaith ar ôl');
    expect(welsh).toContain('11 Rhagfyr 2026');
    expect(welsh).toContain('Bethan Pennaeth');
    expect(welsh).not.toMatch(/working days|Deadline/);
    const dual = channelPosts(BOTH_CHANNEL.id)[0].message.card!;
    const dualText = cardText(dual);
    expect(dualText).toContain('Adroddiad FADE: Rownd interim');
    expect(dualText).toContain('FADE report: Interim round');
    expect(dualText.indexOf('Adroddiad FADE')).toBeLessThan(dualText.indexOf('FADE report'));
    expect(dualText).toContain('Heb ddechrau / Not started');
    expect(findAction(dual, 'Dechrau’r adroddiad / Start the report')).toBeDefined();
    // no lead has used the bot at Llantarnam: named without a mention
    expect(channelPosts(BOTH_CHANNEL.id)[0].message.entities).toBeUndefined();
  });
});

describe('the FADE report', () => {
  async function planAt(user: TestUser, answers: Record<string, string>) {
    const actor = { tenantId: TENANT, userId: user.id };
    const u = (await h.runtime.users.get(TENANT, user.id))!;
    const plan = await h.runtime.plans.create(actor, u.schoolId!);
    await h.runtime.db.query('update plans set answers = $2, updated_at = $3 where id = $1', [plan.id, JSON.stringify(answers), h.clock.now()]);
  }

  it('is drafted from the priorities, member plans and notes; the lead edits and submits; the reviewer judges inline; the cluster sees the feedback', async () => {
    await linkChannel(lead, 'Cwmbran');
    await h.say(lead, 'fade priorities Numeracy in KS2; Transition to Year 7', CHANNEL);
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-02T09:00:00Z');
    await planAt(member, {
      focus: 'Y6 reasoning',
      provision: 'Three joint lessons with Cwmbran High',
      effectiveness: 'Teachers more confident',
      impact: 'Y6 reasoning scores up',
    });
    await h.say(member, 'fade note Our Year 6 visited the high school for a maths day');

    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const reminder = channelPosts()[0].message.card!;
    expect(cardText(reminder)).toMatch(/Greenmeadow Primary School\nDrafted/);

    // a member school is offered the notes form rather than the lead's report
    const memberView = await h.press(member, reminder, 'Start the report');
    expect(cardText(memberView.invokeCard)).toContain('Notes for the FADE report');

    const form = (await h.press(lead, reminder, 'Start the report')).invokeCard!;
    const formText = cardText(form);
    expect(formText).toContain('Cluster plan priorities:\n- Numeracy in KS2\n- Transition to Year 7');
    expect(formText).toContain(
      'Greenmeadow Primary School: Y6 reasoning; Provision: Three joint lessons with Cwmbran High; Effectiveness: Teachers more confident; Impact: Y6 reasoning scores up',
    );
    expect(formText).toContain('Greenmeadow Primary School (Gwen Green): Our Year 6 visited the high school for a maths day');

    const incomplete = await h.press(lead, form, 'Submit to the reviewer', { evaluation: '', judgement: '' });
    expect(cardText(incomplete.invokeCard)).toContain('Please write every section');
    const saved = await h.press(lead, form, 'Save draft', { develop: '- Moderate Y6 maths together\n- Transition day in June', evaluation: 'Strong start' });
    expect(cardText(saved.invokeCard)).toContain('Draft saved.');
    // the first card is now stale: what was typed is kept, nothing overwritten
    const stale = await h.press(lead, form, 'Save draft', { evaluation: 'Typed on an old card' });
    expect(cardText(stale.invokeCard)).toContain('Someone saved this report after you opened it');
    expect(cardText(stale.invokeCard)).toContain('Typed on an old card');

    const outsiderTry = await h.press(outsider, saved.invokeCard!, 'Submit to the reviewer', { judgement: 'veryGood' });
    expect(cardText(outsiderTry.invokeCard)).toContain('Only the cluster lead');

    h.messenger.sent.splice(0);
    const submitted = await h.press(lead, saved.invokeCard!, 'Submit to the reviewer', { judgement: 'strong' });
    expect(cardText(submitted.invokeCard)).toContain('Submitted.');
    const retried = await h.press(lead, saved.invokeCard!, 'Submit to the reviewer', { judgement: 'strong' });
    expect(cardText(retried.invokeCard)).toContain('Submitted.');

    const toReviewer = h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${reviewer.id}`);
    expect(toReviewer).toHaveLength(1);
    const reviewCard = toReviewer[0].message.card!;
    expect(cardText(reviewCard)).toContain('FADE report to review: Cwmbran High School cluster');
    expect(cardText(reviewCard)).toContain('Cluster’s own judgement: Strong');

    const notReviewer = await h.press(member, reviewCard, 'Record judgement', { judgement: 'limited', feedback: 'x' });
    expect(cardText(notReviewer.invokeCard)).toContain('Only a reviewer or adviser');
    const recorded = await h.press(reviewer, reviewCard, 'Record judgement', { judgement: 'veryGood', feedback: 'Excellent use of joint moderation.' });
    expect(cardText(recorded.invokeCard)).toContain('Judgement recorded: Very Good');

    const feedback = channelPosts().at(-1)!;
    expect(cardText(feedback.message.card)).toContain('Feedback: Excellent use of joint moderation.');
    expect(cardText(h.messenger.updates.at(-1)!.message.card)).toContain('Reviewed: Very Good');

    // the cluster sees the feedback on its report, and turns Develop/Do into next steps
    const view = (await h.press(lead, reminder, 'Start the report')).invokeCard!;
    expect(cardText(view)).toContain('Reviewer’s judgement: Very Good');
    const steps = await h.press(lead, view, 'Make Develop/Do next steps');
    expect(cardText(steps.invokeCard)).toContain('2 next steps added to the cluster plan.');
    expect(await h.runtime.fadeStore.reports.nextSteps(1)).toEqual(['Moderate Y6 maths together', 'Transition day in June']);
  });

  it('carries the last round’s Develop/Do into the next round’s draft', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-12-01T09:00:00Z');
    const first = (await h.say(lead, 'fade report')).cards[0];
    await h.press(lead, first, 'Submit to the reviewer', {
      focus: 'F',
      analysis: 'A',
      develop: '- Shared moderation',
      evaluation: 'E',
      judgement: 'satisfactory',
    });
    h.clock.set('2027-01-11T09:00:00Z');
    const second = (await h.say(lead, 'fade report')).cards[0];
    expect(cardText(second)).toContain('Final round, 2026/27');
    expect(cardText(second)).toContain('Carried over from the last round’s Develop/Do:\n- Shared moderation');
  });
});

describe('in the channel itself', () => {
  it('sends the report form to the lead’s personal chat when pressed in the channel, and leaves the reminder for everyone', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const reminder = channelPosts()[0].message.card!;
    const action = findAction(reminder, 'Start the report')!;
    h.messenger.sent.splice(0);
    const pressed = await h.activity(lead, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      conversation: CHANNEL as Activity['conversation'],
      replyToId: 'posted-1',
      value: { action: { type: 'Action.Execute', verb: action.verb, data: action.data }, trigger: 'manual' },
    });
    expect(cardText(pressed.invokeCard)).toContain('FADE report: Interim round, 2026/27');
    expect(cardText(pressed.invokeCard)).not.toContain('Focus of evaluation');
    const personal = h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${lead.id}`);
    expect(personal).toHaveLength(1);
    expect(cardText(personal[0].message.card)).toContain('Focus of evaluation');

    const typed = await h.say(lead, 'fade report', CHANNEL);
    expect(cardText(typed.cards[0])).toContain('I have sent it to your personal chat');
  });

  it('takes a member’s note typed in the channel into the draft and their school’s status', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-20T09:00:00Z');
    const note = await h.say(member, 'fade note Joint INSET on reasoning went well', CHANNEL);
    expect(cardText(note.cards[0])).toContain('Your note will go into the draft');
    expect(cardText((await h.say(outsider, 'fade note hello', CHANNEL)).cards[0])).toContain('Only staff of the cluster’s member schools');
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(cardText(channelPosts()[0].message.card)).toMatch(/Greenmeadow Primary School\nDrafted/);
  });
});

describe('holidays and status', () => {
  it('skips school holidays an admin adds: the overdue reminder moves past Christmas', async () => {
    expect(cardText((await h.say(lead, 'fade holidays 2026-12-21..2027-01-01')).cards[0])).toContain('Only an admin');
    expect(cardText((await h.say(admin, 'fade holidays 21/12/2026')).cards[0])).toContain('YYYY-MM-DD');
    expect(cardText((await h.say(admin, 'fade holidays 2026-12-21..2027-01-01, 2026-11-20')).cards[0])).toContain('13 school holiday days added.');
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1', round1Deadline: '2026-12-16' });
    const rounds = await h.runtime.db.query<{ id: string }>('select id from fade_rounds order by seq');
    const schedule = await h.runtime.notifications.scheduleOf({ kind: FADE_REMINDER_KIND, subjectId: rounds[0].id, recipientId: '1' });
    expect(schedule.map((r) => [r.dedupeKey.split(':').pop(), r.dueAt.toISOString()])).toEqual([
      ['d-14', '2026-11-26T09:00:00.000Z'],
      ['d-3', '2026-12-11T09:00:00.000Z'],
      ['d0', '2026-12-16T09:00:00.000Z'],
      ['d+5', '2027-01-06T09:00:00.000Z'],
    ]);
  });

  it('shows admins where every cycle stands, and keeps it from everyone else', async () => {
    expect(cardText((await h.say(lead, 'fade status')).cards[0])).toContain('Only an admin');
    expect(cardText((await h.say(admin, 'statws fade')).cards[0])).toContain('No FADE cycles yet');
    await linkChannel(lead, 'Cwmbran');
    await setCycle();
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const status = cardText((await h.say(admin, 'fade status')).cards[0]);
    expect(status).toContain('2026/27, Interim round (deadline 11 December 2026): 0 of 3 clusters submitted; reminders sent 1, still to go 9.');
    expect(status).toContain('Clusters with no channel linked: 2.');
    expect(status).toContain('23 November 2026 at 09:00 · Clwstwr Rhydaman · no channel linked');
  });
});
