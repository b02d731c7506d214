// Owns the flags, help and confirmation of the node commands: `kplay add-node` (deploy-cluster's
// steps for just the named hosts, through runPlaybooks) and `kplay remove-node` (the procedure
// itself is cluster/remove-node.ts). It parses, asks, takes the state lock and prints.
import { join } from "node:path";
import { KplayError } from "../errors.js";
import { checkRemovable, checkTopology, clusterNodes } from "../cluster/nodes.js";
import { checkBundleCarries } from "../config/cluster-checks.js";
import { removeNodes } from "../cluster/remove-node.js";
import { deployPlaybooks } from "../cluster/steps.js";
import { COMMON, confirmReset, loadInv, parse, stateDir, type Common } from "./options.js";
import { checkControllerPki } from "../cluster/pki-check.js";
import { RUN_OPTIONS, reporterFor, runPlaybooks, type RunValues } from "./run.js";
import { withClusterSession } from "./state.js";

export const ADD_NODE_HELP = `\
Usage: kplay add-node NODE [NODE...] (-c CONFIG | --sandbox | -i INVENTORY) [options]

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
  const inv = loadInv(values as Common);
  const nodes = clusterNodes(inv, positionals, "add-node");
  for (const w of checkTopology(inv)) console.error(`kplay: warning: ${w}`);
  checkControllerPki(join(stateDir(values as Common), "pki"));
  checkBundleCarries(values.config, inv);
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

export const REMOVE_NODE_HELP = `\
Usage: kplay remove-node NODE [NODE...] (-c CONFIG | --sandbox | -i INVENTORY) [--yes] [--force] [options]

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
  checkTopology(inv); // a cluster without a control plane or etcd cannot drain, delete or hand over
  checkRemovable(inv, nodes);
  const what = `remove-node takes ${nodes.join(", ")} out of the cluster and resets it`;
  const question = `This takes ${nodes.join(", ")} out of the cluster and resets it to its state before kplay.`;
  if (!values.yes && !(await confirmReset(what, question))) return 1;
  const { reporter, sd } = reporterFor(o, inv, {}, { kind: "steps" });
  const how = { force: !!values.force, drainTimeout: values["drain-timeout"] };
  return withClusterSession({ o, inv, sd, reporter }, `kplay remove-node ${nodes.join(" ")}`, async (session) =>
    (await removeNodes(session, nodes, how)) ? 0 : 1,
  );
}
