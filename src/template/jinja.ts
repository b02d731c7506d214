// Owns Jinja2 templates (the template module's .j2 files, as Ansible renders them): text with
// `{{ expression }}` (the playbook expression engine: same filters, tests and printing, None as
// nothing), `{% if %}/{% elif %}/{% else %}`, `{% for a[, b] in seq [if cond] %}` with `loop.*`
// and `{% else %}`, `{% set x = expr %}`, `{% raw %}`, `{# comments #}`; whitespace control with
// `-` and `+`, and Ansible's defaults trim_blocks on, lstrip_blocks off (both options of the
// module). Values from nodes stay data: a rendered value is never rendered again.
import { inputError } from "../errors.js";
import { evalExpr, parseExpr, pyStr } from "../playbook/expr.js";
import { truthy } from "../playbook/jinja-lib.js";
import { withData } from "../playbook/data.js";
import { hostname } from "node:os";

export interface JinjaOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  file?: string;
  /** The line the template text starts on in `file` (a playbook string), 1 otherwise. */
  line?: number;
}

type Node =
  | { k: "text"; v: string }
  | { k: "out"; expr: string; at: number }
  | { k: "if"; branches: Array<{ cond: string; body: Node[]; at: number }>; otherwise: Node[] }
  | { k: "for"; names: string[]; seq: string; filter?: string; body: Node[]; otherwise: Node[]; at: number }
  | { k: "set"; names: string[]; expr: string; at: number };

type Tag = { kind: "out" | "stmt"; body: string; at: number };
type Piece = string | Tag;

const OPEN = /\{\{|\{%|\{#/g;
const CLOSE: Record<string, string> = { "{{": "}}", "{%": "%}", "{#": "#}" };

/** The template module's Jinja options: Ansible's trim_blocks / lstrip_blocks, and where it writes. */
export interface JinjaFileOptions {
  trimBlocks: boolean;
  lstripBlocks: boolean;
  dest: string;
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
  const fail = failer(source, o);
  const nodes = parse(lex(source, o, fail), fail);
  const out: string[] = [];
  renderNodes(nodes, { vars }, out, fail);
  return out.join("");
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
export function checkJinjaSyntax(source: string, o: { file?: string }): void {
  const fail = failer(source, o);
  const pieces = lex(source, { trimBlocks: true, lstripBlocks: false }, fail);
  parse(pieces, fail);
  for (const x of pieces)
    if (typeof x !== "string" && x.kind === "out")
      try {
        parseExpr(x.body);
      } catch (e) {
        throw fail((e as Error).message, x.at);
      }
}

/** Text and tags, with whitespace control applied to the text around each tag. */
function lex(src: string, o: JinjaOptions, fail: Fail): Piece[] {
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
  for (OPEN.lastIndex = 0; ;) {
    const m = OPEN.exec(src);
    if (!m) break;
    pushText(src.slice(i, m.index));
    const open = m[0];
    let at = m.index + 2;
    const mod = src[at];
    if (mod === "-") text = text.replace(/\s+$/, "");
    else if (mod !== "+" && open !== "{{" && o.lstripBlocks) text = lstrip(text, src, m.index);
    if (mod === "-" || mod === "+") at++;
    const end = findClose(src, at, CLOSE[open]);
    if (end < 0) throw fail(`"${open}" is never closed`, m.index);
    const right = src[end - 1] === "-" || src[end - 1] === "+" ? src[end - 1] : "";
    const body = src.slice(at, end - right.length).trim();
    i = end + 2;
    trimNext = right === "-" ? "all" : right !== "+" && open !== "{{" && o.trimBlocks ? "newline" : "none";
    if (open === "{#") continue;
    if (open === "{%" && /^raw$/.test(body)) {
      const r = /\{%[-+]?\s*endraw\s*([-+]?)%\}/g;
      r.lastIndex = i;
      const e = r.exec(src);
      if (!e) throw fail("{% raw %} without {% endraw %}", m.index);
      pushText(src.slice(i, e.index));
      i = e.index + e[0].length;
      trimNext = e[1] === "-" ? "all" : o.trimBlocks ? "newline" : "none";
      OPEN.lastIndex = i;
      continue;
    }
    if (text) pieces.push(text);
    text = "";
    pieces.push({ kind: open === "{{" ? "out" : "stmt", body, at: m.index });
    OPEN.lastIndex = i;
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
    const m = /^set\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=\s*([\s\S]+)$/.exec(t.body);
    if (!m) throw this.fail(`cannot read "{% ${t.body} %}" (block assignments are not supported)`, t.at);
    return { k: "set", names: m[1].split(",").map((n) => n.trim()), expr: m[2], at: t.at };
  }
}

/** `seq if cond` of a for loop: the last top-level ` if ` with no ` else ` after it. */
function splitLoopFilter(s: string): { seq: string; filter?: string } {
  let depth = 0;
  let quote = "";
  let cut = -1;
  for (let j = 0; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === "\\") j++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0 && /\sif\s/.test(s.slice(j, j + 4))) cut = j;
  }
  if (cut < 0 || /\selse\s/.test(s.slice(cut))) return { seq: s };
  return { seq: s.slice(0, cut).trim(), filter: s.slice(cut + 4).trim() };
}

interface Scope {
  vars: Record<string, unknown>;
}

function evalAt(expr: string, s: Scope, at: number, fail: Fail): unknown {
  try {
    return evalExpr(expr, s.vars);
  } catch (e) {
    const name = /"([^"]+)" is undefined/.exec((e as Error).message)?.[1];
    throw fail(name ? `undefined variable "${name}"` : (e as Error).message, at);
  }
}

function renderNodes(nodes: Node[], s: Scope, out: string[], fail: Fail): void {
  for (const n of nodes) {
    if (n.k === "text") out.push(n.v);
    else if (n.k === "out") {
      const v = evalAt(n.expr, s, n.at, fail);
      out.push(v === null || v === undefined ? "" : pyStr(v));
    } else if (n.k === "set") s.vars = withData(s.vars, assign(n.names, evalAt(n.expr, s, n.at, fail)));
    else if (n.k === "if") {
      const hit = n.branches.find((b) => truthy(evalAt(b.cond, s, b.at, fail)));
      renderNodes(hit ? hit.body : n.otherwise, s, out, fail);
    } else renderFor(n, s, out, fail);
  }
}

function renderFor(n: Extract<Node, { k: "for" }>, s: Scope, out: string[], fail: Fail): void {
  const seq = iterable(evalAt(n.seq, s, n.at, fail));
  if (!seq) throw fail(`"${n.seq}" is not something a for loop can go through`, n.at);
  const items = n.filter
    ? seq.filter((item) => truthy(evalAt(n.filter!, { vars: withData(s.vars, assign(n.names, item)) }, n.at, fail)))
    : seq;
  if (items.length === 0) return renderNodes(n.otherwise, { vars: s.vars }, out, fail);
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
    renderNodes(n.body, { vars: withData(s.vars, { ...assign(n.names, item), loop }) }, out, fail);
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
