import type { Logger } from '../log';

/**
 * botbuilder prints to the console, past our log and with no setting to stop it:
 * botframework-connector's JwtTokenExtractor prints a refused token's jsonwebtoken error with
 * its stack, or the whole signing key, and CloudAdapter.process prints in full any error that
 * processing a request threw.
 *
 * Each console method is wrapped once for the whole process. A call made from botbuilder's own
 * code (botbuilder*, botframework-* packages) becomes one warning in our log, its first line
 * only, with anything shaped like a token removed; every other call passes through unchanged.
 * The caller is read from the call stack, and only when something prints: an AsyncLocalStorage
 * scope per request did the same but made every promise in the process slower.
 */
const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
const WRAPPED = Symbol.for('cydweithio.routedConsole');
const TOKEN = /eyJ[\w-]*(?:\.[\w-]*){0,2}/g;
/** Where botbuilder's own modules live, whichever package manager laid them out. */
const BOTBUILDER_FILE = /[\\/]node_modules[\\/](?:\.pnpm[\\/][^\\/]+[\\/]node_modules[\\/])?(?:botbuilder(?:-[\w-]+)?|botframework-[\w-]+)[\\/]/;

let target: Logger | undefined;

/** Wraps the console methods (once; later calls only change the log they route to). */
export function installConsoleRouting(log: Logger): void {
  target = log;
  for (const name of METHODS) {
    const original = console[name] as ((...args: unknown[]) => void) & { [WRAPPED]?: true };
    if (original[WRAPPED]) continue;
    const routed = Object.assign(
      function (this: unknown, ...args: unknown[]): void {
        const log = target;
        // Our logger printing from here cannot loop back: its caller is our code, not botbuilder's.
        if (!log || !BOTBUILDER_FILE.test(callerFile(routed) ?? '')) return original.apply(this, args);
        log.warn('botbuilder printed to the console', { output: oneLine(args) });
      },
      { [WRAPPED]: true as const },
    );
    console[name] = routed;
  }
}

/** The file of the function that called `fn`, from V8's structured stack trace. */
function callerFile(fn: (...args: never[]) => unknown): string | undefined {
  const { prepareStackTrace, stackTraceLimit } = Error;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, sites) => sites;
    Error.captureStackTrace(holder, fn);
    return holder.stack?.[0]?.getFileName() ?? undefined;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
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
