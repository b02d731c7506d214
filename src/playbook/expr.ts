// Owns Jinja expressions (`when`, `changed_when`, `failed_when`, and every `{{ }}` that parses):
// parsed by hand (no eval) with Jinja's precedence: `x if c else y`, or / and / not,
// comparisons, in / not in, `is [not] TEST(args)`, + - ~, * / // %, **, unary -, filters with
// positional and keyword arguments, .attr / [key] / [a:b], Python method calls on values,
// list / tuple / dict literals, True / False / None. The filters, tests and methods themselves are
// in jinja-lib.ts. An undefined name is an error unless tested or defaulted.
import { holdsChanged, mutationScope, READ_ONLY } from "./py-mutate.js";
import { LookupError, withTermsFrom } from "./lookups.js";
import { unescapeAt } from "./pyliteral.js";
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

type Tok = { t: "num" | "str" | "name" | "op" | "end"; v: string; pos: number };

export class ExprError extends Error {}

/**
 * verbatim: a string literal keeps its backslashes, as in the {{ }} of Ansible's playbook values
 * (its templar doubles them before Jinja reads the literal: '\1' in regex_replace stays \1).
 */
function tokenize(src: string, verbatim = false): Tok[] {
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
          // verbatim, only the quote itself is escaped (the literal would end there otherwise)
          if (verbatim) {
            s += src[j + 1] === c ? c : src.slice(j, j + 2);
            j += 2;
            continue;
          }
          // Python's escapes (a malformed \x or a \N{name} stays as written)
          const e = unescapeAt(src, j) ?? { text: src.slice(j, j + 2), next: j + 2 };
          s += e.text;
          j = e.next;
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
    if (["==", "!=", "<=", ">=", "//", "**"].includes(two)) {
      toks.push({ t: "op", v: two, pos: i });
      i += 2;
      continue;
    }
    if ("<>()[].,|+-*/%~{}:=".includes(c)) {
      toks.push({ t: "op", v: c, pos: i });
      i++;
      continue;
    }
    throw new ExprError(`unexpected character "${c}" at column ${i + 1}`);
  }
  toks.push({ t: "end", v: "", pos: src.length });
  return toks;
}

/** Call arguments as written: positional, then name=value; `*list` and `**dict` are spread when called. */
type ArgNodes = { pos: Node[]; kw: Array<[string, Node]>; spread?: Node[]; spreadKw?: Node[] };

export type Node =
  | { k: "lit"; v: unknown }
  | { k: "name"; v: string }
  | { k: "get"; obj: Node; key: Node }
  | { k: "slice"; obj: Node; from?: Node; to?: Node; step?: Node }
  | { k: "list"; items: Node[] }
  | { k: "dict"; entries: Array<[Node, Node]> }
  | { k: "not"; e: Node }
  | { k: "neg"; e: Node }
  | { k: "bin"; op: string; a: Node; b: Node }
  | { k: "cond"; then: Node; test: Node; else?: Node }
  | { k: "is"; e: Node; test: string; neg: boolean; args: ArgNodes }
  | { k: "filter"; e: Node; name: string; args: ArgNodes }
  | { k: "call"; obj: Node; name: string; args: ArgNodes }
  | { k: "fn"; name: string; args: ArgNodes };

const KEYWORDS = new Set(["and", "or", "not", "in", "is", "if", "else"]);

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
  private fail(t: Tok): never {
    const what = t.t === "end" ? "end of expression" : `"${t.v}"`;
    throw new ExprError(`unexpected ${what} at column ${t.pos + 1} in: ${this.src}`);
  }
  parse(): Node {
    const n = this.cond();
    if (this.peek().t !== "end") this.fail(this.peek());
    return n;
  }
  /** `a if test else b` (else optional: nothing then, printed as an empty string). */
  private cond(): Node {
    const then = this.or();
    if (!this.isName("if")) return then;
    this.next();
    const test = this.or();
    if (!this.isName("else")) return { k: "cond", then, test };
    this.next();
    return { k: "cond", then, test, else: this.cond() };
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
    let a = this.math1();
    for (;;) {
      const t = this.peek();
      if (t.t === "op" && ["==", "!=", "<", ">", "<=", ">="].includes(t.v)) {
        this.next();
        a = { k: "bin", op: t.v, a, b: this.math1() };
      } else if (this.isName("in")) {
        this.next();
        a = { k: "bin", op: "in", a, b: this.math1() };
      } else if (this.isName("not") && this.toks[this.i + 1]?.v === "in") {
        this.i += 2;
        a = { k: "not", e: { k: "bin", op: "in", a, b: this.math1() } };
      } else if (this.isName("is")) a = this.test(a);
      else return a;
    }
  }
  /** `x is [not] name`, with arguments in parentheses or one plain argument (`is divisibleby 3`). */
  private test(e: Node): Node {
    this.next();
    const neg = this.isName("not") && !!this.next();
    const name = this.next();
    if (name.t !== "name") throw new ExprError(`expected a test name after "is" in: ${this.src}`);
    let args: ArgNodes = { pos: [], kw: [] };
    if (this.isOp("(")) args = this.args();
    else if (this.startsOperand()) args = { pos: [this.math1()], kw: [] };
    return { k: "is", e, test: name.v, neg, args };
  }
  private startsOperand(): boolean {
    const t = this.peek();
    return t.t === "num" || t.t === "str" || (t.t === "name" && !KEYWORDS.has(t.v)) || this.isOp("[");
  }
  private binaryLevel(ops: string[], next: () => Node): Node {
    let a = next();
    while (this.peek().t === "op" && ops.includes(this.peek().v)) {
      const op = this.next().v;
      a = { k: "bin", op, a, b: next() };
    }
    return a;
  }
  private math1(): Node {
    return this.binaryLevel(["+", "-"], () => this.concat());
  }
  private concat(): Node {
    return this.binaryLevel(["~"], () => this.math2());
  }
  private math2(): Node {
    return this.binaryLevel(["*", "/", "//", "%"], () => this.pow());
  }
  private pow(): Node {
    return this.binaryLevel(["**"], () => this.unary());
  }
  private unary(): Node {
    if (this.isOp("-")) {
      this.next();
      return { k: "neg", e: this.unary() };
    }
    if (this.isOp("+")) this.next();
    return this.filtered();
  }
  private filtered(): Node {
    let e = this.postfix();
    // a collection's name for a filter (ansible.utils.ipaddr, ansible.builtin.to_json) is read whole
    const filterName = (first: string): string => {
      let full = first;
      while (this.isOp(".") && this.toks[this.i + 1]?.t === "name") {
        this.next();
        full += `.${this.next().v}`;
      }
      return full.replace(/^(ansible\.(builtin|utils|netcommon)|community\.general)\./, "");
    };
    while (this.isOp("|")) {
      this.next();
      const name = this.next();
      if (name.t !== "name") throw new ExprError(`expected a filter name after "|" in: ${this.src}`);
      const full = filterName(name.v);
      const args = this.isOp("(") ? this.args() : { pos: [], kw: [] };
      e = { k: "filter", e, name: full, args };
    }
    return e;
  }
  /** `(a, b, name=c)` */
  private args(): ArgNodes {
    this.expect("(");
    const out: ArgNodes = { pos: [], kw: [] };
    while (!this.isOp(")")) {
      const t = this.peek();
      if (this.isOp("*") || this.isOp("**")) {
        this.next();
        const which = t.v === "*" ? "spread" : "spreadKw";
        (out[which] ??= []).push(this.cond());
      } else if (t.t === "name" && this.toks[this.i + 1]?.v === "=" && this.toks[this.i + 2]?.v !== "=") {
        this.i += 2;
        out.kw.push([t.v, this.cond()]);
      } else out.pos.push(this.cond());
      if (this.isOp(",")) this.next();
      else if (!this.isOp(")")) this.fail(this.peek());
    }
    this.expect(")");
    return out;
  }
  private postfix(): Node {
    let e = this.atom();
    // a global function: range(3), dict(a=1), lookup('env', 'HOME')
    if (e.k === "name" && this.isOp("(")) e = { k: "fn", name: e.v, args: this.args() };
    for (;;) {
      if (this.isOp(".")) {
        this.next();
        const n = this.next();
        if (n.t !== "name" && n.t !== "num") throw new ExprError(`expected an attribute after "." in: ${this.src}`);
        e = this.isOp("(")
          ? { k: "call", obj: e, name: n.v, args: this.args() }
          : { k: "get", obj: e, key: { k: "lit", v: n.v } };
      } else if (this.isOp("[")) e = this.subscript(e);
      else return e;
    }
  }
  /** `[key]` or a slice `[a:b]`. */
  private subscript(obj: Node): Node {
    this.next();
    const from = this.isOp(":") ? undefined : this.cond();
    if (!this.isOp(":")) {
      this.expect("]");
      return { k: "get", obj, key: from! };
    }
    this.next();
    const to = this.isOp("]") || this.isOp(":") ? undefined : this.cond();
    let step: Node | undefined;
    if (this.isOp(":")) {
      this.next();
      step = this.isOp("]") ? undefined : this.cond();
    }
    this.expect("]");
    return { k: "slice", obj, from, to, step };
  }
  private atom(): Node {
    const t = this.next();
    if (t.t === "num") return { k: "lit", v: Number(t.v) };
    if (t.t === "str") return { k: "lit", v: t.v };
    if (t.t === "name") return nameOrLiteral(t.v);
    if (t.t === "op" && t.v === "(") return this.parenOrTuple();
    if (t.t === "op" && t.v === "[") return { k: "list", items: this.items("]") };
    if (t.t === "op" && t.v === "{") return this.dict();
    this.fail(t);
  }
  private parenOrTuple(): Node {
    if (this.isOp(")")) {
      this.next();
      return { k: "list", items: [] };
    }
    const first = this.cond();
    if (this.isOp(")")) {
      this.next();
      return first;
    }
    this.expect(",");
    return { k: "list", items: [first, ...this.items(")")] };
  }
  private items(close: string): Node[] {
    const items: Node[] = [];
    while (!this.isOp(close)) {
      items.push(this.cond());
      if (this.isOp(",")) this.next();
      else if (!this.isOp(close)) this.fail(this.peek());
    }
    this.expect(close);
    return items;
  }
  private dict(): Node {
    const entries: Array<[Node, Node]> = [];
    while (!this.isOp("}")) {
      const key = this.cond();
      this.expect(":");
      entries.push([key, this.cond()]);
      if (this.isOp(",")) this.next();
      else if (!this.isOp("}")) this.fail(this.peek());
    }
    this.expect("}");
    return { k: "dict", entries };
  }
}

function nameOrLiteral(v: string): Node {
  if (v === "true" || v === "True") return { k: "lit", v: true };
  if (v === "false" || v === "False") return { k: "lit", v: false };
  if (v === "none" || v === "None" || v === "null") return { k: "lit", v: null };
  return { k: "name", v };
}

const UNDEF = Symbol("undefined");
type Val = unknown | typeof UNDEF;

/** How string literals read: verbatim in the {{ }} of playbook values (see tokenize). */
export interface ExprOptions {
  verbatimStrings?: boolean;
}

const parsedCache = new Map<string, Node>();
export function parseExpr(src: string, o: ExprOptions = {}): Node {
  const s = src.trim().replace(/^\{\{\s*([\s\S]*?)\s*\}\}$/, "$1");
  const key = (o.verbatimStrings ? "v:" : "e:") + s;
  let n = parsedCache.get(key);
  if (!n) {
    n = new Parser(tokenize(s, o.verbatimStrings), s).parse();
    parsedCache.set(key, n);
  }
  return n;
}

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
