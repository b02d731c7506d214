// Owns running one task on many hosts at once, bounded by --forks (p-queue): the task_start and
// task_end events, each host's result event (bounded, or censored for no_log), turning errors
// into failed/unreachable outcomes, the recap counts and the journal record per host.
import { forEachLimited } from "../concurrency.js";
import { ArgumentError, KplayError } from "../errors.js";
import type { ModuleResult } from "../modules/index.js";
import type { HostStatus } from "../report/index.js";
import { ExprError } from "../playbook/expr.js";
import { taskLabel } from "../playbook/types.js";
import { bounded } from "../report/bounded.js";
import { UnreachableError } from "../transport/index.js";
import type { Engine, Outcome, TaskRun } from "./context.js";
import { aggregate, censored, type TaskJournal } from "./task-journal.js";

export interface FanOutPlan {
  hosts: string[];
  /** Per host, the handlers pending before a notifying task ran (notify write-ahead). */
  notifyBefore?: Map<string, Set<string>>;
  /** The task's run on one host. */
  perHost(host: string): Promise<Outcome[]>;
}

/** How one host's run of a task ended. */
export interface HostRun {
  status: HostStatus;
  outcomes: Outcome[];
}

export class FanOut {
  constructor(
    private readonly e: Engine,
    private readonly journal: TaskJournal,
    /** The task's name as its banner shows it, rendered with the first host's variables. */
    private readonly titleOf: (t: TaskRun, host: string | undefined) => string,
  ) {}

  /** Runs the task on every planned host; returns each host's overall status and outcomes. */
  async run(t: TaskRun, plan: FanOutPlan): Promise<Map<string, HostRun>> {
    const t0 = Date.now();
    const title = this.titleOf(t, plan.hosts[0]);
    this.announce(t, plan.hosts, title);
    const statuses = new Map<string, HostRun>();
    const limit = Math.min(this.e.opts.forks, t.eff.throttle ?? Infinity);
    await forEachLimited(plan.hosts, limit, async (h) => {
      statuses.set(h, await this.runHost(t, plan, h));
    });
    this.e.opts.step?.journal.flush();
    this.e.report.emit({ event: "task_end", task: title, elapsed_ms: Date.now() - t0 });
    return statuses;
  }

  /** task_start once per task and play batch (a handler flushed twice is announced once). */
  private announce(t: TaskRun, targets: string[], label: string): void {
    const { run, task, handler } = t;
    const key = `${handler ? "h" : "t"}:${task.id}`;
    if (run.announced.has(key)) return;
    run.announced.add(key);
    const { file, line } = task.where;
    const hosts = targets.length;
    this.e.report.emit({ event: "task_start", play: run.play.name, task: label, handler, hosts, targets, file, line });
  }

  private async runHost(t: TaskRun, plan: FanOutPlan, h: string): Promise<HostRun> {
    const started = Date.now();
    let outcomes: Outcome[];
    try {
      outcomes = await plan.perHost(h);
    } catch (e) {
      const o = this.errorOutcome(h, e);
      // ignore_errors covers a task that could not even be built (an undefined variable), as in Ansible
      outcomes = [o.status === "failed" && t.eff.ignoreErrors ? { ...o, status: "ignored" } : o];
      // a task that failed before its module ran is registered too, as Ansible registers every
      // failure; so is an unreachable host's result (ignore_unreachable lets later tasks read it)
      if (t.task.register && (o.status === "failed" || o.status === "unreachable"))
        this.e.hosts.get(h).registered[t.task.register] = o.result;
    }
    const shownStatus = aggregate(outcomes.map((o) => o.status));
    // ignore_unreachable: shown unreachable, counted ok and ignored, the host stays (Ansible's strategy)
    const status = shownStatus === "unreachable" && t.eff.ignoreUnreachable ? "ignored" : shownStatus;
    // an include_role that runs shows nothing of its own (its role's tasks do), as in Ansible; a
    // looped one shows only its items skipped (and failed)
    const quiet = t.task.quietWhenOk === true && status === "ok";
    const shown = quiet && outcomes.length > 1 ? outcomes.filter((o) => o.status !== "ok") : quiet ? [] : outcomes;
    for (const o of shown) this.emitResult(t, h, o, Date.now() - started);
    // a module's warnings are shown as Ansible shows them (a no_log task's are censored with it)
    if (!t.noLog)
      for (const w of outcomes.flatMap((o) => (Array.isArray(o.result.warnings) ? o.result.warnings : [])))
        this.e.report.emit({ event: "warning", message: `${h}: ${String(w)}` });
    if (status === "failed" || status === "unreachable") {
      const failed = outcomes.find((o) => o.status === status)!.result;
      // a no_log task's failure is kept censored too (journal, `kplay status`, rescue's ansible_failed_result)
      this.e.hosts.get(h).lastFailure = { task: taskLabel(t.task), result: t.noLog ? censored(failed) : failed };
    }
    const changed = outcomes.some((o) => o.result.changed === true);
    const uncounted = quiet || (t.task.includeFailure === true && status === "failed");
    this.e.hosts.count(h, status, { changed, uncounted });
    this.journal.record(t, h, outcomes, plan.notifyBefore?.get(h));
    return { status, outcomes };
  }

  private emitResult(t: TaskRun, host: string, o: Outcome, elapsed: number): void {
    // events (console, --json, run.log) carry at most 1 MiB of any string: a slurped
    // gigabyte stays registered for later tasks, not printed
    const shown = t.noLog
      ? censored(o.result)
      : (bounded(o.result, { maxString: 1024 * 1024, maxItems: 20_000 }) as ModuleResult);
    this.e.report.emit({
      event: "host_result",
      task: taskLabel(t.task),
      module: o.module ?? t.task.module,
      host,
      status: o.status,
      elapsed_ms: elapsed,
      result: shown,
      item: o.item,
    });
  }

  private errorOutcome(host: string, e: unknown): Outcome {
    if (e instanceof UnreachableError) {
      this.e.pool.drop(host);
      return { status: "unreachable", result: { changed: false, unreachable: true, msg: e.message } };
    }
    if (e instanceof ArgumentError)
      return { status: "failed", result: { changed: false, failed: true, msg: e.message, task: e.location } };
    const msg =
      e instanceof KplayError
        ? e.describe()
        : e instanceof ExprError
          ? e.message
          : `internal error: ${(e as Error).message}`;
    return { status: "failed", result: { changed: false, failed: true, msg } };
  }
}
