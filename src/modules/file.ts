// Owns the `file` module: directory (mkdir -p), absent (rm -rf), touch, file (attributes of an
// existing file) and link, with mode/owner/group, in one round trip; check mode only compares.
import { z } from "zod";
import { quote } from "../transport/quote.js";
import { attrScript } from "./attrs.js";
import { defineModule, normalizeMode, readMarker } from "./types.js";
import { makeDirs } from "./undo.js";

const fileSchema = z
  .object({
    path: z.string().min(1),
    state: z.enum(["file", "directory", "absent", "touch", "link"]).default("file"),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    src: z.string().optional(),
    recurse: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .strict()
  .refine((a) => a.state !== "link" || !!a.src, { message: "state=link needs src" });

export const fileModule = defineModule({
  name: "file",
  idempotent: true,
  schema: fileSchema,
  run: async (ctx, a) => {
    const mode = normalizeMode(a.mode);
    const c = ctx.check;
    const attrs = attrScript({ mode, owner: a.owner, group: a.group }, c);
    const act = (cmd: string) => (c ? "changed=1" : `${cmd} && changed=1`);
    let body: string;
    switch (a.state) {
      case "directory":
        body = [
          `if [ -e "$p" ] && [ ! -d "$p" ]; then echo "$p exists and is not a directory" >&2; exit 1; fi`,
          // directories kplay creates are removed on undo (if empty by then), every missing level, top first
          `[ -d "$p" ] || { ${act(makeDirs("$p", a.path, ctx.undo))} || exit 1; }`,
          `if [ -d "$p" ]; then`,
          attrs || ":",
          a.recurse && (a.owner || a.group) && !c ? `chown -R ${quote(`${a.owner ?? ""}${a.group ? ":" + a.group : ""}`)} "$p"` : ":",
          `fi`,
        ].join("\n");
        break;
      case "absent":
        body = `if [ -e "$p" ] || [ -L "$p" ]; then ${act(`rm -rf "$p"`)} || exit 1; fi`;
        break;
      case "touch":
        // touch always updates times (changed), as Ansible's file state=touch reports
        body = [c ? `changed=1` : `touch "$p" && changed=1 || exit 1`, `if [ -e "$p" ]; then`, attrs || ":", `fi`].join("\n");
        break;
      case "link":
        body = [
          `if [ -L "$p" ] && [ "$(readlink "$p")" = ${quote(a.src!)} ]; then :;`,
          `elif [ -e "$p" ] && [ ! -L "$p" ] && [ ${a.force ? 0 : 1} = 1 ]; then echo "$p exists and is not a link (use force)" >&2; exit 1;`,
          `else ${act(`ln -sfn ${quote(a.src!)} "$p"`)} || exit 1; fi`,
        ].join("\n");
        break;
      default:
        body = [`[ -e "$p" ] || { echo "file $p does not exist (use state=touch to create it)" >&2; exit 1; }`, attrs || ":"].join("\n");
    }
    const r = await ctx.exec([`p=${quote(a.path)}`, `changed=0`, body, `echo "KPLAY-RESULT: changed=$changed"`].join("\n"));
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() || `failed with rc ${r.rc}` };
    return { changed: m.changed === "1", path: a.path, state: a.state };
  },
});
