// A TCP relay in front of sshd that tests can cut: killing sshd's listener does not end sessions it
// already forked, so a "network cut" is simulated here — every current connection destroyed and new
// ones refused until restored. Also usable in-process.
import net from 'node:net';

export class TcpRelay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private cut = false;

  constructor(
    private readonly listen: { host: string; port: number },
    private readonly target: { host: string; port: number },
  ) {}

  get isCut(): boolean {
    return this.cut;
  }

  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a ? a.port : this.listen.port;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = net.connect(this.target.port, this.target.host);
      this.track(client);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => (client.destroy(), upstream.destroy());
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.listen.port, this.listen.host, () => resolve());
    });
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  /** Destroys every relayed connection and refuses new ones (connections are accepted and closed at once). */
  cutAll(): number {
    this.cut = true;
    const n = this.sockets.size;
    for (const s of this.sockets) s.destroy();
    return n;
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
