import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPglite } from '../src/platform/db/pglite';
import { migrate } from '../src/platform/db/migrate';
import { exportPersonCommand } from '../src/tools/exportPerson';

/** The operator's command-line export, for data too large to send in Teams messages. */
describe('npm run export:person', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cydweithio-export-'));
    const db = await openPglite(join(dir, 'pglite'));
    await migrate(db);
    await db.query(`insert into users (tenant_id, user_id, display_name, locale) values ('t1', 'aad-rhian', 'Rhian Jones', 'cy')`);
    await db.close();
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (args: string[]) => {
    let out = '';
    const code = await exportPersonCommand(args, { DATA_DIR: dir, DEMO_DATA: 'false' }, (text) => (out += text));
    return { code, out };
  };

  it('prints the person’s data as JSON and records the export in the audit log', async () => {
    const { code, out } = await run(['t1', 'aad-rhian']);
    expect(code).toBe(0);
    const doc = JSON.parse(out);
    expect(doc).toMatchObject({
      format: 'cydweithio-person-export/1',
      tenantId: 't1',
      userId: 'aad-rhian',
      person: { displayName: 'Rhian Jones', locale: 'cy' },
    });
    const again = JSON.parse((await run(['t1', 'aad-rhian'])).out);
    expect(again.auditLog).toEqual([expect.objectContaining({ action: 'person.export', byYou: false, subjectId: 'aad-rhian' })]);
  }, 60_000);

  it('explains its usage and an unknown person, with exit codes a script can check', async () => {
    expect(await run([])).toEqual({ code: 2, out: 'Usage: npm run export:person -- <tenant id> <Teams user id>\n' });
    expect(await run(['t1', 'aad-nobody'])).toEqual({ code: 1, out: 'No one with Teams user id aad-nobody is stored in tenant t1.\n' });
  }, 60_000);
});
