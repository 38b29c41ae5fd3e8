/**
 * Fault: the process is killed (SIGKILL) in the middle of a burst of plan edits.
 * After a restart every edit the bot acknowledged is there. Runs the built server
 * on the embedded, file-backed database, as `npm start` does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '../../src/platform/db/pglite';
import { BotProcess, executeActivity, personalActivity } from '../support/botProcess';
import { RecordingConnector } from '../support/recordingConnector';

jest.setTimeout(180_000);

const dataDir = mkdtempSync(join(tmpdir(), 'cydweithio-fault-'));
const connector = new RecordingConnector();
let serviceUrl: string;
const bot = new BotProcess(39801, { DATA_DIR: dataDir, DEMO_DATA: 'true' }, 'fault-kill');

beforeAll(async () => {
  serviceUrl = await connector.start();
});
afterAll(async () => {
  await bot.kill();
  await connector.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const USERS = ['head-a', 'head-b', 'head-c', 'head-d'];

it('keeps every acknowledged edit when killed mid-burst', async () => {
  await bot.start();
  // Each head registers and starts a plan.
  const planOf: Record<string, string> = {};
  for (const user of USERS) {
    const r = await bot.post(personalActivity(user, serviceUrl, executeActivity('onboard.confirm', { schoolId: '6784051', role: 'headteacher', query: '' })));
    planOf[user] = r.text.match(/"planId":"([0-9a-f-]{36})"/)![1];
  }

  // Bursts of edits from all four at once; the process dies part-way through.
  const acknowledged = new Map<string, string>(); // user -> last focus the bot confirmed
  let killed = false;
  const editLoop = async (user: string) => {
    for (let n = 1; n <= 400 && !killed; n++) {
      const text = `${user} focus edit ${n}`;
      try {
        const r = await bot.post(
          personalActivity(user, serviceUrl, executeActivity('plan.saveField', { planId: planOf[user], version: 1000, field: 'focus', then: 'summary', text })),
        );
        if (r.status === 200 && r.text.includes(text) && !r.text.includes('went wrong')) acknowledged.set(user, text);
      } catch {
        return; // the connection died with the process
      }
    }
  };
  const loops = USERS.map(editLoop);
  await new Promise((r) => setTimeout(r, 1500));
  killed = true;
  await bot.kill('SIGKILL');
  await Promise.all(loops);
  expect(acknowledged.size).toBe(USERS.length);

  // Read the database's files directly, as the killed process left them, then check the restarted bot serves the same.
  const db = await openPglite(join(dataDir, 'pglite'));
  const rows = await db.query<{ owner_id: string; focus: string }>(`select owner_id, answers->>'focus' as focus from plans`);
  await db.close();
  const stored = Object.fromEntries(rows.map((r) => [r.owner_id, r.focus]));
  for (const [user, text] of acknowledged) {
    const storedN = Number(stored[user]?.split(' ').pop());
    expect(storedN).toBeGreaterThanOrEqual(Number(text.split(' ').pop()));
  }

  await bot.start();
  for (const [user] of acknowledged) {
    const r = await bot.post(personalActivity(user, serviceUrl, executeActivity('plan.open', { planId: planOf[user] })));
    expect(r.text).toContain(stored[user]);
  }
});

it('refuses a second bot on the same embedded database while the first runs, and leaves the first serving', async () => {
  // Runs after the test above, whose restarted bot still holds the data directory.
  const second = new BotProcess(39802, { DATA_DIR: dataDir, DEMO_DATA: 'true' }, 'fault-kill-second');
  await expect(second.start()).rejects.toThrow(/exited with code 3[\s\S]*in use by another process/);
  const r = await bot.post(personalActivity(USERS[0], serviceUrl, { type: 'message', text: 'help' }));
  expect(r.status).toBe(200);
  expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
});
