import { z } from 'zod';
import { FIELD_IDS, type FieldId } from './plan';
import { SCHOOL_ROLES } from '../people/model';

/**
 * What each card action sends back. Teams merges the inputs' values into the
 * action's data, so inputs and data are checked together. Anything else fails here.
 */
const planId = z.string().uuid();
const version = z.coerce.number().int().min(0).max(1_000_000);
const optionalText = z.string().max(20_000).optional();

export const EmptyPayload = z.object({}).passthrough();

export const SetLanguagePayload = z.object({ locale: z.enum(['cy', 'en']) });

/** A command run from a button: its catalogue key. */
export const MenuCommandPayload = z.object({ command: z.string().regex(/^command\.[A-Za-z]{1,40}$/) });

export const OnboardSearchPayload = z.object({ query: z.string().max(500).optional().default('') });

export const OnboardConfirmPayload = z.object({
  query: z.string().max(500).optional().default(''),
  schoolId: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional(),
  role: z.enum(SCHOOL_ROLES as [string, ...string[]]).optional(),
});

export const PlanOpenPayload = z.object({
  planId,
  field: z.enum(FIELD_IDS as [FieldId, ...FieldId[]]).optional(),
});

export const PlanSaveFieldPayload = z.object({
  planId,
  version,
  field: z.enum(FIELD_IDS as [FieldId, ...FieldId[]]),
  then: z.enum(['next', 'back', 'summary']).default('next'),
  text: optionalText,
  priorityAreas: optionalText,
  staffDays: z
    .union([z.string().max(50), z.number()])
    .optional()
    .transform((v) => (v === undefined ? undefined : String(v))),
  supplyCoverDays: z
    .union([z.string().max(50), z.number()])
    .optional()
    .transform((v) => (v === undefined ? undefined : String(v))),
});

export const PlanTransitionPayload = z.object({ planId, version: version.optional() });

export const PlanExportPayload = z.object({ planId });

/** The owner's switch: the plan feeds the cluster's FADE draft, or is left out. */
export const PlanClusterReportPayload = z.object({ planId, include: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]) });

/** The payload each aide-memoire verb accepts (tests generate hostile input from these). */
export const AIDE_MEMOIRE_PAYLOADS = {
  'menu.newPlan': EmptyPayload,
  'menu.myPlans': EmptyPayload,
  'menu.help': EmptyPayload,
  'menu.language': EmptyPayload,
  'menu.command': MenuCommandPayload,
  'user.setLanguage': SetLanguagePayload,
  'onboard.search': OnboardSearchPayload,
  'onboard.confirm': OnboardConfirmPayload,
  'plan.open': PlanOpenPayload,
  'plan.saveField': PlanSaveFieldPayload,
  'plan.startSupport': PlanTransitionPayload,
  'plan.supportTookPlace': PlanTransitionPayload,
  'plan.export': PlanExportPayload,
  'plan.clusterReport': PlanClusterReportPayload,
} as const;
