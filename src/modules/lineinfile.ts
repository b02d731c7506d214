// Owns the `lineinfile` module: make sure one line is (or is not) in a text file, with Ansible's
// rules for regexp (last match replaced), backrefs, insertafter/insertbefore (EOF/BOF/regex) and create.
import { z } from "zod";
import { pyRegex } from "../playbook/pyregex.js";
import { fileAttrFields } from "./attrs.js";
import { argsAsBytes, editFile, joinLines, splitLines } from "./edit.js";
import { defineModule, normalizeMode } from "./types.js";

const schema = z
  .object({
    path: z.string().min(1),
    line: z.union([z.string(), z.number()]).transform(String).optional(),
    regexp: z.string().optional(),
    search_string: z.string().optional(),
    state: z.enum(["present", "absent"]).default("present"),
    insertafter: z.string().optional(),
    insertbefore: z.string().optional(),
    backrefs: z.boolean().default(false),
    firstmatch: z.boolean().default(false),
    create: z.boolean().default(false),
    ...fileAttrFields,
  })
  .strict()
  .refine((a) => a.state === "absent" || a.line !== undefined, { message: "state=present needs line" })
  .refine(
    (a) => a.state === "present" || a.line !== undefined || a.regexp !== undefined || a.search_string !== undefined,
    { message: "state=absent needs regexp, search_string or line" },
  )
  .refine((a) => !(a.insertafter && a.insertbefore), {
    message: "insertafter and insertbefore are mutually exclusive",
  });

export type LineArgs = z.infer<typeof schema>;

/** Pure: the new text for a file's old text (exported for unit tests). */
export function lineInFile(text: string, a: LineArgs): { after: string; msg: string } {
  const { lines, finalNewline } = splitLines(text);
  const re = a.regexp !== undefined ? pyRegex(a.regexp) : undefined;
  const matches = (l: string) =>
    re ? re.test(l) : a.search_string !== undefined ? l.includes(a.search_string) : l === a.line;
  // the original last line keeps a missing final newline; a line kplay writes last gets one (as Ansible)
  const join = (ls: string[], lastIsOriginal: boolean) => joinLines(ls, finalNewline || !lastIsOriginal);
  if (a.state === "absent") {
    const kept = lines.filter((l) => !matches(l));
    const lastKept = lines.length > 0 && !matches(lines[lines.length - 1]);
    return kept.length === lines.length
      ? { after: text, msg: "" }
      : { after: join(kept, lastKept), msg: `${lines.length - kept.length} line(s) removed` };
  }
  const line = a.line!;
  let idx = -1;
  if (re || a.search_string !== undefined) {
    for (let i = 0; i < lines.length; i++)
      if (matches(lines[i])) {
        idx = i;
        if (a.firstmatch) break;
      }
  }
  if (idx >= 0) {
    const newLine = a.backrefs && re ? lines[idx].replace(re, line.replace(/\\(\d)/g, "$$$1")) : line;
    if (lines[idx] === newLine) return { after: text, msg: "" };
    lines[idx] = newLine;
    return { after: join(lines, idx !== lines.length - 1), msg: "line replaced" };
  }
  if (a.backrefs) return { after: text, msg: "" };
  if (lines.includes(line)) return { after: text, msg: "" };
  let at = lines.length;
  const find = (pattern: string) => {
    const r = pyRegex(pattern);
    let found = -1;
    for (let i = 0; i < lines.length; i++)
      if (r.test(lines[i])) {
        found = i;
        if (a.firstmatch) break;
      }
    return found;
  };
  if (a.insertbefore === "BOF") at = 0;
  else if (a.insertbefore) {
    const f = find(a.insertbefore);
    if (f >= 0) at = f;
  } else if (a.insertafter && a.insertafter !== "EOF") {
    const f = find(a.insertafter);
    if (f >= 0) at = f + 1;
  }
  const appended = at === lines.length;
  lines.splice(at, 0, line);
  return { after: join(lines, !appended), msg: "line added" };
}

export const lineinfileModule = defineModule({
  name: "lineinfile",
  undo: "recorded",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const { path, create, backup, validate, owner, group } = a;
    const r = await editFile(
      ctx,
      { path, create, backup, validate, mode: normalizeMode(a.mode), owner, group },
      (before) =>
        lineInFile(before, argsAsBytes(a, ["line", "regexp", "search_string", "insertafter", "insertbefore"])),
    );
    // lineinfile names its backup "backup" ("" when none was made), as Ansible's does
    const { backup_file: made, ...rest } = r;
    const warning = emptyPatternWarning(a);
    return { ...rest, backup: made ?? "", ...(warning ? { warnings: [warning] } : {}) };
  },
});

/** Ansible warns that an empty regexp or search_string matches every line (its words). */
function emptyPatternWarning(a: LineArgs): string | undefined {
  if (a.regexp !== "" && a.search_string !== "") return undefined;
  const what = a.regexp === "" ? "regular expression" : "search string";
  const hint =
    a.regexp === "" ? " If this is desired, use '^' to match every line in the file and avoid this warning." : "";
  return (
    `The ${what} is an empty string, which will match every line in the file. This may have unintended ` +
    `consequences, such as replacing the last line in the file rather than appending.${hint}`
  );
}
