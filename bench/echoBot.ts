/**
 * The baseline for the turn benchmark: the same stack (restify, botbuilder's
 * adapter, teams-ai Application) with no storage and no work: it echoes messages
 * and answers every card action with a one-line card.
 */
import { Application, TeamsAdapter, TurnState, type AdaptiveCard } from '@microsoft/teams-ai';
import { MemoryStorage } from 'botbuilder';
import * as restify from 'restify';

const adapter = new TeamsAdapter({});
const app = new Application<TurnState>({ adapter, storage: new MemoryStorage(), botAppId: '', startTypingTimer: false });
app.activity('message', async (context) => {
  await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
});
app.adaptiveCards.actionExecute(/.*/, async (_context, _state, data) => {
  const card: AdaptiveCard = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: JSON.stringify(data).slice(0, 200) }] } as AdaptiveCard;
  return card;
});

const server = restify.createServer({ name: 'echo' });
server.use(restify.plugins.bodyParser({ mapParams: false }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, (context) => app.run(context).then(() => undefined));
});
server.get('/healthz', async (_req, res) => {
  res.send(200, { status: 'ok' });
});
server.listen(Number(process.env.PORT ?? 3979), '127.0.0.1');

// Exit cleanly when the benchmark stops it (so `--cpu-prof` can write its profile).
process.on('SIGTERM', () => process.exit(0));
