// Owns the `ini_file` module (community.general.ini_file, the 6.x module Ansible 2.14 ships with):
// set, add or remove an option (or several values of one option) in a section of an INI file,
// with its algorithm line for line — the file read as text (a BOM dropped, line ends made \n),
// a fake section before the first line so options outside any section have a home, commented
// options (`# opt = x`) taken over, extra occurrences removed when `exclusive`, missing options
// put after the section's last line that is not blank or a comment, a missing section appended.
// Changed is what that algorithm says (a missing final newline counts), not a text comparison.
// One round trip when nothing changes (edit.ts).
import { z } from "zod";
import { argsAsBytes, editFile, fromBytes, toBytes } from "./edit.js";
import { defineModule, normalizeMode } from "./types.js";

const schema = z
  .object({
    path: z.string().min(1),
    section: z.string().nullable().optional(),
    option: z.string().optional(),
    value: z.string().optional(),
    values: z.array(z.string().nullable()).optional(),
    state: z.enum(["present", "absent"]).default("present"),
    exclusive: z.boolean().default(true),
    no_extra_spaces: z.boolean().default(false),
    allow_no_value: z.boolean().default(false),
    create: z.boolean().default(true),
    backup: z.boolean().default(false),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    unsafe_writes: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.value === undefined || a.values === undefined, {
    message: "parameters are mutually exclusive: value|values",
  });

type Args = z.infer<typeof schema>;

/** The section name no file has (Ansible's own: a commit hash), for options before any section. */
const FAKE = "ad01e11446efb704fcdbdb21f2c43757423d91c5";

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");

/** match_opt / match_active_opt: the option's line (commented out too, when `commented`); group 6 is its value. */
function matchOpt(option: string, line: string, commented: boolean): RegExpExecArray | null {
  const re = new RegExp(`^${commented ? "[#;]?" : ""}( |\\t)*(${escapeRe(option)})( |\\t)*(=|$)( |\\t)*(.*)`);
  return re.exec(line.replace(/\n$/, ""));
}

interface State {
  changed: boolean;
  msg: string;
}

/** The section's lines: where they start and end in the file's lines (with the fake ones). */
function findSection(lines: string[], section: string): { start: number; end: number; within: boolean } {
  let within = false;
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith(`[${section}]`)) {
      within = true;
      start = i;
    } else if (lines[i].startsWith("[") && within) return { start, end: i, within };
  }
  return { start, end: 0, within };
}

/** state=present: take over matching lines, drop the rest when exclusive, add what is missing. */
function present(sec: string[], a: Args, values: string[], st: State): void {
  const line = (v: string) => (a.no_extra_spaces ? `${a.option}=${v}\n` : `${a.option} = ${v}\n`);
  const touched = sec.map(() => false);
  const set = (i: number, text: string) => {
    if (sec[i] !== text) [st.changed, st.msg] = [true, "option changed"];
    sec[i] = text;
    touched[i] = true;
  };
  let noValuePresent = false;
  const option = a.option;
  if (option)
    for (let i = 0; i < sec.length; i++) {
      const m = matchOpt(option, sec[i], true);
      if (!m) continue;
      if (values.length && values.includes(m[6])) {
        noValuePresent ||= !m[6] && a.allow_no_value;
        set(i, !m[6] && a.allow_no_value ? `${option}\n` : line(m[6]));
        values.splice(values.indexOf(m[6]), 1);
      } else if (!values.length && a.allow_no_value) {
        set(i, `${option}\n`);
        noValuePresent = true;
        break;
      }
    }
  // (without an option Ansible's module stops with a TypeError here; nothing is removed)
  if (a.exclusive && !a.allow_no_value && option) exclusiveRest(sec, touched, { option, values, line, st, set });
  insertMissing(sec, a, { values, noValuePresent, line, st });
}

/** exclusive: other lines of the option take the remaining values in turn, then the rest go. */
function exclusiveRest(
  sec: string[],
  touched: boolean[],
  o: { option: string; values: string[]; line: (v: string) => string; st: State; set: (i: number, t: string) => void },
): void {
  if (o.values.length)
    for (let i = 0; i < sec.length; i++) {
      if (touched[i] || !matchOpt(o.option, sec[i], true)) continue;
      o.set(i, o.line(o.values.shift()!));
      if (!o.values.length) break;
    }
  for (let i = sec.length - 1; i > 0; i--) {
    if (touched[i] || !matchOpt(o.option, sec[i], true)) continue;
    sec.splice(i, 1);
    touched.splice(i, 1);
    [o.st.changed, o.st.msg] = [true, "option changed"];
  }
}

const BLANK_OR_COMMENT = /^[ \t]*([#;].*)?$/;

/** Missing option lines go after the section's last line that is neither blank nor a comment. */
function insertMissing(
  sec: string[],
  a: Args,
  o: { values: string[]; noValuePresent: boolean; line: (v: string) => string; st: State },
): void {
  for (let i = sec.length; i > 0; i--) {
    if (BLANK_OR_COMMENT.test(sec[i - 1].replace(/\n$/, ""))) continue;
    if (a.option && o.values.length) {
      sec.splice(i, 0, ...o.values.map(o.line));
      [o.st.changed, o.st.msg] = [true, "option added"];
    } else if (a.option && !o.values.length && a.allow_no_value && !o.noValuePresent) {
      sec.splice(i, 0, `${a.option}\n`);
      [o.st.changed, o.st.msg] = [true, "option added"];
    }
    return;
  }
}

/** state=absent: the option's active lines (all, or those holding one of the values), or the whole section. */
function absent(sec: string[], a: Args, values: string[], st: State): string[] {
  const option = a.option;
  if (!option) {
    if (sec.length) [st.changed, st.msg] = [true, "section removed"];
    return [];
  }
  if (!a.exclusive && !values.length) return sec;
  const kept = sec.filter((l) => {
    const m = matchOpt(option, l, false);
    return !(m && (a.exclusive || values.includes(m[6])));
  });
  if (kept.length !== sec.length) [st.changed, st.msg] = [true, "option changed"];
  return kept;
}

/** Pure: the file's new text (binary strings) and whether Ansible's module calls it changed. */
export function iniEdit(text: string, a: Args): { after: string; changed: boolean; msg: string } {
  const values = [...new Set((a.value !== undefined ? [a.value] : (a.values ?? [])).filter((v) => v !== null))];
  const st: State = { changed: false, msg: "OK" };
  const lines = text
    .replace(/^\xEF\xBB\xBF/, "")
    .replace(/\r\n?/g, "\n")
    .split(/(?<=\n)/);
  if (lines.length === 1 && lines[0] === "") lines[0] = "\n";
  if (!lines[lines.length - 1].endsWith("\n")) {
    lines[lines.length - 1] += "\n";
    st.changed = true;
  }
  lines.unshift(`[${FAKE}]`);
  lines.push("[");
  const section = a.section || FAKE;
  const { start, end, within } = findSection(lines, section);
  let sec = lines.slice(start, end);
  if (a.state === "present") present(sec, a, values, st);
  else sec = absent(sec, a, values, st);
  const out = [...lines.slice(0, start), ...sec, ...lines.slice(end)].slice(1, -1);
  if (!within && a.state === "present") {
    out.push(`[${section}]\n`);
    st.msg = "section and option added";
    if (a.option && values.length)
      out.push(...values.map((v) => (a.no_extra_spaces ? `${a.option}=${v}\n` : `${a.option} = ${v}\n`)));
    else if (a.option && a.allow_no_value) out.push(`${a.option}\n`);
    else st.msg = "only section added";
    st.changed = true;
  }
  return { after: out.join(""), changed: st.changed, msg: st.msg };
}

export const iniFileModule = defineModule({
  name: "ini_file",
  undo: "recorded",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    if (a.state === "present" && !a.allow_no_value && a.value === undefined && !a.values?.length)
      return {
        changed: false,
        failed: true,
        msg: "Parameter 'value(s)' must be defined if state=present and allow_no_value=False.",
      };
    const args = argsAsBytes(a, ["section", "option", "value"]);
    args.values = a.values?.map((v) => (v === null ? v : toBytes(v)));
    return editFile(
      ctx,
      {
        path: a.path,
        create: a.create,
        missingMsg: `Destination ${a.path} does not exist!`,
        backup: a.backup,
        mode: normalizeMode(a.mode),
        owner: a.owner,
        group: a.group,
      },
      (before) => {
        const r = iniEdit(before, args);
        return { after: r.changed ? r.after : before, msg: fromBytes(r.msg) };
      },
    );
  },
});
