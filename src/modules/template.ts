// Owns the `template` module: render a Handlebars template from templates/ on the controller
// with the host's variables (strict: an undefined variable fails naming template and line) and
// put the result on the host like copy does.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { putFile } from "./copy.js";
import { defineModule, normalizeMode } from "./types.js";

export const templateModule = defineModule({
  name: "template",
  idempotent: true,
  schema: z
    .object({
      src: z.string().min(1),
      dest: z.string().min(1),
      mode: z.union([z.string(), z.number()]).optional(),
      owner: z.string().optional(),
      group: z.string().optional(),
      force: z.boolean().default(true),
      backup: z.boolean().default(false),
      unsafe_writes: z.boolean().optional(),
    })
    .strict(),
  run: async (ctx, a) => {
    const file = ctx.localPath(a.src);
    const text = ctx.renderFile(readFileSync(file, "utf8"), file);
    return putFile(ctx, { dest: a.dest, data: Buffer.from(text), mode: normalizeMode(a.mode), owner: a.owner, group: a.group, force: a.force, backup: a.backup });
  },
});
