// Owns how play, block and task keywords combine: inheritance (a task's own value wins, `when`s
// add up), tag selection (--tags/--skip-tags with always, never, tagged, untagged) and serial
// batch sizes.
import type { Inheritable, Play } from "../playbook/types.js";
import { renderValue } from "../template/render.js";

/** The keywords a play gives every task in it. */
export function rootInherit(play: Play): Inheritable {
  return {
    when: [],
    tags: play.tags,
    vars: {},
    become: play.become,
    becomeUser: play.becomeUser,
    becomeMethod: play.becomeMethod,
    environment: play.environment,
    throttle: play.throttle,
    remoteUser: play.remoteUser,
    checkMode: play.checkMode,
    diff: play.diff,
    noLog: play.noLog,
    ignoreErrors: play.ignoreErrors,
    moduleDefaults: play.moduleDefaults,
  };
}

/** Keywords flow down from play to block to task; a task's own value wins, `when`s add up. */
export function inherit(parent: Inheritable, child: Inheritable): Inheritable {
  return {
    when: [...parent.when, ...(child.when ?? [])],
    become: child.become ?? parent.become,
    becomeUser: child.becomeUser ?? parent.becomeUser,
    becomeMethod: child.becomeMethod ?? parent.becomeMethod,
    tags: [...new Set([...parent.tags, ...(child.tags ?? [])])],
    vars: { ...parent.vars, ...(child.vars ?? {}) },
    data: child.data ? { ...parent.data, ...child.data } : parent.data,
    defaults: child.defaults ? { ...parent.defaults, ...child.defaults } : parent.defaults,
    environment:
      typeof child.environment === "object" && typeof parent.environment === "object"
        ? { ...parent.environment, ...child.environment }
        : (child.environment ?? parent.environment),
    noLog: child.noLog ?? parent.noLog,
    ignoreErrors: child.ignoreErrors ?? parent.ignoreErrors,
    anyErrorsFatal: child.anyErrorsFatal ?? parent.anyErrorsFatal,
    delegateTo: child.delegateTo ?? parent.delegateTo,
    runOnce: child.runOnce ?? parent.runOnce,
    checkMode: child.checkMode ?? parent.checkMode,
    throttle: child.throttle ?? parent.throttle,
    diff: child.diff ?? parent.diff,
    remoteUser: child.remoteUser ?? parent.remoteUser,
    moduleDefaults: mergeDefaults(parent.moduleDefaults, child.moduleDefaults),
  };
}

/** A child's module_defaults over its parent's: a module named again takes only the child's arguments (Ansible's). */
function mergeDefaults(
  parent: Inheritable["moduleDefaults"],
  child: Inheritable["moduleDefaults"],
): Inheritable["moduleDefaults"] {
  return child && parent ? { ...parent, ...child } : (child ?? parent);
}

/**
 * Tags written as templates (`tags: "{{ the_tags }}"`) rendered with the play's variables, as
 * Ansible does before it selects.
 */
export function resolveTags(tags: string[], vars: Record<string, unknown>): string[] {
  if (!tags.some((t) => t.includes("{{"))) return tags;
  const out = tags.flatMap((t) => {
    if (!t.includes("{{")) return [t];
    const v = renderValue(t, vars, { field: "tags" });
    // rendered, a list gives several tags; a string stays one tag (Ansible splits only as written)
    return Array.isArray(v) ? v.flat().map(String) : [String(v)];
  });
  return [...new Set(out)];
}

/**
 * Whether a task with these (inherited) tags runs under --tags / --skip-tags: Ansible's
 * evaluate_tags, with no --tags meaning `all` and an untagged task tagged `untagged`.
 */
export function selectedByTags(tags: string[], sel: { tags?: string[]; skipTags?: string[] }): boolean {
  const untagged = tags.length === 0;
  const t = new Set(untagged ? ["untagged"] : tags);
  const only = new Set(sel.tags?.length ? sel.tags : ["all"]);
  const skip = new Set(sel.skipTags ?? []);
  const meets = (want: Set<string>) => [...want].some((w) => t.has(w));
  const run =
    t.has("always") ||
    (only.has("all") && !t.has("never")) ||
    meets(only) ||
    (only.has("tagged") && !untagged && !t.has("never"));
  if (!run || skip.size === 0) return run;
  if (skip.has("all")) return t.has("always") && !skip.has("always");
  return !meets(skip) && !(skip.has("tagged") && !untagged);
}

/** serial: [2, "50%"] -> batches of 2, then half the hosts, the last size repeating. */
export function serialBatches(hosts: string[], serial: Array<number | string>): string[][] {
  if (serial.length === 0) return [hosts];
  const sizes = serial.map((s) =>
    typeof s === "string" && s.endsWith("%")
      ? Math.max(1, Math.floor((hosts.length * parseFloat(s)) / 100))
      : Number(s),
  );
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)];
    out.push(hosts.slice(i, i + size));
    i += size;
  }
  return out;
}
