import type { MessageKey, MessageParam } from './i18n';

/** Values that fill a catalogue message's placeholders (a name in each language shows the reader's). */
export type MessageParams = Record<string, MessageParam>;

/** A problem the user can fix; `key` names a catalogue message, `params` fill it in. */
export interface Problem {
  key: MessageKey;
  params?: MessageParams;
}

/** A pure validation's answer (domain code): the value, or a problem to show. */
export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(key: MessageKey, params?: MessageParams): Result<T> => ({ ok: false, problem: { key, params } });

/**
 * What every use case answers. `forbidden` carries the reason the route kit logs (every refusal is
 * logged there, so none can go unlogged) and the message the person sees; `problem` may carry the
 * current state of the thing, so the card can be drawn again with the message beside it.
 */
export type Outcome<T, C = never> =
  | { kind: 'ok'; value: T }
  | { kind: 'notFound'; key: MessageKey; params?: MessageParams }
  | { kind: 'forbidden'; key: MessageKey; params?: MessageParams }
  | { kind: 'problem'; key: MessageKey; params?: MessageParams; current?: C };

export type Refusal = Exclude<Outcome<never, never>, { kind: 'ok' }>;

export const Outcomes = {
  ok: <T>(value: T): Outcome<T, never> => ({ kind: 'ok', value }),
  notFound: (key: MessageKey, params?: MessageParams): Refusal => ({ kind: 'notFound', key, params }),
  forbidden: (key: MessageKey, params?: MessageParams): Refusal => ({ kind: 'forbidden', key, params }),
  problem: <C = never>(key: MessageKey, params?: MessageParams, current?: C): Outcome<never, C> => ({ kind: 'problem', key, params, current }),
};

export const isOk = <T, C>(outcome: Outcome<T, C>): outcome is { kind: 'ok'; value: T } => outcome.kind === 'ok';
