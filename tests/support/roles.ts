import type { Runtime } from '../../src/compose';
import type { SchoolRole } from '../../src/features/people/model';

/**
 * Gives someone a confirmed school role for a test's setup, through the real confirmation path (a claim,
 * confirmed in one transaction by the claims repository, as an admin's assignment is). The person must have
 * used the bot first, as anyone confirmed has.
 */
export async function confirmSchoolRole(runtime: Runtime, tenantId: string, userId: string, schoolId: number, role: SchoolRole): Promise<void> {
  if (!(await runtime.users.get(tenantId, userId))) throw new Error(`confirmSchoolRole: ${userId} has not used the bot yet`);
  const result = await runtime.db.transaction((tx) =>
    runtime.claims.assign(
      tx,
      { tenantId, userId, schoolId, role, asked: { kind: 'admin', names: [] } },
      runtime.community.tenantsOf(tenantId),
      'test-setup',
      runtime.clock.now(),
    ),
  );
  if (result.kind !== 'decided') throw new Error(`confirmSchoolRole: ${result.kind}`);
}
