// Owns Ansible's reading of booleans: yes/no, on/off, true/false, y/n, t/f, 1/0 in any case (YAML
// 1.1 words that YAML 1.2 reads as strings) become true/false wherever a module argument is a
// boolean, as Ansible's boolean() does; anything else is left for the schema to refuse. And where
// an argument is a string, a number, boolean, list or mapping (a template that rendered to one)
// becomes its text as Python prints it, as Ansible's str type converts it.
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

/** Whether a field's schema is of `type` (possibly optional, nullable or defaulted). */
function isType(schema: z.ZodTypeAny, type: "boolean" | "string"): boolean {
  const def = (schema as unknown as { def?: Def }).def;
  if (!def) return false;
  if (def.type === type) return true;
  // a string-or-number argument (line, value…) takes a string too
  if (type === "string" && def.type === "union") return !!def.options?.some((o) => isType(o, type));
  if (type === "string" && def.type === "pipe") return !!def.in && isType(def.in, type);
  const wrapper = def.type === "optional" || def.type === "default" || def.type === "nullable";
  return wrapper && !!def.innerType && isType(def.innerType, type);
}

/** `args` with every boolean field's Ansible boolean word turned into true/false. */
export function withBooleans(schema: z.ZodTypeAny, args: Record<string, unknown>): Record<string, unknown> {
  const shape = shapeOf(schema);
  if (!shape) return args;
  let out = args;
  for (const [k, v] of Object.entries(args)) {
    if (!shape[k] || v === null || v === undefined) continue;
    let to: unknown = v;
    if (typeof v !== "boolean" && isType(shape[k], "boolean")) to = ansibleBoolean(v) ?? v;
    else if (typeof v === "object" || typeof v === "boolean") to = isType(shape[k], "string") ? pyStr(v) : v;
    if (to === v) continue;
    if (out === args) out = { ...args };
    out[k] = to;
  }
  return out;
}
