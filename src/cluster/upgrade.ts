// Owns what `kplay upgrade-cluster` decides before anything changes: the preflight (every node
// reachable and Ready, the new version's binaries on the files server, etcd healthy; the shipped
// upgrade-preflight.yml reads them), whether the target version is allowed (kubeadm's rule: one
// minor version at a time, never down; a node already at the target is fine, so a cut upgrade
// can continue), and the etcd snapshot taken before the first change. The rollout itself is the
// shipped upgrade-cluster.yml, recorded in its own run-set per target version.
import { KplayError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import type { Playbook } from "../playbook/types.js";
import { etcdBackup, type EtcdSnapshot } from "./etcd-backup.js";
import type { ClusterSession } from "./session.js";
import { runPlays } from "./shipped.js";
import { nothingToDo, planUpgrade, type NodeState, type UpgradePlan } from "./upgrade-plan.js";

const NODES_TASK = "The cluster's nodes, status and version";
const VERSIONS_TASK = "The node's kubeadm and kube-apiserver versions";

export interface NodeVersion {
  name: string;
  status: string;
  version: string;
}

interface Semver {
  major: number;
  minor: number;
  patch: number;
}

export function parseVersion(v: string): Semver | undefined {
  const m = /^v(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** `kubectl get nodes --no-headers` lines: NAME STATUS ROLES VERSION. */
export function parseNodes(stdout: string): NodeVersion[] {
  return stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w.length >= 4)
    .map((w) => ({ name: w[0], status: w[1], version: w[w.length - 1] }));
}

/**
 * Why the upgrade to `target` may not go ahead (each reason names the node), or [] when it may:
 * every cluster node registered and Ready, each at the target or below it by at most one minor
 * version, none above it.
 */
export function upgradeRefusals(nodes: NodeVersion[], o: { target: string; expected: string[] }): string[] {
  const t = parseVersion(o.target);
  if (!t) return [`kube_version "${o.target}" is not a version such as v1.29.0`];
  const out: string[] = [];
  const seen = new Set(nodes.map((n) => n.name));
  for (const h of o.expected) if (!seen.has(h)) out.push(`${h} is not a registered node of the cluster`);
  for (const n of nodes) {
    const v = parseVersion(n.version);
    if (!n.status.split(",").includes("Ready")) out.push(`${n.name} is ${n.status}, not Ready`);
    if (!v || v.major !== t.major) out.push(`${n.name} runs ${n.version}: not an upgrade kplay knows to ${o.target}`);
    else if (v.minor > t.minor || (v.minor === t.minor && v.patch > t.patch))
      out.push(`${n.name} runs ${n.version}, newer than ${o.target}: kplay does not downgrade`);
    else if (t.minor - v.minor > 1)
      out.push(
        `${n.name} runs ${n.version}: kubeadm upgrades one minor version at a time ` +
          `(to v${t.major}.${v.minor + 1}.x first, then ${o.target})`,
      );
  }
  return out;
}

export interface UpgradePreflight {
  nodes: NodeVersion[];
  plan: UpgradePlan;
  snapshot?: EtcdSnapshot;
}

/**
 * The preflight, the version check, the plan and (when something is to be upgraded, unless the
 * upgrade is continuing or only planned) the etcd snapshot. Throws an input error, nothing
 * changed, when the upgrade is not allowed; undefined when the preflight itself failed on a host
 * (its reason was reported).
 */
export async function prepareUpgrade(
  s: ClusterSession,
  o: { target: string; continuing: boolean; snapshotDir: string; batch: number; dryRun?: boolean },
): Promise<UpgradePreflight | undefined> {
  let listing = "";
  const versions = new Map<string, string>();
  const onResult = (e: { task: string; host: string; status: string; result: Record<string, unknown> }) => {
    if (e.task === NODES_TASK && e.status === "ok") listing = String(e.result.stdout ?? "");
    if (e.task === VERSIONS_TASK && e.status === "ok") versions.set(e.host, String(e.result.stdout ?? ""));
  };
  const phases = (plays: string[]) => runPlays(s, { file: "upgrade-preflight.yml", plays, forks: s.forks, onResult });
  if (await phases(["every node answers", "cluster nodes"])) return undefined;
  const nodes = parseNodes(listing);
  const refusals = upgradeRefusals(nodes, { target: o.target, expected: k8sNodes(s.inv) });
  if (refusals.length)
    throw new KplayError("usage", `upgrade to ${o.target} refused, nothing changed:\n  ${refusals.join("\n  ")}`);
  if (await phases(["node versions"])) return undefined;
  const plan = planUpgrade(nodeStates(s.inv, nodes, versions), { target: o.target, batch: o.batch });
  if (nothingToDo(plan)) return { nodes, plan };
  if (await phases(["the new files", "the new images", "etcd healthy"])) return undefined;
  const upgrades = plan.controlPlanes.length + plan.workerBatches.length > 0;
  if (o.continuing || o.dryRun || !upgrades) return { nodes, plan };
  const snapshot = await etcdBackup(s, { outDir: o.snapshotDir });
  return snapshot ? { nodes, plan, snapshot } : undefined;
}

/** Each cluster node as it is now, control planes first in the inventory's order. */
function nodeStates(inv: Inventory, nodes: NodeVersion[], versions: Map<string, string>): NodeState[] {
  const cps = inv.hasGroup("kube_control_plane") ? inv.groupHosts("kube_control_plane") : [];
  const order = [...cps, ...k8sNodes(inv).filter((h) => !cps.includes(h))];
  return order.flatMap((name) => {
    const n = nodes.find((x) => x.name === name);
    if (!n) return [];
    const [kubeadm, apiserver] = (versions.get(name) ?? "").split("\n").map((l) => l.trim());
    return [
      {
        name,
        status: n.status,
        kubelet: n.version,
        ...(kubeadm ? { kubeadm } : {}),
        ...(apiserver ? { apiserver } : {}),
        controlPlane: cps.includes(name),
      },
    ];
  });
}

function k8sNodes(inv: Inventory): string[] {
  return inv.hasGroup("k8s_cluster") ? inv.groupHosts("k8s_cluster") : [];
}

/** The upgrade playbook with the workers' play taking `batch` nodes at a time. */
export function withBatch(pb: Playbook, batch: number): Playbook {
  return { ...pb, plays: pb.plays.map((p) => (p.name === "workers" ? { ...p, serial: [batch] } : p)) };
}
