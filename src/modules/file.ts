// Owns the `file` module: directory (mkdir -p), absent (rm -rf), touch, file (attributes of an
// existing file) and link, with mode/owner/group and access/modification times, in one round trip;
// check mode only compares.
import { z } from "zod";
import { strptime } from "../playbook/strftime.js";
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { attrScriptOrNoop } from "./attrs.js";
import { recursiveMode, recursiveOwner } from "./file-recurse.js";
import { parseStat, pathInfo, stateOf, statLine, type PathStat } from "./path-info.js";
import { defineModule, normalizeMode, readMarker, type ModuleContext, type ModuleResult } from "./types.js";

const fileSchema = z
  .object({
    path: z.string().min(1),
    // not given: what is at the path now (Ansible's default), a file when nothing is
    state: z.enum(["file", "directory", "absent", "touch", "link", "hard"]).optional(),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
    src: z.string().optional(),
    recurse: z.boolean().default(false),
    force: z.boolean().default(false),
    // a link's own owner and group are set (chown -h) whatever follow says; Linux has no mode for a link
    follow: z.boolean().default(true),
    // "preserve", "now", or a time in the *_format (Python's strptime), the node's local time
    modification_time: z.string().optional(),
    modification_time_format: z.string().default("%Y%m%d%H%M.%S"),
    access_time: z.string().optional(),
    access_time_format: z.string().default("%Y%m%d%H%M.%S"),
    // Ansible's action plugins ask whether a file looks binary (internal, but playbooks use it)
    _diff_peek: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.state !== "hard" || !!a.src, { message: "src is required for creating new hardlinks" });

/**
 * state=link: $p becomes a symbolic link to src, with Ansible's refusals: a missing src (relative
 * to the link's directory), a directory (emptied first only with force), a file (only with force).
 */
function symLink(o: { src?: string; force: boolean; make: (cmd: Sh) => Sh }): Sh {
  const noForce = sh`[ ${o.force ? 0 : 1} = 1 ]`;
  return joinSh([
    // no src: the link there keeps its target (its mode or owner is what the task is about)
    o.src !== undefined
      ? sh`s_=${o.src}`
      : catSh(
          raw(`if [ -L "$p" ]; then s_=$(readlink -- "$p"); `),
          raw(`else echo "src is required for creating new symlinks" >&2; exit 1; fi`),
        ),
    // a relative src is read from the link's directory (from $p itself when $p is a directory, as Ansible's)
    raw(`if [ -d "$p" ] && [ ! -L "$p" ]; then r_=$p; else r_=$(dirname -- "$p"); fi`),
    raw(`case $s_ in /*) a_=$s_;; *) a_=$r_/$s_;; esac`),
    catSh(
      sh`if ${noForce} && ${o.src !== undefined ? raw('[ ! -e "$a_" ]') : raw("false")}; then `,
      raw(`echo 'src file does not exist, use "force=yes" if you really want to create the link:' "$a_" >&2; `),
      raw(`exit 1; fi`),
    ),
    raw(`if [ -d "$p" ] && [ ! -L "$p" ]; then`),
    sh`if ${noForce}; then echo "refusing to convert from directory to symlink for $p" >&2; exit 1; fi`,
    catSh(
      raw(`if [ -n "$(ls -A -- "$p")" ]; then `),
      raw(`echo "the directory $p is not empty, refusing to convert it" >&2; exit 1; fi`),
    ),
    sh`${o.make(sh`rmdir -- "$p" && ln -s -- "$s_" "$p"`)} || exit 1`,
    raw(`elif [ -L "$p" ] && [ "$(readlink -- "$p")" = "$s_" ]; then :`),
    catSh(
      sh`elif [ -e "$p" ] && [ ! -L "$p" ] && ${noForce}; then `,
      raw(`k_=file; [ "$(stat -c %h -- "$p")" -gt 1 ] && k_=hard; `),
      raw(`echo "refusing to convert from $k_ to symlink for $p" >&2; exit 1`),
    ),
    sh`else ${o.make(sh`ln -sfn -- "$s_" "$p"`)} || exit 1; fi`,
  ]);
}

/** `attrs` applied to the file a link at $p resolves to (nothing when it points nowhere). */
function onTarget(attrs: Sh): Sh {
  if (attrs.text === ":" || attrs.text === "") return raw("");
  return joinSh([raw(`if [ -e "$p" ]; then l_=$p; p=$(readlink -f -- "$p")`), attrs, raw(`p=$l_; fi`)]);
}

/** owner/group of the link itself (chown -h), when they differ. */
function linkOwner(a: FileArgs, check: boolean): Sh {
  if (!a.owner && !a.group) return raw("");
  const same = joinSh(
    [
      a.owner
        ? sh`{ [ "$(stat -c %U -- "$p")" = ${a.owner} ] || [ "$(stat -c %u -- "$p")" = ${a.owner} ]; }`
        : undefined,
      a.group
        ? sh`{ [ "$(stat -c %G -- "$p")" = ${a.group} ] || [ "$(stat -c %g -- "$p")" = ${a.group} ]; }`
        : undefined,
    ],
    " && ",
  );
  const who = `${a.owner ?? ""}${a.group ? `:${a.group}` : ""}`;
  const fix = check ? raw(":") : sh`chown -h -- ${who} "$p" || exit 1`;
  return sh`if [ -L "$p" ] && ! { ${same}; }; then changed=1; ${fix}; fi`;
}

/** state=hard: $p becomes another name of src (same inode); a different file there needs force. */
function hardLink(o: { src: string; force: boolean; attrs: Sh; make: (cmd: Sh) => Sh }): Sh {
  return joinSh([
    sh`s_=${o.src}`,
    raw(`[ -e "$s_" ] || { echo "src does not exist" >&2; exit 1; }`),
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
      check
        ? raw(`nm_=$(date +%s.%N); na_=$nm_`)
        : raw(`nm_=$(stat -L -c %.9Y -- "$p"); na_=$(stat -L -c %.9X -- "$p")`),
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
function stateScript(a: FileArgs, p: Pieces): Sh {
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
        a.recurse ? recursiveOwner(a, c) : undefined,
        a.recurse ? recursiveMode(a, c) : undefined,
        times,
        raw(`fi`),
      ]);
    case "absent":
      return sh`if [ -e "$p" ] || [ -L "$p" ]; then ${keepThen(act(sh`rm -rf -- "$p"`))} || exit 1; fi`;
    case "touch":
      // an absent file is created empty; then its attributes, and its times (now, unless told)
      // a file this task made is removed again when its attributes cannot be set (Ansible's touch)
      return joinSh([
        keep,
        raw(`made_=0`),
        sh`[ -e "$p" ] || { ${act(raw(`: >> "$p"`))} && made_=1 || exit 1; }`,
        raw(`trap 'if [ "$made_" = 1 ]; then rm -f -- "$p"; fi' EXIT`),
        ifThere(joinSh([attrs, times])),
        raw(`trap - EXIT`),
      ]);
    case "link":
      return joinSh([
        symLink({ src: a.src, force: a.force, make: (cmd) => keepThen(act(cmd)) }),
        // follow (the default): mode, owner and group go on what the link points to, as Ansible's
        a.follow ? onTarget(attrs) : linkOwner(a, c),
        ifThere(times),
      ]);
    case "hard":
      return joinSh([
        hardLink({ src: a.src!, force: a.force, attrs, make: (cmd) => keepThen(act(cmd)) }),
        ifThere(times),
      ]);
    default:
      // a link is followed to its file (follow, the default); anything but a file is refused
      return joinSh([
        a.follow ? raw(`if [ -L "$p" ]; then p=$(readlink -f -- "$p"); fi`) : undefined,
        raw(`if [ -L "$p" ]; then k_=link; elif [ -d "$p" ]; then k_=directory; elif [ -e "$p" ]; then k_=file;`),
        raw(`else k_=absent; fi; [ $k_ = file ] || { echo "file ($p) is $k_, cannot continue" >&2; exit 1; }`),
        keep,
        attrs,
        times,
      ]);
  }
}

type Pieces = { attrs: Sh; times: Sh; check: boolean; undo: ModuleContext["undo"] };

/**
 * No state given: Ansible's default is what is at the path now (a link, a directory, a file), a
 * file when nothing is (a directory with recurse); src only goes with a link.
 */
function currentStateScript(a: FileArgs, p: Pieces): Sh {
  const as = (state: FileArgs["state"]) => stateScript({ ...a, state }, p);
  return joinSh([
    raw(`if [ -L "$p" ]; then S_=link; elif [ -d "$p" ]; then S_=directory; elif [ -e "$p" ]; then S_=file;`),
    a.recurse ? raw(`else S_=directory; fi`) : raw(`else S_=file; fi`),
    raw(`echo "KPLAY-STATE: $S_"`),
    a.src !== undefined
      ? raw(`[ $S_ = link ] || { echo "src option requires state to be 'link' or 'hard'" >&2; exit 1; }`)
      : undefined,
    raw(`case $S_ in link)`),
    as("link"),
    raw(`;; directory)`),
    as("directory"),
    raw(`;; *)`),
    as("file"),
    raw(`;; esac`),
  ]);
}

/** Check mode: whether the owner and group exist yet (Ansible warns when they do not). */
function lookupChecks(a: FileArgs): Sh {
  return joinSh([
    a.owner ? sh`getent passwd -- ${a.owner} >/dev/null || echo KPLAY-NO-OWNER` : undefined,
    a.group ? sh`getent group -- ${a.group} >/dev/null || echo KPLAY-NO-GROUP` : undefined,
  ]);
}

/** Ansible's check-mode warnings for an owner or group the node does not know (yet). */
function lookupWarnings(a: FileArgs, stdout: string): string[] {
  const later = "Create user up to this point in real play";
  const warn = (kind: "user" | "group", name: string) =>
    /^\d+$/.test(name)
      ? `failed to look up ${kind} with ${kind === "user" ? "uid" : "gid"} ${name}. ${later.replace("user", kind)}`
      : `failed to look up ${kind} ${name}. ${later.replace("user", kind)}`;
  const out: string[] = [];
  if (a.owner && /^KPLAY-NO-OWNER$/m.test(stdout)) out.push(warn("user", a.owner));
  if (a.group && /^KPLAY-NO-GROUP$/m.test(stdout)) out.push(warn("group", a.group));
  return out;
}

/** Argument combinations Ansible's file module refuses before it looks at the node. */
function refused(a: FileArgs): string | undefined {
  if (a.src !== undefined && a.state !== undefined && a.state !== "link" && a.state !== "hard")
    return "src option requires state to be 'link' or 'hard'";
  if (a.recurse && a.state !== undefined && a.state !== "directory")
    return "recurse option requires state to be 'directory'";
  return undefined;
}

interface FileInfo {
  pre?: PathStat;
  post?: PathStat;
  oldSrc?: string;
  times?: number[];
  umask?: number;
  /** The state the node chose when the task gave none. */
  state?: FileArgs["state"];
  dirs: string[];
  files: string[];
}

function readInfo(stdout: string): FileInfo {
  const info: FileInfo = { dirs: [], files: [] };
  for (const l of stdout.split("\n")) {
    if (l.startsWith("KPLAY-PRE: ")) info.pre = parseStat(l.slice(11));
    else if (l.startsWith("KPLAY-POST: ")) info.post = parseStat(l.slice(12));
    else if (l.startsWith("KPLAY-OLDSRC: ")) info.oldSrc = l.slice(14);
    else if (l.startsWith("KPLAY-TIMES: ")) info.times = l.slice(13).split(" ").map(Number);
    else if (l.startsWith("KPLAY-STATE: ")) info.state = l.slice(13) as FileArgs["state"];
    else if (l.startsWith("KPLAY-UMASK: ")) info.umask = parseInt(l.slice(13), 8);
    else if (l.startsWith("KPLAY-D ")) info.dirs.push(l.slice(8));
    else if (l.startsWith("KPLAY-F ")) info.files.push(l.slice(8));
  }
  // a run that changed nothing prints no KPLAY-POST: the path is as it was (a failed run printed neither)
  if (!info.post && /^KPLAY-RESULT: changed=0$/m.test(stdout)) info.post = info.pre;
  return info;
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

/** A failure as Ansible's reports it: the path and what is there (absent, for a missing file). */
function failedRun(a: FileArgs, r: { rc: number; stdout: string; stderr: string }, info: FileInfo): ModuleResult {
  const msg = (r.stderr || r.stdout).trim() || `failed with rc ${r.rc}`;
  const names = msg === "src does not exist" ? { dest: a.path, src: a.src } : {};
  // "file (P) is absent, cannot continue" names the state it found, as Ansible's result does
  const found = /^file \(.*\) is (\w+), cannot continue$/.exec(msg)?.[1];
  const st = { ...pathInfo(info.post ?? info.pre), ...(found ? { state: found } : {}) };
  return { changed: false, failed: true, rc: r.rc, msg, path: a.path, ...st, ...names };
}

export const fileModule = defineModule({
  name: "file",
  undo: "recorded",
  idempotent: true,
  schema: fileSchema,
  run: async (ctx, a) => {
    let times: Sh;
    const state = a.state ?? "file";
    try {
      const m = timeSpec(a.modification_time, a.modification_time_format, state);
      times = timesScript({ m, a: timeSpec(a.access_time, a.access_time_format, state) }, ctx.check);
    } catch (e) {
      return { changed: false, failed: true, msg: (e as Error).message };
    }
    if (a._diff_peek) return diffPeek(ctx, a.path);
    const refusal = refused(a);
    if (refusal) return { changed: false, failed: true, msg: refusal, path: a.path };
    const attrs = attrScriptOrNoop({ mode: normalizeMode(a.mode), owner: a.owner, group: a.group }, ctx.check);
    const pieces = { attrs, times, check: ctx.check, undo: ctx.undo };
    const body = a.state ? stateScript(a, pieces) : currentStateScript(a, pieces);
    const r = await ctx.exec(
      joinSh([
        sh`p=${a.path}`,
        raw(`changed=0`),
        statLine("KPLAY-PRE"),
        // umask prints itself: no command substitution (a fork) for it
        raw(`if [ -L "$p" ]; then echo "KPLAY-OLDSRC: $(readlink -- "$p")"; fi; printf 'KPLAY-UMASK: '; umask`),
        ctx.check ? lookupChecks(a) : undefined,
        a.state === "absent" ? contentsOf() : undefined,
        body,
        // nothing changed: the path is as KPLAY-PRE saw it (readInfo takes that line for both)
        catSh(raw(`[ $changed = 0 ] || { `), statLine("KPLAY-POST"), raw("; }")),
        raw(`echo "KPLAY-RESULT: changed=$changed"`),
      ]),
    );
    const m = readMarker(r.stdout);
    const info = readInfo(r.stdout);
    const warnings = lookupWarnings(a, r.stdout);
    const warned = warnings.length ? { warnings } : {};
    if (r.rc !== 0 || !m) return { ...failedRun(a, r, info), ...warned };
    const resolved = { ...a, state: a.state ?? info.state ?? "file" };
    const diff = fileDiff(resolved, info);
    // links are reported by dest and src, other states by path (Ansible's file module's keys)
    const where =
      resolved.state === "link" || resolved.state === "hard"
        ? { dest: a.path, src: a.src ?? info.oldSrc }
        : { path: a.path };
    const gone = resolved.state === "absent" ? { state: "absent" } : {};
    return { changed: m.changed === "1", ...where, ...pathInfo(info.post), ...gone, diff, ...warned };
  },
});
