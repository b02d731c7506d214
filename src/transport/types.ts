// Owns the transport contracts: what a connection to one host can do, and how it is described.
import type { Sh } from "./sh.js";

export interface ExecOptions {
  /** Run as root through sudo (no-op when the login user is root). */
  become?: boolean;
  /** Become this user instead of the connection's default (become_user). */
  becomeUser?: string;
  /** How to become: sudo (default) or su. */
  becomeMethod?: "sudo" | "su";
  /** Environment variables exported for the script (the `environment` keyword). */
  env?: Record<string, string>;
  /** Bytes fed to the command's standard input (after any sudo password exchange). */
  stdin?: string | Buffer;
  /** Kill the command after this many milliseconds (rc 124, like timeout(1)). */
  timeoutMs?: number;
  /** The script or its environment holds a secret: send it on stdin, never as a process argument. */
  sensitive?: boolean;
  /** Keep at most this many bytes of each stream (head and tail; see transport/output.ts). */
  outputLimit?: number;
  /** Stdout goes here as it arrives and is not kept (fetch and slurp write files with it). */
  stdoutSink?: (chunk: Buffer) => void;
  /** Called with each chunk of output as it arrives (for -vv streaming). */
  onOutput?: (stream: "stdout" | "stderr", chunk: string) => void;
}

export interface ExecResult {
  rc: number;
  stdout: string;
  stderr: string;
  /** Set when outputLimit cut a stream: the total bytes of each cut stream (0: not cut). */
  truncated?: { stdout: number; stderr: number };
}

export interface Connection {
  readonly host: string;
  /** Run a POSIX sh script on the host. Never rejects for a non-zero exit; rejects when the link fails. */
  exec(script: Sh, opts?: ExecOptions): Promise<ExecResult>;
  close(): void;
}

/**
 * Where the engine gets connections: the SSH/local ConnectionPool in a run, a scripted fake
 * node in the engine's in-process tests.
 */
export interface NodePool {
  get(spec: ConnectionSpec): Promise<Connection>;
  /** Forget a host's connection (its link dropped): the next get() opens a new one. */
  drop(name: string): void;
}

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  password?: string;
  privateKeyFile?: string;
  passphrase?: string;
}

export interface ConnectionSpec {
  /** Inventory name of the host. */
  name: string;
  kind: "ssh" | "local";
  endpoint: SshEndpoint;
  /** Hops to go through first, outermost first (bastion / ProxyJump). */
  jumps: SshEndpoint[];
  becomePassword?: string;
  becomeUser: string;
  /** ansible_become_method: sudo (default) or su */
  becomeMethod?: "sudo" | "su";
  /** Use ssh-agent at this socket when set. */
  agent?: string;
}

/** A transport failure: the host could not be reached or authenticated, or the link dropped. */
export class UnreachableError extends Error {
  constructor(
    readonly host: string,
    message: string,
    readonly permanent = false,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "UnreachableError";
  }
}
