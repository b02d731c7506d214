// Owns the `getent` module as Ansible's: read a name-service database (passwd, group, shadow,
// hosts, services…) on the node, whole or one key, into the fact getent_<database> (key → its
// other fields). The node's answer is data: it sets a fact, never a template.
import { z } from "zod";
import { sh } from "../transport/sh.js";
import { defineModule, type ModuleResult } from "./types.js";

/** Databases whose records are colon-separated when no `split` is given. */
const COLON = ["passwd", "shadow", "group", "gshadow"];
/** getent's exit codes, in Ansible's words. */
const MESSAGES: Record<number, string> = {
  1: "Missing arguments, or database unknown.",
  2: "One or more supplied key could not be found in the database.",
  3: "Enumeration not supported on this database.",
};

const schema = z
  .object({
    database: z.string(),
    key: z.string().optional(),
    service: z.string().optional(),
    split: z.string().optional(),
    fail_key: z.boolean().default(true),
  })
  .strict();

/** Python's str.split: on `sep`, or on runs of whitespace (empty ends dropped) without one. */
function pySplit(line: string, sep: string | undefined): string[] {
  return sep === undefined ? line.trim().split(/\s+/) : line.split(sep);
}

/** key → fields; a key seen again gets a list of its records, as Ansible's does. */
function records(out: string, sep: string | undefined): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  const seen = new Map<string, number>();
  for (const line of out.split(/\r?\n/)) {
    if (line === "") continue;
    const [k, ...rest] = pySplit(line, sep);
    const n = seen.get(k) ?? 0;
    if (n === 0) tree[k] = rest;
    else {
      if (n === 1) tree[k] = [tree[k]];
      (tree[k] as unknown[]).push(rest);
    }
    seen.set(k, n + 1);
  }
  return tree;
}

export const getentModule = defineModule({
  name: "getent",
  publicArgs: ["key"],
  undo: "none",
  idempotent: true,
  schema,
  run: async (ctx, a): Promise<ModuleResult> => {
    const service = a.service !== undefined ? sh`-s ${a.service}` : sh``;
    const keys = a.key !== undefined ? [a.database, a.key] : [a.database];
    const r = await ctx.exec(sh`getent ${service} -- ${keys}`);
    const tree = `getent_${a.database}`;
    if (r.rc === 0) {
      const sep = a.split ?? (COLON.includes(a.database) ? ":" : undefined);
      return { changed: false, ansible_facts: { [tree]: records(r.stdout, sep) } };
    }
    const msg = MESSAGES[r.rc] ?? (r.stderr.trim() || "Unexpected failure!");
    if (r.rc === 2 && !a.fail_key) return { changed: false, msg, ansible_facts: { [tree]: { [a.key ?? ""]: null } } };
    return { changed: false, failed: true, msg };
  },
});
