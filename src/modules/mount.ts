// Owns the `mount` module (ansible.posix.mount): an fstab entry and the mount itself, as
// ansible.posix 1.5's module does it on Linux. The entry is matched by its mount point (a swap
// entry, whose mount point is "none", by its source too), rewritten in place when a field differs
// and appended when missing; fields are written with fstab's octal escapes for blanks and
// backslashes. mounted mounts when the path is not a mount point (and remounts when the entry
// changed), unmounted unmounts, remounted always remounts, absent also unmounts and removes the
// empty mount point. One round trip.
import { z } from "zod";
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker, type ModuleContext } from "./types.js";

const field = z.union([z.string(), z.number()]).transform(String);

const schema = z
  .object({
    path: z.string().min(1),
    src: z.string().optional(),
    fstype: z.string().optional(),
    opts: z.string().optional(),
    dump: field.default("0"),
    passno: field.default("0"),
    state: z.enum(["present", "absent", "absent_from_fstab", "mounted", "unmounted", "remounted"]),
    fstab: z.string().default("/etc/fstab"),
    boot: z.boolean().default(true),
    backup: z.boolean().default(false),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.state !== "mounted" && a.state !== "present") return;
    const missing = (["src", "fstype"] as const).filter((k) => a[k] === undefined);
    if (missing.length)
      ctx.addIssue({
        code: "custom",
        message: `state is ${a.state} but all of the following are missing: ${missing.join(", ")}`,
      });
  });

type Args = z.infer<typeof schema>;

/** fstab's escapes for a field (Ansible's _escape_fstab). */
const escape = (v: string) =>
  v.replace(/\\/g, "\\134").replace(/ /g, "\\040").replace(/\t/g, "\\011").replace(/\n/g, "\\012");

/**
 * The options as written: boot=false adds noauto on Linux, unless the options say noauto already
 * or hold "defaults" (Ansible then ignores boot, with a warning).
 */
function options(a: Args): string {
  const opts = (a.opts ?? "defaults").split(",");
  if (!a.boot && !opts.includes("noauto") && !opts.includes("defaults")) opts.push("noauto");
  return opts.join(",");
}

/**
 * awk over the fstab (M_* from the environment): set rewrites the matching entry or appends it,
 * unset drops it; prints the new fstab and leaves "changed" in a file named by M_FLAG. A line
 * without dump or passno differs from any value given (Ansible reads the missing fields as the
 * number 0, which never equals the text "0"), so it is rewritten whole.
 */
const AWK = raw(
  `awk 'function out(s,n,f,o,d,p) { print s " " n " " f " " o " " d " " p } ` +
    `/^[ \\t]*$/ || /^[ \\t]*#/ || NF < 4 || NF > 6 { print; next } ` +
    `{ d = NF >= 5 ? $5 : "(none)"; p = NF >= 6 ? $6 : "(none)" } ` +
    `$2 != ENVIRON["M_NAME"] || (ENVIRON["M_HASSRC"] == 1 && $2 == "none" && $3 == "swap" && $1 != ENVIRON["M_SRC"]) ` +
    `{ print; next } ` +
    `ENVIRON["M_MODE"] == "unset" { changed = 1; next } ` +
    `{ found = 1 } ` +
    `$1 != ENVIRON["M_SRC"] || $3 != ENVIRON["M_FSTYPE"] || $4 != ENVIRON["M_OPTS"] || d != ENVIRON["M_DUMP"] ` +
    `|| p != ENVIRON["M_PASSNO"] { changed = 1; out(ENVIRON["M_SRC"], $2, ENVIRON["M_FSTYPE"], ENVIRON["M_OPTS"], ` +
    `ENVIRON["M_DUMP"], ENVIRON["M_PASSNO"]); next } ` +
    `{ print } ` +
    `END { if (ENVIRON["M_MODE"] == "set" && !found) { changed = 1; out(ENVIRON["M_SRC"], ENVIRON["M_NAME"], ` +
    `ENVIRON["M_FSTYPE"], ENVIRON["M_OPTS"], ENVIRON["M_DUMP"], ENVIRON["M_PASSNO"]) } ` +
    `if (changed) print "1" > ENVIRON["M_FLAG"] }'`,
);

/** sh that brings the fstab entry to `mode`; sets fstab_changed=1 when the file changed. */
function fstabScript(ctx: ModuleContext, a: Args, mode: "set" | "unset"): Sh {
  const write = ctx.check
    ? raw(":")
    : joinSh(
        [
          a.backup ? raw(`cp -p -- "$f" "$f.$(date +%Y-%m-%d@%H:%M:%S~)"`) : raw(":"),
          ctx.undo.keepOriginal("f", a.fstab),
          raw(`cat -- "$t" > "$f"`),
        ],
        "; ",
      );
  const hasSrc = a.src === undefined ? "0" : "1";
  const env = sh`M_MODE=${mode} M_NAME=${escape(a.path)} M_SRC=${escape(a.src ?? "")} M_HASSRC=${hasSrc} `;
  const opts = escape(options(a));
  const env2 = sh`M_FSTYPE=${escape(a.fstype ?? "")} M_OPTS=${opts} M_DUMP=${a.dump} M_PASSNO=${a.passno} `;
  return joinSh([
    sh`f=${a.fstab}; fstab_changed=0`,
    ctx.check ? raw(":") : raw(`[ -e "$f" ] || { mkdir -p -- "$(dirname -- "$f")" && : >> "$f"; } || exit 1`),
    raw(`t=$(mktemp) && fl=$(mktemp) || exit 1; trap 'rm -f "$t" "$fl"' EXIT`),
    catSh(env, env2, raw(`M_FLAG="$fl" `), AWK, raw(` "$f" 2>/dev/null > "$t" || [ ! -e "$f" ] || exit 1`)),
    raw(`if [ -s "$fl" ]; then fstab_changed=1; changed=1;`),
    write,
    raw(`fi`),
  ]);
}

/** mount(8) arguments for the path: -T FSTAB when the entry is not in /etc/fstab. */
const mountCmd = (a: Args, extra: Sh = raw("")) =>
  a.fstab !== "/etc/fstab" ? sh`mount ${extra}-T ${a.fstab} -- ${a.path}` : sh`mount ${extra}-- ${a.path}`;

const fail = (what: string) => sh`|| { echo ${what} >&2; exit 1; }`;

/** sh for the mount itself after the fstab entry, by state. */
function mountScript(ctx: ModuleContext, a: Args): Sh {
  const p = a.path;
  const isMounted = sh`mountpoint -q -- ${p} 2>/dev/null`;
  const act = (cmd: Sh, what: string) => (ctx.check ? raw(`changed=1`) : sh`${cmd} ${fail(what)}; changed=1`);
  const mkdir = sh`mkdir -p -- ${p} ${fail(`Error making dir ${p}`)}`;
  switch (a.state) {
    case "mounted":
      return joinSh([
        sh`if [ ! -e ${p} ]; then changed=1; ${ctx.check ? raw(":") : mkdir}; fi`,
        sh`if ! ${isMounted}; then ${act(mountCmd(a), `Error mounting ${p}`)}`,
        sh`elif [ $fstab_changed = 1 ]; then ${act(mountCmd(a, raw("-o remount ")), `Error remounting ${p}`)}; fi`,
      ]);
    case "unmounted":
      return sh`if ${isMounted}; then ${act(sh`umount -- ${p}`, `Error unmounting ${p}`)}; fi`;
    case "remounted":
      return act(mountCmd(a, raw("-o remount ")), `Error remounting ${p}`);
    case "absent":
      return ctx.check
        ? raw(":")
        : joinSh([
            sh`if [ $fstab_changed = 1 ]; then`,
            sh`  if ${isMounted}; then umount -- ${p} ${fail(`Error unmounting ${p}`)}; fi`,
            sh`  if [ -e ${p} ]; then rmdir -- ${p} ${fail(`Error rmdir ${p}`)}; fi`,
            raw(`fi`),
          ]);
    default:
      return raw(":");
  }
}

export const mountModule = defineModule({
  name: "mount",
  undo: "recorded",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const mode = a.state === "absent" || a.state === "absent_from_fstab" ? "unset" : "set";
    const touchesFstab = a.state !== "unmounted" && a.state !== "remounted";
    const script = joinSh([
      raw(`changed=0; fstab_changed=0`),
      touchesFstab ? fstabScript(ctx, a, mode) : raw(":"),
      mountScript(ctx, a),
      raw(`echo "KPLAY-RESULT: changed=$changed"`),
    ]);
    const r = await ctx.exec(script);
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    const result = { changed: m.changed === "1", name: a.path, src: a.src, fstype: a.fstype, opts: options(a) };
    return { ...result, dump: a.dump, passno: a.passno, fstab: a.fstab, boot: a.boot ? "yes" : "no" };
  },
});
