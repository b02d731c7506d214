// deploy-cluster and add-node check the cluster's shape before anything runs: an inventory
// without cluster groups, control plane or etcd, or with a node address that is not an IP, is
// an input error (exit 2) naming the inventory; an even etcd membership is a warning.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkTopology } from "../../src/cluster/nodes.js";
import { KplayError } from "../../src/errors.js";
import { loadInventory } from "../../src/inventory/index.js";

function inventory(yaml: string) {
  const f = join(mkdtempSync(join(tmpdir(), "kplay-topo-")), "inv.yml");
  writeFileSync(f, yaml);
  return loadInventory([f]);
}

const groups = (cp: string, etcd: string) => `
all:
  hosts:
    n1: { ip: 10.0.0.1 }
    n2: { ip: 10.0.0.2 }
  children:
    kube_control_plane: { hosts: { ${cp} } }
    kube_node: { hosts: { n1:, n2: } }
    etcd: { hosts: { ${etcd} } }
    k8s_cluster: { children: { kube_control_plane:, kube_node: } }
`;

function refusal(yaml: string): KplayError {
  try {
    checkTopology(inventory(yaml));
  } catch (e) {
    if (e instanceof KplayError) return e;
    throw e;
  }
  throw new Error("accepted");
}

describe("cluster topology", () => {
  it.each([
    ["no cluster groups", "all:\n  hosts:\n    n1: {}\n", /no cluster nodes/],
    ["no control plane", groups("", "n1:"), /no control plane/],
    ["no etcd member", groups("n1:", ""), /no etcd member/],
    ["a node ip that is not an IP", groups("n1:", "n1:").replace("10.0.0.2", "10.0.0.1200"), /n2: ip "10\.0\.0\.1200"/],
  ])("%s is refused before anything runs", (_n, yaml, msg) => {
    const e = refusal(yaml);
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(msg);
    expect(e.describe()).toContain("inv.yml");
  });

  it("a cluster in shape passes; an even etcd membership is a warning", () => {
    expect(checkTopology(inventory(groups("n1:", "n1:")))).toEqual([]);
    expect(checkTopology(inventory(groups("n1:", "n1:, n2:")))).toEqual([
      "etcd has 2 members: it tolerates no more failures than 1 would",
    ]);
  });
});
