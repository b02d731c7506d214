// Owns `tempfile`: a new temporary file or directory on the node (mktemp), in `path` or the
// node's temporary directory, named with `prefix` and `suffix` as Ansible's does; always changed.
import { z } from "zod";
import { joinSh, raw, sh } from "../transport/sh.js";
import { defineModule } from "./types.js";

export const tempfileModule = defineModule({
  name: "tempfile",
  undo: "task",
  schema: z
    .object({
      state: z.enum(["file", "directory"]).default("file"),
      path: z.string().optional(),
      prefix: z.string().default("ansible."),
      suffix: z.string().default(""),
    })
    .strict(),
  run: async (ctx, a) => {
    if (ctx.check) return { changed: true, path: "", state: a.state };
    const r = await ctx.exec(
      joinSh([
        a.path === undefined ? raw(`d="\${TMPDIR:-/tmp}"`) : sh`d=${a.path}`,
        sh`mktemp ${a.state === "directory" ? raw("-d ") : raw("")}-p "$d" -- ${`${a.prefix}XXXXXXXX${a.suffix}`}`,
      ]),
    );
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, msg: r.stderr.trim() };
    return { changed: true, path: r.stdout.trim(), state: a.state };
  },
});
