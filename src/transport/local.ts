// Owns the `local` connection: running tasks on the controller itself (ansible_connection: local),
// through the same wrapping and sudo handling as SSH.
import { spawn } from "node:child_process";
import { userInfo } from "node:os";
import type { Sh } from "./sh.js";
import { runOnChannel, type BecomeContext, type RawChannel } from "./become.js";
import type { Connection, ExecOptions, ExecResult } from "./types.js";

export class LocalConnection implements Connection {
  private become: BecomeContext;

  constructor(
    readonly host: string,
    become: { user?: string; password?: string; method?: "sudo" | "su" } = {},
  ) {
    const { user = "root", password, method } = become;
    this.become = { loginUser: userInfo().username, becomeUser: user, password, method };
  }

  exec(script: Sh, opts: ExecOptions = {}): Promise<ExecResult> {
    return runOnChannel((command) => Promise.resolve(spawnChannel(command)), script, opts, this.become);
  }

  close(): void {}
}

function spawnChannel(command: string): RawChannel {
  const child = spawn("/bin/sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"], detached: true });
  const done = new Promise<{ code: number | null; signal?: string }>((resolve) => {
    child.on("error", () => resolve({ code: 127 }));
    child.on("close", (code, signal) => resolve({ code, signal: signal?.replace(/^SIG/, "") }));
  });
  return {
    stdout: child.stdout!,
    stderr: child.stderr!,
    stdin: child.stdin!,
    done,
    kill: () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    },
  };
}
