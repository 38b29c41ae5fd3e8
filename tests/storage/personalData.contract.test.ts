import type { Database } from '../../src/platform/db/db';
import { DELETED_PERSON_ID, SqlPersonalDataStore, touchedRecords, type DeletionSummary } from '../../src/features/privacy/repository';
import { databasesUnderTest } from '../support/databases';
import { seedSmallDirectory } from '../support/harness';

/**
 * One person's data across every table, on PGlite and (with DATABASE_URL) PostgreSQL: found,
 * exported whole, deleted or anonymised, and nothing of anyone else's touched.
 */

const T = 'tenant-1';
const ALICE = 'aad-alice';
const BOB = 'aad-bob';
const CAROL = 'aad-carol';
const PLAN_ALONE = '11111111-1111-4111-8111-111111111111';
const PLAN_SHARED = '22222222-2222-4222-8222-222222222222';
const PLAN_BOB = '33333333-3333-4333-8333-333333333333';
const REQUEST = '44444444-4444-4444-8444-444444444444';
const CYCLE = '55555555-5555-4555-8555-555555555555';
const ROUND = '66666666-6666-4666-8666-666666666666';
const REPORT = '77777777-7777-4777-8777-777777777777';

const aliceChat = {
  channelId: 'msteams',
  bot: { id: '28:bot' },
  user: { id: '29:alice-mri', aadObjectId: ALICE, name: 'Alice Head' },
  conversation: { id: 'a:alice-chat', tenantId: T },
};

/** Alice has done a bit of everything; Bob and Carol work with her; another tenant has its own Alice. */
async function seedPeople(db: Database): Promise<void> {
  await seedSmallDirectory(db);
  const q = (text: string, params: unknown[] = []) => db.query(text, params);
  await q(
    `insert into users (tenant_id, user_id, display_name, locale, school_id, school_role, personal_conversation) values
    ($1, $2, 'Alice Head', 'cy', 6784001, 'headteacher', $3), ($1, $4, 'Bob Partner', null, 6782002, 'headteacher', null),
    ($1, $5, 'Carol Adviser', null, null, null, null), ('tenant-2', $2, 'Alice Elsewhere', null, null, null, null),
    ($1, 'aad-percent', '100% Sure_Name', null, null, null, null)`,
    [T, ALICE, JSON.stringify(aliceChat), BOB, CAROL],
  );
  await q(`insert into user_roles (tenant_id, user_id, role, la_code, granted_by) values ($1, $2, 'adviser', 678, $3), ($1, $3, 'reviewer', null, $2)`, [
    T,
    ALICE,
    BOB,
  ]);
  const plan = (id: string, tenant: string, owner: string, focus: string) =>
    q(`insert into plans (id, tenant_id, owner_id, school_id, answers, created_at, updated_at) values ($1, $2, $3, 6784001, $4, now(), now())`, [
      id,
      tenant,
      owner,
      JSON.stringify({ focus }),
    ]);
  await plan(PLAN_ALONE, T, ALICE, 'A draft only Alice saw');
  await plan(PLAN_SHARED, T, ALICE, 'KS4 maths, shared with a partner');
  await plan(PLAN_BOB, T, BOB, "Bob's own plan");
  await plan('88888888-8888-4888-8888-888888888888', 'tenant-2', ALICE, 'Another tenant');
  await q(
    `insert into support_requests (id, tenant_id, plan_id, requester_id, asking_school_id, kind, state, chosen_school_id, decided_by, decision_reason, adviser_ids, created_at, updated_at, state_changed_at)
     values ($1, $2, $3, $4, 6784001, 'brokered', 'accepted', 6782002, $5, null, $6, now(), now(), now())`,
    [REQUEST, T, PLAN_SHARED, ALICE, BOB, JSON.stringify([ALICE, CAROL])],
  );
  await q(`insert into support_asks (request_id, seq, school_id, asked_at, asked_by, outcome) values ($1, 1, 6782002, now(), $2, 'accepted')`, [
    REQUEST,
    ALICE,
  ]);
  await q(
    `insert into scheduled_notifications (id, kind, dedupe_key, tenant_id, recipient_id, subject_id, due_at, status) values
      ('99999999-0000-4000-8000-000000000001', 'impactNudge', 'nudge-alone', $1, $2, $3, now(), 'pending'),
      ('99999999-0000-4000-8000-000000000002', 'matchRemind', 'remind-1', $1, $2, $4, now(), 'sent'),
      ('99999999-0000-4000-8000-000000000003', 'matchRemind', 'remind-2', $1, $5, $4, now(), 'pending')`,
    [T, ALICE, PLAN_ALONE, REQUEST, BOB],
  );
  await q(
    `insert into audit_log (at, tenant_id, actor_id, action, subject_type, subject_id, details) values
      (now(), $1, $2, 'request.askBroker', 'supportRequest', $4, $5),
      (now(), $1, $3, 'role.grant', 'user', $2, '{"role":"adviser","laCode":678}'),
      (now(), $1, $3, 'request.accept', 'supportRequest', $4, '{"note":"not about Alice"}')`,
    [T, ALICE, BOB, REQUEST, JSON.stringify({ advisers: [ALICE, CAROL], state: 'awaitingAdviser' })],
  );
  await q(`insert into bot_state (key, doc) values
    ('msteams/28:bot/conversations/a:alice-chat', '{"lastPlanId":"${PLAN_SHARED}"}'),
    ('msteams/28:bot/users/29:alice-mri', '{"seen":true}'),
    ('msteams/28:bot/conversations/a:bob-chat', '{"lastPlanId":"${PLAN_BOB}"}'),
    ('msteams/28:bot/conversations/19:cluster-channel', '{}')`);
  await q(`insert into clusters (id, name, la_code) values (1, 'Cwmbran cluster', 678)`);
  await q(`insert into cluster_members (cluster_id, school_id) values (1, 6784001), (1, 6782002)`);
  await q(
    `insert into fade_conversations (conversation_id, tenant_id, team_id, kind, name, reference, cluster_id, linked_by, linked_at) values ('19:cluster-channel', $1, 'team-1', 'channel', 'FADE', $2, 1, $3, now())`,
    [T, JSON.stringify({ ...aliceChat, conversation: { id: '19:cluster-channel' } }), ALICE],
  );
  await q(`insert into fade_cluster_leads (cluster_id, tenant_id, user_id, set_by, set_at) values (1, $1, $2, $3, now())`, [T, ALICE, BOB]);
  await q(`insert into fade_cluster_priorities (cluster_id, tenant_id, priorities, updated_by) values (1, $1, '["Numeracy"]', $2)`, [T, ALICE]);
  await q(`insert into fade_cycles (id, tenant_id, name, offsets, created_by, created_at) values ($1, $2, '2026/27', '[-3,0]', $3, now())`, [CYCLE, T, ALICE]);
  await q(`insert into fade_rounds (id, cycle_id, seq, name, deadline) values ($1, $2, 1, 'interim', '2026-12-04')`, [ROUND, CYCLE]);
  await q(
    `insert into fade_reports (id, round_id, cluster_id, tenant_id, status, sections, drafted_by, submitted_by, reviewed_by, review_feedback, updated_at)
           values ($1, $2, 1, $3, 'reviewed', '{"focus":"Numeracy across the cluster"}', $4, $4, $5, 'Clear evidence', now())`,
    [REPORT, ROUND, T, ALICE, CAROL],
  );
  await q(`insert into fade_parts (round_id, cluster_id, school_id, status, updated_by, updated_at) values ($1, 1, 6784001, 'submitted', $2, now())`, [
    ROUND,
    ALICE,
  ]);
  await q(
    `insert into fade_notes (cluster_id, school_id, author_id, author_name, text, at) values (1, 6784001, $1, 'Alice Head', 'Maths walk went well', now()), (1, 6782002, $2, 'Bob Partner', 'Ours too', now())`,
    [ALICE, BOB],
  );
  // Alice's own claim (confirmed by Carol), and Bob's claim that Alice rejected, with her name among those asked.
  await q(
    `insert into school_role_claims (tenant_id, user_id, school_id, role, status, asked, decided_by, reason, created_at, decided_at) values
      ($1, $2, 6784001, 'headteacher', 'confirmed', '{"kind":"admin","names":["Carol Adviser"]}', $4, null, now(), now()),
      ($1, $3, 6782002, 'deputy', 'rejected', '{"kind":"headteacherAndAdviser","names":["Alice Head","Carol Adviser"]}', $2, 'Not on the staff list yet', now(), now())`,
    [T, ALICE, BOB, CAROL],
  );
  await q(`insert into fade_next_steps (cluster_id, round_id, text, created_by, created_at) values (1, $1, 'Share the maths walk', $2, now())`, [ROUND, ALICE]);
}

describe.each(databasesUnderTest())('personal data on $name', ({ open }) => {
  let db: Database;
  let store: SqlPersonalDataStore;
  beforeEach(async () => {
    db = await open();
    await seedPeople(db);
    store = new SqlPersonalDataStore(db);
  });
  afterEach(() => db.close());

  /** Every row of every table in tenant-1's schema, as text. */
  async function everything(): Promise<string> {
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'schema_migrations' order by table_name`,
    );
    const rows: string[] = [];
    for (const { table_name } of tables) {
      for (const r of await db.query<{ row: string }>(`select row_to_json(t)::text as row from ${table_name} t`)) rows.push(`${table_name}: ${r.row}`);
    }
    return rows.filter((r) => !r.includes('tenant-2')).join('\n');
  }

  describe('finding people', () => {
    it('by exact Teams id first, or by part of the name, in the tenant only, never the placeholder', async () => {
      expect(await store.findPeople(T, ALICE, 10)).toEqual([{ userId: ALICE, displayName: 'Alice Head', schoolName: 'Cwmbran High School' }]);
      expect((await store.findPeople(T, 'head', 10)).map((p) => p.userId)).toEqual([ALICE]);
      expect((await store.findPeople(T, 'a', 10)).map((p) => p.userId)).toEqual(['aad-percent', ALICE, BOB, CAROL]);
      expect((await store.findPeople(T, 'a', 2)).map((p) => p.userId)).toHaveLength(2);
      expect(await store.findPeople('tenant-2', 'Alice Head', 10)).toEqual([]);
      expect(await store.findPeople(T, '   ', 10)).toEqual([]);
      await db.query('insert into users (tenant_id, user_id) values ($1, $2)', [T, DELETED_PERSON_ID]);
      expect(await store.findPeople(T, DELETED_PERSON_ID, 10)).toEqual([]);
    });

    it('treats % and _ in a name as themselves, not as patterns', async () => {
      expect((await store.findPeople(T, '100%', 10)).map((p) => p.userId)).toEqual(['aad-percent']);
      expect((await store.findPeople(T, 'e_N', 10)).map((p) => p.userId)).toEqual(['aad-percent']);
      expect(await store.findPeople(T, '%', 10)).toEqual([{ userId: 'aad-percent', displayName: '100% Sure_Name', schoolName: null }]);
      expect(await store.findPeople(T, "'; drop table users; --", 10)).toEqual([]);
    });
  });

  describe('export', () => {
    it("holds everything about the person and nothing of anyone else's", async () => {
      const exported = await store.exportPerson(T, ALICE);
      expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
      expect(exported.person).toMatchObject({
        userId: ALICE,
        displayName: 'Alice Head',
        locale: 'cy',
        schoolName: 'Cwmbran High School',
        schoolRole: 'headteacher',
        personalConversation: aliceChat,
      });
      expect(exported.roles).toEqual([expect.objectContaining({ role: 'adviser', laCode: 678, schoolId: null, grantedBy: BOB })]);
      expect(exported.schoolRoleClaims).toEqual([
        expect.objectContaining({ schoolId: 6784001, role: 'headteacher', status: 'confirmed', asked: { kind: 'admin', names: ['Carol Adviser'] } }),
      ]);
      expect(exported.claimsDecided).toEqual([expect.objectContaining({ schoolId: 6782002, status: 'rejected', reason: 'Not on the staff list yet' })]);
      expect(exported.plans.map((p) => p.id).sort()).toEqual([PLAN_ALONE, PLAN_SHARED]);
      expect(exported.plans.find((p) => p.id === PLAN_SHARED)).toMatchObject({ answers: { focus: 'KS4 maths, shared with a partner' }, status: 'planning' });
      expect(exported.supportRequests).toEqual([
        expect.objectContaining({ id: REQUEST, youAsked: true, youDecidedLast: false, youWereAskedToBroker: true, yourReason: null }),
      ]);
      expect(exported.supportAsks).toEqual([expect.objectContaining({ requestId: REQUEST, schoolId: 6782002 })]);
      expect(exported.notifications.map((n) => n.status).sort()).toEqual(['pending', 'sent']);
      expect(exported.fade.notes).toEqual([expect.objectContaining({ text: 'Maths walk went well', authorName: 'Alice Head' })]);
      expect(exported.fade.reports).toEqual([
        expect.objectContaining({ id: REPORT, youDrafted: true, youSubmitted: true, youReviewed: false, yourFeedback: null }),
      ]);
      expect(exported.fade.parts).toHaveLength(1);
      expect(exported.fade.clusterLeads).toEqual([expect.objectContaining({ clusterId: 1, setBy: BOB })]);
      expect(exported.fade.cyclesCreated).toEqual([expect.objectContaining({ id: CYCLE, name: '2026/27' })]);
      expect(exported.fade.prioritiesUpdated).toHaveLength(1);
      expect(exported.fade.nextStepsCreated).toEqual([expect.objectContaining({ text: 'Share the maths walk' })]);
      expect(exported.fade.channelsLinked).toEqual([expect.objectContaining({ conversationId: '19:cluster-channel' })]);
      expect(exported.fade.channelReferences).toEqual([expect.objectContaining({ conversationId: '19:cluster-channel', youAsLastSeen: aliceChat.user })]);
      expect(exported.auditLog.map((a) => [a.action, a.byYou])).toEqual([
        ['request.askBroker', true],
        ['role.grant', false],
      ]);
      expect(exported.turnState.map((s) => s.key).sort()).toEqual(['msteams/28:bot/conversations/a:alice-chat', 'msteams/28:bot/users/29:alice-mri']);
      const text = JSON.stringify(exported);
      for (const other of ["Bob's own plan", 'Ours too', 'not about Alice', 'a:bob-chat', 'Another tenant']) expect(text).not.toContain(other);
    });

    it('is an empty document for someone never seen', async () => {
      const exported = await store.exportPerson(T, 'aad-nobody');
      expect(exported.person).toBeNull();
      expect([exported.plans, exported.roles, exported.auditLog, exported.turnState, exported.fade.notes]).toEqual([[], [], [], [], []]);
    });
  });

  describe('deletion', () => {
    it("deletes the person's own data and leaves no trace of them in the tenant, keeping others' records", async () => {
      const summary = await db.transaction((tx) => store.deletePerson(T, ALICE, tx));
      expect(summary).toEqual<DeletionSummary>({
        personDeleted: 1,
        plansDeleted: 1,
        plansKept: 1,
        rolesRemoved: 2,
        turnStateDeleted: 2,
        notificationsCancelled: 2,
        requestsAnonymised: 3,
        fadeRecordsAnonymised: 10,
        claimsAnonymised: 1,
        auditEntriesAnonymised: 3,
      });

      const all = await everything();
      for (const trace of [ALICE, 'Alice Head', '29:alice-mri', 'a:alice-chat', 'A draft only Alice saw'])
        expect({ trace, found: all.includes(trace) }).toEqual({ trace, found: false });

      // What other people rely on is still there, with the person's identity replaced.
      expect(await db.query('select owner_id, answers from plans where id = $1', [PLAN_SHARED])).toEqual([
        { owner_id: DELETED_PERSON_ID, answers: { focus: 'KS4 maths, shared with a partner' } },
      ]);
      expect(await db.query('select requester_id, decided_by, adviser_ids, state from support_requests')).toEqual([
        { requester_id: DELETED_PERSON_ID, decided_by: BOB, adviser_ids: [CAROL], state: 'accepted' },
      ]);
      expect(await db.query('select asked_by from support_asks')).toEqual([{ asked_by: DELETED_PERSON_ID }]);
      expect(await db.query('select dedupe_key, recipient_id, status from scheduled_notifications order by dedupe_key')).toEqual([
        { dedupe_key: 'nudge-alone', recipient_id: DELETED_PERSON_ID, status: 'cancelled' },
        { dedupe_key: 'remind-1', recipient_id: DELETED_PERSON_ID, status: 'sent' },
        { dedupe_key: 'remind-2', recipient_id: BOB, status: 'pending' },
      ]);
      expect(await db.query('select user_id, role, granted_by from user_roles')).toEqual([{ user_id: BOB, role: 'reviewer', granted_by: DELETED_PERSON_ID }]);
      expect(await db.query('select user_id, status, asked, decided_by, reason from school_role_claims')).toEqual([
        {
          user_id: BOB,
          status: 'rejected',
          asked: { kind: 'headteacherAndAdviser', names: ['Carol Adviser'] },
          decided_by: DELETED_PERSON_ID,
          reason: 'Not on the staff list yet',
        },
      ]);
      expect(await db.query('select author_id, author_name, text from fade_notes order by id')).toEqual([
        { author_id: DELETED_PERSON_ID, author_name: null, text: 'Maths walk went well' },
        { author_id: BOB, author_name: 'Bob Partner', text: 'Ours too' },
      ]);
      expect(await db.query('select drafted_by, submitted_by, reviewed_by, review_feedback from fade_reports')).toEqual([
        { drafted_by: DELETED_PERSON_ID, submitted_by: DELETED_PERSON_ID, reviewed_by: CAROL, review_feedback: 'Clear evidence' },
      ]);
      expect(await db.query('select count(*)::int as n from fade_cluster_leads')).toEqual([{ n: 0 }]);
      const [channel] = await db.query<{ reference: Record<string, unknown>; linked_by: string }>('select reference, linked_by from fade_conversations');
      expect(channel).toEqual({
        linked_by: DELETED_PERSON_ID,
        reference: { channelId: 'msteams', bot: { id: '28:bot' }, conversation: { id: '19:cluster-channel' } },
      });
      expect(await db.query('select actor_id, subject_id, details from audit_log order by id')).toEqual([
        { actor_id: DELETED_PERSON_ID, subject_id: REQUEST, details: { advisers: [DELETED_PERSON_ID, CAROL], state: 'awaitingAdviser' } },
        { actor_id: BOB, subject_id: DELETED_PERSON_ID, details: { role: 'adviser', laCode: 678 } },
        { actor_id: BOB, subject_id: REQUEST, details: { note: 'not about Alice' } },
      ]);
      expect((await db.query<{ key: string }>('select key from bot_state order by key')).map((r) => r.key)).toEqual([
        'msteams/28:bot/conversations/19:cluster-channel',
        'msteams/28:bot/conversations/a:bob-chat',
      ]);
      // The same Teams id in another tenant is another tenant's business.
      expect(await db.query(`select display_name from users where tenant_id = 'tenant-2'`)).toEqual([{ display_name: 'Alice Elsewhere' }]);
      expect(await db.query(`select count(*)::int as n from plans where tenant_id = 'tenant-2'`)).toEqual([{ n: 1 }]);
    });

    it('is idempotent: a second deletion finds nothing and changes nothing', async () => {
      await db.transaction((tx) => store.deletePerson(T, ALICE, tx));
      const after = await everything();
      const again = await db.transaction((tx) => store.deletePerson(T, ALICE, tx));
      expect(touchedRecords(again)).toBe(0);
      expect(await everything()).toEqual(after);
      expect(touchedRecords(await db.transaction((tx) => store.deletePerson(T, DELETED_PERSON_ID, tx)))).toBe(0);
    });

    it('leaves everything as it was when its transaction rolls back (how a preview is counted)', async () => {
      const before = await everything();
      let previewed: DeletionSummary | undefined;
      await expect(
        db.transaction(async (tx) => {
          previewed = await store.deletePerson(T, ALICE, tx);
          throw new Error('preview only');
        }),
      ).rejects.toThrow('preview only');
      expect(previewed?.plansDeleted).toBe(1);
      expect(await everything()).toEqual(before);
    });

    it('deletes someone with no plans, roles or chat cleanly', async () => {
      const summary = await db.transaction((tx) => store.deletePerson(T, 'aad-percent', tx));
      expect(touchedRecords(summary)).toBe(1);
      expect(await db.query(`select count(*)::int as n from users where user_id = $1`, [DELETED_PERSON_ID])).toEqual([{ n: 0 }]);
    });
  });

  describe('retention', () => {
    it('forgets a personal chat the app was removed from: its reference and turn state, nothing else', async () => {
      expect(await store.forgetPersonalChat(T, ALICE, 'a:alice-chat')).toBe(2);
      expect(await db.query('select personal_conversation, display_name from users where tenant_id = $1 and user_id = $2', [T, ALICE])).toEqual([
        { personal_conversation: null, display_name: 'Alice Head' },
      ]);
      expect((await db.query<{ key: string }>('select key from bot_state order by key')).map((r) => r.key)).toEqual([
        'msteams/28:bot/conversations/19:cluster-channel',
        'msteams/28:bot/conversations/a:bob-chat',
      ]);
      expect(await db.query('select count(*)::int as n from plans where owner_id = $1', [ALICE])).toEqual([{ n: 3 }]);
    });

    it('purges turn state untouched for longer than the retention period', async () => {
      await db.query(`update bot_state set updated_at = now() - interval '200 days' where key like '%a:bob-chat'`);
      await db.query(`update bot_state set updated_at = now() - interval '100 days' where key like '%19:cluster-channel'`);
      expect(await store.purgeTurnState(180)).toBe(1);
      expect((await db.query<{ key: string }>('select key from bot_state order by key')).map((r) => r.key)).toEqual([
        'msteams/28:bot/conversations/19:cluster-channel',
        'msteams/28:bot/conversations/a:alice-chat',
        'msteams/28:bot/users/29:alice-mri',
      ]);
    });
  });
});
