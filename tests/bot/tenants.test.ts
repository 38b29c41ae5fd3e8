import { Verbs } from '../../src/platform/cards/verbs';
import type { Logger } from '../../src/platform/log';
import { alice, createHarness, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/** Someone in a tenant the deployment does not serve, with a valid Teams identity of their own. */
const outsider: TestUser = { id: 'aad-outsider', name: 'Outsider', tenantId: 'aaaaaaaa-0000-4000-8000-000000000000', locale: 'en-GB' };

const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields = {}) => warnings.push({ msg, fields }) };

let h: Harness;
let planId: string;

beforeAll(async () => {
  h = await createHarness({ env: { ALLOWED_TENANT_IDS: TENANT }, log });
  await h.say(alice, 'help');
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
  planId = (await h.runtime.plans.create({ tenantId: TENANT, userId: alice.id }, 6784001)).id;
});
afterAll(() => h.close());
beforeEach(() => warnings.splice(0));

/** Every table a turn could write to, row counts and the plan's content. */
async function snapshot() {
  const count = async (table: string) => (await h.runtime.db.query<{ n: number }>(`select count(*)::int as n from ${table}`))[0].n;
  return {
    users: await count('users'),
    botState: await count('bot_state'),
    plans: await h.runtime.db.query('select id, answers, version from plans order by id'),
    audit: await count('audit_log'),
    notifications: await count('scheduled_notifications'),
  };
}

describe('activities from a tenant not in ALLOWED_TENANT_IDS', () => {
  it('drop a typed message: no reply, nothing stored, and the drop is logged', async () => {
    const before = await snapshot();
    const reply = await h.say(outsider, 'new plan');
    expect(reply.activities).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await h.runtime.users.get(outsider.tenantId, outsider.id)).toBeNull();
    expect(h.messenger.sent).toEqual([]);
    expect(warnings).toEqual([{ msg: 'activity from a tenant that is not allowed was dropped', fields: { tenantId: outsider.tenantId, type: 'message' } }]);
  });

  it('refuse a card action with 403, even one naming a real plan: nothing changed, nothing else answered', async () => {
    const before = await snapshot();
    const reply = await h.execute(outsider, Verbs.planSaveField, { planId, version: 1, field: 'focus', text: 'Written from another tenant', then: 'next' });
    expect(reply.activities.map((a) => a.type)).toEqual(['invokeResponse']);
    expect(reply.invokeStatus).toBe(403);
    expect(reply.invokeCard).toBeUndefined();
    expect(await snapshot()).toEqual(before);
    expect(h.messenger.sent).toEqual([]);
    expect(warnings.map((w) => w.fields)).toEqual([{ tenantId: outsider.tenantId, type: 'invoke' }]);
  });

  it('while the allowed tenant is served as usual', async () => {
    const reply = await h.execute(alice, Verbs.planSaveField, { planId, version: 1, field: 'focus', text: 'Our focus', then: 'summary' });
    expect(reply.invokeStatus).toBe(200);
    expect((await h.runtime.planRepository.get(planId, [TENANT]))?.answers.focus).toBe('Our focus');
    expect(warnings).toEqual([]);
  });
});
