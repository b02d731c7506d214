// Owns taking nodes out of a running cluster, one at a time: the etcd member removed through a
// member that stays (quorum-checked, before anything changed), the Kubernetes node drained and
// deleted through the first control plane, the node's undo log replayed newest first, and the
// node forgotten in the recorded progress and the fact cache.
import { revertHosts } from "../engine/revert.js";
import { writeStepsFile } from "../engine/steps.js";
import { etcdMembers, firstControlPlane, isKubernetesNode } from "./nodes.js";
import { warn, type ClusterSession } from "./session.js";
import { runShipped } from "./shipped.js";

const ETCD_STEP = "02-cluster-etcd";
const K8S_STEP = "03-cluster-kubernetes";

export interface RemoveNodeOptions {
  /** Remove even when etcd quorum is at risk, or the node is unreachable (cluster side only). */
  force: boolean;
  /** Seconds a drain may take (the playbook's default when unset). */
  drainTimeout?: string;
}

/** Remove each node in turn; false (and a warning saying why and what to do) when one could not be. */
export async function removeNodes(s: ClusterSession, nodes: string[], o: RemoveNodeOptions): Promise<boolean> {
  for (const node of nodes) if (!(await removeNode(s, { node, removing: nodes }, o))) return false;
  return true;
}

async function removeNode(s: ClusterSession, n: { node: string; removing: string[] }, o: RemoveNodeOptions) {
  const { node } = n;
  // First the etcd member: its quorum check is what may refuse, before anything changed.
  if (etcdMembers(s.inv).includes(node) && !(await removeEtcdMember(s, n, o))) return false;
  // Then drain and delete the Node object (the node still runs its pods; its reset comes last).
  if (!(await drainAndDelete(s, node, o))) return false;
  const [r] = await revertHosts(s, [node], `Undo kplay's changes on ${node} (newest first)`);
  if (r.status === "unreachable" && o.force) {
    warn(s, `${node} is unreachable: removed from the cluster, its own files left as they are (--force)`);
  } else if (r.status !== "ok" && r.status !== "changed") {
    const orForce = r.status === "unreachable" ? ", or with --force to give up on the node itself" : "";
    warn(s, `${node} was not reset (${r.status}): its progress is kept; run remove-node again${orForce}`);
    return false;
  }
  s.journal.forgetHost(node);
  s.facts.forget(node);
  writeStepsFile(s.stateDir, s.journal, s.journal.knownSteps(), s.inv.hostNames);
  return true;
}

/** Drain and delete the node's Node object through the first control plane, once Kubernetes runs there. */
async function drainAndDelete(s: ClusterSession, node: string, o: RemoveNodeOptions): Promise<boolean> {
  const firstCp = firstControlPlane(s.inv);
  if (!firstCp || !s.journal.stepDone(K8S_STEP, firstCp) || !isKubernetesNode(s.inv, node)) return true;
  const vars = { kplay_node: node, ...(o.drainTimeout ? { kplay_drain_timeout: o.drainTimeout } : {}) };
  const out = await runShipped(s, { file: "remove-k8s-node.yml", vars });
  if (!out.ok) warn(s, `${node} could not be drained and deleted through ${firstCp}; nothing else was done`);
  return out.ok;
}

/** Remove the node's etcd member through the first reachable member that stays; false when refused or none answered. */
async function removeEtcdMember(s: ClusterSession, n: { node: string; removing: string[] }, o: RemoveNodeOptions) {
  // Members that stay, those kplay recorded as running etcd first.
  const staying = etcdMembers(s.inv).filter((h) => !n.removing.includes(h));
  const running = (h: string) => !!s.journal.stepDone(ETCD_STEP, h);
  const peers = [...staying.filter(running), ...staying.filter((h) => !running(h))];
  const vars = { kplay_node: n.node, ...(o.force ? { kplay_force: "1" } : {}) };
  for (const peer of peers) {
    const out = await runShipped(s, { file: "remove-etcd-member.yml", vars, only: peer });
    if (out.ok) return true;
    if (!out.hosts[peer]?.unreachable) return false; // refused (quorum) or failed: another peer would say the same
    warn(s, `etcd member ${peer} is unreachable; trying the next one`);
  }
  warn(
    s,
    `no etcd member that stays could be reached (${peers.join(", ") || "none"}); ${n.node}'s member was not removed`,
  );
  return false;
}
