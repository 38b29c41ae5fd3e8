import type { CandidateSchool, CandidateStrength } from './ranking';
import type { PriorityArea } from '../plans/priorities';
import type { RequestState, SupportRequest } from './supportRequest';
import type { Locale } from '../../platform/i18n';
import type { Sql } from '../../platform/db/db';

interface RequestRow {
  id: string;
  tenant_id: string;
  plan_id: string;
  requester_id: string;
  asking_school_id: number;
  kind: SupportRequest['kind'];
  state: RequestState;
  chosen_school_id: number | null;
  look_further: boolean;
  version: number;
  ask_seq: number;
  decided_by: string | null;
  decision_reason: string | null;
  declined_by: SupportRequest['declinedBy'];
  adviser_ids: string[];
  created_at: Date;
  updated_at: Date;
  state_changed_at: Date;
  accepted_at: Date | null;
  done_at: Date | null;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

const toRequest = (r: RequestRow): SupportRequest => ({
  id: r.id,
  tenantId: r.tenant_id,
  planId: r.plan_id,
  requesterId: r.requester_id,
  askingSchoolId: r.asking_school_id,
  kind: r.kind,
  state: r.state,
  chosenSchoolId: r.chosen_school_id,
  lookFurther: r.look_further,
  version: r.version,
  askSeq: r.ask_seq,
  decidedBy: r.decided_by,
  decisionReason: r.decision_reason,
  declinedBy: r.declined_by,
  adviserIds: r.adviser_ids ?? [],
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  stateChangedAt: new Date(r.state_changed_at),
  acceptedAt: date(r.accepted_at),
  doneAt: date(r.done_at),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A change of state, made only if the request is still in one of `from` (and, if given, still asks `chosenSchoolId`). */
export interface RequestMove {
  from: readonly RequestState[];
  to: RequestState;
  at: Date;
  by: string;
  /** Only move if this school is the one asked now. */
  whileChosen?: number;
  chosenSchoolId?: number | null;
  nextAsk?: boolean;
  kind?: SupportRequest['kind'];
  reason?: string | null;
  declinedBy?: SupportRequest['declinedBy'];
}

export interface SchoolContact {
  tenantId: string;
  userId: string;
  displayName: string | null;
  locale: Locale | null;
  personalConversation: Record<string, unknown> | null;
}

/** The three lists of the "my requests" card (see `listFor`). */
export type RequestListSection = 'asked' | 'toAnswer' | 'toBroker';

export interface ListedSchool {
  id: number;
  nameEn: string;
  nameCy: string | null;
}

export interface ListedRequest {
  request: SupportRequest;
  /** The start of the plan's Focus (at most 200 characters), or null when it has none. */
  focus: string | null;
  asking: ListedSchool;
  chosen: ListedSchool | null;
}

export interface RequestList {
  entries: ListedRequest[];
  /** How many there are in all, of which `entries` holds the first `limit`. */
  total: number;
}

export interface RequestListQuery {
  tenantId: string;
  userId: string;
  /** The reader's community (platform/community.ts): the tenants whose requests they may see. */
  tenants: readonly string[];
  /** The school the person leads as headteacher or deputy, if any. */
  ledSchoolId: number | null;
  /** Rows per list. */
  limit: number;
}

interface ListedRow extends RequestRow {
  section: RequestListSection;
  total: number;
  focus: string | null;
  asking_name_en: string;
  asking_name_cy: string | null;
  chosen_name_en: string | null;
  chosen_name_cy: string | null;
}

export class SqlRequestRepository {
  constructor(private readonly sql: Sql) {}

  /** A person's data is deleted: requests and asks keep what happened, with the stand-in for who did it. How many rows changed. */
  async anonymisePerson(tenantId: string, userId: string, standInId: string, sql: Sql): Promise<number> {
    const count = async (text: string, params: unknown[]) => (await sql.query(text, params)).length;
    return (
      (await count('update support_requests set requester_id = $3 where tenant_id = $1 and requester_id = $2 returning id', [tenantId, userId, standInId])) +
      (await count('update support_requests set decided_by = $3 where tenant_id = $1 and decided_by = $2 returning id', [tenantId, userId, standInId])) +
      (await count(
        `update support_requests
            set adviser_ids = (select coalesce(jsonb_agg(e), '[]'::jsonb) from jsonb_array_elements(adviser_ids) e where e <> to_jsonb($2::text))
          where tenant_id = $1 and adviser_ids @> jsonb_build_array($2::text) returning id`,
        [tenantId, userId],
      )) +
      (await count(
        `update support_asks a set asked_by = $3 from support_requests r
          where r.id = a.request_id and r.tenant_id = $1 and a.asked_by = $2 returning a.request_id`,
        [tenantId, userId, standInId],
      ))
    );
  }

  async create(r: SupportRequest, sql: Sql = this.sql): Promise<void> {
    await sql.query(
      `insert into support_requests (id, tenant_id, plan_id, requester_id, asking_school_id, kind, state, chosen_school_id, look_further,
         version, ask_seq, adviser_ids, created_at, updated_at, state_changed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13)`,
      [
        r.id,
        r.tenantId,
        r.planId,
        r.requesterId,
        r.askingSchoolId,
        r.kind,
        r.state,
        r.chosenSchoolId,
        r.lookFurther,
        r.version,
        r.askSeq,
        JSON.stringify(r.adviserIds),
        r.createdAt,
      ],
    );
  }

  /** The request, if it was made in one of `tenants` (the reader's community). */
  async get(id: string, tenants: readonly string[], sql: Sql = this.sql): Promise<SupportRequest | null> {
    if (!UUID.test(id)) return null;
    const rows = await sql.query<RequestRow>('select * from support_requests where id = $1 and tenant_id = any($2::text[])', [id, tenants]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /** The request by id alone: only for jobs, which act for no reader (a reminder names the request it is about). */
  async forJob(id: string, sql: Sql = this.sql): Promise<SupportRequest | null> {
    if (!UUID.test(id)) return null;
    const rows = await sql.query<RequestRow>('select * from support_requests where id = $1', [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /** The plan's latest request, if it was made in one of `tenants`. */
  async latestForPlan(planId: string, tenants: readonly string[]): Promise<SupportRequest | null> {
    const rows = await this.sql.query<RequestRow>(
      'select * from support_requests where plan_id = $1 and tenant_id = any($2::text[]) order by created_at desc, id limit 1',
      [planId, tenants],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /**
   * The one conditional write every decision goes through: the row changes only if it is still
   * in an expected state, so of two people deciding at once exactly one wins. Null when it lost.
   */
  async move(id: string, m: RequestMove, sql: Sql = this.sql): Promise<SupportRequest | null> {
    const rows = await sql.query<RequestRow>(
      `update support_requests
          set state = $3, version = version + 1, updated_at = $4, state_changed_at = $4, decided_by = $5,
              chosen_school_id = case when $6::boolean then $7::int else chosen_school_id end,
              ask_seq = ask_seq + case when $8::boolean then 1 else 0 end,
              kind = coalesce($9, kind),
              decision_reason = $10, declined_by = $11,
              accepted_at = case when $3 = 'accepted' then $4 else accepted_at end,
              done_at = case when $3 = 'done' then $4 else done_at end
        where id = $1 and state = any($2::text[]) and ($12::int is null or chosen_school_id = $12::int)
        returning *`,
      [
        id,
        m.from,
        m.to,
        m.at,
        m.by,
        m.chosenSchoolId !== undefined,
        m.chosenSchoolId ?? null,
        m.nextAsk === true,
        m.kind ?? null,
        m.reason ?? null,
        m.declinedBy ?? null,
        m.whileChosen ?? null,
      ],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /**
   * One person's requests, in three lists: `asked`, the requests they made (from their own plans);
   * `toAnswer`, those waiting for the answer of the school they lead, or accepted by it and under way;
   * `toBroker`, brokered requests waiting for an adviser's decision from schools they are adviser for
   * (by name, by LA, or every LA: the test `SqlRoleRepository.holds` makes). The last two take requests from
   * the reader's whole community (`tenants`), and nothing from outside it. Each list puts the requests
   * still waiting first, then the most recently changed, and holds at most `limit` rows.
   */
  async listFor(q: RequestListQuery, sql: Sql = this.sql): Promise<Record<RequestListSection, RequestList>> {
    const rows = await sql.query<ListedRow>(
      `with listed as (
         select 'asked' as section, r.* from support_requests r
          where r.tenant_id = $1 and r.requester_id = $2
         union all
         select 'toAnswer', r.* from support_requests r
          where r.tenant_id = any($5::text[]) and r.chosen_school_id = $3::int and r.state in ('awaitingSchool', 'accepted')
         union all
         select 'toBroker', r.* from support_requests r join schools s on s.id = r.asking_school_id
          where r.tenant_id = any($5::text[]) and r.state = 'awaitingAdviser'
            and exists (select 1 from user_roles g
                         where g.tenant_id = $1 and g.user_id = $2 and g.role = 'adviser'
                           and (g.school_id = r.asking_school_id or (g.school_id is null and (g.la_code is null or g.la_code = s.la_code))))
       ), ranked as (
         select l.*,
                row_number() over (partition by l.section
                                   order by l.state in ('awaitingAdviser', 'awaitingSchool') desc, l.updated_at desc, l.created_at desc, l.id) as n,
                count(*) over (partition by l.section)::int as total
           from listed l
       )
       select k.*, left(p.answers ->> 'focus', 200) as focus,
              a.name_en as asking_name_en, a.name_cy as asking_name_cy, c.name_en as chosen_name_en, c.name_cy as chosen_name_cy
         from ranked k
         join plans p on p.id = k.plan_id
         join schools a on a.id = k.asking_school_id
         left join schools c on c.id = k.chosen_school_id
        where k.n <= $4
        order by k.section, k.n`,
      [q.tenantId, q.userId, q.ledSchoolId, Math.max(1, Math.floor(q.limit)), q.tenants],
    );
    const lists: Record<RequestListSection, RequestList> = {
      asked: { entries: [], total: 0 },
      toAnswer: { entries: [], total: 0 },
      toBroker: { entries: [], total: 0 },
    };
    for (const row of rows) {
      const list = lists[row.section];
      list.total = row.total;
      list.entries.push({
        request: toRequest(row),
        focus: row.focus,
        asking: { id: row.asking_school_id, nameEn: row.asking_name_en, nameCy: row.asking_name_cy },
        chosen: row.chosen_school_id === null ? null : { id: row.chosen_school_id, nameEn: row.chosen_name_en ?? '', nameCy: row.chosen_name_cy },
      });
    }
    return lists;
  }

  async recordAsk(requestId: string, seq: number, schoolId: number, at: Date, by: string, sql: Sql = this.sql): Promise<void> {
    await sql.query('insert into support_asks (request_id, seq, school_id, asked_at, asked_by) values ($1, $2, $3, $4, $5) on conflict do nothing', [
      requestId,
      seq,
      schoolId,
      at,
      by,
    ]);
  }

  async closeAsk(requestId: string, seq: number, outcome: 'accepted' | 'declined' | 'redirected' | 'withdrawn' | 'moved', sql: Sql = this.sql): Promise<void> {
    await sql.query(`update support_asks set outcome = $3 where request_id = $1 and seq = $2 and outcome = 'pending'`, [requestId, seq, outcome]);
  }

  async askedSchools(requestId: string): Promise<number[]> {
    const rows = await this.sql.query<{ school_id: number }>('select school_id from support_asks where request_id = $1 order by seq', [requestId]);
    return rows.map((r) => r.school_id);
  }

  /**
   * Support engagements under way by school: accepted, not marked done, and the plan not yet past the support.
   * Counted across every tenant, as the pending asks and recent asks below are: a school's places are its own,
   * whichever community asks, and only numbers per school leave this query (no one's request).
   */
  async loadBySchool(sql: Sql = this.sql, schoolId?: number): Promise<Map<number, number>> {
    const rows = await sql.query<{ school_id: number; n: number }>(
      `select r.chosen_school_id as school_id, count(*)::int as n
         from support_requests r join plans p on p.id = r.plan_id
        where r.state = 'accepted' and p.status in ('planning', 'supportUnderWay') and ($1::int is null or r.chosen_school_id = $1::int)
        group by r.chosen_school_id`,
      [schoolId ?? null],
    );
    return new Map(rows.map((r) => [r.school_id, r.n]));
  }

  /** Asks waiting for the school's answer, by school: they hold a place while they wait. */
  async pendingBySchool(sql: Sql = this.sql): Promise<Map<number, number>> {
    const rows = await sql.query<{ school_id: number; n: number }>(
      `select chosen_school_id as school_id, count(*)::int as n from support_requests where state = 'awaitingSchool' group by chosen_school_id`,
    );
    return new Map(rows.map((r) => [r.school_id, r.n]));
  }

  /**
   * Accepts the request only while the school has a free place. The school's row is locked first, in its
   * own statement, so of two acceptances at once the second counts the first (it waits for the lock, then
   * reads with a fresh snapshot): a one-place school never ends up with two. Null when the request was not
   * waiting for this school any more or the school is full (`full` says which).
   */
  async acceptWithinCapacity(
    id: string,
    m: RequestMove & { whileChosen: number },
    sql: Sql,
  ): Promise<{ request: SupportRequest | null; full: boolean; capacity: number; taken: number }> {
    const locked = await sql.query<{ capacity: number }>('select capacity from schools where id = $1 for update', [m.whileChosen]);
    const capacity = locked[0]?.capacity ?? 0;
    const taken = (await this.loadBySchool(sql, m.whileChosen)).get(m.whileChosen) ?? 0;
    if (taken >= capacity) return { request: null, full: true, capacity, taken };
    return { request: await this.move(id, m, sql), full: false, capacity, taken };
  }

  /** When each school was asked since `since` (epoch ms), for the fairness part of the ranking. */
  async recentAsks(since: Date, sql: Sql = this.sql): Promise<Map<number, number[]>> {
    const rows = await sql.query<{ school_id: number; asked_at: Date }>(
      'select school_id, asked_at from support_asks where asked_at >= $1 order by school_id, asked_at',
      [since],
    );
    const map = new Map<number, number[]>();
    for (const r of rows) {
      const list = map.get(r.school_id) ?? [];
      list.push(new Date(r.asked_at).getTime());
      map.set(r.school_id, list);
    }
    return map;
  }

  /** Requests waiting for this school's answer, oldest first (those held while nobody from it used the bot among them). */
  async waitingForSchool(tenants: readonly string[], schoolId: number, sql: Sql = this.sql): Promise<SupportRequest[]> {
    const rows = await sql.query<RequestRow>(
      `select * from support_requests where tenant_id = any($1) and chosen_school_id = $2 and state = 'awaitingSchool' order by created_at, id limit 50`,
      [tenants, schoolId],
    );
    return rows.map(toRequest);
  }

  /** Brokered requests held because no adviser covered the asking school when they were made, oldest first. */
  async heldForAdvisers(tenants: readonly string[], sql: Sql = this.sql): Promise<SupportRequest[]> {
    const rows = await sql.query<RequestRow>(
      `select * from support_requests where tenant_id = any($1) and state = 'awaitingAdviser' and adviser_ids = '[]'::jsonb order by created_at, id limit 200`,
      [tenants],
    );
    return rows.map(toRequest);
  }

  /** Gives a held brokered request to advisers, only while it is still held (of two grants at once, one gives it). */
  async giveToAdvisers(id: string, adviserIds: string[], sql: Sql = this.sql): Promise<SupportRequest | null> {
    const rows = await sql.query<RequestRow>(
      `update support_requests set adviser_ids = $2::jsonb
        where id = $1 and state = 'awaitingAdviser' and adviser_ids = '[]'::jsonb returning *`,
      [id, JSON.stringify(adviserIds)],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /** The confirmed headteacher and deputies of a school in the community (`tenants`). */
  async headsOf(tenants: readonly string[], schoolId: number): Promise<SchoolContact[]> {
    const rows = await this.sql.query<{
      tenant_id: string;
      user_id: string;
      display_name: string | null;
      locale: Locale | null;
      personal_conversation: Record<string, unknown> | null;
    }>(
      `select tenant_id, user_id, display_name, locale, personal_conversation from users
        where tenant_id = any($1::text[]) and school_id = $2 and school_role in ('headteacher', 'deputy')
        order by case school_role when 'headteacher' then 0 else 1 end, user_id, tenant_id`,
      [tenants, schoolId],
    );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      userId: r.user_id,
      displayName: r.display_name,
      locale: r.locale,
      personalConversation: r.personal_conversation,
    }));
  }

  /**
   * Changes whenever a school or a strength is added, removed or updated (every writer sets
   * updated_at): another instance's change to what the ranking reads shows here. A sum of the
   * times rather than the latest, so a transaction committing after a later-started one still counts.
   */
  async directoryStamp(sql: Sql = this.sql): Promise<string> {
    const rows = await sql.query<{ stamp: string }>(
      `select concat_ws(':', (select count(*) from schools), (select sum(extract(epoch from updated_at)) from schools),
                             (select count(*) from school_strengths), (select sum(extract(epoch from updated_at)) from school_strengths)) as stamp`,
    );
    return rows[0]?.stamp ?? '';
  }

  /** Every school with its strengths, as the ranking needs them. */
  async candidates(sql: Sql = this.sql): Promise<CandidateSchool[]> {
    const schools = await sql.query<{
      id: number;
      la_code: number;
      phase: CandidateSchool['phase'];
      language_medium: CandidateSchool['languageMedium'];
      fsm_percent: string | number | null;
      family: string | null;
      support_category: CandidateSchool['supportCategory'];
      latitude: number | null;
      longitude: number | null;
      postcode: string | null;
      capacity: number;
      open_to_requests: boolean;
    }>(
      `select id, la_code, phase, language_medium, fsm_percent, family, support_category, latitude, longitude, postcode, capacity, open_to_requests
         from schools order by id`,
    );
    // Evidence written before it was dated (or by the demo generator) is dated by its last change.
    const strengths = await sql.query<{ school_id: number; area: PriorityArea; stated_by: CandidateStrength['statedBy']; verified_at: Date | string | null }>(
      `select school_id, area, stated_by, case when stated_by <> 'school' then coalesce(verified_at, updated_at) end as verified_at
         from school_strengths order by school_id, area`,
    );
    const bySchool = new Map<number, CandidateStrength[]>();
    for (const s of strengths) {
      const list = bySchool.get(s.school_id) ?? [];
      list.push({ area: s.area, statedBy: s.stated_by, verifiedAt: date(s.verified_at) });
      bySchool.set(s.school_id, list);
    }
    return schools.map((s) => ({
      id: s.id,
      laCode: s.la_code,
      phase: s.phase,
      languageMedium: s.language_medium,
      fsmPercent: s.fsm_percent === null ? null : Number(s.fsm_percent),
      family: s.family,
      supportCategory: s.support_category,
      latitude: s.latitude,
      longitude: s.longitude,
      postcode: s.postcode,
      capacity: s.capacity,
      openToRequests: s.open_to_requests,
      strengths: bySchool.get(s.id) ?? [],
    }));
  }
}
