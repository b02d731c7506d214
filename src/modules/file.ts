// Owns the `file` module: directory (mkdir -p), absent (rm -rf), touch, file (attributes of an
// existing file) and link, with mode/owner/group, in one round trip; check mode only compares.
import { z } from "zod";
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { attrScriptOrNoop } from "./attrs.js";
import { defineModule, normalizeMode, readMarker } from "./types.js";

const fileSchema = z
  .object({
    path: z.string().min(1),
    state: z.enum(["file", "directory", "absent", "touch", "link", "hard"]).default("file"),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    src: z.string().optional(),
    recurse: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .strict()
  .refine((a) => (a.state !== "link" && a.state !== "hard") || !!a.src, { message: "state=link and hard need src" });

/** state=link: $p becomes a symbolic link to src; a file that is not a link there needs force. */
function symLink(o: { src: string; force: boolean; make: (cmd: Sh) => Sh }): Sh {
  return joinSh([
    sh`if [ -L "$p" ] && [ "$(readlink -- "$p")" = ${o.src} ]; then :;`,
    catSh(
      sh`elif [ -e "$p" ] && [ ! -L "$p" ] && [ ${o.force ? 0 : 1} = 1 ]; `,
      raw(`then echo "$p exists and is not a link (use force)" >&2; exit 1;`),
    ),
    sh`else ${o.make(sh`ln -sfn -- ${o.src} "$p"`)} || exit 1; fi`,
  ]);
}

/** state=hard: $p becomes another name of src (same inode); a different file there needs force. */
function hardLink(o: { src: string; force: boolean; attrs: Sh; make: (cmd: Sh) => Sh }): Sh {
  return joinSh([
    sh`s_=${o.src}`,
    raw(`[ -e "$s_" ] || { echo "src does not exist: $s_" >&2; exit 1; }`),
    raw(`if [ -e "$p" ] && [ "$p" -ef "$s_" ]; then :;`),
    catSh(
      sh`elif [ -e "$p" ] && { [ -d "$p" ] || [ ${o.force ? 0 : 1} = 1 ]; }; `,
      raw(`then echo "refusing to convert from $(stat -c %F -- "$p") to hard link: $p" >&2; exit 1;`),
    ),
    sh`else ${o.make(sh`ln -f -- "$s_" "$p"`)} || exit 1; fi`,
    o.attrs,
  ]);
}

export const fileModule = defineModule({
  name: "file",
  undo: "recorded",
  idempotent: true,
  schema: fileSchema,
  run: async (ctx, a) => {
    const mode = normalizeMode(a.mode);
    const c = ctx.check;
    const attrs = attrScriptOrNoop({ mode, owner: a.owner, group: a.group }, c);
    const act = (cmd: Sh) => (c ? sh`changed=1` : sh`${cmd} && changed=1`);
    // what was at the path before kplay first changed it (or that nothing was) goes into the undo
    // log; a directory's contents are not kept (only directories kplay made are undone)
    const keep = ctx.undo.keepOriginal("p", a.path);
    const keepThen = (cmd: Sh) => (keep ? sh`${keep}; ${cmd}` : cmd);
    let body: Sh;
    switch (a.state) {
      case "directory":
        body = joinSh([
          raw(`if [ -e "$p" ] && [ ! -d "$p" ]; then echo "$p exists and is not a directory" >&2; exit 1; fi`),
          // directories kplay creates are removed on undo (if empty by then), every missing level, top first
          sh`[ -d "$p" ] || { ${act(ctx.undo.makeDirs("p", a.path))} || exit 1; }`,
          raw(`if [ -d "$p" ]; then`),
          attrs,
          a.recurse && (a.owner || a.group) && !c
            ? sh`chown -R -- ${`${a.owner ?? ""}${a.group ? ":" + a.group : ""}`} "$p"`
            : sh`:`,
          raw(`fi`),
        ]);
        break;
      case "absent":
        body = sh`if [ -e "$p" ] || [ -L "$p" ]; then ${keepThen(act(sh`rm -rf -- "$p"`))} || exit 1; fi`;
        break;
      case "touch":
        // touch always updates times (changed), as Ansible's file state=touch reports
        body = joinSh([
          keep,
          c ? sh`changed=1` : sh`touch -- "$p" && changed=1 || exit 1`,
          raw(`if [ -e "$p" ]; then`),
          attrs,
          raw(`fi`),
        ]);
        break;
      case "link":
        body = symLink({ src: a.src!, force: a.force, make: (cmd) => keepThen(act(cmd)) });
        break;
      case "hard":
        body = hardLink({ src: a.src!, force: a.force, attrs, make: (cmd) => keepThen(act(cmd)) });
        break;
      default:
        body = joinSh([
          raw(`[ -e "$p" ] || { echo "file $p does not exist (use state=touch to create it)" >&2; exit 1; }`),
          keep,
          attrs,
        ]);
    }
    const r = await ctx.exec(
      joinSh([sh`p=${a.path}`, raw(`changed=0`), body, raw(`echo "KPLAY-RESULT: changed=$changed"`)]),
    );
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m)
      return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() || `failed with rc ${r.rc}` };
    return { changed: m.changed === "1", path: a.path, state: a.state };
  },
});
