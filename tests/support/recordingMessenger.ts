import type { ConversationRef, Messenger, OutgoingMessage } from '../../src/platform/teams/messenger';

/** The process edge for proactive sends: records what would go to Teams. */
export class RecordingMessenger implements Messenger {
  readonly sent: { conversation: ConversationRef; message: OutgoingMessage; activityId?: string }[] = [];
  readonly updates: { conversation: ConversationRef; activityId: string; message: OutgoingMessage }[] = [];
  failNext = 0;
  /** Errors to throw on the next sends, in order (e.g. a 429 with Retry-After, a 403 for a removed bot). */
  readonly errors: Error[] = [];
  private counter = 0;

  async send(conversation: ConversationRef, message: OutgoingMessage): Promise<void> {
    await this.post(conversation, message);
  }

  async post(conversation: ConversationRef, message: OutgoingMessage): Promise<{ activityId?: string }> {
    const scripted = this.errors.shift();
    if (scripted) throw scripted;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('connector unavailable (test)');
    }
    const activityId = `posted-${++this.counter}`;
    this.sent.push({ conversation, message, activityId });
    return { activityId };
  }

  async update(conversation: ConversationRef, activityId: string, message: OutgoingMessage): Promise<void> {
    const scripted = this.errors.shift();
    if (scripted) throw scripted;
    this.updates.push({ conversation, activityId, message });
  }
}
