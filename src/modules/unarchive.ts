// Owns the `unarchive` module: unpack a tar (gz, bz2, xz) or zip archive from the controller
// (sent over the connection) or already on the host (remote_src) into dest. Like Ansible it asks
// tar itself (--compare) whether dest already matches the archive, so a re-run reports ok.
import { sha256Hex } from "../hash.js";
import { basename } from "node:path";
import { z } from "zod";
import { catSh, joinSh, raw, sh } from "../transport/sh.js";
import { receiveStdin } from "../transport/stdin.js";
import { defineModule, readMarker } from "./types.js";

const schema = z
  .object({
    src: z.string().min(1),
    dest: z.string().min(1),
    remote_src: z.boolean().default(false),
    creates: z.string().optional(),
    extra_opts: z.array(z.string()).default([]),
    owner: z.string().optional(),
    group: z.string().optional(),
  })
  .strict();

function tarFlag(name: string): string | undefined {
  if (/\.(tar\.gz|tgz)$/.test(name)) return "z";
  if (/\.(tar\.bz2|tbz2?)$/.test(name)) return "j";
  if (/\.(tar\.xz|txz)$/.test(name)) return "J";
  if (/\.tar$/.test(name)) return "";
  return undefined;
}

export const unarchiveModule = defineModule({
  name: "unarchive",
  noAsync: true,
  undo: "task",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const isZip = /\.zip$/i.test(a.src);
    const flag = tarFlag(a.src);
    if (!isZip && flag === undefined)
      return {
        changed: false,
        failed: true,
        msg: `cannot tell the archive type of ${a.src} (tar, tar.gz, tgz, tar.bz2, tar.xz or zip)`,
      };
    const data = a.remote_src ? undefined : ctx.readLocal(a.src);
    const extra = a.extra_opts;
    const own =
      a.owner || a.group ? sh`chown -R -- ${`${a.owner ?? ""}${a.group ? ":" + a.group : ""}`} "$d"` : raw(":");
    const drain = data ? raw("cat >/dev/null; ") : raw("");
    const script = joinSh([
      sh`d=${a.dest}; changed=0`,
      a.creates
        ? sh`if [ -e ${a.creates} ]; then ${drain}echo "KPLAY-RESULT: changed=0 skipped=1"; exit 0; fi`
        : undefined,
      sh`[ -d "$d" ] || { ${drain}echo "destination directory $d does not exist" >&2; exit 1; }`,
      data
        ? catSh(
            raw(`f=$(mktemp /tmp/.kplay-archive.XXXXXX) || exit 1; trap 'rm -f "$f"' EXIT; `),
            receiveStdin(raw('"$f"'), sha256Hex(data)),
          )
        : sh`f=${a.src}; [ -f "$f" ] || { echo "archive $f not found on the host" >&2; exit 1; }`,
      isZip
        ? joinSh([
            raw(`command -v unzip >/dev/null 2>&1 || { echo "unzip is not installed on this host" >&2; exit 1; }`),
            raw(
              `if unzip -Z1 "$f" | while read -r e; do case "$e" in */) [ -d "$d/$e" ] || exit 1;; ` +
                `*) unzip -p "$f" "$e" | cmp -s - "$d/$e" || exit 1;; esac; done; then :; else`,
            ),
            ctx.check ? raw(`changed=1`) : sh`unzip -o -q ${extra} "$f" -d "$d" && changed=1 || exit 1`,
            raw(`fi`),
          ])
        : joinSh([
            sh`if tar ${`-${flag}df`} "$f" -C "$d" ${extra} >/dev/null 2>&1; then :; else`,
            ctx.check ? raw(`changed=1`) : sh`tar ${`-${flag}xf`} "$f" -C "$d" ${extra} && changed=1 || exit 1`,
            raw(`fi`),
          ]),
      sh`[ $changed = 1 ] && { ${ctx.check ? raw(":") : own}; }`,
      raw(`echo "KPLAY-RESULT: changed=$changed"`),
    ]);
    const r = await ctx.exec(script, { stdin: data });
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return {
      changed: m.changed === "1",
      dest: a.dest,
      src: a.remote_src ? a.src : basename(a.src),
      ...(m.skipped ? { msg: `${a.creates} exists` } : {}),
    };
  },
});
