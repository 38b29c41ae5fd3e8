import { readdirSync, readFileSync } from 'node:fs';
import * as ACData from 'adaptivecards-templating';
import { catalogue, LOCALES } from '../i18n';
import { fromRoot } from '../paths';
import { Verbs } from './verbs';

export type CardJson = Record<string, unknown>;

/** A template's file name in adaptiveCards/, without .json. */
export type CardName = string;

export type CardRenderer = (name: CardName, data: Record<string, unknown>) => CardJson;

export function templateDir(): string {
  return fromRoot('adaptiveCards');
}

export function templateFiles(): string[] {
  return readdirSync(templateDir()).filter((f) => f.endsWith('.json'));
}

const sources = new Map<CardName, unknown>();
const plainTemplates = new Map<CardName, ACData.Template>();

function source(name: CardName): unknown {
  let found = sources.get(name);
  if (found === undefined) {
    found = JSON.parse(readFileSync(`${templateDir()}/${name}.json`, 'utf8')) as unknown;
    sources.set(name, found);
  }
  return found;
}

function plainTemplate(name: CardName): ACData.Template {
  let found = plainTemplates.get(name);
  if (!found) {
    found = new ACData.Template(source(name));
    plainTemplates.set(name, found);
  }
  return found;
}

/**
 * Mobile Teams renders older card versions: give every Action.Execute an
 * Action.Submit fallback carrying the same verb and data, which the app also routes.
 */
function addSubmitFallbacks(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(addSubmitFallbacks);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (obj.type === 'Action.Execute' && typeof obj.verb === 'string' && obj.fallback === undefined) {
    obj.fallback = { type: 'Action.Submit', title: obj.title, data: { ...(obj.data as object), verb: obj.verb } };
  }
  for (const value of Object.values(obj)) addSubmitFallbacks(value);
}

/**
 * Bindings whose value is the same on every call for one catalogue: a catalogue string
 * (`t['key']`) or a verb. Bare names mean the current `$data` item inside a `$data` scope,
 * so only the `$root.` forms are constant there.
 */
const CONSTANT_BINDING = /\$\{(\$root\.)?(?:t\['[^'{}$`\\\r\n]*'\]|verbs\.[A-Za-z_][A-Za-z0-9_]*)\}/g;

type Root = { t: unknown; verbs: typeof Verbs };

/** How many bindings the library itself finds in a string (0 for plain text). */
function bindingCount(text: string): number {
  const parsed = ACData.Template.parseInterpolatedString(text);
  if (typeof parsed === 'string') return 0;
  if (parsed.type !== 'concat') return 1;
  return parsed.children.filter((c) => c.type !== 'Constant').length;
}

/** The library's own value for a string whose bindings are all constant, at the root. */
function evaluate(text: string, root: Root): unknown {
  const parsed = ACData.Template.parseInterpolatedString(text);
  if (typeof parsed === 'string') return parsed;
  const { value, error } = ACData.Template.tryEvaluateExpression(parsed, { $root: root }, true);
  return error ? undefined : value;
}

/** A string with its constant bindings filled in, or unchanged whenever that could change what the library makes of it. */
function bindConstantsInString(text: string, scoped: boolean, root: Root): unknown {
  if (!text.includes('${')) return text;
  // Every "${" must open a binding of its own (none escaped as "\${", none inside another), so each match is one whole binding.
  const starts = text.split('${').length - 1;
  if (bindingCount(text) !== starts) return text;
  const values = new Map<string, string>();
  for (const [binding, rooted] of text.matchAll(CONSTANT_BINDING)) {
    if (scoped && !rooted) continue;
    const value = evaluate(binding, root);
    if (typeof value === 'string') values.set(binding, value);
  }
  if (values.size === 0) return text;
  const remaining = text.replace(CONSTANT_BINDING, (b) => (values.has(b) ? '' : b));
  if (!remaining.includes('${')) {
    // All constant: the library's own value for the whole string, as literal text unless it would be read as a binding again.
    const value = evaluate(text, root);
    return typeof value === 'string' && !value.includes('${') ? value : text;
  }
  // Other bindings stay and the library parses the filled-in string, where $, ` or \ in the text could change its reading.
  if ([...values.values()].some((v) => /[$`\\]/.test(v))) return text;
  const filled = text.replace(CONSTANT_BINDING, (b) => values.get(b) ?? b);
  // The same other bindings, and still text: a lone binding left after empty text would keep its value's type.
  const parsed = ACData.Template.parseInterpolatedString(filled);
  const left = remaining.split('${').length - 1;
  return typeof parsed !== 'string' && parsed.type === 'concat' && bindingCount(filled) === left ? filled : text;
}

function bindIn(node: unknown, scoped: boolean, root: Root): unknown {
  if (typeof node === 'string') return bindConstantsInString(node, scoped, root);
  if (Array.isArray(node)) return node.map((n) => bindIn(n, scoped, root));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  const inner = scoped || '$data' in obj;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    // $data is read outside the scope it opens, and a $when the library does not get as an expression drops its element.
    out[key] = key === '$data' || key === '$when' ? value : bindIn(value, inner, root);
  }
  return out;
}

/** A copy of a template (as parsed JSON) with its catalogue strings from `t` and its verbs filled in. */
export function bindConstants(template: unknown, t: unknown): unknown {
  return bindIn(template, false, { t, verbs: Verbs });
}

/**
 * Each template with its constants bound, per catalogue (cy, en, or none): templates × 3 at most.
 * Keyed by the catalogue object itself; any other `t` gets the plain template, so this cannot grow.
 */
const boundTemplates = new Map<CardName, Map<unknown, ACData.Template>>();
const knownCatalogues = new Set<unknown>([undefined, ...LOCALES.map(catalogue)]);

function boundTemplate(name: CardName, t: unknown): ACData.Template | undefined {
  if (!knownCatalogues.has(t)) return undefined;
  let perCatalogue = boundTemplates.get(name);
  if (!perCatalogue) {
    perCatalogue = new Map();
    boundTemplates.set(name, perCatalogue);
  }
  let found = perCatalogue.get(t);
  if (!found) {
    found = new ACData.Template(bindConstants(source(name), t));
    perCatalogue.set(t, found);
  }
  return found;
}

function expand(template: ACData.Template, data: Record<string, unknown>): CardJson {
  const card = template.expand({ $root: { ...data, verbs: Verbs } }) as CardJson;
  addSubmitFallbacks(card);
  return card;
}

/** The library's expansion of the template as written, every binding evaluated on each call. */
export const renderCardPlain: CardRenderer = (name, data) => expand(plainTemplate(name), data);

/** The same card from the template with its catalogue strings and verbs filled in once (about 40% less time). */
const renderCardBound: CardRenderer = (name, data) => expand(boundTemplate(name, data.t) ?? plainTemplate(name), data);

let renderer: CardRenderer = renderCardBound;

/** Expands a template from adaptiveCards/ with the data; verbs are always bound. */
export function renderCard(name: CardName, data: Record<string, unknown>): CardJson {
  return renderer(name, data);
}

/** For tests and the bench: runs `build` with every card drawn by `render` instead (e.g. renderCardPlain). */
export function renderingWith<T>(render: CardRenderer, build: () => T): T {
  const before = renderer;
  renderer = render;
  try {
    return build();
  } finally {
    renderer = before;
  }
}
