// Owns what a run is checked against before anything runs, beyond each file on its own: the
// plays' host patterns against the inventory (templated ones rendered as Ansible renders them,
// with the play's and the extra variables), --start-at-task and --tags against the playbooks.
// A run that could only select nothing is a mistake said before a log is opened (exit 2).
import { closest, KplayError } from "../errors.js";
import { matchPattern, type Inventory } from "../inventory/index.js";
import { allTasks, type Node, type Play, type Playbook } from "../playbook/types.js";
import { renderValue } from "../template/render.js";
import { findSource } from "../playbook/paths.js";
import { findModule } from "../modules/index.js";
import { varsFileName } from "../modules/include_vars.js";
import { splitArgs } from "../modules/command.js";
import { ansibleHasArgument, notImplementedMessage } from "../modules/ansible-args.js";
import { schemaShape } from "../playbook/load.js";
import { ansibleBoolean } from "../modules/arg-types.js";
import { loadWarning } from "../yaml-source.js";

export interface RunSelection {
  extraVars: Record<string, unknown>;
  tags: string[];
  skipTags: string[];
  startAtTask?: string;
  /** kplay run: a playbook none of whose plays matches any host of the inventory is refused. */
  strictHosts: boolean;
}

/** Tags Ansible gives a meaning of their own: always valid in --tags and --skip-tags. */
const SPECIAL_TAGS = new Set(["all", "always", "never", "tagged", "untagged"]);

/** The playbooks with every play's templated hosts rendered; throws (exit 2) on a run that selects nothing. */
export function checkRun(inv: Inventory, playbooks: Playbook[], sel: RunSelection): Playbook[] {
  const resolved = playbooks.map((pb) => ({
    ...pb,
    plays: pb.plays.map((play) => withHosts(play, sel.extraVars)),
  }));
  for (const pb of resolved) checkPatternsRead(inv, pb);
  if (sel.strictHosts) for (const pb of resolved) checkHostsMatch(inv, pb);
  checkStartAt(resolved, sel.startAtTask);
  checkTags(resolved, sel.tags, "--tags");
  checkTags(resolved, sel.skipTags, "--skip-tags");
  checkControllerFiles(inv, resolved);
  return resolved;
}

/** hosts: written as a template is rendered once, with the play's variables and -e (Ansible's). */
function withHosts(play: Play, extraVars: Record<string, unknown>): Play {
  if (!play.hosts.some((h) => h.includes("{{") || h.includes("{%"))) return play;
  const where = { file: play.where?.file, line: play.where?.line, field: "hosts" };
  const rendered = renderValue(play.hosts, { ...play.vars, ...extraVars }, where) as unknown[];
  const hosts = rendered.flatMap((h) => (Array.isArray(h) ? h.map(String) : [String(h)])).filter((h) => h !== "");
  if (hosts.length === 0)
    throw new KplayError("input", `${JSON.stringify(play.hosts.join(","))} renders to an empty pattern`, { where });
  return { ...play, hosts };
}

/** Every play's host pattern can be read (a glob's class, a ~regex): said at the play's hosts line. */
function checkPatternsRead(inv: Inventory, pb: Playbook): void {
  for (const play of pb.plays)
    try {
      matchPattern(inv, play.hosts);
    } catch (e) {
      if (!(e instanceof KplayError) || e.where?.file) throw e;
      throw new KplayError("input", e.message, {
        where: { file: play.where?.file ?? pb.file, line: play.where?.line, field: "hosts" },
      });
    }
}

/**
 * A playbook whose every play names only hosts and groups the inventory does not have is a
 * mistake (a typo in a group name), not a run with nothing to do. One such play among others is
 * Ansible's warning ("could not match supplied host pattern"), said when the play starts.
 */
function checkHostsMatch(inv: Inventory, pb: Playbook): void {
  const misses = pb.plays.map((play) => ({ play, m: matchPattern(inv, play.hosts) }));
  if (misses.some(({ m }) => m.hosts.length > 0 || m.unmatched.length === 0)) return;
  const { play, m } = misses[0];
  const hint = closest(m.unmatched[0], [...inv.groupNames, ...inv.hostNames]);
  throw new KplayError("input", `${JSON.stringify(play.hosts.join(","))} matches no host or group of the inventory`, {
    where: { file: play.where?.file ?? pb.file, line: play.where?.line, field: "hosts" },
    hint: hint ? `did you mean "${hint}"?` : "kplay inventory --graph shows its groups",
  });
}

/** --start-at-task must name a task of the playbooks (else nothing would run, silently). */
function checkStartAt(playbooks: Playbook[], name: string | undefined): void {
  if (name === undefined) return;
  const names = playbooks.flatMap((pb) => pb.plays.flatMap((p) => [...allTasks(playNodes(p))].map((t) => t.name)));
  if (!names.includes(name))
    throw new KplayError("usage", `--start-at-task "${name}" names no task of the playbooks`, {
      hint: "kplay run PLAYBOOK --list-tasks shows the task names",
    });
}

/**
 * Each tag of --tags must be one the playbooks carry (on a play, block, role or task), or one of
 * Ansible's special tags: else a typo runs nothing, and says nothing. A --skip-tags tag no task
 * carries skips nothing, which Ansible accepts (one command line for many playbooks): a warning
 * names it. Not judged when a tag is a template or a file is included by a templated name.
 */
function checkTags(playbooks: Playbook[], wanted: string[], flag: string): void {
  if (wanted.length === 0) return;
  const known = new Set<string>();
  let open = false;
  for (const pb of playbooks)
    for (const play of pb.plays) {
      play.tags.forEach((t) => known.add(t));
      for (const n of walk(playNodes(play))) {
        n.tags.forEach((t) => known.add(t));
        if (n.kind === "task" && /^(ansible\.builtin\.)?include_(tasks|role)$/.test(n.module)) open = true;
      }
    }
  if (open || [...known].some((t) => t.includes("{{"))) return;
  const unknown = wanted.filter((t) => !SPECIAL_TAGS.has(t) && !known.has(t));
  if (unknown.length === 0) return;
  const hint = closest(unknown[0], known);
  if (flag === "--skip-tags") {
    const also = hint ? ` (did you mean "${hint}"?)` : "";
    loadWarning(`${flag} ${unknown.join(",")}: no task, block, role or play of the playbooks has this tag${also}`);
    return;
  }
  throw new KplayError(
    "usage",
    `${flag} ${unknown.join(",")}: no task, block, role or play of the playbooks has this tag`,
    {
      hint: hint ? `did you mean "${hint}"?` : "kplay run PLAYBOOK --list-tasks shows each task's tags",
    },
  );
}

function playNodes(p: Play): Node[] {
  return [...p.preTasks, ...p.tasks, ...p.postTasks, ...p.handlers];
}

function* walk(nodes: Node[]): Generator<Node> {
  for (const n of nodes) {
    yield n;
    if (n.kind !== "task") yield* walk([...n.block, ...n.rescue, ...n.always]);
  }
}

/** Addresses that are the controller itself when a task is delegated there. */
const CONTROLLER = new Set(["localhost", "127.0.0.1", "::1"]);

/**
 * A copy or script source, or an include_vars file, named literally and found nowhere on the
 * controller fails its task surely: said before the run (Ansible's words). Not judged once the
 * run could have made it: after a task that runs on the controller (delegated there, a fetch,
 * a localhost play), or at all when an inventory host is the controller itself (local connection).
 */
function checkControllerFiles(inv: Inventory, playbooks: Playbook[]): void {
  if (inv.hostNames.some((h) => inv.hostVars(h).ansible_connection === "local")) return;
  for (const pb of playbooks)
    for (const play of pb.plays) {
      if (play.hosts.some((h) => CONTROLLER.has(h))) return;
      for (const t of allTasks([...play.preTasks, ...play.tasks, ...play.postTasks])) {
        if ((t.delegateTo && CONTROLLER.has(t.delegateTo)) || t.module === "fetch") return;
        if (t.ignoreErrors) continue;
        const name = controllerFileOf(t.module, t.args);
        if (name === undefined || findSource(t.dirs, play.dir, name)) continue;
        if (t.module === "include_vars" && findSource(t.dirs, play.dir, `vars/${name}`)) continue;
        throw new KplayError("input", `Could not find or access '${name}' on the controller`, {
          where: { ...t.where, field: `${t.where?.field ?? t.module}` },
          hint: "looked in the role's and the playbook's files/ (vars/ for include_vars) and beside them",
        });
      }
    }
}

/** The controller file a task reads, when named literally (no template). */
function controllerFileOf(module: string, args: Record<string, unknown>): string | undefined {
  let name: unknown;
  if (module === "copy" && ansibleBoolean(args.remote_src) !== true && args.content === undefined) name = args.src;
  else if (module === "script")
    name = splitArgs(String(args.cmd ?? args._raw ?? ""))[0]; // as the module splits it (quotes kept together)
  else if (module === "unarchive" && ansibleBoolean(args.remote_src) !== true && !String(args.src).includes("://"))
    name = args.src; // Ansible's unarchive reads src on the controller unless remote_src or a URL
  else if (module === "include_vars") name = varsFileName(args);
  if (typeof name !== "string" || name === "" || name.includes("{{") || name.includes("{%")) return undefined;
  return name;
}

/**
 * Arguments Ansible's module takes that kplay's does not implement, each with where it is
 * written (run --syntax-check lists them: such a task fails if it runs).
 */
export function notImplementedArguments(playbooks: Playbook[]): string[] {
  const out: string[] = [];
  for (const pb of playbooks)
    for (const play of pb.plays)
      for (const t of allTasks([...play.preTasks, ...play.tasks, ...play.postTasks, ...play.handlers])) {
        const mod = findModule(t.module);
        if (!mod) continue;
        const where = t.where?.file ? `${t.where.file}${t.where.line ? `:${t.where.line}` : ""}: ` : "";
        if (mod.name === "kplay_unimplemented") {
          out.push(`${where}kplay does not implement the module ${String(t.args.module)} (its task fails if it runs)`);
          continue;
        }
        const known = new Set(Object.keys(schemaShape(mod.schema)));
        if (known.size === 0) continue;
        const missing = Object.keys(t.args).filter((k) => !known.has(k) && ansibleHasArgument(mod.name, k));
        if (missing.length === 0) continue;
        out.push(`${where}${notImplementedMessage(mod.name, missing)}`);
      }
  return out;
}
