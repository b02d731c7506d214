// Owns --json output: one event per line on stdout, secrets masked.
import type { KplayEvent, Reporter } from "./events.js";
import type { Redactor } from "./redact.js";

export class JsonReporter implements Reporter {
  constructor(private readonly redact: Redactor, private readonly write: (line: string) => void = (l) => process.stdout.write(l)) {}

  emit(e: KplayEvent): void {
    this.write(JSON.stringify(this.redact.value(e)) + "\n");
  }
}
