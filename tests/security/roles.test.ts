import type { Activity } from 'botbuilder';
import { loadConfig } from '../../src/config';
import { Verbs } from '../../src/platform/cards/verbs';
import type { Database } from '../../src/platform/db/db';
import type { Logger } from '../../src/platform/log';
import { cardText, createHarness, findAction, seedSmallDirectory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/**
 * School roles from an attacker's side, through the real application: a role someone claims gives them nothing
 * until someone who knows confirms it, and a cluster's FADE draft reaches only the people it is for.
 */

const admin: TestUser = { id: 'aad-admin', name: 'Ann Admin', tenantId: TENANT, locale: 'en-GB' };
const alice: TestUser = { id: 'aad-alice', name: 'Alice Head', tenantId: TENANT, locale: 'en-GB' }; // head of the lead school
const gwen: TestUser = { id: 'aad-gwen', name: 'Gwen Green', tenantId: TENANT, locale: 'en-GB' }; // head of a member school
const bethan: TestUser = { id: 'aad-bethan', name: 'Bethan Pennaeth', tenantId: TENANT, locale: 'cy-GB' }; // head outside the cluster
const dafydd: TestUser = { id: 'aad-dafydd', name: 'Dafydd Adviser', tenantId: TENANT, locale: 'en-GB' };
const mallory: TestUser = { id: 'aad-mallory', name: 'Mallory', tenantId: TENANT, locale: 'en-GB' };
const nobody: TestUser = { id: 'aad-nobody', name: 'Nobody', tenantId: TENANT, locale: 'en-GB' };

const CHANNEL = { id: '19:cluster@thread.tacv2', conversationType: 'channel', tenantId: TENANT, isGroup: true } as Partial<Activity['conversation']>;
const LEAD_SCHOOL = 6784001;
const MEMBER_SCHOOL = 6782003;
const OTHER_MEMBER = 6782002; // in the cluster, nobody confirmed there
const OUTSIDE_SCHOOL = 6785001;

async function seed(db: Database): Promise<void> {
  await seedSmallDirectory(db);
  await db.exec(`
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils) values
      (6782003, 'Greenmeadow Primary School', null, 678, 'primary', 'english', 200),
      (6785001, 'Croesyceiliog School', null, 678, 'secondary', 'english', 1200);
    insert into clusters (id, name, la_code, lead_school_id, language) values (1, 'Cwmbran High School cluster', 678, 6784001, 'en');
    insert into cluster_members (cluster_id, school_id) values (1, 6784001), (1, 6782002), (1, 6782003);
  `);
}

interface LogLine {
  msg: string;
  fields: Record<string, unknown>;
}
const lines: LogLine[] = [];
const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields = {}) => lines.push({ msg, fields }) };
const refusals = () => lines.filter((l) => l.msg === 'action refused').map((l) => l.fields);

let h: Harness;
beforeEach(async () => {
  lines.splice(0);
  h = await createHarness({ seed, log, env: { ADMIN_USER_IDS: admin.id } });
  for (const u of [admin, alice, gwen, bethan, dafydd, mallory, nobody]) await h.say(u, 'help');
  await confirmSchoolRole(h.runtime, TENANT, alice.id, LEAD_SCHOOL, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, gwen.id, MEMBER_SCHOOL, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, OUTSIDE_SCHOOL, 'headteacher');
  await h.runtime.roles.grant({ tenantId: TENANT, userId: dafydd.id, role: 'adviser', laCode: 678 }, admin.id);
  h.messenger.sent.splice(0);
});
afterEach(() => h.close());

const actor = (u: TestUser) => ({ tenantId: TENANT, userId: u.id });
const sentTo = (u: TestUser) => h.messenger.sent.filter((s) => (s.conversation.conversation as { id: string }).id === `a:personal-${u.id}`);

/** Mallory re-sends the onboarding action, naming a school and role of her choosing. */
const claim = (u: TestUser, schoolId: number, role: string) => h.execute(u, Verbs.onboardConfirm, { query: '', schoolId: String(schoolId), role });

async function plannedAt(
  u: TestUser,
  school: number,
  answers: Record<string, string> = { focus: 'KS4 maths', need: 'Below the family for three years', objectives: 'Raise KS4 attainment' },
): Promise<string> {
  const plan = await h.runtime.plans.create(actor(u), school);
  await h.runtime.db.query('update plans set answers = $2, updated_at = $3 where id = $1', [plan.id, JSON.stringify(answers), h.clock.now()]);
  return plan.id;
}

async function setCycle(): Promise<void> {
  const form = (await h.say(admin, 'fade cycle 2026/27')).cards[0];
  await h.press(admin, form, 'Set the cycle', {
    round1Name: 'Interim round',
    round1Deadline: '2026-12-11',
    round2Name: 'Final round',
    round2Deadline: '2027-03-19',
    offsets: '-14, -3, 0, 5',
    sendTime: '09:00',
    clusterIds: '1',
  });
  await h.runtime.dispatcher.deliverDue(500); // the job that writes the cycle's reminders
  h.clock.set('2026-11-02T09:00:00Z');
}

async function linkChannel(): Promise<void> {
  await h.activity(admin, {
    type: 'conversationUpdate',
    membersAdded: [{ id: '28:cydweithio-bot', name: 'Cydweithio' }],
    conversation: CHANNEL as Activity['conversation'],
    channelData: { tenant: { id: TENANT }, team: { id: '19:team@thread.tacv2', name: 'Cluster team' }, eventType: 'teamMemberAdded' },
  });
  await h.say(alice, 'link cluster Cwmbran', CHANNEL);
}

describe("claiming someone else's school", () => {
  it('gives nothing until confirmed: the role stays unconfirmed, and the school’s head is asked', async () => {
    const reply = await claim(mallory, MEMBER_SCHOOL, 'headteacher');
    expect(cardText(reply.invokeCard)).toContain('You have asked to be confirmed as Headteacher at Greenmeadow Primary School.');
    expect(cardText(reply.invokeCard)).toContain('already has a confirmed headteacher');
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: null, schoolRole: null });
    expect(await h.runtime.users.get(TENANT, gwen.id)).toMatchObject({ schoolId: MEMBER_SCHOOL, schoolRole: 'headteacher' });
    // A second head claim goes to the current head and the school's adviser, each with Confirm and Reject.
    for (const decider of [gwen, dafydd]) {
      const card = sentTo(decider)[0]?.message.card;
      expect(cardText(card)).toContain('Mallory says they work at Greenmeadow Primary School. Role: Headteacher.');
      expect(findAction(card!, 'Confirm')).toBeDefined();
    }
    expect(sentTo(admin)).toHaveLength(0);
  });

  it('re-sending onboard.confirm for another school by someone who has one is only a new claim', async () => {
    await claim(bethan, LEAD_SCHOOL, 'headteacher');
    expect(await h.runtime.users.get(TENANT, bethan.id)).toMatchObject({ schoolId: OUTSIDE_SCHOOL, schoolRole: 'headteacher' });
    expect(await h.runtime.users.get(TENANT, alice.id)).toMatchObject({ schoolId: LEAD_SCHOOL, schoolRole: 'headteacher' });
    expect(await h.runtime.claims.pendingOf(TENANT, bethan.id)).toMatchObject({ schoolId: LEAD_SCHOOL, status: 'pending' });
  });

  it('a claim nobody at the school can confirm goes to its adviser; confirming it grants the role and ends the old one', async () => {
    await claim(bethan, OTHER_MEMBER, 'deputy');
    const card = sentTo(dafydd)[0].message.card!;
    expect(cardText(card)).toContain('Role: Deputy headteacher');
    // Bethan herself cannot confirm her own claim.
    const claimId = (await h.runtime.claims.pendingOf(TENANT, bethan.id))!.id;
    const self = await h.execute(bethan, Verbs.roleClaimConfirm, { claimId });
    expect(cardText(self.invokeCard)).toContain('Dim ond pennaeth yr ysgol');
    const confirmed = await h.press(dafydd, card, 'Confirm');
    expect(cardText(confirmed.invokeCard)).toContain('Confirmed: Bethan Pennaeth is now Deputy headteacher at Ysgol Gymraeg Cwmbran.');
    expect(await h.runtime.users.get(TENANT, bethan.id)).toMatchObject({ schoolId: OTHER_MEMBER, schoolRole: 'deputy' });
    expect(cardText(sentTo(bethan).at(-1)?.message.card)).toContain('Your role at Ysgol Gymraeg Cwmbran (Deputy headteacher) has been confirmed.');
    const audit = await h.runtime.audit.forSubject('schoolRoleClaim', claimId);
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([
      ['role.claim', bethan.id],
      ['role.confirm', dafydd.id],
    ]);
    // Pressed again (a retry): nothing changes, no second decision.
    await h.press(dafydd, card, 'Confirm');
    expect((await h.runtime.audit.forSubject('schoolRoleClaim', claimId)).length).toBe(2);
  });

  it('a rejection needs a reason, which the person is told', async () => {
    await claim(mallory, MEMBER_SCHOOL, 'deputy');
    const card = sentTo(gwen)[0].message.card!;
    const noReason = await h.press(gwen, card, 'Reject', { reason: ' ' });
    expect(cardText(noReason.invokeCard)).toContain('Please give a reason');
    const rejected = await h.press(gwen, card, 'Reject', { reason: 'Not on our staff' });
    expect(cardText(rejected.invokeCard)).toContain('Rejected. Reason: Not on our staff');
    expect(cardText(sentTo(mallory).at(-1)?.message.card)).toContain('was not confirmed. Reason: Not on our staff');
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: null });
  });
});

describe('finding and assigning roles', () => {
  it('"claims" lists only the claims the reader may decide', async () => {
    await claim(mallory, MEMBER_SCHOOL, 'deputy');
    const forGwen = (await h.say(gwen, 'claims')).cards[0];
    expect(cardText(forGwen)).toContain('Mallory: Deputy headteacher, Greenmeadow Primary School');
    const opened = await h.press(gwen, forGwen, 'Open');
    expect(findAction(opened.invokeCard!, 'Confirm')).toBeDefined();
    expect(cardText((await h.say(bethan, 'ceisiadau rôl')).cards[0])).toContain('Does dim rolau ysgol yn aros');
    expect(cardText((await h.say(mallory, 'claims')).cards[0])).toContain('No school roles are waiting');
    // Opening someone else's claim by id is refused and logged.
    const claimId = (await h.runtime.claims.pendingOf(TENANT, mallory.id))!.id;
    await h.execute(bethan, Verbs.roleClaimConfirm, { claimId });
    expect(refusals()).toEqual([expect.objectContaining({ userId: bethan.id, reason: 'roles.claim.notDecider' })]);
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: null });
  });

  it('an admin imports roles from CSV all or nothing; nobody else can', async () => {
    const form = (await h.say(admin, 'school roles')).cards[0];
    const bad = await h.press(admin, form, 'Import roles', {
      csv: `school,user,role\n${OTHER_MEMBER},${mallory.id},headteacher\n9999999,${nobody.id},deputy\n${OTHER_MEMBER},${nobody.id},boss`,
    });
    expect(cardText(bad.invokeCard)).toContain('Nothing was imported');
    expect(cardText(bad.invokeCard)).toContain('no school has the number "9999999"');
    expect(cardText(bad.invokeCard)).toContain('"boss" is not a role');
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: null });
    const good = await h.press(admin, form, 'Import roles', {
      csv: `school,user,role\n${OTHER_MEMBER},${mallory.id},headteacher\n${OTHER_MEMBER},${nobody.id},deputy`,
    });
    expect(cardText(good.invokeCard)).toContain('2 roles assigned.');
    expect(await h.runtime.users.get(TENANT, nobody.id)).toMatchObject({ schoolId: OTHER_MEMBER, schoolRole: 'deputy' });
    // Directly, from the same card: Gwen's school gets a new head, and Gwen's role ends (one head per school).
    const assigned = await h.press(admin, form, 'Assign role', { userId: mallory.id, school: String(MEMBER_SCHOOL), role: 'headteacher' });
    expect(cardText(assigned.invokeCard)).toContain('Mallory is now Headteacher at Greenmeadow Primary School.');
    expect(await h.runtime.users.get(TENANT, gwen.id)).toMatchObject({ schoolId: null, schoolRole: null });
    expect(cardText((await h.say(mallory, 'school roles')).cards[0])).not.toContain('Import roles');
    expect(refusals()).toEqual([expect.objectContaining({ userId: mallory.id, reason: 'admin.only' })]);
  });
});

describe('acting on a pending claim', () => {
  it('cannot answer the school’s requests, nor see them in my requests', async () => {
    const planId = await plannedAt(bethan, OUTSIDE_SCHOOL);
    const asked = await h.runtime.matching.askDirect(actor(bethan), planId, MEMBER_SCHOOL);
    expect(asked.kind).toBe('ok');
    const requestId = asked.kind === 'ok' ? asked.value.context.request.id : '';
    await claim(mallory, MEMBER_SCHOOL, 'headteacher');

    const list = await h.say(mallory, 'my requests');
    expect(cardText(list.cards[0])).not.toContain('KS4 maths');
    const accepted = await h.execute(mallory, Verbs.matchAccept, { requestId, version: 1 });
    expect(cardText(accepted.invokeCard)).not.toContain('agreed');
    expect((await h.runtime.db.query<{ state: string }>('select state from support_requests where id = $1', [requestId]))[0].state).not.toBe('accepted');
    expect(refusals().some((r) => r.userId === mallory.id && r.action === Verbs.matchAccept)).toBe(true);
    // She is told, in her language, who has been asked to confirm her role.
    expect(cardText(accepted.invokeCard)).toContain('Your role at Greenmeadow Primary School (Headteacher) is not confirmed yet: ');
    expect(cardText(accepted.invokeCard)).toContain('we have asked the school’s headteacher and its adviser (Gwen Green, Dafydd Adviser) to confirm it.');
  });

  it('cannot change the school’s capacity or openness', async () => {
    await claim(mallory, OTHER_MEMBER, 'headteacher');
    const before = await h.runtime.db.query('select capacity, open_to_requests from schools where id = $1', [OTHER_MEMBER]);
    const saved = await h.execute(mallory, Verbs.matchStrengthsSave, { schoolId: String(OTHER_MEMBER), capacity: '0', openToRequests: 'false' });
    expect(await h.runtime.db.query('select capacity, open_to_requests from schools where id = $1', [OTHER_MEMBER])).toEqual(before);
    expect(cardText(saved.invokeCard)).toContain('is not confirmed yet');
    expect(cardText((await h.say(mallory, 'my school')).cards[0])).toContain('we have asked the school’s adviser (Dafydd Adviser) to confirm it');
  });

  it('cannot take the cluster lead or open the draft', async () => {
    await linkChannel();
    await setCycle();
    await claim(mallory, OTHER_MEMBER, 'headteacher');
    const taken = await h.say(mallory, 'cluster lead', CHANNEL);
    expect(cardText(taken.cards[0])).toContain('Only the head of a member school');
    expect(await h.runtime.fadeStore.clusters.leadPerson([TENANT], (await h.runtime.fadeStore.clusters.getCluster(1))!)).toMatchObject({ userId: alice.id });
    const report = await h.say(mallory, 'fade report', CHANNEL);
    expect(cardText(report.cards[0])).not.toContain('Focus of evaluation');
    expect(h.messenger.sent.filter((s) => JSON.stringify(s.message).includes('Focus of evaluation'))).toHaveLength(0);
    expect(
      refusals()
        .filter((r) => r.userId === mallory.id)
        .map((r) => r.reason),
    ).toEqual(['fade.lead.notMember', 'fade.report.forbidden']);
  });

  it('cannot send a support request on behalf of the school it claims, and is told who was asked to confirm', async () => {
    await claim(mallory, OTHER_MEMBER, 'headteacher');
    const planId = await plannedAt(mallory, OTHER_MEMBER, {
      focus: 'KS2 reading',
      need: 'Below the family for three years',
      objectives: 'Raise KS2 reading',
      successCriteria: 'Most pupils at the expected level',
    });
    h.messenger.sent.splice(0);
    lines.splice(0);
    const broker = await h.execute(mallory, Verbs.matchAskBroker, { planId, lookFurther: 'false' });
    const direct = await h.execute(mallory, Verbs.matchAskDirect, { planId, schoolId: String(OUTSIDE_SCHOOL), lookFurther: 'false' });
    for (const reply of [broker, direct]) {
      expect(cardText(reply.invokeCard)).toContain('A support request goes out on behalf of your school');
      expect(cardText(reply.invokeCard)).toContain(
        'Your role at Ysgol Gymraeg Cwmbran (Headteacher) is not confirmed yet: we have asked the school’s adviser (Dafydd Adviser)',
      );
    }
    expect(await h.runtime.db.query('select id from support_requests')).toEqual([]);
    expect(h.messenger.sent).toEqual([]);
    expect(refusals().map((r) => [r.userId, r.reason])).toEqual([
      [mallory.id, 'match.notConfirmedForSchool'],
      [mallory.id, 'match.notConfirmedForSchool'],
    ]);
  });

  it('may still plan in private for the school it claims', async () => {
    await claim(mallory, OTHER_MEMBER, 'headteacher');
    const started = await h.say(mallory, 'new plan');
    expect(cardText(started.cards[0])).toContain('Focus');
    expect((await h.runtime.plans.list(actor(mallory))).map((p) => p.schoolId)).toEqual([OTHER_MEMBER, OTHER_MEMBER]);
  });
});

describe('two deciders at once', () => {
  it('exactly one wins; the other is told what was decided', async () => {
    await claim(mallory, MEMBER_SCHOOL, 'deputy');
    const claimId = (await h.runtime.claims.pendingOf(TENANT, mallory.id))!.id;
    const [byHead, byAdmin] = await Promise.all([
      h.runtime.schoolRoles.decide(actor(gwen), claimId, 'rejected', 'Not on our staff'),
      h.runtime.schoolRoles.decide(actor(admin), claimId, 'confirmed', ''),
    ]);
    const kinds = [byHead.kind, byAdmin.kind].sort();
    expect(kinds).toEqual(['ok', 'problem']);
    const decisions = (await h.runtime.audit.forSubject('schoolRoleClaim', claimId)).filter((a) => a.action !== 'role.claim');
    expect(decisions).toHaveLength(1);
    const final = await h.runtime.claims.get(claimId, [TENANT]);
    const winner = byHead.kind === 'ok' ? gwen : admin;
    expect(final).toMatchObject({ status: winner === gwen ? 'rejected' : 'confirmed', decidedBy: winner.id });
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: winner === gwen ? null : MEMBER_SCHOOL });
  });

  it('two head claims for one school: one confirmed head at most', async () => {
    await claim(mallory, OTHER_MEMBER, 'headteacher');
    await claim(nobody, OTHER_MEMBER, 'headteacher');
    const a = (await h.runtime.claims.pendingOf(TENANT, mallory.id))!.id;
    const b = (await h.runtime.claims.pendingOf(TENANT, nobody.id))!.id;
    await Promise.all([h.runtime.schoolRoles.decide(actor(dafydd), a, 'confirmed', ''), h.runtime.schoolRoles.decide(actor(admin), b, 'confirmed', '')]);
    const heads = await h.runtime.db.query(`select user_id from users where school_id = $1 and school_role = 'headteacher'`, [OTHER_MEMBER]);
    expect(heads).toHaveLength(1);
  });
});

describe('the FADE draft', () => {
  async function draftedByLead(): Promise<void> {
    await linkChannel();
    await setCycle();
    await plannedAt(gwen, MEMBER_SCHOOL, { focus: 'Reasoning', provision: 'Y6 reasoning lessons' });
    await h.say(alice, 'fade report', CHANNEL);
  }

  it('from the channel, by a person with no school, is refused and logged', async () => {
    await draftedByLead();
    h.messenger.sent.splice(0);
    lines.splice(0);
    const typed = await h.say(nobody, 'fade report', CHANNEL);
    expect(cardText(typed.cards[0])).not.toContain('Y6 reasoning');
    expect(h.messenger.sent.filter((s) => JSON.stringify(s.message).includes('Y6 reasoning'))).toHaveLength(0);
    expect(refusals()).toEqual([expect.objectContaining({ userId: nobody.id, reason: 'fade.report.forbidden' })]);
  });

  it('reaches the lead, a confirmed member head and the adviser; not a head outside the cluster', async () => {
    await draftedByLead();
    const report = await h.runtime.fadeStore.reports.report((await h.runtime.fade.cycles.currentRound(TENANT, 1))!.id, 1);
    const open = (u: TestUser) => h.execute(u, Verbs.fadeOpenReport, { roundId: report!.roundId, clusterId: '1' });
    for (const u of [alice, gwen, dafydd, admin]) expect(JSON.stringify((await open(u)).invokeCard)).toContain('Y6 reasoning');
    expect(JSON.stringify((await open(bethan)).invokeCard)).not.toContain('Y6 reasoning');
  });

  it('quotes a plan only while its owner is the confirmed head of a member school, and never one left out', async () => {
    await linkChannel();
    await setCycle();
    await plannedAt(gwen, MEMBER_SCHOOL, { provision: 'Kept in' });
    const leftOut = await plannedAt(gwen, MEMBER_SCHOOL, { provision: 'Private matter', effectiveness: 'More said' });
    await claim(mallory, OTHER_MEMBER, 'headteacher');
    await plannedAt(mallory, OTHER_MEMBER, { provision: 'Claimed, not confirmed' });
    // The owner sees on the summary that the plan feeds the cluster report, and leaves this one out.
    const summary = (await h.execute(gwen, Verbs.planOpen, { planId: leftOut })).invokeCard!;
    expect(cardText(summary)).toContain('This plan feeds the FADE report of Cwmbran High School cluster');
    const switched = await h.press(gwen, summary, 'Leave out of the cluster report');
    expect(cardText(switched.invokeCard)).toContain('This plan is left out of the FADE report of Cwmbran High School cluster.');
    const reopened = (await h.execute(gwen, Verbs.planOpen, { planId: leftOut })).invokeCard!;
    expect(cardText(reopened)).toContain('This plan is left out of the FADE report of Cwmbran High School cluster.');
    // Someone else cannot flip it back.
    await h.execute(mallory, Verbs.planClusterReport, { planId: leftOut, include: 'true' });

    const draft = JSON.stringify((await h.say(alice, 'fade report')).cards[0]);
    expect(draft).toContain('Kept in');
    expect(draft).not.toContain('Private matter');
    expect(draft).not.toContain('Claimed, not confirmed');
  });
});

describe('local demo mode', () => {
  it('confirms at once when configured, and the card says so', async () => {
    await h.close();
    h = await createHarness({ seed, log, env: { LOCAL_AUTO_CONFIRM: 'true' } });
    await h.say(mallory, 'help');
    const reply = await claim(mallory, MEMBER_SCHOOL, 'headteacher');
    expect(cardText(reply.invokeCard)).toContain('This is a local demo, so your role was confirmed at once');
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: MEMBER_SCHOOL, schoolRole: 'headteacher' });
  });

  it('is never on with a bot id', () => {
    expect(loadConfig({ BOT_ID: 'x', BOT_PASSWORD: 'y', DEMO_DATA: 'true' }).LOCAL_AUTO_CONFIRM).toBe(false);
    expect(() => loadConfig({ BOT_ID: 'x', BOT_PASSWORD: 'y', LOCAL_AUTO_CONFIRM: 'true' })).toThrow(/LOCAL_AUTO_CONFIRM/);
    expect(loadConfig({ DEMO_DATA: 'true' }).LOCAL_AUTO_CONFIRM).toBe(true);
  });
});
