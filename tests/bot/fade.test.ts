import type { Activity } from 'botbuilder';
import type { CardJson } from '../../src/platform/cards/render';
import type { Database } from '../../src/platform/db/db';
import { FADE_REMINDER_KIND } from '../../src/features/fade/cycleService';
import { cardText, createHarness, findAction, seedSmallDirectory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';
import { Verbs } from '../../src/platform/cards/verbs';

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

/** Sets the cycle from the admin's form and answers, before the job that writes its reminders has run. */
async function pressSetCycle(over: Record<string, unknown> = {}): Promise<CardJson> {
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
  return done.invokeCard!;
}

async function setCycle(over: Record<string, unknown> = {}): Promise<CardJson> {
  const done = await pressSetCycle(over);
  // The reminders are written by a job due at once (the job runner would sweep it within moments).
  await h.runtime.dispatcher.deliverDue(500);
  return done;
}

/** Presses a button on a card in a channel, as Teams sends it (the card's message id as replyToId), with the card's inputs. */
const pressInChannel = (user: TestUser, card: CardJson, title: string, activityId: string, conversation = CHANNEL, inputs: Record<string, unknown> = {}) => {
  const action = findAction(card, title);
  if (!action) throw new Error(`no action titled "${title}" on the card:\n${cardText(card)}`);
  return h.activity(user, {
    type: 'invoke',
    name: 'adaptiveCard/action',
    conversation: conversation as Activity['conversation'],
    replyToId: activityId,
    value: { action: { type: 'Action.Execute', verb: action.verb as string, data: { ...(action.data as object), ...inputs } }, trigger: 'manual' },
  });
};

/** The value an input of a card starts with. */
function inputValue(card: CardJson, id: string): string {
  let found: string | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.id === id && typeof o.type === 'string' && o.type.startsWith('Input.')) found = String(o.value ?? '');
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  if (found === undefined) throw new Error(`no input "${id}" on the card`);
  return found;
}

const channelPosts = (conversationId = CHANNEL.id) => h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === conversationId);

describe('cluster channels', () => {
  it('stores the channel when the bot is added and lets the cluster lead link it, confirmed by a card', async () => {
    const card = await linkChannel(lead, 'Cwmbran');
    const text = cardText(card);
    expect(text).toContain('This channel is now linked to **Cwmbran High School cluster**');
    expect(text).toContain('Greenmeadow Primary School');
    const stored = await h.runtime.fadeStore.channels.channelForCluster(1, [TENANT]);
    expect(stored).toMatchObject({ conversationId: CHANNEL.id, active: true, teamId: '19:team@thread.tacv2' });
    expect((stored!.reference.conversation as { id: string }).id).toBe(CHANNEL.id);
  });

  it('links in one step: "link cluster" alone offers the clusters the person leads as buttons, and a search', async () => {
    await h.activity(admin, teamInstall(CHANNEL));
    const offer = (await h.say(lead, 'link cluster', CHANNEL)).cards[0];
    expect(cardText(offer)).toContain('Which cluster is this channel for?');
    const linked = await pressInChannel(lead, offer, 'Cwmbran High School cluster', 'link-card');
    expect(cardText(linked.invokeCard)).toContain('This channel is now linked to **Cwmbran High School cluster**');
    expect(await h.runtime.fadeStore.channels.channelForCluster(1, [TENANT])).toMatchObject({ conversationId: CHANNEL.id, active: true });

    // An admin leads no cluster: the search finds it, and a name that fits several offers each as a button.
    await h.activity(admin, teamInstall(BOTH_CHANNEL, '19:team-dual@thread.tacv2'));
    const search = (await h.say(admin, 'link cluster', BOTH_CHANNEL)).cards[0];
    expect(findAction(search, 'Cwmbran High School cluster')).toBeUndefined();
    const several = await pressInChannel(admin, search, 'Find and link', 'link-card', BOTH_CHANNEL, { name: 'cluster' });
    expect(cardText(several.invokeCard)).toContain('More than one cluster matched "cluster". Choose one:');
    const done = await pressInChannel(admin, several.invokeCard!, 'Llantarnam dual cluster', 'link-card', BOTH_CHANNEL);
    expect(cardText(done.invokeCard)).toContain('now linked to **Llantarnam dual cluster**');
    // Someone who leads nothing cannot link by pressing a button for a cluster they do not lead.
    const refused = await pressInChannel(outsider, offer, 'Cwmbran High School cluster', 'link-card');
    expect(cardText(refused.invokeCard)).toContain('Only the cluster lead or an admin');
  });

  it('shows the usage hint whole, with an example name, where a typed name matches nothing', async () => {
    await h.activity(admin, teamInstall(CHANNEL));
    const nothing = (await h.say(lead, 'link cluster Hogwarts', CHANNEL)).cards[0];
    expect(cardText(nothing)).toContain('No cluster matched "Hogwarts"');
    expect(findAction(nothing, 'Cwmbran High School cluster')).toBeDefined();
    const empty = await pressInChannel(lead, nothing, 'Find and link', 'link-card', CHANNEL, { name: '' });
    expect(cardText(empty.invokeCard)).toContain('Type "link cluster" and the cluster’s name, for example: link cluster Cwmbran.');
    expect(JSON.stringify(empty.invokeCard)).not.toMatch(/<name>|link cluster \./);
  });

  it('offers the cluster in Welsh to a Welsh lead typing "cysylltu clwstwr" alone', async () => {
    await h.activity(admin, teamInstall(CY_CHANNEL, '19:team-cy@thread.tacv2'));
    const offer = (await h.say(welshLead, 'cysylltu clwstwr', CY_CHANNEL)).cards[0];
    expect(cardText(offer)).toContain('I ba glwstwr mae’r sianel hon?');
    expect(JSON.stringify(offer)).not.toContain('<enw>');
    const linked = await pressInChannel(welshLead, offer, 'Clwstwr Rhydaman', 'link-card', CY_CHANNEL);
    expect(cardText(linked.invokeCard)).toContain('Mae’r sianel hon bellach wedi’i chysylltu â **Clwstwr Rhydaman**');
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
    expect((await h.runtime.fadeStore.channels.channelForCluster(1, [TENANT]))!.active).toBe(false);
    const toAdmin = h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${admin.id}`);
    expect(toAdmin).toHaveLength(1);
    expect(cardText(toAdmin[0].message.card)).toContain('I can no longer post in the channel of **Cwmbran High School cluster** (the channel was deleted)');

    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(0);
    const status = cardText((await h.say(admin, 'fade status')).cards[0]);
    expect(status).toContain('Channels I can no longer post in');
    expect(status).toContain('Cwmbran High School cluster: the channel was deleted, since');
    expect(status).not.toContain('channel inactive');
  });

  it('marks every channel of a team inactive when the bot is removed from it', async () => {
    await linkChannel(lead, 'Cwmbran');
    await h.activity(admin, {
      type: 'conversationUpdate',
      membersRemoved: [{ id: '28:cydweithio-bot', name: 'Cydweithio' }],
      conversation: CHANNEL as Activity['conversation'],
      channelData: { tenant: { id: TENANT }, team: { id: '19:team@thread.tacv2' }, eventType: 'teamMemberRemoved' },
    });
    expect(await h.runtime.fadeStore.channels.channelForCluster(1, [TENANT])).toMatchObject({ active: false, inactiveReason: 'botRemoved' });
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
    expect(await h.runtime.fadeStore.channels.channelForCluster(1, [TENANT])).toMatchObject({ active: false, inactiveReason: 'sendRefused' });
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
    let wakes = 0;
    h.runtime.dispatcher.onWake(() => wakes++);
    const reminders = async () =>
      Number((await h.runtime.db.query<{ n: number }>(`select count(*)::int as n from scheduled_notifications where kind = 'fadeReminder'`))[0].n);
    expect(cardText(await pressSetCycle())).toContain('24 reminders are scheduled');
    // Answered with the job stored in the same transaction as the cycle, and nothing written yet.
    expect(await reminders()).toBe(0);
    const [job] = await h.runtime.db.query<{ id: string; status: string }>(`select id, status from scheduled_notifications where kind = 'fadeCycleReminders'`);
    expect(job.status).toBe('pending');
    expect(await h.runtime.dispatcher.deliverDue(500)).toMatchObject({ sent: 1 });
    expect(await reminders()).toBe(24);
    // None is due yet, so the job runner is asked to sweep only for the job itself, not again for the reminders.
    expect(wakes).toBe(1);
    // A retry (as after a crash before the job was marked done) writes none twice.
    const n = (await h.runtime.notifications.get(job.id))!;
    expect(await h.runtime.fade.cycles.writeCycleReminders(n)).toBe('sent');
    expect(await reminders()).toBe(24);
  });

  it('asks the job runner to sweep at once when a cycle set late leaves reminders already due', async () => {
    let wakes = 0;
    h.runtime.dispatcher.onWake(() => wakes++);
    h.clock.set('2026-11-23T09:00:00Z');
    await pressSetCycle({ round2Name: '', round2Deadline: '', offsets: '-30' });
    expect(wakes).toBe(1); // for the job that writes the reminders
    await h.runtime.dispatcher.deliverDue(500);
    expect(wakes).toBe(2); // and again: those reminders fell due weeks ago
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
    // each language its own button, so neither title is cut off
    expect(findAction(dual, 'Dechrau’r adroddiad')).toBeDefined();
    expect(findAction(dual, 'Start the report')).toBeDefined();
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
    expect(formText).toContain('Greenmeadow Primary School: Provision: Three joint lessons with Cwmbran High; Effectiveness: Teachers more confident');
    expect(formText).toContain('Impact so far, from member schools’ impact assessments:\n- Greenmeadow Primary School: Y6 reasoning scores up');
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
    expect(await h.runtime.fadeStore.reports.nextSteps(1, [TENANT])).toEqual(['Moderate Y6 maths together', 'Transition day in June']);
  });

  async function supportDone(user: TestUser, partnerSchoolId: number) {
    const [plan] = await h.runtime.db.query<{ id: string; school_id: number }>(
      'select id, school_id from plans where owner_id = $1 order by updated_at desc limit 1',
      [user.id],
    );
    const at = h.clock.now();
    await h.runtime.db.query(
      `insert into support_requests (id, tenant_id, plan_id, requester_id, asking_school_id, kind, state, chosen_school_id, created_at, updated_at, state_changed_at, accepted_at, done_at)
       values (gen_random_uuid(), $1, $2, $3, $4, 'direct', 'done', $5, $6, $6, $6, $6, $6)`,
      [TENANT, plan.id, user.id, plan.school_id, partnerSchoolId, at],
    );
  }

  it('drafts every section from what happened, one line per school, cut at whole words, so the lead edits rather than writes', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-02T09:00:00Z');
    await planAt(member, {
      focus: 'Y6 reasoning through teacher assessment and moderation across the cluster',
      provision: 'Three joint lessons with Cwmbran High',
      effectiveness: 'Teachers more confident',
      actionPlan: 'Moderate Y6 writing together each half term',
    });
    await supportDone(member, 6782002);
    // the head's Welsh copy of the same plan, saying less: one line for the school, not two
    await planAt(member, { focus: 'Rhesymu Bl6', provision: 'Tair gwers ar y cyd' });
    const long = `${'We ran paired observations in every class and shared the findings at staff meetings. '.repeat(4)}Then teacher assessment followed`;
    h.clock.set('2026-11-03T09:00:00Z');
    await planAt(lead, { provision: long, impact: 'Y6 reasoning scores up 8%' });
    // a plan its owner left out of cluster reports stays out
    await planAt(lead, { provision: 'Should never show', effectiveness: 'Left out', actionPlan: 'x', impact: 'y' });
    await h.runtime.db.query(`update plans set in_cluster_report = false where owner_id = $1 and answers->>'provision' = 'Should never show'`, [lead.id]);

    const form = (await h.say(lead, 'fade report')).cards[0];
    const [analysis, develop, evaluation] = ['analysis', 'develop', 'evaluation'].map((id) => inputValue(form, id));
    expect(analysis).toContain(
      '- Greenmeadow Primary School: support from Ysgol Gymraeg Cwmbran completed; Provision: Three joint lessons with Cwmbran High; Effectiveness: Teachers more confident',
    );
    expect(analysis.match(/Greenmeadow Primary School/g)).toHaveLength(1);
    expect(analysis).not.toMatch(/Tair gwers|Y6 reasoning through|Should never show/);
    expect(analysis).toMatch(/- Cwmbran High School: Provision: We ran paired[^\n]*\w…\n?/);
    expect(analysis).not.toMatch(/\bteacher ass…|assessm…/);
    expect(develop).toContain('Next steps from member schools’ action plans:\n- Greenmeadow Primary School: Moderate Y6 writing together each half term');
    expect(evaluation).toBe(
      'Impact so far, from member schools’ impact assessments:\n- Cwmbran High School: Y6 reasoning scores up 8%\n\nImpact not yet assessed: Greenmeadow Primary School.',
    );
  });

  it('drafts in Welsh for a Welsh reader', async () => {
    await h.activity(admin, teamInstall(CY_CHANNEL, '19:team-cy@thread.tacv2'));
    await h.say(welshLead, 'cysylltu clwstwr Rhydaman', CY_CHANNEL);
    await setCycle({ clusterIds: '2' });
    h.clock.set('2026-11-02T09:00:00Z');
    await planAt(welshLead, {
      provision: 'Gwersi ar y cyd',
      effectiveness: 'Athrawon yn fwy hyderus',
      actionPlan: 'Cymedroli bob hanner tymor',
      impact: 'Gwell rhesymu',
    });
    const form = (await h.say(welshLead, 'adroddiad fade')).cards[0];
    expect(inputValue(form, 'analysis')).toContain('- Ysgol Gymraeg Rhydaman: Darpariaeth: Gwersi ar y cyd; Effeithiolrwydd: Athrawon yn fwy hyderus');
    expect(inputValue(form, 'develop')).toContain('Camau nesaf o gynlluniau gweithredu’r ysgolion:\n- Ysgol Gymraeg Rhydaman: Cymedroli bob hanner tymor');
    expect(inputValue(form, 'evaluation')).toContain('Yr effaith hyd yma, o asesiad effaith pob ysgol:\n- Ysgol Gymraeg Rhydaman: Gwell rhesymu');
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
    expect(status).toContain('Clusters with no channel linked yet: 2.');
    expect(status).toContain('No delivery failures.');
  });

  it('sends the status asked for in a channel to the asker’s personal chat, keeps clusters without a channel apart from lost channels, and quotes no Teams error text', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle();
    h.messenger.sent.splice(0);
    h.messenger.errors.push(Object.assign(new Error('Forbidden: bot not in conversation'), { statusCode: 403 }));
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500); // Cwmbran's channel refuses; the other two clusters have none
    h.clock.set('2026-12-08T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500); // again nobody to post to: nothing new worth listing
    // The reviewer's card cannot be delivered: a failure that matters.
    const form = (await h.say(lead, 'fade report')).cards[0];
    h.messenger.failNext = 1;
    await h.press(lead, form, 'Submit to the reviewer', { focus: 'F', analysis: 'A', develop: '- D', evaluation: 'E', judgement: 'strong' });
    h.messenger.sent.splice(0);

    const inChannel = await h.say(admin, 'fade status', CHANNEL);
    expect(cardText(inChannel.cards[0])).toBe('I have sent the FADE status to your personal chat with me.');
    const toAdmin = h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${admin.id}`);
    expect(toAdmin).toHaveLength(1);
    const status = cardText(toAdmin[0].message.card);
    expect(status).toContain('Clusters with no channel linked yet: 2.');
    expect(status).toContain('Channels I can no longer post in');
    expect(status).toContain('Cwmbran High School cluster: Teams refused the message, since 23 November 2026');
    expect(status).toContain('Cwmbran High School cluster · the card to the reviewer: Teams did not answer');
    expect(status).not.toContain('· no channel linked');
    expect(status).not.toContain('Clwstwr Rhydaman');
    expect(status).not.toContain('of 0');
    expect(status).not.toMatch(/connector unavailable|Forbidden|channel inactive/);

    // In Welsh for a Welsh-speaking admin, with no English from Teams or the log on it.
    const cyAdmin: TestUser = { id: 'aad-cy-admin', name: 'Gweinyddwr', tenantId: TENANT, locale: 'cy-GB' };
    await h.say(cyAdmin, 'help');
    await h.runtime.roles.grant({ tenantId: TENANT, userId: cyAdmin.id, role: 'admin', laCode: null }, admin.id);
    const welsh = cardText((await h.say(cyAdmin, 'statws fade')).cards[0]);
    expect(welsh).toContain('Clystyrau heb sianel wedi’i chysylltu eto: 2.');
    expect(welsh).toContain('Cwmbran High School cluster: gwrthododd Teams y neges, ers 23 Tachwedd 2026');
    expect(welsh).toContain('y cerdyn i’r adolygydd: ddaeth dim ateb gan Teams');
    expect(welsh).not.toMatch(/connector unavailable|Forbidden|review card|reminder d|not delivered|channel inactive/);
  });
});

describe('a report submitted when the cluster has no reviewer', () => {
  const rhian: TestUser = { id: 'aad-cy-reviewer', name: 'Rhian Adolygydd', tenantId: TENANT, locale: 'cy-GB' };
  const personal = (user: TestUser) => h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${user.id}`);
  const sections = { focus: 'Rhifedd', analysis: 'Gwersi ar y cyd', develop: '- Cymedroli', evaluation: 'Cynnydd da', judgement: 'strong' };

  it('says so to the lead (in Welsh) and the admins, and goes to the first reviewer granted later, whose "View the report" judges it', async () => {
    await h.activity(admin, teamInstall(CY_CHANNEL, '19:team-cy@thread.tacv2'));
    await h.say(welshLead, 'cysylltu clwstwr Rhydaman', CY_CHANNEL);
    await setCycle({ clusterIds: '2' });
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    await h.say(rhian, 'help');
    await h.runtime.users.setLocale(TENANT, rhian.id, 'cy'); // she chose Welsh
    h.messenger.sent.splice(0);

    // Nobody reviews for Carmarthenshire (669): the lead is told so, not that the reviewer was asked.
    const form = (await h.say(welshLead, 'adroddiad fade')).cards[0];
    const submitted = cardText((await h.press(welshLead, form, 'Cyflwyno i’r adolygydd', sections)).invokeCard);
    expect(submitted).toContain('does neb wedi cael cais am farn');
    expect(submitted).toContain('Does neb wedi cael cais am farn eto');
    expect(submitted).not.toContain('Gofynnwyd i’r adolygydd');
    expect(submitted).not.toContain('Yn aros am farn yr adolygydd');
    const toAdmin = personal(admin);
    expect(toAdmin).toHaveLength(1);
    expect(cardText(toAdmin[0].message.card)).toContain(
      '**Clwstwr Rhydaman** has submitted its FADE report (Interim round, 2026/27), but there is no reviewer',
    );
    expect(personal(reviewer)).toHaveLength(0); // reviews for 678 only

    // The admin makes Rhian a reviewer for 669 on the roles card: the waiting report goes to her, once.
    await h.execute(admin, Verbs.matchGrantRole, { userId: rhian.id, role: 'reviewer', laCode: '669', school: '' });
    await h.execute(admin, Verbs.matchGrantRole, { userId: rhian.id, role: 'adviser', laCode: '669', school: '' });
    expect(personal(rhian)).toHaveLength(1);
    expect(cardText(personal(rhian)[0].message.card)).toContain('Adroddiad FADE i’w adolygu: Clwstwr Rhydaman');
    expect(cardText((await h.say(welshLead, 'adroddiad fade')).cards[0])).toContain('Yn aros am farn yr adolygydd');

    // "View the report" on the channel card gives her the judgement form, which records it.
    const channelCard = h.messenger.updates.filter((u) => (u.conversation.conversation as { id: string }).id === CY_CHANNEL.id).at(-1)!.message.card!;
    const view = (await h.press(rhian, channelCard, 'Gweld yr adroddiad')).invokeCard!;
    expect(findAction(view, 'Cofnodi’r farn')).toBeDefined();
    const recorded = await h.press(rhian, view, 'Cofnodi’r farn', { judgement: 'strong', feedback: 'Gwaith da.' });
    expect(cardText(recorded.invokeCard)).toContain('Barn wedi’i chofnodi: Cryf');
    // Once judged, "View the report" shows the report with the judgement, and no form to judge it again.
    const after = (await h.press(rhian, channelCard, 'Gweld yr adroddiad')).invokeCard!;
    expect(cardText(after)).toContain('Barn yr adolygydd: Cryf');
    expect(findAction(after, 'Cofnodi’r farn')).toBeUndefined();
  });

  it('tells an English lead too, and a reviewer already there is asked as before', async () => {
    await h.runtime.roles.revoke({ tenantId: TENANT, userId: reviewer.id, role: 'reviewer', laCode: 678 });
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-23T09:00:00Z');
    const form = (await h.say(lead, 'fade report')).cards[0];
    const submitted = cardText((await h.press(lead, form, 'Submit to the reviewer', { ...sections, judgement: 'satisfactory' })).invokeCard);
    expect(submitted).toContain('Submitted, but nobody has been asked for a judgement');
    expect(submitted).not.toContain('The reviewer has been asked');
    expect(submitted).not.toContain('Waiting for the reviewer’s judgement');
    await h.execute(admin, Verbs.matchGrantRole, { userId: reviewer.id, role: 'reviewer', laCode: 'all', school: '' });
    expect(cardText(personal(reviewer).at(-1)!.message.card)).toContain('FADE report to review: Cwmbran High School cluster');
  });
});

describe('the channel card follows the round', () => {
  const updatesOf = (activityId: string) => h.messenger.updates.filter((u) => u.activityId === activityId);
  const occurrences = (text: string, part: string) => text.split(part).length - 1;

  it('is redrawn in place as a school adds notes, the lead opens the draft in personal chat, submits, and the reviewer judges', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-12-04T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500); // down since the d-14 reminder: it goes late, 5 working days before
    const posted = channelPosts()[0];
    const first = cardText(posted.message.card);
    expect(occurrences(first, '5 working days left')).toBe(1);
    expect(first).toContain('The lead has not started the report yet.');

    await h.say(member, 'fade note Joint moderation day held', CHANNEL);
    expect(cardText(updatesOf(posted.activityId!).at(-1)!.message.card)).toMatch(/Greenmeadow Primary School\nDrafted/);

    // "Start the report" in the channel: the form goes to the lead's chat, and the channel is told where it is.
    const pressed = await pressInChannel(lead, posted.message.card!, 'Start the report', posted.activityId!);
    expect(cardText(pressed.invokeCard)).toContain('Alice Head has the draft in their personal chat with Cydweithio');
    const opened = cardText(updatesOf(posted.activityId!).at(-1)!.message.card);
    expect(opened).toContain('Alice Head has the draft in their personal chat with Cydweithio');
    expect(findAction(updatesOf(posted.activityId!).at(-1)!.message.card!, 'Continue the report')).toBeDefined();
    const form = h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${lead.id}`).at(-1)!.message.card!;

    await h.press(lead, form, 'Submit to the reviewer', { focus: 'F', analysis: 'A', develop: '- D', evaluation: 'E', judgement: 'strong' });
    const submitted = updatesOf(posted.activityId!).at(-1)!.message.card!;
    const submittedText = cardText(submitted);
    expect(submittedText).toContain('Submitted on 4 December 2026');
    expect(submittedText).toMatch(/Cwmbran High School\nSubmitted/);
    expect(submittedText).toMatch(/Greenmeadow Primary School\nDrafted/);
    expect(submittedText).not.toContain('Not started');
    expect(submittedText).not.toContain('working days left');
    expect(findAction(submitted, 'View the report')).toBeDefined();
    expect(findAction(submitted, 'Start the report')).toBeUndefined();

    const review = h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${reviewer.id}`).at(-1)!.message.card!;
    await h.press(reviewer, review, 'Record judgement', { judgement: 'veryGood', feedback: 'Well done.' });
    expect(cardText(updatesOf(posted.activityId!).at(-1)!.message.card)).toContain('Reviewed: Very Good');
  });

  it('keeps the id of a card it posted without learning it, once someone presses it, and updates that card from then on', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const posted = channelPosts()[0];
    await h.runtime.db.query('delete from fade_posts'); // as when Teams never confirmed the post
    // Someone outside the cluster pressing a card in the channel changes nothing.
    await pressInChannel(outsider, posted.message.card!, 'Start the report', 'not-the-card');
    expect(await h.runtime.fadeStore.reminders.post((await h.runtime.fade.cycles.currentRound(TENANT, 1))!.id, 1)).toBeNull();
    await pressInChannel(lead, posted.message.card!, 'Start the report', posted.activityId!);
    expect(updatesOf(posted.activityId!).length).toBeGreaterThan(0);
  });

  it('stops updating a card Teams no longer has (404), and keeps posting in the channel', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    h.clock.set('2026-11-23T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    h.messenger.errors.push(Object.assign(new Error('Not Found: activity'), { statusCode: 404 }));
    await h.say(member, 'fade note Someone deleted the reminder', CHANNEL);
    expect(await h.runtime.fadeStore.channels.channelForCluster(1, [TENANT])).toMatchObject({ active: true });
    expect(await h.runtime.fadeStore.reminders.postedRounds(1)).toEqual([]);
    h.clock.set('2026-12-08T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    expect(channelPosts()).toHaveLength(2);
  });

  it('says in Welsh that the draft is in the lead’s personal chat, once per language', async () => {
    await h.activity(admin, teamInstall(CY_CHANNEL, '19:team-cy@thread.tacv2'));
    await h.say(welshLead, 'cysylltu clwstwr Rhydaman', CY_CHANNEL);
    await setCycle({ clusterIds: '2' });
    h.clock.set('2026-12-04T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const posted = channelPosts(CY_CHANNEL.id)[0];
    expect(occurrences(cardText(posted.message.card), '5 diwrnod gwaith ar ôl')).toBe(1);
    const pressed = await pressInChannel(welshLead, posted.message.card!, 'Dechrau’r adroddiad', posted.activityId!, CY_CHANNEL);
    expect(cardText(pressed.invokeCard)).toContain('Mae’r drafft gan Bethan Pennaeth yn ei sgwrs bersonol â Chydweithio');
    expect(findAction(updatesOf(posted.activityId!).at(-1)!.message.card!, 'Parhau â’r adroddiad')).toBeDefined();
  });

  it('does not send people to the lead’s personal chat when the lead has none: the draft opens where they pressed', async () => {
    await linkChannel(lead, 'Cwmbran');
    await setCycle({ clusterIds: '1' });
    await h.runtime.users.forgetPersonalConversation(TENANT, lead.id); // Teams said the lead's chat was gone
    h.clock.set('2026-12-04T09:00:00Z');
    await h.runtime.dispatcher.deliverDue(500);
    const posted = channelPosts()[0];
    const pressed = await pressInChannel(lead, posted.message.card!, 'Start the report', posted.activityId!);
    expect(findAction(pressed.invokeCard!, 'Submit to the reviewer')).toBeDefined();
    const shown = [cardText(pressed.invokeCard), ...updatesOf(posted.activityId!).map((u) => cardText(u.message.card))].join('\n');
    expect(shown).not.toContain('personal chat');
    const redrawn = updatesOf(posted.activityId!).at(-1);
    expect(redrawn).toBeDefined();
    expect(cardText(redrawn!.message.card)).toContain('Alice Head has started the draft. To edit and submit it, press Continue the report.');
  });
});
