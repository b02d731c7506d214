// Owns how step progress reads on the console: a header per step with its place in the list,
// why a done step runs again on a host, each step's result, and the overall summary of a
// multi-step command (what ran, what was already done, where it stopped and how to continue).
import type { Chalk } from "chalk";
import type { RerunReason, StepEvent } from "./events.js";

const WHY: Record<RerunReason, string> = {
  earlier_step_reran: "an earlier step re-ran on it",
  files_changed: "its playbook, task files or templates changed",
  vars_changed: "its variables changed",
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
/** Host names for a line: the first `max`, then how many more. */
export const hostList = (hosts: string[], max = 5) =>
  hosts.length > max ? `${hosts.slice(0, max).join(", ")} and ${hosts.length - max} more` : hosts.join(", ");

/** The console lines for a step event. */
export function stepLines(e: StepEvent, c: InstanceType<typeof Chalk>): string[] {
  switch (e.event) {
    case "step_start": {
      const before = e.done_before > 0 ? ` (done before on ${e.done_before})` : "";
      return ["", c.bold.blue(`STEP ${e.index}/${e.total} ${e.step}: on ${hostList(e.hosts)}${before}`)];
    }
    case "step_skip": {
      const why = {
        done: `already done on all ${e.hosts} host(s), skipped`,
        no_hosts: "none of this run's hosts is in its groups, skipped",
        stopped: "not run: its hosts stopped in an earlier step",
      }[e.reason];
      return [(e.reason === "stopped" ? c.red : c.blue)(`STEP ${e.index}/${e.total} ${e.step}: ${why}`)];
    }
    case "step_rerun":
      return [c.blue(`step ${e.step} runs again on ${e.host}: ${WHY[e.reason]}`)];
    case "step_end":
      return e.failed.length === 0
        ? [c.blue(`STEP ${e.index}/${e.total} ${e.step}: done on ${e.ok.length} host(s) in ${seconds(e.elapsed_ms)}`)]
        : [
            c.red(
              `STEP ${e.index}/${e.total} ${e.step}: failed on ${hostList(e.failed)}; done on ${e.ok.length} host(s)`,
            ),
          ];
    case "steps_end":
      return summary(e, c);
  }
}

function summary(e: Extract<StepEvent, { event: "steps_end" }>, c: InstanceType<typeof Chalk>): string[] {
  const counts = [`${e.ran.length} ran`, `${e.skipped.length} already done`];
  if (e.no_hosts.length) counts.push(`${e.no_hosts.length} with none of this run's hosts`);
  if (e.not_run.length) counts.push(`${e.not_run.length} not run (their hosts stopped)`);
  const out = ["", c.bold(`STEPS: ${counts.join(", ")}, in ${seconds(e.elapsed_ms)}`)];
  if (e.ok && e.filtered)
    return [...out, c.green(`the tasks ${e.filtered} selects ran; no step is recorded done (a run of part of a step)`)];
  if (e.ok && e.ran.length === 0 && e.skipped.length === 0)
    return [...out, c.yellow("nothing ran: no step has a host of this run")];
  if (e.ok) return [...out, c.green("all steps done on every host")];
  for (const s of e.stopped) out.push(c.red(`  ${s.host}: stopped in step ${s.step}`));
  if (e.hint) out.push(c.red(e.hint));
  return out;
}
