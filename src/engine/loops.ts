// Owns the items a looping task goes through, as Ansible makes them: `loop` (the list as it is)
// and the with_* lookups (with_items and with_indexed_items flatten one level, with_dict gives
// key/value pairs, with_sequence formatted numbers, with_together zips, with_nested the
// cartesian product, with_subelements each parent with each of its subelements, with_flattened
// community.general's flattened lookup; also named by FQCN, with_community.general.flattened). Values come
// rendered; this only shapes them. with_fileglob, with_first_found, with_file, with_lines and
// with_env are their lookup plugins' results. Errors say which keyword wanted what.
import { LOOKUPS, LookupError, withTermsFrom } from "../playbook/lookups.js";

/** The keywords a task may loop with; `loop` and `with_list` take the list as it is. */
export const LOOP_KEYWORDS = [
  "loop",
  "with_items",
  "with_list",
  "with_indexed_items",
  "with_dict",
  "with_sequence",
  "with_together",
  "with_nested",
  "with_subelements",
  "with_flattened",
  "with_fileglob",
  "with_first_found",
  "with_file",
  "with_lines",
  "with_env",
] as const;
export type LoopKind = (typeof LOOP_KEYWORDS)[number];

export class LoopError extends Error {}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown, kind: LoopKind): unknown[] => {
  if (Array.isArray(v)) return v;
  if (typeof v === "string" && kind !== "loop" && kind !== "with_list") return [v];
  // with_* terms that are not a list or text become one term (Ansible's listify_lookup_plugin_terms):
  // a null runs the task once with item None (kubespray's `with_items: "{{ repo_info.repos }}"`)
  if (kind !== "loop" && (v === null || v === undefined || typeof v === "number" || typeof v === "boolean"))
    return [v ?? null];
  throw new LoopError(`${kind} expects a list, got ${v === null ? "null" : isMap(v) ? "a dict" : typeof v}`);
};
const flatOnce = (v: unknown[]) => v.flatMap((x) => (Array.isArray(x) ? x : [x]));

/** with_fileglob, with_first_found… : the lookup plugin of that name, on the controller (playbook/lookups.ts). */
function lookupItems(kind: LoopKind, value: unknown, vars: Record<string, unknown>, o: LoopContext): unknown[] {
  const fromNode = o.fromNode === true;
  const subdir = o.subdir;
  const plugin = kind.slice("with_".length);
  const run = LOOKUPS[plugin];
  const terms = list(value, kind);
  try {
    if (kind !== "with_first_found")
      return withTermsFrom(fromNode, plugin, () => run(terms.map(String), { vars, kw: {}, subdir }));
    // first_found takes names, or mappings of files and paths (and skip)
    const names = terms.filter((t) => !isMap(t)).map(String);
    const maps = terms.filter(isMap);
    const kw = Object.assign({}, ...maps) as Record<string, unknown>;
    for (const k of ["files", "paths"]) if (typeof kw[k] === "string") kw[k] = String(kw[k]).split(/[,;:]/);
    return withTermsFrom(fromNode, plugin, () => run(names, { vars, kw, subdir }));
  } catch (e) {
    if (e instanceof LookupError) throw new LoopError(`${kind}: ${e.message}`);
    throw e;
  }
}

/** What a loop's lookup knows of its task. */
export interface LoopContext {
  /** The loop read a node's data: a lookup's terms then may not pick code or paths. */
  fromNode?: boolean;
  /** The role folder a file lookup looks in first (lookupSubdir of the task's module). */
  subdir?: string;
}

/**
 * The role folder a with_* file lookup of a task looks in, as Ansible's task executor gives it:
 * templates/ for a module named with "template", vars/ with "var" (include_vars), else files/.
 */
export function lookupSubdir(module: string): string {
  return `${["template", "var", "file"].find((s) => module.includes(s)) ?? "file"}s`;
}

/** The items of a loop over `value` (rendered). */
export function loopItems(
  kind: LoopKind,
  value: unknown,
  vars: Record<string, unknown> = {},
  o: LoopContext = {},
): unknown[] {
  switch (kind) {
    case "loop":
    case "with_list":
      return list(value, kind);
    case "with_items":
      return flatOnce(list(value, kind));
    case "with_indexed_items":
      return flatOnce(list(value, kind)).map((x, i) => [i, x]);
    case "with_dict":
      // Ansible's words, which playbooks test for
      if (!isMap(value))
        throw new LoopError(`with_dict expects a dict, got ${Array.isArray(value) ? "a list" : typeof value}`);
      return Object.entries(value).map(([key, v]) => ({ key, value: v }));
    case "with_sequence":
      return sequence(value);
    case "with_together":
      return together(list(value, kind).map((x) => list(x, kind)));
    case "with_nested":
      return nested(list(value, kind).map((x) => list(x, kind)));
    case "with_subelements":
      return subelements(list(value, kind));
    case "with_flattened":
      if (!Array.isArray(value)) throw new LoopError("with_flattened expects a list");
      return flattened(value);
    default:
      return lookupItems(kind, value, vars, o);
  }
}

/**
 * community.general's flattened lookup: lists inside lists, at any depth, become one list; a list
 * of one list is that list; a term "None" or "null" ends it (the lookup's own rule).
 */
function flattened(terms: unknown[], depth = 0): unknown[] {
  if (depth > 64) throw new LoopError("with_flattened: lists nest deeper than 64 levels");
  const out: unknown[] = [];
  for (let term of terms) {
    while (Array.isArray(term) && term.length === 1) term = term[0];
    if (term === "None" || term === "null") break;
    if (Array.isArray(term)) out.push(...flattened(term, depth + 1));
    else out.push(term);
  }
  return out;
}

function together(lists: unknown[][]): unknown[] {
  const n = Math.max(0, ...lists.map((l) => l.length));
  return Array.from({ length: n }, (_, i) => lists.map((l) => (i < l.length ? l[i] : null)));
}

function nested(lists: unknown[][]): unknown[] {
  return lists.reduce<unknown[][]>((acc, l) => acc.flatMap((prefix) => l.map((x) => [...prefix, x])), [[]]);
}

/** [parents, 'key' (or 'a.b'), {skip_missing}]: each parent with each element of parent[key]. */
function subelements(args: unknown[]): unknown[] {
  const [parents, path, flags] = args;
  if (!Array.isArray(parents) || typeof path !== "string")
    throw new LoopError("with_subelements needs [a list of mappings, the name of a list in each]");
  const skipMissing = isMap(flags) && flags.skip_missing === true;
  return parents.flatMap((p) => {
    let sub: unknown = p;
    for (const k of path.split(".")) sub = isMap(sub) ? sub[k] : undefined;
    if (sub === undefined) {
      if (skipMissing) return [];
      throw new LoopError(`with_subelements: "${path}" is missing in an element`);
    }
    if (!Array.isArray(sub)) throw new LoopError(`with_subelements: "${path}" is not a list in an element`);
    return sub.map((x) => [p, x]);
  });
}

/** Ansible's sequence lookup: "start=1 end=5 stride=2 format=node%02d", "count=3", "4-8/2:x%d". */
function sequence(value: unknown): string[] {
  const spec = String(value).trim();
  const o: Record<string, string> = {};
  const short = /^(?:(-?\w+)-)?(-?\w+)(?:\/(-?\w+))?(?::(.+))?$/.exec(spec);
  if (!spec.includes("=") && short) {
    Object.assign(o, { start: short[1] ?? "1", end: short[2] }, short[3] ? { stride: short[3] } : {});
    if (short[4]) o.format = short[4];
  } else for (const [, k, v] of spec.matchAll(/(\w+)=(\S+)/g)) o[k] = v;
  const num = (k: string, d: number) => {
    if (o[k] === undefined) return d;
    const n = Number(o[k]);
    if (!Number.isInteger(n)) throw new LoopError(`with_sequence: ${k}=${o[k]} is not a whole number`);
    return n;
  };
  const start = num("start", 1);
  const stride = num("stride", 1);
  const end = o.count !== undefined ? start + (num("count", 0) - 1) * stride : num("end", NaN);
  if (!Number.isInteger(end)) throw new LoopError(`with_sequence needs end= or count= (got "${spec}")`);
  if (stride === 0) throw new LoopError("with_sequence: stride must not be 0");
  const out: string[] = [];
  for (let i = start; stride > 0 ? i <= end : i >= end; i += stride) {
    out.push(o.format ? format(o.format, i) : String(i));
    if (out.length > 100_000) throw new LoopError("with_sequence of more than 100000 items");
  }
  return out;
}

/** printf's %d / %0Nd / %x / %s for one number, as the sequence lookup formats. */
function format(f: string, n: number): string {
  return f.replace(/%(0?)(\d*)([dxXos])/g, (_, zero: string, width: string, conv: string) => {
    const s =
      conv === "x"
        ? n.toString(16)
        : conv === "X"
          ? n.toString(16).toUpperCase()
          : conv === "o"
            ? n.toString(8)
            : String(n);
    return s.padStart(Number(width || 0), zero ? "0" : " ");
  });
}
