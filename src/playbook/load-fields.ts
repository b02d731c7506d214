// Owns how the loader reads each keyword's value and says what is wrong with it: positions
// (`at`), booleans, whole numbers, mappings, variables and their names, tags, environment, host
// patterns, the connection keyword, keywords written as templates (`lateOr`), and a schema's
// complaint in plain words. Shared by load.ts and load-roles.ts.
import { inputError, type Where } from "../errors.js";
import { ansibleBoolean } from "../modules/arg-types.js";
import { kindOf } from "../plain-issue.js";
import { loadWarning, type PathKey, type YamlSource } from "../yaml-source.js";

export function at(src: YamlSource, path: PathKey[], field?: string, key = false): Where {
  return { file: src.file, ...(key ? src.keyPos(path) : src.pos(path)), field };
}

/** become_method: sudo (Ansible's default) or su; another method is refused, not ignored. */
export function becomeMethod(src: YamlSource, v: unknown, path: PathKey[]): object {
  if (v === undefined || v === null) return {};
  const name = String(v).replace(/^ansible\.builtin\./, "");
  if (name === "sudo" || name === "su") return { becomeMethod: name };
  throw inputError(
    `become_method ${JSON.stringify(v)} is not supported: kplay becomes another user with sudo or su`,
    at(src, path, "become_method"),
    "use become_method: sudo or su (or leave it out)",
  );
}

export function positiveInt(src: YamlSource, v: unknown, path: PathKey[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (Number.isInteger(n) && n > 0) return n;
  throw inputError(`expected a whole number above 0, got ${JSON.stringify(v)}`, at(src, path, String(path.at(-1))));
}

/** A keyword written as a template: kept in `late` (rendered when the task runs), none for now. */
export function lateOr<T>(v: unknown, key: string, late: Record<string, string>, read: () => T): T | undefined {
  if (typeof v === "string" && (v.includes("{{") || v.includes("{%"))) {
    late[key] = v;
    return undefined;
  }
  return read();
}

export function bool(src: YamlSource, v: unknown, path: PathKey[]): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  const b = ansibleBoolean(v);
  if (b !== undefined) return b;
  throw inputError(`expected true or false, got ${JSON.stringify(v)}`, at(src, path, String(path[path.length - 1])));
}

export function mapOf(src: YamlSource, v: unknown, path: PathKey[], field: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw inputError(`${field} must be a mapping`, at(src, path, field));
  return v;
}

/** `vars:` is a mapping or, as Ansible also takes it, a list of mappings merged in order. */
export function varsOf(src: YamlSource, v: unknown, path: PathKey[]): Record<string, unknown> {
  if (!Array.isArray(v)) return checkedVarNames(src, mapOf(src, v, path, "vars"), path);
  const out: Record<string, unknown> = {};
  for (const [i, m] of v.entries()) {
    if (!isMap(m)) throw inputError("vars must be a mapping or a list of mappings", at(src, [...path, i], "vars"));
    Object.assign(out, checkedVarNames(src, m, [...path, i]));
  }
  return out;
}

/** Python identifiers, as Ansible's isidentifier check of every variable name. */
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A variable name Jinja could never read is refused in Ansible's words, at the name. */
export function checkedVarNames(
  src: YamlSource,
  vars: Record<string, unknown>,
  path: PathKey[],
): Record<string, unknown> {
  for (const k of Object.keys(vars))
    if (!VAR_NAME.test(k))
      throw inputError(`Invalid variable name in vars specified: '${k}' is not a valid variable name`, {
        ...at(src, [...path, k], "vars", true),
      });
  return vars;
}

/** tags: a name, comma-separated names, or a list of names (numbers are names too). */
export function tagList(src: YamlSource, v: unknown, path: PathKey[]): string[] {
  const items = Array.isArray(v) ? v : [v];
  if (v !== undefined && v !== null && items.some((t) => t === null || typeof t === "object"))
    throw inputError("tags must be a name or a list of names", at(src, path, "tags"));
  return strList(v);
}

export function envOf(src: YamlSource, v: unknown, path: PathKey[]): Record<string, unknown> | string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" && v.includes("{{")) return v;
  if (!isMap(v))
    throw inputError("environment must be a mapping of variable names to values", at(src, path, "environment"));
  for (const k of Object.keys(v))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      throw inputError(`invalid environment variable name "${k}"`, at(src, [...path, k], "environment", true));
  return v;
}

export function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v)
    ? v.map(String)
    : String(v)
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
}

export function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** hosts: a pattern or a list of them; empty selects no host (Ansible: "Hosts list cannot be empty"). */
export function playHosts(raw: unknown, where: Where): string[] {
  if (isMap(raw)) throw inputError("hosts is a pattern or a list of patterns, not a mapping", where);
  const hosts = (Array.isArray(raw) ? raw : [raw]).map((h) => {
    if (h === null || typeof h === "object") throw inputError("each host pattern is a string", where);
    return String(h).trim();
  });
  if (hosts.length === 0 || hosts.every((h) => h === ""))
    throw inputError("the hosts list is empty: it selects no host", where, "e.g. hosts: all");
  return hosts.filter((h) => h !== "");
}

export { kindOf, plainIssue, plainIssueIn, TYPE_WORDS } from "../plain-issue.js";

export function checkRegister(src: YamlSource, register: unknown, path: PathKey[]): void {
  if (register === undefined || VAR_NAME.test(String(register))) return;
  // Ansible's words: scripts that drive playbooks look for them
  throw inputError(
    `Invalid variable name in 'register' specified: '${String(register)}'`,
    at(src, [...path, "register"], "register"),
  );
}

/**
 * The connection keyword: local (run on the controller, on behalf of the host) or one of
 * Ansible's SSH connections (kplay's own). A host's ansible_connection variable outranks it.
 */
export function connectionOf(src: YamlSource, raw: unknown, path: PathKey[]): { connection?: "local" | "ssh" } {
  if (raw === undefined || raw === null) return {};
  const v = String(raw);
  if (v === "local") return { connection: "local" };
  if (["ssh", "smart", "paramiko"].includes(v)) return { connection: "ssh" };
  throw inputError(
    `connection ${JSON.stringify(v)}: kplay connects over ssh, or runs locally (connection: local)`,
    at(src, path, "connection"),
  );
}

/** Ansible 2.14's LoopControl attributes. */
const LOOP_CONTROL_KEYS = new Set(["loop_var", "index_var", "label", "pause", "extended", "extended_allitems"]);

/** loop_control: a mapping of Ansible's LoopControl attributes, else Ansible's words. */
export function loopControl(src: YamlSource, lc: unknown, path: PathKey[]): Record<string, unknown> {
  if (lc === undefined || lc === null) return {};
  if (!isMap(lc))
    throw inputError(
      "loop_control must be a mapping (loop_var, label, index_var, pause…)",
      at(src, path, "loop_control"),
    );
  const bad = Object.keys(lc).find((k) => !LOOP_CONTROL_KEYS.has(k));
  if (bad !== undefined)
    throw inputError(
      `'${bad}' is not a valid attribute for a LoopControl`,
      at(src, [...path, bad], `loop_control.${bad}`),
    );
  // Ansible keeps a non-string name as it is and fails each item ("can only concatenate str")
  for (const k of ["loop_var", "index_var"])
    if (lc[k] !== undefined && lc[k] !== null && typeof lc[k] !== "string")
      throw inputError(`loop_control.${k} must be a variable name`, at(src, [...path, k], `loop_control.${k}`));
  return lc;
}

/**
 * `collections` (play, block, task, role): the collections whose short module names a task may
 * use. kplay finds the modules it runs by their short names whatever the list (those of
 * ansible.posix and community.general included), so the list is checked, not used: a list of
 * namespace.collection names (one name alone is a list of one), never a template (Ansible's is
 * static too).
 */
export function checkCollections(src: YamlSource, v: unknown, path: PathKey[]): void {
  if (v === undefined || v === null) return;
  const names = typeof v === "string" ? [v] : v;
  const where = at(src, [...path, "collections"], "collections");
  if (!Array.isArray(names))
    throw inputError(`collections must be a list of collection names, not ${kindOf(v)}`, where);
  for (const n of names)
    if (typeof n !== "string" || !/^[A-Za-z_]\w*\.[A-Za-z_]\w*$/.test(n))
      throw inputError(
        `collections: ${typeof n === "string" ? JSON.stringify(n) : kindOf(n)} is not a collection name`,
        where,
        "e.g. collections: [community.general]",
      );
}

/** A play's `order`: the order its hosts run in (Ansible's inventory manager's choices). */
export const HOST_ORDERS = ["inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle"] as const;
export type HostOrder = (typeof HOST_ORDERS)[number];

export function hostOrder(src: YamlSource, v: unknown, path: PathKey[]): HostOrder | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" && (HOST_ORDERS as readonly string[]).includes(v)) return v as HostOrder;
  throw inputError(
    `order must be one of: ${HOST_ORDERS.join(", ")}`,
    at(src, [...path, "order"], "order"),
    typeof v === "string" && v.includes("{{") ? "order is read when the play loads: write it out" : undefined,
  );
}

/**
 * One serial entry as kplay keeps it: a whole number (0: every host left at once), or a
 * percentage above 0 and up to 100; undefined when it is neither (serialProblem says why).
 */
export function serialEntry(s: unknown): number | string | undefined {
  if (typeof s === "number" && Number.isInteger(s) && s >= 0) return s;
  if (typeof s === "string" && /^\d+(\.\d+)?%$/.test(s) && parseFloat(s) > 0 && parseFloat(s) <= 100) return s;
  if (typeof s === "string" && /^\d+$/.test(s)) return Number(s);
  return undefined;
}

export function serialProblem(s: unknown): string {
  return (
    `serial must be a number of hosts (0: all at once) or a percentage up to 100% such as "30%", ` +
    `got ${JSON.stringify(s)}`
  );
}

const DEBUGGER = ["always", "never", "on_failed", "on_unreachable", "on_skipped"];

/**
 * The keywords of plays, blocks and tasks about how a host is reached and for how long:
 * remote_user, connection (connectionOf), port, timeout and debugger. port: the SSH port when no
 * variable gives one; the seconds each attempt of a task may take (0: no limit, as Ansible's); and
 * Ansible's interactive debugger, which kplay does not have (a warning says a debugger that would
 * open does nothing). Templates are kept in `late`, rendered when the task runs.
 */
export function connectionKeywords(
  src: YamlSource,
  raw: Record<string, unknown>,
  path: PathKey[],
  late: Record<string, string>,
): { port?: number; timeout?: number; remoteUser?: string; connection?: "local" | "ssh" } {
  const whole = (key: string, max: number) =>
    lateOr(raw[key], key, late, () => {
      const v = raw[key];
      if (v === undefined || v === null) return undefined;
      const n = Number(v);
      if (Number.isInteger(n) && n >= 0 && n <= max) return n || undefined;
      throw inputError(
        `expected a whole number from 0 to ${max}, got ${JSON.stringify(v)}`,
        at(src, [...path, key], key),
      );
    });
  const d = raw.debugger;
  if (d !== undefined && d !== null && !(typeof d === "string" && d.includes("{{"))) {
    if (!DEBUGGER.includes(String(d)))
      throw inputError(
        `'${String(d)}' is not a valid value for debugger. Must be one of ${DEBUGGER.join(", ")}`,
        at(src, [...path, "debugger"], "debugger"),
      );
    if (d !== "never")
      loadWarning(
        `${src.file}: debugger: ${String(d)}: kplay has no interactive task debugger; the keyword does nothing`,
      );
  }
  const port = whole("port", 65535);
  const timeout = whole("timeout", 2 ** 31 / 1000);
  return {
    ...(port !== undefined ? { port } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    remoteUser: raw.remote_user !== undefined ? String(raw.remote_user) : undefined,
    ...connectionOf(src, raw.connection, [...path, "connection"]),
  };
}
