// Owns executing a validated playbook: plays in order, the linear strategy (every host finishes
// task N before task N+1 starts), fan-out bounded by --forks (p-queue), loops, conditions,
// register, changed_when/failed_when, ignore_errors, handlers at the end of each play, facts,
// and the per-host recap. It reports through events and never prints.
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import PQueue from "p-queue";
import { KplayError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { matchPattern } from "../inventory/index.js";
import { findModule, type ModuleContext, type ModuleResult } from "../modules/index.js";
import { evalCondition, ExprError } from "../playbook/expr.js";
import { taskLabel, type Play, type Playbook, type Task } from "../playbook/types.js";
import { emptyCounts, type HostStatus, type RecapCounts, type Reporter } from "../report/index.js";
import { renderValue } from "../template/render.js";
import { connectionSpec } from "../transport/spec.js";
import { UnreachableError, type Connection, type ConnectionPool } from "../transport/index.js";
import { gatherFacts } from "./facts.js";
import { magicVars, resolveVars, type Vars } from "./vars.js";

export interface RunOptions {
  forks: number;
  check: boolean;
  diff: boolean;
  extraVars: Vars;
  /** Hosts allowed by --limit (undefined = all). */
  limit?: Set<string>;
}

interface HostState {
  failed: boolean;
  unreachable: boolean;
  facts?: Vars;
  registered: Vars;
  counts: RecapCounts;
}

export interface RunSummary {
  ok: boolean;
  hosts: Record<string, RecapCounts>;
}

export class Runner {
  private hosts = new Map<string, HostState>();
  private started = Date.now();

  constructor(
    private readonly inv: Inventory,
    private readonly pool: ConnectionPool,
    private readonly opts: RunOptions,
    private readonly report: Reporter,
  ) {}

  private state(h: string): HostState {
    let s = this.hosts.get(h);
    if (!s) {
      s = { failed: false, unreachable: false, registered: {}, counts: emptyCounts() };
      this.hosts.set(h, s);
    }
    return s;
  }

  async runPlaybook(pb: Playbook): Promise<RunSummary> {
    this.report.emit({ event: "run_start", playbook: pb.file, check: this.opts.check, time: new Date().toISOString() });
    for (const play of pb.plays) await this.runPlay(pb, play);
    const hosts: Record<string, RecapCounts> = {};
    for (const [h, s] of this.hosts) hosts[h] = s.counts;
    const ok = [...this.hosts.values()].every((s) => !s.failed && !s.unreachable);
    this.report.emit({ event: "recap", hosts, elapsed_ms: Date.now() - this.started, ok });
    return { ok, hosts };
  }

  /** Hosts a play targets: its pattern, narrowed by --limit. */
  playHosts(play: Play): string[] {
    const m = matchPattern(this.inv, play.hosts);
    for (const u of m.unmatched) this.report.emit({ event: "warning", message: `could not match supplied host pattern, ignoring: ${u}` });
    return m.hosts.filter((h) => !this.opts.limit || this.opts.limit.has(h));
  }

  private async runPlay(pb: Playbook, play: Play): Promise<void> {
    const hosts = this.playHosts(play);
    this.report.emit({ event: "play_start", play: play.name, hosts });
    if (hosts.length === 0) {
      this.report.emit({ event: "warning", message: `play "${play.name}" matches no hosts` });
      return;
    }
    hosts.forEach((h) => this.state(h));
    const base = new Map<string, Vars>();
    for (const h of hosts) {
      const v = resolveVars({ ...this.inv.hostVars(h), ...play.vars, ...this.opts.extraVars }, { file: pb.file });
      base.set(h, { ...v, ...magicVars(this.inv, h, hosts, pb.dir) });
    }
    const ctx = (h: string, extra: Vars = {}): Vars => ({ ...base.get(h)!, ...(this.state(h).facts ?? {}), ...extra, ...this.state(h).registered, ...this.opts.extraVars });
    const active = () => hosts.filter((h) => !this.state(h).failed && !this.state(h).unreachable);

    if (play.gatherFacts) {
      const facts: Task = { name: "Gathering Facts", module: "setup", args: {}, ignoreErrors: false, loopVar: "item", notify: [], noLog: false, tags: [], vars: {}, where: play.where };
      await this.forEachHost(facts, active(), false, async (h, conn) => {
        const s = this.state(h);
        s.facts ??= await gatherFacts(conn);
        return { status: "ok", result: { changed: false } };
      });
    }

    const notified = new Map<string, Set<string>>(); // handler name -> hosts
    for (const task of play.tasks) {
      const targets = active();
      if (targets.length === 0) break;
      await this.forEachHost(task, targets, false, (h, conn) => this.runTaskOnHost(pb, play, task, h, conn, ctx, notified));
    }
    for (const handler of play.handlers) {
      const targets = active().filter((h) => notified.get(handler.name!)?.has(h));
      if (targets.length === 0) continue;
      await this.forEachHost(handler, targets, true, (h, conn) => this.runTaskOnHost(pb, play, handler, h, conn, ctx, notified));
    }
  }

  private async forEachHost(
    task: Task,
    hosts: string[],
    handler: boolean,
    fn: (host: string, conn: Connection) => Promise<{ status: HostStatus; result: ModuleResult; item?: unknown }[] | { status: HostStatus; result: ModuleResult }>,
  ): Promise<void> {
    const label = taskLabel(task);
    const t0 = Date.now();
    this.report.emit({ event: "task_start", play: "", task: label, handler, hosts: hosts.length, file: task.where.file, line: task.where.line });
    const q = new PQueue({ concurrency: Math.max(1, this.opts.forks) });
    for (const h of hosts) {
      q.add(async () => {
        const s = this.state(h);
        const started = Date.now();
        let outcome: { status: HostStatus; result: ModuleResult; item?: unknown }[];
        try {
          const conn = await this.pool.get(connectionSpec(h, this.inv.hostVars(h), this.inv.hasHost("bastion") ? this.inv.hostVars("bastion") : undefined));
          const r = await fn(h, conn);
          outcome = Array.isArray(r) ? r : [r];
        } catch (e) {
          if (e instanceof UnreachableError) {
            this.pool.drop(h);
            outcome = [{ status: "unreachable", result: { changed: false, unreachable: true, msg: e.message } }];
          } else if (e instanceof KplayError || e instanceof ExprError) {
            outcome = [{ status: "failed", result: { changed: false, failed: true, msg: e instanceof KplayError ? e.describe() : e.message } }];
          } else {
            outcome = [{ status: "failed", result: { changed: false, failed: true, msg: `internal error: ${(e as Error).message}` } }];
          }
        }
        for (const o of outcome) {
          this.report.emit({ event: "host_result", task: label, module: task.module, host: h, status: o.status, elapsed_ms: Date.now() - started, result: task.noLog ? censored(o.result) : o.result, item: o.item });
        }
        const final = outcome[outcome.length - 1];
        const status = outcome.length > 1 ? aggregate(outcome.map((o) => o.status)) : final.status;
        switch (status) {
          case "unreachable": s.unreachable = true; s.counts.unreachable++; break;
          case "failed": s.failed = true; s.counts.failed++; break;
          case "ignored": s.counts.ignored++; break;
          case "changed": s.counts.changed++; s.counts.ok++; break;
          case "skipped": s.counts.skipped++; break;
          default: s.counts.ok++;
        }
      });
    }
    await q.onIdle();
    this.report.emit({ event: "task_end", task: label, elapsed_ms: Date.now() - t0 });
  }

  private async runTaskOnHost(
    pb: Playbook,
    play: Play,
    task: Task,
    host: string,
    conn: Connection,
    ctx: (h: string, extra?: Vars) => Vars,
    notified: Map<string, Set<string>>,
  ): Promise<{ status: HostStatus; result: ModuleResult; item?: unknown }[]> {
    const taskVars = task.vars && Object.keys(task.vars).length ? (renderValue(task.vars, ctx(host), origin(task)) as Vars) : {};
    const vars = ctx(host, taskVars);
    let items: unknown[] | undefined;
    if (task.loop !== undefined) {
      const rendered = renderValue(task.loop, vars, { ...origin(task), field: "loop" });
      if (!Array.isArray(rendered)) throw new KplayError("input", `loop must be a list, got ${typeof rendered}`, { where: { ...task.where, field: "loop" } });
      items = rendered;
    }
    const outcomes: { status: HostStatus; result: ModuleResult; item?: unknown }[] = [];
    for (const item of items ?? [undefined]) {
      const v = items ? { ...vars, [task.loopVar]: item } : vars;
      outcomes.push({ ...(await this.runOnce(pb, play, task, host, conn, v)), item: items ? item : undefined });
    }
    const results = outcomes.map((o) => o.result);
    const agg: ModuleResult = items
      ? { changed: results.some((r) => r.changed), failed: results.some((r) => r.failed), skipped: results.every((r) => r.skipped), results, msg: results.some((r) => r.failed) ? "one or more items failed" : "all items completed" }
      : results[0];
    if (task.register) this.state(host).registered[task.register] = agg;
    const anyChanged = outcomes.some((o) => o.status === "changed");
    if (anyChanged) for (const n of task.notify) (notified.get(n) ?? notified.set(n, new Set()).get(n)!).add(host);
    return outcomes;
  }

  private async runOnce(pb: Playbook, play: Play, task: Task, host: string, conn: Connection, vars: Vars): Promise<{ status: HostStatus; result: ModuleResult }> {
    if (task.when !== undefined && !evalCondition(task.when, vars)) {
      return { status: "skipped", result: { changed: false, skipped: true, skip_reason: "Conditional result was False" } };
    }
    const mod = findModule(task.module)!;
    const rendered = renderValue(task.args, vars, origin(task)) as Record<string, unknown>;
    const parsed = mod.schema.safeParse(rendered);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new KplayError("input", `${task.module}: ${i.path.join(".") || "arguments"}: ${i.message}`, { where: task.where });
    }
    const become = task.become ?? play.become;
    const mctx: ModuleContext = {
      host,
      check: this.opts.check,
      diff: this.opts.diff,
      vars,
      exec: (script, o) => conn.exec(script, { become, stdin: o?.stdin }),
      readLocal: (p) => readLocal(pb.dir, p, task),
    };
    let result: ModuleResult;
    try {
      result = await mod.run(mctx, parsed.data);
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      result = { changed: false, failed: true, msg: e instanceof KplayError ? e.describe() : (e as Error).message };
    }
    if (task.register && (task.changedWhen !== undefined || task.failedWhen !== undefined)) vars = { ...vars, [task.register]: result };
    else vars = { ...vars, ...(task.register ? { [task.register]: result } : {}) };
    if (task.changedWhen !== undefined && !result.skipped) result = { ...result, changed: evalCondition(task.changedWhen, withResult(vars, result)) };
    if (task.failedWhen !== undefined && !result.skipped) result = { ...result, failed: evalCondition(task.failedWhen, withResult(vars, result)) };
    let status: HostStatus = result.failed ? "failed" : result.skipped ? "skipped" : result.changed ? "changed" : "ok";
    if (status === "failed" && task.ignoreErrors) status = "ignored";
    return { status, result };
  }

  summary(): Record<string, RecapCounts> {
    return Object.fromEntries([...this.hosts].map(([h, s]) => [h, s.counts]));
  }
}

/** changed_when/failed_when may use the result's fields directly (rc, stdout…) or the register name. */
function withResult(vars: Vars, result: ModuleResult): Vars {
  return { ...vars, ...result };
}

function aggregate(statuses: HostStatus[]): HostStatus {
  for (const s of ["unreachable", "failed", "ignored", "changed", "ok"] as HostStatus[]) if (statuses.includes(s)) return s;
  return "skipped";
}

function censored(r: ModuleResult): ModuleResult {
  return { changed: r.changed, failed: r.failed, skipped: r.skipped, censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result" };
}

function origin(task: Task) {
  return { file: task.where.file, line: task.where.line, field: task.where.field };
}

/** Ansible's lookup for src: files/ beside the playbook, then the playbook's own directory. */
function readLocal(dir: string, p: string, task: Task): Buffer {
  const candidates = isAbsolute(p) ? [p] : [join(dir, "files", p), join(dir, "templates", p), join(dir, p)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new KplayError("input", `source file ${p} not found (looked in ${candidates.join(", ")})`, { where: task.where });
  return readFileSync(found);
}
