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
  const user = become.becomeUser;
  if (!become.password) return { command: sh`sudo -n -H -u ${user} -- ${plain}`.text };
  const nonce = randomBytes(8).toString("hex");
  const prompt = `[kplay-sudo-${nonce}]`;
  const marker = `KPLAY-BECOME-OK-${nonce}`;
  const trampoline = sh`echo ${marker} >&2; exec /bin/sh -c "$0"`;
  return {
    command: sh`sudo -S -H -p ${prompt} -u ${user} -- /bin/sh -c ${trampoline.text} ${script.text}`.text,
    prompt,
    marker,
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
  const who = become && opts.becomeUser ? { ...become, becomeUser: opts.becomeUser } : become;
  const hidden = full.secret || !!opts.sensitive;
  const body = Buffer.from(full.text);
  const w = wrapCommand(hidden ? stdinReader(body.length) : full, opts.become ? who : undefined);
  const ch = await open(w.command);
  const out = new BoundedOutput(opts.outputLimit);
  const err = new BoundedOutput(opts.outputLimit);
  let failure: string | undefined;
  let timedOut = false;
  let ready = !w.marker;
  let pending = "";
  let prompts = 0;

  const sendInput = () => {
    if (hidden) ch.stdin.write(body);
    if (opts.stdin !== undefined && opts.stdin.length > 0) ch.stdin.write(opts.stdin);
    ch.stdin.end();
  };

  ch.stdout.on("data", (d: Buffer) => {
    if (opts.stdoutSink) opts.stdoutSink(d);
    else out.push(d);
    opts.onOutput?.("stdout", d.toString("utf8"));
  });
  ch.stderr.on("data", (d: Buffer) => {
    if (ready) {
      err.push(d);
      opts.onOutput?.("stderr", d.toString("utf8"));
      return;
    }
    pending += d.toString("utf8");
    while (w.prompt && pending.includes(w.prompt)) {
      pending = pending.replace(w.prompt, "");
      prompts++;
      if (prompts === 1) ch.stdin.write(become!.password + "\n");
      else {
        failure = "sudo: incorrect become password";
        ch.kill();
        return;
      }
    }
    const at = pending.indexOf(w.marker! + "\n");
    if (at >= 0) {
      ready = true;
      const rest = pending.slice(at + w.marker!.length + 1);
      pending = "";
      if (rest) err.push(Buffer.from(rest));
      sendInput();
    }
  });
  ch.stdin.on("error", () => undefined); // a command that exits without reading stdin is fine

  if (ready) sendInput();
  const timer = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        ch.kill();
      }, opts.timeoutMs)
    : undefined;
  const { code, signal } = await ch.done;
  if (timer) clearTimeout(timer);

  let stderr = err.text();
  if (!ready && pending) stderr = pending.replace(/\n+$/, "\n") + stderr; // sudo's own complaint
  if (/sudo: a password is required/.test(stderr))
    failure = "sudo needs a password for this user: set ansible_become_password";
  let rc = code ?? (signal ? 128 + (SIGNALS[signal] ?? 1) : 255);
  if (timedOut) {
    rc = 124;
    failure = `command timed out after ${opts.timeoutMs} ms`;
  }
  if (failure) {
    stderr = stderr ? `${failure}\n${stderr}` : failure;
    if (rc === 0) rc = 1;
  }
  const truncated =
    out.truncated || err.truncated
      ? { truncated: { stdout: out.truncated ? out.total : 0, stderr: err.truncated ? err.total : 0 } }
      : {};
  return { rc, stdout: out.text(), stderr, ...truncated };
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, TERM: 15, PIPE: 13, SEGV: 11, ABRT: 6 };
