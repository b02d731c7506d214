// Owns the `pam_limits` module (community.general.pam_limits, the 6.x module Ansible 2.14 ships
// with): one domain/type/item limit in /etc/security/limits.conf (or dest), line for line as that
// module edits it — comment lines and lines that are not four fields kept, the matching line's
// value replaced (or kept, with use_max / use_min), a missing limit appended tab-separated, a
// comment carried over from the lines read before (the module's own way), values checked as
// limits.conf(5) takes them. Read-modify-write through edit.ts: one round trip when nothing changes.
import { z } from "zod";
import { argsAsBytes, editFile, fromBytes } from "./edit.js";
import { defineModule, type ModuleResult } from "./types.js";

const ITEMS = [
  "core",
  "data",
  "fsize",
  "memlock",
  "nofile",
  "rss",
  "stack",
  "cpu",
  "nproc",
  "as",
  "maxlogins",
  "maxsyslogins",
  "priority",
  "locks",
  "sigpending",
  "msgqueue",
  "nice",
  "rtprio",
  "chroot",
] as const;

const schema = z
  .object({
    domain: z.string(),
    limit_type: z.enum(["soft", "hard", "-"]),
    limit_item: z.enum(ITEMS),
    value: z.union([z.string(), z.number().transform(String)]),
    use_max: z.boolean().default(false),
    use_min: z.boolean().default(false),
    backup: z.boolean().default(false),
    dest: z.string().default("/etc/security/limits.conf"),
    comment: z.string().default(""),
  })
  .strict();

type Args = z.infer<typeof schema>;

const UNLIMITED = ["unlimited", "infinity", "-1"];

/** The module's _assert_is_valid_value: undefined when valid, else its message. */
function invalidValue(item: string, value: string, prefix = ""): string | undefined {
  if (item === "nice" || item === "priority") {
    const n = /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
    if (n >= -20 && n <= 19) return undefined;
    return (
      `${prefix} Value of '${value}' for item '${item}' is invalid. Value must be a number in the range -20 to 19 ` +
      "inclusive. Refer to the limits.conf(5) manual pages for more details."
    );
  }
  if (UNLIMITED.includes(value) || /^\d+$/.test(value)) return undefined;
  return (
    `${prefix} Value of '${value}' for item '${item}' is invalid. Value must either be 'unlimited', 'infinity' or ` +
    "-1, all of which indicate no limit, or a limit of 0 or larger. Refer to the limits.conf(5) manual pages for " +
    "more details."
  );
}

/** use_max / use_min: the value to keep when the line has `actual` (unlimited beats any number). */
function chosen(a: Args, actual: string): string {
  const [actualNone, valueNone] = [UNLIMITED.includes(actual), UNLIMITED.includes(a.value)];
  if (a.use_max) return actualNone ? actual : valueNone ? a.value : String(Math.max(Number(a.value), Number(actual)));
  if (a.use_min) {
    if (actualNone) return valueNone ? actual : a.value;
    return valueNone ? actual : String(Math.min(Number(a.value), Number(actual)));
  }
  return a.value;
}

class LimitsError extends Error {}

/** Pure: the file's new text (binary strings), whether the module calls it changed, and its msg. */
export function limitsEdit(text: string, a: Args): { after: string; changed: boolean; msg: string } {
  let comment = a.comment;
  let [found, changed, msg] = [false, false, ""];
  const out: string[] = [];
  const limitLine = (value: string) =>
    `${a.domain}\t${a.limit_type}\t${a.limit_item}\t${value}${comment ? `\t#${comment}` : ""}\n`;
  for (const line of text.split(/(?<=\n)/).filter((l) => l !== "")) {
    const collapsed = line.replace(/\s+/g, " ").trim();
    if (line.startsWith("#") || !collapsed) {
      out.push(line);
      continue;
    }
    const fields = collapsed.split("#", 1)[0].trimEnd();
    if (!comment) comment = line.includes("#") ? line.slice(line.indexOf("#") + 1) : "";
    const f = fields.split(" ");
    if (f.length !== 4) {
      out.push(line);
      continue;
    }
    const bad = invalidValue(f[2], f[3], `Invalid configuration found in '${a.dest}'.`);
    if (bad) throw new LimitsError(bad);
    if (f[0] !== a.domain || f[1] !== a.limit_type || f[2] !== a.limit_item) {
      out.push(line);
      continue;
    }
    found = true;
    const value = a.value === f[3] ? f[3] : chosen(a, f[3]);
    if (value === f[3]) [msg] = [line];
    else [changed, msg] = [true, limitLine(value)];
    out.push(value === f[3] ? line : msg);
  }
  if (!found) {
    msg = limitLine(a.value);
    out.push(msg);
    changed = true;
  }
  return { after: out.join(""), changed, msg };
}

export const pamLimitsModule = defineModule({
  name: "pam_limits",
  undo: "recorded",
  idempotent: true,
  schema,
  run: async (ctx, a): Promise<ModuleResult> => {
    const fail = (msg: string): ModuleResult => ({ changed: false, failed: true, msg });
    if (a.use_max && a.use_min) return fail("Cannot use use_min and use_max at the same time.");
    const bad = invalidValue(a.limit_item, a.value);
    if (bad) return fail(bad);
    let said = "";
    try {
      const res = await editFile(
        ctx,
        { path: a.dest, create: true, makeDirs: false, backup: a.backup },
        (before, exists) => {
          const r = limitsEdit(before, argsAsBytes(a, ["domain", "value", "comment"]));
          said = fromBytes(r.msg);
          // a file that was not there is made (empty) first: changed whatever the edit says
          return { after: r.changed || !exists ? r.after : before, msg: said };
        },
      );
      return res.failed ? res : { ...res, msg: said };
    } catch (e) {
      if (e instanceof LimitsError) return fail(e.message);
      throw e;
    }
  },
});
