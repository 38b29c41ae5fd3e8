import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on loopback in front of a server, standing for the network between the bot
 * and its database, so a test can cut every connection at once while the server stays up.
 */
export class TcpProxy {
  private server?: Server;
  private readonly clients = new Set<Socket>();

  constructor(private readonly targetPort: number) {}

  async start(): Promise<number> {
    this.server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
      this.clients.add(client);
      client.pipe(upstream);
      upstream.pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => {
        upstream.destroy();
        this.clients.delete(client);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  /** Cuts every connection now, as a failing network or a database failover does; returns how many. */
  dropAll(): number {
    const count = this.clients.size;
    for (const client of [...this.clients]) client.destroy();
    return count;
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
