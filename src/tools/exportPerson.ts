import { openDatabase } from '../compose';
import { ConfigError, loadConfig } from '../config';
import { SqlPersonalDataStore } from '../features/privacy/repository';
import { SqlAuditLog } from '../features/people/roles';
import { Community } from '../platform/community';

/**
 * For whoever runs Cydweithio, when one person's data is too large to send in Teams messages:
 * `npm run export:person -- <tenant id> <Teams user id>` prints the same JSON the admin command
 * sends, and records the export in the audit log. With the embedded database, stop the bot first
 * (PGlite opens its files in one process at a time).
 */
export async function exportPersonCommand(args: string[], env: Record<string, string | undefined>, write: (text: string) => void): Promise<number> {
  const [tenantId, userId] = args;
  if (!tenantId || !userId) {
    write('Usage: npm run export:person -- <tenant id> <Teams user id>\n');
    return 2;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const db = await openDatabase(config);
  try {
    const doc = await new SqlPersonalDataStore(db, new Community(config.ALLOWED_TENANT_IDS)).exportPerson(tenantId, userId);
    if (!doc.person) {
      write(`No one with Teams user id ${userId} is stored in tenant ${tenantId}.\n`);
      return 1;
    }
    await new SqlAuditLog(db).record({ at: new Date(), tenantId, actorId: 'command-line', action: 'person.export', subjectType: 'user', subjectId: userId });
    write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  exportPersonCommand(process.argv.slice(2), process.env, (text) => process.stdout.write(text)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`export failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
