// upgrade-cluster's plan: what it does to each node, from what the node runs now.
import { describe, expect, it } from "vitest";
import { nothingToDo, planLines, planUpgrade, type NodeState } from "../../src/cluster/upgrade-plan.js";

const node = (name: string, v: string, o: Partial<NodeState> = {}): NodeState => ({
  name,
  status: "Ready",
  kubelet: v,
  kubeadm: v,
  controlPlane: false,
  ...o,
});

describe("upgrade-cluster's plan", () => {
  it("a cluster at the target: nothing to drain, restart or uncordon", () => {
    const p = planUpgrade(
      [node("cp1", "v1.29.0", { controlPlane: true, apiserver: "v1.29.0" }), node("w1", "v1.29.0")],
      { target: "v1.29.0", batch: 1 },
    );
    expect(nothingToDo(p)).toBe(true);
    expect(planLines(p)).toEqual(["upgrade to v1.29.0: every node is at v1.29.0; nothing to do"]);
  });

  it("control planes first, one at a time; workers in batches; nodes at the target left alone", () => {
    const p = planUpgrade(
      [
        node("cp1", "v1.28.4", { controlPlane: true, apiserver: "v1.28.4" }),
        node("cp2", "v1.28.4", { controlPlane: true, apiserver: "v1.28.4" }),
        node("w1", "v1.28.4"),
        node("w2", "v1.29.0"),
        node("w3", "v1.28.4"),
        node("w4", "v1.28.4"),
      ],
      { target: "v1.29.0", batch: 2 },
    );
    expect(p.controlPlanes).toEqual(["cp1", "cp2"]);
    expect(p.workerBatches).toEqual([["w1", "w3"], ["w4"]]);
    const lines = planLines(p);
    expect(lines[1]).toMatch(
      /1\. control plane cp1 \(kubelet v1\.28\.4, kubeadm v1\.28\.4, kube-apiserver v1\.28\.4\): kubeadm upgrade apply/,
    );
    expect(lines[2]).toMatch(/2\. control plane cp2 .*: kubeadm upgrade node, drained/);
    expect(lines[3]).toMatch(/3\. workers w1 .*, w3 .*: kubeadm upgrade node, drained/);
    expect(lines[4]).toMatch(/4\. worker w4 /);
    expect(lines.at(-1)).toBe("  left alone (already at v1.29.0): w2");
  });

  it("a node whose kubelet is at the target but whose kubeadm or control plane is not is upgraded", () => {
    const p = planUpgrade(
      [
        node("cp1", "v1.29.0", { controlPlane: true, apiserver: "v1.28.4" }),
        node("w1", "v1.29.0", { kubeadm: "v1.28.4" }),
      ],
      { target: "v1.29.0", batch: 1 },
    );
    expect(p.controlPlanes).toEqual(["cp1"]);
    expect(p.workerBatches).toEqual([["w1"]]);
  });

  it("a node at the target left cordoned is only uncordoned, never drained again", () => {
    const p = planUpgrade([node("w1", "v1.29.0", { status: "Ready,SchedulingDisabled" })], {
      target: "v1.29.0",
      batch: 1,
    });
    expect(p.uncordon).toEqual(["w1"]);
    expect(p.workerBatches).toEqual([]);
    expect(nothingToDo(p)).toBe(false);
    expect(planLines(p)).toContain("  uncordoned only (at v1.29.0, left cordoned): w1");
  });
});
