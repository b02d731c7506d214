// Owns the `file` module: directory (mkdir -p), absent (rm -rf), touch, file (attributes of an
// existing file) and link, with mode/owner/group and access/modification times, in one round trip;
// check mode only compares.
import { z } from "zod";
import { strptime } from "../playbook/strftime.js";
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { attrScriptOrNoop } from "./attrs.js";
import { defineModule, normalizeMode, readMarker, type ModuleContext, type ModuleResult } from "./types.js";

const fileSchema = z
  .object({
    path: z.string().min(1),
    state: z.enum(["file", "directory", "absent", "touch", "link", "hard"]).default("file"),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    src: z.string().optional(),
    recurse: z.boolean().default(false),
    force: z.boolean().default(false),
    // "preserve", "now", or a time in the *_format (Python's strptime), the node's local time
    modification_time: z.string().optional(),
    modification_time_format: z.string().default("%Y%m%d%H%M.%S"),
    access_time: z.string().optional(),
    access_time_format: z.string().default("%Y%m%d%H%M.%S"),
    // Ansible's action plugins ask whether a file looks binary (internal, but playbooks use it)
    _diff_peek: z.boolean().optional(),
  })
  .strict()
  .refine((a) => (a.state !== "link" && a.state !== "hard") || !!a.src, { message: "state=link and hard need src" });

/** state=link: $p becomes a symbolic link to src; a file that is not a link there needs force. */
function symLink(o: { src: string; force: boolean; make: (cmd: Sh) => Sh }): Sh {
  return joinSh([
    sh`if [ -L "$p" ] && [ "$(readlink -- "$p")" = ${o.src} ]; then :;`,
    catSh(
      sh`elif [ -e "$p" ] && [ ! -L "$p" ] && [ ${o.force ? 0 : 1} = 1 ]; `,
      raw(`then echo "$p exists and is not a link (use force)" >&2; exit 1;`),
    ),
    sh`else ${o.make(sh`ln -sfn -- ${o.src} "$p"`)} || exit 1; fi`,
  ]);
}

/** state=hard: $p becomes another name of src (same inode); a different file there needs force. */
function hardLink(o: { src: string; force: boolean; attrs: Sh; make: (cmd: Sh) => Sh }): Sh {
  return joinSh([
    sh`s_=${o.src}`,
    raw(`[ -e "$s_" ] || { echo "src does not exist: $s_" >&2; exit 1; }`),
    raw(`if [ -e "$p" ] && [ "$p" -ef "$s_" ]; then :;`),
    catSh(
      sh`elif [ -e "$p" ] && { [ -d "$p" ] || [ ${o.force ? 0 : 1} = 1 ]; }; `,
      raw(`then echo "refusing to convert from $(stat -c %F -- "$p") to hard link: $p" >&2; exit 1;`),
    ),
    sh`else ${o.make(sh`ln -f -- "$s_" "$p"`)} || exit 1; fi`,
    o.attrs,
  ]);
}

/** A time the file should have: "" (keep it), "now", or "YYYY-MM-DD HH:MM:SS" for the node's `date -d`. */
type TimeSpec = string;

/** Ansible's defaults: touch sets both times to now, every other state keeps them. */
function timeSpec(v: string | undefined, fmt: string, state: string): TimeSpec {
  const given = v ?? (state === "touch" ? "now" : "preserve");
  if (given === "preserve") return "";
  if (given === "now") return "now";
  let w;
  try {
    w = strptime(given, fmt);
  } catch (e) {
    throw new Error(`Error while obtaining timestamp for time ${given} using format ${fmt}: ${(e as Error).message}`);
  }
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${w.year}-${p2(w.month)}-${p2(w.day)} ${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}`;
}

/**
 * The file's times set as asked; changed when they differ (to the nanosecond), and always for
 * "now", as Ansible's file module reports. Both "now": a plain touch, which needs no ownership.
 */
function timesScript(t: { m: TimeSpec; a: TimeSpec }, check: boolean): Sh {
  if (!t.m && !t.a) return raw(""); // nothing to do: no line at all
  const apply = (cmd: Sh) => (check ? sh`changed=1` : sh`{ ${cmd}; } && changed=1 || exit 1`);
  const before = raw(`cm_=$(stat -L -c %.9Y -- "$p") && ca_=$(stat -L -c %.9X -- "$p") || exit 1`);
  // the times before and after, for the result's diff (Ansible's before/after mtime and atime)
  const report = raw(`echo "KPLAY-TIMES: $cm_ $ca_ $nm_ $na_"`);
  if (t.m === "now" && t.a === "now")
    return joinSh([
      before,
      apply(sh`touch -c -- "$p"`),
      raw(check ? `nm_=$(date +%s.%N); na_=$nm_` : `nm_=$(stat -L -c %.9Y -- "$p"); na_=$(stat -L -c %.9X -- "$p")`),
      report,
    ]);
  return joinSh([
    before,
    // a wanted time: kept ('' : the current one), now, or a local time the node's date reads
    raw(`w_() { case $1 in '') echo "$2";; now) date +%s.%N;;`),
    raw(`*) d_=$(date -d "$1" +%s) && echo "$d_.000000000";; esac; }`),
    sh`nm_=$(w_ ${t.m} "$cm_") && na_=$(w_ ${t.a} "$ca_") || exit 1`,
    catSh(
      raw(`if [ "$nm_" != "$cm_" ] || [ "$na_" != "$ca_" ]; then `),
      apply(raw(`touch -c -m -d "@$nm_" -- "$p" && touch -c -a -d "@$na_" -- "$p"`)),
      raw(`; fi`),
    ),
    report,
  ]);
}

type FileArgs = z.infer<typeof fileSchema>;

/** `attrs` (written for "$p") on each directory level below "$e_", the deepest one that was there before. */
function newLevels(attrs: Sh): Sh {
  return joinSh([
    // nothing when $p was there already ($e_ is $p): the directories above it are not the task's
    raw(`if [ "$e_" != "$p" ]; then q_=$(dirname -- "$p"); p0_=$p`),
    raw(`while [ "$q_" != "$e_" ] && [ "$q_" != . ] && [ "$q_" != / ]; do p=$q_`),
    attrs,
    raw(`q_=$(dirname -- "$q_"); done; p=$p0_; fi`),
  ]);
}

/** What each state does to $p, given the attribute, time and undo pieces the run made. */
function stateScript(a: FileArgs, p: { attrs: Sh; times: Sh; check: boolean; undo: ModuleContext["undo"] }): Sh {
  const { attrs, times, check: c } = p;
  const act = (cmd: Sh) => (c ? sh`changed=1` : sh`${cmd} && changed=1`);
  // what was at the path before kplay first changed it (or that nothing was) goes into the undo
  // log; a directory's contents are not kept (only directories kplay made are undone)
  const keep = p.undo.keepOriginal("p", a.path);
  const keepThen = (cmd: Sh) => (keep ? sh`${keep}; ${cmd}` : cmd);
  const ifThere = (x: Sh) => (x.text ? joinSh([raw(`if [ -e "$p" ]; then`), x, raw(`fi`)]) : x);
  switch (a.state) {
    case "directory":
      return joinSh([
        raw(`if [ -e "$p" ] && [ ! -d "$p" ]; then echo "$p exists and is not a directory" >&2; exit 1; fi`),
        c || attrs.text === ":" ? undefined : raw(`e_=$p; while [ ! -d "$e_" ]; do e_=$(dirname -- "$e_"); done`),
        // directories kplay creates are removed on undo (if empty by then), every missing level, top first
        sh`[ -d "$p" ] || { ${act(p.undo.makeDirs("p", a.path))} || exit 1; }`,
        // as Ansible: the mode, owner and group go on every level it made, not the last one only
        c || attrs.text === ":" ? undefined : newLevels(attrs),
        raw(`if [ -d "$p" ]; then`),
        attrs,
        a.recurse && (a.owner || a.group) && !c
          ? sh`chown -R -- ${`${a.owner ?? ""}${a.group ? ":" + a.group : ""}`} "$p"`
          : sh`:`,
        times,
        raw(`fi`),
      ]);
    case "absent":
      return sh`if [ -e "$p" ] || [ -L "$p" ]; then ${keepThen(act(sh`rm -rf -- "$p"`))} || exit 1; fi`;
    case "touch":
      // an absent file is created empty; then its attributes, and its times (now, unless told)
      return joinSh([
        keep,
        sh`[ -e "$p" ] || { ${act(raw(`: >> "$p"`))} || exit 1; }`,
        ifThere(joinSh([attrs, times])),
      ]);
    case "link":
      return joinSh([symLink({ src: a.src!, force: a.force, make: (cmd) => keepThen(act(cmd)) }), ifThere(times)]);
    case "hard":
      return joinSh([
        hardLink({ src: a.src!, force: a.force, attrs, make: (cmd) => keepThen(act(cmd)) }),
        ifThere(times),
      ]);
    default:
      return joinSh([
        raw(`[ -e "$p" ] || { echo "file $p does not exist (use state=touch to create it)" >&2; exit 1; }`),
        keep,
        attrs,
        times,
      ]);
  }
}

/** What `stat -c '%F|%h|%a|%u|%g|%U|%G|%s'` said of the path (undefined: nothing there). */
interface PathStat {
  kind: string;
  links: number;
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
}

interface FileInfo {
  pre?: PathStat;
  post?: PathStat;
  oldSrc?: string;
  times?: number[];
  umask?: number;
  dirs: string[];
  files: string[];
}

function parseStat(line: string | undefined): PathStat | undefined {
  const f = line?.split("|");
  if (!f || f.length < 8) return undefined;
  const [kind, links, mode, uid, gid, owner, group, size] = f;
  // a uid with no name is shown as the number, as Python's pwd lookup falls back to str(uid)
  const name = (n: string, id: string) => (n === "UNKNOWN" ? id : n);
  const ids = { uid: Number(uid), gid: Number(gid), owner: name(owner, uid), group: name(group, gid) };
  return { kind, links: Number(links), mode: `0${mode.padStart(3, "0")}`, ...ids, size: Number(size) };
}

function readInfo(stdout: string): FileInfo {
  const info: FileInfo = { dirs: [], files: [] };
  for (const l of stdout.split("\n")) {
    if (l.startsWith("KPLAY-PRE: ")) info.pre = parseStat(l.slice(11));
    else if (l.startsWith("KPLAY-POST: ")) info.post = parseStat(l.slice(12));
    else if (l.startsWith("KPLAY-OLDSRC: ")) info.oldSrc = l.slice(14);
    else if (l.startsWith("KPLAY-TIMES: ")) info.times = l.slice(13).split(" ").map(Number);
    else if (l.startsWith("KPLAY-UMASK: ")) info.umask = parseInt(l.slice(13), 8);
    else if (l.startsWith("KPLAY-D ")) info.dirs.push(l.slice(8));
    else if (l.startsWith("KPLAY-F ")) info.files.push(l.slice(8));
  }
  return info;
}

/** Ansible's get_state: absent, link, directory, hard (more than one name), or file. */
function stateOf(st: PathStat | undefined): string {
  if (!st) return "absent";
  if (st.kind === "symbolic link") return "link";
  if (st.kind === "directory") return "directory";
  return st.links > 1 ? "hard" : "file";
}

/** Ansible's add_path_info: uid, gid, owner, group, mode, state and size of what is at the path now. */
function pathInfo(st: PathStat | undefined): Record<string, unknown> {
  if (!st) return { state: "absent" };
  const { uid, gid, owner, group, mode, size } = st;
  return { uid, gid, owner, group, mode, state: stateOf(st), size };
}

/** The file module's diff as Ansible builds it: the path, then what changed (state, mode, owner, times, link). */
function fileDiff(a: FileArgs, info: FileInfo): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const before: Record<string, unknown> = { path: a.path };
  const after: Record<string, unknown> = { path: a.path };
  const prev = stateOf(info.pre);
  if (prev !== a.state) {
    before.state = prev;
    after.state = a.state;
    if (a.state === "absent" && prev === "directory")
      before.path_content = { directories: info.dirs, files: info.files };
  }
  const { post } = info;
  // a path this task made starts with the mode the umask gives (Ansible then reports its own change)
  const made = (kind: string, full: number) => ({
    ...post!,
    mode: `0${(full & ~(info.umask ?? 0o022)).toString(8)}`,
    kind,
  });
  const pre = info.pre ?? (post ? made(post.kind, post.kind === "directory" ? 0o777 : 0o666) : undefined);
  if (pre && post && a.state !== "absent") {
    if (a.mode !== undefined && pre.mode !== post.mode) [before.mode, after.mode] = [pre.mode, post.mode];
    if (a.owner !== undefined && pre.uid !== post.uid) [before.owner, after.owner] = [pre.uid, post.uid];
    if (a.group !== undefined && pre.gid !== post.gid) [before.group, after.group] = [pre.gid, post.gid];
  }
  const [cm, ca, nm, na] = info.times ?? [];
  if (info.times && nm !== cm) [before.mtime, after.mtime] = [cm, nm];
  if (info.times && na !== ca) [before.atime, after.atime] = [ca, na];
  const relinked = (a.state === "link" || a.state === "hard") && prev === "link" && info.oldSrc !== a.src;
  if (relinked) [before.src, after.src] = [info.oldSrc, a.src];
  return { before, after };
}

/** A directory's contents before state=absent removes it (Ansible's path_content; at most 10,000 entries). */
function contentsOf(): Sh {
  return raw(
    `if [ -d "$p" ] && [ ! -L "$p" ]; then find "$p" -mindepth 1 \\( -type d -printf 'KPLAY-D %p\\n' \\) ` +
      `-o -printf 'KPLAY-F %p\\n' | head -n 10000; fi`,
  );
}

/** _diff_peek: whether the file's first 8 KiB hold a NUL byte (Ansible's appears_binary). */
async function diffPeek(ctx: ModuleContext, path: string): Promise<ModuleResult> {
  const r = await ctx.exec(sh`head -c 8192 -- ${path} 2>/dev/null | tr -d -c '\\000' | wc -c`);
  return { changed: false, path, appears_binary: Number(r.stdout.trim()) > 0 };
}

export const fileModule = defineModule({
  name: "file",
  undo: "recorded",
  idempotent: true,
  schema: fileSchema,
  run: async (ctx, a) => {
    let times: Sh;
    try {
      const m = timeSpec(a.modification_time, a.modification_time_format, a.state);
      times = timesScript({ m, a: timeSpec(a.access_time, a.access_time_format, a.state) }, ctx.check);
    } catch (e) {
      return { changed: false, failed: true, msg: (e as Error).message };
    }
    if (a._diff_peek) return diffPeek(ctx, a.path);
    const attrs = attrScriptOrNoop({ mode: normalizeMode(a.mode), owner: a.owner, group: a.group }, ctx.check);
    const body = stateScript(a, { attrs, times, check: ctx.check, undo: ctx.undo });
    const r = await ctx.exec(
      joinSh([
        sh`p=${a.path}`,
        raw(`changed=0`),
        raw(`echo "KPLAY-PRE: $(stat -c '%F|%h|%a|%u|%g|%U|%G|%s' -- "$p" 2>/dev/null)"`),
        raw(`if [ -L "$p" ]; then echo "KPLAY-OLDSRC: $(readlink -- "$p")"; fi; echo "KPLAY-UMASK: $(umask)"`),
        a.state === "absent" ? contentsOf() : undefined,
        body,
        raw(`echo "KPLAY-POST: $(stat -c '%F|%h|%a|%u|%g|%U|%G|%s' -- "$p" 2>/dev/null)"`),
        raw(`echo "KPLAY-RESULT: changed=$changed"`),
      ]),
    );
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m)
      return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() || `failed with rc ${r.rc}` };
    const info = readInfo(r.stdout);
    return {
      changed: m.changed === "1",
      path: a.path,
      ...pathInfo(info.post),
      diff: fileDiff(a, info),
    };
  },
});
