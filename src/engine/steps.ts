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
import type { ConnectionPool } from "../transport/index.js";
import { connectionSpec } from "../transport/spec.js";
import { Runner, type RunOptions } from "./runner.js";

export interface StepsOptions {
  inv: Inventory;
  pool: ConnectionPool;
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
  const j = o.journal;
  const cascade = new Set<string>();
  const stopped = new Set<string>();
  let ok = true;
  for (const [i, pb] of o.playbooks.entries()) {
    const name = names[i];
    const files = filesFingerprint(pb);
    const targets = [...new Set(pb.plays.flatMap((p) => matchPattern(o.inv, p.hosts).hosts))].filter(
      (h) => !o.run.limit || o.run.limit.has(h),
    );
    const todo: string[] = [];
    const fps = new Map<string, { fp: string; files: string; vars: string }>();
    for (const h of targets) {
      if (stopped.has(h)) continue;
      const vars = hash([stable({ host: o.inv.hostVars(h), extra: o.run.extraVars })]);
      const fp = hash([files, vars]);
      fps.set(h, { fp, files, vars });
      const done = j.stepDone(name, h);
      if (done && done.fp === fp && !cascade.has(h)) continue;
      if (done) {
        const why = cascade.has(h)
          ? "an earlier step re-ran on it"
          : done.files !== files
            ? "its playbook, task files or templates changed"
            : "its variables changed";
        o.report.emit({ event: "warning", message: `step ${name} re-runs on ${h}: ${why}` });
        cascade.add(h);
      }
      const hs = j.hostState(name, h);
      if (!hs || hs.startFp !== fp || done)
        j.write({
          t: "step_reset",
          step: name,
          host: h,
          fp,
          reason: done ? "re-run" : "start",
          attempt: randomBytes(4).toString("hex"),
        });
      todo.push(h);
    }
    j.flush();
    const skipped = targets.length - todo.length - targets.filter((h) => stopped.has(h)).length;
    if (todo.length === 0) {
      o.report.emit({
        event: "warning",
        message: `step ${name}: already done on all ${targets.length} host(s), skipped`,
      });
      continue;
    }
    if (skipped > 0)
      o.report.emit({
        event: "warning",
        message: `step ${name}: done before on ${skipped} host(s); running on ${todo.join(", ")}`,
      });
    const runner = new Runner(
      o.inv,
      o.pool,
      {
        ...o.run,
        limit: new Set(todo),
        step: { name, runId: j.runId, journal: j, reconnectWindowMs: o.reconnectWindowMs },
      },
      o.report,
    );
    await runner.runPlaybook(pb);
    const outcomes = runner.hostOutcomes();
    const finished: string[] = [];
    for (const h of todo) {
      const out = outcomes.get(h) ?? { ok: true, unreachable: false };
      const fp = fps.get(h)!;
      if (out.ok) {
        j.write({ t: "host_step_done", step: name, host: h, ...fp, time: new Date().toISOString() });
        finished.push(h);
      } else {
        j.write({
          t: "host_failed",
          step: name,
          host: h,
          task: out.task ?? "",
          msg: secrets.text(out.msg ?? ""),
          unreachable: out.unreachable,
          time: new Date().toISOString(),
        });
        stopped.add(h);
        ok = false;
      }
    }
    j.flush();
    writeStepsFile(j.dir, j, names, o.inv.hostNames);
    await cleanup(o, finished, runPath(j.runId, name));
    // Tasks delegated to the controller ran under this user's run directory here.
    rmSync(join(localRunBase(), runPath(j.runId, name)), { recursive: true, force: true });
  }
  if (!ok) {
    o.report.emit({
      event: "warning",
      message: `stopped on ${[...stopped].join(", ")}; everything done is recorded in ${o.stateDir}: ${o.continueHint}`,
    });
  }
  return ok;
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
    `# kplay steps, run ${j.runId}; rewritten after every step. \`kplay status\` explains; \`kplay state reset\` clears.`,
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
