import type { TurnContext } from 'botbuilder';
import type { SqlStateStore } from './botStateRepository';

/**
 * What the bot remembers about a conversation between turns (the plan it last showed, for "continue"), in the
 * bot_state table. Read only by a turn that needs it and written only when it changes: teams-ai's own turn state read
 * the conversation's document on every turn, which was one database round trip in four for nothing.
 */
export class ConversationMemory {
  constructor(private readonly store: SqlStateStore) {}

  /**
   * The key teams-ai gave the conversation's turn state ("<channel>/<bot>/conversations/<id>"), so what it stored is
   * still found, and export, deletion and retention (privacy) see one kind of key.
   */
  static keyOf(activity: TurnContext['activity']): string {
    return `${activity.channelId}/${activity.recipient?.id}/conversations/${activity.conversation?.id}`;
  }

  async recall(activity: TurnContext['activity'], name: string): Promise<unknown> {
    return (await this.store.fields(ConversationMemory.keyOf(activity)))?.[name];
  }

  async remember(activity: TurnContext['activity'], name: string, value: string | number | boolean): Promise<void> {
    await this.store.merge(ConversationMemory.keyOf(activity), { [name]: value });
  }
}
