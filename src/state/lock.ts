// Owns the state directory lock: one kplay per cluster, always. The lock file names its holder
// (PID, host, start time, command). It is created only by link(2) of a complete temporary file,
// so no reader ever sees it half written, and creation is atomic: of many processes exactly one
// gets it. A lock left by a dead process on this host is taken over, with a warning, under a
// second exclusive file (lock.takeover), so two processes can never both replace the same stale
// lock; the stale lock is removed only if it is still the one judged stale.
import { closeSync, linkSync, readFileSync, rmSync, statSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { ensureStateDir, openTempBeside, writeAll } from "./atomic.js";

interface Holder {
  pid: number;
  host: string;
  started: string;
  command: string;
}

/** A takeover file older than this was left by a process that died mid-takeover. */
const TAKEOVER_STALE_MS = 10_000;

export class StateLock {
  private constructor(readonly file: string) {}

  static acquire(dir: string, command: string, warn: (m: string) => void): StateLock {
    ensureStateDir(dir);
    const file = join(dir, "lock");
    const me: Holder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
    const { fd, tmp } = openTempBeside(file, 0o600);
    try {
      try {
        writeAll(fd, Buffer.from(JSON.stringify(me) + "\n"));
      } finally {
        closeSync(fd);
      }
      for (let attempt = 0; attempt < 50; attempt++) {
        if (tryLink(tmp, file)) return new StateLock(file);
        const seen = readText(file);
        if (seen === undefined) continue; // released meanwhile: try again
        const holder = parseHolder(seen);
        refuseLive(holder, me, dir, file);
        if (takeOver(dir, file, tmp, seen)) {
          warn(`taking over a stale lock${holder ? ` left by pid ${holder.pid} (started ${holder.started})` : ""}`);
          return new StateLock(file);
        }
        sleepMs(20 + Math.random() * 30);
      }
      throw new KplayError("state", `could not take the lock in ${dir}`);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  release(): void {
    const h = parseHolder(readText(this.file));
    if (h?.pid === process.pid && h.host === hostname()) rmSync(this.file, { force: true });
  }
}

/** The live holder (on this host, or any holder on another host) is an error naming it. */
function refuseLive(holder: Holder | undefined, me: Holder, dir: string, file: string): void {
  if (holder && holder.host !== me.host) {
    throw new KplayError(
      "busy",
      `the state directory ${dir} is locked by pid ${holder.pid} on another host, ${holder.host}, ` +
        `since ${holder.started}`,
      {
        hint: `if that run is gone, remove ${file}`,
      },
    );
  }
  if (holder && alive(holder.pid) && holder.pid !== process.pid) {
    throw new KplayError(
      "busy",
      `another kplay holds the state directory ${dir}: pid ${holder.pid} on ${holder.host}, ` +
        `started ${holder.started} (${holder.command})`,
      {
        hint: "wait for it to finish, or stop it",
      },
    );
  }
}

/** Replace the stale lock whose text is `stale`, serialised by lock.takeover. */
function takeOver(dir: string, file: string, tmp: string, stale: string): boolean {
  const gate = join(dir, "lock.takeover");
  if (!tryLink(tmp, gate)) {
    clearDeadGate(gate);
    return false;
  }
  try {
    if (readText(file) !== stale) return false; // someone else replaced it first
    unlinkSync(file);
    return tryLink(tmp, file);
  } finally {
    rmSync(gate, { force: true });
  }
}

function clearDeadGate(gate: string): void {
  try {
    const holder = parseHolder(readText(gate));
    const age = Date.now() - statSync(gate).mtimeMs;
    if (age > TAKEOVER_STALE_MS && (!holder || !alive(holder.pid))) rmSync(gate, { force: true });
  } catch {
    /* gone */
  }
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function parseHolder(text: string | undefined): Holder | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Holder;
  } catch {
    return undefined; // not a lock kplay wrote whole (an old version's torn one): stale
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

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
