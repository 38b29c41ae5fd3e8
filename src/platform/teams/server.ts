import type { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import * as restify from 'restify';
import type { Database } from '../db/db';
import type { Logger } from '../log';

export interface ServerDeps {
  adapter: TeamsAdapter;
  app: Application<TurnState>;
  db: Database;
  log: Logger;
  localMode: boolean;
}

/** Largest request accepted; Teams refuses messages over ~80 KB, so this is generous. */
export const MAX_BODY_BYTES = 256 * 1024;

export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'cydweithio', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, rejectUnknown: true }));

  server.post('/api/messages', async (req, res) => {
    try {
      await deps.adapter.process(req, res, (context) => deps.app.run(context).then(() => undefined));
    } catch (err) {
      deps.log.error('request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.send(500);
    }
  });

  server.get('/healthz', async (_req, res) => {
    const database = await deps.db.ping();
    res.send(database ? 200 : 503, { status: database ? 'ok' : 'unavailable', database: database ? 'up' : 'down', kind: deps.db.kind, mode: deps.localMode ? 'local' : 'registered' });
  });

  return server;
}
