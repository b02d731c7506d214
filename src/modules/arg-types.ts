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

/** `args` as Ansible reads them: boolean words as booleans, lists/mappings/booleans as text where only text fits. */
export function withAnsibleTypes(schema: z.ZodTypeAny, args: Record<string, unknown>): Record<string, unknown> {
  const shape = shapeOf(schema);
  if (!shape) return args;
  let out = args;
  for (const [k, v] of Object.entries(args)) {
    if (!shape[k] || v === null || v === undefined) continue;
    let to: unknown = v;
    if (typeof v !== "boolean" && isBoolean(shape[k])) to = ansibleBoolean(v) ?? v;
    else if (typeof v === "object" || typeof v === "boolean") to = asText(shape[k], v);
    if (to === v) continue;
    if (out === args) out = { ...args };
    out[k] = to;
  }
  return out;
}
