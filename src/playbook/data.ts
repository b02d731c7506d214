// Owns the rule that data is never code: which top-level variables may still be rendered as
// templates when looked up. Only strings written in playbooks, inventories, vars files and -e are
// templates (Ansible's lazy variables), and set_fact values computed from nothing but those;
// facts, registered results, set_fact values that read node data or a lookup, rendered task vars
// and loop items came from nodes or were rendered once already, so they are data: a value such
// as "{{ hostvars.other.ansible_password }}" coming back from a node stays that text.
// A variables object carries the set of its template names under a symbol (copied by spreads).

import { resolve, sep } from "node:path";

export const TEMPLATE_NAMES = Symbol.for("kplay.templateNames");
/** Names of data that came from no node (a loop item of a loop written in the playbook). */
export const CLEAN_NAMES = Symbol.for("kplay.cleanNames");
/** Names of data that came from the controller, not a node (the items of a with_fileglob loop). */
export const CONTROLLER_NAMES = Symbol.for("kplay.controllerNames");

type Vars = Record<string | symbol, unknown>;

/** May the value of top-level variable `name` be rendered on lookup? (No mark: configuration context.) */
export function mayRender(vars: Record<string, unknown>, name: string): boolean {
  const names = (vars as Vars)[TEMPLATE_NAMES] as ReadonlySet<string> | undefined;
  return names === undefined || names.has(name);
}

/** Mark which top-level names of `vars` hold templates written by people; the rest is data. */
export function withTemplateNames<T extends Record<string, unknown>>(vars: T, names: ReadonlySet<string>): T {
  (vars as Vars)[TEMPLATE_NAMES] = names;
  return vars;
}

/** `vars` plus data (a loop item, a registered result): those names are data from now on. */
export function withData(vars: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
  const names = (vars as Vars)[TEMPLATE_NAMES] as ReadonlySet<string> | undefined;
  const out = { ...vars, ...data };
  const clean = (vars as Vars)[CLEAN_NAMES] as ReadonlySet<string> | undefined;
  if (clean) (out as Vars)[CLEAN_NAMES] = new Set([...clean].filter((k) => !(k in data)));
  const controller = (vars as Vars)[CONTROLLER_NAMES] as ReadonlySet<string> | undefined;
  if (controller) (out as Vars)[CONTROLLER_NAMES] = new Set([...controller].filter((k) => !(k in data)));
  if (names) {
    const kept = new Set(names);
    for (const k of Object.keys(data)) kept.delete(k);
    (out as Vars)[TEMPLATE_NAMES] = kept;
  } else {
    (out as Vars)[TEMPLATE_NAMES] = new Set(Object.keys(vars).filter((k) => !(k in data)));
  }
  return out;
}

/** `vars` plus variables written in a vars file (include_vars): those names are templates, rendered on lookup. */
export function withConfig(vars: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  const names = (vars as Vars)[TEMPLATE_NAMES] as ReadonlySet<string> | undefined;
  const out = { ...vars, ...config };
  if (names) (out as Vars)[TEMPLATE_NAMES] = new Set([...names, ...Object.keys(config)]);
  return out;
}

/** Does `v` hold a template string, at any depth? (A vars file's list or mapping of templates.) */
export function holdsTemplate(v: unknown, depth = 0): boolean {
  if (typeof v === "string") return v.includes("{{") || v.includes("{%");
  if (!v || typeof v !== "object" || depth > 32) return false;
  return Object.values(v).some((x) => holdsTemplate(x, depth + 1));
}

// Taint, as Ansible's "unsafe" marking decides it: a set_fact value is a template again (rendered
// where it is used, as in Ansible) only when nothing it was computed from came from a node or a
// lookup. Evaluation notes every variable it reads; anything not known to be clean taints.

/** Names whose values the inventory or the run sets, never a node. */
const CLEAN_MAGIC = new Set([
  "inventory_hostname",
  "inventory_hostname_short",
  "group_names",
  "groups",
  "play_hosts",
  "ansible_play_hosts",
  "ansible_play_batch",
  "ansible_play_hosts_all",
  "ansible_play_name",
  "playbook_dir",
  "inventory_dir",
  "inventory_file",
  "role_name",
  "role_path",
  "ansible_role_names",
  "ansible_play_role_names",
  "ansible_dependent_role_names",
  "role_names",
  "ansible_version",
  "ansible_check_mode",
  "ansible_diff_mode",
  "ansible_run_tags",
  "ansible_skip_tags",
  "ansible_forks",
  "ansible_verbosity",
  "ansible_loop_var",
  "ansible_index_var",
  "ansible_search_path",
  "omit",
  // kplay's own table for the node's OS family (src/os/): the node picks a row, never the values
  "kplay_os",
]);

// Two marks, as two questions: "tainted" is Ansible's unsafe (never evaluated again as a template
// or condition: node data and every lookup's result); "fromNode" says the value came from a node
// (facts, registered output, set_fact values computed from them), which must never pick code or
// a controller path. A with_fileglob item is tainted but not from a node.
interface Tracking {
  tainted: boolean;
  fromNode: boolean;
}
let tracking: Tracking | undefined;

/** Run `fn`, telling whether it read anything tainted (node data, a lookup's result), and anything from a node. */
export function trackTaint<T>(fn: () => T): { value: T; tainted: boolean; fromNode: boolean } {
  const outer = tracking;
  const mine: Tracking = { tainted: false, fromNode: false };
  tracking = mine;
  try {
    const value = fn();
    return { value, tainted: mine.tainted, fromNode: mine.fromNode };
  } finally {
    tracking = outer;
    if (outer && mine.tainted) outer.tainted = true;
    if (outer && mine.fromNode) outer.fromNode = true;
  }
}

/** Evaluation read `name` from `vars` (a task's variables or one host's view in hostvars). */
export function noteRead(vars: Record<string, unknown>, name: string): void {
  if (!tracking || tracking.fromNode) return;
  const v = vars as Vars;
  const names = v[TEMPLATE_NAMES] as ReadonlySet<string> | undefined;
  const clean = v[CLEAN_NAMES] as ReadonlySet<string> | undefined;
  if (names === undefined || names.has(name) || clean?.has(name) || CLEAN_MAGIC.has(name)) return;
  tracking.tainted = true;
  if (!(v[CONTROLLER_NAMES] as ReadonlySet<string> | undefined)?.has(name)) tracking.fromNode = true;
}

/** Evaluation used something tainted whatever it was: a lookup's result (from the controller), or node data. */
export function noteTaint(from: "lookup" | "node" = "lookup"): void {
  if (!tracking) return;
  tracking.tainted = true;
  if (from === "node") tracking.fromNode = true;
}

/**
 * What a task's rendered arguments hold that must not be evaluated again: strings rendered from
 * tainted values (Ansible's AnsibleUnsafe; a condition refuses them) and, among those, strings
 * from a node (never a controller path outside the playbook's own files, never a lookup's term).
 * JavaScript strings carry no mark, so the texts are kept beside the arguments they came with.
 */
export interface Taint {
  unsafe: Set<string>;
  fromNode: Set<string>;
}

export function emptyTaint(): Taint {
  return { unsafe: new Set(), fromNode: new Set() };
}

/** Note every string in `v` (a rendered value, at any depth) as unsafe, and as node data if it came from a node. */
export function markRendered(taint: Taint, v: unknown, fromNode: boolean, depth = 0): void {
  if (typeof v === "string") {
    taint.unsafe.add(v);
    if (fromNode) taint.fromNode.add(v);
    return;
  }
  if (!v || typeof v !== "object" || depth > 32) return;
  for (const [k, x] of Object.entries(v)) {
    if (!Array.isArray(v)) markRendered(taint, k, fromNode, depth + 1);
    markRendered(taint, x, fromNode, depth + 1);
  }
}

/**
 * `vars` plus data computed by an evaluation whose taint was tracked (a template's {% for %} item,
 * a {% set %} value, a task's loop item): clean if it read nothing tainted, the controller's if it
 * read a lookup's result but nothing a node sent, else node data.
 */
export function withComputed(
  vars: Record<string, unknown>,
  data: Record<string, unknown>,
  from: { tainted: boolean; fromNode: boolean },
): Record<string, unknown> {
  if (!from.tainted) return withCleanData(vars, data);
  return from.fromNode ? withData(vars, data) : withControllerData(vars, data);
}

/** Where each of an include's loop variables came from (kept beside them in the included tasks' data). */
export const ITEM_TAINT = Symbol.for("kplay.itemTaint");
export interface ItemTaint {
  tainted: boolean;
  fromNode: boolean;
}

/**
 * `vars` plus an include's data (its loop item): each name as clean, the controller's or a node's
 * as its item was when the include's loop made it; a name not marked is a node's.
 */
export function withItemData(vars: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
  const marks = (data as Vars)[ITEM_TAINT] as Record<string, ItemTaint> | undefined;
  if (!marks) return withData(vars, data);
  let out = vars;
  const byKind = new Map<string, [ItemTaint, Record<string, unknown>]>();
  for (const [k, v] of Object.entries(data)) {
    const t = marks[k] ?? { tainted: true, fromNode: true };
    const kind = `${t.tainted}/${t.fromNode}`;
    if (!byKind.has(kind)) byKind.set(kind, [t, {}]);
    byKind.get(kind)![1][k] = v;
  }
  for (const [t, part] of byKind.values()) out = withComputed(out, part, t);
  return out;
}

/** `vars` plus loop items that came from the controller (a lookup), not from a node. */
export function withControllerData(
  vars: Record<string, unknown>,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const out = withData(vars, data) as Vars;
  const had = ((vars as Vars)[CONTROLLER_NAMES] as Set<string> | undefined) ?? [];
  out[CONTROLLER_NAMES] = new Set([...had, ...Object.keys(data)]);
  return out as Record<string, unknown>;
}

/** `vars` plus loop variables known clean: data (never rendered) that taints nothing. */
export function withCleanData(vars: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
  const out = withData(vars, data) as Vars;
  out[CLEAN_NAMES] = new Set([...(((vars as Vars)[CLEAN_NAMES] as Set<string>) ?? []), ...Object.keys(data)]);
  return out as Record<string, unknown>;
}

/**
 * Why a controller file named by a node's data may not be used (undefined: it may). A node may
 * choose among the playbook's and roles' own files (`vars/{{ ansible_os_family }}.yml`), never a
 * file outside their directories (`/etc/shadow`, `../../secrets`).
 */
export function nodePathProblem(file: string, roots: readonly string[]): string | undefined {
  const abs = resolve(file);
  if (roots.some((r) => abs === resolve(r) || abs.startsWith(resolve(r) + sep))) return undefined;
  return (
    `the path ${JSON.stringify(file)} came from a node's data and lies outside the playbook's and roles' ` +
    `directories: a node's data may only choose among their files`
  );
}
