// Owns the `template` module: render a template on the controller with the host's variables and
// put the result on the host like copy does. A .hbs file is Handlebars (kplay's own templates/,
// strict); any other file (.j2) is Jinja2 as Ansible renders it (trim_blocks on, lstrip_blocks
// off unless set; ansible_managed and the template_* variables defined). Undefined variables
// fail naming the template and line.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { fileAttrFields } from "./attrs.js";
import { putFile } from "./copy.js";
import { defineModule, normalizeMode } from "./types.js";

export const templateModule = defineModule({
  name: "template",
  noAsync: true,
  undo: "recorded",
  idempotent: true,
  schema: z
    .object({
      src: z.string().min(1),
      dest: z.string().min(1),
      force: z.boolean().default(true),
      trim_blocks: z.boolean().default(true),
      lstrip_blocks: z.boolean().default(false),
      ...fileAttrFields,
    })
    .strict(),
  run: async (ctx, a) => {
    const file = ctx.localPath(a.src);
    const text = ctx.renderFile(readFileSync(file, "utf8"), file, {
      trimBlocks: a.trim_blocks,
      lstripBlocks: a.lstrip_blocks,
      dest: a.dest,
    });
    return putFile(ctx, {
      dest: a.dest,
      data: Buffer.from(text),
      mode: normalizeMode(a.mode),
      owner: a.owner,
      group: a.group,
      force: a.force,
      backup: a.backup,
      validate: a.validate,
    });
  },
});
