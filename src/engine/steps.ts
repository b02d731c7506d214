// Owns running an ordered list of steps (one playbook each) with resume: which hosts still need
// each step (completed steps are skipped; a step whose playbook, templates or variables changed
// re-runs, and so do the later ones, with the reason said), journaling each host's outcome, the
// human-readable steps file, and cleaning run directories on nodes after a successful step.
import { secrets } from "../report/redact.js";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { Inventory } from "../inventory/index.js";
import { matchPattern } from "../inventory/index.js";
import type { Playbook } from "../playbook/types.js";
import type { Reporter } from "../report/index.js";
import { writeFileAtomic } from "../state/atomic.js";
import type { Journal } from "../state/journal.js";
import { cleanupScript, localRunBase, runPath } from "../transport/detach.js";
import type { NodePool } from "../transport/index.js";
import { connectionSpec } from "../transport/spec.js";
import { Runner, type RunOptions } from "./runner.js";

export interface StepsOptions {
  inv: Inventory;
  pool: NodePool;
  playbooks: Playbook[];
  journal: Journal;
  stateDir: string;
  resume: boolean;
  /** How to continue after a stop, e.g. "re-run the same command with --resume to continue". */
  continueHint: string;
  run: Omit<RunOptions, "step" | "limit"> & { limit?: Set<string> };
  reconnectWindowMs: number;
  report: Reporter;
  /** The command, recorded with the run (status shows it). */
  label?: string;
}

export function stepName(pb: Playbook, index: number, all: Playbook[]): string {
  const base = basename(pb.file, extname(pb.file));
  return all.filter((p) => basename(p.file, extname(p.file)) === base).length > 1 ? `${index}-${base}` : base;
}

const hash = (parts: Array<string | Buffer>) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex").slice(0, 16);
};

/** Stable JSON (sorted keys) so the same variables always hash the same. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

export function filesFingerprint(pb: Playbook): string {
  return hash([...pb.files].sort().flatMap((f) => [f, existsSync(f) ? readFileSync(f) : "missing"]));
}

export async function runSteps(o: StepsOptions): Promise<boolean> {
  const names = o.playbooks.map((pb, i, all) => stepName(pb, i, all));
  if (o.resume) o.journal.resumeRun(names, o.label);
  else o.journal.startRun(names, o.label);
  // which hosts each step applies to, for `kplay status` (the inventory's, not this run's --limit)
  const targets = Object.fromEntries(o.playbooks.map((pb, i) => [names[i], playbookHosts(o.inv, pb)]));
  o.journal.write({ t: "plan", targets }, true);
  const run = new StepsRun(o, names);
  for (const [i, pb] of o.playbooks.entries()) await run.step(i, pb);
  return run.finish();
}

/** The hosts a playbook's plays target in the inventory. */
function playbookHosts(inv: Inventory, pb: Playbook): string[] {
  return [...new Set(pb.plays.flatMap((p) => matchPattern(inv, p.hosts).hosts))];
}

/** Per host, the fingerprint a step is recorded done with (its files and the host's variables). */
type Fingerprints = Map<string, { fp: string; files: string; vars: string }>;

/** One pass over the ordered steps: which hosts each step still needs, and what happened. */
class StepsRun {
  /** Hosts on which a step re-ran: every later step re-runs on them too. */
  private readonly cascade = new Set<string>();
  /** Hosts that failed a step, with the step: they take no further steps. */
  private readonly stopped = new Map<string, string>();
  private readonly ran: string[] = [];
  /** Steps left out, by why: done on every host, no host of this run in their groups, their hosts stopped. */
  private readonly left: Record<"done" | "no_hosts" | "stopped", string[]> = { done: [], no_hosts: [], stopped: [] };
  private readonly t0 = Date.now();

  constructor(
    private readonly o: StepsOptions,
    private readonly names: string[],
  ) {}

  async step(i: number, pb: Playbook): Promise<void> {
    const o = this.o;
    const name = this.names[i];
    const at = { step: name, index: i + 1, total: this.names.length };
    const targets = playbookHosts(o.inv, pb).filter((h) => !o.run.limit || o.run.limit.has(h));
    const { todo, fps } = this.plan(name, pb, targets);
    if (todo.length === 0) {
      // not "done" when a host is left out because it stopped in an earlier step
      const reason = targets.length === 0 ? "no_hosts" : targets.some((h) => this.stopped.has(h)) ? "stopped" : "done";
      this.left[reason].push(name);
      o.report.emit({ event: "step_skip", ...at, reason, hosts: targets.length });
      return;
    }
    this.ran.push(name);
    const doneBefore = targets.length - todo.length - targets.filter((h) => this.stopped.has(h)).length;
    o.report.emit({ event: "step_start", ...at, hosts: todo, done_before: doneBefore });
    const started = Date.now();
    const finished = await this.execute(name, pb, { todo, fps });
    const failed = todo.filter((h) => !finished.includes(h));
    o.report.emit({ event: "step_end", ...at, ok: finished, failed, elapsed_ms: Date.now() - started });
  }

  /** The hosts that still need this step; records a fresh attempt for each, says why a done one re-runs. */
  private plan(name: string, pb: Playbook, targets: string[]): { todo: string[]; fps: Fingerprints } {
    const { o, cascade } = this;
    const j = o.journal;
    const files = filesFingerprint(pb);
    const todo: string[] = [];
    const fps: Fingerprints = new Map();
    for (const h of targets) {
      if (this.stopped.has(h)) continue;
      // where the inventory file lies is no change to the host (a moved or copied config re-runs nothing)
      const vars = hash([stable({ host: o.inv.writtenVars(h), extra: o.run.extraVars })]);
      const fp = hash([files, vars]);
      fps.set(h, { fp, files, vars });
      const done = j.stepDone(name, h);
      if (done && done.fp === fp && !cascade.has(h)) continue;
      if (done) {
        const reason = cascade.has(h) ? "earlier_step_reran" : done.files !== files ? "files_changed" : "vars_changed";
        o.report.emit({ event: "step_rerun", step: name, host: h, reason });
        cascade.add(h);
      }
      const hs = j.hostState(name, h);
      if (!hs || hs.startFp !== fp || done) {
        const attempt = randomBytes(4).toString("hex");
        j.write({ t: "step_reset", step: name, host: h, fp, reason: done ? "re-run" : "start", attempt });
      }
      todo.push(h);
    }
    j.flush();
    return { todo, fps };
  }

  /** Run the step's playbook on `todo`, journal each host's outcome; returns the hosts that finished. */
  private async execute(name: string, pb: Playbook, plan: { todo: string[]; fps: Fingerprints }): Promise<string[]> {
    const o = this.o;
    const j = o.journal;
    const step = { name, runId: j.runId, journal: j, reconnectWindowMs: o.reconnectWindowMs };
    const runner = new Runner(o.inv, o.pool, { ...o.run, limit: new Set(plan.todo), step }, o.report);
    await runner.runPlaybook(pb);
    const outcomes = runner.hostOutcomes();
    const finished: string[] = [];
    const time = () => new Date().toISOString();
    // a run filtered by tags or --start-at-task ran part of the step: its tasks are recorded, the step is not done
    const partial = filteredBy(o.run) !== undefined;
    for (const h of plan.todo) {
      const out = outcomes.get(h) ?? { ok: true, unreachable: false };
      if (out.ok) {
        if (!partial) j.write({ t: "host_step_done", step: name, host: h, ...plan.fps.get(h)!, time: time() });
        finished.push(h);
        continue;
      }
      const msg = secrets.text(out.msg ?? "");
      const failure = { task: out.task ?? "", msg, unreachable: out.unreachable, time: time() };
      j.write({ t: "host_failed", step: name, host: h, ...failure });
      this.stopped.set(h, name);
    }
    j.flush();
    writeStepsFile(j.dir, j, this.names, o.inv.hostNames);
    // A fresh run's step directory exists only where this run detached a command: no round trip
    // elsewhere. A resumed run keeps the cut run's id, so a directory of it may be anywhere.
    const used = runner.runDirHosts();
    const dirty = o.resume ? finished : finished.filter((h) => used.has(h));
    await cleanup(o, dirty, runPath(j.runId, name));
    // Tasks delegated to the controller ran under this user's run directory here.
    rmSync(join(localRunBase(), runPath(j.runId, name)), { recursive: true, force: true });
    return finished;
  }

  finish(): boolean {
    const ok = this.stopped.size === 0;
    const stopped = [...this.stopped].map(([host, step]) => ({ host, step }));
    const hint = ok ? undefined : `everything done is recorded in ${this.o.stateDir}: ${this.o.continueHint}`;
    const elapsed_ms = Date.now() - this.t0;
    const { done: skipped, no_hosts, stopped: not_run } = this.left;
    const lists = { ran: this.ran, skipped, no_hosts, not_run };
    const filtered = filteredBy(this.o.run);
    this.o.report.emit({ event: "steps_end", ok, ...lists, stopped, elapsed_ms, hint, ...(filtered && { filtered }) });
    return ok;
  }
}

/** The options that make a run run part of each step ("--tags a", …), or undefined. */
function filteredBy(run: StepsOptions["run"]): string | undefined {
  const by = [
    run.tags?.length ? `--tags ${run.tags.join(",")}` : "",
    run.skipTags?.length ? `--skip-tags ${run.skipTags.join(",")}` : "",
    run.startAtTask !== undefined ? `--start-at-task "${run.startAtTask}"` : "",
  ].filter(Boolean);
  return by.length ? by.join(" ") : undefined;
}

/** Remove the finished step's run directories on the nodes (best effort; one round trip when logged in as root). */
async function cleanup(o: StepsOptions, hosts: string[], path: string): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      try {
        const spec = connectionSpec(
          h,
          o.inv.hostVars(h),
          o.inv.hasHost("bastion") ? o.inv.hostVars("bastion") : undefined,
        );
        const conn = await o.pool.get(spec);
        await conn.exec(cleanupScript(path));
        // A second round trip only when tasks may also have run as another user (become).
        if (spec.endpoint.user !== spec.becomeUser) await conn.exec(cleanupScript(path), { become: true });
      } catch {
        /* a leftover run directory is harmless */
      }
    }),
  );
}

/** The human-readable record of completed steps (kubeplay users know `.install_steps`). */
export function writeStepsFile(dir: string, j: Journal, steps: string[], hosts: string[]): void {
  const lines = [
    `# kplay steps, run ${j.runId}; rewritten after every step. ` +
      "`kplay status` explains; `kplay state reset` clears.",
  ];
  for (const h of hosts) {
    for (const s of steps) {
      const st = j.hostState(s, h);
      if (!st) continue;
      if (st.done) lines.push(`${h}\t${s}\tdone\t${st.done.time}\tfp=${st.done.fp}`);
      else if (st.failed)
        lines.push(
          `${h}\t${s}\t${st.failed.unreachable ? "unreachable" : "failed"}\t${st.failed.time}\tat "${st.failed.task}"`,
        );
      else if (st.tasks.size) lines.push(`${h}\t${s}\tpartial\t${st.tasks.size} task(s) done`);
    }
  }
  writeFileAtomic(join(dir, "steps"), lines.join("\n") + "\n", 0o600);
}
