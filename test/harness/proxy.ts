// Test harness: a TCP proxy on 127.0.0.1 between kplay and one node's sshd, which a fault test
// can cut (reset every connection), black-hole (stop moving bytes and hold new connections
// silently) and restore, or point at a new port after the node restarts.
import { createServer, connect, type Server, type Socket } from "node:net";

export class FaultProxy {
  private server: Server;
  private pairs = new Set<[Socket, Socket]>();
  private held = new Set<Socket>();
  private blackholed = false;
  port = 0;

  constructor(
    private targetPort: number,
    private targetHost = "127.0.0.1",
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  private accept(client: Socket): void {
    client.on("error", () => undefined);
    if (this.blackholed) {
      this.held.add(client); // accepted, then silence
      client.on("close", () => this.held.delete(client));
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (d) => {
        if (!this.blackholed) to.write(d);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
  }

  /** Reset every open connection (as a dropped link does). */
  cut(): void {
    for (const [a, b] of this.pairs) {
      a.resetAndDestroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  /** Stop moving bytes: open connections hang, new ones are accepted and never answered. */
  blackhole(): void {
    this.blackholed = true;
  }

  restore(): void {
    this.blackholed = false;
    for (const s of this.held) s.destroy();
    this.held.clear();
  }

  retarget(port: number): void {
    this.targetPort = port;
  }

  async close(): Promise<void> {
    this.cut();
    this.restore();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
