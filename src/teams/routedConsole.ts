import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../log';

/**
 * botbuilder prints to the console while it handles a request, past our log and with no
 * setting to stop it: botframework-connector's JwtTokenExtractor prints a refused token's
 * jsonwebtoken error with its stack, or the whole signing key, and CloudAdapter.process
 * prints in full any error that processing a request threw.
 *
 * Each console method is wrapped once for the whole process and passes everything through
 * unchanged, except what is printed inside `routeConsole(log, work)`: that becomes one
 * warning in our log, its first line only, with anything shaped like a token removed. The
 * scope is an AsyncLocalStorage, so it follows one request through its awaits and leaves
 * alone whatever other requests, jobs or the rest of the process print meanwhile.
 */
const scope = new AsyncLocalStorage<Logger>();

const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
const WRAPPED = Symbol.for('cydweithio.routedConsole');
const TOKEN = /eyJ[\w-]*(?:\.[\w-]*){0,2}/g;

/** Wraps the console methods (once; later calls do nothing). */
export function installConsoleRouting(): void {
  for (const name of METHODS) {
    const original = console[name] as ((...args: unknown[]) => void) & { [WRAPPED]?: true };
    if (original[WRAPPED]) continue;
    const routed = Object.assign(
      function (this: unknown, ...args: unknown[]): void {
        const log = scope.getStore();
        if (!log) return original.apply(this, args);
        // Outside the scope, so a logger that itself prints cannot loop back here.
        scope.exit(() => log.warn('botbuilder printed while handling a request', { output: oneLine(args) }));
      },
      { [WRAPPED]: true as const },
    );
    console[name] = routed;
  }
}

/** Runs work with whatever it prints to the console sent to `log` instead (see above). */
export function routeConsole<T>(log: Logger, work: () => T): T {
  return scope.run(log, work);
}

/** Runs work printing to the console as usual, inside a routed scope (the bot's own turn logic). */
export function unrouted<T>(work: () => T): T {
  return scope.exit(work);
}

/** An error as its name and message (never its stack or properties), other objects not at all; first line, tokens removed. */
function oneLine(args: unknown[]): string {
  const text = args
    .map((arg) => {
      if (typeof arg === 'string') return arg;
      const error = arg as { name?: unknown; message?: unknown } | null;
      if (typeof error?.message === 'string') return `${typeof error.name === 'string' ? error.name : 'Error'}: ${error.message}`;
      return (typeof arg === 'object' && arg !== null) || typeof arg === 'function' ? '[object]' : String(arg);
    })
    .join(' ');
  return text.split('\n', 1)[0].replace(TOKEN, '[token]').slice(0, 200);
}
