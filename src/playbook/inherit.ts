// Owns how a block's (or play's, or import's) keywords pass to what it holds: a child's own value
// wins, `when`s add up (the parent's first), tags and variables merge, a keyword written as a
// template gives way to one the child sets plainly. Shared by the loader (an import among
// handlers) and the engine (every block and task as it runs).
import { ITEM_TAINT } from "./data.js";
import type { Inheritable } from "./types.js";

/** Boolean keywords that may be written as templates: Ansible's name → the field. */
export const LATE_BOOLEANS = {
  become: "become",
  diff: "diff",
  no_log: "noLog",
  ignore_errors: "ignoreErrors",
  ignore_unreachable: "ignoreUnreachable",
  any_errors_fatal: "anyErrorsFatal",
  run_once: "runOnce",
  check_mode: "checkMode",
} as const satisfies Record<string, keyof Inheritable>;

/** Keywords flow down from play to block to task; a task's own value wins, `when`s add up. */
export function inherit(parent: Inheritable, child: Inheritable): Inheritable {
  return {
    when: [...parent.when, ...(child.when ?? [])],
    become: child.become ?? parent.become,
    becomeUser: child.becomeUser ?? parent.becomeUser,
    becomeMethod: child.becomeMethod ?? parent.becomeMethod,
    tags: [...new Set([...parent.tags, ...(child.tags ?? [])])],
    vars: { ...parent.vars, ...(child.vars ?? {}) },
    data: child.data ? mergeData(parent.data, child.data) : parent.data,
    defaults: child.defaults ? { ...parent.defaults, ...child.defaults } : parent.defaults,
    environment:
      typeof child.environment === "object" && typeof parent.environment === "object"
        ? { ...parent.environment, ...child.environment }
        : (child.environment ?? parent.environment),
    noLog: child.noLog ?? parent.noLog,
    ignoreErrors: child.ignoreErrors ?? parent.ignoreErrors,
    ignoreUnreachable: child.ignoreUnreachable ?? parent.ignoreUnreachable,
    anyErrorsFatal: child.anyErrorsFatal ?? parent.anyErrorsFatal,
    delegateTo: child.delegateTo ?? parent.delegateTo,
    runOnce: child.runOnce ?? parent.runOnce,
    checkMode: child.checkMode ?? parent.checkMode,
    throttle: child.throttle ?? parent.throttle,
    port: child.port ?? parent.port,
    timeout: child.timeout ?? parent.timeout,
    diff: child.diff ?? parent.diff,
    remoteUser: child.remoteUser ?? parent.remoteUser,
    connection: child.connection ?? parent.connection,
    moduleDefaults: mergeDefaults(parent.moduleDefaults, child.moduleDefaults),
    late: mergeLate(parent.late, child),
  };
}

/** An inherited template gives way to a value the child sets plainly; the child's own templates win. */
function mergeLate(parent: Inheritable["late"], child: Inheritable): Inheritable["late"] {
  if (!parent && !child.late) return undefined;
  const out = { ...parent };
  for (const [k, field] of Object.entries(LATE_BOOLEANS)) if (child[field] !== undefined) delete out[k];
  Object.assign(out, child.late);
  return Object.keys(out).length ? out : undefined;
}

/** A child's module_defaults over its parent's: a module named again takes only the child's arguments (Ansible's). */
function mergeDefaults(
  parent: Inheritable["moduleDefaults"],
  child: Inheritable["moduleDefaults"],
): Inheritable["moduleDefaults"] {
  return child && parent ? { ...parent, ...child } : (child ?? parent);
}

/** An include's data inside another's: names and their taint marks merge, the inner one's winning. */
function mergeData(
  parent: Record<string, unknown> | undefined,
  child: Record<string, unknown>,
): Record<string, unknown> {
  const marks = (d: Record<string, unknown> | undefined) =>
    (d as Record<symbol, Record<string, unknown>> | undefined)?.[ITEM_TAINT];
  const out: Record<string, unknown> = { ...parent, ...child };
  // a name the child sets without a mark loses the parent's mark for it (it is a node's again)
  const kept = Object.fromEntries(Object.entries(marks(parent) ?? {}).filter(([k]) => !(k in child)));
  const merged = { ...kept, ...marks(child) };
  (out as Record<symbol, unknown>)[ITEM_TAINT] = merged;
  return out;
}
