/** A problem the user can fix; `key` names a catalogue message, `params` fill it in. */
export interface Problem {
  key: string;
  params?: Record<string, string | number>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(key: string, params?: Problem['params']): Result<T> => ({ ok: false, problem: { key, params } });
