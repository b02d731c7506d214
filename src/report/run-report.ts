// Owns `kplay report`: one command of the state directory's run log (the last, or the one named),
// read line by line (the log grows with every command; only the chosen one is kept in memory),
// turned into a model (per host: each task's status, start and end; steps with their times; the
// failures with their output), and shown as text or as one self-contained HTML page (inline CSS,
// no script, no network). Everything in the run log is already masked; so is all of this.
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { inputError } from "../errors.js";
import type { HostStatus } from "./events.js";
import type { RunLogRecord } from "./run-log.js";

export interface TaskSpan {
  host: string;
  task: string;
  step?: string;
  status: HostStatus;
  start: number;
  end: number;
  /** For failures: the message and the head of the output. */
  detail?: string;
}

export interface StepSpan {
  step: string;
  start: number;
  end?: number;
  failed: string[];
}

export interface RunReport {
  command: string;
  time: string;
  start: number;
  end: number;
  hosts: string[];
  tasks: TaskSpan[];
  steps: StepSpan[];
  ok: boolean;
}

export interface CommandEntry {
  index: number;
  command: string;
  time: string;
}

async function* records(file: string): AsyncGenerator<RunLogRecord> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as RunLogRecord;
    } catch {
      throw inputError(`line ${n} is not a JSON record`, { file, line: n });
    }
  }
}

/** The commands recorded in the run log, oldest first (a log written before commands were marked is one). */
export async function listCommands(file: string): Promise<CommandEntry[]> {
  if (!existsSync(file)) return [];
  const out: CommandEntry[] = [];
  for await (const r of records(file)) {
    if (r.event === "command_start") out.push({ index: out.length + 1, command: r.command, time: r.time });
    else if (out.length === 0) out.push({ index: 1, command: "(recorded before kplay marked commands)", time: "" });
  }
  return out;
}

/** The report of command `index` (1 = the oldest; default the last). */
export async function readReport(file: string, index?: number): Promise<RunReport> {
  const all = await listCommands(file);
  if (!all.length) throw inputError("no run recorded here yet", { file });
  const want = index ?? all.length;
  if (want < 1 || want > all.length) throw inputError(`no run ${want}: the log holds ${all.length}`, { file });
  const b = new ReportBuilder(all[want - 1]);
  let at = 0;
  for await (const r of records(file)) {
    if (r.event === "command_start" || at === 0) at++;
    if (at === want) b.add(r);
    else if (at > want) break;
  }
  return b.done();
}

class ReportBuilder {
  private readonly r: RunReport;
  private readonly hosts = new Set<string>();
  private step?: StepSpan;
  private last = 0;

  constructor(c: CommandEntry) {
    const t = c.time ? Date.parse(c.time) : 0;
    this.r = { command: c.command, time: c.time, start: t, end: t, hosts: [], tasks: [], steps: [], ok: true };
  }

  add(e: RunLogRecord): void {
    const t = e.t ?? this.last;
    this.last = t;
    if (!this.r.start) this.r.start = t;
    this.r.end = Math.max(this.r.end, t);
    if (e.event === "step_start") this.r.steps.push((this.step = { step: e.step, start: t, failed: [] }));
    if (e.event === "step_end" && this.step) Object.assign(this.step, { end: t, failed: e.failed });
    if (e.event === "play_start") e.hosts.forEach((h) => this.hosts.add(h));
    if (e.event === "recap" && !e.ok) this.r.ok = false;
    if (e.event !== "host_result") return;
    this.hosts.add(e.host);
    const span: TaskSpan = {
      host: e.host,
      task: e.task,
      step: this.step?.step,
      status: e.status,
      start: t - e.elapsed_ms,
      end: t,
    };
    if (e.status === "failed" || e.status === "unreachable") {
      const res = e.result;
      span.detail = [res.msg, res.stderr, res.stdout]
        .filter((x) => typeof x === "string" && x)
        .join("\n")
        .slice(0, 4000);
      this.r.ok = false;
    }
    this.r.tasks.push(span);
  }

  done(): RunReport {
    this.r.hosts = [...this.hosts].sort();
    return this.r;
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** The report as text: per host the tasks by status, time, and every failure's first line. */
export function reportText(r: RunReport): string {
  const out = [`${r.command}  (${r.time}, ${secs(r.end - r.start)}, ${r.ok ? "ok" : "FAILED"})`];
  for (const s of r.steps) {
    const failed = s.failed.length ? `, failed on ${s.failed.join(", ")}` : "";
    out.push(`  step ${s.step}: ${s.end ? secs(s.end - s.start) : "did not finish"}${failed}`);
  }
  for (const h of r.hosts) {
    const mine = r.tasks.filter((x) => x.host === h);
    const count = (st: HostStatus) => mine.filter((x) => x.status === st).length;
    out.push(
      `  ${h}: ${mine.length} task(s), ${count("changed")} changed, ${count("failed") + count("unreachable")} failed`,
    );
    for (const f of mine.filter((x) => x.detail !== undefined))
      out.push(`    FAILED "${f.task}"${f.step ? ` (${f.step})` : ""}: ${(f.detail ?? "").split("\n")[0]}`);
  }
  return out.join("\n");
}
