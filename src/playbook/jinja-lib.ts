// Owns the Jinja/Ansible library the expression engine (expr.ts) calls: filters, tests, the
// Python methods expressions call on strings, lists and dicts (`.split()`, `.items()`…),
// arithmetic with Python's rules, and Python's str() of a value (what `{{ x }}` prints inside a
// string: True, None, ['a', 1], {'k': 'v'}). Pure functions over data: nothing here runs a
// command or renders a value as a template.
import { commentFilter } from "./comment-filter.js";
import { mutatingMethod, PyMutationError } from "./py-mutate.js";
import { convertRendered } from "./pyliteral.js";
import { findFile, LOOKUPS } from "./lookups.js";
import { strftime } from "./strftime.js";
import { randomText, sha512Crypt } from "./crypt.js";

const SALT_CHARS = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
import { loopItems, LoopError, type LoopKind } from "../engine/loops.js";
import { pyRegex } from "./pyregex.js";
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { posix } from "node:path";
import { createHash, randomInt } from "node:crypto";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { ansibleYamlTags } from "../yaml-source.js";
import { ipaddr, IpaddrError, ipwrap } from "./ipaddr.js";
import { FormatError, percentFormat } from "./pyformat.js";
import { quote } from "../transport/quote.js";

export class LibError extends Error {}

export type Args = { pos: unknown[]; kw: Record<string, unknown> };

/**
 * An undefined value held inside a list or dict literal (`[nothing.x]`), as Jinja's Undefined
 * under Ansible: it may be counted, tested (`select('defined')`) or defaulted, and fails with
 * "'name' is undefined" as soon as it is used as a value (printed, compared, added, truth-tested).
 */
export class JinjaUndefined {
  constructor(readonly name: string) {}

  error(): LibError {
    return new LibError(`'${this.name}' is undefined`);
  }

  toString(): string {
    throw this.error();
  }

  toJSON(): never {
    throw this.error();
  }
}

export function truthy(v: unknown): boolean {
  if (v instanceof JinjaUndefined) throw v.error();
  if (typeof v === "string") return !["", "false", "no", "off", "0"].includes(v.toLowerCase());
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v) && !(v instanceof JinjaUndefined);

const REPR_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

// eslint-disable-next-line no-control-regex -- control characters are exactly what repr escapes
const REPR_ESCAPED = /[\\\n\r\t\x00-\x1f\x7f]/g;

/** Python's repr() of a str: single quotes unless only double quotes are free, control bytes escaped. */
function reprString(v: string): string {
  const q = v.includes("'") && !v.includes('"') ? '"' : "'";
  const body = v.replace(REPR_ESCAPED, (c) => REPR_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return q + (q === "'" ? body.replace(/'/g, "\\'") : body) + q;
}

/** Python's `fmt % args`, with Python's str() and repr() of the values. */
function pyPercent(fmt: string, args: unknown): string {
  try {
    return percentFormat(fmt, args, { str: pyStr, repr });
  } catch (e) {
    if (e instanceof FormatError) throw new LibError(e.message);
    throw e;
  }
}

/** Python's repr of a value inside a container. */
function repr(v: unknown): string {
  if (typeof v === "string") return reprString(v);
  return pyStr(v);
}

/** Python's str(): how Jinja prints a value into a string. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v instanceof JinjaUndefined) throw v.error();
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map(repr).join(", ")}]`;
  if (isObj(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${repr(k)}: ${repr(x)}`)
      .join(", ")}}`;
  return String(v);
}

/** Python's json.dumps (separators ", " and ": "; indent for to_nice_json, keys sorted there). */
export function pyJson(v: unknown, indent?: number, sortKeys = false): string {
  const norm = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(norm)
      : isObj(x)
        ? Object.fromEntries(
            (sortKeys ? Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)) : Object.entries(x)).map(([k, y]) => [
              k,
              norm(y),
            ]),
          )
        : x;
  const text = JSON.stringify(norm(v), null, indent);
  if (indent !== undefined) return text;
  // compact JSON.stringify has no spaces; Python puts one after , and : outside strings
  return text.replace(
    /("(?:[^"\\]|\\.)*")|([,:])/g,
    (_m, s: string | undefined, p: string | undefined) => s ?? `${p} `,
  );
}

// ---------- arithmetic ----------

export function arith(op: string, a: unknown, b: unknown): unknown {
  if (op === "~") return pyStr(a) + pyStr(b);
  if (op === "+") {
    if (typeof a === "string" && typeof b === "string") return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  }
  if (op === "*" && typeof a === "string" && typeof b === "number") return a.repeat(b);
  // "%s-%s" % (a, b): Python's printf-style formatting (a tuple is a list here)
  if (op === "%" && typeof a === "string") return pyPercent(a, b);
  if (op === "*" && Array.isArray(a) && typeof b === "number") return Array.from({ length: b }, () => a).flat();
  const x = num(a, op);
  const y = num(b, op);
  switch (op) {
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      if (y === 0) throw new LibError("division by zero");
      return x / y;
    case "//":
      if (y === 0) throw new LibError("division by zero");
      return Math.floor(x / y);
    case "%":
      if (y === 0) throw new LibError("modulo by zero");
      return ((x % y) + y) % y;
    case "**":
      return x ** y;
  }
  throw new LibError(`unknown operator ${op}`);
}

function num(v: unknown, op: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new LibError(`unsupported operand for ${op}: ${repr(v)}`);
}

// ---------- tests (x is name(args)) ----------

const flag = (v: unknown, k: "failed" | "changed" | "skipped") => !!(v as Record<string, unknown> | null)?.[k];
const reFlags = (kw: Record<string, unknown>) => (truthy(kw.ignorecase) ? "i" : "") + (truthy(kw.multiline) ? "m" : "");

export const TESTS: Record<string, (v: unknown, a: Args) => boolean> = {
  // reached through select/reject/map (`x is defined` itself is read in expr.ts, before x is needed)
  defined: (v) => !(v instanceof JinjaUndefined),
  undefined: (v) => v instanceof JinjaUndefined,
  none: (v) => v === null,
  // Python's `is`: True, False and None are themselves; other objects only when they are the same one
  sameas: (v, a) => v === a.pos[0],
  true: (v) => v === true,
  false: (v) => v === false,
  boolean: (v) => typeof v === "boolean",
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  integer: (v) => Number.isInteger(v),
  float: (v) => typeof v === "number" && !Number.isInteger(v),
  mapping: (v) => isObj(v),
  sequence: (v) => Array.isArray(v) || typeof v === "string",
  iterable: (v) => Array.isArray(v) || typeof v === "string" || isObj(v),
  lower: (v) => String(v) === String(v).toLowerCase(),
  upper: (v) => String(v) === String(v).toUpperCase(),
  even: (v) => num(v, "even") % 2 === 0,
  odd: (v) => Math.abs(num(v, "odd") % 2) === 1,
  divisibleby: (v, a) => num(v, "divisibleby") % num(a.pos[0], "divisibleby") === 0,
  succeeded: (v) => !flag(v, "failed"),
  success: (v) => !flag(v, "failed"),
  successful: (v) => !flag(v, "failed"),
  failed: (v) => flag(v, "failed"),
  failure: (v) => flag(v, "failed"),
  changed: (v) => flag(v, "changed"),
  change: (v) => flag(v, "changed"),
  skipped: (v) => flag(v, "skipped"),
  skip: (v) => flag(v, "skipped"),
  // a fire-and-forget job's state (finished/started are 0 or 1); a result without them is done
  finished: (v) => !isObj(v) || !("finished" in v) || Number(v.finished) === 1,
  started: (v) => !isObj(v) || !("started" in v) || Number(v.started) === 1,
  equalto: (v, a) => looseEq(v, a.pos[0]),
  eq: (v, a) => looseEq(v, a.pos[0]),
  ne: (v, a) => !looseEq(v, a.pos[0]),
  gt: (v, a) => compare(v, a.pos[0]) > 0,
  ge: (v, a) => compare(v, a.pos[0]) >= 0,
  lt: (v, a) => compare(v, a.pos[0]) < 0,
  le: (v, a) => compare(v, a.pos[0]) <= 0,
  in: (v, a) => contains(a.pos[0], v),
  contains: (v, a) => contains(v, a.pos[0]),
  // the value as Python's str() prints it: a registered result is searched as its repr, as in Ansible
  match: (v, a) => pyRegex(`^(?:${String(a.pos[0])})`, reFlags(a.kw)).test(pyStr(v)),
  search: (v, a) => pyRegex(a.pos[0], reFlags(a.kw)).test(pyStr(v)),
  regex: (v, a) =>
    pyRegex(a.kw.match_type === "match" ? `^(?:${String(a.pos[0])})` : a.pos[0], reFlags(a.kw)).test(pyStr(v)),
  subset: (v, a) => asList(v).every((x) => asList(a.pos[0]).some((y) => looseEq(x, y))),
  superset: (v, a) => asList(a.pos[0]).every((x) => asList(v).some((y) => looseEq(x, y))),
  version: (v, a) => versionTest(String(v), String(a.pos[0]), String(a.pos[1] ?? a.kw.operator ?? "eq")),
  version_compare: (v, a) => versionTest(String(v), String(a.pos[0]), String(a.pos[1] ?? a.kw.operator ?? "eq")),
  abs: (v) => posix.isAbsolute(String(v)),
};

export function looseEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  if (typeof a === "boolean" || typeof b === "boolean")
    return Number(a) === Number(b) && typeof a !== "string" && typeof b !== "string";
  return false;
}

export function compare(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return num(a, "<") - num(b, "<");
}

export function contains(container: unknown, x: unknown): boolean {
  if (typeof container === "string") return container.includes(String(x));
  if (Array.isArray(container)) return container.some((y) => looseEq(y, x));
  if (isObj(container)) return Object.prototype.hasOwnProperty.call(container, String(x));
  return false;
}

const asList = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : isObj(v) ? Object.keys(v) : typeof v === "string" ? [...v] : [v];

/** LooseVersion-like comparison: numeric parts as numbers, others as strings. */
function versionTest(a: string, b: string, op: string): boolean {
  const parts = (s: string) =>
    s
      .replace(/^v/, "")
      .split(/[.\-+_]/)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const [x, y] = [parts(a), parts(b)];
  let c = 0;
  for (let i = 0; i < Math.max(x.length, y.length) && c === 0; i++) {
    const [p, q] = [x[i] ?? 0, y[i] ?? 0];
    c =
      typeof p === "number" && typeof q === "number"
        ? p - q
        : String(p) < String(q)
          ? -1
          : String(p) > String(q)
            ? 1
            : 0;
  }
  const ops: Record<string, boolean> = {
    "==": c === 0,
    eq: c === 0,
    "!=": c !== 0,
    ne: c !== 0,
    "<": c < 0,
    lt: c < 0,
    "<=": c <= 0,
    le: c <= 0,
    ">": c > 0,
    gt: c > 0,
    ">=": c >= 0,
    ge: c >= 0,
  };
  if (!(op in ops)) throw new LibError(`version test: unknown operator "${op}"`);
  return ops[op];
}

// ---------- filters ----------

const str = (v: unknown) => (typeof v === "string" ? v : pyStr(v));
const attr = (x: unknown, path: unknown) =>
  String(path)
    .split(".")
    .reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), x);

/**
 * Filters other than default (which sees undefined values; expr.ts handles it). `call` applies a
 * named filter or test (map, select).
 */
/** Jinja's and Ansible's global functions (lookup/query read on the controller, as in Ansible). */
export const GLOBALS: Record<string, (a: Args, vars: Record<string, unknown>) => unknown> = {
  range: ({ pos }) => {
    const [a, b, step = 1] = pos.map((x) => Number(x));
    const [from, to] = b === undefined ? [0, a] : [a, b];
    if (!Number.isInteger(from) || !Number.isInteger(to) || !Number.isInteger(step) || step === 0)
      throw new LibError("range() takes whole numbers and a step other than 0");
    const out: number[] = [];
    for (let i = from; step > 0 ? i < to : i > to; i += step) {
      out.push(i);
      if (out.length > 100_000) throw new LibError("range() of more than 100000 numbers");
    }
    return out;
  },
  dict: ({ pos, kw }) => ({ ...(isObj(pos[0]) ? pos[0] : {}), ...kw }),
  // Ansible's now(utc=False, fmt=None): the controller's time; without fmt as Python prints a datetime
  now: ({ pos, kw }) => {
    const utc = Boolean(kw.utc ?? pos[0] ?? false);
    const fmt = kw.fmt ?? pos[1];
    return strftime(fmt === undefined || fmt === null ? "%Y-%m-%d %H:%M:%S.%f" : String(fmt), new Date(), utc);
  },
  lookup: (a, vars) => lookupPlugin(a, { list: false, vars }),
  query: (a, vars) => lookupPlugin(a, { list: true, vars }),
  q: (a, vars) => lookupPlugin(a, { list: true, vars }),
};

/** The template lookup renders on the controller with the template engine, which registers it here. */
/**
 * Texts that stay text where Ansible's would: lookup('template', convert_data=False) and the
 * filters of its STRING_TYPE_FILTERS (to_json, to_yaml…) make NativeJinjaText, which its templar
 * never reads as a literal. Strings carry no mark in JavaScript, so the texts themselves are
 * remembered with their Python class; the newest few hundred are enough, as the string that holds
 * one is rendered right after it is made.
 */
const keptText = new Map<string, string>();
function keepAsText(text: string, pythonClass: "NativeJinjaText" | "NativeJinjaUnsafeText"): string {
  keptText.delete(text);
  keptText.set(text, pythonClass);
  if (keptText.size > 256) keptText.delete(keptText.keys().next().value!);
  return text;
}
export function isKeptAsText(text: string): boolean {
  return keptText.has(text);
}

/** A variable as an expression reads it (rendered if it is a template): lookup('vars', name). */
let variableReader: ((vars: Record<string, unknown>, name: string) => unknown) | undefined;
export function setVariableReader(fn: typeof variableReader): void {
  variableReader = fn;
}

let templateLookup: ((file: string, vars: Record<string, unknown>, kw: Record<string, unknown>) => string) | undefined;
export function setTemplateLookup(fn: typeof templateLookup): void {
  templateLookup = fn;
}

/** Lookups that shape their terms as the with_* loop of the same name does (engine/loops.ts). */
const SHAPING: Record<string, LoopKind> = {
  list: "with_list",
  items: "with_items",
  flattened: "with_flattened",
  indexed_items: "with_indexed_items",
  dict: "with_dict",
  sequence: "with_sequence",
  together: "with_together",
  nested: "with_nested",
  subelements: "with_subelements",
  // first_found takes mappings of files and paths as terms too
  first_found: "with_first_found",
};

/** A lookup plugin's name, FQCN prefixes dropped, as lookupPlugin finds it. */
const lookupName = (name: string) => name.replace(/^(ansible\.builtin|ansible\.legacy|community\.general)\./, "");

/** Whether lookup()/query() know the plugin: a name no Ansible runs here is found before a run. */
export function knownLookup(name: string): boolean {
  const plugin = lookupName(name);
  if (plugin.includes(".")) return true; // another collection's: known only when it runs
  return plugin in SHAPING || plugin in LOOKUPS || plugin === "vars" || plugin === "template";
}

/** lookup('PLUGIN', TERM…) / query(…): the controller-side plugins of lookups.ts, or a shaping one. */
function lookupPlugin({ pos, kw }: Args, o: { list: boolean; vars: Record<string, unknown> }): unknown {
  const [name, ...rest] = pos;
  // a lookup named by FQCN (community.general.flattened) is the plugin of that short name
  const plugin = lookupName(str(name));
  let values: unknown[];
  if (SHAPING[plugin]) values = shapingLookup(SHAPING[plugin], rest, o.vars);
  else if (plugin === "vars" && variableReader)
    values = rest.map((name) => {
      const v = variableReader!(o.vars, str(name));
      if (v !== undefined) return v;
      if ("default" in kw) return kw.default;
      throw new LibError(`No variable found with this name: ${str(name)}`);
    });
  else if (plugin === "template" && templateLookup)
    values = rest.map((name) => {
      const file = findFile(str(name), o.vars, "templates");
      if (!file) throw new LibError(`the template ${str(name)} was not found (lookup template)`);
      const text = templateLookup!(file, o.vars, kw);
      if (kw.convert_data !== false) return convertRendered(text);
      // a lookup's text is unsafe (node-independent here, but Ansible marks every lookup's)
      return keepAsText(text, "NativeJinjaUnsafeText");
    });
  else {
    const run = LOOKUPS[plugin];
    if (!run) {
      const known = [...Object.keys(LOOKUPS), ...Object.keys(SHAPING)].join(", ");
      throw new LibError(`lookup plugin "${plugin}" is not supported (kplay has: ${known})`);
    }
    // a list term is its items, as Ansible's lookups flatten their terms
    values = run(
      rest.flatMap((x) => (Array.isArray(x) ? x : [x])).map((x) => str(x)),
      { vars: o.vars, kw },
    );
  }
  if (o.list || kw.wantlist === true) return values;
  // Ansible joins a lookup's strings with ","; other values come back as they are
  if (values.every((v) => typeof v === "string")) return values.join(",");
  return values.length === 1 ? values[0] : values;
}

function shapingLookup(kind: LoopKind, terms: unknown[], vars: Record<string, unknown>): unknown[] {
  // with_dict and with_sequence take one value; first_found a flat list of names and mappings
  const value =
    kind === "with_dict" || kind === "with_sequence"
      ? terms[0]
      : kind === "with_first_found"
        ? terms.flatMap((t) => (Array.isArray(t) ? t : [t]))
        : terms;
  try {
    return loopItems(kind, value, vars);
  } catch (e) {
    if (e instanceof LoopError) throw new LibError(e.message);
    throw e;
  }
}

/** ipaddr(query), ipv4(query), ipv6(query): ansible.utils' filters (playbook/ipaddr.ts). */
const ipFilter =
  (version?: 4 | 6, alias = "ipaddr") =>
  (v: unknown, a: Args): unknown => {
    try {
      return ipaddr(v, a.pos[0] ?? a.kw.query ?? "", version, alias);
    } catch (e) {
      if (e instanceof IpaddrError) throw new LibError(e.message);
      throw e;
    }
  };

/** default(value, default_value='', boolean=False) as map('default', …) applies it to each item. */
function defaultOf(v: unknown, a: Args): unknown {
  const replace = v instanceof JinjaUndefined || (truthy(a.pos[1] ?? a.kw.boolean) && !truthy(v));
  return replace ? (a.pos[0] ?? a.kw.default_value ?? "") : v;
}

export const FILTERS: Record<string, (v: unknown, a: Args, call: Caller) => unknown> = {
  // `x | default(…)` itself is read in expr.ts, lazily; these serve map('default', …)
  default: defaultOf,
  d: defaultOf,
  ipaddr: ipFilter(),
  // Jinja's format: the value is a printf-style format, the arguments its values (or a mapping)
  format: (v, a) => pyPercent(str(v), Object.keys(a.kw).length ? a.kw : a.pos),
  ipv4: ipFilter(4, "ipv4"),
  ipv6: ipFilter(6, "ipv6"),
  ipwrap: (v, a) => ipwrap(v, a.pos[0]),
  // Ansible's strftime filter: the format is the value, the time (epoch seconds) the argument
  strftime: (v, a) => {
    const t = a.pos[0] ?? a.kw.second;
    return strftime(str(v), t === undefined || t === null ? new Date() : new Date(Number(t) * 1000), Boolean(a.kw.utc));
  },
  length: (v) => (Array.isArray(v) ? v.length : isObj(v) ? Object.keys(v).length : str(v).length),
  count: (v) => FILTERS.length(v, { pos: [], kw: {} }, noCall),
  bool: (v) => (typeof v === "boolean" ? v : ["1", "true", "yes", "on", "y", "t"].includes(String(v).toLowerCase())),
  int: (v, a) => {
    const n = typeof v === "string" ? parseInt(v, Number(a.kw.base ?? a.pos[1] ?? 10)) : Math.trunc(Number(v));
    return Number.isNaN(n) ? Number(a.pos[0] ?? 0) : n;
  },
  float: (v, a) => (Number.isNaN(Number(v)) ? Number(a.pos[0] ?? 0) : Number(v)),
  abs: (v) => Math.abs(num(v, "abs")),
  round: (v, a) => {
    const p = 10 ** Number(a.pos[0] ?? 0);
    const m = String(a.pos[1] ?? "common");
    const x = num(v, "round") * p;
    return (m === "ceil" ? Math.ceil(x) : m === "floor" ? Math.floor(x) : Math.round(x)) / p;
  },
  string: (v) => str(v),
  lower: (v) => str(v).toLowerCase(),
  upper: (v) => str(v).toUpperCase(),
  capitalize: (v) => str(v).charAt(0).toUpperCase() + str(v).slice(1).toLowerCase(),
  title: (v) => str(v).replace(/\w\S*/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()),
  trim: (v) => str(v).trim(),
  quote: (v) => quote(str(v)),
  comment: (v, a) => commentFilter(str(v), String(a.pos[0] ?? a.kw.style ?? "plain"), a.kw),
  b64encode: (v) => Buffer.from(str(v)).toString("base64"),
  b64decode: (v) => Buffer.from(str(v), "base64").toString("utf8"),
  join: (v, a) => (Array.isArray(v) ? v.map(str).join(String(a.pos[0] ?? "")) : str(v)),
  split: (v, a) => splitPy(str(v), a.pos[0] as string | undefined),
  replace: (v, a) =>
    str(v)
      .split(String(a.pos[0]))
      .join(String(a.pos[1] ?? "")),
  first: (v) => (Array.isArray(v) ? v[0] : str(v)[0]),
  last: (v) => (Array.isArray(v) ? v[v.length - 1] : str(v).slice(-1)),
  list: (v) => asList(v),
  unique: (v) => asList(v).filter((x, i, all) => all.findIndex((y) => looseEq(x, y)) === i),
  union: (v, a) => FILTERS.unique([...asList(v), ...asList(a.pos[0])], a, noCall),
  intersect: (v, a) =>
    FILTERS.unique(
      asList(v).filter((x) => contains(asList(a.pos[0]), x)),
      a,
      noCall,
    ),
  difference: (v, a) =>
    FILTERS.unique(
      asList(v).filter((x) => !contains(asList(a.pos[0]), x)),
      a,
      noCall,
    ),
  symmetric_difference: (v, a) =>
    FILTERS.unique(
      [
        ...asList(v).filter((x) => !contains(asList(a.pos[0]), x)),
        ...asList(a.pos[0]).filter((x) => !contains(asList(v), x)),
      ],
      a,
      noCall,
    ),
  sort: (v, a) => {
    const key = (x: unknown) => (a.kw.attribute ? attr(x, a.kw.attribute) : x);
    const out = [...asList(v)].sort((x, y) => compare(key(x), key(y)));
    return truthy(a.kw.reverse ?? a.pos[0]) ? out.reverse() : out;
  },
  reverse: (v) => (typeof v === "string" ? [...v].reverse().join("") : [...asList(v)].reverse()),
  min: (v) => [...asList(v)].sort(compare)[0],
  max: (v) => [...asList(v)].sort(compare).at(-1),
  sum: (v, a) => asList(v).reduce<unknown>((s, x) => arith("+", s, x), a.pos[0] ?? 0),
  flatten: (v, a) =>
    asList(v).flat(a.kw.levels !== undefined || a.pos[0] !== undefined ? Number(a.kw.levels ?? a.pos[0]) : Infinity),
  map: (v, a, call) =>
    asList(v).map((x) =>
      a.kw.attribute !== undefined
        ? attr(x, a.kw.attribute)
        : call.filter(String(a.pos[0]), x, { pos: a.pos.slice(1), kw: {} }),
    ),
  select: (v, a, call) =>
    asList(v).filter((x) =>
      a.pos.length ? call.test(String(a.pos[0]), x, { pos: a.pos.slice(1), kw: {} }) : truthy(x),
    ),
  reject: (v, a, call) =>
    asList(v).filter(
      (x) => !(a.pos.length ? call.test(String(a.pos[0]), x, { pos: a.pos.slice(1), kw: {} }) : truthy(x)),
    ),
  selectattr: (v, a, call) => asList(v).filter((x) => attrTest(x, a, call)),
  rejectattr: (v, a, call) => asList(v).filter((x) => !attrTest(x, a, call)),
  dict2items: (v, a) =>
    Object.entries(isObj(v) ? v : {}).map(([k, x]) => ({
      [String(a.kw.key_name ?? "key")]: k,
      [String(a.kw.value_name ?? "value")]: x,
    })),
  items2dict: (v, a) =>
    Object.fromEntries(
      asList(v).map((x) => [String(attr(x, a.kw.key_name ?? "key")), attr(x, a.kw.value_name ?? "value")]),
    ),
  combine: (v, a) =>
    [v, ...a.pos].reduce<unknown>(
      (acc, x) => (truthy(a.kw.recursive) ? deepMerge(acc, x) : { ...(acc as object), ...(x as object) }),
      {},
    ),
  // Ansible's STRING_TYPE_FILTERS: their text is never read back as a literal (NativeJinjaText)
  to_json: (v) => keepAsText(pyJson(v), "NativeJinjaText"),
  to_nice_json: (v, a) => keepAsText(pyJson(v, Number(a.kw.indent ?? 4), true), "NativeJinjaText"),
  from_json: (v) => JSON.parse(str(v)) as unknown,
  to_yaml: (v) => keepAsText(toYaml(v), "NativeJinjaText"),
  to_nice_yaml: (v, a) => keepAsText(toYaml(v, { indent: Number(a.kw.indent ?? 4) }), "NativeJinjaText"),
  from_yaml: (v) => parseYaml(str(v), { customTags: ansibleYamlTags }) as unknown,
  regex_replace: (v, a) =>
    str(v).replace(
      pyRegex(a.pos[0], "g" + reFlags(a.kw)),
      String(a.pos[1] ?? "")
        .replace(/\\(\d)/g, "$$$1")
        .replace(/\\g<(\w+)>/g, "$$<$1>"),
    ),
  regex_search: (v, a) => pyRegex(a.pos[0], reFlags(a.kw)).exec(str(v))?.[0] ?? null,
  regex_findall: (v, a) =>
    [...str(v).matchAll(pyRegex(a.pos[0], "g" + reFlags(a.kw)))].map((m) =>
      m.length > 2 ? m.slice(1) : (m[1] ?? m[0]),
    ),
  regex_escape: (v) => str(v).replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"),
  basename: (v) => posix.basename(str(v)),
  dirname: (v) => posix.dirname(str(v)),
  // paths on the controller, as Ansible's filters read them (they run where the templating runs)
  expanduser: (v) => str(v).replace(/^~(?=\/|$)/, homedir()),
  expandvars: (v) => str(v).replace(/\$(\w+)|\$\{(\w+)\}/g, (m, a, b) => process.env[a ?? b] ?? m),
  realpath: (v) => {
    try {
      return realpathSync(str(v));
    } catch {
      return posix.resolve(str(v));
    }
  },
  splitext: (v) => {
    const e = posix.extname(str(v));
    return [str(v).slice(0, str(v).length - e.length), e];
  },
  hash: (v, a) =>
    createHash(String(a.pos[0] ?? "sha1"))
      .update(str(v))
      .digest("hex"),
  checksum: (v) => createHash("sha1").update(str(v)).digest("hex"),
  // Ansible's password_hash: SHA-512 crypt ($6$), a random 16-character salt unless given
  password_hash: (v, a) => {
    const type = str(a.pos[0] ?? a.kw.hashtype ?? "sha512");
    if (type !== "sha512") throw new LibError(`password_hash: only sha512 is supported, not ${type}`);
    const salt = a.pos[1] ?? a.kw.salt;
    const rounds = Number(a.pos[2] ?? a.kw.rounds ?? 5000);
    return sha512Crypt(str(v), salt === undefined || salt === null ? randomText(16, SALT_CHARS) : str(salt), rounds);
  },
  // Ansible's random: an item of a list, or a number below an integer (start and step as range())
  random: (v, a) => {
    if (Array.isArray(v) || typeof v === "string") {
      if (v.length === 0) throw new LibError("random: the sequence is empty");
      return v[randomInt(v.length)];
    }
    const end = Number(v);
    const start = Number(a.pos[0] ?? a.kw.start ?? 0);
    const step = Number(a.pos[1] ?? a.kw.step ?? 1);
    const count = Math.ceil((end - start) / step);
    if (!Number.isInteger(end) || count <= 0) throw new LibError(`random: empty range for ${String(v)}`);
    return start + step * randomInt(count);
  },
  shuffle: (v) => {
    const out = [...asList(v)];
    for (let i = out.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  },
  md5: (v) => createHash("md5").update(str(v)).digest("hex"),
  sha1: (v) => createHash("sha1").update(str(v)).digest("hex"),
  mandatory: (v) => v,
  ternary: (v, a) => (v === null && a.pos[2] != null ? a.pos[2] : truthy(v) ? a.pos[0] : a.pos[1]),
  // Python's class names; text that stays text is Ansible's NativeJinjaText (see keptText)
  type_debug: (v) =>
    typeof v === "string" && keptText.has(v)
      ? keptText.get(v)!
      : v === null
        ? "NoneType"
        : typeof v === "boolean"
          ? "bool"
          : typeof v === "number"
            ? Number.isInteger(v)
              ? "int"
              : "float"
            : typeof v === "string"
              ? "str"
              : Array.isArray(v)
                ? "list"
                : "dict",
  zip: (v, a) =>
    asList(v)
      .map((x, i) => [x, ...a.pos.map((l) => asList(l)[i])])
      .filter((t) => t.every((x) => x !== undefined)),
  center: (v, a) => {
    const w = Number(a.pos[0] ?? 80);
    const s = str(v);
    // CPython's str.center: an odd margin's extra space goes left when the width is odd
    const margin = w - s.length;
    const left = Math.floor(margin / 2) + (margin & w & 1);
    return s.length >= w ? s : " ".repeat(left) + s + " ".repeat(w - s.length - left);
  },
};

export interface Caller {
  filter(name: string, v: unknown, a: Args): unknown;
  test(name: string, v: unknown, a: Args): boolean;
}
const noCall: Caller = {
  filter: () => {
    throw new LibError("no filter here");
  },
  test: () => {
    throw new LibError("no test here");
  },
};

function attrTest(x: unknown, a: Args, call: Caller): boolean {
  const v = attr(x, a.pos[0]);
  if (a.pos.length < 2) return truthy(v);
  return call.test(String(a.pos[1]), v, { pos: a.pos.slice(2), kw: {} });
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (!isObj(a) || !isObj(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

/** Python's str.split: no separator splits on runs of whitespace and drops empty parts. */
function splitPy(s: string, sep?: string | null, max = -1): string[] {
  if (sep === undefined || sep === null) {
    const parts = s.trim().split(/\s+/).filter(Boolean);
    return max < 0 || parts.length <= max + 1 ? parts : [...parts.slice(0, max), parts.slice(max).join(" ")];
  }
  const parts = s.split(sep);
  return max < 0 || parts.length <= max + 1 ? parts : [...parts.slice(0, max), parts.slice(max).join(sep)];
}

// ---------- methods (x.name(args)) ----------

const STRING_METHODS: Record<string, (s: string, p: unknown[]) => unknown> = {
  startswith: (s, p) => (Array.isArray(p[0]) ? p[0].some((x) => s.startsWith(String(x))) : s.startsWith(String(p[0]))),
  endswith: (s, p) => (Array.isArray(p[0]) ? p[0].some((x) => s.endsWith(String(x))) : s.endsWith(String(p[0]))),
  split: (s, p) => splitPy(s, p[0] as string | undefined, p[1] === undefined ? -1 : Number(p[1])),
  strip: (s, p) => (p[0] === undefined ? s.trim() : stripChars(s, String(p[0]), "both")),
  lstrip: (s, p) => (p[0] === undefined ? s.trimStart() : stripChars(s, String(p[0]), "left")),
  rstrip: (s, p) => (p[0] === undefined ? s.trimEnd() : stripChars(s, String(p[0]), "right")),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  title: (s) => FILTERS.title(s, { pos: [], kw: {} }, noCall),
  replace: (s, p) => s.split(String(p[0])).join(String(p[1] ?? "")),
  find: (s, p) => s.indexOf(String(p[0])),
  index: (s, p) => {
    const i = s.indexOf(String(p[0]));
    if (i < 0) throw new LibError("substring not found");
    return i;
  },
  count: (s, p) => s.split(String(p[0])).length - 1,
  join: (s, p) => asList(p[0]).map(str).join(s),
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  format: (s, p) => {
    let i = 0;
    return s.replace(/\{(\d*)\}/g, (_m, n: string) => str(p[n === "" ? i++ : Number(n)]));
  },
  splitlines: (s) => s.split(/\r?\n/).filter((l, i, all) => i < all.length - 1 || l !== ""),
};

function stripChars(s: string, chars: string, side: "left" | "right" | "both"): string {
  let [a, b] = [0, s.length];
  if (side !== "right") while (a < b && chars.includes(s[a])) a++;
  if (side !== "left") while (b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

const LIST_METHODS: Record<string, (l: unknown[], p: unknown[]) => unknown> = {
  index: (l, p) => {
    const i = l.findIndex((x) => looseEq(x, p[0]));
    if (i < 0) throw new LibError(`${repr(p[0])} is not in list`);
    return i;
  },
  count: (l, p) => l.filter((x) => looseEq(x, p[0])).length,
};

const DICT_METHODS: Record<string, (d: Record<string, unknown>, p: unknown[]) => unknown> = {
  items: (d) => Object.entries(d),
  keys: (d) => Object.keys(d),
  values: (d) => Object.values(d),
  get: (d, p) => (Object.prototype.hasOwnProperty.call(d, String(p[0])) ? d[String(p[0])] : (p[1] ?? null)),
};

/**
 * A Python method called on a value: strings, lists and dicts have the read-only ones; lists and
 * dicts the changing ones too, their changes confined to the evaluation (py-mutate.ts).
 */
export function callMethod(target: unknown, name: string, args: Args): unknown {
  const params = args.pos;
  const change = mutatingMethod(target, name, looseEq);
  if (change) {
    try {
      return change(params, args.kw);
    } catch (e) {
      throw e instanceof PyMutationError ? new LibError(e.message) : e;
    }
  }
  const table: Record<string, (t: never, p: unknown[]) => unknown> | undefined =
    typeof target === "string"
      ? STRING_METHODS
      : Array.isArray(target)
        ? LIST_METHODS
        : isObj(target)
          ? DICT_METHODS
          : undefined;
  const fn = table && Object.hasOwn(table, name) ? table[name] : undefined;
  if (!fn) throw new LibError(`no method "${name}" on ${pyStr(typeName(target))}`);
  return fn(target as never, params);
}

const typeName = (v: unknown) => FILTERS.type_debug(v, { pos: [], kw: {} }, noCall);
