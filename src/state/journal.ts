// Owns the run journal: an append-only JSON-lines file in the state directory recording, per
// step and host, the tasks completed (with registered results unless no_log), notified and run
// handlers (a notifying task first writes its intent, withdrawn when it changed nothing), failures
// and completed steps. Each line carries a checksum. A torn last record (kill -9 mid-write) is
// reported and, by a command that holds the lock, cut off; a bad record anywhere before the last
// is corruption: an input error naming the line, and nothing runs (kplay never guesses what was
// done). Opened read-only (status), the journal is never written, truncated or rotated.
// Each run-set (an ordered list of steps: the cluster's, or one `kplay run A B C`) has its own
// journal, so one run-set never erases another's progress. Derived views answer "is this step
// done on this host", "which tasks finished", "which handlers are pending".
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { DurableAppender } from "./atomic.js";

export type JournalRecord =
  | { t: "run"; run: string; steps: string[]; time: string; label?: string }
  | { t: "step_reset"; step: string; host: string; fp: string; reason: string; attempt?: string }
  | {
      t: "task_done";
      step: string;
      task: string;
      host: string;
      status: string;
      result?: Record<string, unknown>;
      time: string;
    }
  | { t: "notify"; step: string; host: string; handler: string; intent?: boolean }
  | { t: "notify_cancel"; step: string; host: string; handler: string }
  | { t: "handler_done"; step: string; host: string; handler: string }
  | { t: "host_step_done"; step: string; host: string; fp: string; files: string; vars: string; time: string }
  | { t: "host_failed"; step: string; host: string; task: string; msg: string; unreachable: boolean; time: string }
  | { t: "forget"; host: string; time: string }
  /** Which hosts each step applies to (its plays' hosts in the inventory), written when a run starts. */
  | { t: "plan"; targets: Record<string, string[]> };

interface HostStep {
  /** Fingerprint the current attempt of this step started with (partial work counts only under it). */
  startFp?: string;
  /** Random id of the current attempt: run directories on nodes are named by it, so a later
   * attempt (or another host delegating to the same node) never re-attaches to an old result. */
  attempt?: string;
  done?: { fp: string; files: string; vars: string; time: string };
  tasks: Map<string, Extract<JournalRecord, { t: "task_done" }>>;
  notified: Set<string>;
  failed?: Extract<JournalRecord, { t: "host_failed" }>;
  started: boolean;
}

const crc = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 12);

export class Journal {
  readonly file: string;
  runId = "";
  steps: string[] = [];
  /** step -> host -> state */
  private view = new Map<string, Map<string, HostStep>>();
  /** step -> the hosts it applies to, as last planned (absent in journals written before plans). */
  private targets = new Map<string, Set<string>>();
  private out?: DurableAppender;
  private pending: string[] = [];
  /** Set when a torn or corrupt tail was cut off on load: its size, and how many whole records precede it. */
  droppedTail?: { bytes: number; line: number };

  /** The command that last started or resumed this run-set (shown by status). */
  label?: string;
  private readonly readOnly: boolean;

  constructor(
    readonly dir: string,
    opts: { readOnly?: boolean } = {},
  ) {
    this.file = join(dir, "journal.jsonl");
    this.readOnly = !!opts.readOnly;
    this.load();
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    let buf: Buffer;
    try {
      buf = readFileSync(this.file);
    } catch (e) {
      // a read error (a directory where the journal belongs) names the journal, as an open error does
      (e as NodeJS.ErrnoException).path ??= this.file;
      throw e;
    }
    let offset = 0;
    let lineNo = 0;
    let good = 0;
    while (offset < buf.length) {
      const nl = buf.indexOf(0x0a, offset);
      if (nl < 0) break; // a line without its newline was torn mid-write
      const line = buf.subarray(offset, nl).toString("utf8");
      lineNo++;
      const tab = line.lastIndexOf("\t");
      let rec: JournalRecord | undefined;
      if (tab > 0 && crc(line.slice(0, tab)) === line.slice(tab + 1)) {
        try {
          rec = JSON.parse(line.slice(0, tab)) as JournalRecord;
        } catch {
          rec = undefined;
        }
      }
      if (rec && !wellFormed(rec))
        throw this.corrupt(lineNo, "has a valid checksum but not the shape of a kplay record");
      if (!rec) {
        // the last record may be torn by a kill mid-write; a bad one with records after it is corruption
        if (buf.indexOf(0x0a, nl + 1) >= 0 || (nl + 1 < buf.length && buf.subarray(nl + 1).some((b) => b !== 0))) {
          throw this.corrupt(lineNo, "is corrupt (its checksum does not match) and records follow it");
        }
        break;
      }
      this.apply(rec);
      offset = nl + 1;
      good = lineNo;
    }
    if (offset < buf.length) {
      this.droppedTail = { bytes: buf.length - offset, line: good };
      if (!this.readOnly) truncateSync(this.file, offset);
    }
  }

  /** A record that cannot be trusted, with records after it: an error naming the journal and the line. */
  private corrupt(lineNo: number, why: string): KplayError {
    return new KplayError("input", `record ${lineNo} ${why}: kplay will not guess what was done`, {
      where: { file: this.file, line: lineNo },
      hint: "restore the file from a backup, or move it aside (kplay state reset) to start over",
    });
  }

  private hs(step: string, host: string): HostStep {
    let s = this.view.get(step);
    if (!s) this.view.set(step, (s = new Map()));
    let h = s.get(host);
    if (!h) s.set(host, (h = { tasks: new Map(), notified: new Set(), started: false }));
    return h;
  }

  private apply(r: JournalRecord): void {
    switch (r.t) {
      case "run":
        this.runId = r.run;
        this.steps = r.steps;
        this.label = r.label ?? this.label;
        break;
      case "step_reset": {
        const h = this.hs(r.step, r.host);
        h.startFp = r.fp;
        h.attempt = r.attempt;
        h.done = undefined;
        h.tasks.clear();
        h.notified.clear();
        h.failed = undefined;
        break;
      }
      case "task_done": {
        const h = this.hs(r.step, r.host);
        h.tasks.set(r.task, r);
        h.started = true;
        break;
      }
      case "notify":
        this.hs(r.step, r.host).notified.add(r.handler);
        break;
      case "handler_done":
      case "notify_cancel":
        this.hs(r.step, r.host).notified.delete(r.handler);
        break;
      case "host_step_done": {
        const h = this.hs(r.step, r.host);
        h.done = { fp: r.fp, files: r.files, vars: r.vars, time: r.time };
        h.tasks.clear();
        h.notified.clear();
        h.failed = undefined;
        break;
      }
      case "host_failed":
        this.hs(r.step, r.host).failed = r;
        break;
      case "forget":
        for (const hosts of this.view.values()) hosts.delete(r.host);
        for (const hosts of this.targets.values()) hosts.delete(r.host);
        break;
      case "plan":
        for (const [step, hosts] of Object.entries(r.targets)) this.targets.set(step, new Set(hosts));
        break;
    }
  }

  /** Record (buffered until flush, except the records that must survive a crash at once). */
  write(r: JournalRecord, durable = false): void {
    if (this.readOnly) throw new Error("journal opened read-only");
    this.apply(r);
    const json = JSON.stringify(r);
    this.pending.push(`${json}\t${crc(json)}`);
    if (durable) this.flush();
  }

  /** Append buffered records with one fsync (group commit). */
  flush(): void {
    if (this.pending.length === 0) return;
    this.out ??= new DurableAppender(this.file);
    this.out.append(this.pending.join("\n") + "\n");
    this.pending = [];
  }

  /** Start a new run: the old journal is kept beside it as journal-<time>.jsonl. */
  startRun(steps: string[], label?: string): void {
    this.flush();
    this.out?.close();
    this.out = undefined;
    if (existsSync(this.file))
      renameSync(this.file, join(this.dir, `journal-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`));
    this.view.clear();
    this.targets.clear();
    this.write(
      {
        t: "run",
        run: randomBytes(6).toString("hex"),
        steps,
        time: new Date().toISOString(),
        ...(label ? { label } : {}),
      },
      true,
    );
  }

  /** Continue the recorded run (or start one when there is none). */
  resumeRun(steps: string[], label?: string): void {
    if (!this.runId) return this.startRun(steps, label);
    this.write({ t: "run", run: this.runId, steps, time: new Date().toISOString(), ...(label ? { label } : {}) }, true);
  }

  stepDone(step: string, host: string): HostStep["done"] {
    return this.view.get(step)?.get(host)?.done;
  }

  completedTask(step: string, host: string, task: string) {
    return this.view.get(step)?.get(host)?.tasks.get(task);
  }

  pendingHandlers(step: string, host: string): string[] {
    return [...(this.view.get(step)?.get(host)?.notified ?? [])];
  }

  hostState(step: string, host: string): HostStep | undefined {
    return this.view.get(step)?.get(host);
  }

  /** Forget everything recorded for a host (it left the cluster: remove-node). */
  forgetHost(host: string): void {
    this.write({ t: "forget", host, time: new Date().toISOString() }, true);
  }

  /** The hosts a step applies to, or undefined when no run recorded its plan. */
  stepTargets(step: string): ReadonlySet<string> | undefined {
    return this.targets.get(step);
  }

  knownSteps(): string[] {
    return [...new Set([...this.steps, ...this.view.keys()])];
  }

  close(): void {
    this.flush();
    this.out?.close();
  }
}

/** The text fields each kind of record needs (a record written by kplay always has them). */
const REQUIRED: Record<JournalRecord["t"], string[]> = {
  run: ["run"],
  step_reset: ["step", "host", "fp"],
  task_done: ["step", "task", "host", "status"],
  notify: ["step", "host", "handler"],
  notify_cancel: ["step", "host", "handler"],
  handler_done: ["step", "host", "handler"],
  host_step_done: ["step", "host", "fp"],
  host_failed: ["step", "host"],
  forget: ["host"],
  plan: [],
};

/** A parsed record of a kind kplay writes, with the fields that kind needs. */
function wellFormed(rec: unknown): rec is JournalRecord {
  if (!rec || typeof rec !== "object" || Array.isArray(rec)) return false;
  const r = rec as Record<string, unknown>;
  const need =
    typeof r.t === "string" && Object.hasOwn(REQUIRED, r.t) ? REQUIRED[r.t as JournalRecord["t"]] : undefined;
  if (!need || !need.every((k) => typeof r[k] === "string")) return false;
  if (r.t === "run") return Array.isArray(r.steps);
  if (r.t === "plan") return !!r.targets && typeof r.targets === "object";
  return true;
}
