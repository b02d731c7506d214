// Owns the `replace` module: replace every match of a regular expression in a file, optionally
// only between `after` and `before` expressions; backreferences \1 in the replacement.
import { z } from "zod";
import { pyRegex } from "../playbook/pyregex.js";
import { fileAttrFields } from "./attrs.js";
import { argsAsBytes, editFile } from "./edit.js";
import { defineModule, normalizeMode } from "./types.js";

const schema = z
  .object({
    path: z.string().min(1),
    regexp: z.string().min(1),
    replace: z.string().default(""),
    after: z.string().optional(),
    before: z.string().optional(),
    ...fileAttrFields,
  })
  .strict();

export function replaceIn(text: string, a: z.infer<typeof schema>): { after: string; msg: string } {
  let start = 0;
  let end = text.length;
  if (a.after) {
    const m = pyRegex(a.after, "m").exec(text);
    if (m) start = m.index + m[0].length;
  }
  if (a.before) {
    const m = pyRegex(a.before, "m").exec(text.slice(start));
    if (m) end = start + m.index;
  }
  const re = pyRegex(a.regexp, "gm");
  const region = text.slice(start, end);
  let n = 0;
  const replaced = region.replace(re, (...m) => {
    n++;
    return a.replace.replace(/\\(\d)|\\g<(\d+)>/g, (_s, d1, d2) => String(m[Number(d1 ?? d2)] ?? ""));
  });
  if (replaced === region) return { after: text, msg: "" };
  return { after: text.slice(0, start) + replaced + text.slice(end), msg: `${n} replacements made` };
}

export const replaceModule = defineModule({
  name: "replace",
  undo: "recorded",
  idempotent: true,
  schema,
  run: (ctx, a) =>
    editFile(
      ctx,
      {
        path: a.path,
        create: false,
        backup: a.backup,
        validate: a.validate,
        mode: normalizeMode(a.mode),
        owner: a.owner,
        group: a.group,
      },
      (before) => replaceIn(before, argsAsBytes(a, ["regexp", "replace", "after", "before"])),
    ),
});
