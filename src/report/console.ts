// Owns the human console output: PLAY/TASK headers, a line per host with its status, elapsed
// time per task, a final recap table like Ansible's. Colours only on a TTY. Secrets masked.
import { Chalk } from "chalk";
import type { KplayEvent, Reporter, HostStatus } from "./events.js";
import { unifiedDiff } from "./diff.js";
import type { Redactor } from "./redact.js";
import { stepLines } from "./steps-view.js";
import { terminalSafe } from "./terminal.js";

function colourDiff(c: InstanceType<typeof Chalk>, text: string): string {
  return text
    .split("\n")
    .map((l) => (l.startsWith("+") ? c.green(l) : l.startsWith("-") ? c.red(l) : l.startsWith("@@") ? c.cyan(l) : l))
    .join("\n");
}

/** A result's diff as text: attributes (the file module's) as indented JSON, as Ansible prints them. */
function diffText(diff: unknown): { before: string; after: string; path: string } | undefined {
  // copy and template give a list of pairs (Ansible's shape): the first is the content's
  const d = Array.isArray(diff) ? diff[0] : diff;
  if (!d || typeof d !== "object") return undefined;
  const { before, after, before_header } = d as { before?: unknown; after?: unknown; before_header?: unknown };
  const path = (d as { path?: unknown }).path ?? before_header;
  const text = (v: unknown) => (typeof v === "string" ? v : `${JSON.stringify(v ?? {}, null, 4)}\n`);
  const [b, a] = [text(before), text(after)];
  if (b === a) return undefined;
  const where = path ?? (before as { path?: unknown } | undefined)?.path;
  return { before: b, after: a, path: String(where ?? "") };
}

export class ConsoleReporter implements Reporter {
  private c: InstanceType<typeof Chalk>;
  constructor(
    private readonly redact: Redactor,
    private readonly verbosity = 0,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly showDiff = false,
  ) {
    this.c = new Chalk({ level: out.isTTY && !process.env.NO_COLOR ? 1 : 0 });
  }

  private line(s: string): void {
    this.out.write(terminalSafe(this.redact.text(s)) + "\n");
  }

  private header(kind: string, title: string): string {
    const head = `${kind} [${title}] `;
    return head + "*".repeat(Math.max(3, 72 - head.length));
  }

  emit(raw: KplayEvent): void {
    // values are masked before they are formatted (JSON escaping would hide a secret from text masking)
    const e = this.redact.value(raw);
    const c = this.c;
    switch (e.event) {
      case "play_start":
        this.line("\n" + c.bold(this.header("PLAY", e.play)));
        break;
      case "task_start":
        this.line("\n" + c.bold(this.header(e.handler ? "RUNNING HANDLER" : "TASK", e.task)));
        break;
      case "host_result":
        this.hostResult(e);
        break;
      case "output":
        for (const l of e.text.replace(/\n$/, "").split("\n"))
          this.line(c.dim(`  [${e.host}] ${e.stream === "stderr" ? "! " : ""}${l}`));
        break;
      case "task_end":
        this.line(c.dim(`  ${(e.elapsed_ms / 1000).toFixed(2)}s`));
        break;
      case "warning":
        this.line(c.magenta(`[WARNING]: ${e.message}`));
        break;
      case "step_start":
      case "step_skip":
      case "step_rerun":
      case "step_end":
      case "steps_end":
        stepLines(e, c).forEach((l) => this.line(l));
        break;
      case "recap":
        this.recap(e);
        break;
    }
  }

  private hostResult(e: Extract<KplayEvent, { event: "host_result" }>): void {
    const c = this.c;
    const colour: Record<HostStatus, (s: string) => string> = {
      ok: c.green,
      changed: c.yellow,
      failed: c.red,
      unreachable: c.red,
      skipped: c.cyan,
      ignored: c.red,
    };
    const label = e.status === "failed" ? "fatal" : e.status === "ignored" ? "failed" : e.status;
    const item =
      e.item !== undefined ? ` => (item=${typeof e.item === "string" ? e.item : JSON.stringify(e.item)})` : "";
    let detail = "";
    const r = e.result;
    if (e.status === "failed" || e.status === "unreachable" || e.status === "ignored") {
      detail = `: ${e.status === "unreachable" ? "UNREACHABLE!" : "FAILED!"} => ${summarize(r)}`;
    } else if (this.verbosity > 0 || e.module === "debug") {
      detail = ` => ${JSON.stringify(r, null, e.module === "debug" ? 2 : 0)}`;
    }
    const time = this.verbosity > 0 ? c.dim(` (${e.elapsed_ms} ms)`) : "";
    const diff = diffText(r.diff);
    if (this.showDiff && diff && (e.status === "changed" || e.status === "ok"))
      this.line(colourDiff(c, unifiedDiff(diff.before, diff.after, diff.path)));
    this.line(
      colour[e.status](`${label}: [${e.host}]${item}${detail}`) +
        time +
        (e.status === "ignored" ? c.cyan("\n...ignoring") : ""),
    );
  }

  private recap(e: Extract<KplayEvent, { event: "recap" }>): void {
    const c = this.c;
    this.line("\n" + c.bold(this.header("PLAY RECAP", "").replace(" [] ", " ")));
    const width = Math.max(10, ...Object.keys(e.hosts).map((h) => h.length));
    for (const [h, n] of Object.entries(e.hosts)) {
      const bad = n.failed > 0 || n.unreachable > 0;
      const name = (bad ? c.red : n.changed ? c.yellow : c.green)(h.padEnd(width));
      const plain = (t: string) => t;
      const cells = [
        c.green(`ok=${n.ok}`.padEnd(6)),
        c.yellow(`changed=${n.changed}`.padEnd(10)),
        (n.unreachable ? c.red : plain)(`unreachable=${n.unreachable}`.padEnd(14)),
        (n.failed ? c.red : plain)(`failed=${n.failed}`.padEnd(9)),
        `skipped=${n.skipped}  rescued=${n.rescued}  ignored=${n.ignored}`,
      ];
      this.line(`${name} : ${cells.join(" ")}`);
    }
    this.line(c.dim(`\nfinished in ${(e.elapsed_ms / 1000).toFixed(2)}s`));
  }
}

function summarize(r: Record<string, unknown>): string {
  const keep: Record<string, unknown> = {};
  // what says why: a condition that could not be evaluated is the whole reason (Ansible shows it)
  const why = ["changed_when_result", "failed_when_result"].filter((k) => typeof r[k] === "string");
  for (const k of ["msg", ...why, "assertion", "evaluated_to", "rc", "stderr", "stdout", "cmd", "censored"])
    if (r[k] !== undefined && r[k] !== "") keep[k] = r[k];
  return JSON.stringify(keep);
}
