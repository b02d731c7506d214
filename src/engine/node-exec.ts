// Owns how a task's script reaches a node: the connection (the host's own, a delegate's, or the
// controller's), detaching non-idempotent commands under a run path that is the same when the
// run resumes (so a command that already ran is re-attached, not started again), reconnecting
// with backoff when a link drops, and sending scripts that hold secrets on stdin.
import { Backoff } from "../backoff.js";
import { sha256Hex } from "../hash.js";
import { connectionSpec } from "../transport/spec.js";
import { detachedScript, LOST_MARK, LOST_RC, runName, runPath } from "../transport/detach.js";
import { UnreachableError, type Connection, type ExecOptions, type ExecResult } from "../transport/index.js";
import type { Sh } from "../transport/sh.js";
import type { Engine } from "./context.js";

/** Where a script runs: on behalf of `host`, on `delegate` when the task is delegated. */
export interface ExecTarget {
  host: string;
  delegate?: string;
  /** Connection variables the task's own variables set otherwise than the host's (connection-vars.ts). */
  conn?: Record<string, unknown>;
}

/** Which detached command a script is: the same names on resume re-attach to it. */
export interface DetachName {
  taskId: string;
  index: number;
  attempt: number;
  seq: number;
}

export class NodeExec {
  /** Hosts this run has reached: only for them does a dropped link mean "reconnect and re-attach". */
  private reached = new Set<string>();
  /** Hosts (and delegates) a detached command was sent to: only they have a run directory to clean. */
  readonly runDirHosts = new Set<string>();

  constructor(private readonly e: Engine) {}

  /** The host's connection, made from its variables with the task's own connection variables on top. */
  connect(host: string, conn?: Record<string, unknown>): Promise<Connection> {
    const inv = this.e.inv;
    const bastion = inv.hasHost("bastion") ? this.connectionVars("bastion") : undefined;
    const vars = conn ? { ...this.connectionVars(host), ...conn } : this.connectionVars(host);
    return this.e.pool.get(connectionSpec(host, vars, bastion));
  }

  /**
   * The variables a host's connection is made from: the inventory's, with the extra variables'
   * ansible_* on top (`-e ansible_connection=local`, `-e ansible_user=admin`), as Ansible's
   * precedence puts them above every other.
   */
  connectionVars(host: string): Record<string, unknown> {
    const own = this.e.inv.hostVars(host);
    const extra = Object.entries(this.e.opts.extraVars).filter(([k]) => k.startsWith("ansible_"));
    const cli = this.e.opts.cliDefaults;
    // -u and --private-key fill the last names Ansible reads, so any the inventory sets wins
    const defaults = {
      ...(cli?.remoteUser ? { ansible_remote_user: cli.remoteUser } : {}),
      ...(cli?.privateKeyFile ? { ansible_private_key_file: cli.privateKeyFile } : {}),
      ...(cli?.password ? { ansible_password: cli.password } : {}),
      ...(cli?.becomePassword ? { ansible_become_password: cli.becomePassword } : {}),
    };
    if (!extra.length && !Object.keys(defaults).length) return own;
    return { ...defaults, ...own, ...Object.fromEntries(extra) };
  }

  /**
   * remote_user on a play or task: the local connection ignores it, and so does a host whose
   * `ansible_user` is set (a variable outranks the keyword, as in Ansible); otherwise over SSH it
   * must be the host's login user, since kplay keeps one connection per host. Returns why not.
   */
  remoteUserProblem(host: string, remoteUser: string): string | undefined {
    const vars = this.connectionVars(host);
    if (vars.ansible_user !== undefined || vars.ansible_ssh_user !== undefined) return undefined;
    const spec = connectionSpec(host, vars);
    if (spec.kind === "local" || spec.endpoint.user === remoteUser) return undefined;
    return (
      `remote_user ${remoteUser} differs from ${host}'s login user ${spec.endpoint.user}: kplay keeps one ` +
      "connection per host; set ansible_user for the host, or use become_user"
    );
  }

  /** meta: reset_connection: the host's connection is closed; its next task opens a new one. */
  resetConnection(host: string): void {
    this.e.pool.drop(host);
  }

  /** Whether a text holds one of the run's known secret values. */
  holdsSecret(text: string): boolean {
    return this.e.opts.secrets?.holds(text) ?? false;
  }

  /**
   * The script wrapped to run detached in the step's run directory on the node (or as it is,
   * outside a step). The step attempt's id (per host) keeps another host's or an earlier
   * attempt's result (a task delegated to one node for many hosts, a step re-run) from being
   * re-attached.
   */
  detached(
    script: Sh,
    host: string,
    name: DetachName,
    io: { stream: boolean; stdin?: string | Buffer; guard?: Sh; delegate?: string },
  ): Sh {
    const step = this.e.opts.step;
    if (!step) return script;
    this.runDirHosts.add(host);
    if (io.delegate) this.runDirHosts.add(io.delegate);
    const attempt = step.journal.hostState(step.name, host)?.attempt ?? host;
    return detachedScript(
      runPath(step.runId, step.name, attempt),
      runName(name.taskId, name.index, name.attempt, name.seq),
      script,
      { stream: io.stream, stdinSum: io.stdin !== undefined ? sha256Hex(io.stdin) : undefined, guard: io.guard },
    );
  }

  /** Run on the host's connection; when the link drops, reconnect (with backoff) and re-attach. */
  async exec(target: ExecTarget, script: Sh, opts: ExecOptions): Promise<ExecResult> {
    const { host, delegate } = target;
    const name = delegate && delegate !== host ? delegate : host;
    const windowMs = this.reached.has(name) ? (this.e.opts.step?.reconnectWindowMs ?? 0) : 0;
    const retry = new Reconnect(host, windowMs);
    for (let lost = 0; ;) {
      try {
        const conn = await this.connection(target);
        this.reached.add(name);
        const r = await conn.exec(script, opts);
        if (r.rc !== LOST_RC || !r.stderr.includes(LOST_MARK)) return r;
        const why = r.stderr.replace(LOST_MARK, "").trim();
        if (++lost >= MAX_LOST) return { ...r, stderr: `${LOST_GIVE_UP} ${MAX_LOST} times${why ? `: ${why}` : ""}` };
        this.warn(`${host}: ${LOST_GIVE_UP}${why ? ` (${why})` : " (node restarted?)"}; running it again`);
      } catch (e) {
        if (!(e instanceof UnreachableError) || e.permanent) throw e;
        this.e.pool.drop(name);
        await retry.waitOrThrow(e, (m) => this.warn(m));
      }
    }
  }

  /** The connection a task uses on behalf of `host`: its own, or the delegate's. */
  private connection({ host, delegate, conn }: ExecTarget): Promise<Connection> {
    if (!delegate || delegate === host) return this.connect(host, conn);
    if (this.e.inv.hasHost(delegate)) return this.connect(delegate);
    const own = this.connectionVars(host);
    const local = delegate === "localhost" || delegate === "127.0.0.1";
    const vars = local ? { ansible_connection: "local" } : { ...own, ansible_host: delegate, ansible_port: 22 };
    return this.e.pool.get(connectionSpec(delegate, vars));
  }

  private warn(message: string): void {
    this.e.report.emit({ event: "warning", message });
  }
}

/** A command whose process vanishes without a result this many times in a row fails its task. */
const MAX_LOST = 3;
const LOST_GIVE_UP = "the command's process was gone without a result";

/** The reconnect window of one exec: back off, warn once, give up when the window is spent. */
class Reconnect {
  private readonly deadline: number;
  private readonly backoff = new Backoff({ firstMs: 500, maxMs: 5000 });
  private warned = false;

  constructor(
    private readonly host: string,
    private readonly windowMs: number,
  ) {
    this.deadline = Date.now() + windowMs;
  }

  async waitOrThrow(e: UnreachableError, warn: (message: string) => void): Promise<void> {
    const seconds = Math.round(this.windowMs / 1000);
    if (Date.now() + this.backoff.delayMs > this.deadline) {
      if (this.windowMs === 0) throw e;
      const msg = `${e.message}; gave up after ${seconds} s of reconnecting. Everything done so far is recorded`;
      throw new UnreachableError(this.host, msg, false, e);
    }
    if (!this.warned) warn(`${this.host}: ${e.message}; reconnecting for up to ${seconds} s`);
    this.warned = true;
    await this.backoff.wait();
  }
}
