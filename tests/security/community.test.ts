import type { CardJson } from '../../src/platform/cards/render';
import { Verbs } from '../../src/platform/cards/verbs';
import type { Database } from '../../src/platform/db/db';
import { cardText, createHarness, seedSmallDirectory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';
import { SqlPersonalDataStore } from '../../src/features/privacy/repository';

/**
 * One community per deployment, through the real application: the tenants in ALLOWED_TENANT_IDS work together (an
 * adviser in the local authority's tenant brokers and confirms for heads in the schools' tenant); with the list
 * empty every tenant is on its own, and nothing of one tenant's people reaches another's.
 */

const LA_TENANT = '99999999-8888-7777-6666-555555555555';
const OTHER_TENANT = 'cccccccc-0000-4000-8000-000000000000';

const LEAD_SCHOOL = 6784001;
const MEMBER_SCHOOL = 6782003;
const PARTNER_SCHOOL = 6785001;
const NO_HEAD_SCHOOL = 6782002;

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

const person = (id: string, name: string, tenantId: string): TestUser => ({ id, name, tenantId, locale: 'en-GB' });
const actor = (u: TestUser) => ({ tenantId: u.tenantId, userId: u.id });

let h: Harness;
afterEach(() => h.close());

const sentTo = (u: TestUser): CardJson[] =>
  h.messenger.sent.filter((s) => (s.conversation.conversation as { id?: string }).id === `a:personal-${u.id}`).map((s) => s.message.card!);

/** A plan with everything a request needs, written through the plan service as its owner would. */
async function readyPlan(u: TestUser, schoolId: number, focus: string): Promise<string> {
  const { plans } = h.runtime;
  const planId = (await plans.create(actor(u), schoolId)).id;
  let version = 1;
  for (const [field, text] of [
    ['focus', focus],
    ['need', 'Below the family of similar schools for three years'],
    ['objectives', 'Raise attainment of FSM pupils'],
    ['successCriteria', '60% of the group at the expected level'],
  ] as const) {
    const saved = await plans.saveAnswer(actor(u), planId, version, field, { text });
    if (saved.kind !== 'ok') throw new Error(`readyPlan: ${saved.kind}`);
    version = saved.value.plan.version;
  }
  return planId;
}

describe('two allowed tenants: one community', () => {
  const alice = person('aad-alice', 'Alice Head', TENANT);
  const bethan = person('aad-bethan', 'Bethan Head', TENANT);
  const mallory = person('aad-mallory', 'Mallory Deputy', TENANT);
  const dafydd = person('aad-dafydd', 'Dafydd Adviser', LA_TENANT); // in the local authority's tenant
  const nia = person('aad-nia', 'Nia Newhead', LA_TENANT);

  beforeEach(async () => {
    h = await createHarness({ seed, env: { ALLOWED_TENANT_IDS: `${TENANT},${LA_TENANT}` } });
    for (const u of [alice, bethan, mallory, dafydd, nia]) await h.say(u, 'help');
    await confirmSchoolRole(h.runtime, TENANT, alice.id, LEAD_SCHOOL, 'headteacher');
    await confirmSchoolRole(h.runtime, TENANT, bethan.id, PARTNER_SCHOOL, 'headteacher');
    await h.runtime.roles.grant({ tenantId: LA_TENANT, userId: dafydd.id, role: 'adviser', laCode: 678 }, 'test-setup');
    h.messenger.sent.splice(0);
  });

  it('an adviser in the other tenant brokers a head’s request and approves a partner', async () => {
    const planId = await readyPlan(alice, LEAD_SCHOOL, 'KS4 maths across the community');
    const sent = await h.execute(alice, Verbs.matchAskBroker, { planId, lookFurther: 'false' });
    expect(cardText(sent.invokeCard)).toContain('Sent to your advisers (1)');
    const adviserCard = sentTo(dafydd)[0];
    expect(cardText(adviserCard)).toContain('KS4 maths across the community');

    const mine = (await h.say(dafydd, 'my requests')).cards[0];
    expect(cardText(mine)).toContain('KS4 maths across the community');
    const requestId = (await h.runtime.requests.latestForPlan(planId, [TENANT]))!.id;
    const approved = await h.execute(dafydd, Verbs.matchApprove, { requestId, version: 1, schoolId: PARTNER_SCHOOL });
    expect(cardText(approved.invokeCard)).toContain('Approved by Dafydd Adviser: Croesyceiliog School has been asked.');
    expect((await h.runtime.requests.get(requestId, [TENANT]))!).toMatchObject({
      state: 'awaitingSchool',
      chosenSchoolId: PARTNER_SCHOOL,
      decidedBy: dafydd.id,
    });
    expect(cardText(sentTo(bethan)[0])).toContain('KS4 maths across the community');
    expect(cardText(sentTo(alice).at(-1))).toContain('Approved by Dafydd Adviser');
  });

  it('an adviser in the other tenant is asked to confirm a claim, and confirms it', async () => {
    await h.execute(mallory, Verbs.onboardConfirm, { query: '', schoolId: String(NO_HEAD_SCHOOL), role: 'deputy' });
    const card = sentTo(dafydd)[0];
    expect(cardText(card)).toContain('Mallory Deputy says they work at Ysgol Gymraeg Cwmbran. Role: Deputy headteacher.');
    expect(cardText((await h.say(dafydd, 'claims')).cards[0])).toContain('Mallory Deputy');
    const confirmed = await h.press(dafydd, card, 'Confirm');
    expect(cardText(confirmed.invokeCard)).toContain('Confirmed: Mallory Deputy is now Deputy headteacher at Ysgol Gymraeg Cwmbran.');
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: NO_HEAD_SCHOOL, schoolRole: 'deputy' });

    // The decision is the adviser's personal data too, though the claim is kept in the schools' tenant.
    const store = new SqlPersonalDataStore(h.runtime.db, h.runtime.community);
    const exported = await store.exportPerson(LA_TENANT, dafydd.id);
    expect(exported.claimsDecided).toEqual([expect.objectContaining({ schoolId: NO_HEAD_SCHOOL, role: 'deputy', status: 'confirmed' })]);
    const deleted = await h.runtime.db.transaction((tx) => store.deletePerson(LA_TENANT, dafydd.id, tx));
    expect(deleted.claimsAnonymised).toBe(1);
    expect((await store.exportPerson(LA_TENANT, dafydd.id)).claimsDecided).toEqual([]);
  });

  it('an admin in the other tenant assigns a school role to someone in the schools’ tenant', async () => {
    const lara = person('aad-lara', 'Lara LA Admin', LA_TENANT);
    await h.say(lara, 'help');
    await h.runtime.roles.grant({ tenantId: LA_TENANT, userId: lara.id, role: 'admin', laCode: null }, 'test-setup');
    const form = (await h.say(lara, 'school roles')).cards[0];
    const assigned = await h.press(lara, form, 'Assign role', { userId: mallory.id, school: String(NO_HEAD_SCHOOL), role: 'deputy' });
    expect(cardText(assigned.invokeCard)).toContain('Mallory Deputy is now Deputy headteacher at Ysgol Gymraeg Cwmbran.');
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: NO_HEAD_SCHOOL, schoolRole: 'deputy' });
  });

  it('a school has one confirmed head in the community, whichever tenant they are in', async () => {
    await h.execute(nia, Verbs.onboardConfirm, { query: '', schoolId: String(LEAD_SCHOOL), role: 'headteacher' });
    // The current head (in the schools' tenant) and the adviser (in the LA's) are both asked.
    expect(cardText(sentTo(alice)[0])).toContain('Nia Newhead says they work at Cwmbran High School. Role: Headteacher.');
    await h.press(dafydd, sentTo(dafydd)[0], 'Confirm');
    expect(await h.runtime.users.get(LA_TENANT, nia.id)).toMatchObject({ schoolId: LEAD_SCHOOL, schoolRole: 'headteacher' });
    expect(await h.runtime.users.get(TENANT, alice.id)).toMatchObject({ schoolId: null, schoolRole: null });
  });
});

describe('no allowed list: each tenant on its own', () => {
  // Tenant A
  const alice = person('aad-alice', 'Alice Head', TENANT); // head of the lead school
  const gwen = person('aad-gwen', 'Gwen Green', TENANT); // head of a member school
  const mallory = person('aad-mallory', 'Mallory Claimant', TENANT);
  const dafydd = person('aad-dafydd', 'Dafydd Adviser', TENANT);
  const ann = person('aad-ann', 'Ann Admin', TENANT);
  // Tenant C: the same schools, other people
  const carl = person('aad-carl', 'Carl Lead', OTHER_TENANT); // head of the lead school in C
  const cat = person('aad-cat', 'Cat Member', OTHER_TENANT); // head of the same member school in C
  const cora = person('aad-cora', 'Cora Admin', OTHER_TENANT);

  const SECRET_FOCUS = 'Tenant A private focus';
  const SECRET_NOTE = 'Tenant A private note';
  const SECRET_PRIORITY = 'Tenant A private priority';

  async function setCycle(admin: TestUser): Promise<void> {
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
  }

  beforeEach(async () => {
    h = await createHarness({ seed });
    for (const u of [alice, gwen, mallory, dafydd, ann, carl, cat, cora]) await h.say(u, 'help');
    const { roles } = h.runtime;
    await confirmSchoolRole(h.runtime, TENANT, alice.id, LEAD_SCHOOL, 'headteacher');
    await confirmSchoolRole(h.runtime, TENANT, gwen.id, MEMBER_SCHOOL, 'headteacher');
    await roles.grant({ tenantId: TENANT, userId: dafydd.id, role: 'adviser', laCode: 678 }, 'test-setup');
    await roles.grant({ tenantId: TENANT, userId: ann.id, role: 'admin', laCode: null }, 'test-setup');
    await roles.grant({ tenantId: OTHER_TENANT, userId: cora.id, role: 'admin', laCode: null }, 'test-setup');
    await confirmSchoolRole(h.runtime, OTHER_TENANT, carl.id, LEAD_SCHOOL, 'headteacher');

    // Tenant A's people at work: a plan and a brokered request, a pending claim, a cycle, a note, a chosen lead.
    const planId = await readyPlan(gwen, MEMBER_SCHOOL, SECRET_FOCUS);
    expect((await h.runtime.matching.askBroker(actor(gwen), planId)).kind).toBe('ok');
    await h.execute(mallory, Verbs.onboardConfirm, { query: '', schoolId: String(NO_HEAD_SCHOOL), role: 'deputy' });
    await setCycle(ann);
    h.clock.set('2026-11-02T09:00:00Z');
    expect(cardText((await h.say(gwen, `fade note ${SECRET_NOTE}`)).cards[0])).toContain('Your note will go into the draft');
    expect(cardText((await h.say(alice, 'cluster lead Gwen')).cards[0])).toContain('Gwen Green now leads');
    expect(cardText((await h.say(gwen, `fade priorities ${SECRET_PRIORITY}`)).cards[0])).toContain(SECRET_PRIORITY);
    expect(JSON.stringify((await h.say(gwen, 'fade report')).cards[0])).toContain(SECRET_NOTE);
    h.messenger.sent.splice(0);
  });

  it('both tenants have their own head of the same school and their own cluster lead', async () => {
    // Cat claims the headship of Gwen's school in tenant C: only C's admin is asked, and Gwen keeps her role.
    await h.execute(cat, Verbs.onboardConfirm, { query: '', schoolId: String(MEMBER_SCHOOL), role: 'headteacher' });
    expect(sentTo(gwen)).toHaveLength(0);
    expect(sentTo(dafydd)).toHaveLength(0);
    await h.press(cora, sentTo(cora)[0], 'Confirm');
    expect(await h.runtime.users.get(OTHER_TENANT, cat.id)).toMatchObject({ schoolId: MEMBER_SCHOOL, schoolRole: 'headteacher' });
    expect(await h.runtime.users.get(TENANT, gwen.id)).toMatchObject({ schoolId: MEMBER_SCHOOL, schoolRole: 'headteacher' });

    // Each tenant's lead of the same cluster.
    expect(cardText((await h.say(carl, 'cluster lead Cat')).cards[0])).toContain('Cat Member now leads');
    const cluster = (await h.runtime.fadeStore.clusters.getCluster(1))!;
    expect(await h.runtime.fadeStore.clusters.leadPerson([OTHER_TENANT], cluster)).toMatchObject({ tenantId: OTHER_TENANT, userId: cat.id });
    expect(await h.runtime.fadeStore.clusters.leadPerson([TENANT], cluster)).toMatchObject({ tenantId: TENANT, userId: gwen.id });
    // Gwen still leads in A (she can open the report as its editor); Carl, no longer the lead in C, cannot hand it on.
    expect(cardText((await h.say(gwen, 'fade report')).cards[0])).toContain('Save draft');
    expect(cardText((await h.say(carl, 'cluster lead Carl')).cards[0])).toContain('Only the cluster lead or an admin');
  });

  it('a person in the other tenant sees nothing of tenant A in any card', async () => {
    await confirmSchoolRole(h.runtime, OTHER_TENANT, cat.id, MEMBER_SCHOOL, 'headteacher');
    await h.runtime.roles.grant({ tenantId: OTHER_TENANT, userId: cat.id, role: 'adviser', laCode: 678 }, 'test-setup');
    await setCycle(cora);
    const shown: string[] = [];
    const look = async (reply: Promise<{ cards: CardJson[]; invokeCard?: CardJson }>) => {
      const r = await reply;
      shown.push(JSON.stringify([r.cards, r.invokeCard ?? null]));
      return r;
    };
    // Their own lists: requests (as the head and as an adviser of the same LA), plans, claims to decide, the draft.
    await look(h.say(cat, 'my requests'));
    await look(h.say(cat, 'my plans'));
    await look(h.say(cat, 'claims'));
    await look(h.say(cora, 'claims'));
    await look(h.say(cora, 'school roles'));
    await look(h.say(carl, 'fade priorities Tenant C priority'));
    expect(await h.runtime.fadeStore.clusters.priorities(1, [TENANT])).toEqual([SECRET_PRIORITY]);
    await look(h.say(carl, 'fade report'));
    await look(h.say(cat, 'fade report'));
    await look(h.say(carl, 'cluster lead'));

    // Tenant A's records named on cards: refused or not found, never shown.
    const request = (await h.runtime.db.query<{ id: string; plan_id: string }>('select id, plan_id from support_requests'))[0];
    const claimId = (await h.runtime.claims.pendingOf(TENANT, mallory.id))!.id;
    const roundA = (await h.runtime.fade.cycles.currentRound(TENANT, 1))!;
    for (const [verb, data] of [
      [Verbs.matchAdviserView, { requestId: request.id }],
      [Verbs.matchStatus, { requestId: request.id }],
      [Verbs.matchSchoolView, { requestId: request.id }],
      [Verbs.planOpen, { planId: request.plan_id }],
      [Verbs.roleClaimView, { claimId }],
      [Verbs.fadeOpenReport, { roundId: roundA.id, clusterId: '1' }],
    ] as const)
      await look(h.execute(cat, verb, data));
    const approve = await look(h.execute(cat, Verbs.matchApprove, { requestId: request.id, version: 1, schoolId: LEAD_SCHOOL }));
    expect(cardText(approve.invokeCard)).not.toContain('Approved');
    expect(await h.runtime.claims.pendingOf(TENANT, mallory.id)).not.toBeNull();
    const confirm = await look(h.execute(cora, Verbs.roleClaimConfirm, { claimId }));
    expect(cardText(confirm.invokeCard)).not.toContain('Confirmed');
    expect(await h.runtime.users.get(TENANT, mallory.id)).toMatchObject({ schoolId: null });

    // In C's own channel, opening the notes form with A's round shows nothing of A's reminder (its lead, its schools' progress).
    await look(
      h.activity(cat, {
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: 'card-message-id',
        conversation: { id: '19:c-cluster@thread.tacv2', conversationType: 'channel', tenantId: OTHER_TENANT, isGroup: true } as never,
        value: { action: { type: 'Action.Execute', verb: Verbs.fadeOpenNote, data: { roundId: roundA.id, clusterId: '1' } }, trigger: 'manual' },
      }),
    );

    // A note written in C on A's round goes nowhere near A's report.
    await look(h.execute(cat, Verbs.fadeSaveNote, { roundId: roundA.id, clusterId: '1', text: 'Written from tenant C', done: 'false' }));
    const draftA = JSON.stringify((await h.say(gwen, 'fade report')).cards[0]);
    expect(draftA).toContain(SECRET_NOTE);
    expect(draftA).not.toContain('Written from tenant C');

    for (const text of shown) {
      for (const secret of [SECRET_FOCUS, SECRET_NOTE, SECRET_PRIORITY, 'Gwen Green', 'Mallory Claimant', 'Alice Head', 'Dafydd Adviser'])
        expect(text).not.toContain(secret);
    }
    expect(h.messenger.sent.map((s) => JSON.stringify(s.message)).join('\n')).not.toContain(SECRET_FOCUS);
    // C's own draft is there (the test would pass trivially if nothing were drawn).
    expect(shown.some((s) => s.includes('Save draft'))).toBe(true);
  });
});
