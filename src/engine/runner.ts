// Owns executing a validated playbook: plays in order; serial batches; the linear strategy (every
// host finishes a task before the next starts) and the free one (each host runs ahead on its own);
// fan-out bounded by --forks (p-queue); blocks with rescue/always; inherited keywords; tags and
// --start-at-task; loops, conditions, retries/until, register, set_fact, delegate_to, run_once;
// handlers flushed after each section and on meta: flush_handlers; any_errors_fatal and
// max_fail_percentage; and the per-host recap. It reports through events and never prints.
import { Backoff } from "../backoff.js";
import { bounded } from "../report/bounded.js";
import { OUTPUT_LIMIT } from "../transport/output.js";
import { readFileSync } from "node:fs";
import PQueue from "p-queue";
import { KplayError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { matchPattern } from "../inventory/index.js";
import { findModule, type ModuleContext, type ModuleResult } from "../modules/index.js";
import { evalCondition, ExprError } from "../playbook/expr.js";
import {
  taskLabel,
  type Block,
  type Inheritable,
  type Node,
  type Play,
  type Playbook,
  type Task,
} from "../playbook/types.js";
import { emptyCounts, type HostStatus, type RecapCounts, type Reporter } from "../report/index.js";
import { renderTemplate, renderValue } from "../template/render.js";
import { connectionSpec } from "../transport/spec.js";
import {
  UnreachableError,
  type Connection,
  type ConnectionPool,
  type ExecOptions,
  type ExecResult,
} from "../transport/index.js";
import type { Journal } from "../state/journal.js";
import { recordScript } from "../modules/undo.js";
import { findSource, sourceCandidates } from "../playbook/paths.js";
import { detachedScript, LOST_MARK, LOST_RC, runName, runPath } from "../transport/detach.js";
import { sha256Hex } from "../hash.js";
import type { Sh } from "../transport/sh.js";
import { gatherFacts } from "./facts.js";
import type { FactCache } from "../state/facts.js";
import { magicVars, resolveVars, sharedMagic, type Vars } from "./vars.js";
import { withData, withTemplateNames } from "../playbook/data.js";

export interface RunOptions {
  forks: number;
  check: boolean;
  diff: boolean;
  extraVars: Vars;
  /** Hosts allowed by --limit (undefined = all). */
  limit?: Set<string>;
  tags?: string[];
  skipTags?: string[];
  startAtTask?: string;
  verbosity?: number;
  /** The step this playbook is, with its journal (resume) and run id (run directories on nodes). */
  step?: StepRun;
  /**
   * The run's secrets: play vars, vars_files and set_fact values named like secrets join it; a
   * result holding one is not kept in the journal.
   */
  secrets?: { addVars(vars: Record<string, unknown>): void; holds(text: string): boolean; value<T>(v: T): T };
  /** Facts gathered are kept here; hostvars of a host not reached in this run come from it. */
  factCache?: FactCache;
}

export interface StepRun {
  name: string;
  runId: string;
  journal: Journal;
  /** How long to keep reconnecting to a host whose link dropped, before giving up on it. */
  reconnectWindowMs: number;
}

interface HostState {
  failed: boolean;
  unreachable: boolean;
  facts?: Vars;
  /** Registered results and set_fact values (above play vars, below extra vars). */
  registered: Vars;
  /** Handler names/topics notified and not yet run. */
  notified: Set<string>;
  /** The last failure, for ansible_failed_task / ansible_failed_result in rescue. */
  lastFailure?: { task: string; result: ModuleResult };
  counts: RecapCounts;
}

interface Outcome {
  status: HostStatus;
  result: ModuleResult;
  item?: unknown;
}

/** What one play batch shares while it runs. */
interface PlayRun {
  pb: Playbook;
  play: Play;
  batch: string[];
  base: Map<string, Vars>;
  started: boolean;
  announced: Set<string>;
  blockDepth: number;
}

export interface RunSummary {
  ok: boolean;
  hosts: Record<string, RecapCounts>;
}

export class Runner {
  private hosts = new Map<string, HostState>();
  /** Hosts this run has reached: only for them does a dropped link mean "reconnect and re-attach". */
  private reached = new Set<string>();
  private started = Date.now();
  private aborted = false;
  private hostvarsCache?: Record<string, Vars>;

  constructor(
    private readonly inv: Inventory,
    private readonly pool: ConnectionPool,
    private readonly opts: RunOptions,
    private readonly report: Reporter,
  ) {}

  private state(h: string): HostState {
    let s = this.hosts.get(h);
    if (!s) {
      s = { failed: false, unreachable: false, registered: {}, notified: new Set(), counts: emptyCounts() };
      this.hosts.set(h, s);
    }
    return s;
  }

  private active(h: string): boolean {
    const s = this.state(h);
    return !s.failed && !s.unreachable;
  }

  async runPlaybook(pb: Playbook): Promise<RunSummary> {
    this.report.emit({ event: "run_start", playbook: pb.file, check: this.opts.check, time: new Date().toISOString() });
    for (const play of pb.plays) {
      this.aborted = false;
      await this.runPlay(pb, play);
    }
    const hosts: Record<string, RecapCounts> = {};
    for (const [h, s] of this.hosts) hosts[h] = s.counts;
    const ok = [...this.hosts.values()].every((s) => !s.failed && !s.unreachable);
    this.report.emit({ event: "recap", hosts, elapsed_ms: Date.now() - this.started, ok });
    return { ok, hosts };
  }

  /** Hosts a play targets: its pattern, narrowed by --limit. */
  playHosts(play: Play): string[] {
    const m = matchPattern(this.inv, play.hosts);
    for (const u of m.unmatched)
      this.report.emit({ event: "warning", message: `could not match supplied host pattern, ignoring: ${u}` });
    return m.hosts.filter((h) => !this.opts.limit || this.opts.limit.has(h));
  }

  private async runPlay(pb: Playbook, play: Play): Promise<void> {
    const hosts = this.playHosts(play).filter((h) => this.active(h));
    this.report.emit({ event: "play_start", play: play.name, hosts });
    if (hosts.length === 0) {
      this.report.emit({ event: "warning", message: `play "${play.name}" matches no hosts` });
      return;
    }
    const base = new Map<string, Vars>();
    const shared = sharedMagic(this.inv, hosts, pb.dir);
    for (const h of hosts) {
      this.state(h);
      const magic = magicVars(this.inv, h, shared);
      const v = resolveVars(
        { ...this.inv.hostVars(h), ...play.vars, ...this.opts.extraVars, ...magic },
        { file: pb.file },
      );
      base.set(h, { ...v, ...magic });
      // play vars and vars_files named like secrets (inventory and -e were collected before the run)
      const playSecrets: Vars = {};
      for (const k of Object.keys(play.vars)) playSecrets[k] = v[k];
      this.opts.secrets?.addVars(playSecrets);
    }
    const step = this.opts.step;
    if (step)
      for (const h of hosts) step.journal.pendingHandlers(step.name, h).forEach((n) => this.state(h).notified.add(n));
    for (const batch of serialBatches(hosts, play.serial)) {
      if (this.aborted) break;
      const run: PlayRun = {
        pb,
        play,
        batch,
        base,
        started: !this.opts.startAtTask,
        announced: new Set(),
        blockDepth: 0,
      };
      if (play.gatherFacts) await this.gather(run);
      if (play.strategy === "free") {
        const q = new PQueue({ concurrency: Math.max(1, this.opts.forks) });
        for (const h of batch) q.add(() => this.runSections({ ...run, started: run.started }, [h]));
        await q.onIdle();
      } else {
        await this.runSections(run, batch);
      }
    }
  }

  private async gather(run: PlayRun): Promise<void> {
    const task: Task = {
      kind: "task",
      id: `${run.play.index}/facts`,
      name: "Gathering Facts",
      module: "setup",
      args: {},
      when: [],
      tags: ["always"],
      vars: {},
      loopVar: "item",
      notify: [],
      listen: [],
      where: run.play.where,
    };
    const need = run.batch.filter((h) => this.active(h) && !this.state(h).facts);
    if (need.length === 0) return;
    await this.fanOut(run, task, need, false, false, undefined, async (h) => {
      const conn = await this.connect(h);
      const facts = await gatherFacts(conn);
      this.state(h).facts = facts;
      this.opts.factCache?.put(h, facts);
      return [{ status: "ok", result: { changed: false } }];
    });
  }

  private rootInherit(play: Play): Inheritable {
    return {
      when: [],
      tags: play.tags,
      vars: {},
      become: play.become,
      becomeUser: play.becomeUser,
      environment: play.environment,
    };
  }

  private async runSections(run: PlayRun, hosts: string[]): Promise<void> {
    const inh = this.rootInherit(run.play);
    for (const section of [run.play.preTasks, run.play.tasks, run.play.postTasks]) {
      if (this.aborted) return;
      await this.execNodes(run, section, hosts, inh);
      await this.flushHandlers(run, hosts);
    }
  }

  private async execNodes(run: PlayRun, nodes: Node[], hosts: string[], inh: Inheritable): Promise<void> {
    for (const node of nodes) {
      if (this.aborted || !hosts.some((h) => this.active(h))) return;
      if (node.kind === "task") await this.execTask(run, node, hosts, inh);
      else await this.execBlock(run, node, hosts, inh);
      if (run.blockDepth === 0) this.checkFailurePolicy(run);
    }
  }

  private checkFailurePolicy(run: PlayRun): void {
    const failed = run.batch.filter((h) => !this.active(h)).length;
    if (failed === 0) return;
    if (run.play.anyErrorsFatal) {
      this.aborted = true;
      this.report.emit({
        event: "warning",
        message: `any_errors_fatal: stopping play "${run.play.name}" after a host failed`,
      });
    } else if (
      run.play.maxFailPercentage !== undefined &&
      (failed / run.batch.length) * 100 > run.play.maxFailPercentage
    ) {
      this.aborted = true;
      this.report.emit({
        event: "warning",
        message: `max_fail_percentage ${run.play.maxFailPercentage}% exceeded (${failed} of ${run.batch.length} hosts failed): stopping play "${run.play.name}"`,
      });
    }
  }

  private async execBlock(run: PlayRun, b: Block, hosts: string[], inh: Inheritable): Promise<void> {
    const sub = inherit(inh, b);
    const entered = hosts.filter((h) => this.active(h));
    run.blockDepth++;
    try {
      await this.execNodes(run, b.block, entered, sub);
      const failedInBlock = entered.filter((h) => this.state(h).failed);
      if (b.rescue.length > 0 && failedInBlock.length > 0 && !this.aborted) {
        for (const h of failedInBlock) {
          const s = this.state(h);
          s.registered.ansible_failed_task = { name: s.lastFailure?.task };
          s.registered.ansible_failed_result = s.lastFailure?.result ?? {};
          s.failed = false;
          s.counts.failed--;
          s.counts.rescued++;
        }
        await this.execNodes(run, b.rescue, failedInBlock, sub);
      }
      if (b.always.length > 0) {
        const alwaysHosts = entered.filter((h) => !this.state(h).unreachable);
        const stillFailed = alwaysHosts.filter((h) => this.state(h).failed);
        stillFailed.forEach((h) => (this.state(h).failed = false));
        await this.execNodes(run, b.always, alwaysHosts, sub);
        stillFailed.forEach((h) => (this.state(h).failed = true));
      }
    } finally {
      run.blockDepth--;
    }
  }

  private selectedByTags(tags: string[]): boolean {
    const t = new Set(tags);
    const want = this.opts.tags ?? [];
    const skip = this.opts.skipTags ?? [];
    if (skip.some((s) => t.has(s) || (s === "tagged" && t.size > 0) || (s === "untagged" && t.size === 0)))
      return false;
    if (t.has("always")) return true;
    if (want.length === 0) return !t.has("never");
    if (want.includes("all")) return !t.has("never");
    return want.some((w) => t.has(w) || (w === "tagged" && t.size > 0) || (w === "untagged" && t.size === 0));
  }

  private async execTask(run: PlayRun, task: Task, hosts: string[], inh: Inheritable, handler = false): Promise<void> {
    const eff = inherit(inh, task);
    if (!handler && !this.selectedByTags(eff.tags)) return;
    if (!run.started) {
      if (task.name !== this.opts.startAtTask) return;
      run.started = true;
    }
    if (task.module === "meta") return this.meta(run, task, hosts);
    let targets = hosts.filter((h) => this.active(h));
    if (targets.length === 0) return;
    const runOnce = !!eff.runOnce;
    if (runOnce) targets = targets.slice(0, 1);
    const before = handler ? undefined : this.notifyIntent(task, targets);
    await this.fanOut(run, task, targets, handler, !!eff.noLog, before, async (h) => {
      const outcomes = (handler ? undefined : this.restore(task, h)) ?? (await this.runTaskOnHost(run, task, eff, h));
      // run_once: every host sees the one result, whether it ran now or was restored on resume
      if (runOnce && task.register)
        for (const other of hosts)
          this.state(other).registered[task.register] = this.state(h).registered[task.register];
      return outcomes;
    });
  }

  /**
   * Write-ahead for `notify`: before a notifying task runs, the journal durably records that its
   * handlers may be due on each host that will run it. A kill after the task changed the node but
   * before its result was recorded then still runs the handler on resume (the re-run task would
   * report ok and notify nothing). Returns, per host, the handlers already pending beforehand, so
   * that a finished run that changed nothing withdraws only the intent it wrote.
   */
  private notifyIntent(task: Task, targets: string[]): Map<string, Set<string>> | undefined {
    const step = this.opts.step;
    if (!step || task.notify.length === 0 || this.opts.check) return undefined;
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
  private restore(task: Task, host: string): Outcome[] | undefined {
    const step = this.opts.step;
    const rec = step?.journal.completedTask(step.name, host, task.id);
    if (!rec) return undefined;
    if (task.register && !rec.result) return undefined; // no_log result was not kept: run it again
    const s = this.state(host);
    if (task.register) s.registered[task.register] = rec.result;
    const facts = rec.result?.ansible_facts;
    if (facts && typeof facts === "object") Object.assign(s.registered, facts);
    const status = rec.status as HostStatus;
    return [
      {
        status: status === "changed" ? "ok" : status,
        result: { changed: false, resumed: true, msg: `done in an earlier run (${rec.status} at ${rec.time})` },
      },
    ];
  }

  private async meta(run: PlayRun, task: Task, hosts: string[]): Promise<void> {
    const action = String(task.args._raw ?? "");
    if (action === "flush_handlers") await this.flushHandlers(run, hosts);
    else if (action === "end_play") this.aborted = true;
    else if (action === "clear_facts") hosts.forEach((h) => (this.state(h).facts = undefined));
    // noop / refresh_inventory: nothing to do
  }

  private async flushHandlers(run: PlayRun, hosts: string[]): Promise<void> {
    for (const handler of run.play.handlers) {
      const topics = [handler.name, ...handler.listen].filter((x): x is string => !!x);
      const targets = hosts.filter((h) => this.active(h) && topics.some((t) => this.state(h).notified.has(t)));
      if (targets.length === 0) continue;
      targets.forEach((h) => topics.forEach((t) => this.state(h).notified.delete(t)));
      await this.execTask(run, handler, targets, this.rootInherit(run.play), true);
    }
  }

  private connect(host: string): Promise<Connection> {
    return this.pool.get(
      connectionSpec(
        host,
        this.inv.hostVars(host),
        this.inv.hasHost("bastion") ? this.inv.hostVars("bastion") : undefined,
      ),
    );
  }

  /** The connection a task uses on behalf of `host`: its own, or the delegate's. */
  private delegateConnection(host: string, delegate: string | undefined): Promise<Connection> {
    if (!delegate || delegate === host) return this.connect(host);
    if (this.inv.hasHost(delegate)) return this.connect(delegate);
    const own = this.inv.hostVars(host);
    const local = delegate === "localhost" || delegate === "127.0.0.1";
    const vars = local ? { ansible_connection: "local" } : { ...own, ansible_host: delegate, ansible_port: 22 };
    return this.pool.get(connectionSpec(delegate, vars));
  }

  /** Run on the host's connection; when the link drops, reconnect (with backoff) and re-attach. */
  private async execResilient(
    host: string,
    delegate: string | undefined,
    script: Sh,
    opts: ExecOptions,
  ): Promise<ExecResult> {
    const target = delegate && delegate !== host ? delegate : host;
    const windowMs = this.reached.has(target) ? (this.opts.step?.reconnectWindowMs ?? 0) : 0;
    const deadline = Date.now() + windowMs;
    const backoff = new Backoff({ firstMs: 500, maxMs: 5000 });
    let warned = false;
    for (;;) {
      try {
        const conn = await this.delegateConnection(host, delegate);
        this.reached.add(target);
        const r = await conn.exec(script, opts);
        if (r.rc === LOST_RC && r.stderr.includes(LOST_MARK)) {
          this.report.emit({
            event: "warning",
            message: `${host}: a command's process was gone without a result (node restarted?); running it again`,
          });
          continue;
        }
        return r;
      } catch (e) {
        if (!(e instanceof UnreachableError) || e.permanent) throw e;
        this.pool.drop(target);
        if (Date.now() + backoff.delayMs > deadline) {
          if (windowMs > 0)
            throw new UnreachableError(
              host,
              `${e.message}; gave up after ${Math.round(windowMs / 1000)} s of reconnecting. Everything done so far is recorded`,
              false,
              e,
            );
          throw e;
        }
        if (!warned)
          this.report.emit({
            event: "warning",
            message: `${host}: ${e.message}; reconnecting for up to ${Math.round(windowMs / 1000)} s`,
          });
        warned = true;
        await backoff.wait();
      }
    }
  }

  private async fanOut(
    run: PlayRun,
    task: Task,
    hosts: string[],
    handler: boolean,
    noLog: boolean,
    notifyBefore: Map<string, Set<string>> | undefined,
    fn: (host: string) => Promise<Outcome[]>,
  ): Promise<void> {
    const label = taskLabel(task);
    const t0 = Date.now();
    const key = `${handler ? "h" : "t"}:${task.id}`;
    if (!run.announced.has(key)) {
      run.announced.add(key);
      this.report.emit({
        event: "task_start",
        play: run.play.name,
        task: label,
        handler,
        hosts: hosts.length,
        file: task.where.file,
        line: task.where.line,
      });
    }
    const q = new PQueue({ concurrency: Math.max(1, this.opts.forks) });
    for (const h of hosts) {
      q.add(async () => {
        const started = Date.now();
        let outcomes: Outcome[];
        try {
          outcomes = await fn(h);
        } catch (e) {
          outcomes = [this.errorOutcome(h, e)];
        }
        for (const o of outcomes) {
          // events (console, --json, run.log) carry at most 1 MiB of any string: a slurped
          // gigabyte stays registered for later tasks, not printed
          const shown = noLog
            ? censored(o.result)
            : (bounded(o.result, { maxString: 1024 * 1024, maxItems: 20_000 }) as ModuleResult);
          this.report.emit({
            event: "host_result",
            task: label,
            module: task.module,
            host: h,
            status: o.status,
            elapsed_ms: Date.now() - started,
            result: shown,
            item: o.item,
          });
        }
        const status = aggregate(outcomes.map((o) => o.status));
        if (status === "failed" || status === "unreachable") {
          const failed = outcomes.find((o) => o.status === status)!.result;
          // a no_log task's failure is kept censored too (journal, `kplay status`, rescue's ansible_failed_result)
          this.state(h).lastFailure = { task: label, result: noLog ? censored(failed) : failed };
        }
        this.count(h, status);
        this.record(task, h, handler, noLog, status, outcomes, notifyBefore?.get(h));
      });
    }
    await q.onIdle();
    this.opts.step?.journal.flush();
    this.report.emit({ event: "task_end", task: label, elapsed_ms: Date.now() - t0 });
  }

  /** Journal what a host finished (buffered; flushed once per task). Resumed tasks are already there. */
  private record(
    task: Task,
    host: string,
    handler: boolean,
    noLog: boolean,
    status: HostStatus,
    outcomes: Outcome[],
    notifyBefore?: Set<string>,
  ): void {
    const step = this.opts.step;
    if (!step || task.module === "setup" || outcomes.some((o) => o.result.resumed)) return;
    const j = step.journal;
    const changed = outcomes.some((o) => o.status === "changed");
    // The task finished and changed nothing: withdraw the notify intent written before it ran.
    // (Unreachable: the outcome is unknown, so the intent stays.)
    if (notifyBefore && !changed && status !== "unreachable") {
      for (const n of task.notify)
        if (!notifyBefore.has(n)) j.write({ t: "notify_cancel", step: step.name, host, handler: n });
    }
    if (status === "failed" || status === "unreachable") return;
    if (handler) {
      for (const t of [task.name, ...task.listen].filter((x): x is string => !!x))
        j.write({ t: "handler_done", step: step.name, host, handler: t });
      return;
    }
    if (changed)
      for (const n of task.notify)
        if (!j.pendingHandlers(step.name, host).includes(n))
          j.write({ t: "notify", step: step.name, host, handler: n });
    const result = task.register
      ? (this.state(host).registered[task.register] as Record<string, unknown>)
      : outcomes[outcomes.length - 1]?.result;
    let keep = noLog ? undefined : task.register || result?.ansible_facts ? slim(result) : undefined;
    // A result that holds a secret is not kept (the task runs again on resume instead).
    if (keep && this.opts.secrets && JSON.stringify(this.opts.secrets.value(keep)) !== JSON.stringify(keep))
      keep = undefined;
    j.write({
      t: "task_done",
      step: step.name,
      task: task.id,
      host,
      status,
      result: keep,
      time: new Date().toISOString(),
    });
  }

  private errorOutcome(host: string, e: unknown): Outcome {
    if (e instanceof UnreachableError) {
      this.pool.drop(host);
      return { status: "unreachable", result: { changed: false, unreachable: true, msg: e.message } };
    }
    if (e instanceof KplayError || e instanceof ExprError) {
      return {
        status: "failed",
        result: { changed: false, failed: true, msg: e instanceof KplayError ? e.describe() : e.message },
      };
    }
    return {
      status: "failed",
      result: { changed: false, failed: true, msg: `internal error: ${(e as Error).message}` },
    };
  }

  private count(h: string, status: HostStatus): void {
    const s = this.state(h);
    switch (status) {
      case "unreachable":
        s.unreachable = true;
        s.counts.unreachable++;
        break;
      case "failed":
        s.failed = true;
        s.counts.failed++;
        break;
      case "ignored":
        s.counts.ignored++;
        break;
      case "changed":
        s.counts.changed++;
        s.counts.ok++;
        break;
      case "skipped":
        s.counts.skipped++;
        break;
      default:
        s.counts.ok++;
    }
  }

  private vars(run: PlayRun, h: string, extra: Vars = {}): Vars {
    const s = this.state(h);
    const base = run.base.get(h)!;
    const facts = s.facts ?? {};
    // Templates are the base variables (inventory, play vars, -e) not overridden by data
    const templates = new Set<string>(Object.keys(this.opts.extraVars));
    for (const k of Object.keys(base)) if (!(k in facts) && !(k in extra) && !(k in s.registered)) templates.add(k);
    const vars = {
      ...base,
      ...facts,
      ...extra,
      ...s.registered,
      ...this.opts.extraVars,
      ansible_check_mode: this.opts.check,
      hostvars: this.hostvarsView(),
    };
    return withTemplateNames(vars, templates);
  }

  /**
   * hostvars as Ansible has them: each host's inventory variables plus, once known, its facts
   * and registered results / set_fact values. Built on access, so it is always current.
   */
  private hostvarsView(): Record<string, Vars> {
    if (this.hostvarsCache) return this.hostvarsCache;
    const view: Record<string, Vars> = {};
    for (const h of this.inv.hostNames) {
      Object.defineProperty(view, h, {
        enumerable: true,
        get: () => {
          const s = this.hosts.get(h);
          return {
            ...this.inv.hostVars(h),
            ...(s?.facts ?? this.opts.factCache?.get(h) ?? {}),
            ...(s?.registered ?? {}),
            inventory_hostname: h,
          };
        },
      });
    }
    return (this.hostvarsCache = view);
  }

  private async runTaskOnHost(run: PlayRun, task: Task, eff: Inheritable, host: string): Promise<Outcome[]> {
    const o = { file: task.where.file, line: task.where.line };
    const taskVars = Object.keys(eff.vars).length
      ? (renderValue(eff.vars, this.vars(run, host), { ...o, field: "vars" }) as Vars)
      : {};
    const vars = this.vars(run, host, taskVars);
    let items: unknown[] | undefined;
    if (task.loop !== undefined) {
      const rendered = renderValue(task.loop, vars, { ...o, field: "loop" });
      if (!Array.isArray(rendered))
        throw new KplayError("input", `loop must be a list, got ${typeof rendered}`, {
          where: { ...task.where, field: "loop" },
        });
      items = rendered;
    }
    const outcomes: Outcome[] = [];
    for (const [index, item] of (items ?? [undefined]).entries()) {
      const v = items ? withData(vars, { [task.loopVar]: item }) : vars;
      const label = items ? (task.loopLabel ? renderTemplate(task.loopLabel, v, o) : item) : undefined;
      outcomes.push({ ...(await this.runWithRetries(run, task, eff, host, v, index)), item: label });
    }
    const results = outcomes.map((x) => x.result);
    const agg: ModuleResult = items
      ? {
          changed: results.some((r) => r.changed),
          failed: results.some((r) => r.failed),
          skipped: results.length > 0 && results.every((r) => r.skipped),
          results,
          msg: results.some((r) => r.failed) ? "one or more items failed" : "all items completed",
        }
      : results[0];
    const s = this.state(host);
    if (task.register) s.registered[task.register] = agg;
    if (outcomes.some((x) => x.status === "changed")) task.notify.forEach((n) => s.notified.add(n));
    return outcomes;
  }

  private async runWithRetries(
    run: PlayRun,
    task: Task,
    eff: Inheritable,
    host: string,
    vars: Vars,
    index: number,
  ): Promise<Outcome> {
    if (eff.when.length && !evalCondition(eff.when, vars)) {
      return {
        status: "skipped",
        result: { changed: false, skipped: true, skip_reason: "Conditional result was False" },
      };
    }
    const attempts = task.until !== undefined ? (task.retries ?? 3) + 1 : 1;
    let last: Outcome = { status: "failed", result: { changed: false, failed: true } };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      last = await this.runOnce(run, task, eff, host, vars, index, attempt);
      if (task.until === undefined) return last;
      const withReg = withData(vars, { ...(task.register ? { [task.register]: last.result } : {}), ...last.result });
      if (last.status !== "unreachable" && evalCondition(task.until, withReg)) {
        return { ...last, result: { ...last.result, attempts: attempt } };
      }
      if (attempt < attempts) await new Promise((r) => setTimeout(r, (task.delay ?? 5) * 1000));
    }
    const failed: Outcome = {
      status: eff.ignoreErrors ? "ignored" : "failed",
      result: {
        ...last.result,
        failed: true,
        attempts,
        msg: last.result.msg ?? `retries exhausted (${attempts} attempts)`,
      },
    };
    return failed;
  }

  private async runOnce(
    run: PlayRun,
    task: Task,
    eff: Inheritable,
    host: string,
    vars: Vars,
    index: number,
    attempt: number,
  ): Promise<Outcome> {
    const mod = findModule(task.module)!;
    const o = { file: task.where.file, line: task.where.line, field: task.where.field };
    const rendered = renderValue(task.args, vars, o) as Record<string, unknown>;
    // arguments named like secrets (a user's password, get_url's url_password) are secrets from now on
    this.opts.secrets?.addVars(rendered);
    const parsed = mod.schema.safeParse(rendered);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new KplayError("input", `${task.module}: ${i.path.join(".") || "arguments"}: ${i.message}`, {
        where: task.where,
      });
    }
    const become = eff.become ?? false;
    const becomeUser = eff.becomeUser ? String(renderValue(eff.becomeUser, vars, o)) : undefined;
    const env = eff.environment
      ? envStrings(renderValue(eff.environment, vars, { ...o, field: "environment" }))
      : undefined;
    const delegate = eff.delegateTo
      ? String(renderValue(eff.delegateTo, vars, { ...o, field: "delegate_to" }))
      : undefined;
    const stream = (this.opts.verbosity ?? 0) >= 2 && !!mod.streams && !(eff.noLog ?? false);
    const label = taskLabel(task);
    let seq = 0;
    const step = this.opts.step;
    const mctx: ModuleContext = {
      host,
      check: eff.checkMode ?? this.opts.check,
      diff: this.opts.diff,
      // The controller (a task delegated to localhost) keeps no undo log: it is not a node.
      undo:
        !(eff.checkMode ?? this.opts.check) &&
        !(
          delegate !== undefined &&
          !this.inv.hasHost(delegate) &&
          (delegate === "localhost" || delegate === "127.0.0.1")
        ),
      vars,
      exec: (script, x) => {
        if (mod.local) throw new Error(`module ${task.module} runs on the controller only`);
        // A script or environment that holds a secret (or a no_log task's) never goes into argv.
        const sensitive =
          (eff.noLog ?? false) ||
          this.holdsSecret(script.text) ||
          (env !== undefined && this.holdsSecret(Object.values(env).join("\n")));
        const opts = {
          become,
          becomeUser,
          env,
          sensitive,
          stdin: x?.stdin,
          timeoutMs: x?.timeoutMs,
          outputLimit: x?.outputLimit,
          stdoutSink: x?.stdoutSink,
          onOutput: stream
            ? cappedOutput((st, text) => this.report.emit({ event: "output", host, task: label, stream: st, text }))
            : undefined,
        };
        // Detached under a run path that is the same when the run resumes, so a command that
        // already ran (or is still running) is re-attached instead of started again.
        // The step attempt's id (per host) keeps another host's or an earlier attempt's result
        // (a task delegated to one node for many hosts, a step re-run) from being re-attached.
        const detached =
          step && !mod.idempotent
            ? detachedScript(
                runPath(step.runId, step.name, step.journal.hostState(step.name, host)?.attempt ?? host),
                runName(task.id, index, attempt, seq++),
                script,
                !!opts.onOutput,
                x?.stdin !== undefined ? sha256Hex(x.stdin) : undefined,
              )
            : undefined;
        return this.execResilient(host, delegate, detached ?? script, opts);
      },
      readLocal: (p) => readLocal(run.pb.dir, p, task),
      localPath: (p) => localPath(run.pb.dir, p, task),
      renderFile: (text, file) => renderTemplate(text, vars, { file }),
    };
    let result: ModuleResult;
    try {
      result = await mod.run(mctx, parsed.data);
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      result = { changed: false, failed: true, msg: e instanceof KplayError ? e.describe() : (e as Error).message };
    }
    if (result.ansible_facts && !result.failed) {
      Object.assign(this.state(host).registered, result.ansible_facts as Vars);
      this.opts.secrets?.addVars(result.ansible_facts as Vars);
    }
    const withReg = withData(vars, { ...(task.register ? { [task.register]: result } : {}), ...result });
    if (task.changedWhen !== undefined && !result.skipped && !result.failed)
      result = { ...result, changed: evalCondition(task.changedWhen, withReg) };
    if (task.failedWhen !== undefined && !result.skipped)
      result = { ...result, failed: evalCondition(task.failedWhen, withReg) };
    let status: HostStatus = result.failed ? "failed" : result.skipped ? "skipped" : result.changed ? "changed" : "ok";
    if (status === "failed" && eff.ignoreErrors) status = "ignored";
    if (status === "changed" && task.undo !== undefined && mctx.undo) {
      // The task's `undo:` goes into the node's undo log (once per task and item).
      const script = String(renderValue(task.undo, withData(withReg, { result }), { ...o, field: "undo" }));
      const r = await this.execResilient(
        host,
        delegate,
        recordScript(`task:${step?.name ?? "run"}/${task.id}/${index}`, script),
        { become, becomeUser, sensitive: (eff.noLog ?? false) || this.holdsSecret(script) },
      );
      if (r.rc !== 0)
        return {
          status: "failed",
          result: { ...result, failed: true, msg: `changed, but recording its undo failed: ${r.stderr.trim()}` },
        };
    }
    return { status, result };
  }

  /** Whether a text holds one of the run's known secret values. */
  private holdsSecret(text: string): boolean {
    return this.opts.secrets?.holds(text) ?? false;
  }

  /** How each host ended: ok, or the failure that stopped it (for the journal and `kplay status`). */
  hostOutcomes(): Map<string, { ok: boolean; unreachable: boolean; task?: string; msg?: string }> {
    const out = new Map<string, { ok: boolean; unreachable: boolean; task?: string; msg?: string }>();
    for (const [h, s] of this.hosts) {
      out.set(h, {
        ok: !s.failed && !s.unreachable,
        unreachable: s.unreachable,
        task: s.lastFailure?.task,
        msg: s.lastFailure ? String(s.lastFailure.result.msg ?? s.lastFailure.result.censored ?? "") : undefined,
      });
    }
    return out;
  }
}

/** Keywords flow down from play to block to task; a task's own value wins, `when`s add up. */
export function inherit(parent: Inheritable, child: Inheritable): Inheritable {
  return {
    when: [...parent.when, ...(child.when ?? [])],
    become: child.become ?? parent.become,
    becomeUser: child.becomeUser ?? parent.becomeUser,
    tags: [...new Set([...parent.tags, ...(child.tags ?? [])])],
    vars: { ...parent.vars, ...(child.vars ?? {}) },
    environment:
      typeof child.environment === "object" && typeof parent.environment === "object"
        ? { ...parent.environment, ...child.environment }
        : (child.environment ?? parent.environment),
    noLog: child.noLog ?? parent.noLog,
    ignoreErrors: child.ignoreErrors ?? parent.ignoreErrors,
    delegateTo: child.delegateTo ?? parent.delegateTo,
    runOnce: child.runOnce ?? parent.runOnce,
    checkMode: child.checkMode ?? parent.checkMode,
  };
}

/** serial: [2, "50%"] -> batches of 2, then half the hosts, the last size repeating. */
export function serialBatches(hosts: string[], serial: Array<number | string>): string[][] {
  if (serial.length === 0) return [hosts];
  const sizes = serial.map((s) =>
    typeof s === "string" && s.endsWith("%")
      ? Math.max(1, Math.floor((hosts.length * parseFloat(s)) / 100))
      : Number(s),
  );
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)];
    out.push(hosts.slice(i, i + size));
    i += size;
  }
  return out;
}

function envStrings(v: unknown): Record<string, string> {
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new KplayError("input", "environment must render to a mapping");
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)]));
}

function aggregate(statuses: HostStatus[]): HostStatus {
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

function censored(r: ModuleResult): ModuleResult {
  return {
    changed: r.changed,
    failed: r.failed,
    skipped: r.skipped,
    ...(r.rc !== undefined ? { rc: r.rc } : {}),
    censored: "the output has been hidden due to the fact that 'no_log: true' was specified for this result",
  };
}

/** Ansible's lookup for src: files/ and templates/ beside the playbook, then the playbook's own directory. */
function localPath(dir: string, p: string, task: Task): string {
  const candidates = sourceCandidates(dir, p);
  const found = findSource(dir, p);
  if (!found)
    throw new KplayError("input", `source file ${p} not found (looked in ${candidates.join(", ")})`, {
      where: task.where,
    });
  return found;
}

function readLocal(dir: string, p: string, task: Task): Buffer {
  return readFileSync(localPath(dir, p, task));
}

/** -vv streaming shows at most OUTPUT_LIMIT bytes of a command, then says the rest is not shown. */
function cappedOutput(
  emit: (st: "stdout" | "stderr", text: string) => void,
): (st: "stdout" | "stderr", text: string) => void {
  let shown = 0;
  return (st, text) => {
    if (shown > OUTPUT_LIMIT) return;
    shown += text.length;
    emit(
      st,
      shown > OUTPUT_LIMIT
        ? `${text}\n[kplay: the rest of this output is not shown; the result keeps its first and last part]\n`
        : text,
    );
  };
}
