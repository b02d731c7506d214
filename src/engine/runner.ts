// Owns executing a validated playbook, assembled from the engine's pieces along Ansible's seams:
// the play iterator (what runs next for which host: play-iterator.ts), the task executor
// (variables, loops, conditions, retries, the module call: task-executor.ts), the node-exec
// pipeline (detach, reconnect, secrets on stdin: node-exec.ts), fan-out over hosts with events
// (fan-out.ts) and the journal records (task-journal.ts). It reports through events and never prints.
import type { Inventory } from "../inventory/index.js";
import type { Play, Playbook } from "../playbook/types.js";
import type { Reporter } from "../report/index.js";
import type { NodePool } from "../transport/index.js";
import type { Engine, RunOptions, RunSummary } from "./context.js";
import { FanOut } from "./fan-out.js";
import { HostStates, type HostOutcome } from "./host-states.js";
import { NodeExec } from "./node-exec.js";
import { PlayIterator } from "./play-iterator.js";
import { TaskExecutor } from "./task-executor.js";
import { TaskJournal } from "./task-journal.js";

export type { RunOptions, RunSummary, StepRun } from "./context.js";
export { inherit, serialBatches } from "./keywords.js";

export class Runner {
  private readonly e: Engine;
  private readonly iterator: PlayIterator;
  private readonly node: NodeExec;
  private readonly started = Date.now();

  constructor(inv: Inventory, pool: NodePool, opts: RunOptions, report: Reporter) {
    this.e = { inv, pool, opts, report, hosts: new HostStates(inv, opts.factCache) };
    const node = new NodeExec(this.e);
    this.node = node;
    const journal = new TaskJournal(this.e);
    const executor = new TaskExecutor(this.e, node);
    const fanOut = new FanOut(this.e, journal, (t, h) => executor.title(t, h));
    this.iterator = new PlayIterator(this.e, { executor, fanOut, journal, node });
  }

  async runPlaybook(pb: Playbook): Promise<RunSummary> {
    const { report, opts, hosts } = this.e;
    report.emit({ event: "run_start", playbook: pb.file, check: opts.check, time: new Date().toISOString() });
    for (const play of pb.plays) {
      await this.iterator.runPlay(pb, play);
      if (this.iterator.stoppedBy) break; // any_errors_fatal / max_fail_percentage end the playbook
    }
    const ok = hosts.allOk();
    const recap = hosts.recap();
    report.emit({ event: "recap", hosts: recap, elapsed_ms: Date.now() - this.started, ok });
    return { ok, hosts: recap };
  }

  /** Hosts a play targets: its pattern, narrowed by --limit. */
  playHosts(play: Play): string[] {
    return this.iterator.playHosts(play);
  }

  /** Hosts a detached command ran on: the only ones whose step run directory needs removing. */
  runDirHosts(): ReadonlySet<string> {
    return this.node.runDirHosts;
  }

  /** How each host ended: ok, or the failure that stopped it (for the journal and `kplay status`). */
  hostOutcomes(): Map<string, HostOutcome> {
    return this.e.hosts.outcomes();
  }
}
