// Owns Python's mutating list and dict methods in templates (`x.append(i)`, `d.update({...})`,
// `d.pop(k)`, `d.setdefault(k, v)`...), which roles use to build values in a loop or a macro
// (kubespray's openssl.conf counter, containerd's mirror lists, kubelet's node_taints).
// What a mutation may reach is confined as Ansible confines it: there a task's templating runs
// in a worker process for one host, so whatever it changes in a variable dies with that process.
// Here every outermost evaluation (one template, one expression, one condition) is a mutation
// scope: the first change to a list or dict in it saves the old contents, and when the scope
// ends every changed container gets its contents back, after the scope's result has been copied
// out. So a role default, an inventory list or a fact changed by one task on one host is
// unchanged for the next task and every other host.

/** Marks a dict no template may change (a host's hostvars, hostvars itself), as Ansible's HostVars. */
export const READ_ONLY = Symbol.for("kplay.readOnly");

/** A method that changes its list or dict; the Python error text it raises, as Ansible shows it. */
export class PyMutationError extends Error {}

type Dict = Record<string, unknown>;
type Eq = (a: unknown, b: unknown) => boolean;
type Method<T> = (target: T, pos: unknown[], o: { kw: Dict; eq: Eq }) => unknown;

/** The containers changed in the current scope, each with how to put its contents back. */
const saved = new Map<object, () => void>();
let depth = 0;

/** Run one outermost evaluation as a mutation scope (nested evaluations join the outer one). */
export function mutationScope<T>(evaluate: () => T): T {
  depth++;
  let result: T | undefined;
  try {
    result = evaluate();
    return depth === 1 && saved.size > 0 ? (copyOut(result) as T) : result;
  } finally {
    depth--;
    if (depth === 0) restoreAll();
  }
}

function restoreAll(): void {
  const undo = [...saved.values()];
  saved.clear();
  for (const u of undo.reverse()) u();
}

/** A copy of a value that shares no list or dict with the scope's variables. */
function copyOut(v: unknown, depthLeft = 256): unknown {
  if (!v || typeof v !== "object" || depthLeft === 0) return v;
  if (Array.isArray(v)) return v.map((x) => copyOut(x, depthLeft - 1));
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyOut(x, depthLeft - 1)]));
}

/**
 * Whether `v` is, or holds, a list or dict changed in the current scope. Such a value may hold
 * what the change put there (a node's output appended to a list of templates): it is never
 * rendered as a template when it is looked up again, whatever its variable was.
 */
export function holdsChanged(v: unknown, depth = 0): boolean {
  if (saved.size === 0 || !v || typeof v !== "object" || depth > 32) return false;
  return saved.has(v) || Object.values(v).some((x) => holdsChanged(x, depth + 1));
}

/** Note that `target` is about to change: its contents now are what the scope's end puts back. */
function willChange(target: object): void {
  if (saved.has(target)) return;
  if (Array.isArray(target)) {
    const before = target.slice();
    saved.set(target, () => target.splice(0, target.length, ...before));
    return;
  }
  const d = target as Dict;
  const before = { ...d };
  saved.set(target, () => {
    for (const k of Object.keys(d)) delete d[k];
    Object.assign(d, before);
  });
}

const pyIndex = (l: unknown[], i: unknown, what: string): number => {
  if (typeof i !== "number" || !Number.isInteger(i)) throw new PyMutationError(`${what} indices must be integers`);
  return i < 0 ? i + l.length : i;
};

const LIST: Record<string, Method<unknown[]>> = {
  append: (l, [x]) => {
    l.push(x);
    return null;
  },
  extend: (l, [xs]) => {
    const items = Array.isArray(xs)
      ? xs
      : typeof xs === "string"
        ? [...xs]
        : xs && typeof xs === "object"
          ? Object.keys(xs)
          : null;
    if (!items) throw new PyMutationError(`'${typeof xs}' object is not iterable`);
    l.push(...items);
    return null;
  },
  insert: (l, [i, x]) => {
    const at = Math.min(Math.max(pyIndex(l, i, "list"), 0), l.length);
    l.splice(at, 0, x);
    return null;
  },
  pop: (l, pos) => {
    if (l.length === 0) throw new PyMutationError("pop from empty list");
    const at = pos.length ? pyIndex(l, pos[0], "list") : l.length - 1;
    if (at < 0 || at >= l.length) throw new PyMutationError("pop index out of range");
    return l.splice(at, 1)[0];
  },
  remove: (l, [x], { eq }) => {
    const at = l.findIndex((y) => eq(y, x));
    if (at < 0) throw new PyMutationError("list.remove(x): x not in list");
    l.splice(at, 1);
    return null;
  },
  clear: (l) => {
    l.splice(0);
    return null;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
};

const DICT: Record<string, Method<Dict>> = {
  update: (d, pos, { kw }) => {
    const [other] = pos;
    if (other !== undefined && other !== null) Object.assign(d, pairs(other));
    Object.assign(d, kw);
    return null;
  },
  pop: (d, [k, ...dflt]) => {
    const key = String(k);
    if (!Object.hasOwn(d, key)) {
      if (dflt.length) return dflt[0];
      throw new PyMutationError(`KeyError: ${JSON.stringify(k)}`);
    }
    const v = d[key];
    delete d[key];
    return v;
  },
  setdefault: (d, [k, dflt = null]) => {
    const key = String(k);
    if (!Object.hasOwn(d, key)) d[key] = dflt;
    return d[key];
  },
  popitem: (d) => {
    const keys = Object.keys(d);
    if (!keys.length) throw new PyMutationError("popitem(): dictionary is empty");
    const k = keys[keys.length - 1];
    const v = d[k];
    delete d[k];
    return [k, v];
  },
  clear: (d) => {
    for (const k of Object.keys(d)) delete d[k];
    return null;
  },
};

/** dict.update's argument: a mapping, or a list of [key, value] pairs. */
function pairs(other: unknown): Dict {
  if (Array.isArray(other)) {
    const out: Dict = {};
    for (const p of other) {
      if (!Array.isArray(p) || p.length !== 2)
        throw new PyMutationError("dictionary update sequence element has wrong length; 2 is required");
      out[String(p[0])] = p[1];
    }
    return out;
  }
  if (other && typeof other === "object") return other as Dict;
  throw new PyMutationError(`'${typeof other}' object is not iterable`);
}

/**
 * The mutating method `name` of a list or dict, bound to its target (`eq`: Python's ==, for
 * list.remove); undefined when there is none.
 */
export function mutatingMethod(
  target: unknown,
  name: string,
  eq: Eq,
): ((pos: unknown[], kw: Dict) => unknown) | undefined {
  if (!target || typeof target !== "object" || (target as Record<symbol, unknown>)[READ_ONLY]) return undefined;
  const table: Record<string, Method<never>> = Array.isArray(target) ? LIST : DICT;
  if (!Object.hasOwn(table, name)) return undefined;
  return (pos, kw) => {
    if (depth === 0) throw new PyMutationError(`${name}() outside a template`); // nothing would put it back
    willChange(target);
    return table[name](target as never, pos, { kw, eq });
  };
}
