import type { Sql } from '../../platform/db/db';
import type { ConversationSeen, FadeConversation } from './types';

type Row = Record<string, unknown>;

export const toConversation = (r: Row): FadeConversation => ({
  conversationId: r.conversation_id as string,
  tenantId: r.tenant_id as string,
  teamId: (r.team_id as string | null) ?? null,
  kind: r.kind as string,
  name: (r.name as string | null) ?? null,
  reference: r.reference as Record<string, unknown>,
  clusterId: (r.cluster_id as number | null) ?? null,
  active: r.active as boolean,
  inactiveReason: (r.inactive_reason as string | null) ?? null,
});

/** Owns fade_conversations: where the bot is, and which channel each cluster is linked to. */
export class SqlFadeChannelRepository {
  constructor(private readonly sql: Sql) {}

  /** A person's data is deleted: channels they linked name the stand-in, and stored references lose who they were. How many rows changed. */
  async anonymisePerson(tenantId: string, userId: string, standInId: string, sql: Sql): Promise<number> {
    return (
      (
        await sql.query('update fade_conversations set linked_by = $3 where tenant_id = $1 and linked_by = $2 returning conversation_id', [
          tenantId,
          userId,
          standInId,
        ])
      ).length +
      (
        await sql.query(
          `update fade_conversations set reference = reference - 'user'
            where tenant_id = $1 and reference -> 'user' ->> 'aadObjectId' = $2 returning conversation_id`,
          [tenantId, userId],
        )
      ).length
    );
  }

  async upsertConversation(c: ConversationSeen): Promise<FadeConversation> {
    const rows = await this.sql.query<Row>(
      `insert into fade_conversations (conversation_id, tenant_id, team_id, kind, name, reference)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (conversation_id) do update set
         tenant_id = excluded.tenant_id, team_id = coalesce(excluded.team_id, fade_conversations.team_id),
         kind = excluded.kind, name = coalesce(excluded.name, fade_conversations.name), reference = excluded.reference,
         active = true, inactive_reason = null, updated_at = now()
       returning *`,
      [c.conversationId, c.tenantId, c.teamId, c.kind, c.name, JSON.stringify(c.reference)],
    );
    return toConversation(rows[0]);
  }

  async getConversation(conversationId: string): Promise<FadeConversation | null> {
    const rows = await this.sql.query<Row>('select * from fade_conversations where conversation_id = $1', [conversationId]);
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /** Links the channel to the cluster; a channel of the same community (`tenants`) linked to it before is unlinked. */
  async linkCluster(conversationId: string, clusterId: number, tenants: readonly string[], by: string, at: Date, tx: Sql = this.sql): Promise<void> {
    await tx.query(
      'update fade_conversations set cluster_id = null, updated_at = now() where cluster_id = $1 and conversation_id <> $2 and tenant_id = any($3::text[])',
      [clusterId, conversationId, tenants],
    );
    await tx.query(
      `update fade_conversations set cluster_id = $2, linked_by = $3, linked_at = $4, active = true, inactive_reason = null, updated_at = now() where conversation_id = $1`,
      [conversationId, clusterId, by, at],
    );
  }

  /** The community's channel for the cluster (each community links its own). */
  async channelForCluster(clusterId: number, tenants: readonly string[]): Promise<FadeConversation | null> {
    const rows = await this.sql.query<Row>(
      'select * from fade_conversations where cluster_id = $1 and tenant_id = any($2::text[]) order by linked_at desc nulls last limit 1',
      [clusterId, tenants],
    );
    return rows[0] ? toConversation(rows[0]) : null;
  }

  /** Channels linked to a cluster of the tenant that the bot can no longer post in, with why and since when (as recorded when it was lost). */
  async lostChannels(tenantId: string): Promise<{ clusterId: number; clusterName: string; reason: string | null; since: Date }[]> {
    const rows = await this.sql.query<Row>(
      `select f.cluster_id, c.name, f.inactive_reason,
              coalesce((select max(d.at) from fade_delivery_failures d where d.conversation_id = f.conversation_id and d.what = 'channel'), f.updated_at) as since
         from fade_conversations f join clusters c on c.id = f.cluster_id
        where f.tenant_id = $1 and not f.active order by c.name`,
      [tenantId],
    );
    return rows.map((r) => ({
      clusterId: r.cluster_id as number,
      clusterName: r.name as string,
      reason: (r.inactive_reason as string | null) ?? null,
      since: new Date(r.since as string),
    }));
  }

  /** Marks conversations inactive (channel deleted, bot removed); returns those that were active. */
  async deactivate(where: { conversationId?: string; teamId?: string }, reason: string): Promise<FadeConversation[]> {
    const rows = await this.sql.query<Row>(
      `update fade_conversations set active = false, inactive_reason = $3, updated_at = now()
       where active and (conversation_id = $1 or ($2::text is not null and team_id = $2)) returning *`,
      [where.conversationId ?? null, where.teamId ?? null, reason],
    );
    return rows.map(toConversation);
  }
}
