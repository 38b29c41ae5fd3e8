import type { CardJson } from '../cards/render';

/** Where the bot can reach someone or a channel later: a stored conversation reference. */
export type ConversationRef = Record<string, unknown>;

export interface OutgoingMessage {
  text?: string;
  card?: CardJson;
  /** Teams mention entities ({ type: 'mention', text: '<at>Name</at>', mentioned: { id, name } }); the text carries the same <at> tags. */
  entities?: Record<string, unknown>[];
}

/** Sends a message outside a turn (proactive). The Teams implementation lives in src/platform/teams. */
export interface Messenger {
  send(conversation: ConversationRef, message: OutgoingMessage): Promise<void>;
  /** Like send, and returns the id Teams gave the new message (to update it in place later). */
  post(conversation: ConversationRef, message: OutgoingMessage): Promise<{ activityId?: string }>;
  /** Replaces a message the bot posted earlier (a card that updates in place). */
  update(conversation: ConversationRef, activityId: string, message: OutgoingMessage): Promise<void>;
}

/** The HTTP status a failed send carries (botbuilder's RestError, our connector's errors), if any. */
export function statusOfSendError(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } } | null;
  const s = e?.statusCode ?? e?.status ?? e?.response?.status;
  return typeof s === 'number' ? s : undefined;
}

/** 403 or 404 on a conversation: the person blocked the bot or removed the app; sending again will not help. */
export function isConversationGone(err: unknown): boolean {
  const status = statusOfSendError(err);
  return status === 403 || status === 404;
}

/**
 * A new message went to Teams but no answer came back (the request timed out or the
 * connection dropped after it was sent), so it may or may not have been posted. Sending
 * it again could post it twice; callers treat it as sent and do not resend.
 */
export class DeliveryUnconfirmedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryUnconfirmedError';
  }
}
