// Owns running one of kplay's shipped non-step playbooks (remove-etcd-member, remove-k8s-node,
// etcd-backup, etcd-restore, certs-check) for a cluster workflow: whole or one play of it, once,
// not recorded as a step (each is idempotent or reads only), on every host or one, with the
// workflow's reporter; `onResult` sees each host's result as it arrives (what a workflow reads
// back from a task's output).
import { Runner } from "../engine/runner.js";
import { loadPlaybook } from "../playbook/load.js";
import type { Playbook } from "../playbook/types.js";
import type { KplayEvent } from "../report/index.js";
import type { ClusterSession } from "./session.js";
import { shippedPlaybook } from "./steps.js";

export type HostResult = Extract<KplayEvent, { event: "host_result" }>;

export interface ShippedRun {
  file: string;
  vars?: Record<string, unknown>;
  /** Run this play of the file only (a phase of a workflow that goes on only when it succeeded). */
  play?: string;
  /** Run on this host only (the playbook's own hosts otherwise). */
  only?: string;
  /** One host at a time (a membership change), or the session's fork limit (a listing). */
  forks?: number;
  onResult?: (e: HostResult) => void;
}

export function runShipped(s: ClusterSession, p: ShippedRun) {
  const report = p.onResult
    ? {
        emit(e: KplayEvent) {
          s.report.emit(e);
          if (e.event === "host_result") p.onResult!(e);
        },
      }
    : s.report;
  const limit = p.only ? { limit: new Set([p.only]) } : {};
  const run = { forks: p.forks ?? 1, check: false, diff: false, extraVars: p.vars ?? {}, factCache: s.facts, ...limit };
  return new Runner(s.inv, s.pool, run, report).runPlaybook(onlyPlay(loadPlaybook(shippedPlaybook(p.file)), p.play));
}

/**
 * The file's plays (or the named ones) one at a time, in order, each going on only when the one
 * before succeeded on every host: a workflow's phases. The first that did not, with its index.
 */
export async function runPlays(
  s: ClusterSession,
  p: Omit<ShippedRun, "play"> & { plays?: readonly string[] },
): Promise<{ play: string; index: number } | undefined> {
  const plays = p.plays ?? loadPlaybook(shippedPlaybook(p.file)).plays.map((play) => play.name);
  for (const [index, play] of plays.entries()) if (!(await runShipped(s, { ...p, play })).ok) return { play, index };
  return undefined;
}

function onlyPlay(pb: Playbook, name: string | undefined): Playbook {
  if (name === undefined) return pb;
  const plays = pb.plays.filter((play) => play.name === name);
  if (plays.length !== 1) throw new Error(`${pb.file}: expected one play named "${name}", found ${plays.length}`);
  return { ...pb, plays };
}
