// Owns reading a Jinja expression (`when`, `changed_when`, `failed_when`, every `{{ }}` that
// parses) into a tree, by hand (no eval), with Jinja's precedence: `x if c else y`, or / and /
// not, comparisons, in / not in, `is [not] TEST(args)`, + - ~, * / // %, **, unary -, filters with
// positional and keyword arguments, .attr / [key] / [a:b], Python method calls on values, list /
// tuple / dict literals, True / False / None. Parsed trees are cached by source; expr.ts
// evaluates them.
import { unescapeAt } from "./pyliteral.js";

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
export type ArgNodes = { pos: Node[]; kw: Array<[string, Node]>; spread?: Node[]; spreadKw?: Node[] };

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
