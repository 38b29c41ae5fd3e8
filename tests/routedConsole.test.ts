import type { Logger } from '../src/log';
import { installConsoleRouting, routeConsole, unrouted } from '../src/teams/routedConsole';

const into = (lines: Record<string, unknown>[]): Logger => ({ debug() {}, info() {}, error() {}, warn: (msg, fields = {}) => void lines.push({ msg, ...fields }) });

it('sends what botbuilder prints inside one request to our log, one line without a token, and leaves other requests and the rest of the process alone', async () => {
  // Installed first, so the routing wraps it as it wraps the real console.
  const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    installConsoleRouting();
    installConsoleRouting(); // a second adapter: still one wrapper
    const first: Record<string, unknown>[] = [];
    const second: Record<string, unknown>[] = [];
    let release!: () => void;
    const waiting = new Promise<void>((resolve) => (release = resolve));

    const one = routeConsole(into(first), async () => {
      await waiting; // still in its scope after an await, while the others run
      console.error(Object.assign(new Error('jwt expired: eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJib3QifQ.c2lnbmVk'), { token: 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJib3QifQ' }));
    });
    const two = routeConsole(into(second), async () => {
      console.error('Error finding key for token. Available keys: -----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEAvY23\n-----END RSA PUBLIC KEY-----');
      await unrouted(async () => console.error('printed by the turn logic'));
    });
    console.error('printed elsewhere meanwhile');
    release();
    await Promise.all([one, two]);

    const msg = 'botbuilder printed while handling a request';
    expect(first).toEqual([{ msg, output: 'Error: jwt expired: [token]' }]);
    expect(second).toEqual([{ msg, output: 'Error finding key for token. Available keys: -----BEGIN RSA PUBLIC KEY-----' }]);
    expect(printed.mock.calls).toEqual([['printed by the turn logic'], ['printed elsewhere meanwhile']]);
  } finally {
    printed.mockRestore();
  }
});
