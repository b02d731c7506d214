// Owns --json output: one event per line on stdout, secrets masked.
import type { KplayEvent, Reporter } from "./events.js";
import type { Redactor } from "./redact.js";

export class JsonReporter implements Reporter {
  constructor(private readonly redact: Redactor, private readonly write: (line: string) => void = (l) => process.stdout.write(l)) {}

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
