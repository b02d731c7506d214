// Owns loading and validating a playbook into the Play/Node model before anything runs: every
// error names file, line, column and field and suggests the close match for a misspelt module or
// keyword. import_tasks / include_tasks are read here (so they are validated up front too) and
// become blocks; vars_files are read here. Module arguments are checked against each module's
// schema (values that are still templates are checked after they are rendered).
import {
  at,
  becomeMethod,
  bool,
  checkCollections,
  checkRegister,
  connectionKeywords,
  envOf,
  hostOrder,
  type HostOrder,
  isMap,
  kindOf,
  lateOr,
  loopControl,
  plainIssue,
  playHosts,
  positiveInt,
  serialEntry,
  serialProblem,
  strList,
  tagList,
  varsOf,
} from "./load-fields.js";
import { inherit } from "./inherit.js";
import { varsFileName } from "../modules/include_vars.js";
import { ansibleHasArgument, isAnsibleModule } from "../modules/ansible-args.js";
import {
  conditionProblems,
  keywordTemplateProblem,
  loopProblem,
  modeProblem,
  pathValueProblem,
  templateProblems,
} from "./static-checks.js";
import { pathArgNames } from "../modules/path-args.js";
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { closest, inputError, KplayError, type Where } from "../errors.js";
import { findModule, userModuleNames } from "../modules/index.js";
import { ansibleBoolean, ArgTypeError, withAnsibleTypes } from "../modules/arg-types.js";
import { withCanonicalNames } from "../modules/aliases.js";
import { readYamlFile, type PathKey, type YamlSource } from "../yaml-source.js";
import { readTextInput } from "../input-file.js";
import { checkTemplateText } from "../template/render.js";
import { LOOP_KEYWORDS, type LoopKind } from "../engine/loops.js";
import { filesUnder, findSource, searchPath, sourceCandidates } from "./paths.js";
import { nodePathProblem } from "./data.js";
import { readRolesSection, readRoleTask } from "./load-roles.js";
import { ExprError, parseExpr } from "./expr.js";
import { freeFormArgs, keyValues } from "./kv.js";
import {
  allTasks,
  type Block,
  type Inheritable,
  type Node,
  type Play,
  type PlayRoles,
  type Playbook,
  type SourceDirs,
  type Task,
} from "./types.js";
import { checkAnsibleCfg } from "./ansible-cfg.js";

export const COMMON_KEYS = [
  "name",
  "when",
  "become",
  "become_user",
  "become_method",
  "throttle",
  "tags",
  "vars",
  "environment",
  "no_log",
  "ignore_errors",
  "delegate_to",
  "run_once",
  "check_mode",
  "diff",
  "remote_user",
  "connection",
  "module_defaults",
  "any_errors_fatal",
  "collections",
  "ignore_unreachable",
  "port",
  "timeout",
  "debugger",
];
const TASK_KEYS = new Set([
  ...COMMON_KEYS,
  "delegate_facts",
  "undo",
  "register",
  ...LOOP_KEYWORDS,
  "loop_control",
  "notify",
  "listen",
  "changed_when",
  "failed_when",
  "args",
  "until",
  "retries",
  "delay",
  "diff",
  "async",
  "poll",
]);
const BLOCK_KEYS = new Set([...COMMON_KEYS, "block", "rescue", "always"]);
const INCLUDE_KEYS = new Set([
  ...COMMON_KEYS,
  ...LOOP_KEYWORDS,
  "loop_control",
  "args",
  "include_tasks",
  "import_tasks",
  "ansible.builtin.include_tasks",
  "ansible.builtin.import_tasks",
]);
const PLAY_KEYS = new Set([
  "name",
  "hosts",
  "vars",
  "vars_files",
  "become",
  "become_user",
  "become_method",
  "throttle",
  "remote_user",
  "connection",
  "gather_facts",
  "serial",
  "max_fail_percentage",
  "any_errors_fatal",
  "force_handlers",
  "strategy",
  "tags",
  "pre_tasks",
  "roles",
  "tasks",
  "post_tasks",
  "handlers",
  "environment",
  "check_mode",
  "diff",
  "no_log",
  "ignore_errors",
  "ignore_unreachable",
  "module_defaults",
  "collections",
  "order",
  "port",
  "timeout",
  "debugger",
]);
// Ansible keywords kplay does not run yet: refused loudly rather than silently ignored (none now;
// the check stays for the next keyword Ansible adds).
const NOT_YET = new Set<string>();
const MAX_INCLUDE_DEPTH = 20;

interface Ctx {
  files: Set<string>;
  depth: number;
  counter: { n: number };
  playbookDir: string;
  /** The play being read: the handlers its roles bring, and the roles it already runs. */
  play?: PlayLoad;
  /** A playbook with module_defaults anywhere: module arguments are checked when tasks run. */
  moduleDefaults?: boolean;
  /** The roles being read, outermost first, through meta dependencies (a cycle is refused). */
  roleChain?: Array<{ dir: string; name: string }>;
}

interface PlayLoad {
  handlers: Node[];
  /** Role directories whose handlers are in `handlers`. */
  handlersOf: Set<string>;
  /** Roles (directory and parameters) the play's roles: and dependencies already run. */
  seen: Set<string>;
  /** What the play's roles give the whole play (names, defaults, vars). */
  roles: PlayRoles;
}

export function loadPlaybook(file: string): Playbook {
  checkAnsibleCfg();
  const ctx: Ctx = {
    files: new Set([resolve(file)]),
    depth: 0,
    counter: { n: 0 },
    playbookDir: dirname(resolve(file)),
  };
  const plays: Play[] = [];
  readPlaybookFile(file, { ctx, plays, extra: { vars: {}, tags: [] } });
  return { file, dir: dirname(resolve(file)), plays, files: [...ctx.files] };
}

/** Vars and tags an import_playbook gives every play it brings in. */
interface ImportExtra {
  vars: Record<string, unknown>;
  tags: string[];
}

/** A playbook file's plays appended to `into.plays`, its import_playbook entries read in place. */
function readPlaybookFile(file: string, into: { ctx: Ctx; plays: Play[]; extra: ImportExtra }): void {
  const src = readYamlFile(file);
  const data = src.data;
  if (!Array.isArray(data)) {
    throw inputError(
      "a playbook must be a list of plays",
      { file, ...src.pos([]) },
      "start each play with `- hosts: ...`",
    );
  }
  if (data.length === 0) throw inputError("the playbook has no plays", { file, line: 1 });
  data.forEach((p, i) => {
    const key = isMap(p) ? Object.keys(p).find((k) => /^(ansible\.builtin\.)?import_playbook$/.test(k)) : undefined;
    if (key) return readImportPlaybook(src, p as Record<string, unknown>, { key, i, into });
    const play = readPlay(src, p, { at: i, index: into.plays.length }, into.ctx);
    const { vars, tags } = into.extra;
    into.plays.push({ ...play, vars: { ...vars, ...play.vars }, tags: [...new Set([...tags, ...play.tags])] });
  });
}

/** `- import_playbook: other.yml` (with vars and tags): its plays, read relative to the importing file. */
function readImportPlaybook(
  src: YamlSource,
  raw: Record<string, unknown>,
  o: { key: string; i: number; into: { ctx: Ctx; plays: Play[]; extra: ImportExtra } },
): void {
  const { key, i, into } = o;
  for (const k of Object.keys(raw))
    if (![key, "name", "vars", "tags"].includes(k))
      throw inputError(`"${k}" is not supported on import_playbook`, at(src, [i, k], k, true), "use vars or tags");
  const name = raw[key];
  if (typeof name !== "string" || !name || name.includes("{{"))
    throw inputError(`${key} needs a playbook file name (not a template)`, at(src, [i, key], key));
  const full = resolve(dirname(resolve(src.file)), name);
  if (!existsSync(full)) throw inputError(`playbook ${name} not found`, at(src, [i, key], key));
  if (into.ctx.depth >= MAX_INCLUDE_DEPTH)
    throw inputError(`playbooks import each other more than ${MAX_INCLUDE_DEPTH} levels deep (a loop?)`, at(src, [i]));
  into.ctx.files.add(full);
  const extra = {
    vars: { ...into.extra.vars, ...varsOf(src, raw.vars, [i, "vars"]) },
    tags: [...into.extra.tags, ...strList(raw.tags)],
  };
  const ctx = { ...into.ctx, depth: into.ctx.depth + 1, playbookDir: dirname(full) };
  readPlaybookFile(full, { ctx, plays: into.plays, extra });
}

/**
 * Where nodes are read from: the YAML source, the directory task files resolve against, the
 * role the file belongs to (its directory), and the shared context.
 */
export interface Source {
  src: YamlSource;
  base: string;
  ctx: Ctx;
  role?: string;
}

/** What loading a play gathers beside its tasks: handlers, roles seen, what its roles export. */
function newPlayLoad(): PlayLoad {
  const roles: PlayRoles = { play: [], dependencies: [], defaults: {}, vars: {} };
  return { handlers: [], handlersOf: new Set(), seen: new Set(), roles };
}

/** A play; `pos.at` is its place in the file, `pos.index` its place in the whole (imported) playbook. */
function readPlay(src: YamlSource, raw: unknown, pos: { at: number; index: number }, playbookCtx: Ctx): Play {
  const { index } = pos;
  const ctx: Ctx = { ...playbookCtx, play: newPlayLoad() };
  const roleExports = ctx.play!.roles;
  const path: PathKey[] = [pos.at];
  assertPlayMapping(src, raw, path);
  for (const k of Object.keys(raw)) checkKey(src, k, PLAY_KEYS, { path: [...path, k], what: "play" });
  if (raw.hosts === undefined || raw.hosts === null)
    throw inputError("a play needs hosts", at(src, path, "hosts"), "e.g. hosts: all");
  const hosts = playHosts(raw.hosts, at(src, path, "hosts"));
  const vars = varsOf(src, raw.vars, [...path, "vars"]);
  const varsFiles = readVarsFiles(src, raw.vars_files, [...path, "vars_files"], ctx);
  const s: Source = { src, base: dirname(resolve(src.file)), ctx };
  if (raw.module_defaults !== undefined) ctx.moduleDefaults = true;
  const section = (field: string) =>
    readNodes(s, raw[field], { path: [...path, field], field, id: `${index}/${field}` });
  const ownHandlers = handlersOf(section("handlers"));
  for (const h of ownHandlers)
    if (h.kind !== "task" && !h.include)
      throw inputError("handlers must be tasks or task includes, not blocks", { ...h.where, field: "handlers" });
  // roles run after pre_tasks (and their handlers), before tasks: Ansible's order
  const preTasks = section("pre_tasks");
  const roles = readRolesSection(s, raw.roles, { path: [...path, "roles"], id: `${index}/roles` });
  const sections = { preTasks, tasks: [...roles, ...section("tasks")], postTasks: section("post_tasks") };
  // a role's handlers come before the play's own, as in Ansible
  const handlerTasks: Node[] = [...ctx.play!.handlers, ...ownHandlers];
  checkNotify([...sections.preTasks, ...sections.tasks, ...sections.postTasks, ...handlerTasks], handlerTasks);
  checkCollections(src, raw.collections, path);
  const taskDefaults = playTaskDefaults(src, raw, path);
  const playLate: Record<string, string> = {};
  const pb = (key: string) => lateOr(raw[key], key, playLate, () => bool(src, raw[key], [...path, key]));
  const strategy = readStrategy(src, raw, path, playLate);
  return {
    index,
    name: raw.name !== undefined ? String(raw.name) : hosts.join(","),
    hosts,
    vars: { ...vars, ...varsFiles.data },
    varsFiles: varsFiles.files,
    become: bool(src, raw.become, [...path, "become"]),
    becomeUser: raw.become_user !== undefined ? String(raw.become_user) : undefined,
    ...becomeMethod(src, raw.become_method, [...path, "become_method"]),
    throttle: positiveInt(src, raw.throttle, [...path, "throttle"]),
    ...connectionKeywords(src, raw, path, playLate),
    gatherFacts: pb("gather_facts") ?? true,
    serial: readSerial(src, raw.serial, { path: [...path, "serial"], late: playLate }),
    maxFailPercentage: readMaxFail(src, raw.max_fail_percentage, [...path, "max_fail_percentage"]),
    anyErrorsFatal: pb("any_errors_fatal") ?? false,
    forceHandlers: pb("force_handlers") ?? false,
    strategy,
    ...orderOf(hostOrder(src, raw.order, path)),
    tags: tagList(src, raw.tags, [...path, "tags"]),
    environment: envOf(src, raw.environment, [...path, "environment"]),
    ...taskDefaults,
    ...lateKeywords(taskDefaults.late, playLate),
    ...sections,
    handlers: handlerTasks,
    roles: roleExports,
    dir: ctx.playbookDir,
    where: at(src, path),
  };
}

const orderOf = (order: HostOrder | undefined) => (order && order !== "inventory" ? { order } : {});

/** linear or free (a template: rendered when the play starts). */
function readStrategy(
  src: YamlSource,
  raw: Record<string, unknown>,
  path: PathKey[],
  late: Record<string, string>,
): "linear" | "free" {
  const strategy = lateOr(raw.strategy, "strategy", late, () => raw.strategy) ?? "linear";
  if (strategy !== "linear" && strategy !== "free") {
    throw inputError(
      `unknown strategy ${JSON.stringify(strategy)}`,
      at(src, [...path, "strategy"], "strategy"),
      "use linear or free",
    );
  }
  return strategy;
}

/** Task keywords a play sets for all its tasks. */
function playTaskDefaults(src: YamlSource, raw: Record<string, unknown>, path: PathKey[]) {
  const late: Record<string, string> = {};
  const kb = (key: string) => lateOr(raw[key], key, late, () => bool(src, raw[key], [...path, key]));
  return {
    checkMode: kb("check_mode"),
    diff: kb("diff"),
    noLog: kb("no_log"),
    ignoreErrors: kb("ignore_errors"),
    ignoreUnreachable: kb("ignore_unreachable"),
    ...moduleDefaultsOf(src, raw.module_defaults, [...path, "module_defaults"]),
    ...(Object.keys(late).length ? { late } : {}),
  };
}

/** Where a task's files are looked for: its role, the roles that depend on it (nearest first), its file's dir. */
function sourceDirs(s: Source): SourceDirs {
  const parents = (s.ctx.roleChain ?? []).map((r) => r.dir).filter((d) => d !== s.role);
  return { ...(s.role ? { role: s.role, parents: parents.reverse() } : {}), taskDir: s.base };
}

/** Every notify must name a handler (or listen topic) of the play. */
function checkNotify(nodes: Node[], handlers: Node[]): void {
  const topics = new Set<string>();
  for (const h of handlers) {
    if (h.name) topics.add(h.name);
    if (h.kind === "task") h.listen.forEach((l) => topics.add(l));
  }
  for (const n of allTasks(nodes)) {
    for (const name of n.notify) {
      if (topics.has(name)) continue;
      const hint = closest(name, topics);
      throw inputError(
        `notify names a handler "${name}" that this play does not define`,
        { ...n.where, field: "notify" },
        hint ? `did you mean "${hint}"?` : undefined,
      );
    }
  }
}

/** serial: a batch size, a percentage or a list of them; a template is read when the play starts. */
function readSerial(
  src: YamlSource,
  raw: unknown,
  o: { path: PathKey[]; late: Record<string, string> },
): Array<number | string> {
  const { path, late } = o;
  if (raw === undefined || raw === null) return [];
  if (lateOr(raw, "serial", late, () => true) === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((s, i) => {
    const entry = serialEntry(s);
    if (entry !== undefined) return entry;
    throw inputError(serialProblem(s), at(src, Array.isArray(raw) ? [...path, i] : path, "serial"));
  });
}

function readMaxFail(src: YamlSource, raw: unknown, path: PathKey[]): number | undefined {
  if (raw === undefined) return undefined;
  const v = typeof raw === "string" ? parseFloat(raw) : raw;
  if (typeof v !== "number" || Number.isNaN(v) || v < 0 || v > 100)
    throw inputError("max_fail_percentage must be a number from 0 to 100", at(src, path, "max_fail_percentage"));
  return v;
}

function readVarsFiles(
  src: YamlSource,
  raw: unknown,
  path: PathKey[],
  ctx: Ctx,
): { data: Record<string, unknown>; files: string[] } {
  if (raw === undefined || raw === null) return { data: {}, files: [] };
  const list = Array.isArray(raw) ? raw : [raw];
  const data: Record<string, unknown> = {};
  const files: string[] = [];
  list.forEach((f, i) => {
    if (typeof f !== "string")
      throw inputError("vars_files entries must be file names", at(src, [...path, i], "vars_files"));
    if (f.includes("{{"))
      throw inputError("templated vars_files names are not supported", at(src, [...path, i], "vars_files"));
    const full = isAbsolute(f) ? f : join(dirname(resolve(src.file)), f);
    if (!existsSync(full))
      throw inputError(`vars file ${f} not found`, at(src, Array.isArray(raw) ? [...path, i] : path, "vars_files"));
    const vs = readYamlFile(full, f);
    if (vs.data !== null && vs.data !== undefined && !isMap(vs.data))
      throw inputError("a vars file must hold a mapping", { file: f, line: 1 });
    Object.assign(data, vs.data ?? {});
    files.push(full);
    ctx.files.add(full);
  });
  return { data, files };
}

export function readNodes(s: Source, raw: unknown, loc: { path: PathKey[]; field: string; id: string }): Node[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw inputError(`${loc.field} must be a list of tasks`, at(s.src, loc.path, loc.field));
  return raw.map((t, i) => readNode(s, t, [...loc.path, i], `${loc.id}/${i}`));
}

export function readCommon(src: YamlSource, raw: Record<string, any>, path: PathKey[]): Inheritable {
  const when = raw.when === undefined ? [] : Array.isArray(raw.when) ? raw.when : [raw.when];
  when.forEach((w, i) => checkExpr(src, w, Array.isArray(raw.when) ? [...path, "when", i] : [...path, "when"], "when"));
  checkCollections(src, raw.collections, path);
  const late: Record<string, string> = {};
  const kb = (key: string) => lateOr(raw[key], key, late, () => bool(src, raw[key], [...path, key]));
  return {
    when,
    become: kb("become"),
    becomeUser: raw.become_user !== undefined ? String(raw.become_user) : undefined,
    ...becomeMethod(src, raw.become_method, [...path, "become_method"]),
    throttle: positiveInt(src, raw.throttle, [...path, "throttle"]),
    ...connectionKeywords(src, raw, path, late),
    diff: kb("diff"),
    tags: tagList(src, raw.tags, [...path, "tags"]),
    vars: varsOf(src, raw.vars, [...path, "vars"]),
    environment: envOf(src, raw.environment, [...path, "environment"]),
    noLog: kb("no_log"),
    ignoreErrors: kb("ignore_errors"),
    ignoreUnreachable: kb("ignore_unreachable"),
    anyErrorsFatal: kb("any_errors_fatal"),
    delegateTo: raw.delegate_to !== undefined ? String(raw.delegate_to) : undefined,
    runOnce: kb("run_once"),
    checkMode: kb("check_mode"),
    ...moduleDefaultsOf(src, raw.module_defaults, [...path, "module_defaults"]),
    ...(Object.keys(late).length ? { late } : {}),
  };
}

/**
 * module_defaults: per module (its name, ansible.builtin.NAME or ansible.legacy.NAME), arguments
 * a task of that module gets unless it gives its own. A list of such mappings is merged in order.
 */
function moduleDefaultsOf(
  src: YamlSource,
  v: unknown,
  path: PathKey[],
): { moduleDefaults?: Record<string, Record<string, unknown>> } {
  if (v === undefined || v === null) return {};
  const out: Record<string, Record<string, unknown>> = {};
  for (const [i, m] of (Array.isArray(v) ? v : [v]).entries()) {
    const where = Array.isArray(v) ? [...path, i] : path;
    if (!isMap(m))
      throw inputError("module_defaults must map module names to arguments", at(src, where, "module_defaults"));
    for (const [name, args] of Object.entries(m)) {
      if (!isMap(args))
        throw inputError(`module_defaults.${name} must be a mapping of arguments`, at(src, [...where, name], name));
      const key = name.replace(/^ansible\.(builtin|legacy)\./, "");
      out[key] = { ...args }; // named again: the later mapping replaces it, as Ansible updates a dict
    }
  }
  return { moduleDefaults: out };
}

export function readNode(s: Source, raw: unknown, path: PathKey[], id: string): Node {
  const src = s.src;
  const where = at(src, path);
  if (!isMap(raw)) throw inputError("a task must be a mapping (name, a module, and options)", where);
  if ("action" in raw || "local_action" in raw) return readNode(s, actionAsModule(s, raw, path), path, id);
  const fqcnLoop = Object.keys(raw).find((k) => FQCN_LOOP.test(k));
  const renamed = fqcnLoop ? loopByShortName(raw, fqcnLoop) : raw;
  if (renamed !== raw) return readNode(s, renamed, path, id);
  if ("block" in raw) return readBlock(s, raw, path, id);
  const inc = Object.keys(raw).find((k) => /^(ansible\.builtin\.)?(include_tasks|import_tasks)$/.test(k));
  if (inc) return readInclude(s, raw, { key: inc, path }, id);
  const roleKey = Object.keys(raw).find((k) => /^(ansible\.builtin\.)?(include_role|import_role)$/.test(k));
  if (roleKey) return readRoleTask(s, raw, { key: roleKey, path }, id);
  for (const k of ["rescue", "always"])
    if (k in raw)
      throw inputError(`"${k}" belongs to a block`, at(src, [...path, k], k, true), "put the tasks under block:");
  return readTask(s, raw, path, id);
}

function readBlock(s: Source, raw: Record<string, any>, path: PathKey[], id: string): Block {
  const src = s.src;
  for (const k of Object.keys(raw)) checkKey(src, k, BLOCK_KEYS, { path: [...path, k], what: "block" });
  if (raw.module_defaults !== undefined) s.ctx.moduleDefaults = true;
  const part = (field: string) => readNodes(s, raw[field], { path: [...path, field], field, id: `${id}/${field}` });
  return {
    kind: "block",
    id,
    name: raw.name !== undefined ? String(raw.name) : undefined,
    ...readCommon(src, raw, path),
    block: part("block"),
    rescue: part("rescue"),
    always: part("always"),
    where: at(src, path),
  };
}

function readInclude(s: Source, raw: Record<string, any>, inc: { key: string; path: PathKey[] }, id: string): Block {
  const { src, base, ctx } = s;
  const { key, path } = inc;
  for (const k of Object.keys(raw)) checkKey(src, k, INCLUDE_KEYS, { path: [...path, k], what: "include" });
  const spec = raw[key];
  // `include_tasks: file=x.yml` as key=value words, as Ansible takes it too
  const kv = typeof spec === "string" && /^\s*file=/.test(spec) ? keyValues(spec).args : undefined;
  const file = isMap(spec) ? spec.file : (kv?.file ?? spec);
  if (typeof file !== "string" || !file)
    throw inputError(`${key} needs a task file name`, at(src, [...path, key], key));
  const looped = LOOP_KEYWORDS.some((k) => raw[k] !== undefined);
  if (!key.endsWith("include_tasks")) staticImportOnly(src, { file, looped, key, path });
  // a looped include reads its file per item when the play gets there, as Ansible's does
  if (file.includes("{{") || looped)
    return dynamicInclude(s, raw, { file, path, id, key, where: at(src, [...path, key], key) });
  const full = isAbsolute(file) ? file : (taskFileCandidates(base, s.role, file).find(existsSync) ?? join(base, file));
  if (!existsSync(full)) throw inputError(`task file ${file} not found`, at(src, [...path, key], key));
  if (ctx.depth >= MAX_INCLUDE_DEPTH)
    throw inputError(
      `task files include each other more than ${MAX_INCLUDE_DEPTH} levels deep (a loop?)`,
      at(src, [...path, key], key),
    );
  ctx.files.add(resolve(full));
  const inner = readYamlFile(full);
  if (inner.data !== null && !Array.isArray(inner.data))
    throw inputError("a task file must be a list of tasks", { file: full, line: 1 });
  const sub: Ctx = { ...ctx, depth: ctx.depth + 1 };
  const [dynamic, where] = [key.endsWith("include_tasks"), at(src, [...path, key], key)];
  let nodes: Node[];
  try {
    nodes = readNodes({ src: inner, base: dirname(resolve(full)), ctx: sub, role: s.role }, inner.data ?? [], {
      path: [],
      field: "tasks",
      id: `${id}/include`,
    });
  } catch (e) {
    // Ansible reads an include_tasks file only when a host gets there: a conditional include of
    // a file kplay cannot run (another platform's modules) fails only the hosts that take it;
    // an unconditional one is bad input now
    if (!dynamic || raw.when === undefined || !(e instanceof KplayError) || e.kind !== "input") throw e;
    return dynamicInclude(s, raw, { file, path, id, key, where });
  }
  const kw = dynamic ? includeKeywords(src, raw, { key, path }) : undefined;
  const marker = kw ? [{ ...includeMarker(s, { file, id, where, name: raw.name }), ...kw.own }] : [];
  return {
    kind: "block",
    id,
    name: raw.name !== undefined ? String(raw.name) : `${key.replace(/^ansible\.builtin\./, "")} ${file}`,
    ...(kw ? kw.tasks : readCommon(src, raw, path)),
    include: true,
    block: [...marker, ...nodes],
    rescue: [],
    always: [],
    where: at(src, path),
  };
}

/** import_tasks is read at load: its file name cannot be a template, nor can it loop. */
function staticImportOnly(src: YamlSource, o: { file: string; looped: boolean; key: string; path: PathKey[] }): void {
  if (o.file.includes("{{"))
    throw inputError(
      `import_tasks reads its file when the playbook loads: the name cannot be a template`,
      at(src, [...o.path, o.key], o.key),
      "use include_tasks",
    );
  if (o.looped)
    throw inputError(
      `import_tasks cannot loop: it is read when the playbook loads`,
      at(src, o.path),
      "use include_tasks",
    );
}

/** Where an included task file is looked for: beside the including file, its tasks/, the role's tasks/. */
function taskFileCandidates(base: string, role: string | undefined, file: string): string[] {
  return [join(base, file), join(base, "tasks", file), ...(role ? [join(role, "tasks", file)] : [])];
}

/** An include_tasks whose file name is a template: its block holds the marker, the file is read at run time. */
function dynamicInclude(
  s: Source,
  raw: Record<string, any>,
  o: { file: string; path: PathKey[]; id: string; key: string; where: Where },
): Block {
  const kw = includeKeywords(s.src, raw, o);
  const marker = {
    ...includeMarker(s, { file: o.file, id: o.id, where: o.where, name: raw.name }),
    ...kw.own,
    ...readLoop(s.src, raw, o.path),
    dynamicInclude: true,
  };
  return {
    kind: "block",
    id: o.id,
    name: raw.name !== undefined ? String(raw.name) : `include_tasks ${o.file}`,
    ...kw.tasks,
    include: true,
    block: [marker],
    rescue: [],
    always: [],
    where: at(s.src, o.path),
  };
}

/**
 * include_tasks' keywords as Ansible uses them: its own (when, tags, become…) are the include's
 * task's, evaluated once for it; its tasks get only its vars and what `apply` gives them
 * (`include_tasks: {file, apply}` or `args: {apply}`).
 */
function includeKeywords(
  src: YamlSource,
  raw: Record<string, any>,
  o: { key: string; path: PathKey[] },
): { own: Inheritable; tasks: Inheritable } {
  const spec = raw[o.key];
  const apply = (isMap(spec) ? spec.apply : undefined) ?? (isMap(raw.args) ? raw.args.apply : undefined);
  const where = at(src, [...o.path, o.key], `${o.key}.apply`);
  if (apply !== undefined && !isMap(apply))
    throw inputError("apply is a mapping of task keywords (tags, become…)", where);
  for (const k of Object.keys(apply ?? {}))
    if (!COMMON_KEYS.includes(k)) throw inputError(`"${k}" is not a task keyword apply can give`, where);
  const own = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== "vars" && k !== "args"));
  const given = { ...(raw.vars !== undefined ? { vars: raw.vars } : {}), ...(apply ?? {}) };
  return { own: readCommon(src, own, o.path), tasks: readCommon(src, given, o.path) };
}

/**
 * An include's file that is not there or may not be read: the hosts that reach it fail (Ansible's
 * "Could not find or access"). Any other error in the file (YAML, an unknown module) stops the
 * whole run when it is read, as Ansible's parser error does.
 */
export class IncludeRefused extends KplayError {
  constructor(message: string, file: string) {
    super("input", message, { where: { file } });
  }
}

/**
 * The tasks of a file an include_tasks names at run time (its name was a template), read as the
 * loader reads any task file; `from` is where the include was written.
 */
export function loadIncludedTasks(
  file: string,
  from: { dirs: SourceDirs; playbookDir: string; id: string; namedByNode?: boolean },
): Node[] {
  const base = from.dirs.taskDir;
  const full = isAbsolute(file)
    ? file
    : (taskFileCandidates(base, from.dirs.role, file).find(existsSync) ?? join(base, file));
  if (!existsSync(full)) throw new IncludeRefused(`task file ${file} not found`, full);
  // a name from a node's data may only choose among the playbook's and role's own task files
  const why = from.namedByNode ? nodePathProblem(full, searchPath(from.dirs, from.playbookDir)) : undefined;
  if (why) throw new IncludeRefused(why, full);
  const inner = readYamlFile(full);
  if (inner.data !== null && !Array.isArray(inner.data))
    throw inputError("a task file must be a list of tasks", { file: full, line: 1 });
  const play = newPlayLoad();
  const ctx: Ctx = { files: new Set([full]), depth: 1, counter: { n: 0 }, playbookDir: from.playbookDir, play };
  const s: Source = {
    src: inner,
    base: dirname(resolve(full)),
    ctx,
    ...(from.dirs.role ? { role: from.dirs.role } : {}),
  };
  return readNodes(s, inner.data ?? [], { path: [], field: "tasks", id: `${from.id}:${file}` });
}

/** The task an include_tasks reports as, first in its block (modules/control.ts says why). */
function includeMarker(s: Source, o: { file: string; id: string; where: Where; name?: unknown }): Task {
  return {
    kind: "task",
    id: `${o.id}/included`,
    // its own name when it has one, as Ansible shows it (a skipped include is listed by it)
    name: o.name !== undefined && o.name !== null ? String(o.name) : `include_tasks ${o.file}`,
    module: "include_tasks",
    args: { file: o.file },
    when: [],
    tags: [],
    vars: {},
    loopKind: "loop",
    loopVar: "item",
    notify: [],
    listen: [],
    dirs: sourceDirs(s),
    where: o.where,
  };
}

/** `with_community.general.flattened`, `with_ansible.builtin.items`: a with_ loop named by its lookup's FQCN. */
const FQCN_LOOP = /^with_(ansible\.builtin|ansible\.legacy|community\.general)\.(\w+)$/;

/** The task with its FQCN with_ loop under the short name kplay knows it by (unknown ones stay, refused). */
function loopByShortName(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const short = `with_${FQCN_LOOP.exec(key)![2]}`;
  if (!(LOOP_KEYWORDS as readonly string[]).includes(short) || short in raw) return raw;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k === key ? short : k, v]));
}

/**
 * The older spellings `action: MODULE ARGS` and `local_action: MODULE ARGS` (or a mapping with
 * `module:`) as the module key they stand for; local_action also delegates to localhost.
 */
function actionAsModule(s: Source, raw: Record<string, any>, path: PathKey[]): Record<string, any> {
  const key = "action" in raw ? "action" : "local_action";
  const { [key]: spec, ...rest } = raw;
  const where = at(s.src, [...path, key], key);
  let module: unknown;
  let args: unknown;
  if (typeof spec === "string") {
    // the module word may be a template with spaces inside ({{ ansible_facts.pkg_mgr }})
    const m = /^\s*((?:[^\s{]|\{\{[\s\S]*?\}\}|\{(?!\{))+)\s*([\s\S]*)$/.exec(spec);
    [module, args] = [m?.[1], m?.[2] ? m[2] : null];
  } else if (isMap(spec)) {
    const { module: name, ...more } = spec;
    [module, args] = [name, more];
  }
  if (typeof module !== "string" || !module) throw inputError(`${key} needs a module name`, where);
  // action: "{{ ansible_facts.pkg_mgr }}": the module is known when the task runs (templated_action)
  if (module.includes("{{")) {
    const given = typeof args === "string" ? keyValues(args).args : isMap(args) ? args : {};
    const local = key === "local_action" ? { delegate_to: "localhost" } : {};
    return { ...rest, templated_action: { ...given, module }, ...local };
  }
  if (module in rest) throw inputError(`a task runs one module, found "${module}" twice`, where);
  return { ...rest, [module]: args, ...(key === "local_action" ? { delegate_to: "localhost" } : {}) };
}

/** The one module key of a task; every other key must be a task keyword. */
function taskModuleKey(src: YamlSource, raw: Record<string, any>, path: PathKey[]): string {
  let moduleKey: string | undefined;
  for (const k of Object.keys(raw)) {
    if (TASK_KEYS.has(k)) continue;
    if (NOT_YET.has(k))
      throw inputError(`"${k}" is an Ansible keyword kplay does not support yet`, at(src, [...path, k], k, true));
    if (findModule(k)) {
      if (moduleKey)
        throw inputError(`a task runs one module, found "${moduleKey}" and "${k}"`, at(src, [...path, k], k, true));
      moduleKey = k;
      continue;
    }
    const hint = closest(k, [...userModuleNames(), ...TASK_KEYS]);
    throw inputError(
      `unknown module or task keyword "${k}"`,
      at(src, [...path, k], k, true),
      hint ? `did you mean "${hint}"?` : `modules: ${userModuleNames().join(", ")}`,
    );
  }
  if (!moduleKey)
    throw inputError("the task names no module", at(src, path), `modules: ${userModuleNames().join(", ")}`);
  return moduleKey;
}

/** Controller files a task sends (templates, copy/script/unarchive sources) join the step's fingerprint. */
function noteSourceFiles(
  s: Source,
  task: { module: string; args: Record<string, unknown>; strict: boolean },
  where: Where,
): void {
  const { module, args } = task;
  if (module === "include_vars") return noteVarsFile(s, task);
  if (module === "template" && typeof args.src === "string" && !args.src.includes("{{")) {
    const ownMarkers = Object.keys(args).some((k) => k.endsWith("_start_string") || k.endsWith("_end_string"));
    s.ctx.files.add(checkTemplateFile(args.src, s, where, { names: !ownMarkers }));
  } else if (
    ["copy", "script", "unarchive"].includes(module) &&
    typeof (args.src ?? args.cmd) === "string" &&
    ansibleBoolean(args.remote_src) !== true
  ) {
    // (when they can be found now; a directory copy: every file in it)
    const name = module === "script" ? String(args.cmd).trim().split(/\s+/)[0] : String(args.src);
    if (!name.includes("{{")) {
      const found = findSource(sourceDirs(s), s.ctx.playbookDir, name);
      if (found) for (const f of statSync(found).isDirectory() ? filesUnder(found) : [found]) s.ctx.files.add(f);
    }
  }
}

function readTask(s: Source, written: Record<string, any>, path: PathKey[], id: string): Task {
  const raw = withUnimplemented(written);
  const src = s.src;
  const where = at(src, path);
  const moduleKey = taskModuleKey(src, raw, path);
  const mod = findModule(moduleKey)!;
  const modPath = [...path, moduleKey];
  const given = moduleArgs(src, raw[moduleKey], raw.args, {
    freeForm: mod.freeForm,
    path: modPath,
    name: moduleKey,
    schema: mod.schema,
  });
  const args = withCanonicalNames(mod.name, given);
  // A task whose failure the playbook ignores is checked when it runs, as Ansible checks every
  // task: its bad arguments are a failure the playbook expects (Ansible's own tests do this).
  // (module_defaults around the task may give arguments it leaves out: checked when it runs too)
  const strict = ansibleBoolean(raw.ignore_errors) !== true;
  if (strict && !s.ctx.moduleDefaults && raw.module_defaults === undefined)
    validateArgs(src, mod.schema, args, { path: modPath, name: moduleKey });
  if (strict) checkTaskStatically(src, raw, { args, module: mod.name, moduleKey, path });
  noteSourceFiles(s, { module: mod.name, args, strict }, at(src, modPath, `${moduleKey}.src`));

  for (const k of ["changed_when", "failed_when", "until"])
    if (raw[k] !== undefined) checkExpr(src, raw[k], [...path, k], k);
  const loopControl = raw.loop_control;
  if (loopControl !== undefined && !isMap(loopControl))
    throw inputError("loop_control must be a mapping", at(src, [...path, "loop_control"], "loop_control"));
  checkRegister(src, raw.register, path);
  const numLate: Record<string, string> = {};
  const num = (k: string): number | undefined => {
    if (raw[k] === undefined) return undefined;
    if (lateOr(raw[k], k, numLate, () => true) === undefined) return undefined; // a template: rendered when it runs
    const v = Number(raw[k]);
    if (!Number.isFinite(v) || v < 0) throw inputError(`${k} must be a non-negative number`, at(src, [...path, k], k));
    return v;
  };
  const common = readCommon(src, raw, path);
  return {
    kind: "task",
    id,
    name: raw.name !== undefined ? String(raw.name) : undefined,
    module: mod.name,
    args,
    ...common,
    register: raw.register !== undefined ? String(raw.register) : undefined,
    ...readLoop(src, raw, path),
    ...(raw.delegate_facts !== undefined
      ? { delegateFacts: bool(src, raw.delegate_facts, [...path, "delegate_facts"]) }
      : {}),
    notify: strList(raw.notify),
    listen: strList(raw.listen),
    changedWhen: raw.changed_when,
    failedWhen: raw.failed_when,
    until: raw.until,
    retries: num("retries") ?? (raw.until !== undefined && !numLate.retries ? 3 : undefined),
    delay: num("delay") ?? (raw.until !== undefined && !numLate.delay ? 5 : undefined),
    undo: undoScript(src, raw, path),
    ...(raw.async !== undefined ? { asyncSeconds: num("async"), poll: num("poll") ?? 10 } : {}),
    dirs: sourceDirs(s),
    where: { ...where, field: moduleKey },
    // retries and delay written as templates join the task's other late keywords
    ...lateKeywords(common.late, numLate),
  };
}

function lateKeywords(...parts: Array<Record<string, string> | undefined>): { late?: Record<string, string> } {
  const late = Object.assign({}, ...parts.filter(Boolean)) as Record<string, string>;
  return Object.keys(late).length ? { late } : {};
}

function undoScript(src: YamlSource, raw: Record<string, unknown>, path: PathKey[]): string | undefined {
  if (raw.undo === undefined) return undefined;
  if (typeof raw.undo !== "string" || !raw.undo.trim())
    throw inputError(
      "undo must be a shell script (a string) that reverts what the task changed",
      at(src, [...path, "undo"], "undo"),
    );
  return raw.undo;
}

/** The task's loop: one of loop / with_*, and loop_control (loop_var, label, index_var, pause). */
function readLoop(src: YamlSource, raw: Record<string, unknown>, path: PathKey[]) {
  const kinds = LOOP_KEYWORDS.filter((k) => raw[k] !== undefined);
  if (kinds.length > 1)
    throw inputError(
      `a task loops with one keyword, got ${kinds.join(" and ")}`,
      at(src, [...path, kinds[1]], kinds[1]),
    );
  const lc = loopControl(src, raw.loop_control, [...path, "loop_control"]);
  const pause = lc.pause === undefined ? undefined : Number(lc.pause);
  if (pause !== undefined && !(pause >= 0))
    throw inputError(
      "loop_control.pause must be a number of seconds",
      at(src, [...path, "loop_control"], "loop_control"),
    );
  return {
    loop: kinds.length ? raw[kinds[0]] : undefined,
    loopKind: (kinds[0] ?? "loop") as LoopKind,
    loopVar: typeof lc.loop_var === "string" ? lc.loop_var : "item",
    loopLabel: lc.label !== undefined ? String(lc.label) : undefined,
    loopIndexVar: typeof lc.index_var === "string" ? lc.index_var : undefined,
    loopPause: pause,
    ...(lc.extended !== undefined
      ? { loopExtended: bool(src, lc.extended, [...path, "loop_control", "extended"]) }
      : {}),
  };
}

/** A template named literally must exist and parse (errors point into the template file). */
function checkTemplateFile(name: string, s: Source, where: Where, o: { names: boolean }): string {
  const candidates = sourceCandidates(sourceDirs(s), s.ctx.playbookDir, name);
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw inputError(`template ${name} not found (looked in ${candidates.join(", ")})`, where);
  const text = readTextInput(found); // a binary or UTF-16 file is named as such
  checkTemplateText(text, found);
  // a filter, test or lookup no Ansible has: in a Jinja file with Jinja's own markers (not kplay's
  // Handlebars templates, not a #jinja2: override or the task's own *_start_string)
  if (!o.names || found.endsWith(".hbs") || text.startsWith("#jinja2:")) return found;
  const problem = templateProblems(text, found)[0];
  if (problem) throw inputError(problem, { file: found });
  return found;
}

/** `command: ls -l`, `file: path=/x state=directory`, or a mapping; `args:` merges in. */
function moduleArgs(
  src: YamlSource,
  value: unknown,
  extra: unknown,
  spec: { freeForm: string | undefined; path: PathKey[]; name: string; schema: z.ZodTypeAny },
): Record<string, unknown> {
  const { freeForm, path, name } = spec;
  let args: Record<string, unknown>;
  if (value === null || value === undefined) args = {};
  else if (isMap(value)) args = { ...value };
  else if (typeof value === "string") {
    args = freeForm ? { [freeForm]: value } : parseKeyValues(value, at(src, path, name));
  } else
    throw inputError(
      `arguments of ${name} must be a mapping${freeForm ? " or a command string" : ""}`,
      at(src, path, name),
    );
  if (freeForm && typeof value === "string") {
    // Ansible lets free-form commands carry key=value options (chdir=, creates=, removes=…)
    const own = Object.keys(schemaShape(spec.schema)).filter((k) => FREE_FORM_OPTIONS.has(k));
    const f = splitOrInputError(() => freeFormArgs(value, new Set(own)), at(src, path, name));
    args = { ...f.args, [freeForm]: f.command };
  }
  if (extra !== undefined) {
    if (!isMap(extra)) throw inputError("args must be a mapping", at(src, [...path.slice(0, -1), "args"], "args"));
    args = { ...args, ...extra };
  }
  return args;
}

/** The options a free-form command may carry as key=value words (Ansible's command/shell/script/raw). */
const FREE_FORM_OPTIONS = new Set([
  "chdir",
  "creates",
  "removes",
  "executable",
  "stdin",
  "stdin_add_newline",
  "strip_empty_ends",
]);

/** Unbalanced quotes or {{ }} in a key=value string are bad input, named where they are. */
function splitOrInputError<T>(split: () => T, where: Where): T {
  try {
    return split();
  } catch (e) {
    throw inputError((e as Error).message, where);
  }
}

function parseKeyValues(s: string, where: Where): Record<string, unknown> {
  const r = splitOrInputError(() => keyValues(s), where);
  if (r.bad !== undefined) throw inputError(`cannot read "${r.bad}" as key=value arguments`, where);
  return r.args;
}

function validateArgs(
  src: YamlSource,
  schema: z.ZodTypeAny,
  args: Record<string, unknown>,
  loc: { path: PathKey[]; name: string },
): void {
  const { path, name } = loc;
  let typed: Record<string, unknown>;
  try {
    typed = withAnsibleTypes(schema, args);
  } catch (e) {
    if (!(e instanceof ArgTypeError)) throw e;
    const arg = /argument '([^']+)'/.exec(e.message)?.[1];
    throw inputError(e.message, at(src, arg ? [...path, arg] : path, arg ? `${name}.${arg}` : name, !arg));
  }
  const r = schema.safeParse(typed);
  if (r.success) return;
  for (const issue of r.error.issues) {
    const ipath = issue.path as PathKey[];
    const value = ipath.reduce<unknown>(
      (o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k as string] : undefined),
      args,
    );
    if (typeof value === "string" && value.includes("{{")) continue; // checked after rendering
    // a whole-object rule over templated values is checked after rendering
    if (ipath.length === 0 && JSON.stringify(args).includes("{{")) continue;
    if (issue.code === "unrecognized_keys") {
      // an argument Ansible's module has: judged when the task runs (it may never run here)
      const bad = issue.keys.find((k) => !ansibleHasArgument(name, k));
      if (bad === undefined) continue;
      const known = Object.keys(schemaShape(schema));
      const hint = closest(bad, known);
      throw inputError(
        `unknown argument "${bad}" for module ${name}`,
        at(src, [...path, bad], `${name}.${bad}`, true),
        hint ? `did you mean "${hint}"?` : `arguments: ${known.join(", ")}`,
      );
    }
    const field = ipath.length ? `${name}.${ipath.join(".")}` : name;
    throw inputError(plainIssue(issue, value), at(src, [...path, ...ipath], field, ipath.length === 0));
  }
}

export function schemaShape(schema: z.ZodTypeAny): object {
  // zod 4: refine()/transform()/pipe() keep the object schema under .def.schema / .def.in
  const s = schema as unknown as {
    shape?: object;
    def?: { schema?: z.ZodTypeAny; in?: z.ZodTypeAny; innerType?: z.ZodTypeAny };
  };
  if (s.shape) return s.shape;
  const inner = s.def?.schema ?? s.def?.in ?? s.def?.innerType;
  return inner ? schemaShape(inner) : {};
}

function checkExpr(src: YamlSource, value: unknown, path: PathKey[], field: string): void {
  const items = Array.isArray(value) ? value : [value];
  items.forEach((v, i) => {
    if (typeof v === "boolean") return;
    try {
      parseExpr(String(v));
    } catch (e) {
      if (e instanceof ExprError)
        throw inputError(
          `invalid ${field} expression: ${e.message}`,
          at(src, Array.isArray(value) ? [...path, i] : path, field),
        );
      throw e;
    }
  });
}

function checkKey(src: YamlSource, k: string, allowed: Set<string>, loc: { path: PathKey[]; what: string }): void {
  const { path, what } = loc;
  if (allowed.has(k)) return;
  if (NOT_YET.has(k))
    throw inputError(`"${k}" is an Ansible ${what} keyword kplay does not support yet`, at(src, path, k, true));
  const hint = closest(k, allowed);
  throw inputError(
    `unknown ${what} keyword "${k}"`,
    at(src, path, k, true),
    hint ? `did you mean "${hint}"?` : undefined,
  );
}

/** Modules whose `mode` is a file's mode (async_status's is status/cleanup). */
const FILE_MODE_MODULES = new Set([
  "copy",
  "template",
  "file",
  "get_url",
  "unarchive",
  "lineinfile",
  "blockinfile",
  "replace",
  "assemble",
]);

/** What is wrong in a task as written, whatever the variables (static-checks.ts): the first problem, named. */
function checkTaskStatically(
  src: YamlSource,
  raw: Record<string, unknown>,
  t: { args: Record<string, unknown>; module: string; moduleKey: string; path: PathKey[] },
): void {
  const { args, module, moduleKey, path } = t;
  const argAt = (k: string) => at(src, [...path, moduleKey, k], `${moduleKey}.${k}`);
  for (const [k, v] of Object.entries(args)) {
    const problem = templateProblems(v)[0];
    if (problem) throw inputError(problem, argAt(k));
  }
  for (const k of pathArgNames(module, args)) {
    const problem = pathValueProblem(args[k]);
    if (problem) throw inputError(problem, argAt(k));
  }
  const modeIssue = FILE_MODE_MODULES.has(module) ? modeProblem(args.mode) : undefined;
  if (modeIssue) throw inputError(modeIssue, argAt("mode"));
  const loopIssue = loopProblem(raw.loop);
  if (loopIssue) throw inputError(loopIssue, at(src, [...path, "loop"], "loop"));
  for (const k of ["when", "changed_when", "failed_when", "until"]) {
    const conds = Array.isArray(raw[k]) ? (raw[k] as unknown[]) : [raw[k]];
    const problem = conds.flatMap(conditionProblems)[0];
    if (problem) throw inputError(problem, at(src, [...path, k], k));
  }
  const kw = keywordTemplateProblem(raw);
  if (kw) throw inputError(kw.problem, at(src, [...path, kw.key], kw.key));
  if (module === "assert" && args.that !== undefined) checkAssertThat(src, args.that, [...path, moduleKey, "that"]);
}

/** assert's `that`: conditions, read as when's are (syntax and names) before anything runs. */
function checkAssertThat(src: YamlSource, that: unknown, path: PathKey[]): void {
  checkExpr(src, that, path, "that");
  const problem = (Array.isArray(that) ? that : [that]).flatMap(conditionProblems)[0];
  if (problem) throw inputError(problem, at(src, path, "assert.that"));
}

/** include_vars of a file named literally: found (vars/ first) and read now, as it will be when it runs. */
function noteVarsFile(s: Source, task: { args: Record<string, unknown>; strict: boolean }): void {
  const name = varsFileName(task.args);
  if (!name || name.includes("{{") || name.includes("{%")) return;
  const dirs = sourceDirs(s);
  const found = findSource(dirs, s.ctx.playbookDir, join("vars", name)) ?? findSource(dirs, s.ctx.playbookDir, name);
  if (!found || statSync(found).isDirectory()) return; // (check-run.ts judges a missing one)
  if (task.strict) readYamlFile(found); // a binary, UTF-16 or broken file is named now
  s.ctx.files.add(found);
}

/**
 * A task naming a module of Ansible that kplay does not implement runs kplay_unimplemented in its
 * place: it fails when (and only if) it runs, as a role's other-platform branch must not stop a
 * run. Its arguments are Ansible's to judge, so they are not read.
 */
function withUnimplemented(raw: Record<string, any>): Record<string, any> {
  const key = Object.keys(raw).find(
    (k) => !TASK_KEYS.has(k) && !NOT_YET.has(k) && !findModule(k) && isAnsibleModule(k),
  );
  if (key === undefined) return raw;
  const rest = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== key && k !== "args"));
  return { ...rest, name: raw.name ?? key, kplay_unimplemented: { module: key } };
}

/**
 * Handlers as Ansible reads them: an import_tasks among them is replaced by its tasks, each a
 * handler notified by its own name, with the import's keywords (a static import cannot itself be
 * notified); an include_tasks stays one handler that runs its whole file.
 */
export function handlersOf(nodes: Node[]): Node[] {
  return nodes.flatMap((n) => {
    const dynamic = n.kind === "block" && n.block[0]?.kind === "task" && n.block[0].module === "include_tasks";
    if (n.kind !== "block" || !n.include || dynamic) return [n];
    return handlersOf(n.block).map((inner) => withImportKeywords(n, inner));
  });
}

/** A task of an import gets the import's keywords, as a block's task does (its conditions after the import's). */
function withImportKeywords(imp: Block, t: Node): Node {
  return { ...t, ...inherit(imp, t) } as Node;
}

/** A play is a mapping; anything else is named for what it is. */
function assertPlayMapping(src: YamlSource, raw: unknown, path: PathKey[]): asserts raw is Record<string, any> {
  if (isMap(raw)) return;
  const what = `a play is a mapping (hosts:, tasks: …), got ${kindOf(raw)}`;
  throw inputError(what, at(src, path), "e.g. - hosts: all");
}
