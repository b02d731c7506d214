// Owns the `find` module as Ansible's: list what is under directories on the node, filtered by
// name (glob or regex, excludes), type, age, size and content, with each entry's stat fields. One
// round trip: GNU find prints every entry's fields (NUL-separated: any byte may be in a name);
// names, age and size are filtered here as Ansible's pfilter/agefilter/sizefilter do; `contains`
// (grep -P) and `get_checksum` (sha1sum) run on the node over the regular files.
import { posix } from "node:path";
import { z } from "zod";
import { pyRegex } from "../playbook/pyregex.js";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { permissionBits } from "./stat.js";
import { defineModule, type ModuleResult } from "./types.js";

const list = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(",")));

const schema = z
  .object({
    paths: list,
    patterns: list.default([]),
    excludes: list.optional(),
    contains: z.string().optional(),
    read_whole_file: z.boolean().default(false),
    file_type: z.enum(["any", "directory", "file", "link"]).default("file"),
    age: z.union([z.string(), z.number()]).transform(String).optional(),
    age_stamp: z.enum(["atime", "ctime", "mtime"]).default("mtime"),
    size: z.union([z.string(), z.number()]).transform(String).optional(),
    recurse: z.boolean().default(false),
    hidden: z.boolean().default(false),
    follow: z.boolean().default(false),
    get_checksum: z.boolean().default(false),
    use_regex: z.boolean().default(false),
    depth: z.number().int().optional(),
  })
  .strict();
type Args = z.infer<typeof schema>;

/** "2d", "-1w", "30" (seconds) → seconds; "10k", "-1m" → bytes (Ansible's units). */
function amount(v: string | undefined, units: Record<string, number>, what: string): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(-?\d+)([a-z])?$/.exec(v.toLowerCase());
  if (!m || (m[2] !== undefined && !(m[2] in units))) throw new Error(`failed to process ${what}`);
  return Number(m[1]) * (m[2] ? units[m[2]] : 1);
}
/** At most this much listing is kept (about 300,000 entries): bounded, and a larger one fails saying so. */
const LISTING_BYTES = 32 * 1024 * 1024;
const AGE_UNITS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const SIZE_UNITS = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** What find prints of an entry: type, mode, ids, names, size, inode, device, links, times, link target, path. */
const FIELDS = "%y\\t%m\\t%U\\t%G\\t%u\\t%g\\t%s\\t%i\\t%D\\t%n\\t%A@\\t%T@\\t%C@\\t%l\\t%P\\0";

interface Entry {
  type: string;
  rel: string;
  fields: string[];
}

/**
 * Every record of the output ends in NUL (no name can hold one); a section starts with a record
 * "KPLAY-<KIND> <i>", which no entry can be: find's records hold tabs, grep's and sha1sum's
 * start with the path searched and a "/" or with a checksum.
 */
const mark = (kind: "FIND" | "HAS" | "SUM" | "NOTDIR", i: number) => sh`printf '\\0%s\\0' ${`KPLAY-${kind} ${i}`}`;

/** sh: for each path, the entries find prints, what holds `contains` and the checksums. */
function listScript(a: Args): Sh {
  const parts: Sh[] = [];
  a.paths.forEach((p, i) => {
    const walk = sh`${findIn(a, p, a.recurse ? (a.depth ? a.depth + 1 : undefined) : 1)} -printf ${FIELDS} 2>/dev/null`;
    parts.push(sh`if [ -d ${p} ]; then ${mark("FIND", i)}; ${walk}; ${files(a, p, i)}`);
    parts.push(sh`else ${mark("NOTDIR", i)}; fi`);
  });
  return joinSh(parts);
}

/** sh: find under `p` (following links if asked) down to `deepest` levels. */
function findIn(a: Args, p: string, deepest: number | undefined): Sh {
  const depth = deepest !== undefined ? sh`-maxdepth ${deepest} ` : raw("");
  return sh`find ${a.follow ? raw("-L ") : raw("")}${p} -mindepth 1 ${depth}`;
}

/** sh: the regular files that hold `contains`, and the sha1 of each, for one path. */
function files(a: Args, p: string, i: number): Sh {
  const found = sh`${findIn(a, p, a.recurse ? a.depth : 1)}-type f -print0 2>/dev/null`;
  const out: Sh[] = [];
  if (a.contains !== undefined && a.file_type === "file") {
    // line by line Python's re.match (anchored at the line's start); read_whole_file: re.search
    const pattern = a.read_whole_file ? a.contains : `^(?:${a.contains})`;
    const zflag = a.read_whole_file ? raw("-z ") : raw("");
    const grep = sh`LC_ALL=C xargs -0 -r grep -lZ -a -P ${zflag}-e ${pattern} -- 2>/dev/null`;
    out.push(sh`${mark("HAS", i)}; ${found} | ${grep}`);
  }
  if (a.get_checksum) out.push(sh`${mark("SUM", i)}; ${found} | xargs -0 -r sha1sum -z -- 2>/dev/null`);
  return out.length ? joinSh(out, "; ") : raw(":");
}

interface Sections {
  find: Map<number, string[]>;
  has: Map<number, string[]>;
  sum: Map<number, string[]>;
}

/** The output's NUL-terminated records, sorted into their sections by path index. */
function sections(stdout: string): Sections {
  const out: Sections = { find: new Map(), has: new Map(), sum: new Map() };
  let into: string[] | undefined;
  for (const r of stdout.split("\0")) {
    const m = /^KPLAY-(FIND|HAS|SUM|NOTDIR) (\d+)$/.exec(r);
    if (m) {
      into = m[1] === "NOTDIR" ? undefined : [];
      if (into) out[m[1].toLowerCase() as keyof Sections].set(Number(m[2]), into);
    } else if (r !== "" && into) into.push(r);
  }
  return out;
}

function entry(record: string): Entry {
  const f = record.split("\t");
  return { type: f[0], rel: f.slice(14).join("\t"), fields: f };
}

/** Ansible's statinfo for one entry. */
function statInfo(e: Entry): Record<string, unknown> {
  const [, mode, uid, gid, user, group, size, inode, dev, nlink, atime, mtime, ctime, target] = e.fields;
  const m = parseInt(mode, 8);
  const type = target ? "l" : e.type;
  return {
    mode: m.toString(8).padStart(4, "0"),
    ...{ isdir: type === "d", ischr: type === "c", isblk: type === "b", isreg: type === "f" },
    ...{ isfifo: type === "p", islnk: type === "l", issock: type === "s" },
    ...{ uid: Number(uid), gid: Number(gid), size: Number(size), inode: Number(inode), dev: Number(dev) },
    ...{ nlink: Number(nlink), atime: Number(atime), mtime: Number(mtime), ctime: Number(ctime) },
    gr_name: /^\d+$/.test(group) && group === gid ? "" : group,
    pw_name: /^\d+$/.test(user) && user === uid ? "" : user,
    ...permissionBits(m),
  };
}

/** Ansible's pfilter: a pattern matches the name (fnmatch, or re.match) and no exclude does. */
function nameMatches(a: Args, name: string): boolean {
  const patterns = a.patterns.length ? a.patterns : [a.use_regex ? ".*" : "*"];
  const match = (p: string) => (a.use_regex ? pyRegex(`^(?:${p})`).test(name) : fnmatch(name, p));
  return patterns.some(match) && !(a.excludes ?? []).some(match);
}

/** Python's fnmatch (case-sensitive on POSIX): *, ?, [seq], [!seq]. */
function fnmatch(name: string, pattern: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[" && pattern.indexOf("]", i + 2) > 0) {
      const j = pattern.indexOf("]", i + 2);
      const body = pattern.slice(i + 1, j).replace(/\\/g, "\\\\");
      re += body.startsWith("!") ? `[^${body.slice(1)}]` : `[${body}]`;
      i = j;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`).test(name);
}

function kept(a: Args, e: Entry, o: { now: number; age?: number; size?: number }): boolean {
  const st = statInfo(e);
  const type = st.islnk ? "l" : e.type;
  const name = posix.basename(e.rel);
  if (name.startsWith(".") && !a.hidden) return false;
  if (a.file_type === "directory" && type !== "d") return false;
  if (a.file_type === "file" && type !== "f") return false;
  if (a.file_type === "link" && type !== "l") return false;
  if (!nameMatches(a, name)) return false;
  const stamp = Number(st[a.age_stamp]);
  if (o.age !== undefined && !(o.age >= 0 ? o.now - stamp >= o.age : o.now - stamp <= -o.age)) return false;
  const bySize = a.file_type === "file" || (a.file_type === "any" && type === "f");
  if (bySize && o.size !== undefined && !(o.size >= 0 ? Number(st.size) >= o.size : Number(st.size) <= -o.size))
    return false;
  return true;
}

/** path → sha1 from sha1sum -z records ("hash  path"). */
function checksums(records: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) if (r.length > 42) out.set(posix.normalize(r.slice(42)), r.slice(0, 40));
  return out;
}

export const findFilesModule = defineModule({
  name: "find",
  undo: "none",
  idempotent: true,
  schema,
  run: async (ctx, a): Promise<ModuleResult> => {
    let age: number | undefined, size: number | undefined;
    try {
      age = amount(a.age, AGE_UNITS, "age");
      size = amount(a.size, SIZE_UNITS, "size");
    } catch (e) {
      return { changed: false, failed: true, msg: (e as Error).message };
    }
    const r = await ctx.exec(listScript(a), { outputLimit: LISTING_BYTES });
    // a listing cut to its ends would be a wrong answer: say so instead
    if (r.truncated)
      return {
        changed: false,
        failed: true,
        msg: "the listing is larger than kplay keeps (32 MiB): narrow paths or depth",
      };
    const now = Date.now() / 1000;
    const out = sections(r.stdout);
    const found: Record<string, unknown>[] = [];
    const skipped: Record<string, string> = {};
    let examined = 0;
    a.paths.forEach((p, i) => {
      const records = out.find.get(i);
      if (records === undefined) {
        skipped[p] = `'${p}' is not a directory`;
        return;
      }
      examined += records.length;
      const has = new Set((out.has.get(i) ?? []).map((x) => posix.normalize(x)));
      const sums = checksums(out.sum.get(i) ?? []);
      for (const e of records.map(entry)) {
        if (a.recurse && a.depth && e.rel.split("/").length > a.depth) continue;
        if (!kept(a, e, { now, age, size })) continue;
        const onDisk = posix.join(p, e.rel);
        if (a.contains !== undefined && a.file_type === "file" && !has.has(onDisk)) continue;
        const sum = sums.get(onDisk);
        const path = posix.join(posix.normalize(p).replace(/\/+$/, "") || "/", e.rel);
        found.push({ path, ...statInfo(e), ...(a.get_checksum && sum ? { checksum: sum } : {}) });
      }
    });
    const warned = Object.keys(skipped).length > 0;
    return {
      changed: false,
      files: found,
      matched: found.length,
      examined,
      skipped_paths: skipped,
      msg: warned ? "Not all paths examined, check warnings for details" : "All paths examined",
      ...(warned
        ? {
            warnings: Object.entries(skipped).map(
              ([p, why]) => `Skipped '${p}' path due to this access issue: ${why}\n`,
            ),
          }
        : {}),
    };
  },
});
