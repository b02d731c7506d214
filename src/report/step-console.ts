// Owns the step-level console of the cluster commands (deploy-cluster, add-node, remove-node,
// remove-cluster): a line per step (or per play when a command has no steps) with per-host
// counts instead of ~300 lines of per-task output per node, every failure with its first line,
// a heartbeat naming host, task and elapsed time while a task runs longer than the heartbeat
// interval, and one summary across all steps at the end. On a TTY the heartbeat is one live line
// redrawn in place; otherwise plain lines, so logs and CI stay line-based. Secrets are masked.
import { Chalk } from "chalk";
import type { HostStatus, KplayEvent, Reporter } from "./events.js";
import type { Redactor } from "./redact.js";
import { hostList, stepLines } from "./steps-view.js";
import { terminalSafe } from "./terminal.js";

export interface StepConsoleOptions {
  /** How many hosts this run is for (a step's others count as "not applicable"). */
  runHosts: number;
  /** Where the full per-task log is (named in the summary). */
  logFile: string;
  out?: NodeJS.WriteStream;
  /** A task running longer than this gets a heartbeat line (then one per interval). */
  heartbeatMs?: number;
  now?: () => number;
}

interface RunningTask {
  task: string;
  started: number;
  pending: Set<string>;
  lastBeat: number;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;
// four names keep a heartbeat line short
const names = (hosts: string[]) => hostList(hosts, 4);

export class StepConsoleReporter implements Reporter {
  private readonly c: InstanceType<typeof Chalk>;
  private readonly out: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly heartbeatMs: number;
  private readonly now: () => number;
  private readonly t0: number;
  private running?: RunningTask;
  private timer?: NodeJS.Timeout;
  private live = false;
  /** Counts of the current step (or play), and of the whole command. */
  private step = newCounts();
  private total = newCounts();
  private stepHosts = 0;
  private stepFailed = new Set<string>();
  private steps = 0;
  private loggedPath = false;

  constructor(
    private readonly redact: Redactor,
    private readonly o: StepConsoleOptions,
  ) {
    this.out = o.out ?? process.stdout;
    this.tty = !!this.out.isTTY;
    this.c = new Chalk({ level: this.tty && !process.env.NO_COLOR ? 1 : 0 });
    this.heartbeatMs = o.heartbeatMs ?? 10_000;
    this.now = o.now ?? Date.now;
    this.t0 = this.now();
  }

  emit(raw: KplayEvent): void {
    const e = this.redact.value(raw);
    switch (e.event) {
      case "step_start":
        this.steps++;
        this.step = newCounts();
        this.stepHosts = e.hosts.length;
        this.stepFailed = new Set();
        return this.print(stepLines(e, this.c));
      case "step_skip":
      case "step_rerun":
        return this.print(stepLines(e, this.c));
      case "step_end":
        return this.print([this.stepEnd(e)]);
      case "steps_end":
        return this.print([...stepLines(e, this.c), ...this.summary(e.elapsed_ms)]);
      case "play_start":
        // plays are the phases of a command without steps (remove-node's procedure)
        if (this.steps === 0) this.print([this.c.bold.blue(`${e.play}: on ${names(e.hosts)}`)]);
        return;
      case "task_start":
        // the reset of remove-node/remove-cluster is a phase of its own, not a play
        if (this.steps === 0 && e.play === "revert")
          this.print([this.c.bold.blue(`${e.task}: on ${names(e.targets ?? [])}`)]);
        return this.taskStart(e.task, e.targets ?? []);
      case "host_result":
        return this.hostResult(e);
      case "task_end":
        this.running = undefined;
        return this.clearLive();
      case "warning":
        return this.print([this.c.magenta(`[WARNING]: ${e.message}`)]);
      case "recap":
        // a command without steps (remove-node) recaps each phase: counts since the last recap
        if (this.steps > 0) return;
        this.print(this.summary(e.elapsed_ms));
        this.total = newCounts();
        return;
    }
  }

  private stepEnd(e: Extract<KplayEvent, { event: "step_end" }>): string {
    const na = Math.max(0, this.o.runHosts - this.stepHosts);
    const counts = `done ${e.ok.length}, failed ${e.failed.length}, not applicable ${na}; ${this.step.changed} changed`;
    const line = `STEP ${e.index}/${e.total} ${e.step}: ${counts}, ${(e.elapsed_ms / 1000).toFixed(1)}s`;
    return e.failed.length ? this.c.red(line) : this.c.blue(line);
  }

  private taskStart(task: string, targets: string[]): void {
    const t = this.now();
    this.running = { task, started: t, pending: new Set(targets), lastBeat: t };
    // unref: the heartbeat never keeps the process alive
    this.timer ??= setInterval(() => this.beat(), Math.min(1000, this.heartbeatMs)).unref();
  }

  private hostResult(e: Extract<KplayEvent, { event: "host_result" }>): void {
    this.running?.pending.delete(e.host);
    for (const k of [this.step, this.total]) k[e.status]++;
    if (e.status !== "failed" && e.status !== "unreachable") return;
    this.stepFailed.add(e.host);
    const msg = String(e.result.msg ?? e.result.stderr ?? "")
      .split("\n")[0]
      .slice(0, 200);
    const what = e.status === "unreachable" ? "UNREACHABLE" : "FAILED";
    this.print([this.c.red(`  ${e.host}: ${what} at "${e.task}"${msg ? `: ${msg}` : ""}`)]);
  }

  /** The heartbeat: which task is still running where, and for how long. */
  private beat(): void {
    const r = this.running;
    if (!r) return;
    const t = this.now();
    const where = r.pending.size ? ` on ${names([...r.pending])}` : "";
    const line = `  … "${r.task}" still running${where} (${seconds(t - r.started)})`;
    if (this.tty) {
      // the step's live line: its hosts by state, and the task running now
      const failed = this.stepFailed.size;
      const na = Math.max(0, this.o.runHosts - this.stepHosts);
      const counts = `running ${Math.max(0, this.stepHosts - failed)}, failed ${failed}, not applicable ${na}`;
      const live = `  [${counts}] "${r.task}"${where} (${seconds(t - r.started)})`;
      this.out.write(`\r\x1b[2K${terminalSafe(this.c.dim(this.redact.text(live)))}`);
      this.live = true;
    } else if (t - r.lastBeat >= this.heartbeatMs) {
      r.lastBeat = t;
      this.print([line]);
    }
  }

  private summary(elapsedMs: number): string[] {
    const k = this.total;
    const hosts = this.o.runHosts;
    const steps = this.steps ? [`${this.steps} step(s)`] : [];
    const parts = [`${hosts} host(s)`, ...steps, `${k.changed} changed`, `${k.ok} ok`];
    if (k.failed + k.unreachable) parts.push(`${k.failed} failed`, `${k.unreachable} unreachable`);
    const log = this.c.dim(`full per-task log: ${this.o.logFile} (or run with -v for the per-task view)`);
    const first = !this.loggedPath;
    this.loggedPath = true;
    return [this.c.bold(`SUMMARY: ${parts.join(", ")}, ${(elapsedMs / 1000).toFixed(1)}s`), ...(first ? [log] : [])];
  }

  private clearLive(): void {
    if (!this.live) return;
    this.out.write("\r\x1b[2K");
    this.live = false;
  }

  private print(lines: string[]): void {
    this.clearLive();
    for (const l of lines) this.out.write(terminalSafe(this.redact.text(l)) + "\n");
  }
}

function newCounts(): Record<HostStatus, number> {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, ignored: 0 };
}
