import { z } from 'zod';

/** What the school-role cards send back. */
export const RoleClaimPayload = z.object({
  claimId: z
    .string()
    .trim()
    .regex(/^\d{1,18}$/),
  reason: z.string().max(2000).optional().default(''),
});
export const RoleAssignPayload = z.object({
  userId: z.string().trim().max(200).optional().default(''),
  school: z.string().trim().max(100).optional().default(''),
  role: z.string().trim().max(40).optional().default(''),
});
export const RoleImportPayload = z.object({ csv: z.string().max(200000).optional().default('') });
