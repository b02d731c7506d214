// upgrade-cluster's decision before anything changes: which node versions allow an upgrade to
// the target (kubeadm's one-minor-at-a-time rule, no downgrade, every node Ready and
// registered), read from `kubectl get nodes` output.
import { describe, expect, it } from "vitest";
import { parseNodes, upgradeRefusals } from "../../src/cluster/upgrade.js";

const listing = (...rows: string[]) => parseNodes(rows.map((r) => `${r}\n`).join(""));
const expected = ["node1", "node2", "node3"];

describe("upgrade-cluster's version check", () => {
  it("reads kubectl get nodes lines: name, status, version", () => {
    expect(listing("node1  Ready,SchedulingDisabled  control-plane  v1.28.4")).toEqual([
      { name: "node1", status: "Ready,SchedulingDisabled", version: "v1.28.4" },
    ]);
  });

  it("one minor version up is allowed, and so is a cut upgrade with nodes already at the target", () => {
    const nodes = listing("node1 Ready cp v1.29.0", "node2 Ready <none> v1.29.0", "node3 Ready <none> v1.28.4");
    expect(upgradeRefusals(nodes, { target: "v1.29.0", expected })).toEqual([]);
    expect(upgradeRefusals(nodes, { target: "v1.29.2", expected })).toEqual([]);
  });

  it("skipping a minor version is refused, naming the node and the way", () => {
    const nodes = listing("node1 Ready cp v1.28.4", "node2 Ready <none> v1.28.4", "node3 Ready <none> v1.28.4");
    const r = upgradeRefusals(nodes, { target: "v1.30.0", expected });
    expect(r).toHaveLength(3);
    expect(r[0]).toBe(
      "node1 runs v1.28.4: kubeadm upgrades one minor version at a time (to v1.29.x first, then v1.30.0)",
    );
  });

  it("a downgrade, a node not Ready, a node not registered and a bad target are refused", () => {
    const nodes = listing("node1 Ready cp v1.29.1", "node2 NotReady <none> v1.28.4");
    expect(upgradeRefusals(nodes, { target: "v1.29.0", expected })).toEqual([
      "node3 is not a registered node of the cluster",
      "node1 runs v1.29.1, newer than v1.29.0: kplay does not downgrade",
      "node2 is NotReady, not Ready",
    ]);
    expect(upgradeRefusals(nodes, { target: "1.29", expected })).toEqual([
      'kube_version "1.29" is not a version such as v1.29.0',
    ]);
  });
});
