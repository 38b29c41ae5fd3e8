import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { COMMANDS } from '../src/features/plans/routes';
import { FADE_COMMANDS } from '../src/features/fade/routes';
import { MATCHING_COMMANDS } from '../src/features/admin/routes';
import { FIND_PARTNER_COMMAND } from '../src/features/matching/routes';
import { PRIVACY_COMMANDS } from '../src/features/privacy/routes';
import { commandKeyOf, commandWord } from '../src/platform/i18n/commands';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { ConfigSchema } from '../src/config';
import {
  PackageError,
  buildAppPackage,
  commandTitleKeys,
  crc32,
  loadVars,
  parseEnvFile,
  substitutePlaceholders,
  validateLocalization,
  validateManifest,
} from '../src/tools/packageApp';
import { TOOLKIT_ENV_VARS } from './support/toolkitVars';

const root = join(__dirname, '..');
const appDir = join(root, 'appPackage');
const template = readFileSync(join(appDir, 'manifest.json'), 'utf8');
const cy = JSON.parse(readFileSync(join(appDir, 'cy.json'), 'utf8')) as Record<string, string>;

const SAMPLE = { TEAMS_APP_ID: '6f1c2d3e-4a5b-4c6d-8e7f-901234567890', BOT_ID: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' };

interface Command {
  title: string;
  description?: string;
}
interface Manifest {
  version: string;
  accentColor: string;
  icons: { color: string; outline: string };
  bots: { botId?: string; commandLists: { scopes: string[]; commands: Command[] }[] }[];
  localizationInfo: { additionalLanguages: { languageTag: string; file: string }[] };
}
const sampleManifest = (): Manifest => JSON.parse(substitutePlaceholders(template, SAMPLE)) as Manifest;

describe('placeholders', () => {
  it('fills in ${{NAME}} and names every setting that is missing or empty', () => {
    expect(substitutePlaceholders('a ${{X}} b ${{ Y }} ${{X}}', { X: '1', Y: '2' })).toBe('a 1 b 2 1');
    expect(() => substitutePlaceholders(template, { BOT_ID: '' })).toThrow(/TEAMS_APP_ID, BOT_ID/);
    expect(substitutePlaceholders(template, SAMPLE)).not.toContain('${{');
  });

  it('reads KEY=VALUE files, skipping comments and blank lines', () => {
    const parsed = parseEnvFile('# comment\n\nA=1\n  B = two words  \nC="quoted # not a comment"\nD=x # trailing\nE=\n');
    expect(parsed).toEqual({ A: '1', B: 'two words', C: 'quoted # not a comment', D: 'x', E: '' });
  });
});

describe('manifest.json', () => {
  it('is valid against the bundled schema once the ids are filled in', () => {
    expect(validateManifest(sampleManifest())).toEqual([]);
  });

  it('is invalid with the placeholders left in (the ids must be GUIDs)', () => {
    expect(validateManifest(JSON.parse(template)).join('\n')).toMatch(/\/id .*pattern[\s\S]*\/bots\/0\/botId .*pattern/);
  });

  const broken: [string, (m: Manifest) => void, RegExp][] = [
    ['a bot without an id', (m) => delete m.bots[0].botId, /\/bots\/0 must have required property 'botId'/],
    ['a version that is not semver', (m) => (m.version = '1.0'), /\/version must be semver/],
    ['an accent colour that is not #rrggbb', (m) => (m.accentColor = 'green'), /\/accentColor must match pattern/],
    ['a command list without scopes', (m) => delete (m.bots[0].commandLists[0] as Partial<{ scopes: string[] }>).scopes, /required property 'scopes'/],
  ];
  it.each(broken)('reports %s', (_, breakIt, message) => {
    const manifest = sampleManifest();
    breakIt(manifest);
    expect(validateManifest(manifest).join('\n')).toMatch(message);
  });
});

describe('cy.json', () => {
  const manifest = sampleManifest();

  it('is the localization file the manifest names for Welsh', () => {
    expect(manifest.localizationInfo.additionalLanguages).toEqual([{ languageTag: 'cy', file: 'cy.json' }]);
  });

  it('is valid against the bundled localization schema', () => {
    expect(validateLocalization(cy)).toEqual([]);
  });

  it('is reported invalid when a key is unknown or a value too long', () => {
    expect(validateLocalization({ ...cy, 'bots[0].commandLists[0].commands[0].titel': 'cymorth' }).join('\n')).toMatch(
      /must NOT have additional properties: "bots\[0\]\.commandLists\[0\]\.commands\[0\]\.titel"/,
    );
    expect(validateLocalization({ ...cy, 'name.short': 'C'.repeat(31) }).join('\n')).toMatch(/name\.short must NOT have more than 30/);
  });

  it('has a Welsh title and description for every bot command in the manifest', () => {
    manifest.bots[0].commandLists.forEach((list, l) =>
      list.commands.forEach((command, c) => {
        const key = `bots[0].commandLists[${l}].commands[${c}]`;
        expect({ key, title: typeof cy[`${key}.title`] }).toEqual({ key, title: 'string' });
        // Only "help" is the same word in both languages (Welsh speakers type it; "cymorth" means support).
        expect({ key, same: cy[`${key}.title`] === command.title }).toEqual({ key, same: command.title === 'help' });
        if (command.description) expect({ key, description: typeof cy[`${key}.description`] }).toEqual({ key, description: 'string' });
      }),
    );
    expect(commandTitleKeys(manifest)).toHaveLength(15);
    expect(Object.keys(cy).filter((k) => k.startsWith('bots['))).toHaveLength(30);
  });
});

describe('bot commands', () => {
  // The commands the bot really answers: personal chat, and @mentioned in a team channel or group chat.
  const PERSONAL = {
    ...COMMANDS,
    mySchool: MATCHING_COMMANDS.mySchool,
    myRequests: MATCHING_COMMANDS.myRequests,
    findPartner: FIND_PARTNER_COMMAND,
    privacy: PRIVACY_COMMANDS.privacy,
  };
  const TEAM = { help: COMMANDS.help, ...FADE_COMMANDS };

  function understoodIn(scope: string, commands: Record<string, RegExp>) {
    const manifest = sampleManifest();
    const l = manifest.bots[0].commandLists.findIndex((list) => list.scopes.includes(scope));
    return manifest.bots[0].commandLists[l].commands.map((command, c) => {
      const welsh = cy[`bots[0].commandLists[${l}].commands[${c}].title`];
      const english = Object.entries(commands).find(([, re]) => re.test(command.title))?.[0];
      const cymraeg = Object.entries(commands).find(([, re]) => re.test(welsh))?.[0];
      return { command: command.title, welsh, english, cymraeg };
    });
  }

  it('lists, in English and in Welsh, team commands the bot answers', () => {
    expect(understoodIn('team', TEAM)).toEqual([
      { command: 'help', welsh: 'help', english: 'help', cymraeg: 'help' },
      { command: 'link cluster', welsh: 'cysylltu clwstwr', english: 'link', cymraeg: 'link' },
      { command: 'fade status', welsh: 'statws fade', english: 'status', cymraeg: 'status' },
      { command: 'fade report', welsh: 'adroddiad fade', english: 'report', cymraeg: 'report' },
      { command: 'fade note', welsh: 'nodyn fade', english: 'note', cymraeg: 'note' },
      { command: 'cluster lead', welsh: 'arweinydd clwstwr', english: 'lead', cymraeg: 'lead' },
    ]);
  });

  it('shows in each language the words the catalogue shows for that command', () => {
    const all = [
      ...Object.values(COMMANDS),
      ...Object.values(FADE_COMMANDS),
      ...Object.values(MATCHING_COMMANDS),
      FIND_PARTNER_COMMAND,
      PRIVACY_COMMANDS.privacy,
    ];
    const manifest = sampleManifest();
    const shown = manifest.bots[0].commandLists.flatMap((list, l) =>
      list.commands.map((command, c) => {
        const key = commandKeyOf(all.find((re) => re.test(command.title))!)!;
        return {
          english: command.title,
          welsh: cy[`bots[0].commandLists[${l}].commands[${c}].title`],
          catalogue: { english: commandWord('en', key), welsh: commandWord('cy', key) },
        };
      }),
    );
    for (const s of shown) expect({ english: s.english, welsh: s.welsh }).toEqual(s.catalogue);
  });

  it('lists, in English and in Welsh, exactly the personal commands the bot understands', () => {
    const manifest = sampleManifest();
    const l = manifest.bots[0].commandLists.findIndex((list) => list.scopes.includes('personal'));
    expect(manifest.bots[0].commandLists[l].scopes).toEqual(['personal']);
    const understood = manifest.bots[0].commandLists[l].commands.map((command, c) => {
      const welsh = cy[`bots[0].commandLists[${l}].commands[${c}].title`];
      const english = Object.entries(PERSONAL).find(([, re]) => re.test(command.title))?.[0];
      const cymraeg = Object.entries(PERSONAL).find(([, re]) => re.test(welsh))?.[0];
      return { command: command.title, welsh, english, cymraeg };
    });
    expect(understood).toEqual([
      { command: 'help', welsh: 'help', english: 'help', cymraeg: 'help' },
      { command: 'new plan', welsh: 'cynllun newydd', english: 'newPlan', cymraeg: 'newPlan' },
      { command: 'my plans', welsh: 'fy nghynlluniau', english: 'myPlans', cymraeg: 'myPlans' },
      { command: 'continue', welsh: 'parhau', english: 'resume', cymraeg: 'resume' },
      { command: 'language', welsh: 'iaith', english: 'language', cymraeg: 'language' },
      { command: 'my school', welsh: 'fy ysgol', english: 'mySchool', cymraeg: 'mySchool' },
      { command: 'my requests', welsh: 'fy ngheisiadau', english: 'myRequests', cymraeg: 'myRequests' },
      { command: 'find a partner', welsh: 'dod o hyd i bartner', english: 'findPartner', cymraeg: 'findPartner' },
      { command: 'privacy', welsh: 'preifatrwydd', english: 'privacy', cymraeg: 'privacy' },
    ]);
    expect(understood.map((u) => u.english).sort()).toEqual(Object.keys(PERSONAL).sort());
  });
});

// ---------------------------------------------------------------- PNG

interface Image {
  width: number;
  height: number;
  channels: number;
  pixels: Buffer;
}

/** A small PNG reader: 8-bit greyscale/RGB/grey+alpha/RGBA, not interlaced, all five row filters. */
function decodePng(file: Buffer): Image {
  expect([...file.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  let pos = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  while (pos < file.length) {
    const length = file.readUInt32BE(pos);
    const type = file.toString('ascii', pos + 4, pos + 8);
    const body = file.subarray(pos + 8, pos + 8 + length);
    expect(file.readUInt32BE(pos + 8 + length)).toBe(crc32(file.subarray(pos + 4, pos + 8 + length)));
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    pos += 12 + length;
    if (type === 'IEND') break;
  }
  if (!header) throw new Error('no IHDR');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const [bitDepth, colourType, , , interlace] = header.subarray(8);
  expect({ bitDepth, interlace }).toEqual({ bitDepth: 8, interlace: 0 });
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (!channels) throw new Error(`colour type ${colourType} not supported`);
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0;
      let predictor: number;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c;
          const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad filter ${filter} on row ${y}`);
      }
      pixels[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

const rgba = (img: Image, i: number): [number, number, number, number] => {
  const p = img.pixels.subarray(i * img.channels, (i + 1) * img.channels);
  if (img.channels === 4) return [p[0], p[1], p[2], p[3]];
  if (img.channels === 3) return [p[0], p[1], p[2], 255];
  if (img.channels === 2) return [p[0], p[0], p[0], p[1]];
  return [p[0], p[0], p[0], 255];
};

describe('icons', () => {
  const manifest = sampleManifest();
  const color = decodePng(readFileSync(join(appDir, manifest.icons.color)));
  const outline = decodePng(readFileSync(join(appDir, manifest.icons.outline)));

  it('are a 192x192 colour icon and a 32x32 outline', () => {
    expect([color.width, color.height]).toEqual([192, 192]);
    expect([outline.width, outline.height]).toEqual([32, 32]);
  });

  it('colour icon: opaque, in full colour, with the accent colour as its background', () => {
    const all = Array.from({ length: 192 * 192 }, (_, i) => rgba(color, i));
    expect(all.every(([, , , a]) => a === 255)).toBe(true);
    expect(new Set(all.map((p) => p.slice(0, 3).join())).size).toBeGreaterThan(10);
    const accent = [1, 3, 5].map((i) => parseInt(manifest.accentColor.slice(i, i + 2), 16));
    for (const corner of [0, 191, 192 * 191, 192 * 192 - 1]) expect(rgba(color, corner).slice(0, 3)).toEqual(accent);
  });

  it('outline: only white or fully transparent pixels, with a visible mark', () => {
    const all = Array.from({ length: 32 * 32 }, (_, i) => rgba(outline, i));
    const offending = all.map((p, i) => ({ i, p })).filter(({ p: [r, g, b, a] }) => a !== 0 && (r !== 255 || g !== 255 || b !== 255));
    expect(offending).toEqual([]);
    expect(all.filter(([, , , a]) => a === 255).length).toBeGreaterThan(100);
    expect(all.filter(([, , , a]) => a === 0).length).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------- the zip

/** Entries of a zip without a comment, read through its central directory. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let pos = zip.readUInt32LE(end + 16);
  expect(pos + zip.readUInt32LE(end + 12)).toBe(end);
  const entries = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    expect(zip.readUInt32LE(pos)).toBe(0x02014b50);
    const method = zip.readUInt16LE(pos + 10);
    const crc = zip.readUInt32LE(pos + 16);
    const size = zip.readUInt32LE(pos + 20);
    const nameLength = zip.readUInt16LE(pos + 28);
    const skip = nameLength + zip.readUInt16LE(pos + 30) + zip.readUInt16LE(pos + 32);
    const local = zip.readUInt32LE(pos + 42);
    const name = zip.toString('utf8', pos + 46, pos + 46 + nameLength);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    expect(zip.toString('utf8', local + 30, local + 30 + zip.readUInt16LE(local + 26))).toBe(name);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    expect({ name, method, crc }).toEqual({ name, method: 0, crc: crc32(data) });
    entries.set(name, data);
    pos += 46 + skip;
  }
  return entries;
}

describe('the app package', () => {
  let out: string;
  beforeAll(() => (out = mkdtempSync(join(tmpdir(), 'cydweithio-package-'))));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('computes CRC-32 as zip and PNG need it', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('zips the filled-in manifest, cy.json and both icons at the root', () => {
    const file = buildAppPackage({ env: 'test', vars: SAMPLE, outDir: out });
    expect(file).toBe(join(out, 'appPackage.test.zip'));
    const entries = readZip(readFileSync(file));
    expect([...entries.keys()].sort()).toEqual(['color.png', 'cy.json', 'manifest.json', 'outline.png']);
    expect(JSON.parse(entries.get('manifest.json')!.toString('utf8'))).toEqual(sampleManifest());
    for (const name of ['cy.json', 'color.png', 'outline.png']) expect(entries.get(name)!.equals(readFileSync(join(appDir, name)))).toBe(true);
    // the same inputs give the same bytes
    expect(readFileSync(buildAppPackage({ env: 'test', vars: SAMPLE, outDir: out })).equals(readFileSync(file))).toBe(true);
  });

  it('refuses to build without the ids, or with ids that are not GUIDs', () => {
    expect(() => buildAppPackage({ env: 'test', vars: {}, outDir: out })).toThrow(PackageError);
    expect(() => buildAppPackage({ env: 'test', vars: {}, outDir: out })).toThrow(/TEAMS_APP_ID, BOT_ID/);
    expect(() => buildAppPackage({ env: 'test', vars: { ...SAMPLE, BOT_ID: 'not-a-guid' }, outDir: out })).toThrow(/botId/);
  });
});

describe('env samples', () => {
  // TEST_CLOCK_FILE drives the clock of spawned bots in fault tests; it has no place in a deployment's sample.
  const settings = Object.keys(ConfigSchema.innerType().shape).filter((name) => name !== 'TEST_CLOCK_FILE');

  it.each(['local', 'dev'])('env/.env.%s names every setting and TEAMS_APP_ID, and holds no secret', (env) => {
    const vars = parseEnvFile(readFileSync(join(root, 'env', `.env.${env}`), 'utf8'));
    expect(Object.keys(vars).sort()).toEqual([...settings, 'TEAMS_APP_ID', ...TOOLKIT_ENV_VARS[env as 'local' | 'dev']].sort());
    expect(vars.BOT_PASSWORD).toBe('');
    expect(ConfigSchema.safeParse({ ...vars, BOT_PASSWORD: vars.BOT_ID ? 'secret' : '' }).success).toBe(true);
  });

  it('local mode has no bot id, the embedded database and demo data', () => {
    const vars = parseEnvFile(readFileSync(join(root, 'env', '.env.local'), 'utf8'));
    expect({ BOT_ID: vars.BOT_ID, DATABASE_URL: vars.DATABASE_URL, DEMO_DATA: vars.DEMO_DATA }).toEqual({ BOT_ID: '', DATABASE_URL: '', DEMO_DATA: 'true' });
  });

  it('the process environment wins over the file', () => {
    expect(loadVars('dev', { BOT_ID: SAMPLE.BOT_ID }, root).BOT_ID).toBe(SAMPLE.BOT_ID);
  });
});
