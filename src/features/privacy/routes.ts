import { noticeCard } from '../../platform/cards/notice';
import { exportJson, exportMessageTexts, personDeleteCard, personExportCard, personPickCard, splitForMessages } from './cards';
import type { CardJson } from '../../platform/cards/render';
import { Verbs } from '../../platform/cards/verbs';
import { t } from '../../platform/i18n';
import type { PersonalDataService } from './service';
import { deletedRecords, anonymisedRecords } from './repository';
import { commandArgument, parse, type RouteKit, type Turn } from '../../platform/teams/kit';
import { PrivacyPersonPayload } from './payloads';

export interface PrivacyRouteDeps {
  service?: PersonalDataService;
}

/** Admin commands; not in the app manifest (like the other admin commands), listed in the README. */
export const PRIVACY_COMMANDS = {
  exportPerson: /^\s*(?:export person|allforio unigolyn)\b\s*(.*)$/is,
  deletePerson: /^\s*(?:delete person|dileu unigolyn)\b\s*(.*)$/is,
};


/**
 * An admin exports or deletes one person's data, in personal chat. The export is a summary card
 * and the JSON itself in Markdown code blocks (no file download exists offline); deletion asks
 * for confirmation first, with exact counts of what will go and what will be made anonymous.
 */
export function registerPrivacyRoutes(kit: RouteKit, deps: PrivacyRouteDeps): void {
  const service = deps.service;
  if (!service) return;

  // The app removed from someone's personal chat: its reference and turn state go at once.
  kit.on('uninstalled', async (event) => {
    if (event.personal) await service.personalChatRemoved(event.actor.tenantId, event.actor.userId, event.conversation.conversationId);
  });

  const adminOnly = (turn: Turn, command?: string): CardJson => {
    kit.refused(turn, 'admin.only', command);
    return kit.notice(turn, 'admin.only');
  };

  async function exportReply(turn: Turn, userId: string): Promise<{ card: CardJson; messages: string[] }> {
    const outcome = await service!.export(turn.actor, userId);
    if (outcome.kind === 'forbidden') return { card: adminOnly(turn), messages: [] };
    if (outcome.kind !== 'ok') return { card: kit.notice(turn, 'privacy.export.nothing', 'default'), messages: [] };
    const json = exportJson(outcome.doc);
    const parts = splitForMessages(json);
    const sizeKb = Math.ceil(Buffer.byteLength(json) / 1024);
    return {
      card: personExportCard(turn.locale, { person: outcome.person, doc: outcome.doc, parts: parts?.length ?? null, sizeKb }),
      messages: parts ? exportMessageTexts(turn.locale, parts) : [],
    };
  }

  async function deleteAsk(turn: Turn, userId: string): Promise<CardJson> {
    const outcome = await service!.previewDeletion(turn.actor, userId);
    if (outcome.kind === 'forbidden') return adminOnly(turn);
    if (outcome.kind === 'self') return kit.notice(turn, 'privacy.delete.self');
    if (outcome.kind === 'notFound') return kit.notice(turn, 'privacy.delete.nothing', 'default');
    return personDeleteCard(turn.locale, { person: outcome.person, preview: outcome.preview });
  }

  /** "export person …" and "delete person …": find the person, then act, or let the admin choose. */
  async function command(turn: Turn, pattern: RegExp, purpose: 'export' | 'delete'): Promise<CardJson | null> {
    if (!turn.personal) return kit.notice(turn, 'privacy.personalOnly', 'default');
    const query = commandArgument(turn, pattern);
    const found = await service!.find(turn.actor, query);
    if (found.kind === 'forbidden') return adminOnly(turn, purpose === 'export' ? 'export person' : 'delete person');
    if (query === '') return kit.notice(turn, purpose === 'export' ? 'privacy.usage.export' : 'privacy.usage.delete', 'default');
    if (found.kind !== 'ok' || found.people.length === 0) return noticeCard(turn.locale, t(turn.locale, 'privacy.noMatch', { query: query.slice(0, 100) }), { tone: 'attention' });
    if (found.people.length > 1) return personPickCard(turn.locale, { query: query.slice(0, 100), people: found.people, more: found.more, purpose });
    const userId = found.people[0].userId;
    if (purpose === 'delete') return deleteAsk(turn, userId);
    const { card, messages } = await exportReply(turn, userId);
    await turn.send(card);
    for (const text of messages) await turn.send(text);
    return null;
  }

  kit.onCommand(PRIVACY_COMMANDS.exportPerson, (turn) => command(turn, PRIVACY_COMMANDS.exportPerson, 'export'));
  kit.onCommand(PRIVACY_COMMANDS.deletePerson, (turn) => command(turn, PRIVACY_COMMANDS.deletePerson, 'delete'));

  kit.onCard(Verbs.privacyExport, async (turn, data) => {
    if (!(await service.isAdmin(turn.actor))) return adminOnly(turn);
    const { userId } = parse(PrivacyPersonPayload, data);
    const { card, messages } = await exportReply(turn, userId);
    for (const text of messages) await turn.send(text);
    return card;
  });

  kit.onCard(Verbs.privacyDeleteAsk, async (turn, data) => {
    if (!(await service.isAdmin(turn.actor))) return adminOnly(turn);
    return deleteAsk(turn, parse(PrivacyPersonPayload, data).userId);
  });

  kit.onCard(Verbs.privacyDelete, async (turn, data) => {
    if (!(await service.isAdmin(turn.actor))) return adminOnly(turn);
    const outcome = await service.delete(turn.actor, parse(PrivacyPersonPayload, data).userId);
    if (outcome.kind === 'forbidden') return adminOnly(turn);
    if (outcome.kind === 'self') return kit.notice(turn, 'privacy.delete.self');
    if (outcome.kind === 'notFound') return kit.notice(turn, 'privacy.delete.nothing', 'default');
    const { summary, name } = outcome;
    return noticeCard(turn.locale, t(turn.locale, 'privacy.delete.done', { name, deleted: deletedRecords(summary), anonymised: anonymisedRecords(summary) }), { tone: 'good' });
  });

  kit.onCard(Verbs.privacyCancel, async (turn) => kit.notice(turn, 'privacy.delete.cancelled', 'default'));
}
