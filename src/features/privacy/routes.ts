import { commandPattern } from '../../platform/i18n/commands';
import { noticeCard } from '../../platform/cards/notice';
import { exportJson, exportMessageTexts, personDeleteCard, personExportCard, personPickCard, splitForMessages } from './cards';
import type { CardJson } from '../../platform/cards/render';
import { Verbs } from '../../platform/cards/verbs';
import { t } from '../../platform/i18n';
import type { PersonalDataService } from './service';
import { deletedRecords, anonymisedRecords } from './repository';
import { commandArgument, parse, type Answer, type RouteKit, type Turn } from '../../platform/teams/kit';
import { PrivacyPersonPayload } from './payloads';

/** Admin commands; not in the app manifest (like the other admin commands), listed in the README. */
export const PRIVACY_COMMANDS = {
  exportPerson: commandPattern('command.exportPerson', { argument: true }),
  deletePerson: commandPattern('command.deletePerson', { argument: true }),
  /** Anyone: what the bot keeps about them, and who may see it. */
  privacy: commandPattern('command.privacy'),
};

/**
 * An admin exports or deletes one person's data, in personal chat. The export is a summary card
 * and the JSON itself in Markdown code blocks (no file download exists offline); deletion asks
 * for confirmation first, with exact counts of what will go and what will be made anonymous.
 */
export function registerPrivacyRoutes(kit: RouteKit, service: PersonalDataService): void {
  // The app removed from someone's personal chat: its reference and turn state go at once.
  kit.on('uninstalled', async (event) => {
    if (event.personal) await service.personalChatRemoved(event.actor.tenantId, event.actor.userId, event.conversation.conversationId);
  });

  async function exportReply(turn: Turn, userId: string): Promise<{ card: Answer; messages: string[] }> {
    const outcome = await service.export(turn.actor, userId);
    if (outcome.kind !== 'ok') return { card: outcome, messages: [] };
    const { person, doc } = outcome.value;
    const json = exportJson(doc);
    const parts = splitForMessages(json);
    const sizeKb = Math.ceil(Buffer.byteLength(json) / 1024);
    return {
      card: personExportCard(turn.locale, { person, doc, parts: parts?.length ?? null, sizeKb }),
      messages: parts ? exportMessageTexts(turn.locale, parts) : [],
    };
  }

  async function deleteAsk(turn: Turn, userId: string): Promise<Answer> {
    const outcome = await service.previewDeletion(turn.actor, userId);
    return outcome.kind === 'ok' ? personDeleteCard(turn.locale, outcome.value) : outcome;
  }

  /** "export person …" and "delete person …": find the person, then act, or let the admin choose. */
  async function command(turn: Turn, pattern: RegExp, purpose: 'export' | 'delete'): Promise<Answer | null> {
    if (!turn.personal) return kit.notice(turn, 'privacy.personalOnly', 'default');
    const query = commandArgument(turn, pattern);
    const found = await service.find(turn.actor, query);
    if (found.kind === 'forbidden') return found;
    if (query === '') return kit.notice(turn, purpose === 'export' ? 'privacy.usage.export' : 'privacy.usage.delete', 'default');
    if (found.kind !== 'ok' || found.value.people.length === 0)
      return noticeCard(turn.locale, t(turn.locale, 'privacy.noMatch', { query: query.slice(0, 100) }), { tone: 'attention' });
    const { people, more } = found.value;
    if (people.length > 1) return personPickCard(turn.locale, { query: query.slice(0, 100), people, more, purpose });
    const userId = people[0].userId;
    if (purpose === 'delete') return deleteAsk(turn, userId);
    const { card, messages } = await exportReply(turn, userId);
    if (messages.length === 0) return card;
    await turn.send(card as CardJson);
    for (const text of messages) await turn.send(text);
    return null;
  }

  kit.onCommand(PRIVACY_COMMANDS.privacy, async (turn) =>
    noticeCard(turn.locale, t(turn.locale, 'privacy.about'), { heading: t(turn.locale, 'privacy.heading') }),
  );
  kit.onCommand(PRIVACY_COMMANDS.exportPerson, (turn) => command(turn, PRIVACY_COMMANDS.exportPerson, 'export'));
  kit.onCommand(PRIVACY_COMMANDS.deletePerson, (turn) => command(turn, PRIVACY_COMMANDS.deletePerson, 'delete'));

  kit.onCard(Verbs.privacyExport, async (turn, data) => {
    const { userId } = parse(PrivacyPersonPayload, data);
    const { card, messages } = await exportReply(turn, userId);
    for (const text of messages) await turn.send(text);
    return card;
  });

  kit.onCard(Verbs.privacyDeleteAsk, async (turn, data) => deleteAsk(turn, parse(PrivacyPersonPayload, data).userId));

  kit.onCard(Verbs.privacyDelete, async (turn, data) => {
    const outcome = await service.delete(turn.actor, parse(PrivacyPersonPayload, data).userId);
    if (outcome.kind !== 'ok') return outcome;
    const { summary, name } = outcome.value;
    return noticeCard(turn.locale, t(turn.locale, 'privacy.delete.done', { name, deleted: deletedRecords(summary), anonymised: anonymisedRecords(summary) }), {
      tone: 'good',
    });
  });

  kit.onCard(Verbs.privacyCancel, async (turn) => kit.notice(turn, 'privacy.delete.cancelled', 'default'));
}
