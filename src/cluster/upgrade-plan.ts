// Owns upgrade-cluster's plan: from what each node runs now (its kubelet as the API server
// reports it, its kubeadm, a control plane's kube-apiserver manifest) and whether it is
// cordoned, what the upgrade does to it — upgraded (drained), only uncordoned (upgraded before,
// its uncordon cut off), or left alone (already at the target) — and in which order and batches.
// A re-run on a cluster at the target drains nothing and takes no snapshot.

export interface NodeState {
  name: string;
  /** kubectl's STATUS column: Ready, Ready,SchedulingDisabled, NotReady… */
  status: string;
  /** kubelet's version as the API server reports it. */
  kubelet: string;
  /** `kubeadm version -o short` on the node ("none" when it has none). */
  kubeadm?: string;
  /** The tag of the node's kube-apiserver manifest image (control planes). */
  apiserver?: string;
  controlPlane: boolean;
}

export type NodeAction = "upgrade" | "uncordon" | "at-target";

export interface PlannedNode extends NodeState {
  action: NodeAction;
  /** What is behind the target, in words ("kubelet v1.28.4, kubeadm v1.28.4"). */
  behind: string[];
}

export interface UpgradePlan {
  target: string;
  nodes: PlannedNode[];
  /** Control planes to upgrade, first one (kubeadm upgrade apply) first, then one at a time. */
  controlPlanes: string[];
  /** Workers to upgrade, in batches of --batch. */
  workerBatches: string[][];
  /** At the target but left cordoned: uncordoned, not drained again. */
  uncordon: string[];
}

/** The plan for the nodes in `order` (the inventory's: control planes first as it lists them). */
export function planUpgrade(nodes: NodeState[], o: { target: string; batch: number }): UpgradePlan {
  const planned = nodes.map((n) => planNode(n, o.target));
  const upgrade = planned.filter((n) => n.action === "upgrade");
  const workers = upgrade.filter((n) => !n.controlPlane).map((n) => n.name);
  const workerBatches: string[][] = [];
  for (let i = 0; i < workers.length; i += o.batch) workerBatches.push(workers.slice(i, i + o.batch));
  return {
    target: o.target,
    nodes: planned,
    controlPlanes: upgrade.filter((n) => n.controlPlane).map((n) => n.name),
    workerBatches,
    uncordon: planned.filter((n) => n.action === "uncordon").map((n) => n.name),
  };
}

function planNode(n: NodeState, target: string): PlannedNode {
  const behind = [
    n.kubelet !== target ? `kubelet ${n.kubelet}` : "",
    n.kubeadm !== undefined && n.kubeadm !== target ? `kubeadm ${n.kubeadm}` : "",
    n.controlPlane && n.apiserver !== undefined && n.apiserver !== target ? `kube-apiserver ${n.apiserver}` : "",
  ].filter(Boolean);
  const cordoned = n.status.split(",").includes("SchedulingDisabled");
  const action: NodeAction = behind.length ? "upgrade" : cordoned ? "uncordon" : "at-target";
  return { ...n, action, behind };
}

/** Nothing to drain, restart or uncordon. */
export function nothingToDo(p: UpgradePlan): boolean {
  return p.controlPlanes.length === 0 && p.workerBatches.length === 0 && p.uncordon.length === 0;
}

/** The plan in lines for the terminal (--dry-run, and before the rollout). */
export function planLines(p: UpgradePlan): string[] {
  if (nothingToDo(p)) return [`upgrade to ${p.target}: every node is at ${p.target}; nothing to do`];
  const from = (name: string) => {
    const n = p.nodes.find((x) => x.name === name)!;
    return `${name} (${n.behind.join(", ")})`;
  };
  const out = [`upgrade to ${p.target}, in this order:`];
  let step = 0;
  for (const [i, cp] of p.controlPlanes.entries()) {
    const how =
      i === 0 && p.nodes.find((n) => n.controlPlane)?.name === cp ? "kubeadm upgrade apply" : "kubeadm upgrade node";
    out.push(`  ${++step}. control plane ${from(cp)}: ${how}, drained, kubelet restarted, uncordoned`);
  }
  const rest = "kubeadm upgrade node, drained, kubelet restarted, uncordoned";
  for (const b of p.workerBatches)
    out.push(`  ${++step}. worker${b.length > 1 ? "s" : ""} ${b.map(from).join(", ")}: ${rest}`);
  if (p.uncordon.length) out.push(`  uncordoned only (at ${p.target}, left cordoned): ${p.uncordon.join(", ")}`);
  const left = p.nodes.filter((n) => n.action === "at-target").map((n) => n.name);
  if (left.length) out.push(`  left alone (already at ${p.target}): ${left.join(", ")}`);
  return out;
}
