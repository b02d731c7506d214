// Owns what a cluster is made of, step by step: the shipped playbooks directory and
// deploy-cluster's ordered steps (add-node runs the same list for new hosts), and the groups
// whose hosts are cluster nodes. The CLI parses flags and prints; it asks this module what to run.
import { KPLAY_ROOT } from "../version.js";
import { join } from "node:path";

/** The shipped playbooks directory (beside src/ and templates/ in the package). */
export const PLAYBOOKS_DIR = join(KPLAY_ROOT, "playbooks");

/** deploy-cluster's steps, in order. Each is one playbook; each finished step is recorded per host. */
export const DEPLOY_STEPS = [
  "00-bootstrap-node",
  "00-default-ssh-config",
  "01-cluster-bootstrap-os",
  "01-container-engine",
  "02-cluster-etcd",
  "03-cluster-kubernetes",
  "04-cluster-network",
  "05-cluster-apps",
];

/** The steps as playbook files. */
export function deployPlaybooks(): string[] {
  return DEPLOY_STEPS.map((s) => join(PLAYBOOKS_DIR, `${s}.yml`));
}

/** A shipped playbook that is not a recorded step (etcd member removal, node drain). */
export function shippedPlaybook(file: string): string {
  return join(PLAYBOOKS_DIR, file);
}

/** Groups whose hosts are cluster nodes (kubespray's names). */
export const CLUSTER_GROUPS = ["k8s_cluster", "etcd", "calico_rr"];
