// Owns running one task on one host (Ansible's task executor): the variables it sees, its loop,
// `when`, until/retries, rendering and validating the module's arguments, calling the module
// with a context that executes through the node-exec pipeline, changed_when/failed_when,
// register and notify, and recording a task's own `undo:` on the node.
import { ansibleHasArgument, notImplementedMessage } from "../modules/ansible-args.js";
import { readFileSync } from "node:fs";
import { ArgumentError, KplayError } from "../errors.js";
import { findModule, type ModuleContext, type ModuleDef, type ModuleResult } from "../modules/index.js";
import { setModuleFacts, setVariables } from "./host-states.js";
import { UndoLog } from "../modules/undo.js";
import { ArgTypeError, withAnsibleTypes } from "../modules/arg-types.js";
import { LoopError, loopItems, lookupSubdir } from "./loops.js";
import { withCanonicalNames } from "../modules/aliases.js";
import { expansionScript, pathArgsToExpand, withExpanded } from "../modules/path-args.js";
import { FIRE_AND_FORGET, launchScript, launchedJob, resultsFile, type JobState } from "../modules/async_status.js";
import { randomInt } from "node:crypto";
import {
  emptyTaint,
  nodePathProblem,
  trackTaint,
  withComputed,
  withItemData,
  ITEM_TAINT,
  withData,
  withTemplateNames,
  type Taint,
} from "../playbook/data.js";
import { evalCondition, ExprError } from "../playbook/expr.js";
import { join } from "node:path";
import { findSource, searchPath, sourceCandidates } from "../playbook/paths.js";
import { plainIssueIn } from "../playbook/load-fields.js";
import { taskLabel, type Inheritable, type Task } from "../playbook/types.js";
import { taskTitle } from "./task-name.js";
import type { HostStatus } from "../report/index.js";
import { withLateKeywords } from "./keywords.js";
import { renderShellText, renderTemplateFile, renderValue } from "../template/render.js";
import { OUTPUT_LIMIT } from "../transport/output.js";
import { UnreachableError, type ExecOptions } from "../transport/index.js";
import type { Attempt, Engine, Outcome, PlayRun, TaskRun } from "./context.js";
import type { NodeExec } from "./node-exec.js";
import { becomeFromVars, connectionOverrides } from "./connection-vars.js";
import { execLimit, timedOut, withinDeadline } from "./task-timeout.js";
import { MAGIC, withoutOmitted, type Vars } from "./vars.js";
import { runMagic } from "./magic-vars.js";

/** What a task's module needs beyond its arguments, worked out once per attempt. */
interface Prepared {
  mod: ModuleDef;
  args: unknown;
  exec: ExecOptions;
  delegate?: string;
  /** The node's undo log for the module and the task's `undo:` (disabled in check mode and on the controller). */
  undo: UndoLog;
  /** The arguments computed from nothing a node sent (such a set_fact value is a template again). */
  cleanKeys: ReadonlySet<string>;
  /** The argument strings rendered from node data or a lookup: never evaluated again (assert's that, debug's var). */
  taint: Taint;
  /** Connection variables the task's own variables set otherwise than the host's (play vars, set_fact, -e …). */
  conn?: Record<string, unknown>;
  /** When this attempt must have ended (the timeout keyword), in ms since the epoch. */
  deadline?: number;
}

/**
 * `async` with `poll` > 0 runs the task with a time limit of `async` seconds, as Ansible's
 * polling ends in the same result; poll: 0 starts a job (command, shell, raw) that async_status
 * asks about. A module that cannot run so fails.
 */
function asyncRefusal(task: Task, mod: ModuleDef): ModuleResult | undefined {
  if (task.asyncSeconds === undefined) return undefined;
  if (mod.noAsync) return { changed: false, failed: true, msg: "async is not supported for this task." };
  if (task.poll === 0 && !FIRE_AND_FORGET.has(mod.name))
    return {
      changed: false,
      failed: true,
      msg: `kplay runs fire-and-forget tasks (async with poll: 0) for ${[...FIRE_AND_FORGET].join(", ")} only`,
    };
  return undefined;
}

/** A fire-and-forget job this run started: the module and arguments that read its output. */
interface StartedJob {
  mod: ModuleDef;
  args: unknown;
}

/** What a task adds to the host's variables: its own vars (some lazy), its roles' defaults, itself. */
interface TaskOwn {
  vars?: Vars;
  lazy?: ReadonlySet<string>;
  defaults?: Vars;
  task?: Task;
}

export class TaskExecutor {
  /** Fire-and-forget jobs started in this run, by host and job id (async_status reads them). */
  private jobs = new Map<string, StartedJob>();

  constructor(
    private readonly e: Engine,
    private readonly node: NodeExec,
  ) {}

  /**
   * The variables a task sees on a host, Ansible's precedence; `own.vars` are the task's own vars
   * (those named in `own.lazy` are templates, rendered when looked up: per loop item, as in
   * Ansible), `own.defaults` its roles' defaults (below everything, inventory included).
   */
  vars(run: PlayRun, h: string, own: TaskOwn = {}): Vars {
    const { vars: extra = {}, lazy = new Set<string>(), defaults = {} } = own;
    const s = this.e.hosts.get(h);
    const base = run.base.get(h)!;
    // facts rank above inventory variables and below the play's own vars (Ansible's precedence)
    const facts = withoutNames(s.facts ?? {}, run.playVarNames);
    const extraVars = this.e.opts.extraVars;
    // Templates are the base variables (inventory, play vars, -e) and role defaults not overridden by data
    const templates = new Set<string>(Object.keys(extraVars));
    const overridden = (k: string) => k in facts || k in extra || k in s.registered;
    for (const k of Object.keys(base)) if (!overridden(k)) templates.add(k);
    // every role of the play gives its defaults (lowest) and vars (above the play's) to every task
    const roles = run.play.roles ?? { defaults: {}, vars: {} };
    for (const k of Object.keys({ ...roles.defaults, ...defaults }))
      if (!overridden(k) && !(k in base) && !(k in roles.vars)) templates.add(k);
    for (const k of Object.keys(roles.vars)) if (!(k in extra) && !(k in s.registered)) templates.add(k);
    for (const k of lazy) if (!(k in s.registered) && !(k in extraVars)) templates.add(k);
    for (const k of s.templateVars ?? []) if (!(k in extraVars)) templates.add(k);
    // hostvars, groups…: views of every host, never templates themselves (and never scanned for one)
    for (const k of MAGIC) templates.delete(k);
    const vars = {
      ansible_facts: {},
      ...roles.defaults,
      ...defaults,
      ...base,
      ...facts,
      ...roles.vars,
      ...extra,
      ...s.registered,
      ...extraVars,
      ...runMagic(this.e.opts, run),
      ...(own.task ? { ansible_search_path: searchPath(own.task.dirs, run.play.dir) } : {}),
      hostvars: this.e.hosts.hostvars(),
    };
    return withTemplateNames(vars, templates);
  }

  /** Run the task on one host: each loop item (or once), register the result, note notifications. */
  async runOnHost(t: TaskRun, host: string): Promise<Outcome[]> {
    const { task } = t;
    const o = { file: task.where.file, line: task.where.line };
    let vars = this.taskVars(t, host);
    let items: unknown[] | undefined;
    // items of a `loop:` computed from nothing a node sent are clean (with_* items are data: Ansible
    // marks a lookup's result unsafe); items that came from a lookup, not a node, are the controller's
    let itemTaint = { tainted: true, fromNode: true };
    try {
      const rendered = trackTaint(() => this.loopItems(task, vars));
      items = rendered.value;
      itemTaint = { tainted: rendered.tainted || task.loopKind !== "loop", fromNode: rendered.fromNode };
    } catch (e) {
      // as Ansible: a loop that cannot be rendered fails the task only if its `when` holds
      if (!t.eff.when.length || evalCondition(t.eff.when, vars)) throw e;
      const skipped: Outcome = {
        status: "skipped",
        result: { changed: false, skipped: true, skip_reason: "Conditional result was False" },
      };
      if (task.register) this.e.hosts.get(host).registered[task.register] = skipped.result;
      return [skipped];
    }
    const outcomes: Outcome[] = [];
    // loop_var and index_var may be templates (Ansible renders them once per host)
    const name = (n: string) => (n.includes("{{") ? String(renderValue(n, vars, o)) : n);
    const loopVar = name(task.loopVar);
    const indexVar = task.loopIndexVar ? name(task.loopIndexVar) : undefined;
    for (const [index, item] of (items ?? [undefined]).entries()) {
      // as Ansible: the next item sees what this one set (set_fact, include_vars) and registered
      const last = outcomes.at(-1)?.result;
      if (last)
        vars = withData(vars, { ...settledVars(task, last), ...(task.register ? { [task.register]: last } : {}) });
      if (items && index > 0 && task.loopPause) await new Promise((r) => setTimeout(r, task.loopPause! * 1000));
      const own = {
        [loopVar]: item,
        ...(indexVar ? { [indexVar]: index } : {}),
        ...(items && task.loopExtended ? { ansible_loop: extendedLoop(items, index) } : {}),
        ...(items ? { ansible_loop_var: loopVar } : {}),
        ...(items && indexVar ? { ansible_index_var: indexVar } : {}),
      };
      const v = items ? withComputed(vars, own, itemTaint) : vars;
      const label = items ? (task.loopLabel ? renderValue(task.loopLabel, v, o) : item) : undefined;
      const outcome = await this.runWithRetries(t, { host, vars: v, index, attempt: 1 });
      // an item's result names its item and loop variables, as Ansible's does (results[0].item)
      // the item's taint rides along (not printed, not recorded) for the tasks an include gives it to
      const result = items ? Object.assign({ ...outcome.result, ...own }, { [ITEM_TAINT]: itemTaint }) : undefined;
      outcomes.push(result ? { ...outcome, result, item: label } : outcome);
    }
    const s = this.e.hosts.get(host);
    if (task.register) s.registered[task.register] = items ? loopResult(outcomes) : outcomes[0].result;
    if (outcomes.some((x) => x.status === "changed")) task.notify.forEach((n) => s.notified.add(n));
    return outcomes;
  }

  /** The host's variables with the task's own (templates, rendered where used) and an include's item. */
  /** The task's name as its banner shows it (Ansible renders it with the first host's variables). */
  title(t: TaskRun, host: string | undefined): string {
    return taskTitle(t.task, () => (host === undefined ? undefined : this.taskVars(t, host)));
  }

  private taskVars(t: TaskRun, host: string): Vars {
    const vars = this.taskVarsOwn(t, host);
    return t.eff.data ? withItemData(vars, t.eff.data) : vars;
  }

  private taskVarsOwn(t: TaskRun, host: string): Vars {
    const { eff } = t;
    const { defaults } = eff;
    const { task } = t;
    if (!Object.keys(eff.vars).length) return this.vars(t.run, host, { defaults, task });
    // written by people: those holding templates are rendered where they are used (they may refer
    // to each other, in any order, as Ansible's lazy variables do); all of them are clean
    const lazy = new Set(Object.keys(eff.vars));
    return this.vars(t.run, host, { vars: eff.vars, lazy, defaults, task });
  }

  private loopItems(task: Task, vars: Vars): unknown[] | undefined {
    if (task.loop === undefined) return undefined;
    const where = { file: task.where.file, line: task.where.line, field: "loop" };
    const field = task.loopKind;
    const rendered = trackTaint(() => renderValue(task.loop, vars, { ...where, field }));
    try {
      const o = { fromNode: rendered.fromNode, subdir: lookupSubdir(task.module) };
      return loopItems(task.loopKind, rendered.value, vars, o);
    } catch (e) {
      if (!(e instanceof LoopError)) throw e;
      throw new KplayError("input", e.message, { where: { ...task.where, field } });
    }
  }

  private async runWithRetries(run: TaskRun, at: Attempt): Promise<Outcome> {
    if (run.eff.when.length && !evalCondition(run.eff.when, at.vars)) {
      return {
        status: "skipped",
        result: { changed: false, skipped: true, skip_reason: "Conditional result was False" },
      };
    }
    // keywords written as templates are rendered for a task that runs (Ansible: after `when`)
    const t = withLateKeywords(run, at.vars);
    const { task, eff } = t;
    // as Ansible's: the first run plus `retries` (3 when unset); with no retries, until is not asked
    const attempts = 1 + Math.max(0, task.retries ?? 3);
    if (task.until === undefined || attempts === 1) return this.runOnce(t, at);
    let last: Outcome = { status: "failed", result: { changed: false, failed: true } };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      last = await this.runOnce(t, { ...at, attempt });
      const withReg = withData(at.vars, { ...(task.register ? { [task.register]: last.result } : {}), ...last.result });
      if (last.status !== "unreachable" && evalCondition(task.until, withReg))
        return { ...last, result: { ...last.result, attempts: attempt } };
      if (attempt < attempts) await new Promise((r) => setTimeout(r, (task.delay ?? 5) * 1000));
    }
    const msg = last.result.msg ?? `retries exhausted (${attempts} attempts)`;
    // Ansible reports one attempt fewer than it made once they are exhausted (attempts = retries);
    // the result says failed, but a task with failed_when is failed only if failed_when said so
    const result = { ...last.result, failed: true, attempts: attempts - 1, msg };
    if ("failed_when_result" in last.result && !last.result.failed_when_result) return { ...last, result };
    return { status: eff.ignoreErrors ? "ignored" : "failed", result };
  }

  private async runOnce(t: TaskRun, at: Attempt): Promise<Outcome> {
    const { task, eff } = t;
    const p = this.prepare(t, at);
    let result: ModuleResult;
    try {
      const args = await this.pathArgs(t, at, p);
      result =
        asyncRefusal(task, p.mod) ??
        (task.asyncSeconds !== undefined && task.poll === 0
          ? await this.startJob(t, at, p, args)
          : await withinDeadline(p.mod.run(this.moduleContext(t, at, p), args), p.deadline, timedOut(t)));
      if (result.job) result = await this.jobResult(t, at, p, result);
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      result = { changed: false, failed: true, msg: e instanceof KplayError ? e.describe() : (e as Error).message };
    }
    if (task.asyncSeconds && result.rc === 124)
      result = {
        ...result,
        // the command was cut off: Ansible reports the timeout as a failure that changed nothing
        changed: false,
        failed: true,
        msg: `async task did not complete within the requested time - ${task.asyncSeconds}s`,
      };
    // an until loop's result carries its attempt, which failed_when and changed_when may read
    if (task.until !== undefined) result = { ...result, attempts: at.attempt };
    if (result.ansible_facts && !result.failed && !p.mod.setsNoFacts) {
      // delegate_facts: the facts are the delegate's (an inventory host or the implicit localhost)
      const d = task.delegateFacts ? p.delegate : undefined;
      const owner = d && (this.e.inv.hasHost(d) || this.e.inv.implicitLocalhost(d)) ? d : at.host;
      this.keepFacts(p, owner, result.ansible_facts as Vars);
    }
    const withReg = withData(at.vars, { ...(task.register ? { [task.register]: result } : {}), ...result });
    result = applyConditions(task, result, withReg);
    let status: HostStatus = result.failed ? "failed" : result.skipped ? "skipped" : result.changed ? "changed" : "ok";
    if (status === "failed" && eff.ignoreErrors) status = "ignored";
    const resolved = p.mod.name !== task.module ? { module: p.mod.name } : {};
    if (status === "changed" && task.undo !== undefined && p.undo.enabled)
      return { ...(await this.recordUndo(t, at, p, { status, result })), ...resolved };
    return { status, result, ...resolved };
  }

  /** `setup` gathers the host's facts (kept as facts); set_fact and include_vars set variables. */
  private keepFacts(p: Prepared, host: string, facts: Vars): void {
    const { mod } = p;
    const s = this.e.hosts.get(host);
    if (mod.gathersFacts) {
      s.facts = { ...s.facts, ...facts };
      this.e.opts.factCache?.put(host, s.facts);
      return;
    }
    // a set_fact value computed from nothing a node sent renders again where it is used, as Ansible's
    // (its value is not unsafe); one that read node data stays data
    if (mod.factsAreTemplates) return setVariables(s, facts, { templates: true });
    // what a module read on the node (package_facts, service_facts, getent) is no secret by its
    // names: a package called passwd is not a password (masking "passwd" and "all" everywhere)
    if (mod.name !== "set_fact") return setModuleFacts(s, facts);
    this.e.opts.secrets?.addVars(facts); // set_fact's values are the playbook's: named like secrets, they are
    const clean = Object.fromEntries(Object.entries(facts).filter(([k]) => p.cleanKeys.has(k)));
    setVariables(s, facts, { templates: false });
    setVariables(s, clean, { templates: true });
  }

  /** Render and validate the module's arguments and the task's connection keywords for this attempt. */
  private prepare(t: TaskRun, at: Attempt): Prepared {
    const { task, eff } = t;
    const o = { file: task.where.file, line: task.where.line, field: task.where.field };
    const taint = emptyTaint();
    const { mod, taskArgs } = resolveModule(task, (v) => renderValue(v, at.vars, { ...o, field: "action" }));
    const given = { ...withCanonicalNames(mod.name, moduleDefaults(mod, eff, at.vars)), ...taskArgs };
    const rendering = renderArgs(
      mod,
      given,
      (v) => renderValue(v, at.vars, { ...o, taint }) as Record<string, unknown>,
    );
    const args = withoutOmitted(rendering.args);
    const rendered = withCanonicalNames(mod.name, args);
    // arguments named like secrets (a user's password, get_url's url_password) are secrets from now on
    const publicArgs = new Set(mod.publicArgs ?? []);
    this.e.opts.secrets?.addVars(Object.fromEntries(Object.entries(rendered).filter(([k]) => !publicArgs.has(k))));
    const parsed = mod.schema.safeParse(typedArgs(mod, rendered, task));
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      if (i.code === "unrecognized_keys" && i.keys.every((k) => ansibleHasArgument(mod.name, k)))
        throw new ArgumentError(notImplementedMessage(mod.name, i.keys), task.where);
      const field = i.path.join(".") || "arguments";
      const missing = i.code === "invalid_type" && i.path.length === 1 && rendered[String(i.path[0])] === undefined;
      // Ansible's words for a required argument left out
      const why = missing
        ? (ACTION_WORDS[`${mod.name}.${field}`] ?? `missing required arguments: ${field}`)
        : i.path.length
          ? `${i.code === "invalid_value" ? `value of ${field}` : `${field}:`} ${plainIssueIn(i, rendered)}`
          : plainIssueIn(i, rendered);
      throw new ArgumentError(why, task.where); // where.field names the module
    }
    const render = (v: unknown, field: string) => renderValue(v, at.vars, { ...o, field });
    const named = eff.delegateTo ? String(render(eff.delegateTo, "delegate_to")) : undefined;
    // connection: local runs it on the controller, unless the host's own variable says otherwise
    const delegate = this.viaLocal(eff, named ?? at.host) ? "localhost" : named;
    const remoteUser = eff.remoteUser ? String(render(eff.remoteUser, "remote_user")) : undefined;
    const target = delegate ?? at.host;
    const userProblem = remoteUser && this.e.inv.hasHost(target) && this.node.remoteUserProblem(target, remoteUser);
    if (userProblem) throw new KplayError("input", userProblem, { where: task.where });
    const cli = this.e.opts.cliDefaults ?? {};
    const exec: ExecOptions = {
      become: eff.become ?? cli.become ?? false,
      ...(cli.becomeUser ? { becomeUser: cli.becomeUser } : {}),
      ...(eff.becomeUser ? { becomeUser: String(render(eff.becomeUser, "become_user")) } : {}),
      ...(cli.becomeMethod ? { becomeMethod: cli.becomeMethod } : {}),
      ...(eff.becomeMethod ? { becomeMethod: eff.becomeMethod } : {}),
      // variables rank above keywords (Ansible's order: options, configuration, keywords, variables)
      ...becomeFromVars(at.vars),
      env: eff.environment ? envStrings(render(eff.environment, "environment")) : undefined,
    };
    const toController =
      delegate !== undefined && !this.e.inv.hasHost(delegate) && (delegate === "localhost" || delegate === "127.0.0.1");
    // The controller (a task delegated to localhost) keeps no undo log: it is not a node.
    const undo = new UndoLog(!(eff.checkMode ?? this.e.opts.check) && !toController);
    // a delegated task reaches its delegate by the delegate's own variables
    const base = this.node.connectionVars(at.host);
    const conn = delegate ? undefined : connectionOverrides(at.vars, base, { where: task.where, port: eff.port });
    if (conn) this.e.opts.secrets?.addVars(conn); // a password a role or set_fact gives is masked from now on
    // the timeout keyword: this attempt's end (Ansible times each attempt of a task)
    const deadline = eff.timeout ? Date.now() + eff.timeout * 1000 : undefined;
    return { mod, args: parsed.data, exec, delegate, undo, cleanKeys: rendering.cleanKeys, taint, conn, deadline };
  }

  /**
   * async with poll: 0: the module's script starts as a detached job on the node and the task
   * ends at once with the job id, as Ansible's. A module that sends nothing (command's creates
   * already there) gives its own result.
   */
  /** The connection keyword says local and the host (or delegate) sets no ansible_connection of its own. */
  private viaLocal(eff: Inheritable, target: string): boolean {
    if (eff.connection !== "local") return false;
    return !this.e.inv.hasHost(target) || this.node.connectionVars(target).ansible_connection === undefined;
  }

  private async startJob(t: TaskRun, at: Attempt, p: Prepared, args: unknown): Promise<ModuleResult> {
    const base = this.moduleContext(t, at, p);
    const jid = `j${randomInt(1e11)}.${process.pid}`;
    let launched: { rc: number; stdout: string; stderr: string } | undefined;
    const ctx: ModuleContext = {
      ...base,
      exec: async (script, x) => {
        if (launched || x?.stdin !== undefined) throw new Error("a fire-and-forget task runs one script without input");
        launched = await base.exec(launchScript(jid, t.task.asyncSeconds!), { stdin: script.text });
        return { rc: 0, stdout: "", stderr: "" }; // what the module sees of a command that has not ended
      },
    };
    const own = await p.mod.run(ctx, args);
    if (!launched) return own;
    const job = launchedJob(launched.stdout);
    if (launched.rc !== 0 || !job)
      return { changed: false, failed: true, msg: `could not start the job: ${launched.stderr.trim()}` };
    this.jobs.set(`${at.host}\0${job}`, { mod: p.mod, args });
    return { changed: true, started: 1, finished: 0, ansible_job_id: job, results_file: resultsFile(job) };
  }

  /** An ended job as the result its module gives for that output (command: rc, stdout, delta…). */
  private async jobResult(t: TaskRun, at: Attempt, p: Prepared, status: ModuleResult): Promise<ModuleResult> {
    const { job, ...rest } = status as ModuleResult & { job: JobState };
    const started = this.jobs.get(`${at.host}\0${String(rest.ansible_job_id)}`);
    const out = { rc: job.rc!, stdout: job.stdout!, stderr: job.stderr! };
    if (job.rc === 124)
      return { ...rest, ...out, failed: true, msg: "async task did not complete within the requested time" };
    if (!started) {
      // a job of another run: its output, as command reports it
      const failed = job.rc !== 0 ? { failed: true, msg: "non-zero return code" } : {};
      return { ...rest, ...out, changed: true, ...failed, ...times(job) };
    }
    // the module reads the job's output as if its script had just run
    const ctx: ModuleContext = { ...this.moduleContext(t, at, p), exec: async () => out };
    const own = await started.mod.run(ctx, started.args);
    return { ...rest, ...own, ...times(job) };
  }

  /** `~` and `$VAR` in the module's path arguments, expanded on the node (a round trip only when some have them). */
  private async pathArgs(t: TaskRun, at: Attempt, p: Prepared): Promise<unknown> {
    const args = p.args as Record<string, unknown>;
    const names = p.mod.local ? [] : pathArgsToExpand(p.mod.name, args);
    if (names.length === 0) return p.args;
    const script = expansionScript(names.map((n) => String(args[n])));
    const r = await this.node.exec({ host: at.host, delegate: p.delegate, conn: p.conn }, script, {
      ...p.exec,
      sensitive: t.noLog,
    });
    if (r.rc !== 0) throw new Error(`could not expand ${names.join(", ")} on the node: ${r.stderr.trim()}`);
    return withExpanded(args, names, r.stdout);
  }

  private moduleContext(t: TaskRun, at: Attempt, p: Prepared): ModuleContext {
    const { task, eff, run } = t;
    const { host, vars } = at;
    const stream = (this.e.opts.verbosity ?? 0) >= 2 && !!p.mod.streams && !t.noLog;
    let seq = 0;
    return {
      host,
      check: eff.checkMode ?? this.e.opts.check,
      diff: t.eff.diff ?? this.e.opts.diff,
      undo: p.undo,
      vars,
      exec: (script, x) => {
        if (p.mod.local) throw new Error(`module ${task.module} runs on the controller only`);
        // A script or environment that holds a secret (or a no_log task's) never goes into argv.
        const env = p.exec.env;
        const sensitive =
          t.noLog ||
          this.node.holdsSecret(script.text) ||
          (!!env && this.node.holdsSecret(Object.values(env).join("\n")));
        const onOutput = stream ? this.outputEvents(host, taskLabel(task)) : undefined;
        const limit = execLimit(task.asyncSeconds, p.deadline);
        const { guard, ...own } = x ?? {};
        const opts: ExecOptions = { ...p.exec, ...limit, ...own, sensitive, onOutput };
        // Detached under a run path that is the same when the run resumes, so a command that
        // already ran (or is still running) is re-attached instead of started again.
        const name = { taskId: task.id, index: at.index, attempt: at.attempt, seq: 0 };
        // a command with a timeout runs attached: when its time is up, its end is the channel's;
        // one its task declares unchanging (changed_when: false) is a query, run again after a cut
        const detach = !!this.e.opts.step && !p.mod.idempotent && p.deadline === undefined && !isQuery(task);
        const sent = detach
          ? this.node.detached(
              script,
              host,
              { ...name, seq: seq++ },
              { stream: !!onOutput, stdin: x?.stdin, guard, delegate: p.delegate },
            )
          : script;
        return this.node.exec({ host, delegate: p.delegate, conn: p.conn }, sent, opts);
      },
      readLocal: (path, from) => readFileSync(localPath(run.play.dir, path, task, { taint: p.taint, from })),
      localPath: (path, from) => localPath(run.play.dir, path, task, { taint: p.taint, from }),
      taint: p.taint,
      renderFile: (text, file, jinja) => renderTemplateFile(text, file, vars, jinja),
    };
  }

  /** The task's `undo:` goes into the node's undo log (once per task and item). */
  private async recordUndo(t: TaskRun, at: Attempt, p: Prepared, done: Outcome): Promise<Outcome> {
    const { task } = t;
    const { result } = done;
    const where = { file: task.where.file, line: task.where.line, field: "undo" };
    const withReg = withData(at.vars, { ...(task.register ? { [task.register]: result } : {}), ...result });
    // the node's output goes into the undo script as quoted words, never as shell code
    const script = renderShellText(String(task.undo), withData(withReg, { result }), where);
    const key = `task:${this.e.opts.step?.name ?? "run"}/${task.id}/${at.index}`;
    const sensitive = t.noLog || this.node.holdsSecret(script);
    const opts = { become: p.exec.become, becomeUser: p.exec.becomeUser, becomeMethod: p.exec.becomeMethod, sensitive };
    const record = p.undo.recordScript(key, script)!; // enabled: checked by the caller
    const r = await this.node.exec({ host: at.host, delegate: p.delegate, conn: p.conn }, record, opts);
    if (r.rc === 0) return done;
    const msg = `changed, but recording its undo failed: ${r.stderr.trim()}`;
    return { status: "failed", result: { ...result, failed: true, msg } };
  }

  /** -vv streaming shows at most OUTPUT_LIMIT bytes of a command, then says the rest is not shown. */
  private outputEvents(host: string, task: string): (st: "stdout" | "stderr", text: string) => void {
    let shown = 0;
    return (stream, text) => {
      if (shown > OUTPUT_LIMIT) return;
      shown += text.length;
      const cut = "\n[kplay: the rest of this output is not shown; the result keeps its first and last part]\n";
      this.e.report.emit({ event: "output", host, task, stream, text: shown > OUTPUT_LIMIT ? text + cut : text });
    };
  }
}

function withoutNames(v: Vars, names: Set<string>): Vars {
  if (names.size === 0 || !Object.keys(v).some((k) => names.has(k))) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !names.has(k)));
}

/** loop_control.extended: where the loop is, as Ansible's ansible_loop tells it. */
function extendedLoop(items: unknown[], i: number): Record<string, unknown> {
  const n = items.length;
  return {
    allitems: items,
    index: i + 1,
    index0: i,
    revindex: n - i,
    revindex0: n - i - 1,
    first: i === 0,
    last: i === n - 1,
    length: n,
    ...(i > 0 ? { previtem: items[i - 1] } : {}),
    ...(i < n - 1 ? { nextitem: items[i + 1] } : {}),
  };
}

/**
 * Render a task's arguments; for set_fact, each one apart, noting which read nothing a node sent
 * (Ansible templates each argument on its own, and only an unsafe input makes a value unsafe).
 */
function renderArgs(
  mod: ModuleDef,
  given: Record<string, unknown>,
  render: (v: Record<string, unknown>) => Record<string, unknown>,
): { args: Record<string, unknown>; cleanKeys: Set<string> } {
  const cleanKeys = new Set<string>();
  if (mod.name !== "set_fact") return { args: render(given), cleanKeys };
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) {
    const one = trackTaint(() => render({ [k]: v }));
    Object.assign(args, one.value);
    if (!one.tainted) for (const key of Object.keys(one.value)) cleanKeys.add(key);
  }
  return { args, cleanKeys };
}

/** The arguments converted by Ansible's types; a conversion that cannot be made is the task's failure. */
function typedArgs(mod: ModuleDef, rendered: Record<string, unknown>, task: Task): Record<string, unknown> {
  try {
    return withAnsibleTypes(mod.schema, rendered);
  } catch (e) {
    if (e instanceof ArgTypeError) throw new ArgumentError(e.message, task.where);
    throw e;
  }
}

/**
 * The module a task runs and its arguments; for a templated_action, the module its name renders
 * to now (an unknown one is the task's failure, in Ansible's words).
 */
function resolveModule(
  task: Task,
  render: (v: unknown) => unknown,
): { mod: ModuleDef; taskArgs: Record<string, unknown> } {
  const mod = findModule(task.module)!;
  if (mod.name !== "templated_action") return { mod, taskArgs: task.args };
  const { module, ...args } = task.args;
  const name = String(render(module));
  const real = findModule(name);
  if (!real || real.name === "templated_action")
    throw new ArgumentError(`The module ${name} was not found in configured module paths`, task.where);
  return { mod: real, taskArgs: withCanonicalNames(real.name, args) };
}

/** The variables a set_fact or include_vars result sets (facts gathered by setup are not among them). */
function settledVars(task: Task, result: ModuleResult): Record<string, unknown> {
  const facts = result.ansible_facts;
  const mod = findModule(task.module);
  if (!facts || result.failed || typeof facts !== "object" || mod?.gathersFacts || mod?.setsNoFacts) return {};
  return facts as Record<string, unknown>;
}

/**
 * The module_defaults that apply to a task's module: by its name, and for `service` also by the
 * node's service manager (Ansible's service runs systemd's or sysvinit's module, with its defaults).
 */
function moduleDefaults(mod: ModuleDef, eff: Inheritable, vars: Vars): Record<string, unknown> {
  const d = eff.moduleDefaults;
  if (!d) return {};
  const manager =
    mod.name === "service" && typeof vars.ansible_service_mgr === "string" ? vars.ansible_service_mgr : "";
  return { ...(d[mod.name] ?? {}), ...(manager ? (d[manager] ?? {}) : {}) };
}

/** start, end and delta of a job, as command reports them. */
function times(job: JobState): Record<string, unknown> {
  if (job.start === undefined || job.end === undefined) return {};
  const at = (s: number) => new Date(s * 1000).toISOString().replace("T", " ").replace("Z", "");
  const d = job.end - job.start;
  const hours = Math.floor(d / 3600);
  const minutes = String(Math.floor((d % 3600) / 60)).padStart(2, "0");
  const delta = `${hours}:${minutes}:${(d % 60).toFixed(6).padStart(9, "0")}`;
  return { start: at(job.start), end: at(job.end), delta };
}

/** A required argument left out, in the words of the Ansible action plugin that checks it first. */
const ACTION_WORDS: Record<string, string> = {
  "copy.dest": "dest is required",
  "template.src": "src and dest are required",
  "template.dest": "src and dest are required",
};

/** A looped task's registered result: every item's, with the overall changed/failed/skipped. */
function loopResult(outcomes: Outcome[]): ModuleResult {
  const results = outcomes.map((x) => x.result);
  const failed = results.some((r) => r.failed);
  return {
    changed: results.some((r) => r.changed),
    failed,
    skipped: results.length > 0 && results.every((r) => r.skipped),
    results,
    msg: failed ? "one or more items failed" : "all items completed",
  };
}

/**
 * changed_when / failed_when, evaluated with the result registered. As Ansible's: one that cannot
 * be evaluated (an unsafe condition, an undefined name) fails the task and keeps its result, the
 * error under changed_when_result or failed_when_result.
 */
function applyConditions(task: Task, result: ModuleResult, withReg: Vars): ModuleResult {
  let r = result;
  let which = "changed";
  try {
    // changed_when decides a failed result too (Ansible: a failing command with failed_when: false and
    // changed_when: false is ok, not changed)
    if (task.changedWhen !== undefined && !r.skipped) r = { ...r, changed: evalCondition(task.changedWhen, withReg) };
    which = "failed";
    if (task.failedWhen !== undefined && !r.skipped) {
      const failed = evalCondition(task.failedWhen, withReg);
      r = { ...r, failed, failed_when_result: failed };
    }
  } catch (e) {
    if (!(e instanceof ExprError)) throw e;
    return { ...r, failed: true, [`${which}_when_result`]: e.message };
  }
  return r;
}

function envStrings(v: unknown): Record<string, string> {
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new KplayError("input", "environment must render to a mapping");
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)]));
}

/**
 * Ansible's lookup for src: the task's role, its task file's directory, then the playbook's (paths.ts).
 * A name that came from a node may only find a file within those directories.
 */
function localPath(dir: string, p: string, task: Task, o: { taint: Taint; from?: string }): string {
  const found = findSource(task.dirs, dir, p);
  const why =
    found && o.taint.fromNode.has(o.from ?? p)
      ? nodePathProblem(found, [...searchPath(task.dirs, dir), join(dir, "..", "templates")])
      : undefined;
  if (why) throw new KplayError("input", why, { where: task.where });
  if (found) return found;
  const looked = sourceCandidates(task.dirs, dir, p).join(", ");
  throw new KplayError("input", `source file ${p} not found (looked in ${looked})`, { where: task.where });
}

/**
 * A task that declares its command never changes anything (`changed_when: false`, as kubespray's
 * and most roles' queries do): running it again after a cut is harmless, so it needs no detached
 * run directory on the node (files, setsid, polling) to be re-attached to.
 */
function isQuery(task: Task): boolean {
  const c = task.changedWhen;
  return c === false || (typeof c === "string" && /^\s*(false|False)\s*$/.test(c));
}
