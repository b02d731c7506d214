// Owns the inventory model: groups, hosts, membership, Ansible variable precedence
// (all < groups by depth, then name < host) and the structural checks (undefined child groups,
// cycles, conflicting host vars, invalid connection vars). Parsers feed an InventoryBuilder;
// everything else reads the finished, immutable Inventory. Also Ansible's implicit localhost:
// a play naming localhost when the inventory does not define it runs on the controller.
import { plainIssueIn } from "../plain-issue.js";
import { dirname, resolve } from "node:path";
import { MAX_HOSTS } from "./ranges.js";
import { z } from "zod";
import { inputError, type Where } from "../errors.js";

export type Vars = Record<string, unknown>;

interface GroupDef {
  name: string;
  hosts: string[];
  children: string[];
  vars: Vars;
  defined: boolean;
  firstRef?: Where & { parent?: string };
}

interface HostDef {
  name: string;
  vars: Vars;
  where: Where;
  varOrigin: Record<string, Where>;
}

export class InventoryBuilder {
  private groups = new Map<string, GroupDef>();
  private hosts = new Map<string, HostDef>();
  /** Groups explicitly listed under all.children: they stay all's children even when nested elsewhere. */
  private explicitTop = new Set<string>();
  /** Each group's hosts as a set, for membership tests that stay O(1) with thousands of hosts. */
  private members = new Map<string, Set<string>>();

  constructor(readonly sources: string[] = []) {
    this.group("all");
    this.group("ungrouped");
  }

  private group(name: string): GroupDef {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], vars: {}, defined: name === "all" || name === "ungrouped" };
      this.groups.set(name, g);
      if (name !== "all" && name !== "ungrouped") this.groups.get("all")!.children.push(name);
    }
    return g;
  }

  defineGroup(name: string): void {
    checkName(name, "group", {});
    this.group(name).defined = true;
  }

  addChild(parent: string, child: string, where: Where): void {
    checkName(child, "group", where);
    const p = this.group(parent);
    p.defined = true;
    const c = this.group(child);
    if (!c.firstRef) c.firstRef = { ...where, parent };
    // A group that is someone's child is no longer a direct child of `all` (unless listed there explicitly).
    if (parent === "all") this.explicitTop.add(child);
    else if (!this.explicitTop.has(child)) {
      const all = this.groups.get("all")!;
      const i = all.children.indexOf(child);
      if (i >= 0) all.children.splice(i, 1);
    }
    if (!p.children.includes(child)) p.children.push(child);
  }

  addHost(group: string, name: string, vars: Vars | null | undefined, where: Where): void {
    checkName(name, "host", where);
    const g = this.group(group);
    g.defined = true;
    let h = this.hosts.get(name);
    if (!h) {
      if (this.hosts.size >= MAX_HOSTS)
        throw inputError(`${name}: the inventory has more than ${MAX_HOSTS} hosts`, where);
      h = { name, vars: {}, where, varOrigin: {} };
      this.hosts.set(name, h);
    }
    let set = this.members.get(group);
    if (!set) this.members.set(group, (set = new Set(g.hosts)));
    if (group !== "all" && !set.has(name)) {
      g.hosts.push(name);
      set.add(name);
    }
    for (const [k, v] of Object.entries(vars ?? {})) {
      if (k in h.vars && !sameValue(h.vars[k], v)) {
        const first = h.varOrigin[k];
        throw inputError(
          `host ${name} is defined twice with different values for ${k} ` +
            `(${JSON.stringify(h.vars[k])} at line ${first?.line ?? "?"} and ${JSON.stringify(v)} here)`,
          { ...where, field: `${name}.${k}` },
          "define host variables in one place only",
        );
      }
      h.vars[k] = v;
      h.varOrigin[k] = where;
    }
  }

  setGroupVars(group: string, vars: Vars): void {
    const g = this.group(group);
    g.defined = true;
    Object.assign(g.vars, vars);
  }

  /** Variables for a group that its own definitions override (defaults from a cluster config). */
  defaultGroupVars(group: string, vars: Vars): void {
    const g = this.group(group);
    g.defined = true;
    g.vars = { ...vars, ...g.vars };
  }

  hostVar(host: string, key: string): unknown {
    return this.hosts.get(host)?.vars[key];
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /** A host variable its own definitions did not set (a default derived from its other variables). */
  defaultHostVar(host: string, key: string, value: unknown): void {
    const h = this.hosts.get(host);
    if (h && !(key in h.vars)) h.vars[key] = value;
  }

  groupMembers(group: string): string[] {
    return [...(this.groups.get(group)?.hosts ?? [])];
  }

  setHostVars(host: string, vars: Vars, where: Where): void {
    const h = this.hosts.get(host);
    if (!h) return; // host_vars for a host not in the inventory are ignored, as Ansible does
    Object.assign(h.vars, vars);
    for (const k of Object.keys(vars)) h.varOrigin[k] = where;
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  build(): Inventory {
    for (const g of this.groups.values()) {
      if (!g.defined) {
        const ref = g.firstRef ?? {};
        throw inputError(
          `group "${g.name}" is listed as a child of "${ref.parent ?? "?"}" but is never defined`,
          { file: ref.file, line: ref.line, column: ref.column, field: `${ref.parent}.children.${g.name}` },
          `define it (with "hosts: {}" if it is meant to be empty) or fix the name`,
        );
      }
    }
    // Cycle check (depth-first, three colours).
    const state = new Map<string, 1 | 2>();
    const visit = (name: string, trail: string[]) => {
      const s = state.get(name);
      if (s === 2) return;
      if (s === 1) {
        const cyc = [...trail.slice(trail.indexOf(name)), name].join(" -> ");
        const ref = this.groups.get(name)?.firstRef ?? {};
        throw inputError(`cycle in group children: ${cyc}`, {
          file: ref.file,
          line: ref.line,
          field: `${name}.children`,
        });
      }
      state.set(name, 1);
      for (const c of this.groups.get(name)!.children) visit(c, [...trail, name]);
      state.set(name, 2);
    };
    visit("all", []);
    for (const g of this.groups.keys()) visit(g, []);

    const ungrouped = this.groups.get("ungrouped")!;
    const grouped = new Set<string>();
    for (const g of this.groups.values())
      if (g.name !== "all" && g.name !== "ungrouped") g.hosts.forEach((h) => grouped.add(h));
    const listed = new Set(ungrouped.hosts);
    for (const h of this.hosts.keys()) if (!grouped.has(h) && !listed.has(h)) ungrouped.hosts.push(h);
    ungrouped.hosts = ungrouped.hosts.filter((h) => !grouped.has(h));
    // "ungrouped" is always all's first child, as in Ansible.
    const all = this.groups.get("all")!;
    all.children = ["ungrouped", ...all.children.filter((c) => c !== "ungrouped")];

    const inv = new Inventory(this.sources, this.groups, this.hosts);
    for (const h of this.hosts.values()) validateConnectionVars(h.name, inv.hostVars(h.name), h);
    return inv;
  }
}

/** Names Ansible treats as the controller when the inventory does not define them. */
const LOCAL_NAMES = new Set(["localhost", "127.0.0.1", "::1"]);

export class Inventory {
  /** Implicit localhost entries made on first use: in no group, not in `all`. */
  private implicit = new Map<string, HostDef>();
  private depthCache = new Map<string, number>();
  private membersCache = new Map<string, string[]>();
  private varsCache = new Map<string, Vars>();
  private groupsOfCache?: Map<string, string[]>;

  constructor(
    readonly sources: string[],
    private readonly groupDefs: Map<string, GroupDef>,
    private readonly hostDefs: Map<string, HostDef>,
  ) {}

  /** Host names in inventory order. */
  get hostNames(): string[] {
    return [...this.hostDefs.keys()];
  }

  get groupNames(): string[] {
    return [...this.groupDefs.keys()];
  }

  hasHost(name: string): boolean {
    return this.hostDefs.has(name);
  }

  /**
   * The implicit localhost for a pattern term, as Ansible makes it: the inventory does not define
   * `localhost`/`127.0.0.1`/`::1`, so that name is the controller (connection local). It is in no
   * group and `all` does not match it.
   */
  implicitLocalhost(term: string): string | undefined {
    if (!LOCAL_NAMES.has(term) || this.hostDefs.has(term)) return undefined;
    if (!this.implicit.has(term))
      this.implicit.set(term, { name: term, vars: { ansible_connection: "local" }, where: {}, varOrigin: {} });
    return term;
  }

  /** Whether a name is an implicit localhost (see implicitLocalhost). */
  isImplicit(host: string): boolean {
    return this.implicit.has(host);
  }

  hasGroup(name: string): boolean {
    return this.groupDefs.has(name);
  }

  children(group: string): string[] {
    return [...(this.groupDefs.get(group)?.children ?? [])];
  }

  directHosts(group: string): string[] {
    if (group === "all") return this.hostNames;
    return [...(this.groupDefs.get(group)?.hosts ?? [])];
  }

  /** All hosts of a group including its descendants', in inventory order. */
  groupHosts(group: string): string[] {
    const cached = this.membersCache.get(group);
    if (cached) return cached;
    if (group === "all") return this.hostNames;
    const set = new Set<string>();
    const walk = (g: string) => {
      const def = this.groupDefs.get(g);
      if (!def) return;
      def.hosts.forEach((h) => set.add(h));
      def.children.forEach(walk);
    };
    walk(group);
    const ordered = this.hostNames.filter((h) => set.has(h));
    this.membersCache.set(group, ordered);
    return ordered;
  }

  /** Groups a host belongs to (transitively), excluding "all", ordered by depth then name. */
  groupsOf(host: string): string[] {
    if (!this.groupsOfCache) {
      // built once for every host: one pass over each group's members, not one per host
      const byHost = new Map<string, string[]>();
      const ordered = this.groupNames
        .filter((g) => g !== "all")
        .sort((a, b) => this.depth(a) - this.depth(b) || a.localeCompare(b));
      for (const g of ordered) for (const h of this.groupHosts(g)) (byHost.get(h) ?? byHost.set(h, []).get(h)!).push(g);
      this.groupsOfCache = byHost;
    }
    return [...(this.groupsOfCache.get(host) ?? [])];
  }

  /** Distance from `all` along the longest parent chain, as Ansible computes group depth. */
  depth(group: string): number {
    if (group === "all") return 0;
    const c = this.depthCache.get(group);
    if (c !== undefined) return c;
    let d = 0;
    for (const p of this.groupDefs.values()) if (p.children.includes(group)) d = Math.max(d, this.depth(p.name) + 1);
    this.depthCache.set(group, d);
    return d;
  }

  groupVars(group: string): Vars {
    return { ...(this.groupDefs.get(group)?.vars ?? {}) };
  }

  /** Merged inventory variables of a host: all < groups (by depth, then name) < host. */
  hostVars(host: string): Vars {
    const cached = this.varsCache.get(host);
    if (cached) return cached;
    const def = this.hostDefs.get(host) ?? this.implicit.get(host);
    if (!def) throw new Error(`unknown host ${host}`);
    const merged: Vars = { ...this.groupVars("all") };
    for (const g of this.groupsOf(host)) Object.assign(merged, this.groupVars(g));
    Object.assign(merged, sourceVars(this.hostDefs.has(host) ? def.where.file : undefined), def.vars);
    this.varsCache.set(host, merged);
    return merged;
  }

  /**
   * The host's variables as the inventory writes them, without where it was read from
   * (inventory_file, inventory_dir): what a step's fingerprint and ansible-inventory show.
   */
  writtenVars(host: string): Vars {
    const v = { ...this.hostVars(host) };
    for (const k of Object.keys(sourceVars("x"))) delete v[k];
    return v;
  }

  hostWhere(host: string): Where {
    return this.hostDefs.get(host)?.where ?? {};
  }
}

/**
 * Ansible's inventory_file and inventory_dir: the inventory source a host was first met in, as an
 * absolute path (an implicit localhost has none). Roles build paths beside the inventory from them.
 */
function sourceVars(file: string | undefined): Vars {
  if (!file) return {};
  const abs = resolve(file);
  return { inventory_file: abs, inventory_dir: dirname(abs) };
}

const NAME_RE = /^[A-Za-z0-9_.\-:[\]]+$/;
function checkName(name: string, kind: string, where: Where): void {
  if (!name || !NAME_RE.test(name)) throw inputError(`invalid ${kind} name ${JSON.stringify(name)}`, where);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

const portSchema = z.coerce.number().int().min(1).max(65535);
const connectionVars = z.object({
  ansible_port: portSchema.optional(),
  ansible_ssh_port: portSchema.optional(),
  ansible_host: z.string().min(1).optional(),
  ansible_user: z.string().min(1).optional(),
  ansible_connection: z.enum(["ssh", "paramiko", "smart", "local"]).optional(),
  ansible_ssh_private_key_file: z.string().min(1).optional(),
  ansible_private_key_file: z.string().min(1).optional(),
  ansible_become_user: z.string().min(1).optional(),
  ansible_become_method: z.string().min(1).optional(),
  // a password written as digits is a YAML number: Ansible takes it as its text
  ansible_password: z.union([z.string(), z.number()]).optional(),
  ansible_ssh_pass: z.union([z.string(), z.number()]).optional(),
  ansible_become_password: z.union([z.string(), z.number()]).optional(),
  ansible_become_pass: z.union([z.string(), z.number()]).optional(),
});
/** Connection variables whose value is never shown, not even in an error about its type. */
const SECRET_VARS = /pass/;

function validateConnectionVars(host: string, vars: Vars, def: HostDef): void {
  const r = connectionVars.safeParse(vars);
  if (r.success) return;
  const issue = r.error.issues[0];
  const field = String(issue.path[0]);
  const where = def.varOrigin[field] ?? def.where;
  const value = SECRET_VARS.test(field) ? "(not shown)" : JSON.stringify(vars[field]);
  throw inputError(`invalid value ${value} for ${field} of host ${host}: ${plainIssueIn(issue, vars)}`, {
    ...where,
    field: `${host}.${field}`,
  });
}
