// Owns the `debug` module: show a message or a variable's value; never touches the host.
import { z } from "zod";
import { evalExpr } from "../playbook/expr.js";
import { defineModule } from "./types.js";

export const debugModule = defineModule({
  name: "debug",
  setsNoFacts: true,
  undo: "none",
  local: true,
  schema: z
    .object({ msg: z.unknown().optional(), var: z.string().optional(), verbosity: z.number().default(0) })
    .strict()
    .refine((a) => a.msg === undefined || a.var === undefined, { message: "'msg' and 'var' are incompatible options" }),
  run: async (ctx, a) => {
    // shown only from that many -v on; below it the task is skipped, as Ansible's is
    if (a.verbosity > Number(ctx.vars.ansible_verbosity ?? 0))
      return { changed: false, skipped: true, skipped_reason: "Verbosity threshold not met." };
    // a name rendered from node data or a lookup is text, never evaluated: Ansible's debug then
    // shows the text it would have evaluated, "{{" + var + "}}", unrendered
    if (a.var !== undefined && ctx.taint?.unsafe.has(a.var)) return { changed: false, [a.var]: `{{${a.var}}}` };
    if (a.var !== undefined) return { changed: false, [a.var]: lookupVar(a.var, ctx.vars) };
    return { changed: false, msg: a.msg ?? "Hello world!" };
  },
});

/** `var:` is an expression (r.stdout, hostvars[h].x), as Ansible evaluates it; undefined says so. */
function lookupVar(expr: string, vars: Record<string, unknown>): unknown {
  try {
    const v = evalExpr(expr, vars);
    return v === undefined ? "VARIABLE IS NOT DEFINED!" : v;
  } catch {
    return "VARIABLE IS NOT DEFINED!";
  }
}
