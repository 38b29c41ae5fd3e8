import { escapeMarkdown } from '../../platform/cards/markdown';
import { catalogue, t, type Locale, type MessageKey } from '../../platform/i18n';
import { anonymisedRecords, type DeletionSummary, type PersonExport, type PersonMatch } from './repository';
import { renderCard, type CardJson } from '../../platform/cards/render';
import { Verbs } from '../../platform/cards/verbs';

/** The admin's personal-data cards: choosing a person, an export's summary, and the deletion confirmation. */

const base = (locale: Locale) => ({ t: catalogue(locale) });
const personName = (p: Pick<PersonMatch, 'displayName' | 'userId'>) => p.displayName ?? p.userId;

export function personPickCard(locale: Locale, view: { query: string; people: PersonMatch[]; more: boolean; purpose: 'export' | 'delete' }): CardJson {
  return renderCard('personPick', {
    ...base(locale),
    intro: t(locale, 'privacy.pick.intro', { count: view.people.length, query: view.query }),
    more: view.more ? t(locale, 'privacy.pick.more', { count: view.people.length }) : '',
    button: t(locale, view.purpose === 'export' ? 'privacy.pick.export' : 'privacy.pick.delete'),
    verb: view.purpose === 'export' ? Verbs.privacyExport : Verbs.privacyDeleteAsk,
    people: view.people.map((p) => ({
      userId: p.userId,
      line: escapeMarkdown(`${personName(p)}, ${p.schoolName ?? t(locale, 'privacy.person.noSchool')}`),
      idLine: t(locale, 'privacy.person.id', { id: p.userId }),
    })),
  });
}

const fact = (locale: Locale, key: MessageKey, value: number) => ({ title: t(locale, key), value: String(value) });

/** How many records of each kind an export holds. */
export function exportFacts(locale: Locale, doc: PersonExport): { title: string; value: string }[] {
  const fade = Object.values(doc.fade).reduce((n, rows) => n + rows.length, 0);
  return [
    fact(locale, 'privacy.count.plans', doc.plans.length),
    fact(locale, 'privacy.count.requests', doc.supportRequests.length),
    fact(locale, 'privacy.count.roles', doc.roles.length),
    fact(locale, 'privacy.count.fade', fade),
    fact(locale, 'privacy.count.notifications', doc.notifications.length),
    fact(locale, 'privacy.count.audit', doc.auditLog.length),
    fact(locale, 'privacy.count.turnState', doc.turnState.length),
  ];
}

export function personExportCard(locale: Locale, view: { person: PersonMatch; doc: PersonExport; parts: number | null; sizeKb: number }): CardJson {
  return renderCard('personExport', {
    ...base(locale),
    heading: t(locale, 'privacy.export.heading', { name: personName(view.person) }),
    idLine: t(locale, 'privacy.person.id', { id: view.person.userId }),
    userId: view.person.userId,
    intro: view.parts === null ? '' : t(locale, 'privacy.export.intro', { parts: view.parts }),
    problem: view.parts === null ? t(locale, 'privacy.export.tooLarge', { kb: view.sizeKb, tenant: view.doc.tenantId, id: view.person.userId }) : '',
    facts: exportFacts(locale, view.doc),
  });
}

export function personDeleteCard(locale: Locale, view: { person: PersonMatch; preview: DeletionSummary }): CardJson {
  const p = view.preview;
  return renderCard('personDelete', {
    ...base(locale),
    heading: t(locale, 'privacy.delete.heading', { name: personName(view.person) }),
    idLine: t(locale, 'privacy.person.id', { id: view.person.userId }),
    userId: view.person.userId,
    facts: [
      fact(locale, 'privacy.delete.plansDeleted', p.plansDeleted),
      fact(locale, 'privacy.delete.plansKept', p.plansKept),
      fact(locale, 'privacy.delete.records', anonymisedRecords(p) - p.plansKept),
      fact(locale, 'privacy.delete.roles', p.rolesRemoved),
      fact(locale, 'privacy.delete.turnState', p.turnStateDeleted),
    ],
  });
}

/**
 * Teams refuses bot messages much over about 28 KB, so an export goes out in parts
 * of at most 24 KB, split between lines of the JSON (so the parts join back exactly).
 */
export const EXPORT_LIMITS = { bytesPerMessage: 24_000, messages: 10 };

/** The export as JSON; backticks are escaped so the text can sit in a Markdown code block. */
export function exportJson(doc: PersonExport): string {
  return JSON.stringify(doc, null, 2).replace(/`/g, '\\u0060');
}

/** The JSON in parts that each fit one Teams message; null when it needs more parts than allowed. */
export function splitForMessages(json: string, limits = EXPORT_LIMITS): string[] | null {
  const parts: string[] = [];
  let current = '';
  for (const line of json.split('\n')) {
    const candidate = current === '' ? line : `${current}\n${line}`;
    if (Buffer.byteLength(candidate) <= limits.bytesPerMessage) {
      current = candidate;
      continue;
    }
    if (Buffer.byteLength(line) > limits.bytesPerMessage) return null;
    parts.push(current);
    current = line;
  }
  if (current !== '') parts.push(current);
  return parts.length > limits.messages ? null : parts;
}

/** Each part as a message: a Markdown code block, numbered when there are several. */
export function exportMessageTexts(locale: Locale, parts: string[]): string[] {
  return parts.map(
    (part, i) => `${parts.length > 1 ? `**${t(locale, 'privacy.export.part', { n: i + 1, total: parts.length })}**\n\n` : ''}\`\`\`\n${part}\n\`\`\``,
  );
}
