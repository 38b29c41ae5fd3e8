/**
 * One community per deployment: the tenants in ALLOWED_TENANT_IDS together (for Wales, the schools' tenant and the
 * local authorities' tenants), so an adviser in one can approve a head in another. With the list empty (an open
 * multi-tenant app) each tenant is a community of its own. Repositories put `tenantsOf(reader)` into their SQL
 * (`tenant_id = any($n)`), so another community's rows are never read, not read and then filtered out.
 */
export class Community {
  private readonly allowed: readonly string[];

  constructor(allowedTenantIds: readonly string[]) {
    this.allowed = [...new Set(allowedTenantIds.map((id) => id.toLowerCase()))];
  }

  /**
   * The tenant ids whose people's data a person in `tenantId` may read: never empty, their own first (as Teams gave
   * it, which is how their rows are stored), then the rest of their community.
   */
  tenantsOf(tenantId: string): string[] {
    const own = tenantId.toLowerCase();
    return this.allowed.includes(own) ? [...new Set([tenantId, ...this.allowed])] : [tenantId];
  }

  /** Whether two tenants' people work together. */
  shares(a: string, b: string): boolean {
    const other = b.toLowerCase();
    return this.tenantsOf(a).some((t) => t.toLowerCase() === other);
  }
}
