import { z } from 'zod';

/** What the personal-data cards send back. */
export const PrivacyPersonPayload = z.object({ userId: z.string().trim().min(1).max(200) });
