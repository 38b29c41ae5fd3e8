import { CloudAdapter, type Activity, type InvokeResponse, type Request, type Response } from 'botbuilder';
import type { AuthenticateRequestResult } from 'botframework-connector';
import type { Logger } from '../src/platform/log';
import { installConsoleRouting } from '../src/platform/teams/routedConsole';

const into = (lines: Record<string, unknown>[]): Logger => ({
  debug() {},
  info() {},
  error() {},
  warn: (msg, fields = {}) => void lines.push({ msg, ...fields }),
});

/** A response that only takes what botbuilder writes to it. */
const response = (): Response & { statusSent?: number } => {
  const res: Response & { statusSent?: number } = {
    socket: {},
    header: () => res,
    send: () => res,
    status: (code: number) => ((res.statusSent = code), res),
    end: () => res,
  } as unknown as Response & { statusSent?: number };
  return res;
};

/** botbuilder's CloudAdapter, failing the way a refused token does, so that botbuilder's own code prints the error. */
class FailingAdapter extends CloudAdapter {
  protected override async processActivity(_auth: string | AuthenticateRequestResult, _activity: Activity): Promise<InvokeResponse | undefined> {
    await new Promise((resolve) => setImmediate(resolve)); // printed after an await, as botbuilder's token check does
    throw Object.assign(new Error('jwt expired: eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJib3QifQ.c2lnbmVk\n    at verify (jsonwebtoken)'), {
      token: 'eyJhbGciOiJSUzI1NiJ9',
    });
  }
}

it("sends what botbuilder's own code prints to our log, one line without a token, and leaves everything else printed as usual", async () => {
  // Spied first, so the routing wraps the spies as it wraps the real console: what reaches them would be printed.
  const printedErrors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const printedWarnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const lines: Record<string, unknown>[] = [];
    installConsoleRouting(into([]));
    installConsoleRouting(into(lines)); // a second adapter: still one wrapper, now logging here
    const adapter = new FailingAdapter();
    const logic = async () => undefined;

    const refused = response();
    const missingType = response();
    await Promise.all([
      adapter.process({ method: 'POST', headers: {}, body: { type: 'message', id: 'x' } } as Request, refused, logic),
      adapter.process({ method: 'POST', headers: {}, body: { type: '', id: 'empty type' } } as Request, missingType, logic),
      (async () => console.error('printed by the bot itself, meanwhile'))(),
    ]);

    expect(refused.statusSent).toBe(500);
    expect(missingType.statusSent).toBe(400);
    const msg = 'botbuilder printed to the console';
    expect(lines).toEqual(
      expect.arrayContaining([
        { msg, output: 'Error: jwt expired: [token]' },
        { msg, output: 'BadRequest: Missing activity or activity type.' },
      ]),
    );
    expect(lines).toHaveLength(2);
    expect(printedErrors.mock.calls).toEqual([['printed by the bot itself, meanwhile']]);
    expect(printedWarnings.mock.calls).toEqual([]);
  } finally {
    printedErrors.mockRestore();
    printedWarnings.mockRestore();
  }
});
