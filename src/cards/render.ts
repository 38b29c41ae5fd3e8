import { readdirSync, readFileSync } from 'node:fs';
import * as ACData from 'adaptivecards-templating';
import { fromRoot } from '../paths';
import { Verbs } from './verbs';

export type CardJson = Record<string, unknown>;

/** A template's file name in adaptiveCards/, without .json. */
export type CardName = string;

const templates = new Map<string, ACData.Template>();

export function templateDir(): string {
  return fromRoot('adaptiveCards');
}

export function templateFiles(): string[] {
  return readdirSync(templateDir()).filter((f) => f.endsWith('.json'));
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

/** Expands a template from adaptiveCards/ with the data; verbs are always bound. */
export function renderCard(name: CardName, data: Record<string, unknown>): CardJson {
  const card = template(name).expand({ $root: { ...data, verbs: Verbs } }) as CardJson;
  addSubmitFallbacks(card);
  return card;
}
