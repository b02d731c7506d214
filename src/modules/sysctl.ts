// Owns the `sysctl` module as ansible.posix.sysctl 1.5 does it on Linux: the file (default
// /etc/sysctl.conf) is rewritten with every `key = value` line as `key=value`, a key's later
// duplicates dropped, the key's first line replaced (or dropped for absent) and appended when
// missing — only when the file's value differs. reload (default on) applies the whole file with
// `sysctl -p FILE` after a change or when the running value differs; sysctl_set (default off)
// sets the running value with `sysctl -w` when it differs. Values compare word by word; yes/no
// and true/false are 1/0. One round trip.
import { posix } from "node:path";
import { z } from "zod";
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker, type ModuleContext } from "./types.js";

const TRUE_WORDS = ["y", "yes", "on", "1", "true", "t"];
const FALSE_WORDS = ["n", "no", "off", "0", "false", "f"];

/** Ansible's _parse_value: booleans and their words as 1/0, text stripped. */
function parseValue(v: string | number | boolean | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "boolean") return v ? "1" : "0";
  const s = String(v);
  if (TRUE_WORDS.includes(s.toLowerCase())) return "1";
  if (FALSE_WORDS.includes(s.toLowerCase())) return "0";
  return s.trim();
}

const schema = z
  .object({
    name: z
      .string()
      .transform((s) => s.trim())
      .pipe(z.string().regex(/^[A-Za-z0-9_.\-/*]+$/, "invalid sysctl key")),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    state: z.enum(["present", "absent"]).default("present"),
    sysctl_file: z.string().default("/etc/sysctl.conf"),
    reload: z.boolean().default(true),
    sysctl_set: z.boolean().default(false),
    ignoreerrors: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.state === "absent" || a.value !== undefined, { message: "value is required when state=present" });

type Args = z.infer<typeof schema>;

/**
 * awk over the file (S_* from the environment) printing it as Ansible's fix_lines leaves it, and
 * the key's value in the file (its last line's, as Ansible reads it) into the file S_CUR names.
 */
const FIX_LINES = raw(
  `awk 'function strip(s) { gsub(/^[ \\t\\r\\n\\v\\f]+|[ \\t\\r\\n\\v\\f]+$/, "", s); return s } ` +
    `{ line = strip($0) } ` +
    `line == "" || line ~ /^[#;]/ || index(line, "=") == 0 { print line; next } ` +
    `{ i = index(line, "="); k = strip(substr(line, 1, i - 1)); v = strip(substr(line, i + 1)) } ` +
    `k == ENVIRON["S_NAME"] { has = 1; cur = v } ` +
    `k in seen { next } { seen[k] = 1 } ` +
    `k == ENVIRON["S_NAME"] { if (ENVIRON["S_STATE"] == "present") print k "=" ENVIRON["S_VALUE"]; next } ` +
    `{ print k "=" v } ` +
    `END { if (!has && ENVIRON["S_STATE"] == "present") print ENVIRON["S_NAME"] "=" ENVIRON["S_VALUE"]; ` +
    `if (has) printf "%s", cur > ENVIRON["S_CUR"] }'`,
);

/** Word-by-word comparison of two values ($1 and $2), as Ansible's _values_is_equal. */
const SAME_WORDS = raw(`same_() { ( set -f; [ "$(printf '%s ' $1)" = "$(printf '%s ' $2)" ] ); }`);

/** sh reading the file: has_ (the key is in it), cur_ (its value there), $t (the fixed file). */
function readFile(a: Args, value: string): Sh {
  return joinSh([
    raw(`t=$(mktemp) && c_=$(mktemp) || exit 1; trap 'rm -f "$t" "$c_"' EXIT`),
    raw(`in_=$f; [ -f "$f" ] || in_=/dev/null`),
    catSh(
      sh`S_NAME=${a.name} S_STATE=${a.state} S_VALUE=${value} S_CUR="$c_" `,
      FIX_LINES,
      raw(` "$in_" > "$t" || exit 1`),
    ),
    raw(`has_=0; [ -s "$c_" ] && has_=1; cur_=$(cat -- "$c_")`),
    // an empty value in the file reads as no value (Python's falsy ''), as Ansible's checks do
  ]);
}

/** sh deciding changed/write_ from the file's value and the running one, as Ansible's process(). */
function decide(a: Args, value: string): Sh {
  const proc = raw(`proc_=$(sysctl -e -n "$k_" 2>/dev/null) || proc_=__none__`);
  const differs = raw(`{ [ "$proc_" = __none__ ] || ! same_ "$proc_" "$v_"; }`);
  // (Ansible reads the running value with sysctl -e -n; a key the kernel lacks is no value)
  const lines: Sh[] = [sh`k_=${a.name}; v_=${value}`, proc, raw(`write_=0; set_=0`)];
  if (a.state === "present") {
    lines.push(
      raw(`if [ $has_ = 0 ] || [ "$cur_" != "$v_" ]; then changed=1; write_=1;`),
      a.reload ? sh`elif ${differs}; then changed=1; fi` : raw(`fi`),
    );
    // sysctl_set: the running value set when it differs (a key the kernel lacks: changed, not set)
    if (a.sysctl_set) lines.push(sh`if ${differs}; then changed=1; [ "$proc_" = __none__ ] || set_=1; fi`);
  } else {
    lines.push(raw(`if [ $has_ = 1 ]; then changed=1; write_=1; fi`));
  }
  return joinSh(lines);
}

/** sh setting the running value (sysctl_set), writing the file and reloading it, outside check mode. */
function apply(ctx: ModuleContext, a: Args, dir: string): Sh {
  const e = a.ignoreerrors ? raw("-e ") : raw("");
  const stderrFailed = raw(`grep -Eq '^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$' "$e_"`);
  const failed = (what: string) => sh`{ { printf '%s' ${what}; cat -- "$o_" "$e_"; } >&2; exit 1; }`;
  const lines: Sh[] = [raw(`o_=$(mktemp) && e_=$(mktemp) || exit 1; trap 'rm -f "$t" "$c_" "$o_" "$e_"' EXIT`)];
  if (a.sysctl_set && a.state === "present") {
    const set = sh`sysctl ${e}-w "$k_=$v_" >"$o_" 2>"$e_" && ! ${stderrFailed}`;
    lines.push(sh`[ $set_ = 0 ] || { ${set} || ${failed(`setting ${a.name} failed: `)}; }`);
  }
  // as Ansible's sysctl (atomic_move onto the path): a symlink there (Debian's 99-sysctl.conf) is
  // replaced by a file, which keeps the mode of what it pointed to
  const write = joinSh(
    [
      ctx.undo.keepOriginal("f", a.sysctl_file),
      ctx.undo.keepLink(a.sysctl_file),
      raw(`m_=; if [ -L "$f" ]; then m_=$(stat -L -c %a -- "$f" 2>/dev/null); rm -f -- "$f"; fi`),
      raw(`cat -- "$t" > "$f"`),
      raw(`if [ -n "$m_" ]; then chmod -- "$m_" "$f"; fi`),
    ],
    "; ",
  );
  lines.push(sh`if [ $write_ = 1 ]; then d=${dir}; [ -d "$d" ] || { ${ctx.undo.makeDirs("d", dir)}; }; ${write}; fi`);
  if (a.reload)
    lines.push(
      raw(`if [ $changed = 1 ]; then`),
      sh`  sysctl ${e}-p "$f" >"$o_" 2>"$e_" && ! ${stderrFailed} || ${failed("Failed to reload sysctl: ")}`,
      raw(`fi`),
    );
  return joinSh(lines);
}

export const sysctlModule = defineModule({
  name: "sysctl",
  undo: "recorded",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const value = parseValue(a.value);
    const script = joinSh([
      sh`f=${a.sysctl_file}; changed=0`,
      SAME_WORDS,
      readFile(a, value),
      decide(a, value),
      ctx.check ? raw(":") : apply(ctx, a, posix.dirname(a.sysctl_file)),
      raw(`echo "KPLAY-RESULT: changed=$changed"`),
    ]);
    const r = await ctx.exec(script);
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return { changed: m.changed === "1", name: a.name, value };
  },
});
