import { readdirSync, readFileSync } from 'node:fs';
import * as ACData from 'adaptivecards-templating';
import { fromRoot } from '../paths';
import { Verbs } from './verbs';

export type CardJson = Record<string, unknown>;

/** A template's file name in adaptiveCards/, without .json. */
export type CardName = string;

export function templateDir(): string {
  return fromRoot('adaptiveCards');
}

export function templateFiles(): string[] {
  return readdirSync(templateDir()).filter((f) => f.endsWith('.json'));
}

/** Each template parsed once: the files do not change while the bot runs. */
const templates = new Map<CardName, ACData.Template>();

/**
 * Parses every template now. Parsing a template's bindings is the slow part of drawing a card the first time (the
 * expression parser builds its tables on first use): done at start, the first people after a deploy do not wait
 * for it, 100 ms and more each when many arrive together.
 */
export function loadTemplates(): number {
  for (const file of templateFiles()) template(file.slice(0, -'.json'.length));
  return templates.size;
}

function template(name: CardName): ACData.Template {
  let found = templates.get(name);
  if (!found) {
    found = new ACData.Template(JSON.parse(readFileSync(`${templateDir()}/${name}.json`, 'utf8')));
    templates.set(name, found);
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

function expand(template: ACData.Template, data: Record<string, unknown>): CardJson {
  const card = template.expand({ $root: { ...data, verbs: Verbs } }) as CardJson;
  addSubmitFallbacks(card);
  return card;
}

/** Stands in for "${" in the data while the template is expanded; NUL is never stored in text (it is refused). */
const DATA_BINDING_OPENER = '\u0000{';

/**
 * The data as the template should see it: undefined and null as '' (an optional value left out binds to nothing),
 * and any "${" in people's text set aside, so it is shown as written and never read as a binding.
 */
function prepared(value: unknown): unknown {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.replaceAll('${', DATA_BINDING_OPENER);
  if (Array.isArray(value)) return value.map(prepared);
  if (typeof value !== 'object' || value instanceof Date) return value;
  if (Object.isFrozen(value)) return preparedOnce(value);
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, prepared(v)]));
}

/**
 * A frozen object whose values are all text or numbers (a language's string catalogue, bound into every card, some
 * 600 strings) cannot change, so it is prepared once, not on every card; held weakly, so nothing outlives it.
 */
const preparedFrozen = new WeakMap<object, unknown>();
function preparedOnce(value: object): unknown {
  let done = preparedFrozen.get(value);
  if (done === undefined) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.every(([, v]) => typeof v === 'string' || typeof v === 'number')) return Object.fromEntries(entries.map(([k, v]) => [k, prepared(v)]));
    done = Object.freeze(Object.fromEntries(entries.map(([k, v]) => [k, prepared(v)])));
    preparedFrozen.set(value, done);
  }
  return done;
}

/**
 * The library leaves a binding it cannot evaluate (a value the data does not have) in the card as written: a raw
 * "${…}" on screen, or NaN in a number input. Such bindings bind to nothing; the data's own "${" comes back.
 */
function finished(node: unknown): unknown {
  if (typeof node === 'string') return node.replace(/\$\{[^}]*\}/g, '').replaceAll(DATA_BINDING_OPENER, '${');
  if (Array.isArray(node)) return node.map(finished);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, finished(v)]));
}

/**
 * An input whose value binds to nothing gets no `value` at all: an empty number input would otherwise be drawn as 0
 * by some clients, and saving the step would record 0 for a question nobody answered.
 */
function withoutEmptyInputValues(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(withoutEmptyInputValues);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.type === 'string' && obj.type.startsWith('Input.') && obj.value === '') delete obj.value;
  for (const value of Object.values(obj)) withoutEmptyInputValues(value);
}

/** Expands a template from adaptiveCards/ with the data; verbs are always bound. */
export function renderCard(name: CardName, data: Record<string, unknown>): CardJson {
  const card = finished(expand(template(name), prepared(data) as Record<string, unknown>)) as CardJson;
  withoutEmptyInputValues(card);
  return card;
}
