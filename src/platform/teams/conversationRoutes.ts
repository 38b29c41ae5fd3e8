import { menuCard } from '../../features/plans/cards';
import { t } from '../i18n';
import { isPersonal } from './activity';
import { cardMessage, type RouteKit } from './kit';

/**
 * Registered last: what happens to conversations (the bot added or removed, a channel or team
 * deleted), told to the features that listen through the kit, the welcome in personal chat, and
 * anything typed that no command matched.
 */
export function registerConversationRoutes(kit: RouteKit): void {
  const { app } = kit;

  app.conversationUpdate('membersAdded', async (context) => {
    const botId = context.activity.recipient?.id;
    const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === botId);
    if (!botAdded) return;
    await kit.emit('installed', context);
    if (!isPersonal(context.activity)) return;
    const card = await kit.safely(context, async (turn) => menuCard(turn.locale, 'welcome'));
    await context.sendActivity(cardMessage(card));
  });
  app.conversationUpdate('membersRemoved', async (context) => {
    const botId = context.activity.recipient?.id;
    if ((context.activity.membersRemoved ?? []).some((m) => m.id === botId)) await kit.emit('uninstalled', context);
  });
  app.conversationUpdate('teamDeleted', (context) => kit.emit('uninstalled', context));
  app.conversationUpdate('teamHardDeleted', (context) => kit.emit('uninstalled', context));
  app.conversationUpdate('channelDeleted', (context) => kit.emit('channelDeleted', context));
  app.activity('installationUpdate', async (context) => {
    const action = String(context.activity.action ?? '');
    if (action.startsWith('remove')) await kit.emit('uninstalled', context);
    else if (action.startsWith('add')) await kit.emit('installed', context);
  });

  // Anything else typed in personal chat gets the help card; elsewhere the bot stays quiet.
  app.activity('message', async (context) => {
    if (!isPersonal(context.activity)) return;
    const card = await kit.safely(context, async (turn) =>
      menuCard(turn.locale, 'help', t(turn.locale, 'menu.unknownCommand', { text: turn.text.trim().slice(0, 80) })),
    );
    await context.sendActivity(cardMessage(card));
  });
}
