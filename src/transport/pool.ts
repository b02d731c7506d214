// Owns the connection pool: one connection per host and way of reaching it (see connectionKey), opened
// on first use and reused by every task, with bounded retry and backoff on connect. Permanent
// failures (auth, host key) are not retried.
import { Backoff } from "../backoff.js";
import { KnownHosts } from "./known-hosts.js";
import { LocalConnection } from "./local.js";
import { UnreachableError, type Connection, type ConnectionSpec, type NodePool } from "./types.js";

export interface PoolOptions {
  knownHostsFile: string;
  acceptNewHostKeys: boolean;
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  connectRetries?: number;
}

/**
 * A connection's key: the host's name and how it is reached. A host has one connection unless a
 * play or task sets its connection variables otherwise (another user, port, or the controller):
 * then that way has its own, kept beside the host's usual one.
 */
function connectionKey(s: ConnectionSpec): string {
  const { kind, endpoint, jumps, becomeUser, becomeMethod, becomePassword } = s;
  return `${s.name}\0${JSON.stringify([kind, endpoint, jumps, becomeUser, becomeMethod, becomePassword])}`;
}

export class ConnectionPool implements NodePool {
  private conns = new Map<string, Promise<Connection>>();
  readonly knownHosts: KnownHosts;

  constructor(private readonly opts: PoolOptions) {
    this.knownHosts = new KnownHosts(opts.knownHostsFile, opts.acceptNewHostKeys);
  }

  get(spec: ConnectionSpec): Promise<Connection> {
    const key = connectionKey(spec);
    const existing = this.conns.get(key);
    if (existing) return existing;
    const p = this.open(spec);
    this.conns.set(key, p);
    p.catch(() => this.conns.delete(key));
    return p;
  }

  /** Forget a host's connections (after the link dropped) so the next get() reconnects. */
  drop(name: string): void {
    for (const [key, p] of [...this.conns]) {
      if (key !== name && !key.startsWith(`${name}\0`)) continue;
      this.conns.delete(key);
      p.then(
        (c) => c.close(),
        () => undefined,
      );
    }
  }

  private async open(spec: ConnectionSpec): Promise<Connection> {
    if (spec.kind === "local")
      return new LocalConnection(spec.name, {
        user: spec.becomeUser,
        password: spec.becomePassword,
        method: spec.becomeMethod,
      });
    // ssh2 is loaded with the first SSH connection: a run that never opens one (bad input, --help,
    // status, the local connection) starts without it (about 50 ms of every start)
    const { SshConnection } = await import("./ssh.js");
    const retries = this.opts.connectRetries ?? 3;
    const backoff = new Backoff({ firstMs: 500, maxMs: 5000 });
    for (let attempt = 0; ; attempt++) {
      try {
        return await SshConnection.open(spec, {
          knownHosts: this.knownHosts,
          connectTimeoutMs: this.opts.connectTimeoutMs ?? 10_000,
          keepaliveIntervalMs: this.opts.keepaliveIntervalMs ?? 15_000,
        });
      } catch (e) {
        if (!(e instanceof UnreachableError) || e.permanent || attempt >= retries) throw e;
        await backoff.wait();
      }
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(
      all.map((p) =>
        p.then(
          (c) => c.close(),
          () => undefined,
        ),
      ),
    );
  }
}
