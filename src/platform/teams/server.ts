import type { Application, TeamsAdapter, TurnState } from '@microsoft/teams-ai';
import * as restify from 'restify';
import type { Database } from '../db/db';
import type { Logger } from '../log';
import { registerProbes, type ProbeDeps } from '../http/probes';
import { measureTurn, turnKindOf } from '../telemetry/instruments';

export interface ServerDeps {
  adapter: TeamsAdapter;
  app: Application<TurnState>;
  db: Database;
  log: Logger;
  localMode: boolean;
  /** Liveness, readiness and metrics (index.ts); tests that only exercise turns leave them out. */
  probes?: ProbeDeps;
}

/** Largest request accepted; Teams refuses messages over ~80 KB, so this is generous. */
export const MAX_BODY_BYTES = 256 * 1024;

export function createServer(deps: ServerDeps): restify.Server {
  const server = restify.createServer({ name: 'cydweithio', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, rejectUnknown: true }));

  const gate = deps.probes?.gate;
  server.post('/api/messages', async (req, res) => {
    await measureTurn(turnKindOf((req.body as { type?: unknown } | undefined)?.type), async () => {
      if (gate && !gate.enter()) {
        // Stopping: /readyz has already taken this instance out of rotation; 503 with Retry-After says "try again".
        res.header('Retry-After', '5');
        res.send(503);
        return 503;
      }
      try {
        await deps.adapter.process(req, res, (context) => deps.app.run(context).then(() => undefined));
      } catch (err) {
        deps.log.error('request failed', { error: err instanceof Error ? err.message : String(err) });
        if (!res.headersSent) res.send(500);
      } finally {
        gate?.leave();
      }
      return res.statusCode;
    });
  });

  server.get('/healthz', async (_req, res) => {
    const database = await deps.db.ping();
    res.send(database ? 200 : 503, {
      status: database ? 'ok' : 'unavailable',
      database: database ? 'up' : 'down',
      kind: deps.db.kind,
      mode: deps.localMode ? 'local' : 'registered',
    });
  });

  if (deps.probes) registerProbes(server, deps.probes);

  return server;
}
