// Owns the `command` and `shell` modules: run a program (command: argv, no shell features;
// shell: through sh), honouring chdir, creates, removes and stdin, all in one round trip.
import { z } from "zod";
import { shlexSplit } from "../shlex.js";
import { joinSh, sh, type Sh, userScript } from "../transport/sh.js";
import { OUTPUT_LIMIT } from "../transport/output.js";
import type { ExecResult } from "../transport/types.js";
import { defineModule, lines, type ModuleContext, type ModuleResult } from "./types.js";

const argsSchema = z
  .object({
    cmd: z.string().optional(),
    argv: z.array(z.union([z.string(), z.number()]).transform(String)).optional(),
    chdir: z.string().optional(),
    creates: z.string().optional(),
    removes: z.string().optional(),
    stdin: z.string().optional(),
    stdin_add_newline: z.boolean().default(true),
    strip_empty_ends: z.boolean().default(true),
    executable: z.string().optional(),
  })
  .strict();

type Args = z.infer<typeof argsSchema>;
const SKIP = "KPLAY-SKIPPED-BY-CREATES-REMOVES";
const NO_CHDIR = "KPLAY-CHDIR-FAILED";

async function run(ctx: ModuleContext, a: Args, viaShell: boolean): Promise<ModuleResult> {
  // a task with no command fails when it runs, as Ansible's does (not when the playbook loads)
  if ((a.cmd === undefined || a.cmd.trim() === "") && a.argv === undefined)
    return { changed: false, failed: true, rc: 256, msg: "no command given" };
  if (a.cmd !== undefined && a.argv !== undefined)
    return { changed: false, failed: true, rc: 256, msg: "only command or argv can be given, not both" };
  if (!viaShell && a.executable !== undefined) {
    // Ansible's command module ignores executable, with this warning
    const warning =
      `As of Ansible 2.4, the parameter 'executable' is no longer supported with the 'command' module. ` +
      `Not using '${a.executable}'.`;
    const r = await run(ctx, { ...a, executable: undefined }, false);
    return { ...r, warnings: [...((r.warnings as string[] | undefined) ?? []), warning] };
  }
  // shell: the user's command text is the script (the module's purpose); command: argv, quoted
  const program = viaShell
    ? a.executable
      ? sh`${a.executable} -c ${a.cmd!}`
      : userScript(a.cmd!)
    : sh`${a.argv ?? splitArgs(a.cmd!)}`;
  const before = preamble(a);
  if (ctx.check) return checkModeResult(ctx, a, before);
  const script = joinSh([...before, program]);
  const stdin = a.stdin !== undefined ? a.stdin + (a.stdin_add_newline ? "\n" : "") : undefined;
  const started = Date.now();
  const guard = a.creates !== undefined || a.removes !== undefined ? joinSh(before) : undefined;
  const r = await ctx.exec(script, { stdin, outputLimit: OUTPUT_LIMIT, guard });
  const notRun = r.rc === 0 ? notRunResult(a, r.stdout.trim()) : undefined;
  if (notRun) return notRun;
  // as Ansible: every trailing line end goes, unless strip_empty_ends is false
  const strip = (t: string) => (a.strip_empty_ends ? t.replace(/[\r\n]+$/, "") : t);
  const stdout = strip(r.stdout);
  const stderr = strip(r.stderr);
  return {
    changed: true,
    failed: r.rc !== 0,
    rc: r.rc,
    cmd: viaShell ? a.cmd : (a.argv ?? splitArgs(a.cmd!)),
    stdout,
    stderr,
    stdout_lines: lines(stdout),
    stderr_lines: lines(stderr),
    delta: `${((Date.now() - started) / 1000).toFixed(3)}s`,
    ...truncation(r),
    ...(r.rc !== 0 ? { msg: "non-zero return code" } : {}),
  };
}

/**
 * What runs before the command, as Ansible orders it: change directory (creates/removes are relative
 * to it), then the guards. creates/removes are glob patterns: expanded in a subshell with IFS empty.
 */
function preamble(a: Args): Sh[] {
  const out: Sh[] = [];
  // -P: the physical directory, as os.chdir leaves it (a shell then sees $PWD without symlinks)
  if (a.chdir) out.push(sh`cd -P -- ${a.chdir} 2>/dev/null || { echo ${NO_CHDIR}; exit 0; }`);
  const exists = (pattern: string) => sh`( p=${pattern}; IFS=; set -- $p; [ -e "$1" ] )`;
  if (a.creates) out.push(sh`if ${exists(a.creates)}; then echo ${SKIP}; exit 0; fi`);
  if (a.removes) out.push(sh`if ! ${exists(a.removes)}; then echo ${SKIP}; exit 0; fi`);
  return out;
}

/** Check mode runs only the preamble: with no guard the task is skipped, as Ansible's. */
async function checkModeResult(ctx: ModuleContext, a: Args, before: Sh[]): Promise<ModuleResult> {
  if (!a.creates && !a.removes && !a.chdir)
    return { changed: false, skipped: true, msg: "Command would have run if not in check mode" };
  const r = await ctx.exec(joinSh([...before, sh`echo would-run`]));
  const notRun = r.rc === 0 ? notRunResult(a, r.stdout.trim(), "Would") : undefined;
  if (notRun) return notRun;
  const msg = "Command would have run if not in check mode";
  return a.creates || a.removes ? { changed: true, rc: 0, msg } : { changed: false, skipped: true, msg };
}

/** The result when the directory change or a creates/removes guard stopped the command (Ansible's words). */
function notRunResult(a: Args, marker: string, verb = "Did"): ModuleResult | undefined {
  if (marker === NO_CHDIR)
    return {
      changed: false,
      failed: true,
      msg: `Unable to change directory before execution: [Errno 2] No such file or directory: '${a.chdir}'`,
    };
  if (marker !== SKIP) return undefined;
  const why = a.creates ? `since '${a.creates}' exists` : `since '${a.removes}' does not exist`;
  const stdout = `skipped, ${why.replace(/'/g, "")}`;
  return {
    changed: false,
    rc: 0,
    stdout,
    stderr: "",
    stdout_lines: [stdout],
    stderr_lines: [],
    msg: `${verb} not run command ${why}`,
  };
}

const define = (name: string, viaShell: boolean) =>
  defineModule({
    name,
    undo: "task",
    streams: true,
    freeForm: "cmd",
    schema: argsSchema,
    run: (ctx, a) => run(ctx, a, viaShell),
  });

export const commandModule = define("command", false);
export const shellModule = define("shell", true);

/** shlex-style split for `command:` free form (quotes group words; no shell expansion). */
export const splitArgs = (s: string): string[] => shlexSplit(s);

/** Result fields saying that output was cut to its first and last part, with the full sizes. */
export function truncation(r: ExecResult): Record<string, unknown> {
  if (!r.truncated) return {};
  return {
    output_truncated: true,
    ...(r.truncated.stdout ? { stdout_bytes: r.truncated.stdout } : {}),
    ...(r.truncated.stderr ? { stderr_bytes: r.truncated.stderr } : {}),
  };
}
