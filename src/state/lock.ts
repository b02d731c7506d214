// Owns the state directory lock: one kplay per cluster. The lock file names its holder (PID,
// host, start time); a lock left by a dead process on this host is taken over with a warning.
import { ensureStateDir } from "./atomic.js";
import { readFileSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { KplayError } from "../errors.js";

interface Holder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export class StateLock {
  private constructor(readonly file: string) {}

  static acquire(dir: string, command: string, warn: (m: string) => void): StateLock {
    ensureStateDir(dir);
    const file = join(dir, "lock");
    const me: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(me) + "\n", { flag: "wx", mode: 0o600 });
        return new StateLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      let holder: Holder | undefined;
      try {
        holder = JSON.parse(readFileSync(file, "utf8")) as Holder;
      } catch {
        holder = undefined; // unreadable lock (killed while writing it): stale
      }
      if (holder && holder.host === me.host && alive(holder.pid) && holder.pid !== process.pid) {
        throw new KplayError("state", `another kplay holds the state directory ${dir}: pid ${holder.pid} on ${holder.host}, started ${holder.started} (${holder.command})`, {
          hint: "wait for it to finish, or stop it",
        });
      }
      if (holder && holder.host !== me.host) {
        throw new KplayError("state", `the state directory ${dir} is locked by pid ${holder.pid} on another host, ${holder.host}, since ${holder.started}`, {
          hint: `if that run is gone, remove ${file}`,
        });
      }
      warn(`taking over a stale lock${holder ? ` left by pid ${holder.pid} (started ${holder.started})` : ""}`);
      // Replace atomically so two takers cannot both win.
      const tmp = `${file}.${process.pid}`;
      writeFileSync(tmp, JSON.stringify(me) + "\n", { mode: 0o600 });
      renameSync(tmp, file);
      const now = JSON.parse(readFileSync(file, "utf8")) as Holder;
      if (now.pid === process.pid) return new StateLock(file);
    }
    throw new KplayError("state", `could not take the lock in ${dir}`);
  }

  release(): void {
    try {
      const h = JSON.parse(readFileSync(this.file, "utf8")) as Holder;
      if (h.pid === process.pid) rmSync(this.file, { force: true });
    } catch {
      /* gone already */
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
