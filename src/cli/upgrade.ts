// Owns the flags, help and printing of `kplay upgrade-cluster`: the preflight, version check and
// etcd snapshot (cluster/upgrade.ts), then the shipped upgrade-cluster.yml as a recorded run-set
// of its own per target version, so running the command again continues the same upgrade.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { shippedPlaybook } from "../cluster/steps.js";
import { prepareUpgrade, withBatch, type UpgradePreflight } from "../cluster/upgrade.js";
import { planLines } from "../cluster/upgrade-plan.js";
import { runPlays } from "../cluster/shipped.js";
import { KplayError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { runSetDir, type RunSet } from "../state/runsets.js";
import { loadInv, parse, stateDir, type Common } from "./options.js";
import { positiveInt } from "./registry-options.js";
import { RUN_OPTIONS, reporterFor, runPlaybooks, type RunValues } from "./run.js";
import { withClusterSession } from "./state.js";
import { checkBundleCarries } from "../config/cluster-checks.js";

export const UPGRADE_HELP = `\
Usage: kplay upgrade-cluster (-c CONFIG | --sandbox | -i INVENTORY) [--batch N] [options]

Upgrade Kubernetes to kube_version (config.yaml; the bundle of that version must be published).
  1. preflight, reading only: every node reachable and Ready; every node at kube_version or one
     minor version below it (kubeadm upgrades one minor version at a time and never down); the
     plan: per node its kubelet, kubeadm and kube-apiserver versions, and what the upgrade does
     to it (upgraded and drained, only uncordoned, or left alone when already at kube_version);
     the new kubeadm, kubelet and kubectl on the files server with their sha256; the new control
     plane images in the internal registry (upgrade_check_images: false skips this); etcd healthy.
     A refusal names each node and why, and nothing changes. Every node already at kube_version:
     nothing is drained, no snapshot is taken, exit 0.
  2. an etcd snapshot to STATE/backups/etcd (as kplay etcd backup).
  3. the first control plane: the new kubeadm, kubeadm upgrade apply; then each other control
     plane, then the workers, one at a time (--batch N: N workers at a time): the new kubeadm,
     kubeadm upgrade node, drained, the new kubelet and kubectl (sha256 checked), kubelet
     restarted, uncordoned, Ready on the new version.
Every finished task is recorded per node in STATE/runs/upgrade-cluster-VERSION/: after an
interruption, run the same command again; it continues with the node it stopped on and drains
no finished node again (no second snapshot is taken then). A node that fails stops the rollout.

Options: as for "kplay deploy-cluster" (-c, --sandbox, -f, -e, --json, -v, --state-dir, …), and
      --batch N   workers upgraded at a time (default 1)
      --dry-run   print the plan (order, batches, which nodes are drained) after the preflight; change nothing
  -h, --help      this help`;

function targetVersion(inv: Inventory): string {
  const cp = inv.hasGroup("kube_control_plane") ? inv.groupHosts("kube_control_plane")[0] : undefined;
  if (!cp) throw new KplayError("usage", "the inventory has no kube_control_plane host: nothing to upgrade");
  const v = inv.hostVars(cp).kube_version;
  if (typeof v !== "string" || !v)
    throw new KplayError("usage", "kube_version is not set (config.yaml kubespray.kube_version, or -e)");
  return v;
}

export async function upgradeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...RUN_OPTIONS, batch: { type: "string" }, "dry-run": { type: "boolean" } },
    "upgrade-cluster",
  );
  if (values.help) {
    console.log(UPGRADE_HELP);
    return 0;
  }
  if (positionals.length)
    throw new KplayError("usage", `upgrade-cluster takes no arguments (got ${positionals.join(" ")})`);
  if (values.resume || values.restart || values.check)
    throw new KplayError(
      "usage",
      "upgrade-cluster always continues the upgrade it started; no --resume/--restart/--check",
    );
  const batch = positiveInt(values.batch, "batch", 1);
  const o = values as Common;
  const inv = loadInv(o);
  checkBundleCarries(o.config, inv);
  const target = targetVersion(inv);
  const sd = stateDir(o);
  const runSet: RunSet = { kind: "named", name: `upgrade-cluster-${target}` };
  const continuing = existsSync(join(runSetDir(sd, runSet), "journal.jsonl"));
  const { reporter } = reporterFor(o, inv, {}, { kind: "steps" });
  let pre: UpgradePreflight | undefined;
  const snapshotDir = join(sd, "backups", "etcd");
  const dryRun = !!values["dry-run"];
  const code = await withClusterSession({ o, inv, sd, reporter }, "kplay upgrade-cluster", async (s) => {
    pre = await prepareUpgrade(s, { target, continuing, snapshotDir, batch, dryRun });
    if (!pre || dryRun || pre.plan.uncordon.length === 0) return pre ? 0 : 1;
    // nodes at the target left cordoned: uncordoned, never drained again
    const failed = await runPlays(s, { file: "upgrade-uncordon.yml", vars: { kplay_uncordon: pre.plan.uncordon } });
    return failed ? 1 : 0;
  });
  if (!pre) {
    console.error("kplay: upgrade-cluster stopped in its preflight; nothing changed");
    return code || 1;
  }
  for (const line of planLines(pre.plan)) console.log(line);
  const upgrade = [...pre.plan.controlPlanes, ...pre.plan.workerBatches.flat()];
  if (code !== 0 || dryRun || upgrade.length === 0) return code;
  if (pre.snapshot) console.log(`etcd snapshot before the upgrade: ${pre.snapshot.file}`);
  else console.log("continuing the upgrade begun earlier (its etcd snapshot is in STATE/backups/etcd)");
  return runPlaybooks(values as RunValues, [shippedPlaybook("upgrade-cluster.yml")], {
    label: "kplay upgrade-cluster",
    cluster: true,
    resume: true,
    runSet,
    // only the nodes the plan upgrades: one already at the target is never drained
    limit: upgrade,
    adjust: batch > 1 ? (pb) => withBatch(pb, batch) : undefined,
    continueHint:
      "mend the node named above and run kplay upgrade-cluster again (finished nodes are not drained again)",
    vars: (dir) => ({ kplay_pki_dir: join(dir, "pki") }),
  });
}
