// Owns the state directory's run log (STATE/run.log): JSON lines, secrets masked, appended by
// every command. Each command starts with a command_start record, and every event carries `t`
// (milliseconds since the epoch when it was recorded), so `kplay report` can cut the log into
// commands and draw when each task ran on each host.
import type { KplayEvent, Reporter } from "./events.js";
import type { Redactor } from "./redact.js";

/** The run log's own record, before a command's events. */
export interface CommandStart {
  event: "command_start";
  command: string;
  time: string;
  t: number;
}

export type RunLogRecord = (KplayEvent | CommandStart) & { t?: number };

export class RunLogReporter implements Reporter {
  /** The command_start record, written before the first event: a command refused earlier writes nothing. */
  private start?: CommandStart;

  constructor(
    private readonly redact: Redactor,
    private readonly write: (line: string) => void,
    command: string,
    private readonly now: () => number = Date.now,
  ) {
    const t = now();
    this.start = { event: "command_start", command, time: new Date(t).toISOString(), t };
  }

  emit(e: KplayEvent): void {
    if (this.start) {
      this.write(JSON.stringify(this.redact.value(this.start)) + "\n");
      this.start = undefined;
    }
    this.write(JSON.stringify(this.redact.value({ ...e, t: this.now() })) + "\n");
  }
}
