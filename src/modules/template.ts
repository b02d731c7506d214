// Owns the `template` module: render a template on the controller with the host's variables and
// put the result on the host like copy does. A .hbs file is Handlebars (kplay's own templates/,
// strict); any other file (.j2) is Jinja2 as Ansible renders it (trim_blocks on, lstrip_blocks
// off unless set; ansible_managed and the template_* variables defined). Undefined variables
// fail naming the template and line.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { z } from "zod";
import { withData } from "../playbook/data.js";
import { renderJinja } from "../template/jinja.js";
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
      trim_blocks: z.boolean().default(true),
      lstrip_blocks: z.boolean().default(false),
      ...fileAttrFields,
    })
    .strict(),
  run: async (ctx, a) => {
    const file = ctx.localPath(a.src);
    const source = readFileSync(file, "utf8");
    const text = file.endsWith(".hbs")
      ? ctx.renderFile(source, file)
      : renderJinja(source, jinjaVars(ctx.vars, { file, dest: a.dest }), {
          file,
          trimBlocks: a.trim_blocks,
          lstripBlocks: a.lstrip_blocks,
        });
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

/** The variables Ansible's template module adds (ansible_managed and template_*), as data. */
function jinjaVars(vars: Record<string, unknown>, t: { file: string; dest: string }): Record<string, unknown> {
  const extra = {
    template_path: t.file,
    template_fullpath: t.file,
    template_destpath: t.dest,
    template_host: hostname(),
    template_run_date: new Date().toISOString(),
    template_uid: String(process.getuid?.() ?? ""),
  };
  const managed = "ansible_managed" in vars ? {} : { ansible_managed: "Ansible managed" };
  return withData(vars, { ...managed, ...extra });
}
