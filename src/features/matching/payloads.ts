import { z } from 'zod';

/** What the matching cards send back (inputs merged into data, as Teams does). Anything else fails here. */
const planId = z.string().uuid();
const requestId = z.string().uuid();
const version = z.coerce.number().int().min(0).max(1_000_000);
const schoolId = z.union([z.string().regex(/^\d{1,9}$/), z.number().int().min(1).max(999_999_999)]).transform((v) => Number(v));
const flag = z
  .union([z.boolean(), z.enum(['true', 'false', ''])])
  .optional()
  .transform((v) => v === true || v === 'true');
const reason = z.string().max(20_000).optional().default('');
const query = z.string().max(500).optional().default('');

export const MatchFindPayload = z.object({ planId, offset: z.coerce.number().int().min(0).max(200).optional(), lookFurther: flag });
export const MatchAskDirectPayload = z.object({ planId, schoolId, lookFurther: flag });
export const MatchAskBrokerPayload = z.object({ planId, lookFurther: flag });
export const MatchRequestPayload = z.object({ requestId });
export const MatchApprovePayload = z.object({
  requestId,
  version,
  schoolId: schoolId.optional(),
  otherSchoolId: z.union([schoolId, z.literal('')]).optional(),
});
export const MatchDeclinePayload = z.object({ requestId, version, reason });
export const MatchSearchPayload = z.object({ requestId, query });
export const MatchRedirectPayload = z.object({ requestId, version, otherSchoolId: z.union([schoolId, z.literal('')]).optional() });
export const MatchAskInsteadPayload = z.object({ requestId, version: version.optional().default(0), schoolId });
export const MatchVersionedPayload = z.object({ requestId, version: version.optional().default(0) });

const areaOrNone = z
  .union([z.literal('none'), z.literal(''), z.string().regex(/^[a-zA-Z]{2,20}$/)])
  .optional()
  .default('none');
const description = z.string().max(2000).optional().default('');

export const MatchGrantRolePayload = z.object({
  userId: z.string().max(200).optional().default(''),
  role: z.enum(['adviser', 'reviewer', 'admin']),
  laCode: z
    .union([z.literal('all'), z.string().regex(/^\d{3}$/)])
    .optional()
    .default('all'),
  /** A named school instead of an LA: an adviser's caseload. */
  school: z.string().max(200).optional().default(''),
});
export const MatchImportPayload = z.object({ csv: z.string().max(1_000_000).optional().default('') });
export const MatchProfilePayload = z.object({
  schoolId,
  capacity: z.union([z.string().max(20), z.number()]).optional(),
  openToRequests: flag,
  area1: areaOrNone,
  area2: areaOrNone,
  area3: areaOrNone,
  description1: description,
  description2: description,
  description3: description,
});

/** An adviser's view of one school's strengths, and verifying or withdrawing one of them. */
export const MatchStrengthReviewPayload = z.object({ schoolId });
export const MatchStrengthPayload = z.object({ schoolId, area: z.string().regex(/^[a-zA-Z]{2,20}$/) });
