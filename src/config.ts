import { z } from 'zod';

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : ['true', '1', 'yes'].includes(v)));

const BOT_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;

/** The accepted spelling of a bot type whatever its case (UserAssignedMsi → UserAssignedMSI); anything else as given. */
function canonicalBotType(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  return BOT_TYPES.find((t) => t.toLowerCase() === trimmed.toLowerCase()) ?? trimmed;
}

const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .refine((v) => v === undefined || /^https?:\/\/[^/]/.test(v), 'must be an http:// or https:// URL');

/** Every setting, from the environment, checked once at start. */
export const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(3978),
    /** Bot registration. Without an id the bot runs in local mode (no token checks, loopback only). */
    BOT_ID: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined)),
    BOT_PASSWORD: z
      .string()
      .optional()
      .transform((v) => (v ? v : undefined)),
    /** Case-insensitive: the Agents Toolkit's Bicep writes UserAssignedMsi, botbuilder's docs UserAssignedMSI. */
    BOT_TYPE: z.preprocess(canonicalBotType, z.enum(BOT_TYPES).default('MultiTenant')),
    BOT_TENANT_ID: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined)),
    /**
     * Where the keys that sign Bot Framework tokens are published (OpenID metadata). Leave unset for the public
     * Azure cloud. Tests point it at a local stub; only https, or http on this machine, is accepted.
     */
    BOT_OPENID_METADATA_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine(
        (v) => v === undefined || /^https:\/\/[^/]/.test(v) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(v),
        'must be an https:// URL (plain http only on 127.0.0.1, for tests)',
      ),
    DATABASE_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
    DATA_DIR: z.string().trim().default('./data'),
    ALLOWED_TENANT_IDS: list,
    /** Teams user ids (aadObjectId) who are admins from the start, to grant every other role. */
    ADMIN_USER_IDS: list,
    DEFAULT_LOCALE: z.enum(['cy', 'en']).default('en'),
    DEMO_DATA: flag(true),
    /**
     * Local demo only: a school role is confirmed as soon as it is claimed, so the Agents Playground can show every
     * journey. Defaults to on in local mode with demo data; never on when BOT_ID is set.
     */
    LOCAL_AUTO_CONFIRM: z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional(),
    IMPACT_NUDGE_DAYS: z.coerce.number().int().min(1).max(730).default(90),
    /** Working days a support request may wait before the waiting person is reminded. */
    MATCHING_WAIT_WORKING_DAYS: z.coerce.number().int().min(1).max(30).default(5),
    /** How far partner suggestions reach, in km: schools further away are suggested only when fewer than five strong in the need are within it. */
    MATCHING_RANGE_KM: z.coerce.number().int().min(5).max(300).default(40),
    /** Evidence for a strength (an adviser's verification, an inspection) older than this many years counts as the school's own view. */
    MATCHING_EVIDENCE_MAX_AGE_YEARS: z.coerce.number().int().min(1).max(20).default(3),
    /** The 2014–2022 support categories (green…red) shift the ranking only when this is on, for an LA that still uses them. */
    MATCHING_SUPPORT_CATEGORIES: flag(false),
    /** School holidays for FADE reminders, e.g. 2026-12-21..2027-01-01,2027-02-15..2027-02-19 (admins add more with "fade holidays"). */
    FADE_HOLIDAYS: list.refine(
      (v) => v.every((h) => /^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$/.test(h)),
      'must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD, comma-separated',
    ),
    /** Days a conversation's turn state (what the bot remembers between turns) is kept without a turn. */
    TURN_STATE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** Prometheus text at GET /metrics on the bot's port. On by default; false where the port is public and nothing scrapes it. */
    METRICS_ENABLED: flag(true),
    /**
     * OpenTelemetry's standard OTLP settings: with an endpoint set, metrics and traces are also pushed there (OTLP over
     * HTTP). The exporters read the rest of the OTEL_EXPORTER_OTLP_* variables (headers, timeouts) themselves.
     */
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: optionalUrl,
    /** The service name traces and metrics carry (OpenTelemetry's standard variable). */
    OTEL_SERVICE_NAME: z.string().trim().default('cydweithio'),
    /**
     * TEST ONLY, never set in a deployment: a file holding an ISO date-time that the bot's
     * clock reads instead of the system time, so fault tests can move time in bots they run
     * as separate processes (two instances share one file).
     */
    TEST_CLOCK_FILE: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined)),
  })
  .superRefine((c, ctx) => {
    if (c.BOT_ID && c.BOT_TYPE !== 'UserAssignedMSI' && !c.BOT_PASSWORD) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['BOT_PASSWORD'], message: 'is required when BOT_ID is set' });
    }
    if (c.BOT_TYPE === 'SingleTenant' && c.BOT_ID && !c.BOT_TENANT_ID) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['BOT_TENANT_ID'], message: 'is required for a SingleTenant bot' });
    }
    if (c.BOT_ID && ['true', '1', 'yes'].includes(c.LOCAL_AUTO_CONFIRM ?? '')) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['LOCAL_AUTO_CONFIRM'],
        message: 'is for local mode only: roles are never confirmed automatically when BOT_ID is set',
      });
    }
  });

/** Settings that depend on others, worked out once. */
const finish = (c: z.infer<typeof ConfigSchema>) => ({
  ...c,
  LOCAL_AUTO_CONFIRM:
    !c.BOT_ID && (c.LOCAL_AUTO_CONFIRM === undefined || c.LOCAL_AUTO_CONFIRM === '' ? c.DEMO_DATA : ['true', '1', 'yes'].includes(c.LOCAL_AUTO_CONFIRM)),
});

export type Config = ReturnType<typeof finish>;

export class ConfigError extends Error {}

/** Parses the environment; the error names each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return finish(parsed.data);
}

export const isLocalMode = (c: Config): boolean => !c.BOT_ID;
