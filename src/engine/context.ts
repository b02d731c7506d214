// Owns the shapes the engine's pieces pass to each other: the run's options, the step a run
// belongs to, the play batch being run, the task being run for a set of hosts (one object
// instead of positional parameter lists) and what a host's run of a task came to.
import type { Inventory } from "../inventory/index.js";
import type { ModuleResult } from "../modules/index.js";
import type { Inheritable, Play, Playbook, Task } from "../playbook/types.js";
import type { HostStatus, Reporter } from "../report/index.js";
import type { FactCache } from "../state/facts.js";
import type { Journal } from "../state/journal.js";
import type { NodePool } from "../transport/index.js";
import type { HostStates } from "./host-states.js";
import type { Vars } from "./vars.js";

export interface RunOptions {
  forks: number;
  check: boolean;
  diff: boolean;
  extraVars: Vars;
  /** Hosts allowed by --limit (undefined = all). */
  limit?: Set<string>;
  tags?: string[];
  skipTags?: string[];
  startAtTask?: string;
  /** --force-handlers: notified handlers run on failed hosts too, in every play. */
  forceHandlers?: boolean;
  verbosity?: number;
  /** The step this playbook is, with its journal (resume) and run id (run directories on nodes). */
  step?: StepRun;
  /**
   * The run's secrets: play vars, vars_files and set_fact values named like secrets join it; a
   * result holding one is not kept in the journal.
   */
  secrets?: { addVars(vars: Record<string, unknown>): void; holds(text: string): boolean; value<T>(v: T): T };
  /** Facts gathered are kept here; hostvars of a host not reached in this run come from it. */
  factCache?: FactCache;
  /** ansible-playbook's -b, --become-user/-method, -u, --private-key: below every keyword and variable. */
  cliDefaults?: CliDefaults;
}

export interface CliDefaults {
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: "sudo" | "su";
  remoteUser?: string;
  privateKeyFile?: string;
  /** -k/--ask-pass: the SSH password where the inventory gives none. */
  password?: string;
  /** -K/--ask-become-pass: the become password where the inventory gives none. */
  becomePassword?: string;
}

export interface StepRun {
  name: string;
  runId: string;
  journal: Journal;
  /** How long to keep reconnecting to a host whose link dropped, before giving up on it. */
  reconnectWindowMs: number;
}

/** What every piece of one Runner shares (built once per Runner). */
export interface Engine {
  inv: Inventory;
  pool: NodePool;
  opts: RunOptions;
  report: Reporter;
  hosts: HostStates;
}

/** What one play batch shares while it runs. */
export interface PlayRun {
  pb: Playbook;
  play: Play;
  batch: string[];
  base: Map<string, Vars>;
  /** Names the play's vars and vars_files define: they win over gathered facts (Ansible's precedence). */
  playVarNames: Set<string>;
  started: boolean;
  announced: Set<string>;
  blockDepth: number;
  /** Every host of the play (ansible_play_hosts_all). */
  playHosts: string[];
  /**
   * The play's and the batch's hosts still running, as of the task being run (ansible_play_hosts,
   * ansible_play_batch): worked out once per task, not per host.
   */
  live: { play: string[]; batch: string[] };
  /** Set by meta: end_batch: the rest of this batch is skipped. */
  batchEnded?: boolean;
  /** Roles that ran once per host: identity -> hosts done; the role blocks being run, innermost last. */
  roles?: { done: Map<string, Set<string>>; running: Array<{ key: string; ran: Set<string> }> };
}

/** One task (or handler) about to run on a set of hosts, with its inherited keywords. */
export interface TaskRun {
  run: PlayRun;
  task: Task;
  /** The task's keywords after inheritance from play and blocks. */
  eff: Inheritable;
  handler: boolean;
  noLog: boolean;
}

/** One run of a task's module on one host: which loop item and which until-attempt. */
export interface Attempt {
  host: string;
  vars: Vars;
  index: number;
  attempt: number;
}

export interface Outcome {
  status: HostStatus;
  result: ModuleResult;
  item?: unknown;
  /** The module that ran, when the task named it by a template (templated_action). */
  module?: string;
}

export interface RunSummary {
  ok: boolean;
  hosts: Record<string, import("../report/index.js").RecapCounts>;
}
