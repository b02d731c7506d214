// Owns one SSH connection to one host (ssh2): TCP_NODELAY on its own socket, connect timeout,
// keep-alive, host-key verification, key/password/agent auth, jump hosts, and exec channels.
import { connect as netConnect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import ssh2, {
  type AnyAuthMethod,
  type Client,
  type ConnectConfig,
  type ParsedKey,
  type ServerHostKeyAlgorithm,
} from "ssh2";
const { Client: SshClient } = ssh2;
import { homedir } from "node:os";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Sh } from "./sh.js";
import { runOnChannel, type BecomeContext, type RawChannel } from "./become.js";
import { KnownHosts, fingerprint, keyType } from "./known-hosts.js";
import { whyUnreadable } from "../input-file.js";
import { privateKey } from "./ssh-keys.js";
import { Liveness } from "./ssh-liveness.js";
import {
  UnreachableError,
  type Connection,
  type ConnectionSpec,
  type ExecOptions,
  type ExecResult,
  type SshEndpoint,
} from "./types.js";

export interface SshOptions {
  knownHosts: KnownHosts;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
}

export class SshConnection implements Connection {
  private readonly hops: Client[];
  private readonly become: BecomeContext;
  private readonly liveness: Liveness[];

  private constructor(
    readonly host: string,
    private readonly client: Client,
    o: { hops: Client[]; become: BecomeContext; keepaliveMs: number },
  ) {
    this.hops = o.hops;
    this.become = o.become;
    client.on("close", () => {
      this.closed = true;
    });
    // keepalive while work is outstanding, on the connection and each jump host it goes through
    this.liveness = [client, ...o.hops].flatMap((c) => {
      const l = Liveness.attach(c, { intervalMs: o.keepaliveMs, countMax: 4, dead: () => c.destroy() });
      return l ? [l] : [];
    });
  }

  closed = false;

  static async open(spec: ConnectionSpec, opts: SshOptions): Promise<SshConnection> {
    const hops: Client[] = [];
    try {
      let sock: Duplex | undefined;
      for (const j of spec.jumps) {
        const c = await connectClient({ name: spec.name, ep: j, agent: spec.agent }, sock, opts);
        hops.push(c);
        sock = undefined;
        const next = spec.jumps[hops.length] ?? spec.endpoint;
        sock = await forward(c, next, spec.name);
      }
      const client = await connectClient({ name: spec.name, ep: spec.endpoint, agent: spec.agent }, sock, opts);
      const become = {
        loginUser: spec.endpoint.user,
        becomeUser: spec.becomeUser,
        password: spec.becomePassword,
        method: spec.becomeMethod,
      };
      return new SshConnection(spec.name, client, { hops, become, keepaliveMs: opts.keepaliveIntervalMs });
    } catch (e) {
      hops.forEach((h) => h.end());
      throw e;
    }
  }

  exec(script: Sh, opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new UnreachableError(this.host, "connection closed"));
    return runOnChannel((cmd) => this.channel(cmd), script, opts, this.become);
  }

  private channel(command: string): Promise<RawChannel> {
    this.liveness.forEach((l) => l.begin());
    let ended = false;
    const idle = () => {
      if (!ended) this.liveness.forEach((l) => l.end());
      ended = true;
    };
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) {
          idle();
          return reject(new UnreachableError(this.host, `cannot open a channel: ${err.message}`, false, err));
        }
        stream.once("close", idle);
        let exit: { code: number | null; signal?: string } = { code: null };
        const done = new Promise<{ code: number | null; signal?: string }>((res, rej) => {
          const onClientClose = () =>
            rej(new UnreachableError(this.host, "connection lost while a command was running"));
          this.client.once("close", onClientClose);
          stream.on("exit", (code: number | null, signal?: string) => {
            exit = { code, signal: signal ?? undefined };
          });
          stream.on("close", () => {
            this.client.removeListener("close", onClientClose);
            if (exit.code === null && exit.signal === undefined && this.closed) onClientClose();
            else res(exit);
          });
        });
        endOnce(stream);
        resolve({
          stdout: stream,
          stderr: stream.stderr,
          stdin: stream,
          done,
          kill: () => {
            try {
              stream.signal("KILL");
            } catch {
              /* not supported by every server */
            }
            stream.close();
          },
        });
      });
    });
  }

  close(): void {
    this.client.end();
    for (const h of [...this.hops].reverse()) h.end();
  }
}

/**
 * Later end() calls on a channel are no-ops: ssh2 ends a channel again when it closes, after kplay
 * ended its stdin, and Node answers a second end() with an error object whose stack trace costs
 * about 0.07 ms of controller CPU per command (seen in the hosts benchmark's profile).
 */
export function endOnce(stream: Duplex): void {
  const end = stream.end.bind(stream);
  stream.end = ((...args: Parameters<typeof end>) => {
    stream.end = (() => stream) as typeof stream.end;
    return end(...args);
  }) as typeof stream.end;
}

function tcpSocket(ep: SshEndpoint, timeoutMs: number, name: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: ep.host, port: ep.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new UnreachableError(name, `connect to ${ep.host}:${ep.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      s.setNoDelay(true); // ssh2 leaves Nagle on: ~48 ms per exec instead of ~5 ms
      s.setKeepAlive(true, 15_000);
      resolve(s);
    });
    s.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new UnreachableError(name, `connect to ${ep.host}:${ep.port} failed: ${e.code ?? e.message}`, false, e));
    });
  });
}

function forward(via: Client, to: SshEndpoint, name: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    via.forwardOut("127.0.0.1", 0, to.host, to.port, (err, stream) => {
      if (err)
        reject(new UnreachableError(name, `jump host cannot reach ${to.host}:${to.port}: ${err.message}`, false, err));
      else resolve(stream);
    });
  });
}

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

/** Host key algorithms with the types known for the host first (OpenSSH orders them the same way). */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];
function hostKeyPreference(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const algs = (t: string) => (t === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [t]);
  const first = knownTypes
    .flatMap(algs)
    .filter((a): a is ServerHostKeyAlgorithm => (HOST_KEY_ALGORITHMS as string[]).includes(a));
  return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
}

/** The ways to log in, in ssh's order: key files (given, or ~/.ssh defaults), the agent, the password. */
function authMethods(name: string, ep: SshEndpoint, agent: string | undefined): AnyAuthMethod[] {
  const methods: AnyAuthMethod[] = [];
  const keyFiles = ep.privateKeyFile
    ? [ep.privateKeyFile]
    : ep.password
      ? []
      : DEFAULT_KEYS.map((k) => join(homedir(), ".ssh", k)).filter(existsSync);
  for (const f of keyFiles) {
    let key: ParsedKey | Buffer;
    try {
      key = privateKey(f, ep.passphrase);
    } catch (e) {
      const why = `cannot read private key file ${f}: ${whyUnreadable(e)}`;
      throw new UnreachableError(name, why, true, e);
    }
    methods.push({ type: "publickey", username: ep.user, key, passphrase: ep.passphrase });
  }
  if (agent && !ep.privateKeyFile) methods.push({ type: "agent", username: ep.user, agent });
  if (ep.password) methods.push({ type: "password", username: ep.user, password: ep.password });
  if (methods.length === 0) {
    const why =
      `no way to authenticate as ${ep.user}@${ep.host}: ` +
      "set ansible_ssh_private_key_file, ansible_ssh_pass or run an ssh-agent";
    throw new UnreachableError(name, why, true);
  }
  return methods;
}

/** Checks the host key against known_hosts; says why it refused through `refused`. */
function hostVerifier(ep: SshEndpoint, kh: KnownHosts, refused: (why: string) => void): (key: Buffer) => boolean {
  return (key) => {
    const r = kh.check(ep.host, ep.port, key);
    if (r.status === "match") return true;
    const fp = `${keyType(key)} ${fingerprint(key)}`;
    const id = KnownHosts.hostId(ep.host, ep.port);
    if (r.status === "changed") {
      refused(
        `host key for ${id} has CHANGED (now ${fp}, known ${r.expected}); refusing to connect. ` +
          `If the host was rebuilt, remove its line from ${kh.file}`,
      );
      return false;
    }
    if (!kh.acceptNew) {
      refused(
        `host key for ${id} is not known (${fp}); re-run with --accept-new-host-keys to trust it on first contact`,
      );
      return false;
    }
    kh.add(ep.host, ep.port, key);
    return true;
  };
}

async function connectClient(
  to: { name: string; ep: SshEndpoint; agent?: string },
  sock: Duplex | undefined,
  opts: SshOptions,
): Promise<Client> {
  const { name, ep, agent } = to;
  const methods = authMethods(name, ep, agent);
  const socket = sock ?? (await tcpSocket(ep, opts.connectTimeoutMs, name));
  const client = new SshClient();
  let hostKeyProblem: string | undefined;
  const known = opts.knownHosts.knownTypes(ep.host, ep.port);
  const cfg: ConnectConfig = {
    sock: socket as unknown as Socket,
    ...(known.length ? { algorithms: { serverHostKey: hostKeyPreference(known) } } : {}),
    username: ep.user,
    readyTimeout: opts.connectTimeoutMs,
    // ssh2's keepalive would run on idle connections too: Liveness (ssh-liveness.ts) replaces it
    keepaliveInterval: 0,
    authHandler: methods,
    hostVerifier: hostVerifier(ep, opts.knownHosts, (why) => (hostKeyProblem = why)),
  };
  return new Promise((resolve, reject) => {
    // ssh2 can emit several errors for one failed connect (a reset, then "Connection lost before
    // handshake"): every one must have a listener, or the process dies; only the first counts.
    let settled = false;
    const fail = (e: Error & { level?: string }) => {
      if (settled) return;
      settled = true;
      client.removeAllListeners("ready");
      client.end();
      if (hostKeyProblem) return reject(new UnreachableError(name, hostKeyProblem, true, e));
      const auth = e.level === "client-authentication";
      const msg = auth
        ? `authentication failed for ${ep.user}@${ep.host}:${ep.port}`
        : `ssh to ${ep.host}:${ep.port} failed: ${e.message}`;
      reject(new UnreachableError(name, msg, auth, e));
    };
    client.once("ready", () => {
      settled = true;
      client.removeListener("error", fail);
      client.on("error", () => undefined); // later errors surface as channel/close failures
      resolve(client);
    });
    client.on("error", fail);
    client.connect(cfg);
    ignoreHostKeysNotice(client);
  });
}

type GlobalRequestHandler = (proto: unknown, name: string, wantReply: boolean, data: unknown) => void;
interface ProtocolInternals {
  _handlers?: { GLOBAL_REQUEST?: GlobalRequestHandler };
  requestSuccess?: () => void;
}

/**
 * OpenSSH's sshd tells a client all its host keys after login (`hostkeys-00@openssh.com`, for
 * UpdateHostKeys); ssh2 answers by asking the server to prove each key and verifying every
 * signature: three public-key operations per connection, about a quarter of the controller's
 * CPU for a short task, for keys kplay never uses (it checks the one key of the handshake
 * against its own known_hosts). This drops that notice and leaves every other request to ssh2.
 * It reaches into ssh2's protocol object; if a newer ssh2 lays it out differently, nothing is
 * changed (and the unit test that checks the notice is dropped fails).
 */
export function ignoreHostKeysNotice(client: Client): boolean {
  const proto = (client as unknown as { _protocol?: ProtocolInternals })._protocol;
  const handlers = proto?._handlers;
  const original = handlers?.GLOBAL_REQUEST;
  if (!handlers || !original) return false;
  handlers.GLOBAL_REQUEST = (p, name, wantReply, data) => {
    if (name !== "hostkeys-00@openssh.com") return original(p, name, wantReply, data);
    if (wantReply) proto.requestSuccess?.call(proto);
  };
  return true;
}
