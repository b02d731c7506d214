// Owns evaluating Jinja expressions (`when`, `changed_when`, `failed_when`, and every `{{ }}` that
// parses; the tree is read by expr-parse.ts): names, literals, operators, filters, tests, calls,
// taint and lookups. The filters, tests and methods themselves are in jinja-lib.ts. An undefined
// name is an error unless tested or defaulted; one held in a list or dict fails when used.
export { ExprError, parseExpr, type ExprOptions, type Node } from "./expr-parse.js";
import { holdsChanged, mutationScope, READ_ONLY } from "./py-mutate.js";
import { LookupError, withTermsFrom } from "./lookups.js";
import { ExprError, parseExpr, type ArgNodes, type ExprOptions, type Node } from "./expr-parse.js";
import { holdsTemplate, mayRender, noteRead, noteTaint, trackTaint, type Taint } from "./data.js";
import {
  arith,
  callMethod,
  compare,
  contains,
  FILTERS,
  GLOBALS,
  JinjaUndefined,
  LibError,
  looseEq,
  setVariableReader,
  TESTS,
  truthy,
  type Args,
  type Caller,
} from "./jinja-lib.js";

const UNDEF = Symbol("undefined");
type Val = unknown | typeof UNDEF;

/** One expression's value; a list or dict it changes (x.append(…)) is changed for this evaluation only. */
export function evalExpr(src: string, vars: Record<string, unknown>, o: ExprOptions = {}): unknown {
  const node = parseExpr(src, o);
  const e = new Evaluator(vars, src);
  const v = mutationScope(() => e.ev(node));
  if (v === UNDEF) throw new ExprError(`"${describe(node)}" is undefined in: ${src}`);
  // an undefined value carried in a list or dict is an error once it is the result, as in Ansible
  const held = e.heldUndefined ? findUndefined(v) : undefined;
  if (held) throw new ExprError(`"${held.name}" is undefined in: ${src}`);
  return v;
}

/** The first undefined value held in a result (lists and dicts made by this evaluation). */
function findUndefined(v: unknown, depth = 0): JinjaUndefined | undefined {
  if (v instanceof JinjaUndefined) return v;
  if (depth > 100 || !v || typeof v !== "object") return undefined;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    const u = findUndefined(x, depth + 1);
    if (u) return u;
  }
  return undefined;
}

/** Ansible's words (CVE-2023-5764) for a condition whose text came from a node or a lookup. */
export const UNSAFE_CONDITIONAL = "Conditional is marked as unsafe, and cannot be evaluated.";

/**
 * Ansible truthiness of a condition; lists of conditions are ANDed. Booleans pass through. A
 * condition is never text that was rendered from tainted data: neither a string the task's
 * arguments rendered so (`that: "{{ out.stdout }}"`, listed in `taint`), nor a `{{ }}` condition
 * whose text result read such data: that text would be evaluated as code.
 */
export function evalCondition(cond: unknown, vars: Record<string, unknown>, taint?: Taint): boolean {
  if (cond === undefined || cond === null) return true;
  if (typeof cond === "boolean") return cond;
  if (Array.isArray(cond)) return cond.every((c) => evalCondition(c, vars, taint));
  const text = String(cond);
  const refuse = () => new ExprError(`The conditional check '${text}' failed. The error was: ${UNSAFE_CONDITIONAL}`);
  if (taint?.unsafe.has(text)) throw refuse();
  if (!text.includes("{{") && !text.includes("{%")) return truthy(evalExpr(text, vars));
  const r = trackTaint(() => evalExpr(text, vars));
  // a whole "{{ x }}" renders to x's value: only text is unsafe (a bool or a list is not code)
  const whole = /^\s*\{\{[\s\S]*\}\}\s*$/.test(text);
  if (r.tainted && (!whole || typeof r.value === "string")) throw refuse();
  return truthy(r.value);
}

export { pyStr } from "./jinja-lib.js";

/**
 * Renders a variable whose value is itself a template (a play var that refers to facts, say)
 * when an expression looks it up: variables are evaluated lazily, as in Ansible. Set by the
 * template engine (which depends on this module, not the other way round).
 */
let lateRender: ((value: unknown, vars: Record<string, unknown>, name: string) => unknown) | undefined;
/** Render such a variable now (the template engine's Handlebars context uses it too). */
export function renderLate(value: unknown, vars: Record<string, unknown>, name: string): unknown {
  return lateRender ? lateRender(value, vars, name) : value;
}
let lateDepth = 0;
export function setLateRender(fn: (value: unknown, vars: Record<string, unknown>, name: string) => unknown): void {
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

const LOOKUP_FUNCTIONS = new Set(["lookup", "query", "q"]);
/** Not the hostvars[h][k] form: evaluate the subscript as any other. */
const NOT_HOSTVARS = Symbol("not hostvars");

/** A Jinja macro as a value (template/jinja.ts makes them): called with the call's arguments. */
export type Macro = ((args: Args) => string) & { readonly jinjaMacro: true };

export function isMacro(v: unknown): v is Macro {
  return typeof v === "function" && (v as Partial<Macro>).jinjaMacro === true;
}

/** Evaluation of one expression: the variables, and the source for messages. */
class Evaluator implements Caller {
  /** A list or dict literal of this evaluation holds an undefined value (see JinjaUndefined). */
  heldUndefined = false;

  constructor(
    private readonly vars: Record<string, unknown>,
    private readonly src: string,
  ) {}

  /**
   * hostvars[h][k] (or hostvars.h.k): read as one step so that taint follows the one variable read
   * (an inventory variable is clean, a fact is not); hostvars used any other way taints.
   */
  private hostvarsItem(n: Node & { k: "get" }): Val | typeof NOT_HOSTVARS {
    const inner = n.obj;
    if (inner.k !== "get" || inner.obj.k !== "name" || inner.obj.v !== "hostvars") return NOT_HOSTVARS;
    if (!Object.prototype.hasOwnProperty.call(this.vars, "hostvars")) return NOT_HOSTVARS;
    const all = this.vars.hostvars;
    if (!all || typeof all !== "object") return NOT_HOSTVARS;
    const host = getItem(all, this.need(inner.key));
    if (host === UNDEF || host === null || typeof host !== "object") return NOT_HOSTVARS;
    const key = this.need(n.key);
    noteRead(host as Record<string, unknown>, String(key));
    return getItem(host, key);
  }

  need: Need = (x) => {
    const v = this.ev(x);
    if (v === UNDEF) throw new ExprError(`"${describe(x)}" is undefined in: ${this.src}`);
    return v;
  };

  /** A node's value; an undefined value taken out of a list or dict is undefined again. */
  ev(n: Node): Val {
    const v = this.value(n);
    return v instanceof JinjaUndefined ? UNDEF : v;
  }

  /** An item of a list or dict literal: an undefined one is held, and fails only when used. */
  private item = (x: Node): unknown => {
    const v = this.ev(x);
    if (v !== UNDEF) return v;
    this.heldUndefined = true;
    return new JinjaUndefined(describe(x));
  };

  private value(n: Node): Val {
    switch (n.k) {
      case "lit":
        return n.v;
      case "name":
        return lookup(this.vars, n.v);
      case "list":
        return n.items.map(this.item);
      case "dict":
        return Object.fromEntries(n.entries.map(([k, v]) => [String(this.need(k)), this.item(v)]));
      case "get": {
        const own = this.hostvarsItem(n);
        if (own !== NOT_HOSTVARS) return own;
        const o = this.ev(n.obj);
        return o === UNDEF || o === null || typeof o !== "object"
          ? stringIndex(o, () => this.need(n.key))
          : getItem(o, this.need(n.key));
      }
      case "slice":
        return this.slice(n);
      case "not":
        return !truthy(this.need(n.e));
      case "neg":
        return this.lib(() => arith("-", 0, this.need(n.e)));
      case "cond":
        // no else and a false test: nothing (printed as an empty string, as Ansible renders it)
        return truthy(this.need(n.test)) ? this.ev(n.then) : n.else ? this.ev(n.else) : null;
      case "is":
        return this.isTest(n);
      case "filter":
        return this.filterNode(n);
      case "call": {
        const obj = this.need(n.obj);
        // a template's macro reached through an import namespace: qux.macro(…)
        const member = obj && typeof obj === "object" ? (obj as Record<string, unknown>)[n.name] : undefined;
        if (isMacro(member)) return this.lib(() => member(this.args(n.args)));
        return this.lib(() => callMethod(obj, n.name, this.args(n.args)));
      }
      case "fn": {
        // a macro a template defined or imported, then Jinja's and Ansible's globals
        const own = Object.prototype.hasOwnProperty.call(this.vars, n.name) ? this.vars[n.name] : undefined;
        if (isMacro(own)) return this.lib(() => own(this.args(n.args)));
        const f = GLOBALS[n.name];
        if (!f) throw new ExprError(`unknown function "${n.name}" in: ${this.src}`);
        if (!LOOKUP_FUNCTIONS.has(n.name)) return this.lib(() => f(this.args(n.args), this.vars));
        // terms from a node never pick a command, a variable or a file outside the playbook's
        const { value: args, fromNode } = trackTaint(() => this.lookupArgs(n));
        noteTaint(); // a lookup's result is data, as Ansible marks it unsafe
        return this.lib(() => withTermsFrom(fromNode, String(args.pos[0]), () => f(args, this.vars)));
      }
      case "bin":
        return this.binary(n);
    }
  }

  /** A lookup's arguments: Ansible renders its terms, so a template written as a literal term renders first. */
  private lookupArgs(n: Extract<Node, { k: "fn" }>): Args {
    const args = this.args(n.args);
    if (lateRender)
      n.args.pos.forEach((p, i) => {
        if (p.k === "lit" && typeof p.v === "string" && p.v.includes("{{"))
          args.pos[i] = lateRender!(p.v, this.vars, n.name);
      });
    return args;
  }

  private args(a: ArgNodes): Args {
    const pos = a.pos.map(this.need);
    const kw = Object.fromEntries(a.kw.map(([k, v]) => [k, this.need(v)]));
    for (const n of a.spread ?? []) {
      const v = this.need(n);
      if (!Array.isArray(v)) throw new ExprError(`*args needs a list in: ${this.src}`);
      pos.push(...v);
    }
    for (const n of a.spreadKw ?? []) {
      const v = this.need(n);
      if (!v || typeof v !== "object" || Array.isArray(v))
        throw new ExprError(`**kwargs needs a mapping in: ${this.src}`);
      Object.assign(kw, v);
    }
    return { pos, kw };
  }

  /** A library call; its errors name the expression. */
  private lib<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof LibError || e instanceof LookupError) throw new ExprError(`${e.message} in: ${this.src}`);
      throw e;
    }
  }

  private slice(n: Extract<Node, { k: "slice" }>): unknown {
    const o = this.need(n.obj);
    const from = n.from ? Number(this.need(n.from)) : undefined;
    const to = n.to ? Number(this.need(n.to)) : undefined;
    const step = n.step ? Number(this.need(n.step)) : 1;
    if (step === 0) throw new ExprError(`slice step cannot be zero in: ${this.src}`);
    if (typeof o === "string") return pySlice([...o], { from, to, step }).join("");
    if (Array.isArray(o)) return pySlice(o, { from, to, step });
    throw new ExprError(`cannot slice ${describe(n.obj)} in: ${this.src}`);
  }

  private isTest(n: Extract<Node, { k: "is" }>): boolean {
    let r: boolean;
    if (n.test === "defined") r = this.ev(n.e) !== UNDEF;
    else if (n.test === "undefined") r = this.ev(n.e) === UNDEF;
    else r = this.test(n.test, this.need(n.e), this.args(n.args));
    return n.neg ? !r : r;
  }

  test(name: string, v: unknown, a: Args): boolean {
    const fn = Object.hasOwn(TESTS, name) ? TESTS[name] : undefined;
    if (!fn) throw new ExprError(`unknown test "is ${name}" in: ${this.src}`);
    return this.lib(() => fn(v, a));
  }

  filter(name: string, v: unknown, a: Args): unknown {
    const fn = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
    if (!fn) throw new ExprError(`unknown filter "${name}" in: ${this.src}`);
    return this.lib(() => fn(v, a, this));
  }

  private filterNode(n: Extract<Node, { k: "filter" }>): unknown {
    if (n.name === "default" || n.name === "d") return this.defaultFilter(n);
    if (n.name === "ternary" && !n.args.spread && !n.args.spreadKw) return this.ternaryFilter(n);
    if (!Object.hasOwn(FILTERS, n.name)) {
      this.need(n.e); // an undefined value is reported before an unknown filter, as before
      throw new ExprError(`unknown filter "${n.name}" in: ${this.src}`);
    }
    return this.filter(n.name, this.need(n.e), this.args(n.args));
  }

  /**
   * default(value, default_value='', boolean=False). Jinja hands an undefined argument over as an
   * Undefined that fails only when used: the default value is evaluated only when it replaces the
   * value (`m.src | default(info.device, true)` with m.src set never reads info.device), and an
   * undefined one stays undefined (a later default may still replace it).
   */
  private defaultFilter(n: Extract<Node, { k: "filter" }>): Val {
    const v = this.ev(n.e);
    if (n.args.spread || n.args.spreadKw) {
      const a = this.args(n.args);
      const replace = v === UNDEF || (truthy(a.pos[1] ?? a.kw.boolean) && !truthy(v));
      return replace ? (a.pos[0] ?? a.kw.default_value ?? "") : v;
    }
    const kw = (name: string) => n.args.kw.find(([k]) => k === name)?.[1];
    const flag = n.args.pos[1] ?? kw("boolean");
    // default(x, true) also replaces values that are false in Jinja's sense
    const replace = v === UNDEF || (flag !== undefined && truthy(this.need(flag)) && !truthy(v));
    if (!replace) return v;
    const fallback = n.args.pos[0] ?? kw("default_value");
    return fallback ? this.ev(fallback) : "";
  }

  /**
   * ternary(true_val, false_val, none_val=None), as Ansible's: only the value chosen is evaluated
   * (`(foo is defined) | ternary(foo, 'none')` never reads an undefined foo).
   */
  private ternaryFilter(n: Extract<Node, { k: "filter" }>): Val {
    const v = this.need(n.e);
    const kw = (name: string) => n.args.kw.find(([k]) => k === name)?.[1];
    const [whenTrue, whenFalse, whenNone] = [
      n.args.pos[0] ?? kw("true_val"),
      n.args.pos[1] ?? kw("false_val"),
      n.args.pos[2] ?? kw("none_val"),
    ];
    const noneValue = whenNone === undefined ? null : this.need(whenNone);
    if (v === null && noneValue !== null) return noneValue;
    const chosen = truthy(v) ? whenTrue : whenFalse;
    if (chosen === undefined) throw new ExprError(`ternary needs a true and a false value in: ${this.src}`);
    return this.ev(chosen);
  }

  private binary(n: Extract<Node, { k: "bin" }>): unknown {
    // Python's and/or give an operand, not a boolean: `group or omit`, `x and x.y`
    if (n.op === "and") {
      const a = this.need(n.a);
      return truthy(a) ? this.need(n.b) : a;
    }
    if (n.op === "or") {
      const a = this.need(n.a);
      return truthy(a) ? a : this.need(n.b);
    }
    const a = this.need(n.a);
    const b = this.need(n.b);
    switch (n.op) {
      case "==":
        return looseEq(a, b);
      case "!=":
        return !looseEq(a, b);
      case "<":
        return this.lib(() => compare(a, b) < 0);
      case ">":
        return this.lib(() => compare(a, b) > 0);
      case "<=":
        return this.lib(() => compare(a, b) <= 0);
      case ">=":
        return this.lib(() => compare(a, b) >= 0);
      case "in":
        return contains(b, a);
      default:
        return this.lib(() => arith(n.op, a, b));
    }
  }
}

/** A variable's value; a string variable that is a template is rendered where it is used. */
setVariableReader((vars, name) => {
  const v = lookup(vars, name);
  return v === UNDEF ? undefined : v;
});

function lookup(vars: Record<string, unknown>, name: string): Val {
  if (!Object.prototype.hasOwnProperty.call(vars, name)) return name === "vars" ? allVars(vars) : UNDEF;
  noteRead(vars, name);
  const v = vars[name];
  if (!lateRender || !v || (typeof v !== "string" && typeof v !== "object")) return v;
  return mayRender(vars, name) && holdsTemplate(v) && !holdsChanged(v) ? lateRender(v, vars, name) : v;
}

/**
 * `vars`: every variable in scope, as Ansible's `vars` has them — values as written, never
 * rendered on the way (vars['a'] of a: "{{ b }}" is that text). What it holds may be anything,
 * so reading it counts as reading node data; unlike Ansible's, it cannot be changed.
 */
function allVars(vars: Record<string, unknown>): Val {
  noteRead(vars, "vars");
  // read-only: a change through it (vars.update) could put any data under a template's name
  return new Proxy(vars, { get: (t, k) => (k === READ_ONLY ? true : Reflect.get(t, k)) });
}

function getItem(o: object, key: unknown): Val {
  if (Array.isArray(o) && typeof key === "number") return key < 0 ? (o.at(key) ?? UNDEF) : key in o ? o[key] : UNDEF;
  const k = String(key);
  return Object.prototype.hasOwnProperty.call(o, k) ? (o as Record<string, unknown>)[k] : UNDEF;
}

/** `s[0]` on a string; anything else that is not a container has no items. */
function stringIndex(o: Val, key: () => unknown): Val {
  if (typeof o !== "string") return UNDEF;
  const k = key();
  return typeof k === "number" ? (o.at(k) ?? UNDEF) : UNDEF;
}

function describe(n: Node): string {
  if (n.k === "name") return n.v;
  if (n.k === "get") return `${describe(n.obj)}.${n.key.k === "lit" ? String(n.key.v) : "[…]"}`;
  return "expression";
}

/** Python's seq[from:to:step] (negative indexes and steps as Python takes them). */
function pySlice<T>(seq: T[], o: { from?: number; to?: number; step: number }): T[] {
  const n = seq.length;
  const { step } = o;
  const norm = (i: number | undefined, dflt: number, lo: number, hi: number) => {
    if (i === undefined) return dflt;
    const j = i < 0 ? i + n : i;
    return Math.min(Math.max(j, lo), hi);
  };
  const out: T[] = [];
  if (step > 0) {
    for (let i = norm(o.from, 0, 0, n), end = norm(o.to, n, 0, n); i < end; i += step) out.push(seq[i]);
  } else {
    for (let i = norm(o.from, n - 1, -1, n - 1), end = norm(o.to, -1, -1, n - 1); i > end; i += step) out.push(seq[i]);
  }
  return out;
}
