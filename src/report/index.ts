// Public surface of the report concern.
export { ConsoleReporter } from "./console.js";
export { StepConsoleReporter } from "./step-console.js";
export { JsonReporter, TeeReporter } from "./json.js";
export { isSecretName, Redactor, MASK, secrets } from "./redact.js";
export { LineSink, flushOutput } from "./sink.js";
export { emptyCounts, type KplayEvent, type Reporter, type RecapCounts, type HostStatus } from "./events.js";
