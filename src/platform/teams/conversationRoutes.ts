import { menuCard } from '../../features/plans/cards';
import { t } from '../i18n';
import { nearestCommands } from '../i18n/intents';
import { isPersonal } from './activity';
import { INVOKE_RESPONSE_KEY } from 'botbuilder';
import { cardMessage, cardVerbOf, type RouteKit } from './kit';

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
    const card = await kit.safely(context, async (turn) => menuCard(turn.locale, 'welcome', { admin: await kit.isAdmin(turn) }));
    await context.sendActivity(cardMessage(card));
    // The turn stored the chat: what waited for this person until they could be reached goes to them now.
    await kit.emit('personalChatOpened', context);
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

  // A card action no route took (a verb this version does not know, or a value that is not a card's): the card is
  // out of date or was not made by this bot. Answered with a card saying so, never Teams' "not implemented".
  app.activity('invoke', async (context) => {
    if (context.activity.name !== 'adaptiveCard/action' || context.turnState.get(INVOKE_RESPONSE_KEY)) return;
    const card = await kit.safely(context, async (turn) => {
      kit.log.warn('card action not understood', { verb: cardVerbOf(context.activity) ?? null, tenantId: turn.actor.tenantId, userId: turn.actor.userId });
      return kit.notice(turn, 'error.badPayload');
    });
    await context.sendActivity({
      type: 'invokeResponse',
      value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
    });
  });

  // Anything else typed in personal chat: the commands it most likely meant, as buttons, above the help card (a
  // greeting, or words that point nowhere, get the help card alone). Elsewhere the bot stays quiet.
  app.activity('message', async (context) => {
    if (!isPersonal(context.activity)) return;
    const card = await kit.safely(context, async (turn) => {
      const guesses = nearestCommands(turn.text);
      const admin = await kit.isAdmin(turn);
      if (guesses.length === 0 || guesses[0] === 'command.help') return menuCard(turn.locale, 'help', { notice: t(turn.locale, 'menu.notSure'), admin });
      return menuCard(turn.locale, 'help', { notice: t(turn.locale, 'menu.didYouMean'), choices: guesses, admin });
    });
    await context.sendActivity(cardMessage(card));
  });
}
