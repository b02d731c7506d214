// Owns --json output: one event per line on stdout, secrets masked.
import type { KplayEvent, Reporter } from "./events.js";
import type { Redactor } from "./redact.js";
import { LineSink } from "./sink.js";

let stdoutSink: LineSink | undefined;
/** stdout, batched: one write per event-loop turn. */
const toStdout = (line: string) => (stdoutSink ??= new LineSink((d) => process.stdout.write(d))).write(line);

export class JsonReporter implements Reporter {
  constructor(
    private readonly redact: Redactor,
    private readonly write: (line: string) => void = toStdout,
  ) {}

  emit(e: KplayEvent): void {
    this.write(JSON.stringify(this.redact.value(e)) + "\n");
  }
}

/** Sends every event to several reporters (console or JSON, plus the state directory's run log). */
export class TeeReporter implements Reporter {
  constructor(private readonly targets: Reporter[]) {}

  emit(e: KplayEvent): void {
    for (const t of this.targets) t.emit(e);
  }
}
