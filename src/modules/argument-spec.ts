// Owns Ansible's ArgumentSpecValidator for specs written as data: a role's meta/argument_specs.yml
// and the validate_argument_spec module. The same checks in the same order and words as
// ansible-core 2.14 (module_utils/common/arg_spec.py, parameters.py, validation.py): aliases,
// required, each value converted by its type (str, int, float, bool, list, dict, path, raw, json
// and jsonarg) and its elements, choices, nested options (with their own required/type/choices),
// then the parameters the spec does not know. The coerced values are returned; a role's own
// variables are left as they were (Ansible 2.14 validates, it does not assign).
import { ansibleBoolean } from "./arg-types.js";
import { pyStr } from "../playbook/jinja-lib.js";

export interface OptionSpec {
  type?: string;
  elements?: string;
  required?: boolean;
  default?: unknown;
  choices?: unknown[];
  aliases?: string[];
  options?: Record<string, OptionSpec>;
}
export type ArgumentSpec = Record<string, OptionSpec>;

/** Nested options go at most this deep (a spec is data a role author wrote: bounded like all input). */
const MAX_DEPTH = 16;

/** Python's type() of a value as Ansible's messages print it. */
function pyType(v: unknown): string {
  if (v === null || v === undefined) return "<class 'NoneType'>";
  if (typeof v === "boolean") return "<class 'bool'>";
  if (typeof v === "number") return Number.isInteger(v) ? "<class 'int'>" : "<class 'float'>";
  // text given in YAML (vars, inventory, defaults) is Ansible's AnsibleUnicode by then
  if (typeof v === "string") return "<class 'ansible.parsing.yaml.objects.AnsibleUnicode'>";
  return Array.isArray(v) ? "<class 'list'>" : "<class 'dict'>";
}

/** Ansible's check_type_dict: JSON text, or key=value pairs split on spaces and commas outside quotes. */
function toDict(v: unknown): Record<string, unknown> {
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v !== "string") throw new TypeError(`${pyType(v)} cannot be converted to a dict`);
  if (v.startsWith("{")) {
    try {
      const d: unknown = JSON.parse(v);
      if (d && typeof d === "object" && !Array.isArray(d)) return d as Record<string, unknown>;
    } catch {
      /* refused below */
    }
    throw new TypeError("unable to evaluate string as dictionary");
  }
  if (!v.includes("=")) throw new TypeError("dictionary requested, could not parse JSON or key=value");
  const out: Record<string, unknown> = {};
  for (const field of splitFields(v)) {
    const i = field.indexOf("=");
    if (i < 0) throw new TypeError("dictionary requested, could not parse JSON or key=value");
    out[field.slice(0, i).trim()] = field.slice(i + 1).trim();
  }
  return out;
}

/** key=value fields split on commas and spaces outside quotes, backslash escaping one character. */
function splitFields(v: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quote = "";
  let escaped = false;
  for (const c of v) {
    if (escaped) [field, escaped] = [field + c, false];
    else if (c === "\\") escaped = true;
    else if (!quote && (c === "'" || c === '"')) quote = c;
    else if (quote && c === quote) quote = "";
    else if (!quote && (c === "," || c === " ")) {
      if (field) fields.push(field);
      field = "";
    } else field += c;
  }
  if (field) fields.push(field);
  return fields;
}

function toInt(v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v);
  if (typeof v === "number") return Math.trunc(v);
  if (typeof v === "string") throw new TypeError(`${pyType(v)} cannot be converted to an int`);
  throw new TypeError(`${pyType(v)} cannot be converted to an int`);
}

function toFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  throw new TypeError(`${pyType(v)} cannot be converted to a float`);
}

function toBool(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v !== "string" && typeof v !== "number") throw new TypeError(`${pyType(v)} cannot be converted to a bool`);
  const b = ansibleBoolean(typeof v === "string" ? v : v === 1 || v === 0 ? v : String(v));
  if (b === undefined)
    throw new TypeError(
      `The value '${v}' is not a valid boolean.  Valid booleans include: ` +
        "0, 1, '1', 'f', 'y', 'n', 't', 'true', 'false', 'no', 'yes', '0', 'off', 'on'",
    );
  return b;
}

/** The converter for an option's type and the name Ansible's messages use for it. */
const TYPES: Record<string, (v: unknown) => unknown> = {
  str: (v) => (typeof v === "string" ? v : pyStr(v)),
  list: (v) => {
    if (Array.isArray(v)) return v;
    if (typeof v === "string") return v.split(",");
    if (typeof v === "number") return [pyStr(v)];
    throw new TypeError(`${pyType(v)} cannot be converted to a list`);
  },
  dict: toDict,
  bool: toBool,
  int: toInt,
  float: toFloat,
  path: (v) => (typeof v === "string" ? v : pyStr(v)),
  raw: (v) => v,
  json: (v) => (typeof v === "string" ? v : JSON.stringify(v)),
  jsonarg: (v) => (typeof v === "string" ? v : JSON.stringify(v)),
};

function converter(type: string | undefined): [(v: unknown) => unknown, string] {
  const name = type ?? "str";
  const f = TYPES[name];
  if (!f) throw new TypeError(`unknown type ${JSON.stringify(name)} in the argument spec`);
  return [f, name];
}

interface Scope {
  errors: string[];
  unsupported: string[];
  /** The names the spec an unsupported parameter was found in supports (the last one found's). */
  supported?: ArgumentSpec;
  context: string[];
}

const found = (s: Scope) => (s.context.length ? ` found in '${s.context.join(" -> ")}'.` : "");

/** Aliases to their option's name (the alias's value wins when the name is absent, as Ansible's). */
function applyAliases(spec: ArgumentSpec, params: Record<string, unknown>): Set<string> {
  const legal = new Set(Object.keys(spec));
  for (const [name, o] of Object.entries(spec))
    for (const alias of o.aliases ?? []) {
      legal.add(alias);
      if (alias in params && !(name in params)) params[name] = params[alias];
    }
  return legal;
}

function checkRequired(spec: ArgumentSpec, params: Record<string, unknown>, s: Scope): void {
  const missing = Object.entries(spec)
    .filter(([name, o]) => o.required && !(name in params))
    .map(([name]) => name)
    .sort();
  if (!missing.length) return;
  const where = s.context.length ? ` found in ${s.context.join(" -> ")}` : "";
  s.errors.push(`missing required arguments: ${missing.join(", ")}${where}`);
}

function checkTypes(spec: ArgumentSpec, params: Record<string, unknown>, s: Scope): void {
  for (const [name, o] of Object.entries(spec)) {
    const v = params[name];
    if (!(name in params) || v === null || v === undefined) continue;
    let wanted = o.type ?? "str";
    try {
      const [convert, typeName] = converter(o.type);
      wanted = typeName;
      params[name] = convert(v);
      if (o.elements) params[name] = checkElements(name, o, params[name], s);
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      const what = `argument '${name}' is of type ${pyType(v)}${found(s)}`;
      s.errors.push(`${what} and we were unable to convert to ${wanted}: ${e.message}`);
    }
  }
}

function checkElements(name: string, o: OptionSpec, value: unknown, s: Scope): unknown {
  const [convert, typeName] = converter(o.elements);
  if (o.type !== "list" || !Array.isArray(value)) {
    const what = `Invalid type ${typeName} for option '${pyStr(value)}'${found(s)}`;
    s.errors.push(`${what}, elements value check is supported only with 'list' type`);
    return value;
  }
  return value.map((e) => {
    try {
      return convert(e);
    } catch (err) {
      if (!(err instanceof TypeError)) throw err;
      const what = `Elements value for option '${name}'${found(s)} is of type ${pyType(e)}`;
      s.errors.push(`${what} and we were unable to convert to ${typeName}: ${err.message}`);
      return e;
    }
  });
}

function checkChoices(spec: ArgumentSpec, params: Record<string, unknown>, s: Scope): void {
  for (const [name, o] of Object.entries(spec)) {
    if (!o.choices || !(name in params) || params[name] === null || params[name] === undefined) continue;
    const v = params[name];
    const inChoices = (x: unknown) => o.choices!.some((c) => JSON.stringify(c) === JSON.stringify(x));
    const choices = o.choices.map((c) => pyStr(c)).join(", ");
    if (Array.isArray(v)) {
      const bad = v.filter((x) => !inChoices(x));
      const none = bad.map(pyStr).join(", ");
      if (bad.length)
        s.errors.push(`value of ${name} must be one or more of: ${choices}. Got no match for: ${none}${found(s)}`);
    } else if (!inChoices(v)) s.errors.push(`value of ${name} must be one of: ${choices}, got: ${pyStr(v)}${found(s)}`);
  }
}

function setDefaults(spec: ArgumentSpec, params: Record<string, unknown>): void {
  for (const [name, o] of Object.entries(spec)) if (!(name in params) && "default" in o) params[name] = o.default;
}

/** Nested options of a dict, or of each dict in a list of dicts. */
function checkSubSpecs(spec: ArgumentSpec, params: Record<string, unknown>, s: Scope, depth: number): void {
  for (const [name, o] of Object.entries(spec)) {
    const v = params[name];
    if (!o.options || v === null || v === undefined) continue;
    if (depth >= MAX_DEPTH) throw new TypeError(`the argument spec nests options more than ${MAX_DEPTH} levels deep`);
    const items = Array.isArray(v) ? v : [v];
    params[name] = items.map((item) => {
      const context = [...s.context, name];
      if (!item || typeof item !== "object" || Array.isArray(item)) {
        s.errors.push(`value of '${name}' must be of type dict or list of dicts`);
        return item;
      }
      const inner = { ...(item as Record<string, unknown>) };
      const saved = s.context;
      s.context = context;
      try {
        return validateIn(o.options!, inner, s, depth + 1);
      } finally {
        s.context = saved;
      }
    });
    if (!Array.isArray(v)) params[name] = (params[name] as unknown[])[0];
  }
}

function validateIn(spec: ArgumentSpec, params: Record<string, unknown>, s: Scope, depth: number) {
  const legal = applyAliases(spec, params);
  for (const k of Object.keys(params))
    if (!legal.has(k)) {
      s.unsupported.push([...s.context, k].join("."));
      s.supported = spec;
    }
  // as Ansible's no_log scan (first of its checks): a nested dict that is text it cannot read
  for (const [name, o] of Object.entries(spec))
    if (o.options && o.type === "dict" && typeof params[name] === "string")
      try {
        toDict(params[name]);
      } catch (e) {
        if (e instanceof TypeError) s.errors.push(e.message);
      }
  setDefaults(spec, params);
  checkRequired(spec, params, s);
  checkTypes(spec, params, s);
  checkChoices(spec, params, s);
  checkSubSpecs(spec, params, s, depth);
  return params;
}

/** The spec's supported names as Ansible lists them: each name, with its aliases in parentheses. */
function supportedNames(spec: ArgumentSpec): string {
  return Object.keys(spec)
    .sort()
    .map((k) => (spec[k].aliases?.length ? `${k} (${[...spec[k].aliases!].sort().join(", ")})` : k))
    .join(", ");
}

/** Validate `params` against `spec`: Ansible's error messages (none: valid) and the coerced values. */
export function validateArguments(
  spec: ArgumentSpec,
  params: Record<string, unknown>,
): { errors: string[]; validated: Record<string, unknown> } {
  const s: Scope = { errors: [], unsupported: [], context: [] };
  let validated: Record<string, unknown> = { ...params };
  try {
    validated = validateIn(spec, validated, s, 0);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    s.errors.push(e.message);
  }
  if (s.unsupported.length)
    s.errors.push(
      `${[...s.unsupported].sort().join(", ")}. Supported parameters include: ${supportedNames(s.supported ?? spec)}.`,
    );
  return { errors: s.errors, validated };
}

/** A spec read from YAML as Ansible reads it: a mapping of option names to mappings (else a TypeError's words). */
export function specProblem(spec: unknown, depth = 0): string | undefined {
  if (!spec || typeof spec !== "object" || Array.isArray(spec))
    return "an argument spec must be a mapping of option names";
  for (const [name, o] of Object.entries(spec as Record<string, unknown>)) {
    if (!o || typeof o !== "object" || Array.isArray(o)) return `option ${name}: its spec must be a mapping`;
    const opt = o as OptionSpec;
    // an unknown type is no problem of the spec as Ansible reads it: a value given for that
    // option fails to convert (checkTypes); an option left out passes
    if (opt.options !== undefined && depth < MAX_DEPTH) {
      const inner = specProblem(opt.options, depth + 1);
      if (inner) return `option ${name}: ${inner}`;
    }
  }
  return undefined;
}
