// The same cluster written as a YAML inventory, an INI inventory (ranges, :children, :vars,
// host:port), a directory with group_vars/host_vars, and a kubeplay config.yaml must resolve to
// the same hosts, groups and variables.
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigInventory, loadInventory, type Inventory } from "../../src/inventory/index.js";

const F = join(import.meta.dirname, "../fixtures/inventory");

function view(inv: Inventory) {
  const groups: Record<string, string[]> = {};
  for (const g of inv.groupNames.sort()) groups[g] = inv.groupHosts(g);
  const vars: Record<string, unknown> = {};
  // inventory_file and inventory_dir name each format's own file (tested below)
  for (const h of inv.hostNames.sort()) {
    const own = { ...inv.hostVars(h) };
    delete own.inventory_file;
    delete own.inventory_dir;
    vars[h] = own;
  }
  return { hosts: [...inv.hostNames].sort(), groups, vars };
}

describe("inventory formats", () => {
  const yaml = view(loadInventory([join(F, "yaml/hosts.yaml")]));
  it("YAML reads hosts, groups and merged vars", () => {
    expect(yaml.hosts).toEqual(["node1", "node2", "node3", "node4", "node5"]);
    expect(yaml.groups.k8s_cluster).toEqual(["node1", "node2", "node3", "node4", "node5"]);
    expect(yaml.groups.etcd).toEqual(["node1", "node2", "node3"]);
    expect(yaml.groups.calico_rr).toEqual([]);
    expect(yaml.groups.ungrouped).toEqual([]);
    expect(yaml.vars.node4).toEqual({
      ansible_user: "root",
      ansible_port: 2222,
      ntp_server: "10.0.0.1",
      ansible_host: "10.0.0.14",
      ip: "10.0.0.14",
      node_role: "worker",
      max_pods: 110,
      cluster_name: "prod",
    });
    expect(yaml.vars.node1).not.toHaveProperty("node_role");
  });

  it.each([
    ["INI", () => loadInventory([join(F, "ini/inventory.ini")])],
    ["directory with group_vars/host_vars", () => loadInventory([join(F, "dir")])],
    ["kubeplay config.yaml (-i)", () => loadInventory([join(F, "kubeplay/config.yaml")])],
  ])("%s resolves to the same hosts, groups and vars as YAML", (_name, load) => {
    expect(view(load())).toEqual(yaml);
  });
});

describe("inventory_file and inventory_dir", () => {
  it("name, as absolute paths, the source each host was first met in (a directory's own file)", () => {
    const file = join(F, "yaml/hosts.yaml");
    expect(loadInventory([file]).hostVars("node1")).toMatchObject({
      inventory_file: file,
      inventory_dir: dirname(file),
    });
    const dir = loadInventory([join(F, "dir")]).hostVars("node4");
    expect(dirname(String(dir.inventory_file))).toBe(String(dir.inventory_dir));
    expect(String(dir.inventory_dir).startsWith(join(F, "dir"))).toBe(true);
    const ini = loadInventory([join(F, "ini/inventory.ini"), file]).hostVars("node2");
    expect(ini.inventory_file).toBe(join(F, "ini/inventory.ini"));
  });
});

describe("kubeplay config.yaml with -c", () => {
  it("has the inventory's hosts plus the controller as bootstrap host, and cluster variables below the inventory's own", () => {
    const inv = loadConfigInventory(join(F, "kubeplay/config.yaml"));
    expect(inv.hostNames).toEqual(["node1", "node2", "node3", "node4", "node5", "bootstrap"]);
    expect(inv.hostVars("bootstrap")).toMatchObject({ ansible_connection: "local" });
    const v = inv.hostVars("node4");
    expect(v).toMatchObject({
      ansible_port: 2222,
      ntp_server: "10.0.0.1",
      internal_ip: "10.0.0.25",
      registry_ip: "10.0.0.25",
      download_url: "http://10.0.0.25:8080/files",
      registry_host: "kube.registry.local",
      kube_version: "v1.21.3",
    });
  });
});

describe("variable precedence", () => {
  it("all < parent group < child group < host", async () => {
    const { InventoryBuilder } = await import("../../src/inventory/model.js");
    const b = new InventoryBuilder();
    b.setGroupVars("all", { x: "all", y: "all", z: "all", w: "all" });
    b.addChild("all", "parent", {});
    b.addChild("parent", "child", {});
    b.setGroupVars("parent", { x: "parent", y: "parent", z: "parent" });
    b.setGroupVars("child", { x: "child", y: "child" });
    b.addHost("child", "h1", { x: "host" }, {});
    const inv = b.build();
    expect(inv.hostVars("h1")).toEqual({ x: "host", y: "child", z: "parent", w: "all" });
    expect(inv.groupsOf("h1")).toEqual(["parent", "child"]);
  });
});
