// Owns `kplay report`: the flags and printing of a run's report (report/run-report.ts) read
// from the state directory's run log. Read-only: it never writes state.
import { join } from "node:path";
import { writeFileAtomic } from "../state/atomic.js";
import { checkOutputFile } from "./output-file.js";
import { KplayError } from "../errors.js";
import { reportHtml } from "../report/run-report-html.js";
import { listCommands, readReport, reportText } from "../report/run-report.js";
import { COMMON, parse, stateDir, type Common } from "./options.js";
import { terminalSafe } from "../report/terminal.js";

/** A line for the terminal: node output in it (error messages, names) shows its control characters as text. */
const say = (line: string): void => console.log(terminalSafe(line));

export const REPORT_HELP = `\
Usage: kplay report (-i INVENTORY | -c CONFIG | --sandbox | --state-dir DIR) [--run N] [--html FILE] [--list]

A report of one command recorded in the state directory's run log (the last one by default):
per host its tasks with their status and time, each step's time, and every failure with its
output (secrets are masked in the run log, so they are here). As text, or with --html FILE as
one self-contained HTML page (no network, no script): a per-host timeline of steps and tasks,
the failures with their output, the slowest tasks.

Options:
  --run N        the Nth command recorded (1 = the oldest; see --list)
  --list         list the recorded commands
  --html FILE    write the HTML page to FILE (an existing file only with --force)
  --force        replace an existing --html FILE`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON,
      run: { type: "string" },
      html: { type: "string" },
      list: { type: "boolean" },
      force: { type: "boolean" },
    },
    "report",
  );
  if (values.help) {
    say(REPORT_HELP);
    return 0;
  }
  if (positionals.length) throw new KplayError("usage", `report takes no arguments (got ${positionals.join(" ")})`);
  const log = join(stateDir(values as Common), "run.log");
  const html =
    values.html === undefined
      ? undefined
      : checkOutputFile(values.html, { flag: "--html", force: !!values.force, inputs: [log] });
  if (values.list) {
    for (const c of await listCommands(log)) say(`${String(c.index).padStart(3)}  ${c.time}  ${c.command}`);
    return 0;
  }
  if (values.run !== undefined && !/^[1-9]\d*$/.test(values.run))
    throw new KplayError("usage", `--run takes a number from --list, got ${JSON.stringify(values.run)}`);
  const report = await readReport(log, values.run === undefined ? undefined : Number(values.run));
  if (html) {
    writeFileAtomic(html, reportHtml(report), 0o600);
    say(
      `wrote ${values.html}: ${report.command} (${report.hosts.length} host(s), ${report.tasks.length} task result(s))`,
    );
  } else say(reportText(report));
  return 0;
}
