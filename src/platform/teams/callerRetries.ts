import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<true>();

/**
 * Runs `work` so that the Bot Connector calls it makes get one attempt each from ConnectorHttpClient:
 * a refusal or an unavailable service comes straight back as a ChannelSendError for the caller to retry.
 * The paced channel sender sends through this, so that every request that reaches Teams is one it made and
 * counted against its pacing budget (a retry made underneath it would not be).
 */
export function retriedByCaller<T>(work: () => Promise<T>): Promise<T> {
  return scope.run(true, work);
}

/** True inside `retriedByCaller`: the HTTP client leaves retries to its caller. */
export function isRetriedByCaller(): boolean {
  return scope.getStore() === true;
}
