// Owns the modules that run on the controller and steer the play: set_fact, assert, fail,
// meta (flush_handlers, end_play, clear_facts, noop; carried out by the engine) and the
// include_tasks marker (the task Ansible reports as "included", first in an include's block).
import { z } from "zod";
import { evalCondition } from "../playbook/expr.js";
import { ansibleBoolean } from "./arg-types.js";
import { defineModule } from "./types.js";

export const setFactModule = defineModule({
  name: "set_fact",
  noAsync: true,
  undo: "none",
  local: true,
  // a name may be a template, rendered when the task runs; then it must be a variable name
  schema: z
    .record(z.string().regex(/^([A-Za-z_]\w*|.*\{\{.*)$/, "is not a valid variable name"), z.unknown())
    .refine((a) => Object.keys(a).some((k) => k !== "cacheable"), {
      message: "No key/value pairs provided, at least one is required for this action to succeed",
    }),
  run: async (_ctx, a) => {
    const facts = { ...a };
    delete facts.cacheable;
    if (a.cacheable !== undefined && ansibleBoolean(a.cacheable) === undefined)
      return { changed: false, failed: true, msg: `The value '${String(a.cacheable)}' is not a valid boolean.` };
    // Ansible's set_fact with jinja2_native off (its default): a value that is (or renders to) the
    // text true, false, yes or no, in any case, becomes a boolean
    for (const [k, v] of Object.entries(facts))
      if (typeof v === "string" && /^(true|false|yes|no)$/i.test(v)) facts[k] = /^(true|yes)$/i.test(v);
    const bad = Object.keys(facts).find((k) => !/^[A-Za-z_]\w*$/.test(k));
    if (bad !== undefined)
      return {
        changed: false,
        failed: true,
        msg:
          `The variable name '${bad}' is not valid. Variables must start with a letter or underscore character, ` +
          "and contain only letters, numbers and underscores.",
      };
    return { changed: false, ansible_facts: facts };
  },
});

export const assertModule = defineModule({
  name: "assert",
  undo: "none",
  local: true,
  schema: z
    .object({
      // an empty item (YAML `-` alone) holds, as an empty condition does in Ansible
      that: z.union([z.string(), z.boolean(), z.array(z.union([z.string(), z.boolean(), z.null()]))]),
      fail_msg: z.string().optional(),
      msg: z.string().optional(),
      success_msg: z.string().default("All assertions passed"),
      quiet: z.boolean().default(false),
    })
    .strict(),
  run: async (ctx, a) => {
    const list = Array.isArray(a.that) ? a.that : [a.that];
    for (const cond of list) {
      if (cond !== null && !evalCondition(cond, ctx.vars, ctx.taint)) {
        return {
          changed: false,
          failed: true,
          assertion: cond,
          evaluated_to: false,
          msg: a.fail_msg ?? a.msg ?? "Assertion failed",
        };
      }
    }
    return { changed: false, msg: a.success_msg };
  },
});

export const failModule = defineModule({
  name: "fail",
  undo: "none",
  local: true,
  schema: z.object({ msg: z.unknown().default("Failed as requested from task") }).strict(),
  run: async (_ctx, a) => ({ changed: false, failed: true, msg: a.msg }),
});

/**
 * A module of Ansible that kplay does not implement, in place of the task that names it: the
 * task fails when it runs, saying so (a role's other-platform branch that never runs is no error).
 */
export const unimplementedModule = defineModule({
  name: "kplay_unimplemented",
  undo: "none",
  local: true,
  schema: z.object({ module: z.string() }).strict(),
  run: async (_ctx, a) => ({
    changed: false,
    failed: true,
    msg: `kplay does not implement the module ${a.module} (an Ansible module): this task cannot run here`,
  }),
});

/**
 * The task an include_role is, first in its role's block: Ansible's include_role is a task of its
 * own — its when, tags and other keywords are its own, not its role's tasks' — that shows as
 * skipped when its condition is false and shows nothing when it runs (the role's tasks do).
 */
export const includeRoleMarkerModule = defineModule({
  name: "kplay_include_role",
  undo: "none",
  local: true,
  schema: z.object({ name: z.string() }).strict(),
  run: async (_ctx, a) => ({ changed: false, include_role: a.name }),
});

export const metaModule = defineModule({
  name: "meta",
  undo: "none",
  local: true,
  freeForm: "_raw",
  schema: z
    .object({
      _raw: z.enum([
        "flush_handlers",
        "end_play",
        "end_batch",
        "end_host",
        "clear_facts",
        "clear_host_errors",
        "reset_connection",
        "noop",
        "refresh_inventory",
        "role_complete",
      ]),
    })
    .strict(),
  run: async () => ({ changed: false }),
});

/**
 * The include_tasks task itself: kplay reads the included file when it loads the playbook, and
 * this task stands first in the include's block so each host that takes the include reports it
 * (ok, or skipped when the include's `when` is false), as Ansible's "included:" line counts.
 */
/** Marks an include_tasks result whose file name came from a node's data. */
export const NODE_NAMED = { include_named_by_node: true } as const;

export const includeTasksModule = defineModule({
  name: "include_tasks",
  undo: "none",
  local: true,
  schema: z.object({ file: z.string() }).strict(),
  // a file named by a node's data must be one of the playbook's own (checked where it is read)
  run: async (ctx, a) => ({ changed: false, include: a.file, ...(ctx.taint?.fromNode.has(a.file) ? NODE_NAMED : {}) }),
});
