/**
 * Builds the Teams app package: appPackage/build/appPackage.<env>.zip.
 *
 *   npm run package:app            (env "local")
 *   npm run package:app -- dev     (env "dev")
 *
 * Settings come from env/.env.<env>, then env/.env.<env>.user (git-ignored, for anything private), then the
 * process environment, each overriding the one before. Every `${{NAME}}` in manifest.json must be set.
 * The manifest and cy.json are checked against the Teams JSON schemas bundled with @microsoft/app-manifest
 * (no network), and the zip holds manifest.json, cy.json, color.png and outline.png at its root.
 *
 * Dev tool only: nothing in the running bot imports this file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fromRoot } from '../platform/paths';

export type Vars = Record<string, string | undefined>;

/** The manifest schema version this project uses (a folder under the package's json-schemas/teams). */
export const SCHEMA_VERSION = 'v1.30';

/** Files copied into the zip, besides the manifest with its placeholders filled in. */
export const PACKAGE_FILES = ['cy.json', 'color.png', 'outline.png'] as const;

// ---------------------------------------------------------------- settings and placeholders

/** Teams Toolkit's placeholder form: ${{NAME}}, spaces allowed inside the braces. */
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** KEY=VALUE lines; blank lines and # comments are ignored; quotes around a value are removed. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    const quoted = /^(["'])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2];
    else value = value.replace(/\s+#.*$/, ''); // KEY=value  # trailing comment
    out[key] = value;
  }
  return out;
}

/** env/.env.<env>, env/.env.<env>.user, process.env: later ones win. Empty values count as unset. */
export function loadVars(env: string, processEnv: Vars = process.env, root = fromRoot()): Vars {
  const vars: Vars = {};
  for (const file of [join(root, 'env', `.env.${env}`), join(root, 'env', `.env.${env}.user`)]) {
    if (existsSync(file)) Object.assign(vars, parseEnvFile(readFileSync(file, 'utf8')));
  }
  for (const [key, value] of Object.entries(processEnv)) if (value !== undefined && value !== '') vars[key] = value;
  return vars;
}

/** The distinct placeholder names in a text, in order of first use. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

export class MissingSettingsError extends Error {
  constructor(readonly names: string[]) {
    super(`Not set: ${names.join(', ')}`);
  }
}

/** Replaces every ${{NAME}} with vars[NAME]; throws MissingSettingsError naming every one unset or empty. */
export function substitutePlaceholders(text: string, vars: Vars): string {
  const missing = placeholdersIn(text).filter((name) => !vars[name]);
  if (missing.length > 0) throw new MissingSettingsError(missing);
  return text.replace(PLACEHOLDER, (_, name: string) => vars[name] as string);
}

/** Substitutes inside every string of a parsed JSON value, so a value is never able to break the JSON. */
function substituteDeep(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') return substitutePlaceholders(value, vars);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, vars)]));
  }
  return value;
}

// ---------------------------------------------------------------- schema validation

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: { additionalProperty?: string; allowedValues?: unknown[] };
}
type ValidateFn = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
interface AjvLike {
  compile(schema: object): ValidateFn;
}

// ajv, ajv-draft-04 and ajv-formats are dependencies of @microsoft/app-manifest, not of this project, so they
// are loaded from that package's own location (whatever the node_modules layout) with the options it uses:
// draft-04 (which the Teams schemas declare), allErrors, strictTypes off, and the uri/email/regex formats.
const manifestPackageJson = require.resolve('@microsoft/app-manifest/package.json');
const fromManifestPackage = createRequire(manifestPackageJson);

export const schemaPath = (file: string): string => join(dirname(manifestPackageJson), 'build', 'json-schemas', 'teams', SCHEMA_VERSION, file);

/** `\a` (bell) is no JavaScript regex escape; Teams schemas have used it, so it becomes \x07 (an even run of
 * backslashes before the `a` is an escaped backslash and is left alone). @microsoft/app-manifest rewrites it too. */
const fixRegex = (re: string): string => re.replace(/(?<!\\)((?:\\\\)*)\\a/g, '$1\\x07');

function fixPatterns(node: unknown, parentKey = ''): unknown {
  if (Array.isArray(node)) return node.map((v) => fixPatterns(v));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      parentKey === 'patternProperties' ? fixRegex(key) : key,
      key === 'pattern' && typeof value === 'string' ? fixRegex(value) : fixPatterns(value, key),
    ]),
  );
}

const schemas = new Map<string, { schema: Record<string, unknown>; validate: ValidateFn }>();

/**
 * A bundled schema, parsed and compiled once. The localization schema has patterns such as
 * `\[\b(...)\b]\.description$` whose lone `]` is a syntax error in unicode mode, which ajv uses by default
 * (@microsoft/app-manifest never compiles that schema, so it has no answer). The schemas' patterns are written
 * for ordinary JavaScript/.NET regexes, so they are compiled that way (ajv's unicodeRegExp: false).
 */
function loadSchema(file: string): { schema: Record<string, unknown>; validate: ValidateFn } {
  let loaded = schemas.get(file);
  if (!loaded) {
    const schema = fixPatterns(JSON.parse(readFileSync(schemaPath(file), 'utf8'))) as Record<string, unknown>;
    const Ajv = (fromManifestPackage('ajv-draft-04') as { default: new (options: object) => AjvLike }).default;
    const addFormats = (fromManifestPackage('ajv-formats') as { default: (ajv: AjvLike, formats: string[]) => void }).default;
    const ajv = new Ajv({ allErrors: true, strictTypes: false, unicodeRegExp: false });
    addFormats(ajv, ['uri', 'email', 'regex']);
    loaded = { schema, validate: ajv.compile(schema) };
    schemas.set(file, loaded);
  }
  return loaded;
}

function run(file: string, json: unknown): string[] {
  const { validate } = loadSchema(file);
  if (validate(json)) return [];
  return (validate.errors ?? []).map((e) => {
    const detail =
      e.keyword === 'additionalProperties' ? `: "${e.params?.additionalProperty}"` : e.keyword === 'enum' ? `: ${JSON.stringify(e.params?.allowedValues)}` : '';
    return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${detail}`;
  });
}

/**
 * Errors in a manifest (placeholders already filled in), empty if it is valid. Besides the schema: the schema
 * only limits `version` to 256 characters although Teams requires semver, so that is checked too, with the
 * schema's own semver pattern; and `manifestVersion` must be the one whose schema was used.
 */
export function validateManifest(manifest: unknown): string[] {
  const errors = run('MicrosoftTeams.schema.json', manifest);
  const m = (manifest ?? {}) as { version?: unknown; manifestVersion?: unknown };
  const { definitions } = loadSchema('MicrosoftTeams.schema.json').schema as { definitions: { semver: { pattern: string } } };
  if (typeof m.version === 'string' && !new RegExp(definitions.semver.pattern).test(m.version)) {
    errors.push(`/version must be semver (major.minor.patch), not "${m.version}"`);
  }
  if (m.manifestVersion !== SCHEMA_VERSION.slice(1)) {
    errors.push(`/manifestVersion must be "${SCHEMA_VERSION.slice(1)}", the bundled schema this project checks against`);
  }
  return errors;
}

/** Errors in a localization file such as cy.json, empty if it is valid. */
export function validateLocalization(json: unknown): string[] {
  return run('MicrosoftTeams.Localization.schema.json', json);
}

interface BotCommand {
  title: string;
}
interface ManifestShape {
  bots?: { commandLists?: { commands: BotCommand[] }[] }[];
}

/** Localization keys of every bot command title in the manifest, e.g. bots[0].commandLists[1].commands[2].title. */
export function commandTitleKeys(manifest: unknown): string[] {
  const keys: string[] = [];
  ((manifest as ManifestShape).bots ?? []).forEach((bot, b) =>
    (bot.commandLists ?? []).forEach((list, l) => list.commands.forEach((_, c) => keys.push(`bots[${b}].commandLists[${l}].commands[${c}].title`))),
  );
  return keys;
}

// ---------------------------------------------------------------- zip (stored, no compression)

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO-HDLC, as zip and PNG use). zlib.crc32 would do, but only exists from Node 20.15. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A zip of the given files, stored uncompressed (the PNGs are compressed already and the JSON is small).
 * The timestamps are fixed at 1980-01-01 so the same inputs give the same bytes.
 */
export function makeZip(files: { name: string; data: Buffer }[]): Buffer {
  const DOS_TIME = 0;
  const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01
  const UTF8 = 0x0800;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4); // version needed: 1.0, stored
    local.writeUInt16LE(UTF8, 6);
    local.writeUInt16LE(0, 8); // method: stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: 2.0, MS-DOS attributes
    central.writeUInt16LE(10, 6);
    central.writeUInt16LE(UTF8, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra length, comment length, disk number, internal and external attributes: all 0
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// ---------------------------------------------------------------- the package

export class PackageError extends Error {
  constructor(readonly problems: string[]) {
    super(`The app package was not built:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface PackageOptions {
  env: string;
  vars: Vars;
  /** Where manifest.json and the other files are; appPackage/ by default. */
  appDir?: string;
  /** Where the zip goes; appPackage/build/ by default. */
  outDir?: string;
}

/** Fills in, validates and zips the app package; returns the zip's path, or throws PackageError. */
export function buildAppPackage({ env, vars, appDir = fromRoot('appPackage'), outDir = join(appDir, 'build') }: PackageOptions): string {
  const absent = ['manifest.json', ...PACKAGE_FILES].filter((name) => !existsSync(join(appDir, name)));
  if (absent.length > 0) throw new PackageError(absent.map((name) => `${join(appDir, name)} is missing`));
  const read = (name: string) => readFileSync(join(appDir, name));
  const text = read('manifest.json').toString('utf8');
  const missing = placeholdersIn(text).filter((name) => !vars[name]);
  if (missing.length > 0) {
    throw new PackageError([
      `manifest.json needs ${missing.join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} in env/.env.${env} or the environment` +
        (env === 'local' ? ' (a local-mode bot without BOT_ID needs no app package: use the Agents Playground, `npm run playground`)' : ''),
    ]);
  }
  const manifest = substituteDeep(JSON.parse(text), vars);

  const problems = validateManifest(manifest).map((e) => `manifest.json: ${e}`);
  const cy = JSON.parse(read('cy.json').toString('utf8')) as Record<string, unknown>;
  problems.push(...validateLocalization(cy).map((e) => `cy.json: ${e}`));
  for (const key of commandTitleKeys(manifest)) {
    if (typeof cy[key] !== 'string') problems.push(`cy.json: no Welsh for ${key}`);
  }
  if (problems.length > 0) throw new PackageError(problems);

  const zip = makeZip([
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8') },
    ...PACKAGE_FILES.map((name) => ({ name, data: read(name) })),
  ]);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `appPackage.${env}.zip`);
  writeFileSync(file, zip);
  return file;
}

function main(): void {
  const env = process.argv[2] ?? 'local';
  if (!/^[A-Za-z0-9_-]+$/.test(env)) {
    process.stderr.write(`Unknown environment "${env}": expected a name such as local or dev (env/.env.<name>).\n`);
    process.exit(2);
  }
  if (!existsSync(fromRoot('env', `.env.${env}`))) {
    process.stderr.write(`Note: there is no env/.env.${env}; using the process environment only.\n`);
  }
  try {
    const file = buildAppPackage({ env, vars: loadVars(env) });
    process.stdout.write(`Wrote ${file}\n`);
  } catch (err) {
    if (err instanceof PackageError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

if (require.main === module) main();
