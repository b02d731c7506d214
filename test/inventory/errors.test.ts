// Bad inventories give one clear message naming file, line and field, and exit code 2.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KplayError } from "../../src/errors.js";
import { loadInventory } from "../../src/inventory/index.js";

const dir = mkdtempSync(join(tmpdir(), "kplay-inv-"));
function load(name: string, text: string): KplayError {
  const f = join(dir, name);
  writeFileSync(f, text);
  try {
    loadInventory([f]);
  } catch (e) {
    if (e instanceof KplayError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("inventory errors", () => {
  it.each([
    [
      "unknown child group (YAML)",
      "a.yml",
      "all:\n  hosts:\n    n1:\n  children:\n    k8s_cluster:\n      children:\n        kube_nodes:\n",
      7,
      /group "kube_nodes" is listed as a child of "k8s_cluster" but is never defined/,
    ],
    [
      "unknown child group (INI)",
      "b.ini",
      "[kube_node]\nn1\n\n[k8s_cluster:children]\nkube_node\nkube_master\n",
      6,
      /group "kube_master" is listed as a child of "k8s_cluster"/,
    ],
    [
      "cycle",
      "c.ini",
      "[a]\nn1\n[a:children]\nb\n[b:children]\na\n",
      undefined,
      /cycle in group children: (a -> b -> a|b -> a -> b)/,
    ],
    [
      "conflicting host vars",
      "d.yml",
      "all:\n  children:\n    g1:\n      hosts:\n        n1: { ansible_host: 10.0.0.1 }\n    g2:\n      hosts:\n        n1: { ansible_host: 10.0.0.2 }\n",
      8,
      /host n1 is defined twice with different values for ansible_host/,
    ],
    [
      "invalid port",
      "e.yml",
      "all:\n  hosts:\n    n1:\n      ansible_port: 70000\n",
      3,
      /invalid value 70000 for ansible_port of host n1/,
    ],
    ["non-numeric port (INI)", "f.ini", "n1 ansible_port=ssh\n", 1, /invalid value "ssh" for ansible_port/],
    ["empty inventory", "g.yml", "all:\n  hosts: {}\n", undefined, /the inventory has no hosts/],
    [
      "unknown group key",
      "h.yml",
      "all:\n  hosts:\n    n1:\n  chldren:\n",
      4,
      /unknown key "chldren" in group all .*did you mean "children"/,
    ],
    [
      "misspelt group section key",
      "i.yml",
      "all:\n  hosts:\n    n1:\n  children:\n    g:\n      host:\n        n1:\n",
      6,
      /unknown key "host" in group g/,
    ],
    ["YAML syntax", "j.yml", "all:\n  hosts:\n    n1: {\n", 4, /YAML syntax error/],
    ["bad range", "k.ini", "[g]\nnode[3:1]\n", 2, /starts after it ends/],
  ])("%s", (_n, file, text, line, msg) => {
    const e = load(file, text);
    expect(e.exitCode).toBe(2);
    expect(e.describe()).toMatch(msg);
    expect(e.where.file).toBe(join(dir, file));
    if (line !== undefined) expect(e.where.line).toBe(line);
  });
});
