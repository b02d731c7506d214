// Host patterns as Ansible reads them.
import { join } from "node:path";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { loadInventory, matchPattern, readLimit } from "../../src/inventory/index.js";

const inv = loadInventory([join(import.meta.dirname, "../fixtures/inventory/yaml/hosts.yaml")]);
const m = (p: string | string[]) => matchPattern(inv, p).hosts;

describe("host patterns", () => {
  it.each([
    ["all", ["node1", "node2", "node3", "node4", "node5"]],
    ["*", ["node1", "node2", "node3", "node4", "node5"]],
    ["node2", ["node2"]],
    ["etcd", ["node1", "node2", "node3"]],
    ["kube_node:etcd", ["node1", "node2", "node3", "node4", "node5"]],
    ["kube_node,node1", ["node1", "node3", "node4", "node5"]],
    ["kube_node:&etcd", ["node3"]],
    ["k8s_cluster:!kube_control_plane", ["node4", "node5"]],
    ["node[45]*", ["node4", "node5"]],
    ["node*", ["node1", "node2", "node3", "node4", "node5"]],
    ["kube_*:!etcd", ["node4", "node5"]],
    ["~node[12]$", ["node1", "node2"]],
    ["!etcd", ["node4", "node5"]],
    ["calico_rr", []],
    // globs as Python's fnmatch reads them: a negated class, a [ never closed is a literal
    ["node[!45]", ["node1", "node2", "node3"]],
    ["node[", []],
    ["node[1-2]*", ["node1", "node2"]],
  ])("%s", (p, want) => {
    expect(m(p)).toEqual(want);
  });

  it("a character class that cannot be read is an input error naming the pattern", () => {
    expect(() => m("node[5-1]")).toThrow(/invalid host pattern: node\[5-1\]/);
  });

  it("never matches a host by substring", () => {
    expect(m("node")).toEqual([]);
    expect(matchPattern(inv, "node").unmatched).toEqual(["node"]);
  });

  it("an existing but empty group matches nothing without a warning", () => {
    expect(matchPattern(inv, "kube_node:calico_rr").unmatched).toEqual([]);
    expect(matchPattern(inv, "kube_node:nosuch").unmatched).toEqual(["nosuch"]);
  });

  it("localhost not in the inventory is Ansible's implicit localhost: the controller, outside all", () => {
    expect(m("localhost")).toEqual(["localhost"]);
    expect(m("etcd:127.0.0.1")).toEqual(["node1", "node2", "node3", "127.0.0.1"]);
    expect(inv.hostVars("localhost").ansible_connection).toBe("local");
    expect(inv.groupsOf("localhost")).toEqual([]);
    expect(m("all")).not.toContain("localhost");
    expect(m("local*")).toEqual([]);
  });

  it("reads --limit @file", () => {
    const f = join(mkdtempSync(join(tmpdir(), "kplay-limit-")), "retry");
    writeFileSync(f, "node1\n# comment\nnode5\n");
    expect(m(readLimit(`@${f}`))).toEqual(["node1", "node5"]);
  });
});

describe("host patterns: subscripts", () => {
  it.each([
    ["etcd[0]", ["node1"]],
    ["etcd[-1]", ["node3"]],
    ["etcd[1:]", ["node2", "node3"]],
    ["etcd[0:1]", ["node1", "node2"]],
    ["etcd[5]", []],
    ["kube_node:!etcd[0]", ["node3", "node4", "node5"]],
    ["node[45]", ["node4", "node5"]],
  ])("%s", (p, want) => {
    expect(m(p)).toEqual(want);
  });
});
