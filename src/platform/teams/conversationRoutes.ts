import { menuCard } from '../../features/plans/cards';
import { t } from '../i18n';
import { isPersonal } from './activity';
import { cardMessage, type RouteKit } from './kit';

/**
 * Registered last: the bot being added to a conversation (welcome in personal
 * chat; features listen for teams and chats), and anything typed that no
 * command matched.
 */
export function registerConversationRoutes(kit: RouteKit): void {
  const { app } = kit;

  app.conversationUpdate('membersAdded', async (context) => {
    const botId = context.activity.recipient?.id;
    const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === botId);
    if (!botAdded) return;
    for (const listener of kit.installListeners) await listener(context);
    if (!isPersonal(context.activity)) return;
    const card = await kit.safely(context, async (turn) => menuCard(turn.locale, 'welcome'));
    await context.sendActivity(cardMessage(card));
  });

  // Anything else typed in personal chat gets the help card; elsewhere the bot stays quiet.
  app.activity('message', async (context) => {
    if (!isPersonal(context.activity)) return;
    const card = await kit.safely(context, async (turn) =>
      menuCard(turn.locale, 'help', t(turn.locale, 'menu.unknownCommand', { text: (context.activity.text ?? '').trim().slice(0, 80) })),
    );
    await context.sendActivity(cardMessage(card));
  });
}
