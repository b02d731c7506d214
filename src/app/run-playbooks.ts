// Owns running validated playbooks for a command (run, deploy-cluster, add-node): a check run
// executes each playbook and records nothing; any other run executes them as recorded steps in
// the command's run-set journal, so that running it again continues where it stopped.
import { Runner, type RunOptions } from "../engine/runner.js";
import { runSteps } from "../engine/steps.js";
import type { Inventory } from "../inventory/index.js";
import type { Playbook } from "../playbook/types.js";
import type { Reporter } from "../report/index.js";
import type { Journal } from "../state/journal.js";
import type { NodePool } from "../transport/index.js";

export interface PlaybookRun {
  inv: Inventory;
  playbooks: Playbook[];
  /** The engine's options (forks, check, diff, variables, limit, tags, secrets, fact cache). */
  run: Omit<RunOptions, "step">;
  /** Continue the recorded run-set (false: start it afresh, the old journal kept aside). */
  resume: boolean;
  reconnectWindowMs: number;
  /** The command, recorded with the run (status shows it). */
  label: string;
  /** How to continue after a stop. */
  continueHint: string;
}

/** Where the run goes: connections, events, the state directory and the run-set's journal (locked). */
export interface RunPlace {
  pool: NodePool;
  report: Reporter;
  stateDir: string;
  journal: Journal;
}

/** True when every host finished every playbook. */
export async function runPlaybookSet(r: PlaybookRun, at: RunPlace): Promise<boolean> {
  if (r.run.check) {
    // A check run changes nothing, so it records nothing.
    let ok = true;
    for (const pb of r.playbooks) ok = (await new Runner(r.inv, at.pool, r.run, at.report).runPlaybook(pb)).ok && ok;
    return ok;
  }
  return runSteps({
    inv: r.inv,
    pool: at.pool,
    playbooks: r.playbooks,
    journal: at.journal,
    stateDir: at.stateDir,
    label: r.label,
    resume: r.resume,
    continueHint: r.continueHint,
    run: r.run,
    reconnectWindowMs: r.reconnectWindowMs,
    report: at.report,
  });
}
