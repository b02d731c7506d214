// Owns where each run-set keeps its journal. The cluster's steps (deploy-cluster, add-node:
// one ordered list) keep theirs at the top of the state directory (journal.jsonl, steps);
// every other ordered list of playbooks (`kplay run A B C`) has its own directory
// runs/<names>-<hash of the resolved paths>/, so an ad-hoc run never erases the cluster's
// progress and `--resume` of the same list finds its own record. A workflow may name its own
// run-set (runs/<name>/), as upgrade-cluster does per target version.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";

export type RunSet = { kind: "cluster" } | { kind: "playbooks"; files: string[] } | { kind: "named"; name: string };

export function runSetDir(stateDir: string, set: RunSet): string {
  if (set.kind === "cluster") return stateDir;
  // a workflow's own run-set (upgrade-cluster-v1.29.0): one per target, never another's
  if (set.kind === "named") return join(stateDir, "runs", set.name.replace(/[^A-Za-z0-9_.+-]+/g, "_"));
  const paths = set.files.map((f) => resolve(f));
  const hash = createHash("sha256").update(paths.join("\0")).digest("hex").slice(0, 10);
  const names = set.files
    .map((f) => basename(f, extname(f)))
    .join("+")
    .replace(/[^A-Za-z0-9_.+-]+/g, "_")
    .slice(0, 60);
  return join(stateDir, "runs", `${names}-${hash}`);
}

/** Every run-set with a journal, most recently written first. */
export function listRunSets(stateDir: string): Array<{ dir: string; mtimeMs: number }> {
  const dirs = [stateDir];
  const runs = join(stateDir, "runs");
  if (existsSync(runs)) for (const d of readdirSync(runs)) dirs.push(join(runs, d));
  return dirs
    .filter((d) => existsSync(join(d, "journal.jsonl")))
    .map((d) => ({ dir: d, mtimeMs: statSync(join(d, "journal.jsonl")).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
}
