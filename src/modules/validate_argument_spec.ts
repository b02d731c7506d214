// Owns validate_argument_spec (Ansible's action, run on the controller): the values of the
// spec's options, from the task's variables (rendered) overlaid by provided_arguments, checked by
// Ansible's argument spec rules (argument-spec.ts). A role with meta/argument_specs.yml gets one
// of these as its first task (load-roles.ts), as Ansible prepends it.
import { z } from "zod";
import { renderLate } from "../playbook/expr.js";
import { specProblem, validateArguments, type ArgumentSpec } from "./argument-spec.js";
import { defineModule } from "./types.js";

export const validateArgumentSpecModule = defineModule({
  name: "validate_argument_spec",
  noAsync: true,
  undo: "none",
  local: true,
  schema: z
    .object({
      argument_spec: z.record(z.string(), z.unknown()),
      provided_arguments: z.record(z.string(), z.unknown()).default({}),
      validate_args_context: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
  run: async (ctx, a) => {
    const context = a.validate_args_context;
    const problem = specProblem(a.argument_spec);
    if (problem) return { changed: false, failed: true, msg: `Incorrect argument_spec: ${problem}` };
    const spec = a.argument_spec as ArgumentSpec;
    // as Ansible's get_args_from_task_vars: each option the task's variables define, rendered
    const fromVars: Record<string, unknown> = {};
    for (const name of Object.keys(spec))
      if (name in ctx.vars) fromVars[name] = renderLate(ctx.vars[name], ctx.vars, name);
    const { errors } = validateArguments(spec, { ...fromVars, ...a.provided_arguments });
    if (errors.length)
      return {
        changed: false,
        failed: true,
        msg: `Validation of arguments failed:\n${errors.join("\n")}`,
        argument_errors: errors,
        argument_spec_data: spec,
        validate_args_context: context,
      };
    return { changed: false, msg: "The arg spec validation passed", validate_args_context: context };
  },
});
