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

/**
 * Ansible's rules: with after/before the region is what `after(.*?)before` (DOTALL) matches (after
 * alone: to the end; before alone: from the start to its last match), and nothing changes when that
 * pattern does not match. The expression is multi-line; the replacement takes \\1, \\g<1>, \\g<name>.
 */
export function replaceIn(text: string, a: z.infer<typeof schema>): { after: string; msg: string } {
  const region = section(text, a);
  if (!region) {
    const msg = `Pattern for before/after params did not match the given file: ${sectionPattern(a)}`;
    return { after: text, msg };
  }
  const [start, end] = region;
  const re = pyRegex(a.regexp, "gm");
  const part = text.slice(start, end);
  let n = 0;
  const replaced = part.replace(re, (...m) => {
    n++;
    const groups = typeof m[m.length - 1] === "object" ? (m[m.length - 1] as Record<string, string>) : {};
    return pyReplacement(a.replace, m, groups);
  });
  if (n === 0 || replaced === part) return { after: text, msg: "" };
  return { after: text.slice(0, start) + replaced + text.slice(end), msg: `${n} replacements made` };
}

function section(text: string, a: { after?: string; before?: string }): [number, number] | undefined {
  if (!a.after && !a.before) return [0, text.length];
  const m = pyRegex(sectionPattern(a), "sd").exec(text);
  return m?.indices?.groups?.subsection ?? undefined;
}

function sectionPattern(a: { after?: string; before?: string }): string {
  if (a.after && a.before) return `${a.after}(?P<subsection>.*?)${a.before}`;
  return a.after ? `${a.after}(?P<subsection>.*)` : `(?P<subsection>.*)${a.before}`;
}

/** A Python replacement template: group references and the escapes re.sub reads. */
function pyReplacement(template: string, m: unknown[], groups: Record<string, string>): string {
  const ESC: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\" };
  return template.replace(/\\(\d{1,2})|\\g<(\w+)>|\\([ntr\\])/g, (_s, d: string, g: string, e: string) => {
    if (e) return ESC[e];
    const ref = d ?? g;
    return String((/^\d+$/.test(ref) ? m[Number(ref)] : groups[ref]) ?? "");
  });
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
        missingNoun: "Path",
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
