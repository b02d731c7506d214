// Owns what commands share around the state directory: taking the lock, opening the journal
// (saying when a torn tail was cut off), and the `kplay status` and `kplay state reset` commands.
import { ConnectionPool } from "../transport/index.js";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { listRunSets } from "../state/runsets.js";
import type { Reporter } from "../report/index.js";
import { Journal } from "../state/journal.js";
import { StateLock } from "../state/lock.js";
import { COMMON, confirmReset, forks, loadInv, parse, stateDir, words, type Common } from "./options.js";
import type { ClusterSession } from "../cluster/session.js";
import type { Inventory } from "../inventory/index.js";
import { FactCache } from "../state/facts.js";
import { terminalSafe } from "../report/terminal.js";

/** A line for the terminal: node output in it (error messages, names) shows its control characters as text. */
const say = (line: string): void => console.log(terminalSafe(line));

/** Take the state directory's lock and open the journal of the run-set in `journalDir` (default: the cluster's). */
export async function withState<T>(
  at: { dir: string; journalDir?: string },
  command: string,
  report: Reporter,
  fn: (j: Journal) => Promise<T>,
): Promise<T> {
  const { dir, journalDir = dir } = at;
  const lock = StateLock.acquire(dir, command, (m) => report.emit({ event: "warning", message: m }));
  const onSignal = () => {
    lock.release();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const journal = new Journal(journalDir);
    if (journal.droppedTail) {
      report.emit({
        event: "warning",
        message:
          `the journal ended in a torn or corrupt record (${journal.droppedTail.bytes} bytes after record ` +
          `${journal.droppedTail.line}); it was cut off and is not trusted`,
      });
    }
    try {
      return await fn(journal);
    } finally {
      journal.close();
    }
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    lock.release();
  }
}

/** The connection pool of a command: the state directory's known_hosts, --accept-new-host-keys, keep-alive. */
/**
 * Run a cluster workflow (src/cluster/) holding the state lock: its session of inventory,
 * connections (closed afterwards), reporter, journal, fact cache and fork limit; its exit code.
 */
export function withClusterSession(
  at: { o: Common; inv: Inventory; sd: string; reporter: Reporter },
  command: string,
  fn: (s: ClusterSession) => Promise<number>,
): Promise<number> {
  const { o, inv, sd, reporter } = at;
  return withState({ dir: sd }, command, reporter, async (journal) => {
    const pool = openPool(sd, o);
    try {
      const facts = new FactCache(join(sd, "facts"));
      return await fn({ inv, pool, report: reporter, journal, facts, stateDir: sd, forks: forks(o) });
    } finally {
      await pool.closeAll();
    }
  });
}

export function openPool(stateDir: string, o: Common): ConnectionPool {
  return new ConnectionPool({
    knownHostsFile: join(stateDir, "known_hosts"),
    acceptNewHostKeys: !!o["accept-new-host-keys"],
    ...keepalive(),
  });
}

/** SSH keep-alive; KPLAY_KEEPALIVE_MS shortens it (tests that black-hole links use 1000). */
export function keepalive(): { keepaliveIntervalMs?: number } {
  const v = Number(process.env.KPLAY_KEEPALIVE_MS);
  return Number.isFinite(v) && v > 0 ? { keepaliveIntervalMs: v } : {};
}

export const STATUS_HELP = `\
Usage: kplay status (-i INVENTORY | -c CONFIG | --sandbox) [--state-dir DIR] [--json]

Per host, each step is done, failed (with the task and the first line of why), pending, or not
applicable (its plays target no group the host is in); also tasks done in an unfinished step and
handlers notified but not yet run (they run on --resume). Read-only: it never writes state.

--json prints JSON lines, like --json elsewhere: one {"event":"status", ...} line (state directory,
run-set, command, run id, steps), then one {"event":"host_status", ...} line per host with
"steps": {STEP: "done" | "failed" | "pending" | "not_applicable"}.`;

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, COMMON, "status");
  words("status", positionals, 0);
  if (values.help) {
    say(STATUS_HELP);
    return 0;
  }
  const o = values as Common;
  const dir = stateDir(o);
  const inv = loadInv(o);
  // read-only: status never writes, truncates or rotates state; it shows the run-set written last
  const sets = existsSync(dir) ? listRunSets(dir) : [];
  const j = new Journal(sets[0]?.dir ?? dir, { readOnly: true });
  const others = sets.slice(1).map((s) => relative(dir, s.dir) || ".");
  const steps = j.knownSteps();
  const hosts = inv.hostNames.map((h) => hostProgress(j, steps, h));
  if (values.json) {
    const runSet = relative(dir, j.dir) || ".";
    const head = { event: "status", stateDir: dir, runSet, command: j.label ?? null, run: j.runId || null, steps };
    say(JSON.stringify({ ...head, otherRunSets: others }));
    for (const h of hosts) say(JSON.stringify({ event: "host_status", ...h }));
    return 0;
  }
  if (!j.runId) {
    say(`nothing recorded in ${dir}`);
    if (j.droppedTail) say(tornNote(j.droppedTail));
    return 0;
  }
  say(`run ${j.runId}${j.label ? ` (${j.label})` : ""}: steps ${steps.join(", ")}  (state in ${j.dir})`);
  if (j.droppedTail) say(tornNote(j.droppedTail));
  for (const h of hosts) say(`${h.host.padEnd(12)} ${progressLine(h)}`);
  if (others.length) say(`other recorded run-sets: ${others.join(", ")}`);
  return 0;
}

type StepState = "done" | "failed" | "pending" | "not_applicable";

interface HostProgress {
  host: string;
  /** The steps that apply to the host (all of them when the journal holds no plan). */
  applicable: string[];
  done: string[];
  /** Applicable steps not done on the host. */
  missing: string[];
  /** Every recorded step: done, failed, pending (applies, not done, not failed) or not applicable. */
  steps: Record<string, StepState>;
  stopped?: { step: string; task: string; msg: string; unreachable: boolean };
  partial?: { step: string; tasks: number };
  pendingHandlers: string[];
}

/** What the journal holds of one host: steps done, where it stopped, a step half done, handlers due. */
function hostProgress(j: Journal, steps: string[], host: string): HostProgress {
  const applicable = steps.filter((s) => j.stepTargets(s)?.has(host) ?? true);
  const p: HostProgress = { host, applicable, done: [], missing: [], steps: {}, pendingHandlers: [] };
  for (const s of steps) p.steps[s] = applicable.includes(s) ? "pending" : "not_applicable";
  for (const s of applicable) {
    const st = j.hostState(s, host);
    if (!st) continue;
    if (st.done) {
      p.done.push(s);
      p.steps[s] = "done";
    } else if (st.failed) {
      p.steps[s] = "failed";
      const { task, msg, unreachable } = st.failed;
      p.stopped ??= { step: s, task, msg, unreachable };
    }
    if (!st.done && st.tasks.size) p.partial ??= { step: s, tasks: st.tasks.size };
    p.pendingHandlers.push(...j.pendingHandlers(s, host).map((x) => `${s}: ${x}`));
  }
  p.missing = applicable.filter((s) => !p.done.includes(s));
  return p;
}

function progressLine(h: HostProgress): string {
  if (h.applicable.length === 0) return "no step applies to it";
  const parts = [`${h.done.length}/${h.applicable.length} steps done`];
  if (h.stopped) {
    const why = `${h.stopped.unreachable ? "unreachable" : "failed"}: ${h.stopped.msg.split("\n")[0].slice(0, 160)}`;
    parts.push(`stopped in ${h.stopped.step} at "${h.stopped.task}" (${why})`);
  }
  const pending = Object.keys(h.steps).filter((s) => h.steps[s] === "pending");
  if (pending.length) parts.push(`${h.stopped ? "then pending" : "not done"}: ${pending.join(", ")}`);
  const notApplicable = Object.keys(h.steps).filter((s) => h.steps[s] === "not_applicable");
  if (notApplicable.length) parts.push(`not applicable: ${notApplicable.join(", ")}`);
  if (h.partial) parts.push(`${h.partial.tasks} task(s) of ${h.partial.step} done`);
  if (h.pendingHandlers.length) parts.push(`pending handlers: ${h.pendingHandlers.join(", ")}`);
  return parts.join("; ");
}

export const STATE_HELP = `\
Usage: kplay state reset (-i INVENTORY | -c CONFIG | --sandbox | --state-dir DIR) [--yes]

Forget every recorded step and task (the journal and the steps file), so the next run starts
from the beginning. known_hosts and any backups in the state directory are kept.`;

export async function stateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON, yes: { type: "boolean", short: "y" } }, "state");
  if (values.help || positionals[0] !== "reset") {
    say(STATE_HELP);
    return values.help ? 0 : 2;
  }
  words("state reset", positionals.slice(1), 0);
  const dir = stateDir(values as Common);
  if (!existsSync(dir)) {
    say(`nothing to reset: ${dir} does not exist`);
    return 0;
  }
  const files = [
    ...readdirSync(dir).filter((f) => /^journal.*\.jsonl$/.test(f) || f === "steps"),
    ...(existsSync(join(dir, "runs")) ? ["runs"] : []),
  ];
  // the same confirmation as remove-cluster and remove-node: type "yes", or --yes without a terminal
  if (
    !values.yes &&
    !(await confirmReset(
      "state reset forgets all recorded progress",
      `Forget all recorded progress in ${dir} (${files.length} file(s))?`,
    ))
  )
    return 1;
  const lock = StateLock.acquire(dir, "kplay state reset", (m) => console.error(`kplay: warning: ${m}`));
  try {
    for (const f of files) rmSync(join(dir, f), { force: true, recursive: f === "runs" });
  } finally {
    lock.release();
  }
  say(`removed ${files.length} file(s) from ${dir}`);
  return 0;
}

function tornNote(t: { bytes: number; line: number }): string {
  return `note: the journal ends in a torn record (${t.bytes} bytes after record ${t.line}); the next run cuts it off`;
}
