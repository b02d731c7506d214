// Owns reading roles into the play model at load time, as Ansible's import does: a role from
// `roles:`, `import_role` or `include_role` becomes a block holding its meta dependencies (each
// a role block, first) and its tasks; its vars and parameters are the block's vars, its
// defaults the block's defaults (below every other variable), role_name and role_path are set,
// and its handlers join the play's handlers once. In `roles:` and dependencies a role with the
// same parameters runs once per play (unless its meta says allow_duplicates), as in Ansible.
import { dirname, resolve } from "node:path";
import { inputError, type Where } from "../errors.js";
import { readYamlFile, type PathKey, type YamlSource } from "../yaml-source.js";
import { ansibleBoolean } from "../modules/arg-types.js";
import { COMMON_KEYS, handlersOf, readCommon, readNode, readNodes, type Source } from "./load.js";
import { at, isMap } from "./load-fields.js";
import { findRole, roleName, rolePartFile, roleVarsFiles } from "./roles.js";
import { keyValues } from "./kv.js";
import type { Block, Node } from "./types.js";

const ROLE_ARGS = [
  "name",
  "tasks_from",
  "vars_from",
  "defaults_from",
  "handlers_from",
  "allow_duplicates",
  "public",
  "apply",
];
const MAX_ROLE_DEPTH = 20;
const LOOP_KEYS = ["loop", "loop_control"];

/** A role as asked for: its name, which files to take, its parameters, and the keywords of the entry. */
interface RoleRef {
  name: string;
  from: { tasks?: string; vars?: string; defaults?: string; handlers?: string };
  params: Record<string, unknown>;
  /** The entry (roles: item or include_role task) whose keywords (when, tags, vars…) apply to the role. */
  entry: Record<string, unknown>;
  /** Run once per play with the same parameters (roles: and dependencies). */
  once: boolean;
  path: PathKey[];
}

/** The play's `roles:` list as blocks, in order. */
export function readRolesSection(s: Source, raw: unknown, loc: { path: PathKey[]; id: string }): Node[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw inputError("roles must be a list of role names", at(s.src, loc.path, "roles"));
  return raw.flatMap((r, i) => {
    const ref = roleEntry(s.src, r, [...loc.path, i]);
    const b = readRole(s, ref, `${loc.id}/${i}`);
    return b ? [b] : [];
  });
}

/** An entry of roles: or meta dependencies: a name, or a mapping with role (or name), keywords and parameters. */
function roleEntry(src: YamlSource, raw: unknown, path: PathKey[]): RoleRef {
  if (typeof raw === "string" && raw) return { name: raw, from: {}, params: {}, entry: {}, once: true, path };
  if (!isMap(raw)) throw inputError("a role is a name or a mapping with role:", at(src, path, "role"));
  const name = raw.role ?? raw.name;
  if (typeof name !== "string" || !name)
    throw inputError("a role entry needs role: (the role's name)", at(src, path, "role"));
  const keywords = new Set(COMMON_KEYS);
  const params = Object.fromEntries(
    Object.entries(raw).filter(([k]) => k !== "role" && k !== "name" && !keywords.has(k)),
  );
  const entry = Object.fromEntries(Object.entries(raw).filter(([k]) => keywords.has(k) && k !== "name"));
  return { name, from: {}, params, entry, once: true, path };
}

/** A task `include_role:` / `import_role:` (name, tasks_from, vars_from, defaults_from, handlers_from). */
export function readRoleTask(s: Source, raw: Record<string, any>, inc: { key: string; path: PathKey[] }, id: string) {
  const { key, path } = inc;
  // `include_role: name=x handlers_from=y` as key=value words, as Ansible takes it too
  const spec = typeof raw[key] === "string" ? keyValues(raw[key]).args : raw[key];
  if (!isMap(spec) || typeof spec.name !== "string" || !spec.name)
    throw inputError(`${key} needs name: (the role's name)`, at(s.src, [...path, key], key));
  if (spec.name.includes("{{"))
    throw inputError(`templated ${key} names are not supported`, at(s.src, [...path, key, "name"], `${key}.name`));
  const dynamic = /include_role$/.test(key);
  // an include_role runs when reached, so it may loop (its role's tasks once per item); an
  // import_role is read into the play, where a loop has no meaning (Ansible refuses it too)
  const keywords = new Set([...COMMON_KEYS, ...(dynamic ? LOOP_KEYS : [])]);
  for (const k of Object.keys(raw))
    if (k !== key && !keywords.has(k) && !(dynamic && k.startsWith("with_")))
      throw inputError(
        !dynamic && (LOOP_KEYS.includes(k) || k.startsWith("with_"))
          ? `You cannot use loops on '${key}' statements. You should use 'include_role' instead.`
          : `"${k}" is not a valid attribute for ${key}`,
        at(s.src, [...path, k], k, true),
      );
  for (const k of Object.keys(spec))
    if (!ROLE_ARGS.includes(k))
      throw inputError(`unknown argument "${k}" for ${key}`, at(s.src, [...path, key, k], `${key}.${k}`, true));
  const missing = dynamic ? missingRole(s, raw, { key, name: spec.name, path }, id) : undefined;
  if (missing) return missing;
  const own = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== key));
  const ref: RoleRef = {
    name: spec.name,
    from: { tasks: spec.tasks_from, vars: spec.vars_from, defaults: spec.defaults_from, handlers: spec.handlers_from },
    params: {},
    // import_role: its keywords are its tasks'; include_role: only its vars and apply reach them
    // (kplay reads the role at load, so they join its block), the rest are the include's own
    entry: { ...(dynamic ? (own.vars !== undefined ? { vars: own.vars } : {}) : own), ...applied(s, spec, inc) },
    once: false,
    path,
  };
  const block = readRole(s, ref, id)!;
  if (!dynamic) return block;
  return { ...block, block: [includeRoleTask(s, { own, name: spec.name, path, id }), ...block.block] };
}

/**
 * The task an include_role is (modules/control.ts): its name (Ansible's "include_role : NAME"
 * when it has none), when, tags and other keywords, first in its role's block.
 */
function includeRoleTask(
  s: Source,
  o: { own: Record<string, unknown>; name: string; path: PathKey[]; id: string },
): Node {
  const keywords = Object.fromEntries(Object.entries(o.own).filter(([k]) => k !== "vars"));
  const raw = { name: o.own.name ?? `include_role : ${o.name}`, ...keywords, kplay_include_role: { name: o.name } };
  return { ...readNode(s, raw, o.path, `${o.id}/include`), quietWhenOk: true } as Node;
}

/**
 * An include_role whose role is not there: as Ansible, which reads an include when it runs, the
 * task fails the host then (in Ansible's words), and a branch that never runs it is no error.
 */
function missingRole(
  s: Source,
  raw: Record<string, unknown>,
  inc: { key: string; name: string; path: PathKey[] },
  id: string,
): Node | undefined {
  const found = findRole(inc.name, s.ctx.playbookDir);
  if (found.dir) return undefined;
  const entry = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== inc.key));
  const msg = `the role '${inc.name}' was not found in ${found.looked.join(":")}`;
  const task = readNode(s, { name: raw.name ?? `include_role ${inc.name}`, ...entry, fail: { msg } }, inc.path, id);
  return { ...task, includeFailure: true } as Node;
}

/** The role as a block; undefined when the play already runs it with these parameters. */
function readRole(s: Source, ref: RoleRef, id: string): Block | undefined {
  const { ctx } = s;
  const where = at(s.src, ref.path, "role");
  const found = findRole(ref.name, ctx.playbookDir);
  if (!found.dir) throw inputError(`role "${ref.name}" not found (looked in ${found.looked.join(", ")})`, where);
  const dir = found.dir;
  const chain = ctx.roleChain ?? [];
  refuseCycle(chain, { dir, name: ref.name }, where);
  const meta = readMeta(dir);
  if (meta.yaml) ctx.files.add(resolve(meta.yaml.file));
  // A role runs once per host per play unless allow_duplicates: Ansible's identity of a role is its
  // name with its parameters and the keywords it is named with (when, tags, vars); a second
  // occurrence is skipped at run time for a host where the first one ran a task (a first one
  // skipped by its when does not count: kubespray's runc under cri-o, then under containerd)
  const seenKey = JSON.stringify([dir, ref.params, ref.from, ref.entry]);
  const once = ref.once && !meta.allowDuplicates ? seenKey : undefined;
  const firstTime = !ctx.play?.seen.has(seenKey);
  ctx.play?.seen.add(seenKey);
  if (ctx.depth >= MAX_ROLE_DEPTH)
    throw inputError(`roles depend on each other more than ${MAX_ROLE_DEPTH} levels deep (a loop?)`, where);
  const roleChain = [...chain, { dir, name: ref.name }];
  const inner: Source = { ...s, ctx: { ...ctx, depth: ctx.depth + 1, roleChain }, role: dir };
  // a dependency is named in the role's meta/main.yml: its errors point there
  const depSource: Source = meta.yaml ? { ...inner, src: meta.yaml } : inner;
  const deps = meta.dependencies.flatMap((d, i) => {
    const b = readRole(depSource, roleEntry(meta.yaml!, d, ["dependencies", i]), `${id}/dep${i}`);
    return b ? [b] : [];
  });
  const name = roleName(ref.name);
  const common = readCommon(s.src, ref.entry, ref.path);
  const ownVars = roleVars(s, dir, { part: "vars", file: ref.from.vars, where });
  const vars = {
    ...ownVars,
    ...ref.params,
    ...common.vars,
    role_name: name,
    ansible_role_name: name,
    role_path: dir,
  };
  const defaults = roleVars(s, dir, { part: "defaults", file: ref.from.defaults, where });
  const exported = ctx.play?.roles;
  if (exported && firstTime) {
    // after its dependencies (read above), as Ansible's role.get_default_vars()/get_vars() merge them
    (ctx.depth > 0 ? exported.dependencies : exported.play).push(name);
    Object.assign(exported.defaults, defaults);
    Object.assign(exported.vars, ownVars);
  }
  addRoleHandlers(inner, dir, { from: ref.from.handlers, vars, defaults });
  return {
    kind: "block",
    id,
    name: `role ${name}`,
    ...common,
    vars,
    defaults,
    // as Ansible: the dependencies, then the check of the role's argument spec, then its tasks
    block: [...deps, ...argumentSpecTask(inner, dir, ref, id), ...roleTasks(inner, dir, { ...ref.from, id, where })],
    ...(once ? { roleOnce: once } : {}),
    rescue: [],
    always: [],
    where,
  };
}

/**
 * The role's argument spec for its entry point (tasks_from, else main) as Ansible prepends it: a
 * validate_argument_spec task named after the spec, tagged always, given the spec's options and
 * the role's parameters. The spec is meta/argument_specs.yml (or .yaml), else meta/main.yml's
 * argument_specs; none for the entry point, no task.
 */
function argumentSpecTask(s: Source, dir: string, ref: RoleRef, id: string): Node[] {
  const found = readArgumentSpecs(dir);
  if (!found) return [];
  const entry = ref.from.tasks ?? "main";
  const spec = found.specs[entry];
  if (!isMap(spec)) return [];
  s.ctx.files.add(resolve(found.yaml.file));
  const short = spec.short_description;
  const task = {
    name: `Validating arguments against arg spec '${entry}'${short !== undefined ? ` - ${String(short)}` : ""}`,
    "ansible.builtin.validate_argument_spec": {
      argument_spec: isMap(spec.options) ? spec.options : {},
      provided_arguments: ref.params,
      validate_args_context: { type: "role", name: roleName(ref.name), argument_spec_name: entry, path: dir },
    },
    tags: ["always"],
  };
  return [readNode({ ...s, src: found.yaml }, task, ["argument_specs", entry], `${id}/argspec`)];
}

function readArgumentSpecs(dir: string): { specs: Record<string, unknown>; yaml: YamlSource } | undefined {
  const own = rolePartFile(dir, "meta", "argument_specs");
  const file = own ?? rolePartFile(dir, "meta");
  if (!file) return undefined;
  const yaml = readYamlFile(file);
  const specs = isMap(yaml.data) && isMap(yaml.data.argument_specs) ? yaml.data.argument_specs : undefined;
  return specs ? { specs, yaml } : undefined;
}

/** A role that depends on itself, directly or through others, is refused where it is named again. */
function refuseCycle(chain: { dir: string; name: string }[], role: { dir: string; name: string }, where: Where) {
  const looped = chain.findIndex((r) => r.dir === role.dir);
  if (looped < 0) return;
  const cycle = [...chain.slice(looped).map((r) => r.name), role.name].join(" -> ");
  throw inputError(`a cycle: ${cycle} (roles may not depend on themselves)`, { ...where, field: "dependencies" });
}

/** meta/main.yml: dependencies (with their sources for positions) and allow_duplicates. */
function readMeta(dir: string): { dependencies: unknown[]; allowDuplicates: boolean; yaml?: YamlSource } {
  const file = rolePartFile(dir, "meta");
  if (!file) return { dependencies: [], allowDuplicates: false };
  const y = readYamlFile(file);
  if (y.data !== null && y.data !== undefined && !isMap(y.data))
    throw inputError("a role's meta file must hold a mapping (galaxy_info, dependencies…)", { file, line: 1 });
  const data = isMap(y.data) ? y.data : {};
  const given = data.dependencies;
  // Ansible's words ("Expected role dependencies to be a list."); an empty value is no dependency
  if (given !== undefined && given !== null && !Array.isArray(given))
    throw inputError("Expected role dependencies to be a list.", {
      file,
      ...y.pos(["dependencies"]),
      field: "dependencies",
    });
  const deps = Array.isArray(given) ? given : [];
  return {
    dependencies: deps,
    allowDuplicates: ansibleBoolean(data.allow_duplicates) ?? false,
    yaml: y,
  };
}

/** A role's vars/ or defaults/ file as a mapping (none when the role has no such file). */
function roleVars(s: Source, dir: string, o: { part: string; file?: string; where: ReturnType<typeof at> }) {
  const files = roleVarsFiles(dir, o.part, o.file);
  if (!files.length && o.file) throw inputError(`the role has no ${o.part} file "${o.file}"`, o.where);
  const merged: Record<string, unknown> = {};
  for (const file of files) {
    s.ctx.files.add(resolve(file));
    const y = readYamlFile(file);
    if (y.data !== null && y.data !== undefined && !isMap(y.data))
      throw inputError(`a role's ${o.part} file must hold a mapping`, { file, line: 1 });
    Object.assign(merged, y.data ?? {});
  }
  return merged;
}

function roleTasks(s: Source, dir: string, o: { tasks?: string; id: string; where: ReturnType<typeof at> }): Node[] {
  const file = rolePartFile(dir, "tasks", o.tasks);
  if (!file) {
    if (o.tasks) throw inputError(`the role has no tasks file "${o.tasks}"`, o.where);
    return [];
  }
  return readPartNodes(s, file, { field: "tasks", id: `${o.id}/role` });
}

function readPartNodes(s: Source, file: string, loc: { field: string; id: string }): Node[] {
  s.ctx.files.add(resolve(file));
  const y = readYamlFile(file);
  if (y.data !== null && y.data !== undefined && !Array.isArray(y.data))
    throw inputError(`a role's ${loc.field} file must be a list of tasks`, { file, line: 1 });
  return readNodes({ ...s, src: y, base: dirname(resolve(file)) }, y.data ?? [], { path: [], ...loc });
}

/**
 * The role's handlers join the play's once, with the role's vars and defaults (they run outside
 * the role's block); each also answers to "ROLE : NAME", as in Ansible.
 */
function addRoleHandlers(
  s: Source,
  dir: string,
  o: { from?: string; vars: Record<string, unknown>; defaults: Record<string, unknown> },
): void {
  const { from } = o;
  const play = s.ctx.play!;
  const file = rolePartFile(dir, "handlers", from);
  const key = `${dir}\0${from ?? "main"}`;
  if (!file || play.handlersOf.has(key)) return;
  play.handlersOf.add(key);
  const nodes = handlersOf(readPartNodes(s, file, { field: "handlers", id: `handlers:${dir}` }));
  for (const h of nodes) {
    if (h.kind !== "task" && !h.include)
      throw inputError("handlers must be tasks or task includes, not blocks", { ...h.where, field: "handlers" });
    const scoped = { ...h, vars: { ...o.vars, ...h.vars }, defaults: { ...o.defaults, ...h.defaults } };
    const t: Node =
      scoped.kind === "task" && h.name
        ? { ...scoped, listen: [...scoped.listen, `${roleName(dir)} : ${h.name}`] }
        : scoped;
    play.handlers.push(t);
  }
}

/** include_role's apply: a mapping of task keywords, checked as a task's are. */
function applied(s: Source, spec: Record<string, unknown>, inc: { key: string; path: PathKey[] }) {
  if (spec.apply === undefined) return {};
  const where = at(s.src, [...inc.path, inc.key, "apply"], `${inc.key}.apply`);
  if (!isMap(spec.apply)) throw inputError("apply is a mapping of task keywords (tags, become, when…)", where);
  const keywords = new Set(COMMON_KEYS);
  for (const k of Object.keys(spec.apply))
    if (!keywords.has(k)) throw inputError(`"${k}" is not a task keyword apply can give`, where);
  return spec.apply;
}
