// Owns Jinja2 templates (the template module's .j2 files, as Ansible renders them): text with
// `{{ expression }}` (the playbook expression engine: same filters, tests and printing, None as
// nothing), `{% if %}/{% elif %}/{% else %}`, `{% for a[, b] in seq [if cond] %}` with `loop.*`
// and `{% else %}`, `{% set x = expr %}`, `{% raw %}`, `{# comments #}`; whitespace control with
// `-` and `+`, and Ansible's defaults trim_blocks on, lstrip_blocks off (both options of the
// module). Values from nodes stay data: a rendered value is never rendered again.
import { inputError } from "../errors.js";
import { evalExpr, parseExpr, pyStr, type Macro, type Node as ExprNode } from "../playbook/expr.js";
import { truthy, type Args } from "../playbook/jinja-lib.js";
import { mutationScope } from "../playbook/py-mutate.js";
import { trackTaint, withComputed, withData } from "../playbook/data.js";
import { hostname } from "node:os";

export interface JinjaOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  file?: string;
  /** The line the template text starts on in `file` (a playbook string), 1 otherwise. */
  line?: number;
  /** Finds a template that {% include %}, {% import %}, {% from %} or {% extends %} names. */
  load?: TemplateLoader;
  /** String literals in {{ }} keep their backslashes (a playbook value's, not a template file's). */
  verbatimStrings?: boolean;
  /** Other markers than {% %}, {{ }} and {# #} (the template module's *_start_string/*_end_string). */
  delimiters?: Delimiters;
  /** How many includes, imports and extends lead to this template (bounded: a loop of them ends). */
  depth?: number;
}

/** Templates including, importing or extending one another this deep are a loop (Python's would overflow). */
const MAX_TEMPLATE_DEPTH = 50;

/** The options a template named by another renders with: its file, one level deeper (or an error). */
function nestedOptions(s: Scope, file: string, where: { at: number; fail: Fail }): JinjaOptions {
  const depth = (s.opts.depth ?? 0) + 1;
  if (depth > MAX_TEMPLATE_DEPTH)
    throw where.fail(`templates include one another more than ${MAX_TEMPLATE_DEPTH} levels deep (a loop?)`, where.at);
  return { ...s.opts, file, line: 1, depth };
}

export interface Delimiters {
  block: [string, string];
  variable: [string, string];
  comment: [string, string];
}

const JINJA_DELIMITERS: Delimiters = { block: ["{%", "%}"], variable: ["{{", "}}"], comment: ["{#", "#}"] };
const escapeRe = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The text and file of the template `name` (asked by the template in `from`), or undefined. */
export type TemplateLoader = (name: string, from: string | undefined) => { text: string; file: string } | undefined;

type Node =
  | { k: "text"; v: string }
  | { k: "out"; expr: string; at: number }
  | { k: "if"; branches: Array<{ cond: string; body: Node[]; at: number }>; otherwise: Node[] }
  | { k: "for"; names: string[]; seq: string; filter?: string; body: Node[]; otherwise: Node[]; at: number }
  | { k: "set"; names: string[]; expr: string; at: number }
  | { k: "setBlock"; name: string; body: Node[] }
  | { k: "macro"; name: string; params: Param[]; body: Node[]; at: number }
  | { k: "include"; expr: string; ignoreMissing: boolean; withContext: boolean; at: number }
  | { k: "import"; expr: string; alias?: string; names?: Array<[string, string]>; withContext: boolean; at: number }
  | { k: "block"; name: string; body: Node[] }
  | { k: "extends"; expr: string; at: number }
  | { k: "filter"; filter: string; body: Node[]; at: number }
  | { k: "call"; params: Param[]; call: string; body: Node[]; at: number };

interface Param {
  name: string;
  default?: string;
}

type Tag = { kind: "out" | "stmt"; body: string; at: number };
type Piece = string | Tag;

/** The template module's Jinja options: Ansible's trim_blocks / lstrip_blocks, and where it writes. */
export interface JinjaFileOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  dest: string;
  delimiters?: Delimiters;
}

type Fail = (msg: string, at: number) => Error;

/** An error at an offset of `source`, named by file and line. */
function failer(source: string, o: { file?: string; line?: number }): Fail {
  return (msg, at) =>
    inputError(`template error: ${msg}`, {
      file: o.file,
      line: (o.line ?? 1) + source.slice(0, at).split("\n").length - 1,
    });
}

/** Render a Jinja2 template with `vars`. Errors name the file and line. */
export function renderJinja(source: string, vars: Record<string, unknown>, o: JinjaOptions): string {
  const out: string[] = [];
  // one template is one mutation scope: a list a loop appends to keeps its items to the end
  mutationScope(() => renderSource(source, { vars, opts: o }, out));
  // as Ansible's templar: the result ends with as many newlines as the template did (trim_blocks
  // may have taken the last); included templates keep theirs as rendered
  const result = out.join("");
  const missing = trailingNewlines(source) - trailingNewlines(result);
  return missing > 0 ? result + "\n".repeat(missing) : result;
}

function trailingNewlines(s: string): number {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === "\n"; i--) n++;
  return n;
}

/** Parse and render one template's text into `out` (also an included, imported or parent one). */
function renderSource(source: string, s: Scope, out: string[]): void {
  const fail = failer(source, s.opts);
  // Jinja drops a template's last newline (keep_trailing_newline off); renderJinja puts the top one back
  const nodes = parse(lex(source.replace(/\n$/, ""), s.opts, fail), fail);
  const parent = nodes.find((n): n is Extract<Node, { k: "extends" }> => n.k === "extends");
  if (!parent) return renderNodes(nodes, s, out, fail);
  // a child template: its blocks replace the parent's (a nearer child's win), the rest is not output
  const blocks = new Map(s.blocks ?? []);
  collectBlocks(nodes, blocks);
  const t = loadTemplate(String(evalAt(parent.expr, s, parent.at, fail)), s, { at: parent.at, fail });
  renderSource(t.text, { ...s, opts: nestedOptions(s, t.file, { at: parent.at, fail }), blocks }, out);
}

function collectBlocks(nodes: Node[], into: Map<string, Node[][]>): void {
  for (const n of nodes) {
    if (n.k !== "block") continue;
    into.set(n.name, [...(into.get(n.name) ?? []), n.body]);
    collectBlocks(n.body, into);
  }
}

function loadTemplate(name: string, s: Scope, where: { at: number; fail: Fail }): { text: string; file: string } {
  const found = s.opts.load?.(name, s.opts.file);
  if (!found) throw where.fail(`template "${name}" not found`, where.at);
  return found;
}

/** The variables Ansible's template module adds (ansible_managed and template_*), as data. */
export function templateFileVars(
  vars: Record<string, unknown>,
  t: { file: string; dest: string },
): Record<string, unknown> {
  const extra = {
    template_path: t.file,
    template_fullpath: t.file,
    template_destpath: t.dest,
    template_host: hostname(),
    template_run_date: new Date().toISOString(),
    template_uid: String(process.getuid?.() ?? ""),
  };
  const managed = "ansible_managed" in vars ? {} : { ansible_managed: "Ansible managed" };
  return withData(vars, { ...managed, ...extra });
}

/** Parse a Jinja2 template without rendering it: syntax errors surface before anything runs. */
export function checkJinjaSyntax(source: string, o: { file?: string; delimiters?: Delimiters }): void {
  const fail = failer(source, o);
  const pieces = lex(source, { trimBlocks: true, lstripBlocks: false, delimiters: o.delimiters }, fail);
  parse(pieces, fail);
  for (const x of pieces)
    if (typeof x !== "string" && x.kind === "out")
      try {
        parseExpr(x.body);
      } catch (e) {
        throw fail((e as Error).message, x.at);
      }
}

/** The parsed `{{ }}` expressions of a template (syntax already checked): for names checked at load. */
export function templateExpressions(source: string): ExprNode[] {
  const fail = failer(source, {});
  const pieces = lex(source, { trimBlocks: true, lstripBlocks: false }, fail);
  const out: ExprNode[] = [];
  for (const x of pieces) if (typeof x !== "string" && x.kind === "out") out.push(parseExpr(x.body));
  return out;
}

/** Text and tags, with whitespace control applied to the text around each tag. */
function lex(src: string, o: JinjaOptions, fail: Fail): Piece[] {
  const d = o.delimiters ?? JINJA_DELIMITERS;
  const open = new RegExp([d.variable[0], d.block[0], d.comment[0]].map(escapeRe).join("|"), "g");
  const close: Record<string, string> = {
    [d.variable[0]]: d.variable[1],
    [d.block[0]]: d.block[1],
    [d.comment[0]]: d.comment[1],
  };
  const endRaw = new RegExp(`${escapeRe(d.block[0])}[-+]?\\s*endraw\\s*([-+]?)${escapeRe(d.block[1])}`, "g");
  const pieces: Piece[] = [];
  let text = "";
  let i = 0;
  let trimNext: "none" | "newline" | "all" = "none";
  const pushText = (t: string) => {
    if (trimNext === "all") t = t.replace(/^\s+/, "");
    else if (trimNext === "newline") t = t.replace(/^\r?\n/, "");
    trimNext = "none";
    text += t;
  };
  for (open.lastIndex = 0; ;) {
    const m = open.exec(src);
    if (!m) break;
    pushText(src.slice(i, m.index));
    const kind = m[0] === d.variable[0] ? "out" : m[0] === d.block[0] ? "stmt" : "comment";
    let at = m.index + m[0].length;
    const mod = src[at];
    if (mod === "-") text = text.replace(/\s+$/, "");
    else if (mod !== "+" && kind !== "out" && o.lstripBlocks) text = lstrip(text, src, m.index);
    if (mod === "-" || mod === "+") at++;
    const endMark = close[m[0]];
    const end = findClose(src, at, endMark);
    if (end < 0) throw fail(`"${m[0]}" is never closed`, m.index);
    const right = src[end - 1] === "-" || src[end - 1] === "+" ? src[end - 1] : "";
    const body = src.slice(at, end - right.length).trim();
    i = end + endMark.length;
    trimNext = right === "-" ? "all" : right !== "+" && kind !== "out" && o.trimBlocks ? "newline" : "none";
    if (kind === "comment") continue;
    if (kind === "stmt" && /^raw$/.test(body)) {
      endRaw.lastIndex = i;
      const e = endRaw.exec(src);
      if (!e) throw fail("{% raw %} without {% endraw %}", m.index);
      pushText(src.slice(i, e.index));
      i = e.index + e[0].length;
      trimNext = e[1] === "-" ? "all" : o.trimBlocks ? "newline" : "none";
      open.lastIndex = i;
      continue;
    }
    if (text) pieces.push(text);
    text = "";
    pieces.push({ kind, body, at: m.index });
    open.lastIndex = i;
  }
  pushText(src.slice(i));
  if (text) pieces.push(text);
  return pieces;
}

/** lstrip_blocks: the spaces and tabs before a block tag that starts its line go. */
function lstrip(text: string, src: string, tagAt: number): string {
  let j = tagAt;
  while (j > 0 && (src[j - 1] === " " || src[j - 1] === "\t")) j--;
  if (j > 0 && src[j - 1] !== "\n") return text;
  const n = tagAt - j;
  return n > 0 && text.endsWith(src.slice(j, tagAt)) ? text.slice(0, -n) : text;
}

/** Index of the closing marker, skipping quoted strings inside the tag. */
function findClose(src: string, from: number, close: string): number {
  let quote = "";
  for (let j = from; j < src.length - 1; j++) {
    const c = src[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (src.startsWith(close, j)) return j;
  }
  return -1;
}

/** The statement tree. */
function parse(pieces: Piece[], fail: Fail): Node[] {
  const parser = new StatementParser(pieces, fail);
  const r = parser.body([]);
  if (r.end) throw fail(`unexpected {% ${r.end.body} %}`, r.end.at);
  return r.nodes;
}

class StatementParser {
  private p = 0;
  constructor(
    private readonly pieces: Piece[],
    private readonly fail: Fail,
  ) {}

  /** Nodes up to the first tag matching one of `until` (returned as `end`), or the end. */
  body(until: RegExp[]): { nodes: Node[]; end?: Tag } {
    const nodes: Node[] = [];
    while (this.p < this.pieces.length) {
      const x = this.pieces[this.p++];
      if (typeof x === "string") nodes.push({ k: "text", v: x });
      else if (x.kind === "out") nodes.push({ k: "out", expr: x.body, at: x.at });
      else if (until.some((u) => u.test(x.body))) return { nodes, end: x };
      else nodes.push(this.statement(x));
    }
    return { nodes };
  }

  private need(r: { end?: Tag }, what: string, at: number): Tag {
    if (!r.end) throw this.fail(`missing {% ${what} %}`, at);
    return r.end;
  }

  private statement(t: Tag): Node {
    const word = /^\w+/.exec(t.body)?.[0] ?? "";
    if (word === "if") return this.ifNode(t);
    if (word === "for") return this.forNode(t);
    if (word === "set") return this.setNode(t);
    if (word === "macro") return this.macroNode(t);
    if (word === "block") return this.blockNode(t);
    if (word === "filter") return this.filterNode(t);
    if (word === "call") return this.callNode(t);
    if (word === "include" || word === "import" || word === "from" || word === "extends") return loadNode(t, this.fail);
    if (/^(end\w+|else|elif)$/.test(word)) throw this.fail(`unexpected {% ${t.body} %}`, t.at);
    throw this.fail(`{% ${word} %} is not supported in kplay's Jinja templates`, t.at);
  }

  private ifNode(t: Tag): Node {
    const branches: Array<{ cond: string; body: Node[]; at: number }> = [];
    let cond = t.body.slice(2).trim();
    let at = t.at;
    for (;;) {
      const r = this.body([/^elif\b/, /^else$/, /^endif$/]);
      branches.push({ cond, body: r.nodes, at });
      const end = this.need(r, "endif", t.at);
      if (end.body === "endif") return { k: "if", branches, otherwise: [] };
      if (end.body === "else") {
        const rest = this.body([/^endif$/]);
        this.need(rest, "endif", t.at);
        return { k: "if", branches, otherwise: rest.nodes };
      }
      cond = end.body.slice(4).trim();
      at = end.at;
    }
  }

  private forNode(t: Tag): Node {
    const m = /^for\s+\(?\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\)?\s+in\s+([\s\S]+)$/.exec(t.body);
    if (!m) throw this.fail(`cannot read "{% ${t.body} %}"`, t.at);
    const { seq, filter } = splitLoopFilter(m[2].replace(/\s+recursive$/, ""));
    const r = this.body([/^else$/, /^endfor$/]);
    const end = this.need(r, "endfor", t.at);
    const otherwise = end.body === "else" ? this.body([/^endfor$/]) : { nodes: [] as Node[], end };
    this.need(otherwise, "endfor", t.at);
    const names = m[1].split(",").map((n) => n.trim());
    return { k: "for", names, seq, filter, body: r.nodes, otherwise: otherwise.nodes, at: t.at };
  }

  private setNode(t: Tag): Node {
    const blockSet = /^set\s+([A-Za-z_]\w*)$/.exec(t.body);
    if (blockSet) {
      const r = this.body([/^endset$/]);
      this.need(r, "endset", t.at);
      return { k: "setBlock", name: blockSet[1], body: r.nodes };
    }
    const m = /^set\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=\s*([\s\S]+)$/.exec(t.body);
    if (!m) throw this.fail(`cannot read "{% ${t.body} %}"`, t.at);
    return { k: "set", names: m[1].split(",").map((n) => n.trim()), expr: m[2], at: t.at };
  }

  private macroNode(t: Tag): Node {
    const m = /^macro\s+([A-Za-z_]\w*)\s*\(([\s\S]*)\)$/.exec(t.body);
    if (!m) throw this.fail(`cannot read "{% ${t.body} %}"`, t.at);
    const r = this.body([/^endmacro(\s+\w+)?$/]);
    this.need(r, "endmacro", t.at);
    return { k: "macro", name: m[1], params: this.params(m[2], t), body: r.nodes, at: t.at };
  }

  private params(list: string, t: Tag): Param[] {
    return splitTopLevel(list).map((p) => {
      const eq = /^([A-Za-z_]\w*)\s*(?:=\s*([\s\S]+))?$/.exec(p);
      if (!eq) throw this.fail(`cannot read the macro parameter "${p}"`, t.at);
      return { name: eq[1], ...(eq[2] !== undefined ? { default: eq[2] } : {}) };
    });
  }

  /** `{% filter upper | replace('a', 'b') %}…{% endfilter %}`: the body's output through the filters. */
  private filterNode(t: Tag): Node {
    const filter = t.body.slice("filter".length).trim();
    if (!filter) throw this.fail(`cannot read "{% ${t.body} %}"`, t.at);
    const r = this.body([/^endfilter$/]);
    this.need(r, "endfilter", t.at);
    return { k: "filter", filter, body: r.nodes, at: t.at };
  }

  /** `{% call [(params)] macro(args) %}…{% endcall %}`: the macro called with the body as `caller`. */
  private callNode(t: Tag): Node {
    const m = /^call\s*(?:\(([^)]*)\))?\s*([A-Za-z_][\w.]*\s*\([\s\S]*\))$/.exec(t.body);
    if (!m) throw this.fail(`cannot read "{% ${t.body} %}"`, t.at);
    const r = this.body([/^endcall$/]);
    this.need(r, "endcall", t.at);
    return { k: "call", params: this.params(m[1] ?? "", t), call: m[2], body: r.nodes, at: t.at };
  }

  private blockNode(t: Tag): Node {
    const m = /^block\s+([A-Za-z_]\w*)(\s+scoped)?$/.exec(t.body);
    if (!m) throw this.fail(`cannot read "{% ${t.body} %}"`, t.at);
    const r = this.body([/^endblock(\s+\w+)?$/]);
    this.need(r, "endblock", t.at);
    return { k: "block", name: m[1], body: r.nodes };
  }
}

/** {% include %}, {% import … as %}, {% from … import %} and {% extends %}, with their context options. */
function loadNode(t: Tag, fail: Fail): Node {
  let body = t.body;
  const context = /\s+(with|without)\s+context$/.exec(body);
  if (context) body = body.slice(0, context.index);
  const word = /^\w+/.exec(body)![0];
  const rest = body.slice(word.length).trim();
  if (word === "extends") return { k: "extends", expr: rest, at: t.at };
  if (word === "include") {
    const missing = /\s+ignore\s+missing$/.exec(rest);
    const expr = missing ? rest.slice(0, missing.index) : rest;
    // Jinja: include passes the context unless told not to; import and from do not
    return { k: "include", expr, ignoreMissing: !!missing, withContext: context?.[1] !== "without", at: t.at };
  }
  const withContext = context?.[1] === "with";
  if (word === "import") {
    const m = /^([\s\S]+?)\s+as\s+([A-Za-z_]\w*)$/.exec(rest);
    if (!m) throw fail(`cannot read "{% ${t.body} %}"`, t.at);
    return { k: "import", expr: m[1], alias: m[2], withContext, at: t.at };
  }
  const m = /^([\s\S]+?)\s+import\s+([\s\S]+)$/.exec(rest);
  if (!m) throw fail(`cannot read "{% ${t.body} %}"`, t.at);
  const names = m[2].split(",").map((x): [string, string] => {
    const [name, alias] = x.trim().split(/\s+as\s+/);
    return [name.trim(), (alias ?? name).trim()];
  });
  return { k: "import", expr: m[1], names, withContext, at: t.at };
}

/** Calls `visit` with each index of `s` that is outside quotes and brackets. */
function eachTopLevel(s: string, visit: (j: number) => void): void {
  let depth = 0;
  let quote = "";
  for (let j = 0; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0) visit(j);
  }
}

/** `a, b=1, c=(2, 3)` split on its top-level commas. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  eachTopLevel(s, (j) => {
    if (s[j] !== ",") return;
    out.push(s.slice(start, j).trim());
    start = j + 1;
  });
  if (s.slice(start).trim()) out.push(s.slice(start).trim());
  return out;
}

/** `seq if cond` of a for loop: the last top-level ` if ` with no ` else ` after it. */
function splitLoopFilter(s: string): { seq: string; filter?: string } {
  let cut = -1;
  eachTopLevel(s, (j) => {
    if (/\sif\s/.test(s.slice(j, j + 4))) cut = j;
  });
  if (cut < 0 || /\selse\s/.test(s.slice(cut))) return { seq: s };
  return { seq: s.slice(0, cut).trim(), filter: s.slice(cut + 4).trim() };
}

interface Scope {
  vars: Record<string, unknown>;
  opts: JinjaOptions;
  /** Names a template defines at its top level (what {% import %} of it gives). */
  exports?: Record<string, unknown>;
  /** Each block's bodies from the nearest child template to the farthest (the parent's own is last). */
  blocks?: Map<string, Node[][]>;
  /** String literals keep their backslashes (the {{ }} of a playbook value). */
  verbatim?: boolean;
}

function evalAt(expr: string, s: Scope, at: number, fail: Fail): unknown {
  try {
    return evalExpr(expr, s.vars, { verbatimStrings: s.verbatim });
  } catch (e) {
    const name = /"([^"]+)" is undefined/.exec((e as Error).message)?.[1];
    throw fail(name ? `undefined variable "${name}" ('${name}' is undefined)` : (e as Error).message, at);
  }
}

function renderNodes(nodes: Node[], s: Scope, out: string[], fail: Fail): void {
  for (const n of nodes) {
    if (n.k === "text") out.push(n.v);
    else if (n.k === "out") {
      // in a {{ }}, string literals read as the template's options say (a playbook value's keep backslashes)
      const v = evalAt(n.expr, { ...s, verbatim: s.opts.verbatimStrings }, n.at, fail);
      out.push(v === null || v === undefined ? "" : pyStr(v));
    } else if (n.k === "set") {
      const r = trackTaint(() => evalAt(n.expr, s, n.at, fail));
      define(s, assign(n.names, r.value), r);
    } else if (n.k === "if") {
      const hit = n.branches.find((b) => truthy(evalAt(b.cond, s, b.at, fail)));
      renderNodes(hit ? hit.body : n.otherwise, s, out, fail);
    } else if (n.k === "for") renderFor(n, s, out, fail);
    else renderOther(n, s, out, fail);
  }
}

/**
 * A name the template sets: visible to what follows, and exported when at the top level. Its
 * taint is what its value was computed from (`from`; none given: data).
 */
function define(s: Scope, values: Record<string, unknown>, from = { tainted: true, fromNode: true }): void {
  s.vars = withComputed(s.vars, values, from);
  if (s.exports) Object.assign(s.exports, values);
}

function renderOther(n: Node, s: Scope, out: string[], fail: Fail): void {
  if (n.k === "setBlock") {
    const inner: string[] = [];
    renderNodes(n.body, { ...s, exports: undefined }, inner, fail);
    define(s, { [n.name]: inner.join("") });
  } else if (n.k === "macro") define(s, { [n.name]: macro(n, s, fail) });
  else if (n.k === "block") renderBlock([...(s.blocks?.get(n.name) ?? []), n.body], s, out, fail);
  else if (n.k === "include") renderInclude(n, s, out, fail);
  else if (n.k === "import") renderImport(n, s, fail);
  else if (n.k === "filter") renderFilter(n, s, out, fail);
  else if (n.k === "call") renderCall(n, s, out, fail);
}

/** A block: its nearest child's body, where `super()` is the next one's (the parent's own is last). */
function renderBlock(chain: Node[][], s: Scope, out: string[], fail: Fail): void {
  const next = chain.slice(1);
  const parent = () => {
    const inner: string[] = [];
    if (next.length) renderBlock(next, s, inner, fail);
    return inner.join("");
  };
  const vars = withData(s.vars, { super: Object.assign(parent, { jinjaMacro: true as const }) });
  renderNodes(chain[0], { ...s, vars, exports: undefined }, out, fail);
}

// names that hold a {% filter %} body or a {% call %} caller while their expression is evaluated
const FILTER_BODY = "_kplay_filter_body_";
const CALLER = "_kplay_caller_";

function renderFilter(n: Extract<Node, { k: "filter" }>, s: Scope, out: string[], fail: Fail): void {
  const inner: string[] = [];
  renderNodes(n.body, { ...s, exports: undefined }, inner, fail);
  const vars = withData(s.vars, { [FILTER_BODY]: inner.join("") });
  const v = evalAt(`${FILTER_BODY} | ${n.filter}`, { ...s, vars }, n.at, fail);
  out.push(v === null || v === undefined ? "" : pyStr(v));
}

function renderCall(n: Extract<Node, { k: "call" }>, s: Scope, out: string[], fail: Fail): void {
  const caller = macro({ k: "macro", name: "caller", params: n.params, body: n.body, at: n.at }, s, fail);
  // the macro gets the body as its `caller` keyword (Jinja passes it the same way)
  const open = n.call.indexOf("(");
  const args = n.call.slice(open + 1, n.call.lastIndexOf(")")).trim();
  const call = `${n.call.slice(0, open)}(${args ? `${args}, ` : ""}caller=${CALLER})`;
  const v = evalAt(call, { ...s, vars: withData(s.vars, { [CALLER]: caller }) }, n.at, fail);
  out.push(v === null || v === undefined ? "" : pyStr(v));
}

/** A macro as a value: its body rendered with its parameters over the variables it was defined with. */
function macro(n: Extract<Node, { k: "macro" }>, s: Scope, fail: Fail): Macro {
  const defined = s;
  const call = (args: Args): string => {
    const own: Record<string, unknown> = {};
    n.params.forEach((p, i) => {
      if (i < args.pos.length) own[p.name] = args.pos[i];
      else if (p.name in args.kw) own[p.name] = args.kw[p.name];
      else if (p.default !== undefined) own[p.name] = evalAt(p.default, defined, n.at, fail);
    });
    const extra = args.pos.slice(n.params.length);
    const { caller, ...kw } = args.kw;
    const kwargs = Object.fromEntries(Object.entries(kw).filter(([k]) => !n.params.some((p) => p.name === k)));
    const out: string[] = [];
    const vars = withData(defined.vars, { ...own, varargs: extra, kwargs, ...(caller ? { caller } : {}) });
    renderNodes(n.body, { vars, opts: defined.opts }, out, fail);
    return out.join("");
  };
  return Object.assign(call, { jinjaMacro: true as const });
}

function renderInclude(n: Extract<Node, { k: "include" }>, s: Scope, out: string[], fail: Fail): void {
  const names = evalAt(n.expr, s, n.at, fail);
  // a list names alternatives: the first that exists
  const list = (Array.isArray(names) ? names : [names]).map(String);
  const found = list.map((name) => s.opts.load?.(name, s.opts.file)).find(Boolean);
  if (!found) {
    if (n.ignoreMissing) return;
    throw fail(`template "${list.join('", "')}" not found`, n.at);
  }
  const vars = n.withContext ? s.vars : {};
  renderSource(found.text, { vars, opts: nestedOptions(s, found.file, { at: n.at, fail }) }, out);
}

function renderImport(n: Extract<Node, { k: "import" }>, s: Scope, fail: Fail): void {
  const t = loadTemplate(String(evalAt(n.expr, s, n.at, fail)), s, { at: n.at, fail });
  const exports: Record<string, unknown> = {};
  const opts = nestedOptions(s, t.file, { at: n.at, fail });
  renderSource(t.text, { vars: n.withContext ? s.vars : {}, opts, exports }, []);
  if (n.alias) return define(s, { [n.alias]: exports });
  for (const [name, alias] of n.names ?? []) {
    if (!(name in exports)) throw fail(`the template ${t.file} has no "${name}" to import`, n.at);
    define(s, { [alias]: exports[name] });
  }
}

function renderFor(n: Extract<Node, { k: "for" }>, s: Scope, out: string[], fail: Fail): void {
  // the items are as tainted as what the sequence was computed from
  const seen = trackTaint(() => evalAt(n.seq, s, n.at, fail));
  const seq = iterable(seen.value);
  if (!seq) throw fail(`"${n.seq}" is not something a for loop can go through`, n.at);
  const items = n.filter
    ? seq.filter((item) =>
        truthy(evalAt(n.filter!, { ...s, vars: withComputed(s.vars, assign(n.names, item), seen) }, n.at, fail)),
      )
    : seq;
  if (items.length === 0) return renderNodes(n.otherwise, { ...s, exports: undefined }, out, fail);
  items.forEach((item, i) => {
    const loop = {
      index: i + 1,
      index0: i,
      revindex: items.length - i,
      revindex0: items.length - i - 1,
      first: i === 0,
      last: i === items.length - 1,
      length: items.length,
      previtem: i > 0 ? items[i - 1] : undefined,
      nextitem: i < items.length - 1 ? items[i + 1] : undefined,
    };
    // each iteration has its own scope: a {% set %} inside the loop does not leak out
    renderNodes(
      n.body,
      { ...s, exports: undefined, vars: withComputed(s.vars, { ...assign(n.names, item), loop }, seen) },
      out,
      fail,
    );
  });
}

/** A list, a dict's keys (as Jinja iterates a dict), or a string's characters. */
function iterable(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [...v];
  if (v && typeof v === "object") return Object.keys(v);
  return undefined;
}

/** `a = x` or `a, b = pair` (unpacking a list or tuple). */
function assign(names: string[], v: unknown): Record<string, unknown> {
  if (names.length === 1) return { [names[0]]: v };
  const parts = Array.isArray(v) ? v : [];
  return Object.fromEntries(names.map((name, i) => [name, parts[i]]));
}

/**
 * A template's first line `#jinja2: key: value, …` sets its environment options, as Ansible's
 * template module reads it (values are Python literals). Returns the text without that line.
 */
export function withJinjaOverrides(
  source: string,
  o: JinjaOptions,
  file: string,
): { source: string; opts: JinjaOptions } {
  if (!source.startsWith("#jinja2:")) return { source, opts: o };
  const eol = source.indexOf("\n");
  const line = source.slice("#jinja2:".length, eol < 0 ? undefined : eol);
  let text = eol < 0 ? "" : source.slice(eol + 1);
  const opts: JinjaOptions = { ...o, delimiters: { ...JINJA_DELIMITERS, ...o.delimiters } };
  for (const pair of line.split(",")) {
    if (!pair.includes(":"))
      throw inputError(
        `failed to parse jinja2 override '${pair.trim()}'. ` +
          "Did you use something different from colon as key-value separator?",
        { file, line: 1 },
      );
    const key = pair.slice(0, pair.indexOf(":")).trim();
    const value = pyLiteral(pair.slice(pair.indexOf(":") + 1).trim());
    if (key === "line_statement_prefix") text = lineStatements(text, String(value));
    else applyOverride(opts, key, value, file);
  }
  return { source: text, opts };
}

function pyLiteral(v: string): unknown {
  if (v === "True") return true;
  if (v === "False") return false;
  const q = /^(['"])([\s\S]*)\1$/.exec(v);
  return q ? q[2].replace(/\\n/g, "\n").replace(/\\r/g, "\r").replace(/\\t/g, "\t") : v;
}

function applyOverride(o: JinjaOptions, key: string, value: unknown, file: string): void {
  const d = o.delimiters!;
  const at: Record<string, () => void> = {
    trim_blocks: () => (o.trimBlocks = value === true),
    lstrip_blocks: () => (o.lstripBlocks = value === true),
    block_start_string: () => (d.block = [String(value), d.block[1]]),
    block_end_string: () => (d.block = [d.block[0], String(value)]),
    variable_start_string: () => (d.variable = [String(value), d.variable[1]]),
    variable_end_string: () => (d.variable = [d.variable[0], String(value)]),
    comment_start_string: () => (d.comment = [String(value), d.comment[1]]),
    comment_end_string: () => (d.comment = [d.comment[0], String(value)]),
  };
  if (!at[key]) throw inputError(`jinja2 override "${key}" is not supported by kplay`, { file, line: 1 });
  at[key]();
}

/** Jinja's line statements: a line starting with the prefix is a {% statement %}. */
function lineStatements(text: string, prefix: string): string {
  const re = new RegExp(`^[ \\t]*${escapeRe(prefix)}(.*)$`, "gm");
  return text.replace(re, (_m, stmt: string) => `{% ${stmt.trim()} %}`);
}
