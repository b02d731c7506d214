// Owns templating: Jinja for every `{{ }}`/`{% %}` in playbook, inventory and vars values and for
// template files (as Ansible renders them), and one Handlebars engine (strict: an undefined
// variable is an error naming the template, line and variable; no HTML escaping) for kplay's own
// templates/*.hbs files only. A value that is exactly one `{{ expression }}` keeps its type.
import Handlebars from "handlebars";
import { inputError, KplayError } from "../errors.js";
import { evalExpr, parseExpr, pyStr, renderLate, setLateRender } from "../playbook/expr.js";
import { registerHelpers } from "./helpers.js";
import { mutationScope } from "../playbook/py-mutate.js";
import { quoteIn, scan, type Ctx } from "../transport/sh.js";
import {
  holdsTemplate,
  markRendered,
  mayRender,
  noteRead,
  trackTaint,
  withData,
  type Taint,
} from "../playbook/data.js";
import { isKeptAsText, setTemplateLookup } from "../playbook/jinja-lib.js";
import { convertRendered } from "../playbook/pyliteral.js";
import {
  checkJinjaSyntax,
  renderJinja,
  withJinjaOverrides,
  templateFileVars,
  type JinjaFileOptions,
  type TemplateLoader,
} from "./jinja.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";

const hb = Handlebars.create();
registerHelpers(hb);

type Compiled = (ctx: unknown) => string;
const cache = new Map<string, Compiled>();

function compile(source: string): Compiled {
  let fn = cache.get(source);
  if (!fn) {
    fn = hb.compile(source, { strict: true, noEscape: true, preventIndent: true });
    cache.set(source, fn);
  }
  return fn;
}

export interface TemplateOrigin {
  file?: string;
  line?: number;
  field?: string;
  /** Collects the strings rendered from tainted data (a task's arguments: conditions refuse them). */
  taint?: Taint;
}

/** Top-level variables that are themselves templates render when a template reads them. */
function lazyContext(ctx: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(ctx, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof key === "string" && Object.prototype.hasOwnProperty.call(target, key)) noteRead(target, key);
      if (typeof key !== "string" || !v || (typeof v !== "string" && typeof v !== "object")) return v;
      return mayRender(target, key) && holdsTemplate(v) ? renderLate(v, target, key) : v;
    },
  });
}

setLateRender((v, vars, name) => renderValue(v, vars, { field: name }));
// lookup('template', name, template_vars=…): a controller template rendered with the task's variables
setTemplateLookup((file, vars, kw) => {
  const extra =
    kw.template_vars && typeof kw.template_vars === "object" ? (kw.template_vars as Record<string, unknown>) : {};
  const jinja = { trimBlocks: true, lstripBlocks: false, dest: "" };
  return renderTemplateFile(readFileSync(file, "utf8"), file, withData(vars, extra), jinja);
});

export function renderTemplate(source: string, ctx: Record<string, unknown>, origin: TemplateOrigin = {}): string {
  try {
    return compile(source)(lazyContext(ctx));
  } catch (e) {
    throw templateError(e, origin);
  }
}

/**
 * A template file rendered by its kind: Handlebars for .hbs (kplay's own templates/), Jinja2 as
 * Ansible's template module renders it for any other (given the module's options).
 */
export function renderTemplateFile(
  text: string,
  file: string,
  vars: Record<string, unknown>,
  jinja?: JinjaFileOptions,
): string {
  if (file.endsWith(".hbs") || !jinja) return renderTemplate(text, vars, { file });
  const load = templateLoader(file, vars);
  const { source, opts } = withJinjaOverrides(text, { file, ...jinja, load }, file);
  return renderJinja(source, templateFileVars(vars, { file, dest: jinja.dest }), opts);
}

/**
 * Where a template's {% include %}/{% import %} names are found, as Ansible's template module looks:
 * beside the including template, then templates/ and the directory itself along ansible_search_path.
 */
function templateLoader(top: string, vars: Record<string, unknown>): TemplateLoader {
  const search = Array.isArray(vars.ansible_search_path) ? vars.ansible_search_path.map(String) : [];
  return (name, from) => {
    const dirs = [dirname(from ?? top), dirname(top), ...search.flatMap((d) => [join(d, "templates"), d])];
    const found = isAbsolute(name) ? [name] : dirs.map((d) => join(d, name));
    const file = found.find((f) => existsSync(f) && statSync(f).isFile());
    return file ? { text: readFileSync(file, "utf8"), file } : undefined;
  };
}

/** A template file's syntax by its kind (as renderTemplateFile reads it), checked before anything runs. */
export function checkTemplateText(text: string, file: string): void {
  if (file.endsWith(".hbs")) return checkTemplateSyntax(text, { file, line: 1 });
  let t: ReturnType<typeof withJinjaOverrides>;
  try {
    t = withJinjaOverrides(text, { trimBlocks: true, lstripBlocks: false, file }, file);
  } catch {
    return; // a bad #jinja2: line fails the task that renders it, as in Ansible
  }
  checkJinjaSyntax(t.source, { file, delimiters: t.opts.delimiters });
}

/** Parse a template without rendering it: syntax errors surface before anything runs. */
export function checkTemplateSyntax(source: string, origin: TemplateOrigin): void {
  try {
    hb.parse(source);
  } catch (e) {
    throw templateError(e, origin);
  }
}

const JINJA_STATEMENT = /\{%|\{#/;
/** Handlebars' own syntax (blocks, partials, comments, else), named when a playbook value holds it. */
const HANDLEBARS_BLOCK = /\{\{[#/^>!{~&]|\{\{\s*else\s*\}\}/;

/** The {{ }} of playbook values keep their string literals' backslashes, as Ansible's templar does. */
const VERBATIM = { verbatimStrings: true };

/** Each `{{ expression }}` of a string; a quoted string inside may hold "}}" (Jinja's lexer allows it). */
function mustaches(value: string): Array<{ expr: string; start: number; end: number }> {
  const out: Array<{ expr: string; start: number; end: number }> = [];
  for (let start = value.indexOf("{{"); start >= 0; start = value.indexOf("{{", start + 2)) {
    let quote = "";
    let j = start + 2;
    for (; j < value.length - 1; j++) {
      const c = value[j];
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = "";
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "}" && value[j + 1] === "}") break;
    }
    if (j >= value.length - 1) break;
    out.push({ expr: value.slice(start + 2, j).trim(), start, end: j + 2 });
    start = j;
  }
  return out;
}

/**
 * The Jinja expressions of a playbook value (`{{ hostvars[groups['etcd'][0]].ip }}`,
 * `{{ x | default('y') }}`), each parsed before any is evaluated: one that does not parse is a
 * template error naming the value's file, line and field (and Handlebars syntax, of kplay's
 * earlier playbooks, is named as such).
 */
function renderExpressions(value: string, ctx: Record<string, unknown>, origin: TemplateOrigin): unknown {
  const where = { file: origin.file, line: origin.line, field: origin.field };
  if (HANDLEBARS_BLOCK.test(value))
    throw inputError(
      "template error: Handlebars syntax ({{#each}}, {{/if}}, {{else}}, …) in a playbook value; " +
        "playbook, inventory and vars values are Jinja, as in Ansible (Handlebars is read in templates/*.hbs only)",
      where,
    );
  const parts = mustaches(value);
  for (const p of parts) {
    try {
      parseExpr(p.expr, VERBATIM);
    } catch (e) {
      throw inputError(`template error: {{ ${p.expr} }}: ${(e as Error).message}`, where);
    }
  }
  const evalOne = (expr: string) => {
    try {
      return evalExpr(expr, ctx, VERBATIM);
    } catch (e) {
      const name = /"([^"]+)" is undefined/.exec((e as Error).message)?.[1];
      throw inputError(
        name
          ? `undefined variable "${name}" in template ('${name}' is undefined)`
          : `template error: ${(e as Error).message.replace(/^(template error: )+/, "")}`,
        {
          file: origin.file,
          line: origin.line,
          field: origin.field,
        },
      );
    }
  };
  // Jinja drops one trailing newline of a template: "{{ x }}\n" is one node too (Ansible's templar
  // puts the newline back on a string result)
  const tail = value.slice(parts[0]?.end ?? 0);
  if (parts.length === 1 && parts[0].start === 0 && (tail === "" || tail === "\n")) {
    // Ansible's templar (jinja2_native off): "{{ name }}" naming a number, a boolean or None is
    // that value; any other result is text (None: nothing), a list, dict or bool when the text reads
    // as one — so "{{ 1 + 1 }}" is "2", as in Ansible
    const name = parts[0].expr;
    const bare = /^\w+$/.test(name) && name in ctx ? ctx[name] : undefined;
    if (typeof bare === "number" || typeof bare === "boolean" || bare === null) return bare;
    const raw = evalOne(parts[0].expr);
    const v = asAnsibleData(raw === null || raw === undefined ? "" : typeof raw === "string" ? raw : textOf(raw));
    return typeof v === "string" ? v + tail : v;
  }
  let out = "";
  let last = 0;
  for (const p of parts) {
    const v = evalOne(p.expr);
    // inside a string a value prints as Ansible prints it: Python's str() (True, ['a'], {'k': 1}),
    // except None, which Ansible's templar turns into nothing
    out += value.slice(last, p.start) + (v === null || v === undefined ? "" : pyStr(v));
    last = p.end;
  }
  return asAnsibleData(out + value.slice(last));
}

/** A value as Ansible's templar turns it into text: Python's str() (lists and dicts read back by asAnsibleData). */
function textOf(v: unknown): unknown {
  // kplay's own objects (a macro, a lazily built view) are left as they are
  if (
    typeof v === "function" ||
    (v !== null && typeof v === "object" && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype)
  )
    return v;
  return pyStr(v);
}

/**
 * A rendered string that looks like a list, a dict or a bool and reads as a Python literal is that
 * value, as Ansible's templar makes it ("[{{ a }}, 2]" is a list); other values stay as they are.
 */
function asAnsibleData(rendered: unknown): unknown {
  return typeof rendered === "string" && !isKeptAsText(rendered) ? convertRendered(rendered) : rendered;
}

/**
 * Render a task's shell text that runs later (`undo:`): a `{{ }}` whose value came from a node
 * (registered output, facts) goes in as data for where it stands: one single-quoted word outside
 * quotes (a list: a word per element), escaped inside double or single quotes, refused anywhere
 * else; the playbook's own values go in as written. A statement ({% %}) that reads node data is
 * refused: its output could not be quoted.
 */
export function renderShellText(value: string, ctx: Record<string, unknown>, origin: TemplateOrigin = {}): string {
  const where = { file: origin.file, line: origin.line, field: origin.field };
  if (JINJA_STATEMENT.test(value)) {
    const r = trackTaint(() => String(renderValue(value, ctx, origin)));
    if (r.fromNode) throw inputError("a {% %} statement in shell text reads a node's data: use {{ }}", where);
    return r.value;
  }
  const parts = mustaches(value);
  const contexts = shellContexts(value, parts);
  let out = "";
  let last = 0;
  parts.forEach((p, i) => {
    const r = trackTaint(() => renderValue(value.slice(p.start, p.end), ctx, origin));
    const v = r.value === null || r.value === undefined ? "" : r.value;
    const words = Array.isArray(v) ? v.map((x) => pyStr(x)) : pyStr(v);
    const quoted = r.fromNode ? quoteIn(contexts[i], words) : pyStr(v);
    if (quoted === undefined)
      throw inputError(
        `{{ ${p.expr} }} reads a node's data where shell text cannot quote it (a ${contexts[i]})`,
        where,
      );
    out += value.slice(last, p.start) + quoted;
    last = p.end;
  });
  return out + value.slice(last);
}

/** The shell quoting context at each `{{ }}` of `value`. */
function shellContexts(value: string, parts: Array<{ start: number; end: number }>): Ctx[] {
  const statics: string[] = [];
  let last = 0;
  for (const p of parts) {
    statics.push(value.slice(last, p.start));
    last = p.end;
  }
  statics.push(value.slice(last));
  return scan(statics);
}

/** Render `{{ }}` in a string value; other values pass through. Recurses into lists and maps. */
export function renderValue(value: unknown, ctx: Record<string, unknown>, origin: TemplateOrigin = {}): unknown {
  if (typeof value === "string" && origin.taint && (value.includes("{{") || JINJA_STATEMENT.test(value))) {
    // each string is its own template, as Ansible's templar takes them: only those that read
    // tainted data are unsafe
    const taint = origin.taint;
    const r = trackTaint(() => renderValue(value, ctx, { ...origin, taint: undefined }));
    if (r.tainted) markRendered(taint, r.value, r.fromNode);
    return r.value;
  }
  if (typeof value === "string") {
    // statements and comments: Jinja, as Ansible renders every playbook string (trim_blocks on)
    if (JINJA_STATEMENT.test(value) && !HANDLEBARS_BLOCK.test(value))
      return asAnsibleData(
        renderJinja(value, ctx, {
          trimBlocks: true,
          lstripBlocks: false,
          ...VERBATIM,
          file: origin.file,
          line: origin.line,
        }),
      );
    // one string is one template: a list one {{ }} appends to is seen changed by the next
    return value.includes("{{") ? mutationScope(() => renderExpressions(value, ctx, origin)) : value;
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, ctx, origin));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // keys are templates too, as in Ansible (set_fact: "{{ name }}={{ value }}")
      const key = k.includes("{{") ? String(renderValue(k, ctx, origin)) : k;
      out[key] = renderValue(v, ctx, { ...origin, field: origin.field ? `${origin.field}.${k}` : k });
    }
    return out;
  }
  return value;
}

function templateError(e: unknown, origin: TemplateOrigin, variable?: string): KplayError {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /"([^"]+)" not defined in .* - (\d+):(\d+)/.exec(msg) ?? /"([^"]+)" not defined/.exec(msg);
  if (m) {
    const relLine = m[2] ? Number(m[2]) : 1;
    const line = origin.line !== undefined ? origin.line + relLine - 1 : relLine;
    return inputError(`undefined variable "${variable ?? m[1]}" in template ('${variable ?? m[1]}' is undefined)`, {
      file: origin.file,
      line,
      column: m[3] ? Number(m[3]) + 1 : undefined,
      field: origin.field,
    });
  }
  const pm = /Parse error on line (\d+):/.exec(msg);
  const line = pm ? (origin.line ?? 1) + Number(pm[1]) - 1 : origin.line;
  return inputError(`template error: ${msg.split("\n").filter(Boolean).slice(-1)[0]}`, {
    file: origin.file,
    line,
    field: origin.field,
  });
}
