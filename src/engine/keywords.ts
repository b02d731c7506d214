// Owns how play, block and task keywords take effect as a play runs: keywords written as
// templates rendered when they run, tag selection (--tags/--skip-tags with always, never,
// tagged, untagged) and serial batch sizes. Inheritance is playbook/inherit.ts (re-exported).
import { KplayError } from "../errors.js";
import { ansibleBoolean } from "../modules/arg-types.js";
import type { Inheritable, Play, Task } from "../playbook/types.js";
import { renderValue, type TemplateOrigin } from "../template/render.js";
import { inherit, LATE_BOOLEANS } from "../playbook/inherit.js";
import { serialEntry, serialProblem } from "../playbook/load-fields.js";
import type { Where } from "../errors.js";

export { inherit };

/** The keywords a play gives every task in it. */
export function rootInherit(play: Play): Inheritable {
  return {
    when: [],
    tags: play.tags,
    vars: {},
    become: play.become,
    becomeUser: play.becomeUser,
    becomeMethod: play.becomeMethod,
    environment: play.environment,
    throttle: play.throttle,
    port: play.port,
    timeout: play.timeout,
    remoteUser: play.remoteUser,
    connection: play.connection,
    checkMode: play.checkMode,
    diff: play.diff,
    noLog: play.noLog,
    ignoreErrors: play.ignoreErrors,
    ignoreUnreachable: play.ignoreUnreachable,
    moduleDefaults: play.moduleDefaults,
    late: play.late,
  };
}

/** A keyword template rendered: a boolean as Ansible's boolean() reads it (anything else is false). */
function lateBoolean(template: string, vars: Record<string, unknown>, where: TemplateOrigin): boolean {
  const v = renderValue(template, vars, where);
  return ansibleBoolean(v) ?? false;
}

function lateNumber(key: string, template: string, vars: Record<string, unknown>, where: TemplateOrigin): number {
  const v = Number(renderValue(template, vars, where));
  if (!Number.isFinite(v) || v < 0)
    throw new KplayError("input", `${key} must render to a non-negative number, got ${JSON.stringify(v)}`, { where });
  return v;
}

/**
 * The task's keywords with those written as templates rendered for one host (Ansible templates
 * a task's keywords when it runs it), and its retries/delay likewise.
 */
export function resolveLate(
  eff: Inheritable,
  vars: Record<string, unknown>,
  where: TemplateOrigin,
): { eff: Inheritable; retries?: number; delay?: number } {
  if (!eff.late) return { eff };
  const out: Inheritable = { ...eff, late: undefined };
  const at = (field: string) => ({ ...where, field });
  for (const [k, field] of Object.entries(LATE_BOOLEANS))
    if (eff.late[k] !== undefined) out[field] = lateBoolean(eff.late[k], vars, at(k));
  // port and timeout: 0 is none, as written plainly
  for (const k of ["port", "timeout"] as const)
    if (eff.late[k] !== undefined) out[k] = lateNumber(k, eff.late[k], vars, at(k)) || undefined;
  const num = (k: "retries" | "delay") =>
    eff.late![k] !== undefined ? { [k]: lateNumber(k, eff.late![k], vars, at(k)) } : {};
  return { eff: out, ...num("retries"), ...num("delay") };
}

/** A task and its keywords with the templated ones rendered (retries and delay go to the task). */
export function withLateKeywords<T extends { task?: Task; eff: Inheritable }>(t: T, vars: Record<string, unknown>): T {
  if (!t.eff.late) return t;
  const where = t.task ? { file: t.task.where.file, line: t.task.where.line } : {};
  const { eff, retries, delay } = resolveLate(t.eff, vars, where);
  if (!t.task) return { ...t, eff };
  const task = {
    ...t.task,
    ...(retries !== undefined ? { retries } : {}),
    ...(delay !== undefined ? { delay } : {}),
  };
  return { ...t, eff, task };
}

/**
 * Keyword templates rendered ahead of the hosts' runs with one host's variables (`vars`; none:
 * nothing to render with): what decides for every host at once (no_log, run_once,
 * any_errors_fatal). One that cannot be rendered yet (it reads what a host sets) stays, to be
 * rendered for each host when the task runs.
 */
export function renderedAhead<T extends { task?: Task; eff: Inheritable }>(
  t: T,
  vars: (() => Record<string, unknown>) | undefined,
): T {
  if (!t.eff.late || !vars) return t;
  try {
    return withLateKeywords(t, vars());
  } catch {
    return t;
  }
}

/** The task keywords a play sets for its tasks. */
function taskDefaults(
  e: Inheritable,
): Pick<Play, "checkMode" | "diff" | "noLog" | "ignoreErrors" | "ignoreUnreachable"> {
  const { checkMode, diff, noLog, ignoreErrors, ignoreUnreachable } = e;
  return { checkMode, diff, noLog, ignoreErrors, ignoreUnreachable };
}

/** A play with its keywords written as templates rendered once, with the play's variables, as Ansible does. */
export function resolvePlayLate(play: Play, vars: Record<string, unknown>): Play {
  if (!play.late) return play;
  const where = { file: play.where?.file, line: play.where?.line };
  const late = play.late;
  const at = (field: string) => ({ ...where, field });
  const b = (k: string, now: boolean) => (late[k] !== undefined ? lateBoolean(late[k], vars, at(k)) : now);
  const strategy =
    late.strategy !== undefined ? String(renderValue(late.strategy, vars, at("strategy"))) : play.strategy;
  if (strategy !== "linear" && strategy !== "free")
    throw new KplayError("input", `unknown strategy ${JSON.stringify(strategy)}`, {
      where: at("strategy"),
      hint: "use linear or free",
    });
  const rest = Object.fromEntries(Object.entries(late).filter(([k]) => k in LATE_BOOLEANS));
  return {
    ...play,
    strategy,
    gatherFacts: b("gather_facts", play.gatherFacts),
    anyErrorsFatal: b("any_errors_fatal", play.anyErrorsFatal),
    forceHandlers: b("force_handlers", play.forceHandlers),
    serial: late.serial !== undefined ? lateSerial(late.serial, vars, at("serial")) : play.serial,
    port: late.port !== undefined ? lateNumber("port", late.port, vars, at("port")) || undefined : play.port,
    timeout:
      late.timeout !== undefined ? lateNumber("timeout", late.timeout, vars, at("timeout")) || undefined : play.timeout,
    ...taskDefaults(resolveLate({ ...rootInherit(play), late: rest }, vars, where).eff),
    late: undefined,
  };
}

/**
 * Tags written as templates (`tags: "{{ the_tags }}"`) rendered with the play's variables, as
 * Ansible does before it selects.
 */
export function resolveTags(tags: string[], vars: Record<string, unknown>): string[] {
  if (!tags.some((t) => t.includes("{{"))) return tags;
  const out = tags.flatMap((t) => {
    if (!t.includes("{{")) return [t];
    const v = renderValue(t, vars, { field: "tags" });
    // rendered, a list gives several tags; a string stays one tag (Ansible splits only as written)
    return Array.isArray(v) ? v.flat().map(String) : [String(v)];
  });
  return [...new Set(out)];
}

/**
 * Whether a task with these (inherited) tags runs under --tags / --skip-tags: Ansible's
 * evaluate_tags, with no --tags meaning `all` and an untagged task tagged `untagged`.
 */
export function selectedByTags(tags: string[], sel: { tags?: string[]; skipTags?: string[] }): boolean {
  const untagged = tags.length === 0;
  const t = new Set(untagged ? ["untagged"] : tags);
  const only = new Set(sel.tags?.length ? sel.tags : ["all"]);
  const skip = new Set(sel.skipTags ?? []);
  const meets = (want: Set<string>) => [...want].some((w) => t.has(w));
  const run =
    t.has("always") ||
    (only.has("all") && !t.has("never")) ||
    meets(only) ||
    (only.has("tagged") && !untagged && !t.has("never"));
  if (!run || skip.size === 0) return run;
  if (skip.has("all")) return t.has("always") && !skip.has("always");
  return !meets(skip) && !(skip.has("tagged") && !untagged);
}

/** serial: [2, "50%"] -> batches of 2, then half the hosts, the last size repeating. */
export function serialBatches(hosts: string[], serial: Array<number | string>): string[][] {
  if (serial.length === 0) return [hosts];
  const sizes = serial.map((s) =>
    typeof s === "string" && s.endsWith("%")
      ? Math.max(1, Math.floor((hosts.length * parseFloat(s)) / 100))
      : Number(s),
  );
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)];
    // 0 (or below): every host left in one batch, as Ansible's playbook executor does
    const end = size > 0 ? i + size : hosts.length;
    out.push(hosts.slice(i, end));
    i = end;
  }
  return out;
}

/** serial written as a template, rendered with the play's variables when the play starts. */
function lateSerial(text: string, vars: Record<string, unknown>, where: Where): Array<number | string> {
  const v = renderValue(text, vars, where);
  const list = Array.isArray(v) ? v : [v];
  return list.map((s) => {
    const entry = serialEntry(typeof s === "string" ? s.trim() : s);
    if (entry === undefined) throw new KplayError("input", serialProblem(s), { where });
    return entry;
  });
}

/** Host names compared as Python compares strings (code unit by code unit), as Ansible sorts them. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A play's hosts in its `order` (Ansible's inventory manager: names compared as strings). */
export function ordered(hosts: string[], order: Play["order"]): string[] {
  if (order === "reverse_inventory") return [...hosts].reverse();
  if (order === "sorted" || order === "reverse_sorted") {
    const sorted = [...hosts].sort(byName);
    return order === "sorted" ? sorted : sorted.reverse();
  }
  if (order !== "shuffle") return hosts;
  const out = [...hosts];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
