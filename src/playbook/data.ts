// Owns the rule that data is never code: which top-level variables may still be rendered as
// templates when looked up. Only strings written in playbooks, inventories, vars files and -e are
// templates (Ansible's lazy variables); facts, registered results, set_fact values, rendered task
// vars and loop items came from nodes or were rendered once already, so they are data: a value
// such as "{{ hostvars.other.ansible_password }}" coming back from a node stays that text.
// A variables object carries the set of its template names under a symbol (copied by spreads).

export const TEMPLATE_NAMES = Symbol.for("kplay.templateNames");

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
