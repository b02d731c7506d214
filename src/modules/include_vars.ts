// Owns `include_vars`: variables from YAML/JSON files on the controller, for the host's later
// tasks (Ansible's precedence level of include_vars; kept with set_fact values). A file is
// looked for in vars/ of the task's role, task file directory and playbook directory, then in
// those directories themselves; `dir` loads every matching file below a directory, sorted by
// path, later files replacing earlier keys. Values are templates (the playbook's configuration,
// never node data), rendered where they are used, as Ansible's are.
import { readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { z } from "zod";
import { keyValues } from "../playbook/kv.js";
import { readYamlFile } from "../yaml-source.js";
import { defineModule, type ModuleContext } from "./types.js";

const schema = z
  .object({
    _raw: z.string().optional(),
    file: z.string().optional(),
    dir: z.string().optional(),
    name: z
      .string()
      .regex(/^[A-Za-z_]\w*$/, "name must be a variable name")
      .optional(),
    depth: z.coerce.number().int().min(0).default(0),
    files_matching: z.string().optional(),
    ignore_files: z.array(z.string()).default([]),
    extensions: z.array(z.string()).default(["yaml", "yml", "json"]),
    ignore_unknown_extensions: z.boolean().default(false),
    hash_behaviour: z.enum(["replace", "merge"]).optional(),
  })
  .strict();
type Args = z.infer<typeof schema>;

export const includeVarsModule = defineModule({
  name: "include_vars",
  noAsync: true,
  undo: "none",
  local: true,
  factsAreTemplates: true,
  freeForm: "_raw",
  schema,
  run: async (ctx, a) => {
    const args = withRaw(a);
    if (!args.file === !args.dir)
      return { changed: false, failed: true, msg: "include_vars needs exactly one of file (or a file name) and dir" };
    const files = args.file ? [varsFile(ctx, args.file)] : dirFiles(varsFile(ctx, args.dir!), args);
    const data: Record<string, unknown> = {};
    for (const f of files) Object.assign(data, readVars(f));
    // the values are templates, rendered where they are used (they may refer to each other and to
    // variables set later, as in Ansible)
    const facts = args.name ? { [args.name]: data } : data;
    return { changed: false, ansible_facts: facts, ansible_included_var_files: files };
  },
});

/** The file an include_vars names, in `file` or as its free form (not key=value words); undefined for `dir`. */
export function varsFileName(a: { file?: unknown; _raw?: unknown }): string | undefined {
  if (typeof a.file === "string") return a.file;
  const raw = typeof a._raw === "string" ? a._raw.trim() : "";
  return raw && !/^\w+=/.test(raw) ? raw : undefined;
}

/** `include_vars: vars/x.yml` or `include_vars: file=x.yml name=y`: the free form as arguments. */
function withRaw(a: Args): Args {
  if (a._raw === undefined) return a;
  const raw = a._raw.trim();
  if (!/^\w+=/.test(raw)) return { ...a, file: raw };
  const kv = keyValues(raw).args;
  return { ...a, ...schema.parse({ ...kv, ...(kv.depth ? { depth: Number(kv.depth) } : {}) }) };
}

/** Ansible looks in vars/ first, then the directory itself (role, task file, playbook). */
function varsFile(ctx: ModuleContext, name: string): string {
  try {
    return ctx.localPath(join("vars", name), name);
  } catch {
    return ctx.localPath(name);
  }
}

function readVars(file: string): Record<string, unknown> {
  const data = readYamlFile(file).data;
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) throw new Error(`${file} must hold a mapping of variables`);
  return data as Record<string, unknown>;
}

/** Files under `dir` (to `depth` levels, 0 = all), sorted, matching the extensions and filters. */
function dirFiles(dir: string, a: Args, level = 1): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (a.depth === 0 || level < a.depth) out.push(...dirFiles(full, a, level + 1));
      continue;
    }
    if (a.ignore_files.some((p) => new RegExp(`${p}$`).test(name))) continue;
    if (a.files_matching && !new RegExp(a.files_matching).test(basename(name))) continue;
    const ext = name.includes(".") ? name.split(".").pop()! : "";
    if (!a.extensions.includes(ext)) {
      if (a.ignore_unknown_extensions) continue;
      throw new Error(`${full} does not have a valid extension: ${a.extensions.join(", ")}`);
    }
    out.push(full);
  }
  return out;
}
