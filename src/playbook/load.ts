// Owns loading and validating a playbook file into the Play/Task model, before anything runs:
// every error names file, line, column and field, and suggests the close match for a misspelt
// module or keyword. Module arguments are checked against each module's schema (values that are
// still templates are checked when they are rendered).
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { closest, inputError, type Where } from "../errors.js";
import { findModule, moduleNames } from "../modules/index.js";
import { readYamlFile, type PathKey, type YamlSource } from "../yaml-source.js";
import { parseExpr, ExprError } from "./expr.js";
import type { Play, Playbook, Task } from "./types.js";

const TASK_KEYS = new Set(["name", "when", "register", "ignore_errors", "become", "loop", "with_items", "loop_control", "notify", "changed_when", "failed_when", "no_log", "tags", "args", "vars"]);
const PLAY_KEYS = new Set(["name", "hosts", "vars", "become", "gather_facts", "tasks", "handlers", "tags"]);
// Ansible keywords kplay does not run yet: refused loudly rather than silently ignored.
const NOT_YET = new Set([
  "block", "rescue", "always", "include_tasks", "import_tasks", "include_role", "import_role", "import_playbook", "retries", "delay", "until", "delegate_to", "run_once",
  "environment", "become_user", "become_method", "listen", "check_mode", "diff", "async", "poll", "throttle", "any_errors_fatal", "local_action", "action",
  "with_dict", "with_list", "with_fileglob", "with_together", "with_nested", "with_sequence", "serial", "max_fail_percentage", "strategy", "pre_tasks", "post_tasks",
  "vars_files", "roles", "connection", "remote_user", "port", "ignore_unreachable", "module_defaults", "collections", "debugger", "timeout",
]);

export function loadPlaybook(file: string): Playbook {
  const src = readYamlFile(file);
  const data = src.data;
  if (!Array.isArray(data)) {
    throw inputError("a playbook must be a list of plays", { file, ...src.pos([]) }, "start each play with `- hosts: ...`");
  }
  if (data.length === 0) throw inputError("the playbook has no plays", { file, line: 1 });
  const plays = data.map((p, i) => readPlay(src, p, [i]));
  return { file, dir: dirname(resolve(file)), plays };
}

function at(src: YamlSource, path: PathKey[], field?: string, key = false): Where {
  return { file: src.file, ...(key ? src.keyPos(path) : src.pos(path)), field };
}

function readPlay(src: YamlSource, raw: unknown, path: PathKey[]): Play {
  if (!isMap(raw)) throw inputError("a play must be a mapping with hosts and tasks", at(src, path));
  for (const k of Object.keys(raw)) checkKey(src, k, PLAY_KEYS, [...path, k], "play");
  if (raw.hosts === undefined || raw.hosts === null || raw.hosts === "") throw inputError("a play needs hosts", at(src, path, "hosts"), "e.g. hosts: all");
  const hosts = Array.isArray(raw.hosts) ? raw.hosts.map(String) : [String(raw.hosts)];
  const vars = raw.vars ?? {};
  if (!isMap(vars)) throw inputError("vars must be a mapping", at(src, [...path, "vars"], "vars"));
  const tasks = readTaskList(src, raw.tasks, [...path, "tasks"], "tasks");
  const handlers = readTaskList(src, raw.handlers, [...path, "handlers"], "handlers");
  const handlerNames = new Set(handlers.map((h) => h.name));
  for (const t of tasks) {
    for (const n of t.notify) {
      if (!handlerNames.has(n)) {
        const hint = closest(n, [...handlerNames].filter((x): x is string => !!x));
        throw inputError(`notify names a handler "${n}" that this play does not define`, { ...t.where, field: "notify" }, hint ? `did you mean "${hint}"?` : undefined);
      }
    }
  }
  return {
    name: raw.name !== undefined ? String(raw.name) : hosts.join(","),
    hosts,
    vars,
    become: bool(src, raw.become, [...path, "become"], false),
    gatherFacts: bool(src, raw.gather_facts, [...path, "gather_facts"], true),
    tasks,
    handlers,
    where: at(src, path),
  };
}

function readTaskList(src: YamlSource, raw: unknown, path: PathKey[], field: string): Task[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw inputError(`${field} must be a list of tasks`, at(src, path, field));
  return raw.map((t, i) => readTask(src, t, [...path, i]));
}

function readTask(src: YamlSource, raw: unknown, path: PathKey[]): Task {
  const where = at(src, path);
  if (!isMap(raw)) throw inputError("a task must be a mapping (name, a module, and options)", where);
  let moduleKey: string | undefined;
  for (const k of Object.keys(raw)) {
    if (TASK_KEYS.has(k)) continue;
    if (NOT_YET.has(k)) throw inputError(`"${k}" is an Ansible keyword kplay does not support yet`, at(src, [...path, k], k, true));
    if (findModule(k)) {
      if (moduleKey) throw inputError(`a task runs one module, found "${moduleKey}" and "${k}"`, at(src, [...path, k], k, true));
      moduleKey = k;
      continue;
    }
    const hint = closest(k, [...moduleNames(), ...TASK_KEYS]);
    throw inputError(`unknown module or task keyword "${k}"`, at(src, [...path, k], k, true), hint ? `did you mean "${hint}"?` : `modules: ${moduleNames().join(", ")}`);
  }
  if (!moduleKey) throw inputError("the task names no module", where, `modules: ${moduleNames().join(", ")}`);
  const mod = findModule(moduleKey)!;
  const args = moduleArgs(src, raw[moduleKey], raw.args, mod.freeForm, [...path, moduleKey], moduleKey);
  validateArgs(src, mod.schema, args, [...path, moduleKey], moduleKey);

  for (const k of ["when", "changed_when", "failed_when"]) if (raw[k] !== undefined) checkExpr(src, raw[k], [...path, k], k);
  const notify = raw.notify === undefined ? [] : Array.isArray(raw.notify) ? raw.notify.map(String) : [String(raw.notify)];
  const loopControl = raw.loop_control;
  if (loopControl !== undefined && !isMap(loopControl)) throw inputError("loop_control must be a mapping", at(src, [...path, "loop_control"], "loop_control"));
  if (raw.register !== undefined && !/^[A-Za-z_]\w*$/.test(String(raw.register))) {
    throw inputError(`register needs a variable name, got ${JSON.stringify(raw.register)}`, at(src, [...path, "register"], "register"));
  }
  const tvars = raw.vars ?? {};
  if (!isMap(tvars)) throw inputError("vars must be a mapping", at(src, [...path, "vars"], "vars"));
  return {
    name: raw.name !== undefined ? String(raw.name) : undefined,
    module: findModuleName(moduleKey),
    args,
    when: raw.when,
    register: raw.register !== undefined ? String(raw.register) : undefined,
    ignoreErrors: bool(src, raw.ignore_errors, [...path, "ignore_errors"], false),
    become: raw.become === undefined ? undefined : bool(src, raw.become, [...path, "become"], false),
    loop: raw.loop ?? raw.with_items,
    loopVar: loopControl && typeof loopControl.loop_var === "string" ? loopControl.loop_var : "item",
    notify,
    changedWhen: raw.changed_when,
    failedWhen: raw.failed_when,
    noLog: bool(src, raw.no_log, [...path, "no_log"], false),
    tags: raw.tags === undefined ? [] : Array.isArray(raw.tags) ? raw.tags.map(String) : [String(raw.tags)],
    vars: tvars,
    where: { ...where, field: moduleKey },
  };
}

function findModuleName(key: string): string {
  return findModule(key)!.name;
}

/** `command: ls -l`, `file: path=/x state=directory`, or a mapping; `args:` merges in. */
function moduleArgs(src: YamlSource, value: unknown, extra: unknown, freeForm: string | undefined, path: PathKey[], name: string): Record<string, unknown> {
  let args: Record<string, unknown>;
  if (value === null || value === undefined) args = {};
  else if (isMap(value)) args = { ...value };
  else if (typeof value === "string") {
    args = freeForm ? { [freeForm]: value } : parseKeyValues(value, at(src, path, name));
  } else throw inputError(`arguments of ${name} must be a mapping${freeForm ? " or a command string" : ""}`, at(src, path, name));
  if (freeForm && typeof value === "string") {
    // Ansible lets free-form commands carry key=value options (chdir=, creates=, removes=) at the start.
    const m = /^((?:(?:chdir|creates|removes|executable|stdin)=\S+\s+)+)(.*)$/s.exec(value);
    if (m) args = { ...parseKeyValues(m[1], at(src, path, name)), [freeForm]: m[2] };
  }
  if (extra !== undefined) {
    if (!isMap(extra)) throw inputError("args must be a mapping", at(src, [...path.slice(0, -1), "args"], "args"));
    args = { ...args, ...extra };
  }
  return args;
}

function parseKeyValues(s: string, where: Where): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const re = /\s*([A-Za-z_]\w*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(s))) {
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v === "yes" || v === "true" ? true : v === "no" || v === "false" ? false : v;
    last = re.lastIndex;
  }
  if (s.slice(last).trim()) throw inputError(`cannot read "${s.slice(last).trim()}" as key=value arguments`, where);
  return out;
}

function validateArgs(src: YamlSource, schema: z.ZodTypeAny, args: Record<string, unknown>, path: PathKey[], name: string): void {
  const r = schema.safeParse(args);
  if (r.success) return;
  for (const issue of r.error.issues) {
    const ipath = issue.path as PathKey[];
    const value = ipath.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k as string] : undefined), args);
    if (typeof value === "string" && value.includes("{{")) continue; // checked after rendering
    if (issue.code === "unrecognized_keys") {
      const bad = issue.keys[0];
      const known = Object.keys((schema as unknown as { shape?: object }).shape ?? innerShape(schema));
      const hint = closest(bad, known);
      throw inputError(`unknown argument "${bad}" for module ${name}`, at(src, [...path, bad], `${name}.${bad}`, true), hint ? `did you mean "${hint}"?` : `arguments: ${known.join(", ")}`);
    }
    const field = ipath.length ? `${name}.${ipath.join(".")}` : name;
    throw inputError(`${issue.message}`, at(src, [...path, ...ipath], field, ipath.length === 0));
  }
}

function innerShape(schema: z.ZodTypeAny): object {
  // zod 4: refine()/transform() keep the object schema under .def.schema or .def.in
  const def = (schema as unknown as { def?: { schema?: z.ZodTypeAny; in?: z.ZodTypeAny; shape?: object } }).def;
  if (def?.shape) return def.shape;
  const inner = def?.schema ?? def?.in;
  return inner ? ((inner as unknown as { shape?: object }).shape ?? innerShape(inner)) : {};
}

function checkExpr(src: YamlSource, value: unknown, path: PathKey[], field: string): void {
  const items = Array.isArray(value) ? value : [value];
  items.forEach((v, i) => {
    if (typeof v === "boolean") return;
    try {
      parseExpr(String(v));
    } catch (e) {
      if (e instanceof ExprError) throw inputError(`invalid ${field} expression: ${e.message}`, at(src, Array.isArray(value) ? [...path, i] : path, field));
      throw e;
    }
  });
}

function checkKey(src: YamlSource, k: string, allowed: Set<string>, path: PathKey[], what: string): void {
  if (allowed.has(k)) return;
  if (NOT_YET.has(k)) throw inputError(`"${k}" is an Ansible ${what} keyword kplay does not support yet`, at(src, path, k, true));
  const hint = closest(k, allowed);
  throw inputError(`unknown ${what} keyword "${k}"`, at(src, path, k, true), hint ? `did you mean "${hint}"?` : undefined);
}

function bool(src: YamlSource, v: unknown, path: PathKey[], dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && ["yes", "true", "True", "on"].includes(v)) return true;
  if (typeof v === "string" && ["no", "false", "False", "off"].includes(v)) return false;
  throw inputError(`expected true or false, got ${JSON.stringify(v)}`, at(src, path, String(path[path.length - 1])));
}

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}
