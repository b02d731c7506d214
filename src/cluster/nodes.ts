// Owns which hosts of an inventory are what in the cluster: the cluster nodes, the bootstrap
// node(s), the first control plane and the etcd members; and checking the names an operator
// gives add-node, remove-node and remove-cluster before anything runs.
import { isIP } from "node:net";
import { KplayError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { CLUSTER_GROUPS } from "./steps.js";

const hostsOf = (inv: Inventory, group: string) => (inv.hasGroup(group) ? inv.groupHosts(group) : []);

/** The bootstrap node(s): the group `bootstrap`, else a host named so. */
export function bootstrapHosts(inv: Inventory): string[] {
  return inv.hasGroup("bootstrap") ? inv.groupHosts("bootstrap") : inv.hasHost("bootstrap") ? ["bootstrap"] : [];
}

export function clusterHosts(inv: Inventory): string[] {
  return [...new Set(CLUSTER_GROUPS.flatMap((g) => hostsOf(inv, g)))];
}

export function etcdMembers(inv: Inventory): string[] {
  return hostsOf(inv, "etcd");
}

/** Each etcd member with the address its peer and client URLs are made from (the inventory's ip). */
export function etcdMemberAddresses(inv: Inventory): Array<{ name: string; ip: string }> {
  return etcdMembers(inv).map((name) => {
    const ip = inv.hostVars(name).ip;
    if (typeof ip !== "string" || !ip)
      throw new KplayError("usage", `etcd member ${name} has no ip in the inventory (its peer URL is made from it)`);
    return { name, ip };
  });
}

/** kube_control_plane[0]: the control plane the cluster is run from. */
export function firstControlPlane(inv: Inventory): string | undefined {
  return hostsOf(inv, "kube_control_plane")[0];
}

export function isKubernetesNode(inv: Inventory, host: string): boolean {
  return hostsOf(inv, "k8s_cluster").includes(host);
}

/** The named hosts, each an exact inventory host name in a cluster group and not the bootstrap node. */
export function clusterNodes(inv: Inventory, names: string[], command: string): string[] {
  if (names.length === 0)
    throw new KplayError("usage", `${command} needs the name of at least one node`, { hint: `kplay ${command} node5` });
  const cluster = new Set(clusterHosts(inv));
  const boot = bootstrapHosts(inv);
  for (const n of names) {
    if (!inv.hasHost(n))
      throw new KplayError("usage", `${n} is not a host of the inventory (names are matched exactly)`, {
        hint: "add it to the inventory (and to its groups) first",
      });
    if (!cluster.has(n))
      throw new KplayError("usage", `${n} is in none of the cluster groups (${CLUSTER_GROUPS.join(", ")})`);
    if (boot.includes(n)) throw new KplayError("usage", `${n} is the bootstrap node, not a cluster node`);
  }
  return [...new Set(names)];
}

/** Refuse a removal that would take away the first control plane or every etcd member. */
export function checkRemovable(inv: Inventory, nodes: string[]): void {
  const firstCp = firstControlPlane(inv);
  if (firstCp && nodes.includes(firstCp)) {
    const hint =
      "put another control plane first in kube_control_plane (and run deploy-cluster), then remove it; " +
      "or kplay remove-cluster";
    throw new KplayError(
      "usage",
      `${firstCp} is the first control plane (kube_control_plane[0]): the cluster is run from it`,
      {
        hint,
      },
    );
  }
  const etcd = etcdMembers(inv);
  if (etcd.length && etcd.every((h) => nodes.includes(h)))
    throw new KplayError("usage", `removing ${nodes.join(", ")} would remove every etcd member`, {
      hint: "kplay remove-cluster removes the whole cluster",
    });
}

/**
 * The hosts remove-cluster resets: every cluster node and, unless kept, the bootstrap node.
 * Refused when there is nothing to reset, or the kept bootstrap node is also a cluster node.
 */
export function hostsToReset(inv: Inventory, o: { keepBootstrap: boolean }): string[] {
  const cluster = clusterHosts(inv);
  const boot = bootstrapHosts(inv);
  const both = boot.filter((b) => cluster.includes(b));
  if (o.keepBootstrap && both.length)
    throw new KplayError(
      "usage",
      `--keep-bootstrap: ${both.join(", ")} is both the bootstrap node and a cluster node; ` +
        "its changes are undone together",
      { hint: "remove the cluster without --keep-bootstrap, or run the bootstrap on a separate host" },
    );
  const hosts = [...cluster, ...(o.keepBootstrap ? [] : boot.filter((b) => !cluster.includes(b)))];
  if (hosts.length === 0)
    throw new KplayError(
      "usage",
      "the inventory has no cluster nodes (groups k8s_cluster, etcd, calico_rr) and no bootstrap host",
    );
  return hosts;
}

/**
 * What a cluster needs before deploy-cluster or add-node touch anything: a control plane, etcd
 * members each with an `ip`, a valid `ip` for every cluster node that sets one, and a bootstrap
 * group that is not empty if it is there. Returns warnings: an even
 * number of etcd members tolerates no more failures than one member fewer.
 */
export function checkTopology(inv: Inventory): string[] {
  const file = inv.sources[0];
  const where = (field: string) => ({ where: { file, field } });
  if (clusterHosts(inv).length === 0)
    throw new KplayError("input", "the inventory has no cluster nodes (groups kube_control_plane, kube_node, etcd)", {
      ...where("inventory"),
      hint: "put the nodes in kubespray's groups; kplay init writes a sample",
    });
  if (!firstControlPlane(inv))
    throw new KplayError("input", "the inventory has no control plane: group kube_control_plane is empty", {
      ...where("kube_control_plane"),
    });
  const etcd = etcdMembers(inv);
  if (etcd.length === 0)
    throw new KplayError("input", "the inventory has no etcd member: group etcd is empty", where("etcd"));
  for (const h of etcd)
    if (typeof inv.hostVars(h).ip !== "string" || inv.hostVars(h).ip === "")
      throw new KplayError("input", `etcd member ${h} has no ip: its peer and client URLs are made from it`, {
        where: { ...inv.hostWhere(h), field: `${h}.ip` },
        hint: "give each etcd member its address on the node network: ip: 192.168.10.11",
      });
  if (inv.hasGroup("bootstrap") && hostsOf(inv, "bootstrap").length === 0)
    throw new KplayError("input", "group bootstrap is empty", {
      ...where("bootstrap"),
      hint: "name the bootstrap node in it, or leave the group out (the controller is then the bootstrap node)",
    });
  for (const h of clusterHosts(inv)) {
    const ip = inv.hostVars(h).ip;
    if (typeof ip === "string" && !ip.includes("{{") && isIP(ip) === 0)
      throw new KplayError("input", `host ${h}: ip "${ip}" is not a valid IP address`, {
        where: { ...inv.hostWhere(h), field: `${h}.ip` },
      });
  }
  return etcd.length % 2 === 0
    ? [`etcd has ${etcd.length} members: it tolerates no more failures than ${etcd.length - 1} would`]
    : [];
}
