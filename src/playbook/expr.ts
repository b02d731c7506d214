// Owns conditional expressions (`when`, `changed_when`, `failed_when`): a safe, Jinja-like subset
// parsed by hand (no eval): literals, names with .attr / [key], comparisons, in / not in,
// and / or / not, `is [not] defined|undefined|none|true|false`, and a few filters
// (length, bool, int, string, lower, upper, trim, default, quote — shell-quoted by the shared
// helper —, b64encode, b64decode, join, replace, first, last). An undefined name is an error unless tested.
import { mayRender } from "./data.js";
import { quote } from "../transport/quote.js";

type Tok = { t: "num" | "str" | "name" | "op" | "end"; v: string; pos: number };

export class ExprError extends Error {}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?/.exec(src.slice(i))!;
      toks.push({ t: "num", v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) {
          s += src[j + 1];
          j += 2;
          continue;
        }
        s += src[j++];
      }
      if (j >= src.length) throw new ExprError(`unterminated string at column ${i + 1}`);
      toks.push({ t: "str", v: s, pos: i });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w]*/.exec(src.slice(i))!;
      toks.push({ t: "name", v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (["==", "!=", "<=", ">="].includes(two)) {
      toks.push({ t: "op", v: two, pos: i });
      i += 2;
      continue;
    }
    if ("<>()[].,|".includes(c)) {
      toks.push({ t: "op", v: c, pos: i });
      i++;
      continue;
    }
    throw new ExprError(`unexpected character "${c}" at column ${i + 1}`);
  }
  toks.push({ t: "end", v: "", pos: src.length });
  return toks;
}

type Node =
  | { k: "lit"; v: unknown }
  | { k: "name"; v: string }
  | { k: "get"; obj: Node; key: Node }
  | { k: "list"; items: Node[] }
  | { k: "not"; e: Node }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "is"; e: Node; test: string; neg: boolean }
  | { k: "filter"; e: Node; name: string; args: Node[] };

class Parser {
  private i = 0;
  constructor(
    private toks: Tok[],
    private src: string,
  ) {}
  private peek(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    return this.toks[this.i++];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === "op" && t.v === v;
  }
  private isName(v: string): boolean {
    const t = this.peek();
    return t.t === "name" && t.v === v;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw new ExprError(`expected "${v}" at column ${t.pos + 1} in: ${this.src}`);
  }
  parse(): Node {
    const n = this.or();
    if (this.peek().t !== "end")
      throw new ExprError(`unexpected "${this.peek().v}" at column ${this.peek().pos + 1} in: ${this.src}`);
    return n;
  }
  private or(): Node {
    let a = this.and();
    while (this.isName("or")) {
      this.next();
      a = { k: "bin", op: "or", a, b: this.and() };
    }
    return a;
  }
  private and(): Node {
    let a = this.not();
    while (this.isName("and")) {
      this.next();
      a = { k: "bin", op: "and", a, b: this.not() };
    }
    return a;
  }
  private not(): Node {
    if (this.isName("not")) {
      this.next();
      return { k: "not", e: this.not() };
    }
    return this.cmp();
  }
  private cmp(): Node {
    let a = this.filtered();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && ["==", "!=", "<", ">", "<=", ">="].includes(t.v)) {
        this.next();
        a = { k: "bin", op: t.v, a, b: this.filtered() };
        continue;
      }
      if (this.isName("in")) {
        this.next();
        a = { k: "bin", op: "in", a, b: this.filtered() };
        continue;
      }
      if (this.isName("not") && this.toks[this.i + 1]?.v === "in") {
        this.i += 2;
        a = { k: "not", e: { k: "bin", op: "in", a, b: this.filtered() } };
        continue;
      }
      if (this.isName("is")) {
        this.next();
        let neg = false;
        if (this.isName("not")) {
          this.next();
          neg = true;
        }
        const test = this.next();
        if (test.t !== "name") throw new ExprError(`expected a test name after "is" in: ${this.src}`);
        a = { k: "is", e: a, test: test.v, neg };
        continue;
      }
      return a;
    }
  }
  private filtered(): Node {
    let e = this.postfix();
    while (this.isOp("|")) {
      this.next();
      const name = this.next();
      if (name.t !== "name") throw new ExprError(`expected a filter name after "|" in: ${this.src}`);
      const args: Node[] = [];
      if (this.isOp("(")) {
        this.next();
        while (!this.isOp(")")) {
          args.push(this.or());
          if (this.isOp(",")) this.next();
        }
        this.expect(")");
      }
      e = { k: "filter", e, name: name.v, args };
    }
    return e;
  }
  private postfix(): Node {
    let e = this.atom();
    for (;;) {
      if (this.isOp(".")) {
        this.next();
        const n = this.next();
        if (n.t !== "name" && n.t !== "num") throw new ExprError(`expected an attribute after "." in: ${this.src}`);
        e = { k: "get", obj: e, key: { k: "lit", v: n.v } };
      } else if (this.isOp("[")) {
        this.next();
        const key = this.or();
        this.expect("]");
        e = { k: "get", obj: e, key };
      } else return e;
    }
  }
  private atom(): Node {
    const t = this.next();
    if (t.t === "num") return { k: "lit", v: Number(t.v) };
    if (t.t === "str") return { k: "lit", v: t.v };
    if (t.t === "name") {
      if (t.v === "true" || t.v === "True") return { k: "lit", v: true };
      if (t.v === "false" || t.v === "False") return { k: "lit", v: false };
      if (t.v === "none" || t.v === "None" || t.v === "null") return { k: "lit", v: null };
      return { k: "name", v: t.v };
    }
    if (t.t === "op" && t.v === "(") {
      const e = this.or();
      this.expect(")");
      return e;
    }
    if (t.t === "op" && t.v === "[") {
      const items: Node[] = [];
      while (!this.isOp("]")) {
        items.push(this.or());
        if (this.isOp(",")) this.next();
      }
      this.expect("]");
      return { k: "list", items };
    }
    throw new ExprError(
      `unexpected ${t.t === "end" ? "end of expression" : `"${t.v}"`} at column ${t.pos + 1} in: ${this.src}`,
    );
  }
}

const UNDEF = Symbol("undefined");
type Val = unknown | typeof UNDEF;

const parsedCache = new Map<string, Node>();
export function parseExpr(src: string): Node {
  const s = src.trim().replace(/^\{\{\s*([\s\S]*?)\s*\}\}$/, "$1");
  let n = parsedCache.get(s);
  if (!n) {
    n = new Parser(tokenize(s), s).parse();
    parsedCache.set(s, n);
  }
  return n;
}

export function evalExpr(src: string, vars: Record<string, unknown>): unknown {
  const node = parseExpr(src);
  const v = ev(node, vars, src);
  if (v === UNDEF) throw new ExprError(`"${describe(node)}" is undefined in: ${src}`);
  return v;
}

/** Ansible truthiness of a condition; lists of conditions are ANDed. Booleans pass through. */
export function evalCondition(cond: unknown, vars: Record<string, unknown>): boolean {
  if (cond === undefined || cond === null) return true;
  if (typeof cond === "boolean") return cond;
  if (Array.isArray(cond)) return cond.every((c) => evalCondition(c, vars));
  return truthy(evalExpr(String(cond), vars));
}

function truthy(v: unknown): boolean {
  if (typeof v === "string") return !["", "false", "no", "off", "0"].includes(v.toLowerCase());
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

/**
 * Renders a variable whose value is itself a template (a play var that refers to facts, say)
 * when an expression looks it up: variables are evaluated lazily, as in Ansible. Set by the
 * template engine (which depends on this module, not the other way round).
 */
let lateRender: ((value: string, vars: Record<string, unknown>, name: string) => unknown) | undefined;
/** Render such a variable now (the template engine's Handlebars context uses it too). */
export function renderLate(value: string, vars: Record<string, unknown>, name: string): unknown {
  return lateRender ? lateRender(value, vars, name) : value;
}
let lateDepth = 0;
export function setLateRender(fn: (value: string, vars: Record<string, unknown>, name: string) => unknown): void {
  lateRender = (value, vars, name) => {
    if (lateDepth > 16) throw new ExprError(`variable "${name}" refers to itself`);
    lateDepth++;
    try {
      return fn(value, vars, name);
    } finally {
      lateDepth--;
    }
  };
}

type Need = (x: Node) => unknown;

function ev(n: Node, vars: Record<string, unknown>, src: string): Val {
  const need: Need = (x) => {
    const v = ev(x, vars, src);
    if (v === UNDEF) throw new ExprError(`"${describe(x)}" is undefined in: ${src}`);
    return v;
  };
  switch (n.k) {
    case "lit":
      return n.v;
    case "name":
      return lookup(vars, n.v);
    case "list":
      return n.items.map(need);
    case "get": {
      const o = ev(n.obj, vars, src);
      return o === UNDEF || o === null || typeof o !== "object" ? UNDEF : getItem(o, need(n.key));
    }
    case "not":
      return !truthy(need(n.e));
    case "is":
      return isTest(n, { value: ev(n.e, vars, src), need, src });
    case "filter":
      return filter(n, { value: () => ev(n.e, vars, src), need, src });
    case "bin":
      return binary(n, need);
  }
  throw new ExprError(`cannot evaluate: ${src}`);
}

/** A variable's value; a string variable that is a template is rendered where it is used. */
function lookup(vars: Record<string, unknown>, name: string): Val {
  if (!Object.prototype.hasOwnProperty.call(vars, name)) return UNDEF;
  const v = vars[name];
  return typeof v === "string" && v.includes("{{") && lateRender && mayRender(vars, name)
    ? lateRender(v, vars, name)
    : v;
}

function getItem(o: object, key: unknown): Val {
  const k = Array.isArray(o) && typeof key === "number" ? key : String(key);
  return Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k as string] : UNDEF;
}

const flag = (v: unknown, k: "failed" | "changed" | "skipped") => !!(v as Record<string, unknown> | null)?.[k];

/** `x is <test>`: the tests on a defined value (defined/undefined are handled before). */
const TESTS: Record<string, (v: unknown) => boolean> = {
  none: (v) => v === null,
  true: (v) => v === true,
  false: (v) => v === false,
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  succeeded: (v) => !flag(v, "failed"),
  success: (v) => !flag(v, "failed"),
  failed: (v) => flag(v, "failed"),
  changed: (v) => flag(v, "changed"),
  skipped: (v) => flag(v, "skipped"),
};

function isTest(n: Extract<Node, { k: "is" }>, x: { value: Val; need: Need; src: string }): boolean {
  let r: boolean;
  if (n.test === "defined") r = x.value !== UNDEF;
  else if (n.test === "undefined") r = x.value === UNDEF;
  else {
    const test = Object.hasOwn(TESTS, n.test) ? TESTS[n.test] : undefined;
    if (!test) throw new ExprError(`unknown test "is ${n.test}" in: ${x.src}`);
    r = test(x.need(n.e));
  }
  return n.neg ? !r : r;
}

const str = (v: unknown) => String(v ?? "");

/** `x | <filter>(args…)` on a defined value; `arg(i)` evaluates the i-th argument if given. */
const FILTERS: Record<string, (v: unknown, arg: (i: number) => unknown) => unknown> = {
  length: (v) => (v && typeof v === "object" ? (Array.isArray(v) ? v.length : Object.keys(v).length) : str(v).length),
  bool: (v) => truthy(v) && !["n", "f"].includes(String(v).toLowerCase()),
  int: (v) => Math.trunc(Number(v)) || 0,
  float: (v) => Number(v) || 0,
  string: (v) => String(v),
  lower: (v) => String(v).toLowerCase(),
  upper: (v) => String(v).toUpperCase(),
  trim: (v) => String(v).trim(),
  quote: (v) => quote(str(v)),
  b64encode: (v) => Buffer.from(str(v)).toString("base64"),
  b64decode: (v) => Buffer.from(str(v), "base64").toString("utf8"),
  join: (v, arg) => (Array.isArray(v) ? v.map((x) => String(x)).join(String(arg(0) ?? "")) : str(v)),
  replace: (v, arg) =>
    str(v)
      .split(String(arg(0)))
      .join(String(arg(1) ?? "")),
  first: (v) => (Array.isArray(v) ? v[0] : str(v)[0]),
  last: (v) => (Array.isArray(v) ? v[v.length - 1] : str(v).slice(-1)),
};
FILTERS.count = FILTERS.length;

function filter(n: Extract<Node, { k: "filter" }>, x: { value: () => Val; need: Need; src: string }): unknown {
  const arg = (i: number) => (n.args[i] ? x.need(n.args[i]) : undefined);
  if (n.name === "default" || n.name === "d") {
    const v = x.value();
    return v === UNDEF ? (n.args[0] ? x.need(n.args[0]) : "") : v;
  }
  const fn = Object.hasOwn(FILTERS, n.name) ? FILTERS[n.name] : undefined;
  if (!fn) {
    x.need(n.e); // an undefined value is reported before an unknown filter, as before
    throw new ExprError(`unknown filter "${n.name}" in: ${x.src}`);
  }
  return fn(x.need(n.e), arg);
}

function binary(n: Extract<Node, { k: "bin" }>, need: Need): unknown {
  if (n.op === "and") return truthy(need(n.a)) ? truthy(need(n.b)) : false;
  if (n.op === "or") return truthy(need(n.a)) ? true : truthy(need(n.b));
  const a = need(n.a);
  const b = need(n.b);
  switch (n.op) {
    case "==":
      return looseEq(a, b);
    case "!=":
      return !looseEq(a, b);
    case "<":
      return (a as number) < (b as number);
    case ">":
      return (a as number) > (b as number);
    case "<=":
      return (a as number) <= (b as number);
    case ">=":
      return (a as number) >= (b as number);
    case "in":
      if (typeof b === "string") return b.includes(String(a));
      if (Array.isArray(b)) return b.some((x) => looseEq(x, a));
      if (b && typeof b === "object") return Object.prototype.hasOwnProperty.call(b, String(a));
      return false;
  }
}

function looseEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

function describe(n: Node): string {
  if (n.k === "name") return n.v;
  if (n.k === "get") return `${describe(n.obj)}.${n.key.k === "lit" ? String(n.key.v) : "[…]"}`;
  return "expression";
}
