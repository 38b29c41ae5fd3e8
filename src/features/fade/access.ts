import type { Actor } from '../../platform/actor';
import type { SqlRoleRepository } from '../people/roles';
import type { UserRepository } from '../people/users';
import type { UserRecord } from '../people/model';
import type { SqlFadeClusterRepository } from './clusterRepository';
import type { ClusterInfo } from './types';
import type { Community } from '../../platform/community';

/** Who may do what in FADE, from confirmed roles and school membership (checked on every action). */
export class FadeAccess {
  constructor(private readonly deps: { roles: SqlRoleRepository; users: UserRepository; clusters: SqlFadeClusterRepository; community: Community }) {}

  isAdmin(actor: Actor): Promise<boolean> {
    return this.deps.roles.isAdmin(actor.tenantId, actor.userId);
  }

  /** The lead: the person chosen for the cluster in the actor's community, or, until someone is chosen, anyone registered at the lead school. */
  async isLead(actor: Actor, cluster: ClusterInfo, user?: UserRecord | null): Promise<boolean> {
    const lead = await this.deps.clusters.leadPerson(this.deps.community.tenantsOf(actor.tenantId), cluster);
    if (lead?.tenantId === actor.tenantId && lead.userId === actor.userId) return true;
    if (lead?.chosen) return false;
    const me = user ?? (await this.deps.users.get(actor.tenantId, actor.userId));
    return cluster.leadSchoolId !== null && me?.schoolId === cluster.leadSchoolId;
  }

  /** Admins and the lead edit the cluster's report, priorities and lead. */
  async canEdit(actor: Actor, cluster: ClusterInfo): Promise<boolean> {
    return (await this.isAdmin(actor)) || (await this.isLead(actor, cluster));
  }

  async isMember(user: UserRecord | null, cluster: ClusterInfo): Promise<boolean> {
    return !!user?.schoolId && (await this.deps.clusters.clusterOfSchool(user.schoolId)) === cluster.id;
  }

  /** Member schools add notes; so do those who edit the report. */
  async canAddNote(actor: Actor, cluster: ClusterInfo, user: UserRecord | null): Promise<boolean> {
    return (await this.isMember(user, cluster)) || this.canEdit(actor, cluster);
  }

  /** A confirmed headteacher of one of the cluster's schools. */
  async isMemberHead(actor: Actor, cluster: ClusterInfo, user?: UserRecord | null): Promise<boolean> {
    const me = user ?? (await this.deps.users.get(actor.tenantId, actor.userId));
    return me?.schoolRole === 'headteacher' && (await this.isMember(me, cluster));
  }

  /**
   * Who may read the cluster's report or draft (it quotes member schools' plans and notes): the lead, confirmed
   * heads of member schools, the reviewers and advisers for the cluster, and admins. Nobody else.
   */
  async canViewReport(actor: Actor, cluster: ClusterInfo): Promise<boolean> {
    return (await this.canEdit(actor, cluster)) || (await this.isMemberHead(actor, cluster)) || (await this.canReview(actor, cluster));
  }

  /** Reviewers and advisers for the cluster's LA, and admins, judge a submitted report. */
  async canReview(actor: Actor, cluster: ClusterInfo): Promise<boolean> {
    const { roles } = this.deps;
    return (
      (await roles.holds(actor.tenantId, actor.userId, 'reviewer', cluster.laCode)) ||
      (await roles.holds(actor.tenantId, actor.userId, 'adviser', cluster.laCode)) ||
      (await roles.isAdmin(actor.tenantId, actor.userId))
    );
  }
}
