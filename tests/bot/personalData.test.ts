import type { CardJson } from '../../src/platform/cards/render';
import { EXPORT_LIMITS } from '../../src/features/privacy/cards';
import { Verbs } from '../../src/platform/cards/verbs';
import { JobRunner } from '../../src/platform/jobs/queue';
import type { Logger } from '../../src/platform/log';
import { DELETED_PERSON_ID, SqlPersonalDataStore, type PersonExport } from '../../src/features/privacy/repository';
import { alice, bethan, cardText, createHarness, mallory, TENANT, type Harness, type TestUser } from '../support/harness';
import { confirmSchoolRole } from '../support/roles';

/** An admin exports and deletes one person's data, through the bot as Teams would drive it. */

const admin: TestUser = { id: 'aad-admin', name: 'Nia Officer', tenantId: TENANT, locale: 'en-GB' };
const gweinyddwr: TestUser = { id: 'aad-gweinyddwr', name: 'Gwenllian Swyddog', tenantId: TENANT, locale: 'cy-GB' };

const lines: { msg: string; fields: Record<string, unknown> }[] = [];
const log: Logger = {
  debug() {},
  error() {},
  info: (msg, fields = {}) => lines.push({ msg, fields }),
  warn: (msg, fields = {}) => lines.push({ msg, fields }),
};

let h: Harness;
let sharedPlanId: string;
let privatePlanId: string;

/** Alice heads a school, has a private draft and a plan she asked Bethan's school to support. */
beforeEach(async () => {
  h = await createHarness({ env: { ADMIN_USER_IDS: `${admin.id},${gweinyddwr.id}` }, log });
  for (const user of [admin, gweinyddwr, alice, bethan, mallory]) await h.say(user, 'help');
  const { plans } = h.runtime;
  await confirmSchoolRole(h.runtime, TENANT, alice.id, 6784001, 'headteacher');
  await confirmSchoolRole(h.runtime, TENANT, bethan.id, 6782002, 'headteacher');
  const actor = { tenantId: TENANT, userId: alice.id };
  sharedPlanId = (await plans.create(actor, 6784001)).id;
  let version = 1;
  for (const [field, text] of [
    ['focus', 'Welsh oracy in KS2'],
    ['need', 'Oracy scores below the family'],
    ['objectives', 'Every pupil speaks Welsh with confidence'],
  ] as const) {
    const saved = await plans.saveAnswer(actor, sharedPlanId, version, field, { text });
    if (saved.kind === 'ok') version = saved.value.plan.version;
  }
  const asked = await h.execute(alice, Verbs.matchAskDirect, { planId: sharedPlanId, schoolId: '6782002', lookFurther: 'false' });
  expect(cardText(asked.invokeCard)).toContain('Ysgol Gymraeg Cwmbran');
  // The private draft is the last plan Alice had open, so it is on her row.
  const draft = await h.say(alice, 'new plan');
  privatePlanId = String((JSON.stringify(draft.cards[0]).match(/"planId":"([0-9a-f-]{36})"/) ?? [])[1]);
  // Turn state as earlier versions kept it for her chat (this one keeps none): retention and deletion still find it.
  await h.runtime.db.query(`insert into bot_state (key, doc) values ($1, $2)`, [
    'msteams/28:cydweithio-bot/conversations/a:personal-aad-alice',
    JSON.stringify({ lastPlanId: privatePlanId }),
  ]);
  lines.splice(0);
  h.messenger.sent.splice(0);
});
afterEach(() => h.close());

const refusals = () => lines.filter((l) => l.msg === 'action refused').map((l) => l.fields);
/** The JSON in an export's messages, parts joined in order. */
const jsonOf = (texts: string[]) => texts.map((t) => t.replace(/^(\*\*[^*]+\*\*\n\n)?```\n/, '').replace(/\n```$/, '')).join('\n');
const stored = async (sql: string, params: unknown[] = []) => h.runtime.db.query(sql, params);

describe('exporting one person’s data', () => {
  it('sends an admin a summary card and the whole export as JSON, and records the export in the audit log', async () => {
    const expected = JSON.parse(JSON.stringify(await new SqlPersonalDataStore(h.runtime.db).exportPerson(TENANT, alice.id)));
    const reply = await h.say(admin, 'export person Alice');
    expect(reply.cards).toHaveLength(1);
    const summary = cardText(reply.cards[0]);
    expect(summary).toContain('Data about Alice Head');
    expect(summary).toContain('Teams user id: aad-alice');
    expect(summary).toMatch(/Plans they own\n2/);
    expect(summary).toMatch(/Support requests they made, decided or were asked to broker\n1/);
    expect(summary).toContain('in 1 message');
    expect(reply.texts).toHaveLength(1);
    expect(reply.texts[0]).toMatch(/^```\n\{/);
    const exported = JSON.parse(jsonOf(reply.texts)) as PersonExport;
    expect(exported).toEqual(expected);
    expect(exported.person).toMatchObject({ displayName: 'Alice Head', schoolRole: 'headteacher', schoolName: 'Cwmbran High School' });
    expect(exported.plans.map((p) => p.id).sort()).toEqual([privatePlanId, sharedPlanId].sort());
    expect(exported.person).toMatchObject({ lastPlanId: privatePlanId });
    expect(exported.turnState.map((s) => s.doc)).toContainEqual({ lastPlanId: privatePlanId });
    expect(JSON.stringify(exported)).not.toContain('Bethan');
    expect((await h.runtime.audit.forSubject('user', alice.id)).map((a) => [a.action, a.actorId])).toEqual([['person.export', admin.id]]);
  });

  it('lets the admin choose when several people match, in Welsh for a Welsh-speaking admin', async () => {
    const pick = (await h.say(gweinyddwr, 'allforio unigolyn e')).cards[0];
    const text = cardText(pick);
    expect(text).toContain('Pa unigolyn?');
    expect(text).toContain('Alice Head, Cwmbran High School');
    expect(text).toContain('Bethan Pennaeth, Ysgol Gymraeg Cwmbran');
    expect(text).toContain('Nia Officer, dim ysgol wedi’i dewis');
    expect(text).not.toContain('Mallory');
    const chosen = await h.execute(gweinyddwr, Verbs.privacyExport, { userId: bethan.id });
    expect(cardText(chosen.invokeCard)).toContain('Data am Bethan Pennaeth');
    expect((JSON.parse(jsonOf(chosen.texts)) as PersonExport).person).toMatchObject({ userId: bethan.id });
  });

  it('answers usage, no match and non-personal chats politely', async () => {
    expect(cardText((await h.say(admin, 'export person')).cards[0])).toContain('Type "export person" and a name or Teams user id');
    expect(cardText((await h.say(gweinyddwr, 'dileu unigolyn')).cards[0])).toContain('Teipiwch "dileu unigolyn"');
    expect(cardText((await h.say(admin, 'export person Zebedee')).cards[0])).toContain('No one matching "Zebedee" has used Cydweithio here.');
    const inChannel = await h.say(admin, 'export person Alice', { id: '19:channel;messageid=1', conversationType: 'channel' });
    expect(cardText(inChannel.cards[0])).toContain('Personal data stays in personal chat');
    expect(inChannel.texts).toEqual([]);
  });

  it('splits a large export into numbered parts that join back exactly, and says when it is too large for Teams', async () => {
    const long = 'Llythrennedd a rhifedd ar draws y clwstwr. '.repeat(90);
    const insertPlans = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await stored(
          `insert into plans (id, tenant_id, owner_id, school_id, answers, created_at, updated_at) values (gen_random_uuid(), $1, $2, 6784001, $3, now(), now())`,
          [TENANT, alice.id, JSON.stringify({ focus: long, need: long, objectives: long, partner: `${long} \`\`\` not the end of the block` })],
        );
      }
    };
    await insertPlans(3);
    const reply = await h.say(admin, `export person ${alice.id}`);
    expect(reply.texts.length).toBeGreaterThan(1);
    expect(reply.texts[0]).toMatch(new RegExp(`^\\*\\*Part 1 of ${reply.texts.length}\\*\\*`));
    for (const text of reply.texts) {
      expect(Buffer.byteLength(text)).toBeLessThan(EXPORT_LIMITS.bytesPerMessage + 100);
      expect(text.match(/```/g)).toHaveLength(2); // backticks in the data do not end the code block
    }
    const joined = JSON.parse(jsonOf(reply.texts)) as PersonExport;
    expect(joined.plans).toHaveLength(5);
    expect(joined.plans.some((p) => String((p.answers as { partner?: string }).partner).endsWith('``` not the end of the block'))).toBe(true);

    await insertPlans(40);
    const tooLarge = await h.say(admin, `export person ${alice.id}`);
    expect(tooLarge.texts).toEqual([]);
    expect(cardText(tooLarge.cards[0])).toMatch(new RegExp(`too much to send in Teams messages.*npm run export:person -- ${TENANT} ${alice.id}`, 's'));
  });
});

describe('deleting one person’s data', () => {
  it('asks for confirmation with exact counts, cancels cleanly, then deletes and anonymises, auditing without their details', async () => {
    const confirm = (await h.say(admin, 'delete person Alice Head')).cards[0];
    const text = cardText(confirm);
    expect(text).toContain('Delete all data about Alice Head?');
    expect(text).toContain('This cannot be undone.');
    expect(text).toMatch(/Plans to delete\n1\nPlans to keep for a partner school, without their name\n1/);
    expect(await stored('select count(*)::int as n from users where user_id = $1', [alice.id])).toEqual([{ n: 1 }]); // the preview changed nothing

    const cancelled = await h.press(admin, confirm, 'Cancel');
    expect(cardText(cancelled.invokeCard)).toContain('Nothing was deleted.');
    expect(await stored('select count(*)::int as n from plans where owner_id = $1', [alice.id])).toEqual([{ n: 2 }]);

    const done = await h.press(admin, confirm, 'Delete permanently');
    expect(cardText(done.invokeCard)).toMatch(/All data about Alice Head was deleted: \d+ records deleted and \d+ made anonymous/);
    expect(await h.runtime.users.get(TENANT, alice.id)).toBeNull();
    expect(await h.runtime.planRepository.get(privatePlanId, [TENANT])).toBeNull();
    expect((await h.runtime.planRepository.get(sharedPlanId, [TENANT]))?.ownerId).toBe(DELETED_PERSON_ID);
    expect(await stored(`select count(*)::int as n from bot_state where key like '%aad-alice%'`)).toEqual([{ n: 0 }]);
    const auditText = JSON.stringify(await stored('select actor_id, subject_type, subject_id, details from audit_log'));
    expect(auditText).not.toContain(alice.id);
    const [deletion] = await stored(`select actor_id, subject_type, subject_id, details from audit_log where action = 'person.delete'`);
    expect(deletion).toMatchObject({
      actor_id: admin.id,
      subject_type: 'person',
      subject_id: DELETED_PERSON_ID,
      details: { personDeleted: 1, plansDeleted: 1, plansKept: 1 },
    });
    expect(lines.find((l) => l.msg === 'personal data deleted')?.fields).toMatchObject({ tenantId: TENANT, by: admin.id, personDeleted: 1 });
    expect(JSON.stringify(lines)).not.toContain(alice.id);

    // The school asked still has its request, without Alice's name.
    const requestId = (await h.runtime.requests.latestForPlan(sharedPlanId, [TENANT]))!.id;
    const schoolView = await h.execute(bethan, Verbs.matchSchoolView, { requestId });
    expect(cardText(schoolView.invokeCard)).toContain('Welsh oracy in KS2');
    expect(cardText(schoolView.invokeCard)).not.toContain('Alice');

    // Pressing again (a retry, or a second admin) finds nothing and changes nothing.
    const before = await stored('select count(*)::int as n from audit_log');
    const again = await h.press(admin, confirm, 'Delete permanently');
    expect(cardText(again.invokeCard)).toContain('Nothing is stored about that person any more');
    expect(await stored('select count(*)::int as n from audit_log')).toEqual(before);
    expect(cardText((await h.say(admin, 'delete person Alice')).cards[0])).toContain('No one matching "Alice"');
  });

  it('works in Welsh from a pick list', async () => {
    const pick = (await h.say(gweinyddwr, 'dileu unigolyn e')).cards[0];
    const confirm = (await h.press(gweinyddwr, pick, 'Dileu eu data…')).invokeCard!; // first match: Alice Head
    expect(cardText(confirm)).toContain('Dileu pob data am Alice Head?');
    expect(cardText(confirm)).toContain('Does dim modd dadwneud hyn.');
    const done = await h.press(gweinyddwr, confirm, 'Dileu’n barhaol');
    expect(cardText(done.invokeCard)).toMatch(/Cafodd pob data am Alice Head ei ddileu/);
  });

  it('refuses an admin deleting themselves', async () => {
    expect(cardText((await h.say(admin, `delete person ${admin.id}`)).cards[0])).toContain('You cannot delete your own data this way');
    expect(cardText((await h.execute(admin, Verbs.privacyDelete, { userId: admin.id })).invokeCard)).toContain('You cannot delete your own data this way');
    expect(await h.runtime.users.get(TENANT, admin.id)).not.toBeNull();
  });
});

describe('non-admins', () => {
  it('are refused, told nothing about who exists, and every attempt is logged', async () => {
    const before = await stored('select user_id from users order by user_id');
    const replies: CardJson[] = [
      (await h.say(mallory, 'export person Alice')).cards[0],
      (await h.say(mallory, 'delete person Nobody At All')).cards[0],
      (await h.execute(mallory, Verbs.privacyExport, { userId: alice.id })).invokeCard!,
      (await h.execute(mallory, Verbs.privacyDeleteAsk, { userId: alice.id })).invokeCard!,
      (await h.execute(mallory, Verbs.privacyDelete, { userId: alice.id })).invokeCard!,
    ];
    for (const card of replies) expect(cardText(card)).toContain('Only an admin can do that');
    expect(await stored('select user_id from users order by user_id')).toEqual(before);
    expect(await stored(`select count(*)::int as n from audit_log where action like 'person.%'`)).toEqual([{ n: 0 }]);
    expect(refusals()).toEqual([
      { tenantId: TENANT, userId: mallory.id, action: 'command:export person', target: {}, reason: 'admin.only' },
      { tenantId: TENANT, userId: mallory.id, action: 'command:delete person', target: {}, reason: 'admin.only' },
      { tenantId: TENANT, userId: mallory.id, action: Verbs.privacyExport, target: { userId: alice.id }, reason: 'admin.only' },
      { tenantId: TENANT, userId: mallory.id, action: Verbs.privacyDeleteAsk, target: { userId: alice.id }, reason: 'admin.only' },
      { tenantId: TENANT, userId: mallory.id, action: Verbs.privacyDelete, target: { userId: alice.id }, reason: 'admin.only' },
    ]);
  });
});

describe('retention', () => {
  it('forgets a personal chat when the app is removed from it, keeping the person and their plans', async () => {
    expect(await stored(`select count(*)::int as n from bot_state where key like '%/conversations/a:personal-aad-alice'`)).toEqual([{ n: 1 }]);
    const reply = await h.activity(alice, { type: 'installationUpdate', action: 'remove' });
    expect(reply.activities).toEqual([]);
    expect(await stored(`select count(*)::int as n from bot_state where key like '%/conversations/a:personal-aad-alice'`)).toEqual([{ n: 0 }]);
    expect((await h.runtime.users.get(TENANT, alice.id))?.personalConversation).toBeNull();
    expect(await stored('select count(*)::int as n from plans where owner_id = $1', [alice.id])).toEqual([{ n: 2 }]);
    // Bethan's chat is untouched.
    expect((await h.runtime.users.get(TENANT, bethan.id))?.personalConversation).not.toBeNull();
  });

  it('deletes turn state untouched for TURN_STATE_RETENTION_DAYS in the daily job', async () => {
    await stored(`update bot_state set updated_at = now() - interval '181 days' where key like '%a:personal-aad-alice'`);
    const runner = await JobRunner.start({
      db: h.runtime.db,
      clock: h.clock,
      log,
      notifications: h.runtime.notifications,
      dispatcher: h.runtime.dispatcher,
      background: false,
      retention: h.runtime.personalData,
      schema: `pgboss_retention_${process.pid}`,
    });
    try {
      await runner.retention();
    } finally {
      await runner.stop();
    }
    expect(await stored(`select count(*)::int as n from bot_state where key like '%a:personal-aad-alice'`)).toEqual([{ n: 0 }]);
    expect(lines.find((l) => l.msg === 'old turn state deleted')?.fields).toEqual({ count: 1, olderThanDays: 180 });
  }, 60_000);
});
