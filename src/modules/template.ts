// Owns the `template` module: render a Handlebars template from templates/ on the controller
// with the host's variables (strict: an undefined variable fails naming template and line) and
// put the result on the host like copy does.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { fileAttrFields } from "./attrs.js";
import { putFile } from "./copy.js";
import { defineModule, normalizeMode } from "./types.js";

export const templateModule = defineModule({
  name: "template",
  undo: "recorded",
  idempotent: true,
  schema: z
    .object({
      src: z.string().min(1),
      dest: z.string().min(1),
      force: z.boolean().default(true),
      ...fileAttrFields,
    })
    .strict(),
  run: async (ctx, a) => {
    const file = ctx.localPath(a.src);
    const text = ctx.renderFile(readFileSync(file, "utf8"), file);
    return putFile(ctx, {
      dest: a.dest,
      data: Buffer.from(text),
      mode: normalizeMode(a.mode),
      owner: a.owner,
      group: a.group,
      force: a.force,
      backup: a.backup,
    });
  },
});
