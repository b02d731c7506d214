// Owns the `blockinfile` module: keep a block of lines between marker lines in a text file
// (Ansible's default markers, so blocks Ansible wrote are recognised), insert/update/remove.
import { z } from "zod";
import { pyRegex } from "../playbook/pyregex.js";
import { fileAttrFields } from "./attrs.js";
import { argsAsBytes, editFile, joinLines, splitLines } from "./edit.js";
import { defineModule, normalizeMode } from "./types.js";

const schema = z
  .object({
    path: z.string().min(1),
    block: z.string().default(""),
    marker: z.string().default("# {mark} ANSIBLE MANAGED BLOCK"),
    marker_begin: z.string().default("BEGIN"),
    marker_end: z.string().default("END"),
    state: z.enum(["present", "absent"]).default("present"),
    insertafter: z.string().optional(),
    insertbefore: z.string().optional(),
    create: z.boolean().default(false),
    ...fileAttrFields,
  })
  .strict();

export type BlockArgs = z.infer<typeof schema>;

export function blockInFile(text: string, a: BlockArgs): { after: string; msg: string } {
  const begin = a.marker.replace("{mark}", a.marker_begin);
  const end = a.marker.replace("{mark}", a.marker_end);
  const { lines, finalNewline } = splitLines(text);
  const b = lines.indexOf(begin);
  const e = b >= 0 ? lines.indexOf(end, b) : -1;
  const body = a.block === "" ? [] : a.block.replace(/\n$/, "").split("\n");
  const wanted = a.state === "present" && body.length > 0 ? [begin, ...body, end] : [];
  let out: string[];
  // does the result still end with the file's original last line (which keeps a missing newline)?
  let lastIsOriginal: boolean;
  if (b >= 0 && e >= 0) {
    out = [...lines.slice(0, b), ...wanted, ...lines.slice(e + 1)];
    lastIsOriginal = e + 1 < lines.length;
  } else {
    if (wanted.length === 0) return { after: text, msg: "" };
    const at = insertionLine(text, lines, a);
    out = [...lines.slice(0, at), ...wanted, ...lines.slice(at)];
    lastIsOriginal = at < lines.length;
  }
  const after = joinLines(out, finalNewline || !lastIsOriginal);
  if (after === text) return { after, msg: "" };
  return { after, msg: wanted.length ? "Block inserted" : "Block removed" };
}

/** Where a new block goes: Ansible matches a pattern with (?m) against the whole file, others line by line. */
function insertionLine(text: string, lines: string[], a: BlockArgs): number {
  const pattern = a.insertbefore ?? a.insertafter;
  if (a.insertbefore === "BOF") return 0;
  if (pattern === undefined || pattern === "EOF") return lines.length;
  const r = pyRegex(pattern);
  let found = -1;
  if (r.multiline) {
    const m = new RegExp(r.source, r.flags + "g").exec(text);
    if (m) found = newlinesIn(text.slice(0, a.insertbefore ? m.index : m.index + m[0].length));
  } else lines.forEach((l, i) => r.test(l) && (found = i));
  if (found < 0) return lines.length;
  return a.insertbefore ? found : found + 1;
}

function newlinesIn(s: string): number {
  return s.split("\n").length - 1;
}

export const blockinfileModule = defineModule({
  name: "blockinfile",
  undo: "recorded",
  idempotent: true,
  schema,
  run: (ctx, a) =>
    editFile(
      ctx,
      {
        path: a.path,
        missingNoun: "Path",
        create: a.create,
        backup: a.backup,
        validate: a.validate,
        mode: normalizeMode(a.mode),
        owner: a.owner,
        group: a.group,
      },
      (before, exists) => {
        const r = blockInFile(
          before,
          argsAsBytes(a, ["block", "marker", "marker_begin", "marker_end", "insertafter", "insertbefore"]),
        );
        // Ansible's message for a file the task made
        return exists ? r : { ...r, msg: "File created" };
      },
    ),
});
