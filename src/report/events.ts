// Owns the event stream every run produces (the documented --json schema: one JSON object per
// line, field "event" names the kind) and the Reporter contract that console and JSON output implement.

export type HostStatus = "ok" | "changed" | "failed" | "skipped" | "unreachable" | "ignored";

export interface RecapCounts {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export type KplayEvent =
  | { event: "run_start"; playbook: string; check: boolean; time: string }
  | { event: "play_start"; play: string; hosts: string[] }
  | {
      event: "task_start";
      play: string;
      task: string;
      handler: boolean;
      /** How many hosts the task runs on now, and which. */
      hosts: number;
      targets?: string[];
      file?: string;
      line?: number;
    }
  | {
      event: "host_result";
      task: string;
      module: string;
      host: string;
      status: HostStatus;
      elapsed_ms: number;
      result: Record<string, unknown>;
      item?: unknown;
    }
  | { event: "task_end"; task: string; elapsed_ms: number }
  | { event: "output"; host: string; task: string; stream: "stdout" | "stderr"; text: string }
  | { event: "warning"; message: string }
  | { event: "recap"; hosts: Record<string, RecapCounts>; elapsed_ms: number; ok: boolean }
  | StepEvent;

/** Why a step that was done on a host runs there again. */
export type RerunReason = "earlier_step_reran" | "files_changed" | "vars_changed";

/**
 * Progress of an ordered list of steps (deploy-cluster, add-node, run with several playbooks):
 * `index` counts from 1 of `total`. A step is skipped when it is done on every host it targets
 * ("done") or targets none ("no_hosts"); `step_rerun` says why a done step runs again on a host.
 */
export type StepEvent =
  | { event: "step_start"; step: string; index: number; total: number; hosts: string[]; done_before: number }
  | {
      event: "step_skip";
      step: string;
      index: number;
      total: number;
      /** done: on every host it targets; no_hosts: it targets none; stopped: its hosts stopped earlier. */
      reason: "done" | "no_hosts" | "stopped";
      hosts: number;
    }
  | { event: "step_rerun"; step: string; host: string; reason: RerunReason }
  | {
      event: "step_end";
      step: string;
      index: number;
      total: number;
      ok: string[];
      failed: string[];
      elapsed_ms: number;
    }
  | {
      event: "steps_end";
      ok: boolean;
      ran: string[];
      /** Done on every host they target, so not run again. */
      skipped: string[];
      /** No host of this run is in their groups. */
      no_hosts: string[];
      /** Not run because every host they target stopped in an earlier step. */
      not_run: string[];
      /** Hosts that stopped, with the step they stopped in. */
      stopped: Array<{ host: string; step: string }>;
      elapsed_ms: number;
      /** How to continue after a stop. */
      hint?: string;
      /** The options that ran part of each step (--tags, --skip-tags, --start-at-task): no step recorded done. */
      filtered?: string;
    };

export interface Reporter {
  emit(e: KplayEvent): void;
  close?(): void;
}

export function emptyCounts(): RecapCounts {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
