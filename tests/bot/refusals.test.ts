import { Verbs } from '../../src/platform/cards/verbs';
import type { Logger } from '../../src/platform/log';
import type { Database } from '../../src/platform/db/db';
import { alice, bethan, cardText, createHarness, mallory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/**
 * Card payloads naming someone else's record are refused politely AND logged: one warn line per
 * refusal, saying who tried which action on which record and why, so a security review can find them.
 */

async function seed(db: Database): Promise<void> {
  await db.exec(`
    insert into local_authorities (code, name_en, name_cy, consortium) values
      (669, 'Carmarthenshire', 'Sir Gaerfyrddin', 'ERW'), (678, 'Torfaen', 'Tor-faen', 'EAS');
    insert into schools (id, name_en, name_cy, la_code, phase, language_medium, pupils, latitude, longitude) values
      (6784001, 'Cwmbran High School', null, 678, 'secondary', 'english', 1100, 51.653, -3.021),
      (6785001, 'Croesyceiliog School', null, 678, 'secondary', 'english', 1200, 51.666, -2.999),
      (6782002, 'Ysgol Gymraeg Cwmbran', null, 678, 'primary', 'welsh', 420, 51.650, -3.030),
      (6692001, 'Ysgol Gymraeg Rhydaman', null, 669, 'primary', 'welsh', 310, 51.790, -3.990);
  `);
}

const dafydd: TestUser = { id: 'aad-dafydd', name: 'Dafydd Adviser', tenantId: TENANT, locale: 'en-GB' };
const gwen: TestUser = { id: 'aad-gwen', name: 'Gwen Other-LA Adviser', tenantId: TENANT, locale: 'en-GB' };
const carys: TestUser = { id: 'aad-carys', name: 'Carys Pennaeth', tenantId: TENANT, locale: 'cy-GB' };

interface LogLine {
  msg: string;
  fields: Record<string, unknown>;
}
const lines: LogLine[] = [];
const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields = {}) => lines.push({ msg, fields }) };
const refusals = () => lines.filter((l) => l.msg === 'action refused').map((l) => l.fields);

let h: Harness;
let planId: string;

beforeAll(async () => {
  h = await createHarness({ seed, log });
  for (const user of [alice, bethan, dafydd, gwen, carys, mallory]) await h.say(user, 'help');
  const { roles, plans } = h.runtime;
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6785001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, carys.id, 6782002, 'headteacher');
  await roles.grant({ tenantId: TENANT, userId: dafydd.id, role: 'adviser', laCode: 678 }, 'admin');
  await roles.grant({ tenantId: TENANT, userId: gwen.id, role: 'adviser', laCode: 669 }, 'admin');
  const actor = { tenantId: TENANT, userId: alice.id };
  planId = (await plans.create(actor, 6784001)).id;
  let version = 1;
  for (const [field, text] of [
    ['focus', 'KS4 maths'],
    ['need', 'Below the family for three years'],
    ['objectives', 'Raise KS4 attainment'],
  ] as const) {
    const saved = await plans.saveAnswer(actor, planId, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
});
afterAll(() => h.close());
beforeEach(() => lines.splice(0));

const requestRow = async (id: string) =>
  (await h.runtime.db.query('select state, version, chosen_school_id, decided_by from support_requests where id = $1', [id]))[0];

describe("another user's plan", () => {
  it('refuses opening and changing it, and logs who tried which action on which plan', async () => {
    const before = await h.runtime.planRepository.get(planId, [TENANT]);
    const opened = await h.execute(mallory, Verbs.planOpen, { planId });
    expect(cardText(opened.invokeCard)).toContain('belongs to someone else');
    const saved = await h.execute(mallory, Verbs.planSaveField, { planId, version: before!.version, field: 'focus', text: 'Hijacked', then: 'next' });
    expect(cardText(saved.invokeCard)).toContain('belongs to someone else');
    const found = await h.execute(mallory, Verbs.matchFind, { planId });
    expect(cardText(found.invokeCard)).toContain('belongs to someone else');
    expect(await h.runtime.planRepository.get(planId, [TENANT])).toEqual(before);
    expect(refusals()).toEqual([
      { tenantId: TENANT, userId: mallory.id, action: Verbs.planOpen, target: { planId }, reason: 'error.notYourPlan' },
      { tenantId: TENANT, userId: mallory.id, action: Verbs.planSaveField, target: { planId }, reason: 'error.notYourPlan' },
      { tenantId: TENANT, userId: mallory.id, action: Verbs.matchFind, target: { planId }, reason: 'error.notYourPlan' },
    ]);
  });

  it('logs the Action.Submit fallback of older clients the same way', async () => {
    const reply = await h.activity(mallory, { type: 'message', value: { verb: Verbs.planOpen, planId } });
    expect(cardText(reply.cards[0])).toContain('belongs to someone else');
    expect(refusals()).toEqual([{ tenantId: TENANT, userId: mallory.id, action: Verbs.planOpen, target: { planId }, reason: 'error.notYourPlan' }]);
  });
});

describe("another school's request, and approvals the person may not give", () => {
  let requestId: string;
  beforeAll(async () => {
    const asked = await h.execute(alice, Verbs.matchAskDirect, { planId, schoolId: '6785001', lookFurther: 'false' });
    expect(cardText(asked.invokeCard)).toContain('Croesyceiliog School');
    requestId = (await h.runtime.requests.latestForPlan(planId, [TENANT]))!.id;
  });

  it('refuses the head of a school that was not asked, and logs it; the request is unchanged', async () => {
    const before = await requestRow(requestId);
    const accepted = await h.execute(carys, Verbs.matchAccept, { requestId, version: 1 });
    expect(accepted.invokeStatus).toBe(200);
    expect(await requestRow(requestId)).toEqual(before);
    const declined = await h.execute(mallory, Verbs.matchSchoolDecline, { requestId, version: 1, reason: 'No' });
    expect(declined.invokeStatus).toBe(200);
    const withdrawn = await h.execute(bethan, Verbs.matchWithdraw, { requestId, version: 1 });
    expect(withdrawn.invokeStatus).toBe(200);
    expect(await requestRow(requestId)).toEqual(before);
    expect(refusals()).toEqual([
      { tenantId: TENANT, userId: carys.id, action: Verbs.matchAccept, target: { requestId }, reason: 'match.notYourRequest' },
      { tenantId: TENANT, userId: mallory.id, action: Verbs.matchSchoolDecline, target: { requestId }, reason: 'match.notYourRequest' },
      { tenantId: TENANT, userId: bethan.id, action: Verbs.matchWithdraw, target: { requestId }, reason: 'match.notYourRequest' },
    ]);
  });

  it('refuses an approval from an adviser for another local authority, or from a head, and logs both', async () => {
    await h.execute(alice, Verbs.matchWithdraw, { requestId, version: 1 });
    const brokered = await h.execute(alice, Verbs.matchAskBroker, { planId, lookFurther: 'false' });
    expect(cardText(brokered.invokeCard)).toContain('Sent to your advisers (1)');
    // Both requests were made at the same (test) instant, so find the brokered one by its state.
    const [{ id: brokeredId }] = await h.runtime.db.query<{ id: string }>(`select id from support_requests where plan_id = $1 and state = 'awaitingAdviser'`, [
      planId,
    ]);
    lines.splice(0);
    const before = await requestRow(brokeredId);
    for (const who of [gwen, bethan]) {
      const reply = await h.execute(who, Verbs.matchApprove, { requestId: brokeredId, version: before.version, schoolId: '6782002' });
      expect(cardText(reply.invokeCard)).toMatch(who === bethan ? /Dim ond ymgynghorydd/ : /Only an adviser/);
    }
    expect(await requestRow(brokeredId)).toEqual(before);
    expect(refusals()).toEqual([
      { tenantId: TENANT, userId: gwen.id, action: Verbs.matchApprove, target: { requestId: brokeredId, schoolId: '6782002' }, reason: 'match.notAdviser' },
      { tenantId: TENANT, userId: bethan.id, action: Verbs.matchApprove, target: { requestId: brokeredId, schoolId: '6782002' }, reason: 'match.notAdviser' },
    ]);
    // The adviser for the right LA is not refused, and nothing is logged for them.
    const approved = await h.execute(dafydd, Verbs.matchApprove, { requestId: brokeredId, version: before.version, schoolId: '6782002' });
    expect(cardText(approved.invokeCard)).toContain('Ysgol Gymraeg Cwmbran');
    expect(refusals()).toHaveLength(2);
  });
});

describe('admin-only actions and other schools', () => {
  it("logs a non-admin's forged role grant and admin commands, naming the command but not its argument", async () => {
    const forged = await h.execute(mallory, Verbs.matchGrantRole, { userId: mallory.id, role: 'admin', laCode: 'all' });
    expect(cardText(forged.invokeCard)).toContain('Only an admin can do that');
    await h.say(mallory, 'import schools');
    await h.say(mallory, 'fade cycle 2026/27');
    expect(refusals()).toEqual([
      { tenantId: TENANT, userId: mallory.id, action: Verbs.matchGrantRole, target: { userId: mallory.id }, reason: 'admin.only' },
      { tenantId: TENANT, userId: mallory.id, action: 'command:import schools', target: {}, reason: 'admin.only' },
      { tenantId: TENANT, userId: mallory.id, action: 'command:fade cycle', target: {}, reason: 'fade.adminOnly' },
    ]);
    expect(await h.runtime.roles.isAdmin(TENANT, mallory.id)).toBe(false);
  });

  it("logs a head's attempt to change another school's profile", async () => {
    const forged = await h.execute(alice, Verbs.matchStrengthsSave, { schoolId: '6785001', capacity: '0', openToRequests: 'false' });
    expect(cardText(forged.invokeCard)).toContain('Only the headteacher or a deputy');
    expect(refusals()).toEqual([
      { tenantId: TENANT, userId: alice.id, action: Verbs.matchStrengthsSave, target: { schoolId: '6785001' }, reason: 'profile.notHead' },
    ]);
  });

  it('does not log ordinary answers as refusals', async () => {
    await h.execute(alice, Verbs.planOpen, { planId });
    await h.say(alice, 'my plans');
    await h.execute(alice, Verbs.planOpen, { planId: '7d0f9a3e-1111-4222-8333-944444444444' }); // not found is not a refusal
    expect(refusals()).toEqual([]);
  });
});
