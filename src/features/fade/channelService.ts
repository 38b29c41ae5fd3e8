import type { Actor } from '../../platform/actor';
import { Outcomes, type Outcome } from '../../platform/outcome';
import type { UserRecord } from '../people/model';
import { clusterNames } from '../directory/names';
import { errorText, type FadeDeps } from './deps';
import type { ClusterInfo, ConversationSeen, FadeConversation, LeadPerson, MemberSchool, RemovalReason } from './types';

/** A cluster just linked to a channel, with what the channel is told about it. */
export interface LinkedCluster {
  cluster: ClusterInfo;
  members: MemberSchool[];
  lead: LeadPerson | null;
}

/** Cluster channels and who leads a cluster: linking, noticing removals, setting the lead and priorities. */
export class FadeChannelService {
  constructor(
    private readonly deps: FadeDeps,
    /** Redraws a round's reminder card in the cluster's channel (the reminder service's work). */
    private readonly redrawReminder: (roundId: string, clusterId: number) => Promise<unknown>,
  ) {}

  async conversationSeen(c: ConversationSeen): Promise<FadeConversation> {
    return this.deps.store.channels.upsertConversation(c);
  }

  /** The clusters the person may link a channel to without typing a name: those they lead. */
  async linkChoices(actor: Actor, user: UserRecord | null): Promise<ClusterInfo[]> {
    const { store, access } = this.deps;
    const led = await store.clusters.clustersLedBy(actor.tenantId, actor.userId, user?.schoolId ?? null);
    const mine: ClusterInfo[] = [];
    for (const c of led) if (await access.isLead(actor, c, user)) mine.push(c);
    return mine;
  }

  /**
   * Links the channel to a cluster, picked on the card (its id) or typed (its name). A name that matches
   * several clusters, or none, is a problem carrying the candidates, for the card to offer as buttons.
   */
  async linkCluster(
    actor: Actor,
    conversation: ConversationSeen,
    target: { clusterId?: number; name?: string },
  ): Promise<Outcome<LinkedCluster, ClusterInfo[]>> {
    const { store, access, clock, audit } = this.deps;
    if (conversation.kind !== 'channel' && conversation.kind !== 'groupChat') return Outcomes.problem('fade.link.notChannel');
    let cluster: ClusterInfo | null;
    if (target.clusterId !== undefined) {
      cluster = await store.clusters.getCluster(target.clusterId);
      if (!cluster) return Outcomes.notFound('fade.report.notFound');
    } else {
      const name = (target.name ?? '').trim();
      if (name === '') return Outcomes.problem('fade.link.usage', {}, []);
      const found = await store.clusters.findClusters(name);
      const typed = name.toLowerCase();
      const exact = found.filter((c) => [c.name, c.nameCy].some((n) => n && [typed, `${typed} cluster`, `clwstwr ${typed}`].includes(n.toLowerCase())));
      const candidates = exact.length > 0 ? exact : found;
      if (candidates.length === 0) return Outcomes.problem('fade.link.notFound', { name }, []);
      if (candidates.length > 1) return Outcomes.problem('fade.link.ambiguous', { name }, candidates);
      cluster = candidates[0];
    }
    if (!(await access.isAdmin(actor)) && !(await access.isLead(actor, cluster))) return Outcomes.forbidden('fade.link.forbidden');
    await store.channels.upsertConversation(conversation);
    await store.channels.linkCluster(conversation.conversationId, cluster.id, this.deps.community.tenantsOf(actor.tenantId), actor.userId, clock.now());
    await audit.record({
      at: clock.now(),
      tenantId: actor.tenantId,
      actorId: actor.userId,
      action: 'fade.linkCluster',
      subjectType: 'cluster',
      subjectId: String(cluster.id),
      details: { conversationId: conversation.conversationId },
    });
    return Outcomes.ok({
      cluster,
      members: await store.clusters.members(cluster.id),
      lead: await store.clusters.leadPerson(this.deps.community.tenantsOf(actor.tenantId), cluster),
    });
  }

  async cluster(clusterId: number): Promise<ClusterInfo | null> {
    return this.deps.store.clusters.getCluster(clusterId);
  }

  /** The cluster linked to a conversation, if any. */
  async clusterLinkedTo(conversationId: string): Promise<ClusterInfo | null> {
    const conv = await this.deps.store.channels.getConversation(conversationId);
    return conv?.clusterId ? this.deps.store.clusters.getCluster(conv.clusterId) : null;
  }

  /** The cluster a turn is about: the channel's linked cluster, else the user's own school's cluster. */
  async clusterFor(conversationId: string | null, user: UserRecord | null): Promise<ClusterInfo | null> {
    const { clusters } = this.deps.store;
    const linked = conversationId ? await this.clusterLinkedTo(conversationId) : null;
    if (linked) return linked;
    const clusterId = user?.schoolId ? await clusters.clusterOfSchool(user.schoolId) : null;
    return clusterId ? clusters.getCluster(clusterId) : null;
  }

  /**
   * The lead rotates: the current lead or an admin hands it to someone at a member school by name,
   * and a member school's head may take it on themself (an empty name). Reminders already in the
   * channel are redrawn so they @mention the new lead.
   */
  async setLead(actor: Actor, cluster: ClusterInfo, user: UserRecord | null, name: string): Promise<Outcome<string>> {
    const { store, access, clock, audit } = this.deps;
    const wanted = name.trim();
    let chosen: LeadPerson;
    if (wanted === '') {
      if (!(await access.isMemberHead(actor, cluster, user))) return Outcomes.forbidden('fade.lead.notMember', { cluster: clusterNames(cluster) });
      chosen = { tenantId: actor.tenantId, userId: actor.userId, displayName: user?.displayName ?? null };
    } else {
      if (!(await access.canEdit(actor, cluster))) return Outcomes.forbidden('fade.lead.forbidden');
      const found = await store.clusters.peopleAtMemberSchools(this.deps.community.tenantsOf(actor.tenantId), cluster.id, wanted);
      const exact = found.filter((p) => p.displayName?.toLowerCase() === wanted.toLowerCase());
      const candidates = exact.length > 0 ? exact : found;
      if (candidates.length === 0) return Outcomes.notFound('fade.lead.notFound', { name: wanted, cluster: clusterNames(cluster) });
      if (candidates.length > 1) return Outcomes.problem('fade.lead.ambiguous', { name: wanted, list: candidates.map((p) => p.displayName).join(', ') });
      chosen = candidates[0];
    }
    const at = clock.now();
    await store.clusters.setLeadPerson(this.deps.community.tenantsOf(actor.tenantId), cluster.id, chosen, actor.userId, at);
    await audit.record({
      at,
      tenantId: actor.tenantId,
      actorId: actor.userId,
      action: 'fade.setLead',
      subjectType: 'cluster',
      subjectId: String(cluster.id),
      details: { leadId: chosen.userId },
    });
    for (const roundId of await store.reminders.postedRounds(cluster.id)) await this.redrawReminder(roundId, cluster.id);
    return Outcomes.ok(chosen.displayName ?? '');
  }

  async setPriorities(actor: Actor, cluster: ClusterInfo, priorities: string[]): Promise<Outcome<string[]>> {
    if (!(await this.deps.access.canEdit(actor, cluster))) return Outcomes.forbidden('fade.report.forbidden');
    await this.deps.store.clusters.setPriorities(this.deps.community.tenantsOf(actor.tenantId), actor.tenantId, cluster.id, priorities, actor.userId);
    return Outcomes.ok(priorities);
  }

  /** The bot was removed or the channel deleted: stop posting there and tell the admins. */
  async conversationsRemoved(tenantId: string, where: { conversationId?: string; teamId?: string }, reason: RemovalReason): Promise<number> {
    const { store, clock, log } = this.deps;
    const gone = await store.channels.deactivate(where, reason);
    for (const c of gone) {
      if (c.clusterId === null) continue;
      const cluster = await store.clusters.getCluster(c.clusterId);
      log.warn('cluster channel no longer reachable', { clusterId: c.clusterId, conversationId: c.conversationId, reason });
      await store.reminders.recordFailure({
        at: clock.now(),
        tenantId,
        clusterId: c.clusterId,
        conversationId: c.conversationId,
        what: 'channel',
        status: null,
        error: reason,
        attempts: 0,
      });
      if (cluster) await this.tellAdmins(tenantId, cluster, reason);
    }
    return gone.length;
  }

  private async tellAdmins(tenantId: string, cluster: ClusterInfo, reason: RemovalReason): Promise<void> {
    const { roles, users, messenger, cards, log } = this.deps;
    for (const { tenantId: adminTenant, userId } of await roles.admins(this.deps.community.tenantsOf(tenantId))) {
      const user = await users.get(adminTenant, userId);
      if (!user?.personalConversation) continue;
      try {
        await messenger.send(user.personalConversation, { card: cards.channelGone(user.locale ?? this.deps.defaultLocale, cluster, reason) });
      } catch (err) {
        log.warn('could not tell an admin', { userId, error: errorText(err) });
      }
    }
  }
}
