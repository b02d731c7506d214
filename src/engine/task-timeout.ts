// Owns the time limits of a task's attempt: the timeout keyword (each attempt of a task may take so
// many seconds, then fails in Ansible's words) and async with poll (the command's own limit), as
// the limit each command is run with.
import type { ModuleResult } from "../modules/index.js";
import type { TaskRun } from "./context.js";

/** An exec's time limit: async's seconds, or what is left of the attempt's timeout, the sooner. */
export function execLimit(asyncSeconds: number | undefined, deadline: number | undefined): { timeoutMs?: number } {
  const limits = [
    asyncSeconds ? asyncSeconds * 1000 : Infinity,
    deadline ? Math.max(1, deadline - Date.now()) : Infinity,
  ];
  const ms = Math.min(...limits);
  return ms === Infinity ? {} : { timeoutMs: ms };
}

/** The timeout keyword's failure, in Ansible's words. */
export function timedOut(t: TaskRun): ModuleResult {
  const frame = `the expected time frame (${t.eff.timeout})`;
  return {
    changed: false,
    failed: true,
    msg: `The ${t.task.module} action failed to execute in ${frame} and was terminated`,
  };
}

/** A module's run, or `late` once the deadline passes (its command is ended by its own time limit). */
export async function withinDeadline(run: Promise<ModuleResult>, deadline: number | undefined, late: ModuleResult) {
  if (deadline === undefined) return run;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<ModuleResult>((res) => (timer = setTimeout(() => res(late), deadline - Date.now())));
  run.catch(() => undefined); // a run still going when its time is up ends on its own; its result is dropped
  try {
    const r = await Promise.race([run, expired]);
    // its command cut off by the limit execLimit gave it (timers may fire a little early)
    return r.rc === 124 && Date.now() >= deadline - 1000 ? late : r;
  } finally {
    clearTimeout(timer);
  }
}
