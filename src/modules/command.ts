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
    executable: z.string().optional(),
  })
  .strict();

type Args = z.infer<typeof argsSchema>;
const SKIP = "KPLAY-SKIPPED-BY-CREATES-REMOVES";

async function run(ctx: ModuleContext, a: Args, viaShell: boolean): Promise<ModuleResult> {
  // a task with no command fails when it runs, as Ansible's does (not when the playbook loads)
  if (a.cmd === undefined && a.argv === undefined)
    return { changed: false, failed: true, rc: 256, msg: "no command given" };
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
  const guard: Sh[] = [];
  if (a.creates) guard.push(sh`if [ -e ${a.creates} ]; then echo ${SKIP}; exit 0; fi`);
  if (a.removes) guard.push(sh`if [ ! -e ${a.removes} ]; then echo ${SKIP}; exit 0; fi`);
  if (ctx.check) {
    // In check mode a command is not run; report what would happen (skipped, as Ansible does).
    const r = guard.length ? await ctx.exec(joinSh([...guard, sh`echo would-run`])) : { stdout: "would-run" };
    const skippedByGuard = r.stdout.trim() === SKIP;
    return {
      changed: !skippedByGuard,
      skipped: true,
      msg: skippedByGuard ? "guard file says nothing to do" : "command would run (not run in check mode)",
    };
  }
  const script = joinSh([...guard, a.chdir ? sh`cd -- ${a.chdir} || exit 1` : undefined, program]);
  const stdin = a.stdin !== undefined ? a.stdin + (a.stdin_add_newline ? "\n" : "") : undefined;
  const started = Date.now();
  const r = await ctx.exec(script, { stdin, outputLimit: OUTPUT_LIMIT });
  if (guard.length && r.rc === 0 && r.stdout.trim() === SKIP) {
    return {
      changed: false,
      rc: 0,
      stdout: "",
      stderr: "",
      stdout_lines: [],
      stderr_lines: [],
      msg: a.creates ? `${a.creates} exists` : `${a.removes} does not exist`,
    };
  }
  const stdout = r.stdout.replace(/\n$/, "");
  const stderr = r.stderr.replace(/\n$/, "");
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
