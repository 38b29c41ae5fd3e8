import { randomUUID } from 'node:crypto';
import type { Sql } from '../../platform/db/db';
import type { RoundDefinition } from './model';
import type { Cycle, Round, RoundProgress } from './types';

type Row = Record<string, unknown>;

const toRound = (r: Row): Round => ({
  id: r.id as string,
  cycleId: r.cycle_id as string,
  cycleName: r.cycle_name as string,
  tenantId: r.tenant_id as string,
  seq: r.seq as number,
  name: r.name as string,
  deadline: r.deadline as string,
  offsets: r.offsets as number[],
  sendTime: r.send_time as string,
});

const ROUND_SELECT = `select r.*, c.name as cycle_name, c.tenant_id, c.offsets, c.send_time from fade_rounds r join fade_cycles c on c.id = r.cycle_id`;

/** Owns fade_cycles, fade_rounds, fade_cycle_clusters and fade_holidays: the FADE calendar. */
export class SqlFadeCycleRepository {
  constructor(private readonly sql: Sql) {}

  /** A person's data is deleted: cycles they set name the stand-in. How many. */
  async anonymisePerson(tenantId: string, userId: string, standInId: string, sql: Sql): Promise<number> {
    return (await sql.query('update fade_cycles set created_by = $3 where tenant_id = $1 and created_by = $2 returning id', [tenantId, userId, standInId]))
      .length;
  }

  async createCycle(
    c: { tenantId: string; name: string; offsets: readonly number[]; sendTime: string; createdBy: string; createdAt: Date },
    rounds: readonly RoundDefinition[],
    clusterIds: readonly number[],
    tx: Sql = this.sql,
  ): Promise<{ cycle: Cycle; rounds: Round[] } | null> {
    const id = randomUUID();
    const inserted = await tx.query(
      `insert into fade_cycles (id, tenant_id, name, offsets, send_time, created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (tenant_id, name) do nothing returning id`,
      [id, c.tenantId, c.name, JSON.stringify(c.offsets), c.sendTime, c.createdBy, c.createdAt],
    );
    if (inserted.length === 0) return null;
    for (const [i, r] of rounds.entries()) {
      await tx.query('insert into fade_rounds (id, cycle_id, seq, name, deadline) values ($1, $2, $3, $4, $5)', [randomUUID(), id, i + 1, r.name, r.deadline]);
    }
    // Every cluster of Wales in one statement, not one each.
    await tx.query('insert into fade_cycle_clusters (cycle_id, cluster_id) select $1, c from unnest($2::int[]) as c on conflict do nothing', [
      id,
      [...clusterIds],
    ]);
    const cycle: Cycle = { id, tenantId: c.tenantId, name: c.name, offsets: [...c.offsets], sendTime: c.sendTime, createdAt: c.createdAt };
    return { cycle, rounds: await this.roundsOfCycle(id, tx) };
  }

  async roundsOfCycle(cycleId: string, sql: Sql = this.sql): Promise<Round[]> {
    return (await sql.query<Row>(`${ROUND_SELECT} where r.cycle_id = $1 order by r.seq`, [cycleId])).map(toRound);
  }

  /** The round, if its cycle was set in one of `tenants` (the reader's community). */
  async getRound(roundId: string, tenants: readonly string[]): Promise<Round | null> {
    if (!/^[0-9a-f-]{36}$/i.test(roundId)) return null;
    const rows = await this.sql.query<Row>(`${ROUND_SELECT} where r.id = $1 and c.tenant_id = any($2::text[])`, [roundId, tenants]);
    return rows[0] ? toRound(rows[0]) : null;
  }

  /** The round by id alone: for jobs and follow-ups that act for no reader (a reminder names its round). */
  async roundForJob(roundId: string): Promise<Round | null> {
    if (!/^[0-9a-f-]{36}$/i.test(roundId)) return null;
    const rows = await this.sql.query<Row>(`${ROUND_SELECT} where r.id = $1`, [roundId]);
    return rows[0] ? toRound(rows[0]) : null;
  }

  async clustersOfCycle(cycleId: string, sql: Sql = this.sql): Promise<number[]> {
    return (await sql.query<{ cluster_id: number }>('select cluster_id from fade_cycle_clusters where cycle_id = $1 order by cluster_id', [cycleId])).map(
      (r) => r.cluster_id,
    );
  }

  /** The round of a cycle covering this cluster whose deadline is next (or most recently passed, unsubmitted). */
  /** The round a cluster works on now, of a cycle set in the reader's community (`tenants`). */
  async currentRoundFor(tenants: readonly string[], clusterId: number, today: string): Promise<Round | null> {
    const rows = await this.sql.query<Row>(
      `${ROUND_SELECT} join fade_cycle_clusters cc on cc.cycle_id = r.cycle_id and cc.cluster_id = $2
       left join fade_reports rep on rep.round_id = r.id and rep.cluster_id = $2
       where c.tenant_id = any($1::text[]) and (r.deadline >= $3 or coalesce(rep.status, 'notStarted') in ('notStarted', 'drafted'))
       order by r.deadline limit 1`,
      [tenants, clusterId, today],
    );
    return rows[0] ? toRound(rows[0]) : null;
  }

  /** The round before this one in its cycle, or the last round of an earlier cycle for the cluster, in the round's community (`tenants`). */
  async previousRound(round: Round, clusterId: number, tenants: readonly string[]): Promise<Round | null> {
    const rows = await this.sql.query<Row>(
      `${ROUND_SELECT} join fade_cycle_clusters cc on cc.cycle_id = r.cycle_id and cc.cluster_id = $2
       where c.tenant_id = any($1::text[]) and r.deadline < $3 order by r.deadline desc limit 1`,
      [tenants, clusterId, round.deadline],
    );
    return rows[0] ? toRound(rows[0]) : null;
  }

  async holidays(tenantId: string): Promise<Set<string>> {
    const rows = await this.sql.query<{ day: string }>('select day from fade_holidays where tenant_id = $1', [tenantId]);
    return new Set(rows.map((r) => r.day));
  }

  async addHolidays(tenantId: string, days: readonly string[], name: string | null): Promise<void> {
    for (const day of days)
      await this.sql.query('insert into fade_holidays (tenant_id, day, name) values ($1, $2, $3) on conflict do nothing', [tenantId, day, name]);
  }

  /**
   * Per cycle and round (newest cycle first): clusters, how many submitted, channels missing.
   * Reminders sent and pending are the notification owner's to count; they start at 0 here.
   */
  async progress(tenantId: string): Promise<RoundProgress[]> {
    const rows = await this.sql.query<Row>(
      `select r.id as round_id, c.name as cycle_name, r.name as round_name, r.deadline,
         count(distinct cc.cluster_id)::int as clusters,
         count(distinct rep.cluster_id) filter (where rep.status in ('submitted', 'reviewed'))::int as submitted,
         count(distinct cc.cluster_id) filter (where fc.conversation_id is not null and not fc.active)::int as inactive_channels,
         count(distinct cc.cluster_id) filter (where fc.conversation_id is null)::int as unlinked
       from fade_cycles c join fade_rounds r on r.cycle_id = c.id
       join fade_cycle_clusters cc on cc.cycle_id = c.id
       left join fade_reports rep on rep.round_id = r.id and rep.cluster_id = cc.cluster_id
       left join fade_conversations fc on fc.cluster_id = cc.cluster_id
       where c.tenant_id = $1 group by c.name, c.created_at, r.id, r.name, r.deadline, r.seq order by c.created_at desc, r.seq limit 12`,
      [tenantId],
    );
    return rows.map((r) => ({
      roundId: r.round_id as string,
      cycleName: r.cycle_name as string,
      roundName: r.round_name as string,
      deadline: r.deadline as string,
      clusters: Number(r.clusters),
      submitted: Number(r.submitted),
      sent: 0,
      pending: 0,
      inactiveChannels: Number(r.inactive_channels),
      unlinked: Number(r.unlinked),
    }));
  }
}
