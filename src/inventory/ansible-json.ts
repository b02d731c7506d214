// Owns the `kplay inventory` output shapes: exactly what `ansible-inventory --list`, `--host`
// and `--graph` print, so users and scripts can compare kplay's view with Ansible's.
import type { Inventory, Vars } from "./model.js";

/** ansible-inventory leaves out Ansible's own variables (its INTERNAL_VARS: inventory_file, inventory_dir). */
function shownVars(inv: Inventory, host: string): Vars {
  return inv.writtenVars(host);
}

export function inventoryList(inv: Inventory): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  const formatGroup = (name: string) => {
    const entry: { hosts?: string[]; children?: string[] } = {};
    if (name !== "all") {
      const hosts = inv.directHosts(name);
      if (hosts.length) entry.hosts = hosts;
    }
    const children = inv.children(name);
    if (children.length) entry.children = children;
    const result: Record<string, unknown> = {};
    if (Object.keys(entry).length) result[name] = entry;
    for (const c of children) {
      if (seen.has(c)) continue;
      seen.add(c);
      Object.assign(result, formatGroup(c));
    }
    return result;
  };
  Object.assign(out, formatGroup("all"));
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hostNames) {
    const v = shownVars(inv, h);
    if (Object.keys(v).length) hostvars[h] = v;
  }
  return { _meta: { hostvars }, ...out };
}

export function inventoryHost(inv: Inventory, host: string): Vars {
  return shownVars(inv, host);
}

export function inventoryGraph(inv: Inventory, group = "all"): string {
  const lines: string[] = [];
  const name = (n: string, depth: number) => (depth ? "  |".repeat(depth) + "--" + n : n);
  const walk = (g: string, depth: number) => {
    lines.push(name(`@${g}:`, depth));
    for (const c of inv.children(g)) walk(c, depth + 1);
    if (g !== "all") for (const h of inv.directHosts(g)) lines.push(name(h, depth + 1));
  };
  walk(group, 0);
  return lines.join("\n");
}

/** JSON with keys sorted and 4-space indents: ansible-inventory's --list / --host output. */
export function sortedJson(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : x && typeof x === "object"
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
          )
        : x;
  return JSON.stringify(sort(v), null, 4);
}
