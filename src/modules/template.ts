// Owns the `template` module: render a template on the controller with the host's variables and
// put the result on the host like copy does. A .hbs file is Handlebars (kplay's own templates/,
// strict); any other file (.j2) is Jinja2 as Ansible renders it (trim_blocks on, lstrip_blocks
// off unless set; ansible_managed and the template_* variables defined). Undefined variables
// fail naming the template and line.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { z } from "zod";
import { fileAttrFields } from "./attrs.js";
import { putFile } from "./copy.js";
import { defineModule, normalizeMode, preservedMode } from "./types.js";

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
      block_start_string: z.string().default("{%"),
      block_end_string: z.string().default("%}"),
      variable_start_string: z.string().default("{{"),
      variable_end_string: z.string().default("}}"),
      comment_start_string: z.string().default("{#"),
      comment_end_string: z.string().default("#}"),
      // Ansible takes the escaped spellings too ('\\r\\n' in single quotes)
      newline_sequence: z
        .enum(["\n", "\r", "\r\n", "\\n", "\\r", "\\r\\n"])
        .default("\n")
        .transform((v) => v.replace(/\\r/g, "\r").replace(/\\n/g, "\n")),
      output_encoding: z.string().default("utf-8"),
      follow: z.boolean().default(false),
      ...fileAttrFields,
    })
    .strict(),
  run: async (ctx, a) => {
    const file = ctx.localPath(a.src);
    const text = ctx.renderFile(readFileSync(file, "utf8"), file, {
      trimBlocks: a.trim_blocks,
      lstripBlocks: a.lstrip_blocks,
      dest: a.dest,
      delimiters: {
        block: [a.block_start_string, a.block_end_string],
        variable: [a.variable_start_string, a.variable_end_string],
        comment: [a.comment_start_string, a.comment_end_string],
      },
    });
    const data = encodeText(
      a.newline_sequence === "\n" ? text : text.replace(/\r?\n/g, a.newline_sequence),
      a.output_encoding,
    );
    if (typeof data === "string") return { changed: false, failed: true, msg: data };
    const r = await putFile(ctx, {
      dest: a.dest,
      // a directory as dest gets the template's name, as with Ansible's template
      nameInDir: basename(file),
      follow: a.follow,
      data,
      mode: a.mode === "preserve" ? preservedMode(file) : normalizeMode(a.mode),
      owner: a.owner,
      group: a.group,
      force: a.force,
      backup: a.backup,
      validate: a.validate,
    });
    // Ansible's result names the source it sent
    return r.failed ? r : { ...r, src: file };
  },
});

/** Windows-1252's characters at 0x80–0x9F (the rest of its first 256 are Latin-1's). */
const CP1252 = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

/** The rendered text in output_encoding (utf-8, latin-1 or windows-1252), or why it cannot be. */
function encodeText(text: string, encoding: string): Buffer | string {
  const e = encoding.toLowerCase().replace(/_/g, "-");
  if (e === "" || e === "utf-8" || e === "utf8") return Buffer.from(text, "utf8");
  const latin1 = ["latin-1", "latin1", "iso-8859-1", "iso8859-1"].includes(e);
  if (!latin1 && !["windows-1252", "cp1252"].includes(e))
    return `output_encoding ${encoding} is not supported (utf-8, latin-1, windows-1252)`;
  const out = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const w = latin1 ? -1 : CP1252.indexOf(text[i]);
    if (w >= 0) out[i] = 0x80 + w;
    else if (c < 256 && (latin1 || c < 0x80 || c > 0x9f)) out[i] = c;
    else return `'${encoding}' codec can't encode character '${text[i]}' in the rendered template`;
  }
  return out;
}
