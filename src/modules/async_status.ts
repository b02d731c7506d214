// Owns fire-and-forget tasks on the node (`async` with `poll: 0`) and the `async_status` module
// that asks about them. A job is a directory ~/.ansible_async/JID.kplay of the user the task runs
// as: the module's script (sent on stdin, never in a process list), its output, exit status and
// start and end times. The job runs detached (setsid) under `timeout`, so it outlives the SSH
// session and stops at the task's `async` seconds, as Ansible's async_wrapper does.
import { z } from "zod";
import { raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, type ModuleResult } from "./types.js";

/** The modules a fire-and-forget task may run: one script each, whose output makes the result. */
export const FIRE_AND_FORGET = new Set(["command", "shell", "raw"]);

/** Where a job's files are, for the result (as Ansible's results_file). */
export const resultsFile = (jid: string) => `~/.ansible_async/${jid}`;

/** Starts the script arriving on stdin as job `jid`, limited to `seconds`; prints the job id. */
export function launchScript(jid: string, seconds: number): Sh {
  return sh`j_=${jid}; t_=${seconds}; ${raw(
    'd_="$HOME/.ansible_async/$j_.kplay"; mkdir -p "$d_" && chmod 700 "$HOME/.ansible_async" "$d_" || exit 1; ' +
      'cat > "$d_/script" || exit 1; date +%s.%N > "$d_/start"; ' +
      '( setsid sh -c \'timeout "$1" sh "$2/script" < /dev/null > "$2/out" 2> "$2/err"; ' +
      'echo $? > "$2/rc.tmp"; date +%s.%N > "$2/end"; mv "$2/rc.tmp" "$2/rc"\' kplay-job "$t_" "$d_" ' +
      '< /dev/null > /dev/null 2>&1 & ); echo "KPLAY-JOB: $j_"',
  )}`;
}

/** The job id a launch printed (the same on a resumed run that re-attached to the first launch). */
export function launchedJob(stdout: string): string | undefined {
  return /^KPLAY-JOB: (\S+)$/m.exec(stdout)?.[1];
}

/** What a job has left: still running, or its exit status, output and times. */
export interface JobState {
  found: boolean;
  finished: boolean;
  rc?: number;
  stdout?: string;
  stderr?: string;
  start?: number;
  end?: number;
}

function statusScript(jid: string, cleanup: boolean): Sh {
  const d = raw('d_="$HOME/.ansible_async/$j_.kplay"');
  if (cleanup) return sh`j_=${jid}; ${d}; ${raw('if [ -d "$d_" ]; then rm -rf -- "$d_"; echo KPLAY-ERASED; fi')}`;
  return sh`j_=${jid}; ${d}; ${raw(
    'if [ ! -d "$d_" ]; then echo KPLAY-NOJOB; elif [ ! -f "$d_/rc" ]; then echo KPLAY-RUNNING; else ' +
      'echo "KPLAY-RC: $(cat "$d_/rc") $(cat "$d_/start") $(cat "$d_/end")"; ' +
      'echo "KPLAY-OUT: $(base64 -w0 < "$d_/out")"; echo "KPLAY-ERR: $(base64 -w0 < "$d_/err")"; fi',
  )}`;
}

function parseStatus(stdout: string): JobState {
  if (/^KPLAY-NOJOB$/m.test(stdout)) return { found: false, finished: false };
  const rc = /^KPLAY-RC: (\d+) (\S+) (\S+)$/m.exec(stdout);
  if (!rc) return { found: true, finished: false };
  const b64 = (k: string) => Buffer.from(new RegExp(`^${k}: (\\S*)$`, "m").exec(stdout)?.[1] ?? "", "base64");
  const text = (b: Buffer) => b.toString("utf8").replace(/\n$/, "");
  return {
    found: true,
    finished: true,
    rc: Number(rc[1]),
    start: Number(rc[2]),
    end: Number(rc[3]),
    stdout: text(b64("KPLAY-OUT")),
    stderr: text(b64("KPLAY-ERR")),
  };
}

/**
 * async_status: a job still running (finished 0), or ended: its raw state goes in `job` for the
 * engine, which builds the result the task's own module would have given (command's rc, stdout…).
 */
export const asyncStatusModule = defineModule({
  name: "async_status",
  undo: "none",
  idempotent: true,
  schema: z
    .object({
      // a job id names a directory (cleanup removes it): word characters and dots, never a path
      jid: z
        .string()
        .regex(/^[\w.-]+$/, "not a job id")
        .refine((j) => !j.includes(".."), "not a job id"),
      mode: z.enum(["status", "cleanup"]).default("status"),
    })
    .strict(),
  run: async (ctx, a): Promise<ModuleResult> => {
    const r = await ctx.exec(statusScript(a.jid, a.mode === "cleanup"));
    if (r.rc !== 0) return { changed: false, failed: true, msg: (r.stderr || r.stdout).trim() };
    const base = { ansible_job_id: a.jid, results_file: resultsFile(a.jid) };
    if (a.mode === "cleanup") return { changed: false, ansible_job_id: a.jid, erased: resultsFile(a.jid) };
    const job = parseStatus(r.stdout);
    if (!job.found) return { changed: false, failed: true, ...base, msg: `could not find job`, finished: 1 };
    if (!job.finished) return { changed: false, ...base, started: 1, finished: 0 };
    return { changed: false, ...base, started: 1, finished: 1, job };
  },
});
