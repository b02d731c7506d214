// Owns the validated playbook model the engine executes: plays, and trees of tasks and blocks
// (imports and includes are resolved into blocks at load time, so the engine sees one shape).
import type { LoopKind } from "../engine/loops.js";
import { isSecretName, MASK } from "../report/redact.js";
import type { Where } from "../errors.js";

/** Keywords a block (or include) passes down to the tasks inside it. */
export interface Inheritable {
  when: unknown[];
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: "sudo" | "su";
  tags: string[];
  /** Variables that are data, never rendered (a looped include's item and index): see playbook/data.ts */
  data?: Record<string, unknown>;
  vars: Record<string, unknown>;
  /** A role's defaults: below every other variable, inventory included (Ansible's precedence). */
  defaults?: Record<string, unknown>;
  environment?: Record<string, unknown> | string;
  noLog?: boolean;
  ignoreErrors?: boolean;
  /** A host unreachable for this task stays in the play (the result counted ok and ignored), as Ansible's keyword. */
  ignoreUnreachable?: boolean;
  /** A host failing here ends the play for every host (Ansible's keyword on plays, blocks and tasks). */
  anyErrorsFatal?: boolean;
  delegateTo?: string;
  runOnce?: boolean;
  checkMode?: boolean;
  /** At most this many hosts run a task at once (below --forks). */
  throttle?: number;
  /** The `port` keyword: the SSH port when no ansible_port variable gives one (variables outrank it). */
  port?: number;
  /** The `timeout` keyword: seconds each attempt of a task may take before it fails, as Ansible's. */
  timeout?: number;
  /** The `diff` keyword: show this task's changes (as --diff does), or not. */
  diff?: boolean;
  /** remote_user: must be the host's login user (one connection per host); ignored for the local connection. */
  remoteUser?: string;
  /** The connection keyword: "local" runs on the controller (a host's ansible_connection outranks it). */
  connection?: "local" | "ssh";
  /** module_defaults: arguments per module name, below the task's own (templates, rendered when used). */
  moduleDefaults?: Record<string, Record<string, unknown>>;
  /**
   * Keywords written as templates (`no_log: "{{ not show_logs }}"`, `retries: "{{ n }}"`), by
   * Ansible's name: rendered for each host when the task runs (engine/keywords.ts), as Ansible
   * templates keywords; a value set plainly below overrides one inherited as a template.
   */
  late?: Record<string, string>;
}

export interface Task extends Inheritable {
  /** delegate_facts: facts the task returns belong to the host it is delegated to. */
  delegateFacts?: boolean;
  kind: "task";
  /** Stands for an include that cannot be read (a role that is not there): its failure is not counted. */
  includeFailure?: boolean;
  /** An include_role's own task: shown and counted only when it does not simply run (skipped, failed). */
  quietWhenOk?: boolean;
  /** Stable position in the playbook, e.g. "0/tasks/3/block/1" (for journals and --start-at-task). */
  id: string;
  name?: string;
  module: string;
  /** Raw arguments; templated per host at run time. */
  args: Record<string, unknown>;
  register?: string;
  loop?: unknown;
  /** Which keyword gave the loop (loop, with_items, with_dict…): how its value becomes items. */
  loopKind: LoopKind;
  loopVar: string;
  loopLabel?: string;
  /** loop_control.index_var: the item's index under this name. */
  loopIndexVar?: string;
  /** loop_control.pause: seconds between items. */
  loopPause?: number;
  /** loop_control.extended: the items see ansible_loop (index, first, last, previtem, nextitem...) */
  loopExtended?: boolean;
  notify: string[];
  listen: string[];
  changedWhen?: unknown;
  failedWhen?: unknown;
  until?: unknown;
  retries?: number;
  delay?: number;
  /** Shell that undoes what this task changed (logged on the node when it reports changed). */
  undo?: string;
  /** `async`: the task may run this many seconds (polled every `poll`; 0 = fire and forget). */
  asyncSeconds?: number;
  poll?: number;
  /** Where its controller-side files (copy/template/script src) are looked for. */
  dirs: SourceDirs;
  /** An include_tasks whose file name is a template: the file is read when the host gets there. */
  dynamicInclude?: boolean;
  where: Where;
}

/** The directories a task's source files are searched in, with the playbook's own (Ansible's order). */
export interface SourceDirs {
  /** The role the task belongs to. */
  role?: string;
  /** The roles that depend on it (meta dependencies, include_role), nearest first: looked in after it. */
  parents?: string[];
  /** The directory of the file the task is written in. */
  taskDir: string;
}

export interface Block extends Inheritable {
  kind: "block";
  id: string;
  name?: string;
  /** Made by import_tasks / include_tasks (such a block may be a handler). */
  include?: boolean;
  /** A role's block that runs once per host per play: its identity (a later one with it is skipped). */
  roleOnce?: string;
  block: Node[];
  rescue: Node[];
  always: Node[];
  where: Where;
}

export type Node = Task | Block;

export interface Play {
  /** Play keywords written as templates (strategy, gather_facts…), rendered when the play starts. */
  late?: Record<string, string>;
  index: number;
  name: string;
  hosts: string[];
  vars: Record<string, unknown>;
  varsFiles: string[];
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: "sudo" | "su";
  throttle?: number;
  port?: number;
  timeout?: number;
  remoteUser?: string;
  /** The connection keyword: "local" runs on the controller (a host's ansible_connection outranks it). */
  connection?: "local" | "ssh";
  gatherFacts: boolean;
  serial: Array<number | string>;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  /** force_handlers: a host that failed still runs the handlers it notified. */
  forceHandlers: boolean;
  strategy: "linear" | "free";
  /** The order the play's hosts run in (Ansible's `order`); absent: the inventory's. */
  order?: "reverse_inventory" | "sorted" | "reverse_sorted" | "shuffle";
  tags: string[];
  environment?: Record<string, unknown> | string;
  /** Play-level defaults of the task keywords of the same names. */
  checkMode?: boolean;
  diff?: boolean;
  noLog?: boolean;
  ignoreErrors?: boolean;
  ignoreUnreachable?: boolean;
  moduleDefaults?: Record<string, Record<string, unknown>>;
  preTasks: Node[];
  tasks: Node[];
  postTasks: Node[];
  /** Handler tasks, and include_tasks/import_tasks blocks notified by their name. */
  handlers: Node[];
  /** What the play's roles (roles:, import_role, their dependencies) give the whole play. */
  roles?: PlayRoles;
  /** The directory of the playbook file the play is written in (an imported one's own). */
  dir: string;
  where: Where;
}

/**
 * What a play's roles give every task of the play, as Ansible does unless private_role_vars is
 * set: their names (the role-name magic variables), their defaults (below everything) and their
 * vars/ (above the play's vars), merged in the order the roles load, dependencies first.
 */
export interface PlayRoles {
  play: string[];
  dependencies: string[];
  defaults: Record<string, unknown>;
  vars: Record<string, unknown>;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
  /** Every file the playbook read (itself, vars_files, task files): for fingerprints. */
  files: string[];
}

export function taskLabel(t: Task): string {
  if (t.name) return t.name;
  // an unnamed no_log task is named by its module alone (its command may hold the secret), and
  // arguments named like secrets (user's password, get_url's url_password) never show
  if (t.noLog || t.late?.no_log !== undefined) return t.module;
  const a = t.args;
  const s =
    typeof a.cmd === "string"
      ? a.cmd
      : typeof a._raw === "string"
        ? a._raw
        : JSON.stringify(a, (k, v) => (k && isSecretName(k) && typeof v !== "object" ? MASK : v));
  const short = s.length > 60 ? s.slice(0, 57) + "..." : s;
  return `${t.module} ${short}`.trim();
}

/** Walk every task of a node list (blocks flattened, in order). */
export function* allTasks(nodes: Node[]): Generator<Task> {
  for (const n of nodes) {
    if (n.kind === "task") yield n;
    else {
      yield* allTasks(n.block);
      yield* allTasks(n.rescue);
      yield* allTasks(n.always);
    }
  }
}
