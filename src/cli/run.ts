// Owns `kplay run PLAYBOOK... `: load and validate inventory, playbooks and extra vars (nothing
// touches a node before all of it validates), then execute with the engine and report.
import { RunLogReporter } from "../report/run-log.js";
import { recordedCommand } from "../report/command-line.js";
import { runSetDir, type RunSet } from "../state/runsets.js";
import { ensureStateDir } from "../state/atomic.js";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileSystemError, KplayError } from "../errors.js";
import { matchPattern, readLimit, type Inventory } from "../inventory/index.js";
import { allTasks, taskLabel, type Playbook } from "../playbook/types.js";
import { checkRun, notImplementedArguments } from "../app/check-run.js";
import { runPlaybookSet, type PlaybookRun } from "../app/run-playbooks.js";
import { FactCache } from "../state/facts.js";
import type { CliDefaults } from "../engine/context.js";
import { openPool, withState } from "./state.js";
import { parseExtraVars } from "../engine/vars.js";
import { resolveTags, selectedByTags } from "../engine/keywords.js";
import { loadPlaybook } from "../playbook/load.js";
import { takeLoadWarnings } from "../yaml-source.js";
import {
  ConsoleReporter,
  StepConsoleReporter,
  JsonReporter,
  LineSink,
  secrets,
  TeeReporter,
  type Redactor,
  type Reporter,
} from "../report/index.js";
import { COMMON, forks, loadInv, parse, stateDir, type Common } from "./options.js";
import { askPasswords } from "./ask-pass.js";

export const RUN_HELP = `\
Usage: kplay run PLAYBOOK [PLAYBOOK...] (-i INVENTORY | -c CONFIG | --sandbox) [options]

Run playbooks against the hosts of an inventory. Each playbook is a list of plays
(hosts, vars, vars_files, become, gather_facts, serial, strategy, pre_tasks,
tasks, post_tasks, handlers). Keywords: docs/reference/playbooks.md; modules and
their arguments: docs/reference/modules.md.

Options:
  -i, --inventory PATH     Ansible/kubespray inventory (YAML, INI or a directory); repeatable
  -c, --config PATH        kubeplay-style config.yaml (its inventory: section)
      --sandbox            use the local sandbox's inventory (kplay sandbox up)
      --sandbox-name NAME  which sandbox (default: default)
  -l, --limit PATTERN      further limit hosts (patterns or @file)
  -f, --forks N            hosts worked on at once (default 10)
  -e, --extra-vars VARS    key=value, JSON or @file.yml; repeatable, highest precedence
  -t, --tags TAGS          run only tasks with these tags (comma separated; repeatable)
      --skip-tags TAGS     skip tasks with these tags
      --start-at-task NAME start at the first task with this name
      --force-handlers     run notified handlers on hosts that failed too (the play keyword for every play)
      --list-tasks         list the tasks that would run, and exit
      --list-hosts         list the hosts each play would run on, and exit
      --syntax-check       check the playbooks (everything kplay checks before a run) and exit; also
                           list Ansible arguments kplay's modules do not implement (their tasks fail if they run)
      --resume             continue the recorded run: skip steps and tasks already done
      --restart            ignore what is recorded and run everything again
      --reconnect-window S keep reconnecting to a host whose link dropped for S seconds (default 120,
                           at most 604800)
  -b, --become             become another user (sudo) where no keyword or variable says otherwise
      --become-user USER   the user to become (default root), --become-method sudo|su
  -u, --user USER          log in as USER where the inventory names no ansible_user
      --private-key FILE   the SSH key where the inventory names none (also --key-file)
  -k, --ask-pass           ask for the SSH password (-K, --ask-become-pass: the become password);
                           without a terminal, each is a line of standard input
  -C, --check              report what would change, change nothing
  -D, --diff               show differences of changed files
      --state-dir DIR      state directory (default: .kplay beside the inventory)
      --accept-new-host-keys  trust host keys seen for the first time (recorded in STATE/known_hosts)
      --json               one JSON event per line instead of the console view
  -v, --verbose            more output (-vv for command output as it arrives)
  -h, --help               this help

Exit status: 0 all hosts succeeded, 1 a host failed or was unreachable, 2 bad input.`;

export const RUN_OPTIONS = {
  ...COMMON,
  tags: { type: "string", short: "t", multiple: true },
  "skip-tags": { type: "string", multiple: true },
  "start-at-task": { type: "string" },
  "force-handlers": { type: "boolean" },
  "list-tasks": { type: "boolean" },
  "list-hosts": { type: "boolean" },
  "syntax-check": { type: "boolean" },
  resume: { type: "boolean" },
  restart: { type: "boolean" },
  "reconnect-window": { type: "string" },
  // ansible-playbook's connection and privilege options: defaults below every keyword and variable
  become: { type: "boolean", short: "b" },
  "become-user": { type: "string" },
  "become-method": { type: "string" },
  user: { type: "string", short: "u" },
  "private-key": { type: "string" },
  "key-file": { type: "string" },
  "ask-pass": { type: "boolean", short: "k" },
  "ask-become-pass": { type: "boolean", short: "K" },
} as const;

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, RUN_OPTIONS, "run");
  if (values.help) {
    console.log(RUN_HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new KplayError("usage", "run needs at least one playbook", { hint: "kplay run PLAYBOOK -i INVENTORY" });
  return runPlaybooks(values as RunValues, positionals, {
    label: `kplay run ${positionals.join(" ")}`,
    resume: !!values.resume,
  });
}

export type RunValues = Common & {
  tags?: string[];
  "skip-tags"?: string[];
  "start-at-task"?: string;
  "force-handlers"?: boolean;
  "list-tasks"?: boolean;
  "list-hosts"?: boolean;
  "syntax-check"?: boolean;
  resume?: boolean;
  restart?: boolean;
  "reconnect-window"?: string;
  become?: boolean;
  "become-user"?: string;
  "become-method"?: string;
  user?: string;
  "private-key"?: string;
  "key-file"?: string;
  "ask-pass"?: boolean;
  "ask-become-pass"?: boolean;
};

/**
 * Validate inventory, playbooks and variables (nothing touches a node before all of it
 * validates), then run the playbooks as recorded steps. Shared by `run` and the cluster commands.
 */
export interface RunHow {
  label: string;
  resume: boolean;
  continueHint?: string;
  vars?: (stateDir: string) => Record<string, unknown>;
  limit?: string[];
  cluster?: boolean;
  /** The run-set to record in (default: the cluster's, or one per list of playbooks). */
  runSet?: RunSet;
  /** A change to each loaded playbook (upgrade-cluster's --batch sets the workers' serial). */
  adjust?: (pb: Playbook) => Playbook;
}

export async function runPlaybooks(values: RunValues, files: string[], how: RunHow): Promise<number> {
  const o = values;
  const inv = loadInv(o);
  const loaded = files.map((p) => {
    if (!existsSync(p)) throw new KplayError("input", "playbook not found", { where: { file: p } });
    const pb = loadPlaybook(p);
    return how.adjust ? how.adjust(pb) : pb;
  });
  const extraVars = { ...(how.vars?.(stateDir(o)) ?? {}), ...parseExtraVars(o["extra-vars"] ?? []) };
  const limit = limitOf(inv, o.limit, how.limit);
  const [tags, skipTags] = [tagList(values.tags, "--tags"), tagList(values["skip-tags"], "--skip-tags")];
  const selection = { extraVars, tags, skipTags, startAtTask: values["start-at-task"], strictHosts: !how.cluster };
  const playbooks = withLoadWarnings(checkRun(inv, loaded, selection));
  // every flag is judged before the run log or the state directory is opened
  if (how.resume && values.restart) throw new KplayError("usage", "--resume and --restart contradict each other");
  const [windowS, cliDefaults] = [reconnectWindow(values["reconnect-window"]), connectionDefaults(values)];
  const forkCount = forks(o);
  if (values["syntax-check"]) {
    for (const pb of playbooks) console.log(`\nplaybook: ${pb.file}`);
    for (const w of notImplementedArguments(playbooks)) console.error(`[WARNING]: ${w}`);
    return 0;
  }
  if (values["list-hosts"] || values["list-tasks"]) {
    const show = { hosts: !!values["list-hosts"], tasks: !!values["list-tasks"] };
    console.log(listing(inv, playbooks, { limit, tags, skipTags, extraVars }, show));
    return 0;
  }
  const cli = await withAskedPasswords(values, cliDefaults);
  const { redact, reporter, verbosity, sd } = reporterFor(
    o,
    inv,
    extraVars,
    how.cluster ? { kind: "steps", runHosts: limit?.size } : { kind: "tasks" },
  );
  // each run-set keeps its own journal: an ad-hoc run never erases the cluster's progress
  const journalDir = runSetDir(sd, how.runSet ?? (how.cluster ? { kind: "cluster" } : { kind: "playbooks", files }));
  const request: PlaybookRun = {
    inv,
    playbooks,
    run: {
      secrets: redact,
      factCache: new FactCache(join(sd, "facts")),
      forks: forkCount,
      check: !!o.check,
      diff: !!o.diff,
      extraVars,
      limit,
      tags,
      skipTags,
      startAtTask: values["start-at-task"],
      forceHandlers: !!values["force-handlers"],
      verbosity,
      cliDefaults: cli,
    },
    resume: how.resume,
    reconnectWindowMs: windowS * 1000,
    label: how.label,
    continueHint: how.continueHint ?? `re-run the same command${how.resume ? "" : " with --resume"} to continue`,
  };
  return runLocked(request, { o, sd, journalDir, reporter });
}

/** The checked playbooks, once what reading the input files warned of (duplicate keys) is shown. */
function withLoadWarnings(playbooks: Playbook[]): Playbook[] {
  for (const w of takeLoadWarnings()) console.error(`[WARNING]: ${w}`);
  return playbooks;
}

/** Run the request holding the state lock, with the command's connections; the exit code. */
function runLocked(request: PlaybookRun, at: { o: Common; sd: string; journalDir: string; reporter: Reporter }) {
  const { o, sd, reporter } = at;
  return withState({ dir: sd, journalDir: at.journalDir }, request.label, reporter, async (journal) => {
    const pool = openPool(sd, o);
    try {
      return (await runPlaybookSet(request, { pool, report: reporter, stateDir: sd, journal })) ? 0 : 1;
    } finally {
      await pool.closeAll();
    }
  });
}

/** --limit (patterns or @file) narrowed to the hosts a command names (add-node), if any. */
function limitOf(inv: Inventory, pattern: string | undefined, only: string[] | undefined): Set<string> | undefined {
  let limit: Set<string> | undefined;
  if (pattern !== undefined) {
    if (pattern.trim() === "") throw new KplayError("usage", "--limit: an empty pattern selects no host");
    const patterns = readLimit(pattern);
    if (patterns.length === 0) throw new KplayError("usage", `--limit ${pattern}: the file names no host`);
    const m = matchPattern(inv, patterns);
    if (m.hosts.length === 0) throw new KplayError("usage", `--limit ${pattern} matches no host of the inventory`);
    limit = new Set(m.hosts);
  }
  return only ? new Set(only.filter((h) => !limit || limit.has(h))) : limit;
}

/** Repeated, comma-separated option values (--tags a,b --tags c). */
/** --tags/--skip-tags: given, they name at least one tag (an empty one would filter nothing, silently). */
function tagList(v: string[] | undefined, flag: string): string[] {
  const tags = splitList(v);
  if (v !== undefined && tags.length === 0) throw new KplayError("usage", `${flag}: an empty list names no tag`);
  return tags;
}

function splitList(v?: string[]): string[] {
  return (v ?? [])
    .flatMap((x) => x.split(","))
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A week: longer than any link cut worth waiting for, and within what a timer can hold. */
const MAX_RECONNECT_WINDOW_S = 7 * 24 * 3600;

function reconnectWindow(v: string | undefined): number {
  const seconds = v === undefined ? 120 : Number(v);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_RECONNECT_WINDOW_S)
    throw new KplayError(
      "usage",
      `--reconnect-window takes seconds from 0 to ${MAX_RECONNECT_WINDOW_S}, got ${JSON.stringify(v)}`,
    );
  return seconds;
}

/**
 * -k/-K: the passwords asked for once everything is judged and before the run log opens, masked
 * from then on wherever they would show, and kept as defaults below the inventory's.
 */
async function withAskedPasswords(v: RunValues, defaults: CliDefaults): Promise<CliDefaults> {
  const asked = await askPasswords({ ssh: !!v["ask-pass"], become: !!v["ask-become-pass"] });
  for (const pw of [asked.ssh, asked.become]) if (pw) secrets.add(pw);
  return {
    ...defaults,
    ...(asked.ssh ? { password: asked.ssh } : {}),
    ...(asked.become ? { becomePassword: asked.become } : {}),
  };
}

/** -b, --become-user, --become-method, -u and --private-key: what a run assumes where nothing else says. */
function connectionDefaults(v: RunValues): CliDefaults {
  const method = v["become-method"];
  if (method !== undefined && method !== "sudo" && method !== "su")
    throw new KplayError("usage", `--become-method ${method}: kplay becomes another user with sudo or su`);
  const text = (flag: string, x: string | undefined) => {
    if (x !== undefined && x.trim() === "") throw new KplayError("usage", `--${flag}: an empty value names nothing`);
    return x;
  };
  const key = text("private-key", v["private-key"]) ?? text("key-file", v["key-file"]);
  if (key !== undefined && !existsSync(key))
    throw new KplayError("input", "no such key file", { where: { file: key } });
  return {
    ...(v.become ? { become: true } : {}),
    ...(text("become-user", v["become-user"]) ? { becomeUser: v["become-user"] } : {}),
    ...(method ? { becomeMethod: method } : {}),
    ...(text("user", v.user) ? { remoteUser: v.user } : {}),
    ...(key ? { privateKeyFile: resolve(key) } : {}),
  };
}

/**
 * What every command that touches nodes reports through: the console view (or --json) plus the
 * run log STATE/run.log (JSON lines), both with every secret of the inventory and -e masked.
 */
/**
 * The run's reporters: the console (per task, or per step for the cluster commands unless -v) or
 * --json, and always run.log. `view: "steps"` is the cluster commands' console.
 */
export function reporterFor(
  o: Common,
  inv: Inventory,
  extraVars: Record<string, unknown> = {},
  view: { kind: "tasks" } | { kind: "steps"; runHosts?: number } = { kind: "tasks" },
): { redact: Redactor; reporter: Reporter; verbosity: number; sd: string } {
  const redact = secrets;
  for (const h of inv.hostNames) redact.addVars(inv.hostVars(h));
  redact.addVars(extraVars);
  redact.add(process.env.KPLAY_SSH_KEY_PASSPHRASE);
  const verbosity = o.verbose?.length ?? 0;
  const sd = stateDir(o);
  const logFile = join(sd, "run.log");
  const steps = view.kind === "steps" && verbosity === 0 && !o.diff;
  // the hosts of this run (add-node's: the new nodes), so a step's others are "not applicable"
  const runHosts = (view.kind === "steps" && view.runHosts) || inv.hostNames.length;
  const shown: Reporter = o.json
    ? new JsonReporter(redact)
    : steps
      ? new StepConsoleReporter(redact, { runHosts: runHosts, logFile })
      : new ConsoleReporter(redact, verbosity, process.stdout, !!o.diff);
  checkRunLog(logFile);
  const log = LineSink.file(logFile, { prepare: () => ensureStateDir(sd) });
  const command = recordedCommand(process.argv.slice(2), redact);
  const reporter: Reporter = new TeeReporter([shown, new RunLogReporter(redact, (line) => log.write(line), command)]);
  return { redact, reporter, verbosity, sd };
}

/** STATE/run.log, if it is there, is a file kplay can append to (not a directory, not a loop of links). */
function checkRunLog(file: string): void {
  try {
    if (statSync(file).isFile()) return;
  } catch (e) {
    // not there yet, or the state directory is no directory (said by its own check, by name)
    if (["ENOENT", "ENOTDIR"].includes((e as NodeJS.ErrnoException).code ?? "")) return;
    throw fileSystemError(e) ?? e;
  }
  throw new KplayError("input", "the run log is not a regular file: move it away", { where: { file } });
}

/** --list-hosts / --list-tasks, in ansible-playbook's layout. */
function listing(
  inv: Inventory,
  playbooks: Playbook[],
  sel: { limit?: Set<string>; tags: string[]; skipTags: string[]; extraVars: Record<string, unknown> },
  show: { hosts: boolean; tasks: boolean },
): string {
  const { hosts, tasks } = show;
  const { limit } = sel;
  const out: string[] = [];
  for (const pb of playbooks) {
    out.push(`\nplaybook: ${pb.file}`);
    for (const play of pb.plays) {
      const hs = matchPattern(inv, play.hosts).hosts.filter((h) => !limit || limit.has(h));
      out.push(`\n  play #${play.index + 1} (${play.hosts.join(",")}): ${play.name}\tTAGS: [${play.tags.join(",")}]`);
      if (hosts) {
        out.push(
          `    pattern: ${JSON.stringify(play.hosts)}`,
          `    hosts (${hs.length}):`,
          ...hs.map((h) => `      ${h}`),
        );
      }
      if (tasks) {
        out.push(`    tasks:`);
        for (const t of allTasks([...play.preTasks, ...play.tasks, ...play.postTasks])) {
          const tags = resolveTags([...new Set([...play.tags, ...t.tags])], { ...play.vars, ...sel.extraVars });
          if (selectedByTags(tags, sel)) out.push(`      ${taskLabel(t)}\tTAGS: [${tags.sort().join(", ")}]`);
        }
      }
    }
  }
  return out.join("\n");
}
