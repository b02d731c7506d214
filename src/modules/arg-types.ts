// Owns how module arguments are read as Ansible reads them, before the schema checks them:
// booleans (yes/no, on/off, true/false, y/n, t/f, 1/0 in any case: YAML 1.1 words that YAML 1.2
// reads as strings) become true/false wherever an argument is a boolean, as Ansible's boolean()
// does; a number, boolean, list or mapping (a template that rendered to one) given where only
// text fits becomes its text as Python prints it, as Ansible's str type converts it. Anything
// else is left for the schema to refuse.
import type { z } from "zod";
import { pyStr } from "../playbook/jinja-lib.js";

const TRUE = new Set(["y", "yes", "on", "1", "true", "t"]);
const FALSE = new Set(["n", "no", "off", "0", "false", "f"]);

/** The boolean a value means to Ansible, or undefined when it is not one. */
export function ansibleBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v !== "string") return undefined;
  const w = v.trim().toLowerCase();
  return TRUE.has(w) ? true : FALSE.has(w) ? false : undefined;
}

type Def = {
  type?: string;
  innerType?: z.ZodTypeAny;
  schema?: z.ZodTypeAny;
  in?: z.ZodTypeAny;
  options?: z.ZodTypeAny[];
};

/** The object shape under refine/pipe wrappers (zod 4), or undefined. */
function shapeOf(schema: z.ZodTypeAny): Record<string, z.ZodTypeAny> | undefined {
  const s = schema as unknown as { shape?: Record<string, z.ZodTypeAny>; def?: Def };
  if (s.shape) return s.shape;
  const inner = s.def?.schema ?? s.def?.in ?? s.def?.innerType;
  return inner ? shapeOf(inner) : undefined;
}

/** Whether a field's schema is a boolean (possibly optional, nullable or defaulted). */
function isBoolean(schema: z.ZodTypeAny): boolean {
  const def = (schema as unknown as { def?: Def }).def;
  if (!def) return false;
  if (def.type === "boolean") return true;
  const wrapper = def.type === "optional" || def.type === "default" || def.type === "nullable";
  return wrapper && !!def.innerType && isBoolean(def.innerType);
}

/** The kinds of value a field takes (through optional/default/nullable, unions and pipes). */
function kinds(schema: z.ZodTypeAny, out = new Set<string>()): Set<string> {
  const def = (schema as unknown as { def?: Def }).def;
  if (!def?.type) return out.add("unknown");
  if (def.type === "union") def.options?.forEach((o) => kinds(o, out));
  else if (def.type === "pipe") kinds(def.in ?? schema, out);
  else if (["optional", "default", "nullable"].includes(def.type) && def.innerType) kinds(def.innerType, out);
  else out.add(def.type);
  return out;
}

/** A list, mapping or boolean given where only text fits: its text, as Python's str() prints it. */
function asText(schema: z.ZodTypeAny, v: unknown): unknown {
  const k = kinds(schema);
  if (!k.has("string") || k.has("any") || k.has("unknown")) return v;
  if (Array.isArray(v)) return k.has("array") || k.has("tuple") ? v : pyStr(v);
  if (typeof v === "boolean") return k.has("boolean") ? v : pyStr(v);
  if (v && typeof v === "object") return k.has("object") || k.has("record") || k.has("map") ? v : pyStr(v);
  return v;
}

/** A conversion Ansible's argument checks refuse, in their words (the task fails with it). */
export class ArgTypeError extends Error {}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A string or number where the field does not take it, converted as Ansible's check_type_int /
 * float / str / list / dict convert: "600" for a number, 600 for text, "a,b" (or 5) for a list,
 * "k=v k2=v2" or JSON for a mapping. A template (not yet rendered) is left for later.
 */
function converted(name: string, schema: z.ZodTypeAny, v: string | number): unknown {
  const k = kinds(schema);
  if (k.has("any") || k.has("unknown")) return v;
  if (typeof v === "number") {
    if (k.has("number")) return v;
    if (k.has("string")) return String(v);
    if (k.has("array")) return [String(v)];
    return v;
  }
  if (k.has("string") || v.includes("{{") || v.includes("{%")) return v;
  if (k.has("number")) {
    if (INT.test(v.trim()) || FLOAT.test(v.trim())) return Number(v.trim());
    throw new ArgTypeError(
      `argument '${name}' is of type <class 'str'> and we were unable to convert to int: ` +
        `invalid literal for int() with base 10: '${v}'`,
    );
  }
  if (k.has("array")) return v.split(",");
  if (k.has("object") || k.has("record")) return dictFrom(name, v);
  return v;
}

/** Ansible's check_type_dict: a JSON object, or key=value pairs separated by spaces or commas. */
function dictFrom(name: string, v: string): Record<string, unknown> {
  const t = v.trim();
  if (t.startsWith("{")) {
    try {
      const d: unknown = JSON.parse(t);
      if (d && typeof d === "object" && !Array.isArray(d)) return d as Record<string, unknown>;
    } catch {
      /* refused below */
    }
  } else if (t.includes("=")) {
    const out: Record<string, unknown> = {};
    for (const m of t.matchAll(/([^=,\s]+)=("(?:[^"\\]|\\.)*"|'[^']*'|[^,\s]*)/g))
      out[m[1]] = m[2].replace(/^(["'])([\s\S]*)\1$/, "$2");
    return out;
  }
  throw new ArgTypeError(
    `argument '${name}' is of type <class 'str'> and we were unable to convert to dict: ` +
      "dictionary requested, could not parse JSON or key=value",
  );
}

/**
 * `args` as Ansible reads them: boolean words as booleans, lists/mappings/booleans as text where
 * only text fits, strings and numbers converted where the field takes a number, text, a list or
 * a mapping (Ansible's argument types). A conversion that cannot be made throws ArgTypeError.
 */
export function withAnsibleTypes(schema: z.ZodTypeAny, args: Record<string, unknown>): Record<string, unknown> {
  const shape = shapeOf(schema);
  if (!shape) return args;
  let out = args;
  for (const [k, v] of Object.entries(args)) {
    if (!shape[k] || v === null || v === undefined) continue;
    let to: unknown = v;
    if (typeof v !== "boolean" && isBoolean(shape[k])) to = ansibleBoolean(v) ?? v;
    else if (typeof v === "object" || typeof v === "boolean") to = asText(shape[k], v);
    else if (typeof v === "string" || typeof v === "number") to = converted(k, shape[k], v);
    if (to === v) continue;
    if (out === args) out = { ...args };
    out[k] = to;
  }
  return out;
}
