// Owns the `sysctl` module: persist `name = value` in a file under /etc/sysctl.d (the key's
// other lines there replaced) and, when reload is on, set the running value if it differs.
import { posix } from "node:path";
import { z } from "zod";
import { catSh, joinSh, raw, sh } from "../transport/sh.js";

import { defineModule, readMarker } from "./types.js";

export const sysctlModule = defineModule({
  name: "sysctl",
  undo: "recorded",
  idempotent: true,
  schema: z
    .object({
      name: z.string().regex(/^[A-Za-z0-9_.\-/*]+$/, "invalid sysctl key"),
      value: z
        .union([z.string(), z.number(), z.boolean()])
        .transform((v) => (typeof v === "boolean" ? (v ? "1" : "0") : String(v)))
        .optional(),
      state: z.enum(["present", "absent"]).default("present"),
      sysctl_file: z.string().default("/etc/sysctl.d/99-kplay.conf"),
      reload: z.boolean().default(true),
      sysctl_set: z.boolean().default(true),
      ignoreerrors: z.boolean().default(false),
    })
    .strict()
    .refine((a) => a.state === "absent" || a.value !== undefined, { message: "value is required when state=present" }),
  run: async (ctx, a) => {
    const key = a.name;
    const keyRe = key.replace(/[.*]/g, "\\$&").replace(/\//g, "[./]");
    const want = a.value?.trim().replace(/\s+/g, " ");
    const dir = posix.dirname(a.sysctl_file);
    const line = a.state === "present" ? `${key} = ${want}` : "";
    const write = ctx.check
      ? raw(":")
      : joinSh([ctx.undo.keepOriginal("f", a.sysctl_file), raw(`cat -- "$t" > "$f"; chmod 644 -- "$f"`)]);
    const failSet = a.ignoreerrors
      ? raw(`echo "could not set $cur -> running value" >&2`)
      : catSh(
          sh`echo "setting "${key}" on the running kernel failed `,
          raw(`(read-only /proc/sys?); the value is persisted in $f" >&2; exit 1`),
        );
    const script = joinSh([
      sh`f=${a.sysctl_file}; changed=0`,
      ctx.check ? raw(":") : sh`d=${dir}; [ -d "$d" ] || { ${ctx.undo.makeDirs("d", dir)}; }`,
      raw(`t=$(mktemp); trap 'rm -f "$t"' EXIT`),
      // The key's line is replaced where it stands (other keys keep their order); appended when absent.
      raw(`[ -f "$f" ] || true > "$t"`),
      catSh(
        sh`[ -f "$f" ] && K_RE=${`^[[:space:]]*${keyRe}[[:space:]]*=`} K_LINE=${line} `,
        // the key's line (K_RE) replaced by K_LINE where it stands, or K_LINE appended; K_LINE "" drops it
        raw(
          `awk '$0 ~ ENVIRON["K_RE"] { if (!done && ENVIRON["K_LINE"] != "") print ENVIRON["K_LINE"]; ` +
            `done = 1; next } ` +
            `{ print } END { if (!done && ENVIRON["K_LINE"] != "") print ENVIRON["K_LINE"] }'`,
        ),
        raw(` "$f" > "$t"`),
      ),
      a.state === "present" ? sh`[ -f "$f" ] || printf '%s\\n' ${line} >> "$t"` : raw(":"),
      sh`if ! cmp -s -- "$t" "$f" 2>/dev/null; then if [ -f "$f" ] || [ -s "$t" ]; then changed=1; ${write}; fi; fi`,
      a.state === "present" && a.reload && a.sysctl_set
        ? joinSh([
            sh`cur=$(sysctl -n -- ${key} 2>/dev/null | tr -s '[:space:]' ' ' | sed 's/ $//')`,
            sh`if [ "$cur" != ${want!} ]; then`,
            ctx.check
              ? raw(`  changed=1`)
              : sh`  if sysctl -q -w -- ${`${key}=${want}`} >/dev/null 2>&1; then changed=1; else ${failSet}; fi`,
            raw(`fi`),
          ])
        : raw(":"),
      raw(`echo "KPLAY-RESULT: changed=$changed"`),
    ]);
    const r = await ctx.exec(script);
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return { changed: m.changed === "1", name: key, value: want };
  },
});
