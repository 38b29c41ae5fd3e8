import { commandKeyOf, commandWord, type CommandKey } from '../i18n/commands';
import { Application, type AdaptiveCard, TurnState } from '@microsoft/teams-ai';
import { CardFactory, INVOKE_RESPONSE_KEY, MessageFactory, type TurnContext } from 'botbuilder';
import type { z } from 'zod';
import { noticeCard } from '../cards/notice';
import { escapeMarkdown } from '../cards/markdown';
import { findUnstorable, withoutUnstorable } from '../text';
import type { CardJson } from '../cards/render';
import type { Verb } from '../cards/verbs';
import { t, type Locale, type MessageKey } from '../i18n';
import type { Logger } from '../log';
import type { Refusal } from '../outcome';
import { ChannelSendError } from './channelSender';
import { DeliveryUnconfirmedError } from './messenger';
import type { Actor } from '../actor';
import type { LimitedAction } from '../rateLimits';
import type { UserRepository } from '../../features/people/users';
import type { UserRecord } from '../../features/people/model';
import { activityText, actorOf, conversationSeenOf, isPersonal, localeFor, personalConversationRefOf, type ConversationSeen } from './activity';
import { countCardInvoke, countRefusal, markTurn } from '../telemetry/instruments';

/**
 * What every handler knows about the turn, in the bot's own terms: feature routes never see
 * botbuilder's context, so moving to another Teams SDK is this folder's work alone.
 */
export interface Turn {
  actor: Actor;
  user: UserRecord;
  locale: Locale;
  personal: boolean;
  /** What was typed (a message's text with non-breaking spaces made plain; '' for anything else). */
  text: string;
  /** The conversation the turn came from, as the bot needs it to post there later. */
  conversation: ConversationSeen;
  /** Sends a further message in this conversation (beside the card the handler answers with). */
  send(message: CardJson | string): Promise<void>;
  /** For a card action: the id of the message whose card was pressed (to update that message later). */
  cardMessageId?: string;
  /** The command typed, by its English words (never its argument, which may hold someone's words). */
  command?: string;
  /**
   * The handler's use case changed something and it is stored (a decision recorded): should the rest of the turn
   * fail (drawing or sending the card), the person is told it was recorded rather than that nothing changed.
   */
  markRecorded(): void;
  /** The botbuilder context, for this folder's own use. */
  readonly context: TurnContext;
}

/** Something that happened to a conversation rather than a message in it. */
export interface ConversationEvent {
  actor: Actor;
  personal: boolean;
  conversation: ConversationSeen;
  /** The team's id when the event names one (a team deleted, the bot removed from a team). */
  teamId: string | null;
  /** The channel an event names (a channel deleted), without Teams' message suffix. */
  channelId: string | null;
}

/** `personalChatOpened`: the app was installed in someone's personal chat and the bot has stored the chat (it can reach them now). */
export type ConversationEventKind = 'installed' | 'uninstalled' | 'channelDeleted' | 'personalChatOpened';

/** A card payload that does not match its schema: answered politely, logged, nothing changed. */
export class BadPayload extends Error {}

/** Text in a card payload that cannot be kept: refused at the edge, before anything is saved or answered as saved. */
export class UnstorableText extends Error {
  constructor(readonly text: string) {
    super('text with a character that cannot be stored');
  }
}

/**
 * The payload as the schema reads it, with every string in it checked first: text that cannot be stored is
 * refused here with a message in the person's language (and their text handed back). `formRedraws` names the
 * fields a route checks itself because it redraws its form with the text still in the box.
 */
export function parse<S extends z.ZodTypeAny>(schema: S, data: unknown, options: { formRedraws?: readonly string[] } = {}): z.infer<S> {
  const unstorable = findUnstorable(data, new Set(options.formRedraws ?? []));
  if (unstorable) throw new UnstorableText(unstorable.text);
  const parsed = schema.safeParse(data ?? {});
  if (!parsed.success) throw new BadPayload(parsed.error.message);
  return parsed.data;
}

/** What follows a command's words (the pattern's first group), trimmed; '' when there is none. */
export function commandArgument(turn: Pick<Turn, 'text'>, pattern: RegExp): string {
  return (pattern.exec(turn.text) ?? [])[1]?.trim() ?? '';
}

/** The verb of a card action: Action.Execute carries it in value.action, the Action.Submit fallback in value. */
export function cardVerbOf(activity: TurnContext['activity']): string | undefined {
  const value = activity.value as { action?: { verb?: unknown }; verb?: unknown } | undefined;
  const verb = value?.action?.verb ?? value?.verb;
  return typeof verb === 'string' ? verb.slice(0, 80) : undefined;
}

/** Record ids a card action names, as sent (so as the person tried them), cut short. */
const TARGET_KEYS = ['planId', 'requestId', 'reportId', 'roundId', 'clusterId', 'schoolId', 'userId'] as const;
function cardTargetOf(activity: TurnContext['activity']): Record<string, string> {
  const value = activity.value as { action?: { data?: unknown } } | Record<string, unknown> | undefined;
  const data = ((value as { action?: { data?: unknown } } | undefined)?.action?.data ?? value) as Record<string, unknown> | undefined;
  const target: Record<string, string> = {};
  if (!data || typeof data !== 'object') return target;
  for (const key of TARGET_KEYS) if (data[key] !== undefined && data[key] !== null && data[key] !== '') target[key] = String(data[key]).slice(0, 100);
  return target;
}

/** What a handler answers: the card to show, or a use case's refusal for the kit to explain (and log). */
export type Answer = CardJson | Refusal;

function isRefusal(answer: Answer): answer is Refusal {
  const kind = (answer as { kind?: unknown }).kind;
  return (kind === 'forbidden' || kind === 'notFound' || kind === 'problem') && typeof (answer as { key?: unknown }).key === 'string';
}

/** A command pattern's first words, e.g. "export person" from /^\s*(?:export person|allforio unigolyn)\b…/. */
function commandLabel(pattern: RegExp): string {
  return /^\^?(?:\\s\*)?\((?:\?:)?([^|)\\]+)/.exec(pattern.source)?.[1]?.trim() ?? pattern.source.slice(0, 40);
}

/** Marks "send nothing" from a command handler. */
const NO_REPLY: CardJson = {};

export const cardMessage = (card: CardJson) => MessageFactory.attachment(CardFactory.adaptiveCard(card));

export interface KitDeps {
  users: UserRepository;
  defaultLocale: Locale;
  log: Logger;
  /**
   * More to say after a refusal (a school role still waiting to be confirmed, and who was asked), or null.
   * Asked when a handler answers with a refusal, or logged one (refusal null) and drew its own card.
   */
  explainRefusal?: (turn: Turn, refusal: Refusal | null) => Promise<string | null>;
  /** Per-person limits, counted in the database (none in tests that do not need them). */
  limits?: RateLimitCounter;
  /** Whether the person is an admin (the help card lists admins' commands only to them). */
  isAdmin?: (actor: Actor) => Promise<boolean>;
}

export interface RateLimitCounter {
  take(actor: Actor, action: LimitedAction): Promise<boolean>;
}

/**
 * The shared plumbing every route module uses: who is acting and in which
 * language, turning any failure into a polite card, and registering verbs for
 * both Action.Execute and its Action.Submit fallback.
 */
export class RouteKit {
  /** Turns in which a refusal was logged, so the person can be told more (see KitDeps.explainRefusal). */
  private readonly refusedTurns = new WeakSet<Turn>();
  private readonly listeners: Record<ConversationEventKind, ((event: ConversationEvent) => Promise<void>)[]> = {
    installed: [],
    uninstalled: [],
    channelDeleted: [],
    personalChatOpened: [],
  };

  /** What each command does, by its catalogue key: a button can run a command as if it were typed. */
  private readonly commands = new Map<CommandKey, (turn: Turn) => Promise<Answer | null>>();

  constructor(
    readonly app: Application<TurnState>,
    private readonly deps: KitDeps,
  ) {}

  get log(): Logger {
    return this.deps.log;
  }

  /** Listens for something happening to conversations (the bot installed or removed, a channel deleted). */
  on(kind: ConversationEventKind, listener: (event: ConversationEvent) => Promise<void>): void {
    this.listeners[kind].push(listener);
  }

  /** Tells every listener; called by this folder's conversation routes. */
  async emit(kind: ConversationEventKind, context: TurnContext): Promise<void> {
    const activity = context.activity;
    const channelData = (activity.channelData ?? {}) as { team?: { id?: string }; channel?: { id?: string } };
    const event: ConversationEvent = {
      actor: actorOf(activity),
      personal: isPersonal(activity),
      conversation: conversationSeenOf(activity),
      teamId: channelData.team?.id ?? null,
      channelId: channelData.channel?.id?.split(';')[0] ?? null,
    };
    for (const listener of this.listeners[kind]) await listener(event);
  }

  async beginTurn(context: TurnContext): Promise<Turn> {
    const actor = actorOf(context.activity);
    const personal = isPersonal(context.activity);
    const text = activityText(context.activity);
    const user = await this.deps.users.touch({
      ...actor,
      displayName: context.activity.from?.name ?? null,
      personalConversation: personal ? personalConversationRefOf(context.activity) : undefined,
    });
    return {
      actor,
      user,
      personal,
      text,
      context,
      cardMessageId: context.activity.type === 'invoke' ? (context.activity.replyToId ?? undefined) : undefined,
      get conversation() {
        return conversationSeenOf(context.activity);
      },
      markRecorded: () => context.turnState.set(RECORDED_KEY, true),
      send: async (message) => {
        await context.sendActivity(typeof message === 'string' ? MessageFactory.text(message) : cardMessage(message));
      },
      locale: localeFor(user, context.activity, this.deps.defaultLocale),
    };
  }

  /** Any failure becomes a polite card in the user's language; nothing half-done is left. */
  async safely(context: TurnContext, work: (turn: Turn) => Promise<Answer>): Promise<CardJson> {
    let locale = localeFor(null, context.activity, this.deps.defaultLocale);
    try {
      const turn = await this.beginTurn(context);
      locale = turn.locale;
      const answer = await work(turn);
      const card = isRefusal(answer) ? this.refusal(turn, answer) : answer;
      if (!this.deps.explainRefusal || !(isRefusal(answer) || this.refusedTurns.has(turn))) return card;
      const more = await this.deps.explainRefusal(turn, isRefusal(answer) ? answer : null);
      return more ? withNote(card, more) : card;
    } catch (err) {
      if (err instanceof UnstorableText) {
        this.deps.log.info('card text refused', { verb: cardVerbOf(context.activity) });
        return unstorableTextCard(locale, err.text);
      }
      if (err instanceof BadPayload) {
        markTurn('badPayload');
        this.deps.log.warn('card payload refused', { verb: cardVerbOf(context.activity), reason: err.message.slice(0, 500) });
        return noticeCard(locale, t(locale, 'error.badPayload'), { tone: 'attention' });
      }
      markTurn('failed');
      this.deps.log.error('turn failed', { error: err instanceof Error ? err.message : String(err), type: context.activity.type });
      return noticeCard(locale, t(locale, failureKey(context)), { tone: 'attention' });
    }
  }

  /** Registers a verb for Action.Execute (card replaced in place) and for the Action.Submit fallback (new message). */
  onCard(verb: Verb, handler: (turn: Turn, data: unknown) => Promise<Answer>): void {
    this.app.adaptiveCards.actionExecute<Record<string, unknown>>(verb, async (context, _state, data) => {
      countCardInvoke(verb, 'execute');
      return (await this.safely(context, (turn) => handler(turn, data))) as unknown as AdaptiveCard;
    });
    this.app.adaptiveCards.actionSubmit<Record<string, unknown>>(verb, async (context, _state, data) => {
      countCardInvoke(verb, 'submit');
      const card = await this.safely(context, (turn) => handler(turn, data));
      await context.sendActivity(cardMessage(card));
    });
  }

  /** A typed command; the handler's card is sent as a reply. Returning null sends nothing. */
  onCommand(pattern: RegExp, handler: (turn: Turn) => Promise<Answer | null>): void {
    const key = commandKeyOf(pattern);
    const command = key ? commandWord('en', key) : commandLabel(pattern);
    if (key && !this.commands.has(key)) this.commands.set(key, handler);
    this.app.message(pattern, async (context) => {
      const card = await this.safely(context, async (turn) => {
        turn.command = command;
        if (await this.overLimit(turn, 'message')) return this.notice(turn, 'error.rateLimited', 'default');
        return (await handler(turn)) ?? NO_REPLY;
      });
      if (card !== NO_REPLY) await context.sendActivity(cardMessage(card));
    });
  }

  /**
   * Runs a command as if it had been typed (a "did you mean" button): null when no command has that key. A button's
   * turn has no typed text, so a command taking an argument sees none.
   */
  async runCommand(turn: Turn, key: CommandKey): Promise<Answer | null> {
    const handler = this.commands.get(key);
    if (!handler) return null;
    turn.command = commandWord('en', key);
    if (await this.overLimit(turn, 'message')) return this.notice(turn, 'error.rateLimited', 'default');
    return handler(turn);
  }

  /**
   * Logs a refused action: who tried which action, on the records the card named, and why.
   * Never the records' content. One line per refusal, so a review can find attempts on
   * other people's plans, other schools' requests and approvals the person may not give.
   */
  refused(turn: Turn, reason: string, command?: string): void {
    this.refusedTurns.add(turn);
    const verb = cardVerbOf(turn.context.activity);
    countRefusal(verb ?? (command ? `command:${command}` : 'other'));
    this.deps.log.warn('action refused', {
      tenantId: turn.actor.tenantId,
      userId: turn.actor.userId,
      action: verb ?? ((command ?? turn.command) ? `command:${command ?? turn.command}` : String(turn.context.activity.type)),
      target: cardTargetOf(turn.context.activity),
      reason,
    });
  }

  /**
   * The turn failed outside any handler (as when Teams could not be told the answer, or the
   * database was down before the turn reached one): the user still gets a polite "try again" in their language
   * (from their Teams client, as their stored choice cannot be read) instead of silence or
   * an error from Teams. Nothing is added when they already had an answer, or when it was
   * Teams itself that could not be reached.
   */
  async answerFailedTurn(context: TurnContext, error: Error): Promise<void> {
    const activity = context.activity;
    markTurn('failed');
    this.deps.log.error('turn failed', { error: error.message, type: activity.type });
    const locale = localeFor(null, activity, this.deps.defaultLocale);
    const card = noticeCard(locale, t(locale, failureKey(context)), { tone: 'attention' });
    try {
      if (activity.type === 'invoke') {
        if (activity.name !== 'adaptiveCard/action' || context.turnState.get(INVOKE_RESPONSE_KEY)) return;
        await context.sendActivity({
          type: 'invokeResponse',
          value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
        });
        return;
      }
      if (activity.type !== 'message' || context.responded || isConnectorFailure(error)) return;
      await context.sendActivity(cardMessage(card));
    } catch (err) {
      this.deps.log.warn('could not tell the user the turn failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * A use case said no: the person is told why in their language, and a refusal for want of
   * permission is logged here, so no forbidden outcome can reach someone unlogged. A feature that
   * shows refusals its own way (in a channel's languages, on the form itself) passes `draw`.
   */
  refusal(turn: Turn, refusal: Refusal, draw?: () => CardJson): CardJson {
    if (refusal.kind === 'forbidden') this.refused(turn, refusal.key, turn.command);
    if (draw) return draw();
    return noticeCard(turn.locale, t(turn.locale, refusal.key, refusal.params), { tone: refusal.kind === 'notFound' ? 'default' : 'attention' });
  }

  /** Counts one more of the action; true (and one log line) when the person has done it too often for now. */
  async overLimit(turn: Turn, action: LimitedAction): Promise<boolean> {
    if (!this.deps.limits || (await this.deps.limits.take(turn.actor, action))) return false;
    this.deps.log.warn('rate limit reached', { tenantId: turn.actor.tenantId, userId: turn.actor.userId, action });
    return true;
  }

  /** Whether the person acting is an admin (for what to show them; every admin action checks again). */
  async isAdmin(turn: Turn): Promise<boolean> {
    return (await this.deps.isAdmin?.(turn.actor)) ?? false;
  }

  notice(turn: Turn, key: MessageKey, tone: 'default' | 'attention' | 'good' = 'attention'): CardJson {
    return noticeCard(turn.locale, t(turn.locale, key), { tone });
  }
}

/** The refusal of unstorable text, with what the person typed (less the characters refused) to copy back. */
function unstorableTextCard(locale: Locale, text: string): CardJson {
  const kept = withoutUnstorable(text).trim();
  const message = t(locale, 'error.unstorableText');
  return noticeCard(locale, kept === '' ? message : `${message}\n\n${escapeMarkdown(kept.slice(0, 4000))}`, { tone: 'attention' });
}

/** The card with one more paragraph at the end of its body (what a refusal did not say). */
function withNote(card: CardJson, note: string): CardJson {
  const body = Array.isArray(card.body) ? card.body : [];
  return { ...card, body: [...body, { type: 'TextBlock', text: note, wrap: true, separator: true, spacing: 'Medium' }] };
}

/** Where a turn notes that its change is stored (Turn.markRecorded). */
const RECORDED_KEY = Symbol('cydweithio.recorded');

/** The apology for a failed turn: "nothing was changed" only when that is true. */
const failureKey = (context: TurnContext): MessageKey => (context.turnState.get(RECORDED_KEY) === true ? 'error.recordedNotShown' : 'error.tryAgain');

/** A failure talking to Teams (after its retries): sending an apology the same way would fail too. */
function isConnectorFailure(error: unknown): boolean {
  if (error instanceof ChannelSendError || error instanceof DeliveryUnconfirmedError) return true;
  const e = error as { statusCode?: unknown; request?: unknown } | null;
  return typeof e?.statusCode === 'number' && e.request !== undefined; // botbuilder's RestError
}
