// Owns what the journal learns from tasks and gives back on resume: the notify write-ahead
// before a notifying task runs, each host's finished task (with its result when registered and
// safe to keep), handlers run, and the restore of a finished task's result instead of running it.
import { findModule, type ModuleResult } from "../modules/index.js";
import { setModuleFacts, setVariables } from "./host-states.js";
import type { Task } from "../playbook/types.js";
import { bounded } from "../report/bounded.js";
import type { HostStatus } from "../report/index.js";
import type { Engine, Outcome, TaskRun } from "./context.js";

export class TaskJournal {
  constructor(private readonly e: Engine) {}

  /**
   * Write-ahead for `notify`: before a notifying task runs, the journal durably records that its
   * handlers may be due on each host that will run it. A kill after the task changed the node but
   * before its result was recorded then still runs the handler on resume (the re-run task would
   * report ok and notify nothing). Returns, per host, the handlers already pending beforehand, so
   * that a finished run that changed nothing withdraws only the intent it wrote.
   */
  notifyIntent(task: Task, targets: string[]): Map<string, Set<string>> | undefined {
    const step = this.e.opts.step;
    if (!step || task.notify.length === 0 || this.e.opts.check) return undefined;
    const before = new Map<string, Set<string>>();
    for (const h of targets) {
      if (step.journal.completedTask(step.name, h, task.id)) continue;
      const pending = new Set(step.journal.pendingHandlers(step.name, h));
      before.set(h, pending);
      for (const n of task.notify)
        if (!pending.has(n)) step.journal.write({ t: "notify", step: step.name, host: h, handler: n, intent: true });
    }
    step.journal.flush();
    return before;
  }

  /** A task the journal shows as finished on this host (resume): restore its result, do not run it. */
  restore(task: Task, host: string): Outcome[] | undefined {
    const step = this.e.opts.step;
    const rec = step?.journal.completedTask(step.name, host, task.id);
    if (!rec) return undefined;
    if (task.register && !rec.result) return undefined; // no_log result was not kept: run it again
    const s = this.e.hosts.get(host);
    if (task.register) setVariables(s, { [task.register]: rec.result }, { templates: false });
    const mod = findModule(task.module);
    const facts = mod?.setsNoFacts ? undefined : rec.result?.ansible_facts;
    const templates = !!mod?.factsAreTemplates;
    if (facts && typeof facts === "object") {
      if (templates || mod?.name === "set_fact") setVariables(s, facts as Record<string, unknown>, { templates });
      else setModuleFacts(s, facts as Record<string, unknown>);
    }
    const status = rec.status as HostStatus;
    const msg = `done in an earlier run (${rec.status} at ${rec.time})`;
    return [{ status: status === "changed" ? "ok" : status, result: { changed: false, resumed: true, msg } }];
  }

  /** Journal what a host finished (buffered; flushed once per task). Resumed tasks are already there. */
  record(t: TaskRun, host: string, outcomes: Outcome[], notifyBefore?: Set<string>): void {
    const step = this.e.opts.step;
    const { task } = t;
    if (!step || task.module === "setup" || outcomes.some((o) => o.result.resumed)) return;
    const j = step.journal;
    const status = aggregate(outcomes.map((o) => o.status));
    const changed = outcomes.some((o) => o.status === "changed");
    // The task finished and changed nothing: withdraw the notify intent written before it ran.
    // (Unreachable: the outcome is unknown, so the intent stays.)
    if (notifyBefore && !changed && status !== "unreachable") {
      for (const n of task.notify)
        if (!notifyBefore.has(n)) j.write({ t: "notify_cancel", step: step.name, host, handler: n });
    }
    if (status === "failed" || status === "unreachable") return;
    if (t.handler) {
      for (const name of [task.name, ...task.listen].filter((x): x is string => !!x))
        j.write({ t: "handler_done", step: step.name, host, handler: name });
      return;
    }
    if (changed)
      for (const n of task.notify)
        if (!j.pendingHandlers(step.name, host).includes(n))
          j.write({ t: "notify", step: step.name, host, handler: n });
    const result = this.kept(t, host, outcomes);
    j.write({ t: "task_done", step: step.name, task: task.id, host, status, result, time: new Date().toISOString() });
  }

  /** The result the journal keeps for resume: registered or facts only, bounded, never a secret. */
  private kept(t: TaskRun, host: string, outcomes: Outcome[]): Record<string, unknown> | undefined {
    const { task } = t;
    const result = task.register
      ? (this.e.hosts.get(host).registered[task.register] as Record<string, unknown>)
      : outcomes[outcomes.length - 1]?.result;
    const keep = t.noLog ? undefined : task.register || result?.ansible_facts ? slim(result) : undefined;
    // A result that holds a secret is not kept (the task runs again on resume instead).
    const secrets = this.e.opts.secrets;
    if (keep && secrets && JSON.stringify(secrets.value(keep)) !== JSON.stringify(keep)) return undefined;
    return keep;
  }
}

/** The one status a host's task came to over its loop items (the worst wins). */
export function aggregate(statuses: HostStatus[]): HostStatus {
  for (const s of ["unreachable", "failed", "ignored", "changed", "ok"] as HostStatus[])
    if (statuses.includes(s)) return s;
  return "skipped";
}

/** What the journal keeps of a result: at most 16 KiB of any string and 1,000 items of any list. */
function slim(r: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!r) return undefined;
  return JSON.stringify(r).length <= 64 * 1024
    ? r
    : (bounded(r, { maxString: 16 * 1024, maxItems: 1000 }) as Record<string, unknown>);
}

export function censored(r: ModuleResult): ModuleResult {
  return {
    changed: r.changed,
    failed: r.failed,
    skipped: r.skipped,
    ...(r.rc !== undefined ? { rc: r.rc } : {}),
    censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result",
  };
}
