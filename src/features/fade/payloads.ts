import { z } from 'zod';

/** What each FADE card action sends back (the action's data merged with the card's inputs). */
const uuid = z.string().uuid();
const clusterId = z.coerce.number().int().min(1).max(10_000_000);
const section = z.string().max(8_100).optional();
const yesNo = z
  .enum(['yes', 'no', 'true', 'false'])
  .optional()
  .transform((v) => v === 'yes' || v === 'true');

/** The link card: a cluster picked by its button, or a name typed in the search box. */
export const FadeLinkPayload = z.object({ clusterId: clusterId.optional(), name: z.string().max(120).optional().default('') });

export const FadeOpenPayload = z.object({ roundId: uuid, clusterId });

export const FadeSaveReportPayload = z.object({
  reportId: uuid,
  version: z.coerce.number().int().min(0).max(1_000_000),
  submit: yesNo,
  focus: section,
  analysis: section,
  develop: section,
  evaluation: section,
  judgement: z.string().max(30).optional(),
});

export const FadeSaveNotePayload = z.object({
  roundId: uuid,
  clusterId,
  text: z.string().max(4_000).optional().default(''),
  done: yesNo,
});

const dateText = z.string().max(40).optional().default('');

export const FadeSetCyclePayload = z.object({
  name: z.string().min(1).max(40),
  round1Name: z.string().max(60).optional().default(''),
  round1Deadline: dateText,
  round2Name: z.string().max(60).optional().default(''),
  round2Deadline: dateText,
  round3Name: z.string().max(60).optional().default(''),
  round3Deadline: dateText,
  round4Name: z.string().max(60).optional().default(''),
  round4Deadline: dateText,
  offsets: z.string().max(80).optional().default(''),
  sendTime: z.string().max(10).optional().default(''),
  clusterIds: z.string().max(20_000).optional().default(''),
});

export const FadeReviewPayload = z.object({
  reportId: uuid,
  judgement: z.string().max(30).optional(),
  feedback: z.string().max(4_000).optional().default(''),
});

export const FadeReportIdPayload = z.object({ reportId: uuid });
