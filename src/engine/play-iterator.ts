// Owns what runs next for which host (Ansible's play iterator and strategies): a play's hosts
// and variables, serial batches, the linear strategy (every host finishes a task before the next
// starts) and the free one (each host runs ahead on its own), sections and blocks with
// rescue/always, inherited keywords, tags and --start-at-task, meta tasks, a flush of handlers
// after each section (which handlers run: handlers.ts), any_errors_fatal and max_fail_percentage.
import { forEachLimited } from "../concurrency.js";
import { matchPattern } from "../inventory/index.js";
import type { Block, Inheritable, Node, Play, Playbook, Task } from "../playbook/types.js";
import { KplayError } from "../errors.js";
import { IncludeRefused, loadIncludedTasks } from "../playbook/load.js";
import type { Engine, PlayRun, TaskRun } from "./context.js";
import { gatherFacts } from "./facts.js";
import { evalCondition } from "../playbook/expr.js";
import type { FanOut, HostRun } from "./fan-out.js";
import {
  inherit,
  ordered,
  renderedAhead,
  resolvePlayLate,
  resolveTags,
  rootInherit,
  selectedByTags,
  serialBatches,
} from "./keywords.js";
import { includeItem, partInh, withItemIds, type BlockPart } from "./include-parts.js";
import type { NodeExec } from "./node-exec.js";
import type { TaskExecutor } from "./task-executor.js";
import type { TaskJournal } from "./task-journal.js";
import { magicVars, resolveVars, sharedMagic, type Vars } from "./vars.js";
import { enterRole, leaveRole, noteRoleRan, roleDone } from "./role-once.js";
import { completeHosts, flushHandlers, type HandlerRunner } from "./handlers.js";

export interface IteratorParts {
  executor: TaskExecutor;
  fanOut: FanOut;
  journal: TaskJournal;
  node: NodeExec;
}

export class PlayIterator {
  /** Set by any_errors_fatal, max_fail_percentage and meta: end_play; cleared for each play. */
  private aborted = false;
  /**
   * Why the playbook ends here (any_errors_fatal or max_fail_percentage): as in Ansible, no
   * later batch or play runs, and every host still going is stopped.
   */
  stoppedBy?: string;

  constructor(
    private readonly e: Engine,
    private readonly parts: IteratorParts,
  ) {}

  /** Hosts a play targets: its pattern, narrowed by --limit. */
  playHosts(play: Play): string[] {
    const m = matchPattern(this.e.inv, play.hosts);
    const at = play.where?.file ? `${play.where.file}${play.where.line ? `:${play.where.line}` : ""}: ` : "";
    for (const u of m.unmatched) this.warn(`${at}could not match supplied host pattern, ignoring: ${u}`);
    const limit = this.e.opts.limit;
    return ordered(
      m.hosts.filter((h) => !limit || limit.has(h)),
      play.order,
    );
  }

  async runPlay(pb: Playbook, play: Play): Promise<void> {
    this.aborted = false;
    this.e.hosts.newPlay();
    const all = this.playHosts(play);
    const hosts = all.filter((h) => this.e.hosts.active(h));
    this.e.report.emit({ event: "play_start", play: play.name, hosts });
    if (hosts.length === 0) return this.warn(`play "${play.name}" matches no hosts`);
    const base = this.playVars(pb, play, hosts);
    // play keywords written as templates are rendered once, with the play's variables (Ansible's)
    play = resolvePlayLate(play, base.get(hosts[0])!);
    const step = this.e.opts.step;
    if (step)
      for (const h of hosts)
        step.journal.pendingHandlers(step.name, h).forEach((n) => this.e.hosts.get(h).notified.add(n));
    for (const batch of serialBatches(hosts, play.serial)) {
      if (this.aborted) break;
      const started = !this.e.opts.startAtTask;
      const playVarNames = new Set(Object.keys(play.vars));
      const live = { play: hosts, batch };
      const shape = { started, announced: new Set<string>(), blockDepth: 0, playHosts: all, live };
      const run: PlayRun = { pb, play, batch, base, playVarNames, ...shape };
      if (play.gatherFacts) await this.gather(run);
      await this.runBatch(run);
    }
    if (this.stoppedBy) for (const h of hosts) this.e.hosts.stop(h, this.stoppedBy);
  }

  /** Each host's play-level variables: inventory, play vars, -e and the magic variables. */
  private playVars(pb: Playbook, play: Play, hosts: string[]): Map<string, Vars> {
    const base = new Map<string, Vars>();
    const shared = sharedMagic(this.e.inv, hosts, pb.dir);
    for (const h of hosts) {
      this.e.hosts.get(h);
      const magic = magicVars(this.e.inv, h, shared);
      const all = { ...this.e.inv.hostVars(h), ...play.vars, ...this.e.opts.extraVars, ...magic };
      const v = resolveVars(all, { file: pb.file });
      base.set(h, { ...v, ...magic });
      // play vars and vars_files named like secrets (inventory and -e were collected before the run)
      const playSecrets: Vars = {};
      for (const k of Object.keys(play.vars)) playSecrets[k] = v[k];
      this.e.opts.secrets?.addVars(playSecrets);
    }
    return base;
  }

  private async runBatch(run: PlayRun): Promise<void> {
    if (run.play.strategy !== "free") return this.runSections(run, run.batch);
    await forEachLimited(run.batch, this.e.opts.forks, (h) => this.runSections({ ...run }, [h]));
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
      loopKind: "loop",
      loopVar: "item",
      notify: [],
      listen: [],
      dirs: { taskDir: run.play.dir },
      where: run.play.where,
    };
    const need = run.batch.filter((h) => this.e.hosts.active(h) && !this.e.hosts.get(h).facts);
    if (need.length === 0) return;
    const t: TaskRun = { run, task, eff: rootInherit(run.play), handler: false, noLog: false };
    await this.parts.fanOut.run(t, {
      hosts: need,
      perHost: async (h) => {
        const facts = await gatherFacts(await this.parts.node.connect(h));
        this.e.hosts.get(h).facts = facts;
        this.e.opts.factCache?.put(h, facts);
        return [{ status: "ok", result: { changed: false } }];
      },
    });
  }

  private async runSections(run: PlayRun, hosts: string[]): Promise<void> {
    const inh = rootInherit(run.play);
    for (const section of [run.play.preTasks, run.play.tasks, run.play.postTasks]) {
      // force_handlers: a play stopped by a failure still runs what its failed hosts notified
      if (this.aborted) return this.forcing(run) ? this.flushHandlers(run, hosts) : undefined;
      await this.execNodes(run, section, { hosts, inh });
      await this.flushHandlers(run, hosts);
    }
  }

  /**
   * A task about to run on `hosts`: keywords written as templates are rendered now with the first
   * host's variables (no_log and run_once decide for every host); one that cannot be yet (it
   * reads what a host sets) is rendered per host when the task runs.
   */
  private taskRun(run: PlayRun, o: { task: Task; eff: Inheritable; handler: boolean }, hosts: string[]): TaskRun {
    const t = renderedAhead({ run, ...o }, this.firstVars(run, o.eff, hosts));
    // a no_log that could not be rendered yet hides the output: the safe side
    return { ...t, noLog: t.eff.late?.no_log !== undefined ? true : (t.eff.noLog ?? false) };
  }

  private forcing(run: PlayRun): boolean {
    return run.play.forceHandlers || !!this.e.opts.forceHandlers;
  }

  private async execNodes(run: PlayRun, nodes: Node[], on: { hosts: string[]; inh: Inheritable }): Promise<void> {
    for (const node of nodes) {
      if (this.aborted || run.batchEnded || !on.hosts.some((h) => this.e.hosts.active(h))) return;
      const before = run.batch.filter((h) => this.e.hosts.active(h));
      if (node.kind === "task") noteRoleRan(run, await this.execTask(run, node, { ...on, handler: false }));
      else await this.execBlock(run, node, on);
      if (run.blockDepth > 0) continue; // a block with rescue decides when it ends
      // any_errors_fatal on this task or block (inherited from its blocks or the play)
      if (this.fatal(run, inherit(on.inh, node), before) && before.some((h) => !this.e.hosts.active(h)))
        this.stopAll(run, node.name ? `"${node.name}"` : `a ${node.kind}`);
      this.checkFailurePolicy(run);
    }
  }

  /** any_errors_fatal where it applies (a template: rendered with the first host's variables). */
  private fatal(run: PlayRun, eff: Inheritable, hosts: string[]): boolean {
    const template = eff.late?.any_errors_fatal;
    if (template === undefined) return !!eff.anyErrorsFatal;
    const only = { eff: { ...eff, late: { any_errors_fatal: template } } };
    return !!renderedAhead(only, this.firstVars(run, eff, hosts)).eff.anyErrorsFatal;
  }

  /** The variables of the first of `hosts` still running (or of the first), for keywords rendered ahead. */
  private firstVars(run: PlayRun, eff: Inheritable, hosts: string[]): (() => Vars) | undefined {
    const first = hosts.find((h) => this.e.hosts.active(h)) ?? hosts[0];
    return first === undefined ? undefined : () => this.parts.executor.vars(run, first, { defaults: eff.defaults });
  }

  /** any_errors_fatal: a host failed where it applies; the playbook ends for every host. */
  private stopAll(run: PlayRun, where: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.stoppedBy = `stopped: any_errors_fatal (at ${where} in play "${run.play.name}") after a host failed`;
    this.warn(`any_errors_fatal: stopping the playbook at ${where} in play "${run.play.name}" after a host failed`);
  }

  private checkFailurePolicy(run: PlayRun): void {
    const { play, batch } = run;
    const failed = batch.filter((h) => !this.e.hosts.active(h)).length;
    if (failed === 0 || this.aborted) return;
    if (play.anyErrorsFatal) {
      this.aborted = true;
      this.stoppedBy = `stopped: any_errors_fatal in play "${play.name}" after a host failed`;
      this.warn(`any_errors_fatal: stopping the playbook in play "${play.name}" after a host failed`);
    } else if (play.maxFailPercentage !== undefined && (failed / batch.length) * 100 > play.maxFailPercentage) {
      this.aborted = true;
      this.stoppedBy = `stopped: max_fail_percentage of play "${play.name}" exceeded`;
      this.warn(
        `max_fail_percentage ${play.maxFailPercentage}% exceeded (${failed} of ${batch.length} hosts failed): ` +
          `stopping the playbook in play "${play.name}"`,
      );
    }
  }

  private async execBlock(run: PlayRun, b: Block, on: { hosts: string[]; inh: Inheritable }): Promise<void> {
    const inh = inherit(on.inh, b);
    const entered = on.hosts.filter((h) => this.e.hosts.active(h) && !roleDone(run, b, h));
    if (!entered.length) return;
    const role = b.roleOnce ? enterRole(run, b.roleOnce) : undefined;
    // Only a block with rescue defers the failure policy (its failures may be rescued); a block
    // without one, and the block import_tasks/include_tasks make, is checked after every task.
    const guarded = b.rescue.length > 0;
    if (guarded) run.blockDepth++;
    try {
      for (const part of await this.blockParts(run, b, { hosts: entered, inh }))
        await this.execNodes(run, part.nodes, {
          hosts: part.hosts,
          inh: part.data ? inherit(inh, partInh(part.data)) : inh,
        });
      await this.rescue(run, b, { hosts: entered, inh });
      await this.always(run, b, { hosts: entered, inh });
    } finally {
      if (guarded) run.blockDepth--;
      if (role) leaveRole(run, role);
    }
  }

  /**
   * What a block runs, for which hosts. An include_tasks or include_role block starts with its marker task: a
   * host for which it is skipped (its `when` false) does not see the included tasks at all, as
   * with Ansible's dynamic include; when the file name is a template, each host's file is read
   * now, and hosts that name the same file run it together.
   */
  private async blockParts(run: PlayRun, b: Block, on: { hosts: string[]; inh: Inheritable }): Promise<BlockPart[]> {
    const [first, ...rest] = b.block;
    if (first?.kind !== "task" || !INCLUDE_MARKERS.has(first.module)) return [{ hosts: on.hosts, nodes: b.block }];
    // on.inh already carries the block's own keywords (execBlock)
    if (first.dynamicInclude) return this.dynamicInclude(run, first, on);
    // a looped include_role: its role's tasks once per item (read at load: the role is named plainly)
    if (first.module === "kplay_include_role" && first.loop !== undefined)
      return this.dynamicInclude(run, first, on, rest);
    // an include the tags leave out is not run: its tasks are never read, whatever their own tags
    if (!this.selected(run, inherit(on.inh, first))) return [];
    const ran = await this.execTask(run, first, { ...on, handler: false });
    const took = ran ? on.hosts.filter((h) => ran.get(h)?.status !== "skipped") : on.hosts;
    return [{ hosts: took, nodes: rest }];
  }

  /**
   * Each host's file of an include_tasks named by a template or looped, read once per file and
   * item (unreadable: its hosts fail). Items run in order; within an item, hosts that name the
   * same file with the same item run it together, the item (and index) as data.
   */
  private async dynamicInclude(
    run: PlayRun,
    marker: Task,
    on: { hosts: string[]; inh: Inheritable },
    role?: Node[],
  ): Promise<BlockPart[]> {
    const eff = inherit(on.inh, marker);
    if (!this.selected(run, eff)) return [];
    const parts = new Map<string, BlockPart>();
    let unreadable: KplayError | undefined;
    const t = this.taskRun(run, { task: marker, eff, handler: false }, on.hosts);
    const from = { dirs: marker.dirs, playbookDir: run.play.dir };
    await this.parts.fanOut.run(t, {
      hosts: on.hosts.filter((h) => this.e.hosts.active(h)),
      perHost: async (h) => {
        const outcomes = await this.parts.executor.runOnHost(t, h);
        for (const [index, o] of outcomes.entries()) {
          if (o.status !== "ok") continue;
          const file = role ? "" : String(o.result.include);
          const data = marker.loop === undefined ? undefined : includeItem(o.result, index);
          const key = JSON.stringify([index, file, data ?? null]);
          try {
            if (includeDepth(marker.id) >= MAX_RUNTIME_INCLUDE_DEPTH)
              throw new KplayError(
                "input",
                `include_tasks ${file}: includes nest deeper than ${MAX_RUNTIME_INCLUDE_DEPTH} levels (a loop?)`,
                { where: marker.where },
              );
            if (!parts.has(key)) {
              const namedByNode = o.result.include_named_by_node === true;
              const id = `${marker.id}#${index}`;
              const nodes = role
                ? withItemIds(role, `#${index}`)
                : loadIncludedTasks(file, { ...from, id, namedByNode });
              parts.set(key, { order: index, hosts: [], nodes, ...(data ? { data } : {}) });
            }
          } catch (e) {
            // a file that is there but cannot be read as tasks stops the run once every host has
            // reached the include (Ansible's "ERROR!"); one that is not there fails its hosts
            if (e instanceof KplayError && e.kind === "input" && !(e instanceof IncludeRefused)) unreadable ??= e;
            const msg = e instanceof KplayError ? e.describe() : (e as Error).message;
            return [{ status: "failed", result: { changed: false, failed: true, msg } }];
          }
          parts.get(key)!.hosts.push(h);
        }
        // Ansible's recap counts a looped include_tasks once per item it included (an include_role not at all)
        const included = outcomes.filter((o) => o.status === "ok").length;
        if (!role && marker.loop !== undefined && included > 1) this.e.hosts.get(h).counts.ok += included - 1;
        return outcomes;
      },
    });
    if (unreadable) throw unreadable;
    const ordered = [...parts.values()].sort((a, b) => a.order! - b.order!);
    return ordered.map((p) => ({ ...p, hosts: on.hosts.filter((h) => p.hosts.includes(h)) }));
  }

  /** Hosts that failed in the block run its rescue; a rescued host counts as rescued, not failed. */
  private async rescue(run: PlayRun, b: Block, on: { hosts: string[]; inh: Inheritable }): Promise<void> {
    const failed = on.hosts.filter((h) => this.e.hosts.get(h).failed);
    if (b.rescue.length === 0 || failed.length === 0 || this.aborted) return;
    for (const h of failed) {
      const s = this.e.hosts.get(h);
      s.registered.ansible_failed_task = { name: s.lastFailure?.task };
      s.registered.ansible_failed_result = s.lastFailure?.result ?? {};
      s.failed = false;
      s.counts.failed--;
      s.counts.rescued++;
    }
    await this.execNodes(run, b.rescue, { ...on, hosts: failed });
  }

  /** Every host that entered the block and is reachable runs `always`; a failed host stays failed. */
  private async always(run: PlayRun, b: Block, on: { hosts: string[]; inh: Inheritable }): Promise<void> {
    if (b.always.length === 0) return;
    const hosts = on.hosts.filter((h) => !this.e.hosts.get(h).unreachable);
    await this.asIfNotFailed(hosts, () => this.execNodes(run, b.always, { ...on, hosts }));
  }

  /** Run `fn` with the failed ones of `hosts` running again (always, forced handlers); failed again after. */
  private async asIfNotFailed(hosts: string[], fn: () => Promise<unknown>): Promise<void> {
    const failed = hosts.filter((h) => this.e.hosts.get(h).failed);
    failed.forEach((h) => (this.e.hosts.get(h).failed = false));
    try {
      await fn();
    } finally {
      failed.forEach((h) => (this.e.hosts.get(h).failed = true));
    }
  }

  /** --tags/--skip-tags on a task's tags, templated tags rendered with the play's variables and -e. */
  private selected(run: PlayRun, eff: Inheritable): boolean {
    const tags = resolveTags(eff.tags, { ...run.play.vars, ...this.e.opts.extraVars });
    return selectedByTags(tags, this.e.opts);
  }

  /** Runs the task; returns each host's status when it ran (undefined when tags or --start-at-task left it out). */
  private async execTask(
    run: PlayRun,
    task: Task,
    on: { hosts: string[]; inh: Inheritable; handler: boolean },
  ): Promise<Map<string, HostRun> | undefined> {
    const eff = inherit(on.inh, task);
    const { handler, hosts } = on;
    if (!handler && !this.selected(run, eff)) return;
    if (!run.started) {
      if (task.name !== this.e.opts.startAtTask) return;
      run.started = true;
    }
    const active = hosts.filter((h) => this.e.hosts.active(h));
    run.live = {
      play: run.playHosts.filter((h) => this.e.hosts.active(h)),
      batch: run.batch.filter((h) => this.e.hosts.active(h)),
    };
    if (task.module === "meta") {
      await this.meta({ run, task, eff }, active);
      return undefined;
    }
    const t = this.taskRun(run, { task, eff, handler }, active);
    const runOnce = !!t.eff.runOnce;
    const targets = runOnce ? active.slice(0, 1) : active;
    if (targets.length === 0) return;
    const notifyBefore = handler ? undefined : this.parts.journal.notifyIntent(task, targets);
    return this.parts.fanOut.run(t, {
      hosts: targets,
      notifyBefore,
      perHost: async (h) => {
        const outcomes =
          (handler ? undefined : this.parts.journal.restore(task, h)) ?? (await this.parts.executor.runOnHost(t, h));
        // run_once: every host sees the one result, whether it ran now or was restored on resume
        if (runOnce && task.register) {
          const result = this.e.hosts.get(h).registered[task.register];
          for (const other of hosts) this.e.hosts.get(other).registered[task.register] = result;
        }
        return outcomes;
      },
    });
  }

  /** A meta task: flush_handlers, end_play/end_batch/end_host and the rest, with its `when` per host. */
  private async meta(m: { run: PlayRun; task: Task; eff: Inheritable }, hosts: string[]): Promise<void> {
    const { run, task, eff } = m;
    const action = String(task.args._raw ?? "");
    if (action === "flush_handlers") return this.flushHandlers(run, hosts);
    if (action === "clear_host_errors") {
      // Ansible's clear_host_errors: every host of the play's pattern, failed in an earlier play
      // too, is no longer failed (or unreachable); it does not rejoin the play
      const pattern = matchPattern(this.e.inv, run.play.hosts).hosts;
      for (const h of pattern) Object.assign(this.e.hosts.get(h), { failed: false, unreachable: false });
      return;
    }
    const chosen = hosts.filter(
      (h) => !eff.when.length || evalCondition(eff.when, this.parts.executor.vars(run, h, { defaults: eff.defaults })),
    );
    if (chosen.length === 0) return;
    if (action === "end_play") {
      this.aborted = true;
      completeHosts(this.e, matchPattern(this.e.inv, run.play.hosts).hosts);
    } else if (action === "end_batch") {
      run.batchEnded = true;
      completeHosts(this.e, run.batch);
    } else if (action === "end_host") chosen.forEach((h) => (this.e.hosts.endPlay(h), completeHosts(this.e, [h])));
    else if (action === "clear_facts") chosen.forEach((h) => (this.e.hosts.get(h).facts = undefined));
    else if (action === "reset_connection") chosen.forEach((h) => this.parts.node.resetConnection(h));
    // noop / refresh_inventory / role_complete: nothing to do
  }

  private flushHandlers(run: PlayRun, hosts: string[]): Promise<void> {
    return flushHandlers({ e: this.e, runner: this.handlerRunner }, run, hosts);
  }

  /** How handlers.ts runs a handler: a task or block on its hosts, failed ones as if not failed. */
  private readonly handlerRunner: HandlerRunner = {
    forcing: (run) => this.forcing(run),
    run: (run, handler, hosts) => {
      const on = { hosts, inh: rootInherit(run.play) };
      return this.asIfNotFailed(hosts, () =>
        handler.kind === "task"
          ? this.execTask(run, handler, { ...on, handler: true })
          : this.execBlock(run, handler, on),
      );
    },
  };

  private warn(message: string): void {
    this.e.report.emit({ event: "warning", message });
  }
}

/**
 * Includes read when they run (a templated or looped include_tasks) nest at most this deep: an
 * include that includes itself without an end would otherwise take the controller's memory.
 */
const MAX_RUNTIME_INCLUDE_DEPTH = 64;

/** How many runtime includes the task with this id sits in (each adds "#item" to the ids below it). */
/** The tasks that stand for an include at the head of its block: hosts that skip them skip the block. */
const INCLUDE_MARKERS = new Set(["include_tasks", "kplay_include_role"]);

function includeDepth(id: string): number {
  return id.split("#").length - 1;
}
