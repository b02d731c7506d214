// Owns privilege escalation and the one way a command is run on a channel: wrapping the script
// in `sh -c` (and `sudo` when becoming root), answering sudo's prompt with the password over stdin
// (never on the command line), then streaming the caller's stdin and collecting the result.
// A script that holds a secret (Sh.secret, or ExecOptions.sensitive) is not put on the command
// line at all: the command reads exactly its byte count from stdin and evaluates it, and the
// caller's stdin follows, so no process list on the node ever shows it.
import { BoundedOutput } from "./output.js";
import { randomBytes } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { joinSh, sh, type Sh } from "./sh.js";
import type { ExecOptions, ExecResult } from "./types.js";

/** What a transport gives us for one started command. */
export interface RawChannel {
  stdout: Readable;
  stderr: Readable;
  stdin: Writable;
  /** Resolves with (exit code, signal name) once the command is gone. */
  done: Promise<{ code: number | null; signal?: string }>;
  kill(): void;
}

export interface BecomeContext {
  loginUser: string;
  becomeUser: string;
  password?: string;
  /** sudo (the default) or su; su asks for the target user's password, sudo for the login user's */
  method?: "sudo" | "su";
}

export interface Wrapped {
  command: string;
  prompt?: string;
  marker?: string;
}

/** What runs in place of a secret script: read exactly `bytes` bytes of stdin and evaluate them. */
export function stdinReader(bytes: number): Sh {
  // GNU head -c reads no further than asked, so the rest of stdin stays for the script
  return sh`eval "$(head -c ${bytes})"`;
}

export function wrapCommand(script: Sh, become: BecomeContext | undefined): Wrapped {
  const plain = sh`/bin/sh -c ${script.text}`;
  if (!become || become.loginUser === become.becomeUser) return { command: plain.text };
  if (become.method === "su") return wrapSu(script, plain, become);
  const user = become.becomeUser;
  if (!become.password) return { command: sh`sudo -n -H -u ${user} -- ${plain}`.text };
  const gate = markedShell(script);
  const prompt = `[kplay-sudo-${gate.nonce}]`;
  return { command: sh`sudo -S -H -p ${prompt} -u ${user} -- ${gate.command}`.text, prompt, marker: gate.marker };
}

/**
 * `/bin/sh -c` that first prints a fresh marker on stderr, then runs the script (its $0): what
 * comes on stderr before the marker is the become tool's (its prompt), what follows the script's.
 */
function markedShell(script: Sh): { command: Sh; marker: string; nonce: string } {
  const nonce = randomBytes(8).toString("hex");
  const marker = `KPLAY-BECOME-OK-${nonce}`;
  const trampoline = sh`echo ${marker} >&2; exec /bin/sh -c "$0"`;
  return { command: sh`/bin/sh -c ${trampoline.text} ${script.text}`, marker, nonce };
}

/**
 * su: root needs no password; others answer su's PAM prompt (C locale, so it reads "Password: ")
 * on stdin, like sudo's. As Ansible's su, the user's login shell runs `/bin/sh -c …` (a user
 * without one cannot be become).
 */
function wrapSu(script: Sh, plain: Sh, become: BecomeContext): Wrapped {
  const user = become.becomeUser;
  if (!become.password || become.loginUser === "root") return { command: sh`su -c ${plain.text} -- ${user}`.text };
  const gate = markedShell(script);
  return {
    command: sh`LC_ALL=C su -c ${gate.command.text} -- ${user}`.text,
    prompt: "Password: ",
    marker: gate.marker,
  };
}

/** `export NAME=value` lines for the `environment` keyword (names checked, values quoted). */
function envExports(env: Record<string, string> | undefined): Sh {
  return joinSh(
    Object.entries(env ?? {}).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        throw new Error(`invalid environment variable name ${JSON.stringify(k)}`);
      return sh`export ${k}=${v}`;
    }),
  );
}

export async function runOnChannel(
  open: (command: string) => Promise<RawChannel>,
  script: Sh,
  opts: ExecOptions,
  become: BecomeContext | undefined,
): Promise<ExecResult> {
  const full = joinSh([envExports(opts.env), script]);
  const who = become && {
    ...become,
    becomeUser: opts.becomeUser ?? become.becomeUser,
    method: opts.becomeMethod ?? become.method,
  };
  const hidden = full.secret || !!opts.sensitive;
  const body = Buffer.from(full.text);
  const wrap = wrapCommand(hidden ? stdinReader(body.length) : full, opts.become ? who : undefined);
  const ch = await open(wrap.command);
  return new ChannelRun(ch, { opts, wrap, password: become?.password, script: hidden ? body : undefined }).result();
}

/** One command on an open channel: the sudo password exchange, input, bounded output, timeout, exit status. */
class ChannelRun {
  private readonly out: BoundedOutput;
  private readonly err: BoundedOutput;
  private failure?: string;
  private timedOut = false;
  /** Past the become wrapper's marker: stderr is the command's own. */
  private ready: boolean;
  private pending = "";
  private prompts = 0;

  constructor(
    private readonly ch: RawChannel,
    private readonly o: { opts: ExecOptions; wrap: Wrapped; password?: string; script?: Buffer },
  ) {
    this.out = new BoundedOutput(o.opts.outputLimit);
    this.err = new BoundedOutput(o.opts.outputLimit);
    this.ready = !o.wrap.marker;
    ch.stdout.on("data", (d: Buffer) => this.onStdout(d));
    ch.stderr.on("data", (d: Buffer) => this.onStderr(d));
    ch.stdin.on("error", () => undefined); // a command that exits without reading stdin is fine
    if (this.ready) this.sendInput();
  }

  /** The script (when it goes on stdin), then the command's own input. */
  private sendInput(): void {
    const { stdin } = this.o.opts;
    if (this.o.script) this.ch.stdin.write(this.o.script);
    if (stdin !== undefined && stdin.length > 0) this.ch.stdin.write(stdin);
    this.ch.stdin.end();
  }

  private onStdout(d: Buffer): void {
    const { opts } = this.o;
    if (opts.stdoutSink) opts.stdoutSink(d);
    else this.out.push(d);
    opts.onOutput?.("stdout", d.toString("utf8"));
  }

  private onStderr(d: Buffer): void {
    if (this.ready) {
      this.err.push(d);
      this.o.opts.onOutput?.("stderr", d.toString("utf8"));
      return;
    }
    // Before the marker: sudo's prompt (answered once; a second prompt means a wrong password)
    const { prompt, marker } = this.o.wrap;
    this.pending += d.toString("utf8");
    while (prompt && this.pending.includes(prompt)) {
      this.pending = this.pending.replace(prompt, "");
      if (++this.prompts > 1) {
        this.failure = "incorrect become password";
        this.ch.kill();
        return;
      }
      this.ch.stdin.write(this.o.password + "\n");
    }
    const at = this.pending.indexOf(marker! + "\n");
    if (at < 0) return;
    this.ready = true;
    const rest = this.pending.slice(at + marker!.length + 1);
    this.pending = "";
    if (rest) this.err.push(Buffer.from(rest));
    this.sendInput();
  }

  async result(): Promise<ExecResult> {
    const { timeoutMs } = this.o.opts;
    const kill = () => {
      this.timedOut = true;
      this.ch.kill();
    };
    const timer = timeoutMs ? setTimeout(kill, timeoutMs) : undefined;
    const { code, signal } = await this.ch.done;
    if (timer) clearTimeout(timer);
    let stderr = this.err.text();
    if (!this.ready && this.pending) stderr = this.pending.replace(/\n+$/, "\n") + stderr; // sudo's own complaint
    if (/sudo: a password is required/.test(stderr))
      this.failure = "sudo needs a password for this user: set ansible_become_password";
    let rc = code ?? (signal ? 128 + (SIGNALS[signal] ?? 1) : 255);
    if (this.timedOut) {
      rc = 124;
      this.failure = `command timed out after ${timeoutMs} ms`;
    }
    if (this.failure) {
      stderr = stderr ? `${this.failure}\n${stderr}` : this.failure;
      if (rc === 0) rc = 1;
    }
    const { out, err } = this;
    const cut = out.truncated || err.truncated;
    const truncated = cut
      ? { truncated: { stdout: out.truncated ? out.total : 0, stderr: err.truncated ? err.total : 0 } }
      : {};
    return { rc, stdout: out.text(), stderr, ...truncated };
  }
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, TERM: 15, PIPE: 13, SEGV: 11, ABRT: 6 };
