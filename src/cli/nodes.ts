// Owns the node commands: `kplay add-node` (deploy-cluster's steps for just the named hosts,
// recorded like any step; the other nodes are not touched) and `kplay remove-node` (the etcd
// member removed through a member that stays, quorum-checked; the node's undo log replayed
// newest first; the node forgotten in the recorded progress and the fact cache).
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { Runner } from "../engine/runner.js";
import { revertHosts } from "../engine/revert.js";
import { writeStepsFile } from "../engine/steps.js";
import type { Inventory } from "../inventory/index.js";
import { loadPlaybook } from "../playbook/load.js";
import type { Reporter } from "../report/index.js";
import { FactCache } from "../state/facts.js";
import type { ConnectionPool } from "../transport/index.js";
import { CLUSTER_GROUPS, deployPlaybooks, shippedPlaybook } from "../cluster/steps.js";
import { COMMON, confirmReset, forks, loadInv, parse, type Common } from "./options.js";
import { RUN_OPTIONS, reporterFor, runPlaybooks, type RunValues } from "./run.js";
import { openPool, withState } from "./state.js";

const ETCD_STEP = "02-cluster-etcd";
const K8S_STEP = "03-cluster-kubernetes";

/** The named hosts, each an exact inventory host name in a cluster group and not the bootstrap node. */
function clusterNodes(inv: Inventory, names: string[], command: string): string[] {
  if (names.length === 0)
    throw new KplayError("usage", `${command} needs the name of at least one node`, { hint: `kplay ${command} node5` });
  const cluster = new Set(CLUSTER_GROUPS.filter((g) => inv.hasGroup(g)).flatMap((g) => inv.groupHosts(g)));
  for (const n of names) {
    if (!inv.hasHost(n))
      throw new KplayError("usage", `${n} is not a host of the inventory (names are matched exactly)`, {
        hint: "add it to the inventory (and to its groups) first",
      });
    if (!cluster.has(n))
      throw new KplayError("usage", `${n} is in none of the cluster groups (${CLUSTER_GROUPS.join(", ")})`);
    if (inv.hasGroup("bootstrap") ? inv.groupHosts("bootstrap").includes(n) : n === "bootstrap")
      throw new KplayError("usage", `${n} is the bootstrap node, not a cluster node`);
  }
  return [...new Set(names)];
}

export const ADD_NODE_HELP = `Usage: kplay add-node NODE [NODE...] (-c CONFIG | --sandbox | -i INVENTORY) [options]

Bring new nodes into the cluster: deploy-cluster's steps run for just these hosts (they must be
in the inventory already, in their groups; names match exactly). The other nodes are not
touched and need not be reachable: what a step needs to know of them comes from the inventory
and the facts kplay recorded when it last reached them. A new etcd host joins the running etcd
cluster (member add before its first start); that is refused when the cluster's healthy
members could not keep quorum, unless --force. Progress is recorded like deploy-cluster's: run
it again after an interruption and it continues.

Options: as for "kplay deploy-cluster", and
      --force   add an etcd member even when quorum is at risk
  -h, --help    this help`;

export async function addNodeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...RUN_OPTIONS, force: { type: "boolean" } }, "add-node");
  if (values.help) {
    console.log(ADD_NODE_HELP);
    return 0;
  }
  const nodes = clusterNodes(loadInv(values as Common), positionals, "add-node");
  return runPlaybooks(values as RunValues, deployPlaybooks(), {
    label: `kplay add-node ${nodes.join(" ")}`,
    cluster: true,
    resume: !values.restart,
    continueHint: `run kplay add-node ${nodes.join(" ")} again (without --restart) to continue`,
    // The same variables as deploy-cluster (a later deploy-cluster finds these hosts' steps done).
    vars: (sd) => ({ kplay_pki_dir: join(sd, "pki"), ...(values.force ? { kplay_force: "1" } : {}) }),
    limit: nodes,
  });
}

export const REMOVE_NODE_HELP = `Usage: kplay remove-node NODE [NODE...] (-c CONFIG | --sandbox | -i INVENTORY) [--yes] [--force] [options]

Take nodes out of the cluster, one at a time:
  1. an etcd host's member is removed through a reachable etcd member that stays — refused when
     the members left would not hold a healthy majority (quorum), unless --force (a refusal
     changes nothing);
  2. a Kubernetes node is drained (DaemonSet pods stay; bounded by --drain-timeout) and its
     Node object deleted, through the first control plane (which cannot itself be removed);
  3. the node's undo log is replayed newest first: services kplay installed stopped and purged,
     data directories removed, files restored to what was there before kplay, package sources,
     CA and hosts block back as they were;
  4. the node is forgotten in the recorded progress and the fact cache.
A node that cannot be reached is removed with --force: the cluster side only;
its own files stay as they are (drain and delete still go through the control plane).
Afterwards, take the node out of the inventory.

Options:
  -y, --yes      do not ask for confirmation
      --force    remove even when quorum is at risk, or the node is unreachable
      --drain-timeout SECONDS   how long a drain may take (default 300)
  -f, --forks N, --json, -v, --state-dir DIR, --accept-new-host-keys as for "kplay run"`;

export async function removeNodeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON,
      yes: { type: "boolean", short: "y" },
      force: { type: "boolean" },
      "drain-timeout": { type: "string" },
    },
    "remove-node",
  );
  if (values.help) {
    console.log(REMOVE_NODE_HELP);
    return 0;
  }
  const o = values as Common;
  if (values["drain-timeout"] !== undefined && !/^[1-9]\d*$/.test(values["drain-timeout"]))
    throw new KplayError(
      "usage",
      `--drain-timeout takes whole seconds, got ${JSON.stringify(values["drain-timeout"])}`,
    );
  const inv = loadInv(o);
  const nodes = clusterNodes(inv, positionals, "remove-node");
  const etcd = inv.hasGroup("etcd") ? inv.groupHosts("etcd") : [];
  const firstCp = inv.hasGroup("kube_control_plane") ? inv.groupHosts("kube_control_plane")[0] : undefined;
  if (firstCp && nodes.includes(firstCp)) {
    throw new KplayError(
      "usage",
      `${firstCp} is the first control plane (kube_control_plane[0]): the cluster is run from it`,
      {
        hint: "put another control plane first in kube_control_plane (and run deploy-cluster), then remove it; or kplay remove-cluster",
      },
    );
  }
  if (etcd.length && etcd.every((h) => nodes.includes(h)))
    throw new KplayError("usage", `removing ${nodes.join(", ")} would remove every etcd member`, {
      hint: "kplay remove-cluster removes the whole cluster",
    });
  if (
    !values.yes &&
    !(await confirmReset(
      `remove-node takes ${nodes.join(", ")} out of the cluster and resets it`,
      `This takes ${nodes.join(", ")} out of the cluster and resets it to its state before kplay.`,
    ))
  )
    return 1;
  const { reporter, sd } = reporterFor(o, inv);
  const facts = new FactCache(join(sd, "facts"));
  return withState(sd, `kplay remove-node ${nodes.join(" ")}`, reporter, async (journal) => {
    const pool = openPool(sd, o);
    try {
      for (const node of nodes) {
        if (etcd.includes(node)) {
          // First the etcd member: its quorum check is what may refuse, before anything changed.
          // Members that stay, those kplay recorded as running etcd first.
          const staying = etcd.filter((h) => !nodes.includes(h));
          const peers = [
            ...staying.filter((h) => journal.stepDone(ETCD_STEP, h)),
            ...staying.filter((h) => !journal.stepDone(ETCD_STEP, h)),
          ];
          if (!(await removeEtcdMember(inv, pool, reporter, node, peers, !!values.force, facts))) return 1;
        }
        // Then drain and delete the Node object (the node still runs its pods; its reset comes last).
        if (
          firstCp &&
          journal.stepDone(K8S_STEP, firstCp) &&
          inv.hasGroup("k8s_cluster") &&
          inv.groupHosts("k8s_cluster").includes(node)
        ) {
          const out = await runShipped(inv, pool, reporter, facts, "remove-k8s-node.yml", {
            kplay_node: node,
            ...(values["drain-timeout"] ? { kplay_drain_timeout: values["drain-timeout"] } : {}),
          });
          if (!out.ok) {
            reporter.emit({
              event: "warning",
              message: `${node} could not be drained and deleted through ${firstCp}; nothing else was done`,
            });
            return 1;
          }
        }
        const [r] = await revertHosts(
          inv,
          pool,
          [node],
          forks(o),
          reporter,
          `Undo kplay's changes on ${node} (newest first)`,
        );
        if (r.status === "unreachable" && values.force) {
          reporter.emit({
            event: "warning",
            message: `${node} is unreachable: removed from the cluster, its own files left as they are (--force)`,
          });
        } else if (r.status !== "ok" && r.status !== "changed") {
          reporter.emit({
            event: "warning",
            message: `${node} was not reset (${r.status}): its progress is kept; run remove-node again${r.status === "unreachable" ? ", or with --force to give up on the node itself" : ""}`,
          });
          return 1;
        }
        journal.forgetHost(node);
        facts.forget(node);
        writeStepsFile(sd, journal, journal.knownSteps(), inv.hostNames);
      }
      return 0;
    } finally {
      await pool.closeAll();
    }
  });
}

/** Run a shipped playbook once, not recorded as a step (it is idempotent), optionally on one host. */
function runShipped(
  inv: Inventory,
  pool: ConnectionPool,
  report: Reporter,
  facts: FactCache,
  file: string,
  extraVars: Record<string, unknown>,
  only?: string,
) {
  const run = {
    forks: 1,
    check: false,
    diff: false,
    extraVars,
    factCache: facts,
    ...(only ? { limit: new Set([only]) } : {}),
  };
  return new Runner(inv, pool, run, report).runPlaybook(loadPlaybook(shippedPlaybook(file)));
}

/** Remove NODE's etcd member through the first reachable peer; false when refused or nobody answered. */
async function removeEtcdMember(
  inv: Inventory,
  pool: ConnectionPool,
  report: Reporter,
  node: string,
  peers: string[],
  force: boolean,
  facts: FactCache,
): Promise<boolean> {
  for (const peer of peers) {
    const out = await runShipped(
      inv,
      pool,
      report,
      facts,
      "remove-etcd-member.yml",
      { kplay_node: node, ...(force ? { kplay_force: "1" } : {}) },
      peer,
    );
    if (out.ok) return true;
    if (!out.hosts[peer]?.unreachable) return false; // refused (quorum) or failed: another peer would say the same
    report.emit({ event: "warning", message: `etcd member ${peer} is unreachable; trying the next one` });
  }
  report.emit({
    event: "warning",
    message: `no etcd member that stays could be reached (${peers.join(", ") || "none"}); ${node}'s member was not removed`,
  });
  return false;
}
