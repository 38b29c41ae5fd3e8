import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { ConfigSchema, loadConfig } from '../../src/config';
import { parseEnvFile } from '../../src/tools/packageApp';
import { TOOLKIT_BUILT_INS, TOOLKIT_ENV_VARS } from '../support/toolkitVars';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const SCHEMA = JSON.parse(readFileSync(join(__dirname, 'schema', 'm365agents-yaml.v1.13.schema.json'), 'utf8')) as object;

const YAML_FILES = ['m365agents.yml', 'm365agents.local.yml', 'm365agents.playground.yml'] as const;
const SETTINGS = new Set(Object.keys(ConfigSchema.innerType().shape));

interface Step {
  uses: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}
type Project = Partial<Record<'provision' | 'deploy' | 'publish', Step[]>> & { version: string };
const project = (file: string) => parse(read(file)) as Project;
const steps = (file: string): Step[] => {
  const p = project(file);
  return [...(p.provision ?? []), ...(p.deploy ?? []), ...(p.publish ?? [])];
};

/** ${{NAME}} and ${{env:NAME}} placeholders the toolkit fills in. */
const placeholders = (text: string): string[] => [...text.matchAll(/\$\{\{\s*(?:[a-z]+:)?([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]);

/** The Bicep's app settings: name and the literal value where there is one. */
function bicepAppSettings(): Map<string, string | undefined> {
  const settings = new Map<string, string | undefined>();
  for (const m of read('infra/azure.bicep').matchAll(/\{\s*name:\s*'([A-Za-z0-9_]+)'\s*,\s*value:\s*([^}]+?)\s*\}/g)) {
    const literal = /^'([^']*)'$/.exec(m[2]);
    settings.set(m[1], literal ? literal[1] : undefined);
  }
  return settings;
}

/** Variables something sets: the toolkit's built-ins, what steps, the Bicep's outputs and the tunnel task write back. */
function produced(): Set<string> {
  const names = new Set<string>(TOOLKIT_BUILT_INS);
  for (const file of YAML_FILES) for (const step of steps(file)) for (const v of Object.values(step.writeToEnvironmentFile ?? {})) names.add(v);
  for (const m of read('infra/azure.bicep').matchAll(/^output\s+([A-Za-z0-9_]+)\s/gm)) names.add(m[1]);
  for (const m of read('.vscode/tasks.json').matchAll(/"(?:endpoint|domain)":\s*"([A-Z_]+)"/g)) names.add(m[1]);
  return names;
}

/** Secrets an operator supplies in env/.env.<name>.user: each must be explained in the committed sample. */
const documentedSecrets = (env: string) =>
  new Set(placeholders(read(`env/.env.${env}`).replace(/SECRET_[A-Z_]+/g, (s) => `\${{${s}}}`)).filter((n) => n.startsWith('SECRET_')));

describe('Microsoft 365 Agents Toolkit project files', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(SCHEMA);

  it.each(YAML_FILES)("%s is valid against the toolkit's published YAML schema (v1.13)", (file) => {
    const text = read(file);
    const valid = validate(parse(text));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The editor's schema line names the same version the file declares.
    expect(text).toContain('# yaml-language-server: $schema=https://aka.ms/m365-agents-toolkits/v1.13/yaml.schema.json');
  });

  it('the schema check fails a file with a mistake in it (so the check above can fail)', () => {
    const broken = project('m365agents.yml');
    (broken.provision![0] as unknown as Record<string, unknown>).with = { nam: 'Cydweithio' };
    expect(validate(broken)).toBe(false);
  });

  it('provision creates, deploys the Bicep, zips, validates and updates; deploy installs, builds, deploys; publish publishes', () => {
    const p = project('m365agents.yml');
    expect(p.provision!.map((s) => s.uses)).toEqual([
      'teamsApp/create',
      'arm/deploy',
      'teamsApp/zipAppPackage',
      'teamsApp/validateAppPackage',
      'teamsApp/update',
    ]);
    expect(p.deploy!.map((s) => s.uses)).toEqual(['cli/runNpmCommand', 'cli/runNpmCommand', 'azureAppService/zipDeploy']);
    expect(p.deploy!.map((s) => s.with?.args).slice(0, 2)).toEqual(['ci --no-audit --no-fund', 'run stage:webapp']);
    expect(p.publish!.map((s) => s.uses)).toContain('teamsApp/publishAppPackage');
    const local = project('m365agents.local.yml');
    expect(local.provision!.map((s) => s.uses)).toEqual(expect.arrayContaining(['teamsApp/create', 'aadApp/create', 'botFramework/create']));
    const arm = p.provision![1].with as { templates: { path: string; parameters: string }[] };
    for (const t of arm.templates) {
      expect(existsSync(join(ROOT, t.path))).toBe(true);
      expect(existsSync(join(ROOT, t.parameters))).toBe(true);
    }
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const task of read('.vscode/tasks.json').matchAll(/"command":\s*"npm run ([a-z:]+)"/g)) expect(scripts[task[1]]).toBeDefined();
  });

  it('uses only variables the bot knows or the toolkit sets, in the YAML, the Bicep parameters, the manifest and the launch files', () => {
    const known = new Set([...SETTINGS, ...produced()]);
    const unknown: string[] = [];
    const secrets = new Set([...documentedSecrets('dev'), ...documentedSecrets('local')]);
    for (const file of [
      ...YAML_FILES,
      'infra/azure.parameters.json',
      'appPackage/manifest.json',
      'appPackage/cy.json',
      '.vscode/launch.json',
      '.vscode/tasks.json',
    ]) {
      for (const name of placeholders(read(file))) {
        if (known.has(name)) continue;
        // A secret is written by a step (SECRET_BOT_PASSWORD) or supplied by the operator, explained in the env sample.
        if (name.startsWith('SECRET_') && secrets.has(name)) continue;
        unknown.push(`${file}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('hands the bot only settings its config reads (.localConfigs and the App Service), and ones it accepts', () => {
    const platform = new Set(['WEBSITE_RUN_FROM_PACKAGE', 'SCM_DO_BUILD_DURING_DEPLOYMENT']);
    const handed: string[] = [];
    for (const file of YAML_FILES) {
      for (const step of steps(file)) if (step.uses === 'file/createOrUpdateEnvironmentFile') handed.push(...Object.keys((step.with as { envs: object }).envs));
    }
    const appSettings = bicepAppSettings();
    handed.push(...[...appSettings.keys()].filter((k) => !platform.has(k)));
    expect(handed.filter((name) => !SETTINGS.has(name))).toEqual([]);

    // The cloud bot: a managed identity (the Bicep's BOT_TYPE parses, with no password) and always PostgreSQL.
    expect(appSettings.get('BOT_TYPE')).toBeDefined();
    const config = loadConfig({
      BOT_ID: '11111111-2222-3333-4444-555555555555',
      BOT_TENANT_ID: 'tenant',
      DATABASE_URL: 'postgres://x@y/z',
      BOT_TYPE: appSettings.get('BOT_TYPE'),
    });
    expect(config.BOT_TYPE).toBe('UserAssignedMSI');
    expect(appSettings.has('DATABASE_URL')).toBe(true);
    expect(appSettings.get('DEMO_DATA')).toBe('false');
    // Every literal value the Bicep sets is one the config accepts.
    const literals = Object.fromEntries([...appSettings].filter(([k, v]) => v !== undefined && SETTINGS.has(k)));
    expect(() => loadConfig({ ...literals, BOT_ID: 'id', BOT_TENANT_ID: 't' })).not.toThrow();
    // The Azure Bot registration is a managed identity too: no secret in the cloud.
    expect(read('infra/botRegistration/azurebot.bicep')).toMatch(/msaAppType:\s*'UserAssignedMSI'/);
    expect(read('infra/azure.bicep')).not.toMatch(/BOT_PASSWORD|clientSecret/);
  });

  it("each environment's sample names the toolkit's variables for it", () => {
    for (const env of ['local', 'dev', 'playground'] as const) {
      const vars = Object.keys(parseEnvFile(read(`env/.env.${env}`)));
      expect(vars).toEqual(expect.arrayContaining([...TOOLKIT_ENV_VARS[env]]));
      expect(vars.filter((v) => !SETTINGS.has(v) && v !== 'TEAMS_APP_ID' && !(TOOLKIT_ENV_VARS[env] as readonly string[]).includes(v))).toEqual([]);
    }
  });
});
