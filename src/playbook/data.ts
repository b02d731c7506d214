// Owns the rule that data is never code: which top-level variables may still be rendered as
// templates when looked up. Only strings written in playbooks, inventories, vars files and -e are
// templates (Ansible's lazy variables), and set_fact values computed from nothing but those;
// facts, registered results, set_fact values that read node data or a lookup, rendered task vars
// and loop items came from nodes or were rendered once already, so they are data: a value such
// as "{{ hostvars.other.ansible_password }}" coming back from a node stays that text.
// A variables object carries the set of its template names under a symbol (copied by spreads).

export const TEMPLATE_NAMES = Symbol.for("kplay.templateNames");
/** Names of data that came from no node (a loop item of a loop written in the playbook). */
export const CLEAN_NAMES = Symbol.for("kplay.cleanNames");

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
]);

let tracking: { tainted: boolean } | undefined;

/** Run `fn`, telling whether it read anything tainted (node data, a lookup's result). */
export function trackTaint<T>(fn: () => T): { value: T; tainted: boolean } {
  const outer = tracking;
  const mine = { tainted: false };
  tracking = mine;
  try {
    const value = fn();
    return { value, tainted: mine.tainted };
  } finally {
    tracking = outer;
    if (outer && mine.tainted) outer.tainted = true;
  }
}

/** Evaluation read `name` from `vars` (a task's variables or one host's view in hostvars). */
export function noteRead(vars: Record<string, unknown>, name: string): void {
  if (!tracking || tracking.tainted) return;
  const v = vars as Vars;
  const names = v[TEMPLATE_NAMES] as ReadonlySet<string> | undefined;
  const clean = v[CLEAN_NAMES] as ReadonlySet<string> | undefined;
  if (names === undefined || names.has(name) || clean?.has(name) || CLEAN_MAGIC.has(name)) return;
  tracking.tainted = true;
}

/** Evaluation used something tainted whatever it was (a lookup, the whole of a host's variables). */
export function noteTaint(): void {
  if (tracking) tracking.tainted = true;
}

/** `vars` plus loop variables known clean: data (never rendered) that taints nothing. */
export function withCleanData(vars: Record<string, unknown>, data: Record<string, unknown>): Record<string, unknown> {
  const out = withData(vars, data) as Vars;
  out[CLEAN_NAMES] = new Set([...(((vars as Vars)[CLEAN_NAMES] as Set<string>) ?? []), ...Object.keys(data)]);
  return out as Record<string, unknown>;
}
