// Owns the `raw` module (run a command string as is, no guards) and `script` (send a controller
// script over the connection and run it on the host, with creates/removes/chdir), each one round trip.
import { sha256Hex } from "../hash.js";
import { basename } from "node:path";
import { z } from "zod";
import { joinSh, raw, sh, type Sh, userScript } from "../transport/sh.js";
import { receiveStdin, T_VAR } from "../transport/stdin.js";
import { splitArgs, truncation } from "./command.js";
import { OUTPUT_LIMIT } from "../transport/output.js";
import { defineModule, lines, type ModuleContext, type ModuleResult } from "./types.js";
import type { ExecResult } from "../transport/types.js";

/** What raw and script report: output as the command left it, the exit code, any truncation. */
function ranResult(r: ExecResult): ModuleResult {
  return {
    changed: true,
    failed: r.rc !== 0,
    rc: r.rc,
    stdout: r.stdout,
    stderr: r.stderr,
    stdout_lines: lines(r.stdout),
    ...truncation(r),
    ...(r.rc ? { msg: "non-zero return code" } : {}),
  };
}

export const rawModule = defineModule({
  name: "raw",
  noAsync: true,
  undo: "task",
  streams: true,
  freeForm: "_raw",
  schema: z.object({ _raw: z.string().min(1), executable: z.string().optional() }).strict(),
  run: async (ctx, a) => {
    if (ctx.check) return { changed: false, skipped: true, msg: "raw is not run in check mode" };
    const r = await ctx.exec(a.executable ? sh`exec ${a.executable} -c ${a._raw}` : userScript(a._raw), {
      outputLimit: OUTPUT_LIMIT,
    });
    return ranResult(r);
  },
});

export const scriptModule = defineModule({
  name: "script",
  noAsync: true,
  undo: "task",
  streams: true,
  freeForm: "cmd",
  schema: z
    .object({
      cmd: z.string().min(1),
      creates: z.string().optional(),
      removes: z.string().optional(),
      chdir: z.string().optional(),
      executable: z.string().optional(),
    })
    .strict(),
  run: async (ctx, a) => {
    const [file, ...args] = splitArgs(a.cmd);
    const body = ctx.readLocal(file, a.cmd); // the script's name is the first word of cmd
    if (a.chdir && !a.chdir.startsWith("/"))
      return {
        changed: false,
        failed: true,
        msg: `chdir ${a.chdir} must be an absolute path for a Unix-aware remote node`,
      };
    // creates/removes first, as Ansible's script action does (it skips the task), also in check mode
    const guard = scriptGuard(a);
    if (ctx.check) return checkScript(ctx, a, guard);
    const script = joinSh([
      guard,
      raw(`t=$(mktemp /tmp/.kplay-script.XXXXXX) || exit 1; trap 'rm -f "$t"' EXIT`),
      receiveStdin(T_VAR, sha256Hex(body)),
      raw(`chmod 700 "$t"`),
      a.chdir ? sh`cd -- ${a.chdir} || exit 1` : undefined,
      a.executable ? sh`${a.executable} "$t" ${args} </dev/null` : sh`"$t" ${args} </dev/null`,
    ]);
    const r = await ctx.exec(script, { stdin: body, outputLimit: OUTPUT_LIMIT });
    if (r.rc === 0 && r.stdout.trim() === "KPLAY-SKIPPED") return skippedByGuard(a);
    return { ...ranResult(r), script: basename(file) };
  },
});

type ScriptArgs = { creates?: string; removes?: string };

/** The creates/removes test; it reads the script from stdin first, so the sender is never blocked. */
function scriptGuard(a: ScriptArgs): Sh | undefined {
  if (a.creates) return sh`if [ -e ${a.creates} ]; then cat >/dev/null; echo KPLAY-SKIPPED; exit 0; fi`;
  if (a.removes) return sh`if [ ! -e ${a.removes} ]; then cat >/dev/null; echo KPLAY-SKIPPED; exit 0; fi`;
  return undefined;
}

function skippedByGuard(a: ScriptArgs): ModuleResult {
  const msg = a.creates
    ? `${a.creates} exists, matching creates option`
    : `${a.removes} does not exist, matching removes option`;
  return { changed: false, skipped: true, msg };
}

/** Check mode: with creates/removes the script would run unless they say not (changed); else skipped. */
async function checkScript(ctx: ModuleContext, a: ScriptArgs, guard: Sh | undefined): Promise<ModuleResult> {
  if (!guard) return { changed: false, skipped: true, msg: "Check mode is not supported for this task." };
  const r = await ctx.exec(joinSh([guard, sh`echo would-run`]), { stdin: "" });
  return r.rc === 0 && r.stdout.trim() === "KPLAY-SKIPPED" ? skippedByGuard(a) : { changed: true };
}
