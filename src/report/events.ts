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
  | { event: "task_start"; play: string; task: string; handler: boolean; hosts: number; file?: string; line?: number }
  | { event: "host_result"; task: string; module: string; host: string; status: HostStatus; elapsed_ms: number; result: Record<string, unknown>; item?: unknown }
  | { event: "task_end"; task: string; elapsed_ms: number }
  | { event: "output"; host: string; task: string; stream: "stdout" | "stderr"; text: string }
  | { event: "warning"; message: string }
  | { event: "recap"; hosts: Record<string, RecapCounts>; elapsed_ms: number; ok: boolean };

export interface Reporter {
  emit(e: KplayEvent): void;
  close?(): void;
}

export function emptyCounts(): RecapCounts {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}
