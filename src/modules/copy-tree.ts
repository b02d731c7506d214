// Owns the copy module's other sources: a file or directory already on the node (remote_src), and
// a directory on the controller (sent as one tar archive and unpacked beside the destination).
// A directory is merged into the destination as Ansible's copy does: a file only in the source or
// whose content differs is copied, nothing in the destination is deleted, and the task is changed
// only when something was copied or an attribute changed. One round trip each.
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { sha256Hex } from "../hash.js";
import { tar, type TarEntry } from "../bundle/tar.js";
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { receiveStdin, T_VAR } from "../transport/stdin.js";
import { attrScriptOrNoop } from "./attrs.js";
import { failure, vaultRefusal, type CopyArgs } from "./copy.js";
import { normalizeMode, readMarker, type ModuleContext, type ModuleResult } from "./types.js";

/** The archive's entries: links followed (local_follow) or kept as links. */
function treeEntries(
  dir: string,
  o: { follow: boolean; decrypt: boolean },
  rel = "",
  seen = ancestorsOf(dir),
): TarEntry[] {
  const { follow, decrypt } = o;
  // a level's files before its directories, as os.walk gives them to Ansible's copy
  const names = readdirSync(join(dir, rel), { withFileTypes: true });
  const ordered = [...names.filter((d) => !d.isDirectory()), ...names.filter((d) => d.isDirectory())];
  return ordered.flatMap(({ name }): TarEntry[] => {
    const path = rel ? `${rel}/${name}` : name;
    const full = join(dir, path);
    const link = lstatSync(full).isSymbolicLink();
    const asLink = (): TarEntry[] => [{ path, type: "symlink", target: readlinkSync(full) }];
    if (link && !follow) return asLink();
    const st = statOrUndefined(full);
    // followed, as Ansible's copy does, except a link to nothing, or to a directory above it (a loop)
    if (!st || (link && st.isDirectory() && seen.has(inode(st)))) return asLink();
    if (st.isDirectory()) {
      const inside = link ? new Set([...seen, ...ancestorsOf(realpathSync(full))]) : new Set([...seen, inode(st)]);
      return [{ path, type: "dir", mode: 0o755 }, ...treeEntries(dir, o, path, inside)];
    }
    const data = readFileSync(full);
    const vault = decrypt ? vaultRefusal(full, data) : undefined;
    if (vault) throw new VaultError(vault);
    return [{ path, type: "file", mode: 0o644, data }];
  });
}

/** A vault-encrypted file in a directory being copied: the copy fails, naming it. */
class VaultError extends Error {}

const inode = (st: Stats) => `${st.dev}:${st.ino}`;

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The directory and every directory above it, by device and inode. */
function ancestorsOf(dir: string): Set<string> {
  const out = new Set<string>();
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = statOrUndefined(d);
    if (st) out.add(inode(st));
    if (d === dirname(d)) return out;
  }
}

/**
 * The merge of directory $S into $T (which exists unless check mode says it would be made): one
 * line "C" per thing copied or changed. `modes`: "source" gives copied files and new directories
 * the source's mode (remote_src, as shutil.copymode); "new" leaves new files 0644 and new
 * directories 0755 or directory_mode, and existing files their own mode (a controller directory,
 * as Ansible's copy writes each file). `fileMode`: the task's mode, set on every file of the source.
 */
function mergeScript(o: {
  modes: "source" | "new";
  fileMode?: string;
  dirMode?: string;
  check: boolean;
  follow: boolean;
  undo: ModuleContext["undo"];
}): Sh {
  // each file replaced or made is kept in the node's undo log first (the same fragment as copy's)
  const keep = o.undo.keepOriginal("f") ?? raw(":");
  // the script find runs for each batch of paths: $1 T, $2 modes, $3 check, $4 dir mode, $5 file
  // mode, $6 links followed (1) or copied as links (0: local_follow false)
  const inner = joinSh([
    raw('T=$1; M=$2; K=$3; DM=$4; FM=$5; L=$6; shift 6; umask 022; for x; do d_="$T/$x"'),
    raw('if [ "$L" = 0 ] && [ -L "$x" ]; then t_=$(readlink -- "$x")'),
    raw('[ -L "$d_" ] && [ "$(readlink -- "$d_")" = "$t_" ] && continue; echo C; [ "$K" = 1 ] && continue'),
    raw("f=$d_"),
    keep,
    raw('ln -sfn -- "$t_" "$d_" || exit 1; continue; fi'),
    raw('if [ -d "$x" ]; then [ -d "$d_" ] && continue; echo C; [ "$K" = 1 ] && continue'),
    catSh(raw("d=$d_; "), o.undo.makeDirs("d"), raw(" || exit 1")),
    raw('if [ "$M" = source ]; then chmod --reference="$x" -- "$d_"'),
    raw('elif [ -n "$DM" ]; then chmod -- "$DM" "$d_"; fi || exit 1'),
    raw("continue; fi"),
    raw('[ -f "$x" ] || continue'),
    raw('if [ ! -e "$d_" ] || ! cmp -s -- "$x" "$d_"; then echo C'),
    raw('if [ "$K" != 1 ]; then f=$d_'),
    keep,
    raw('cat -- "$x" > "$d_" || exit 1'),
    raw('[ "$M" != source ] || chmod --reference="$x" -- "$d_" || exit 1; fi; fi'),
    raw('[ -n "$FM" ] && [ -e "$d_" ] || continue'),
    raw('b_=$(stat -c %a -- "$d_"); [ "$K" = 1 ] || chmod -- "$FM" "$d_" || exit 1'),
    raw('[ "$b_" = "$(stat -c %a -- "$d_")" ] || echo C; done'),
  ]).text;
  const walk = o.follow ? raw("find -L .") : raw("find .");
  return sh`c_=$(cd -- "$S" && ${walk} -mindepth 1 -exec sh -c ${inner} kplay-copy "$T" ${o.modes} ${
    o.check ? "1" : "0"
  } ${o.dirMode ?? ""} ${o.fileMode ?? ""} ${o.follow ? "1" : "0"} {} +) || exit 1; [ -z "$c_" ] || changed=1`;
}

/** owner/group given: every path under $T set to them; changed when any was not. */
function ownerScript(a: CopyArgs, check: boolean): Sh {
  if (!a.owner && !a.group) return raw("");
  const test =
    a.owner && a.group
      ? sh`! -user ${a.owner} -o ! -group ${a.group}`
      : a.owner
        ? sh`! -user ${a.owner}`
        : sh`! -group ${a.group!}`;
  const fix = check ? raw(":") : sh`chown -R -- ${`${a.owner ?? ""}${a.group ? `:${a.group}` : ""}`} "$T"`;
  return sh`if [ -n "$(find "$T" \\( ${test} \\) -print -quit)" ]; then changed=1; ${fix} || exit 1; fi`;
}

/** Where a directory source lands: its contents into dest for "src/", dest/NAME for "src". */
function treeTarget(src: string, dest: string): Sh {
  const name = src.replace(/\/+$/, "").split("/").pop() ?? "";
  const target = src.endsWith("/") ? dest.replace(/\/+$/, "") || "/" : `${dest.replace(/\/+$/, "")}/${name}`;
  // a relative dest is the login directory's, as Ansible's module reads it; the merge changes directory
  return sh`T=${target}; case $T in /*) ;; *) T="$PWD/$T";; esac`;
}

/**
 * $T made: one new level under an existing directory is a copy of $S's (copytree keeps its mode
 * for remote_src); more levels are plain directories (os.makedirs); directory_mode when given.
 */
function makeTarget(modes: "source" | "new", dirMode: string | undefined, undo: ModuleContext["undo"]): Sh {
  const mode = dirMode
    ? sh`chmod -- ${dirMode} "$T"`
    : modes === "source"
      ? raw(`if [ "$one_" = 1 ]; then chmod --reference="$S" -- "$T"; fi`)
      : raw(":");
  return joinSh([raw(`d=$T; one_=0; [ -d "$(dirname -- "$T")" ] && one_=1`), undo.makeDirs("d"), mode], "; ");
}

function treeScript(a: CopyArgs, o: { check: boolean; modes: "source" | "new"; undo: ModuleContext["undo"] }): Sh {
  const dirMode = normalizeMode(a.directory_mode);
  // preserve: each file keeps its source's mode, which the merge copies anyway
  const fileMode = a.mode === "preserve" ? undefined : normalizeMode(a.mode);
  return joinSh([
    raw("changed=0"),
    sh`if [ ! -d "$T" ]; then changed=1; ${o.check ? raw(":") : makeTarget(o.modes, dirMode, o.undo)} || exit 1; fi`,
    sh`if [ -d "$T" ]; then ${mergeScript({ ...o, fileMode, dirMode, follow: a.local_follow ?? false })}; fi`,
    a.owner || a.group ? sh`if [ -d "$T" ]; then ${ownerScript(a, o.check)}; fi` : undefined,
    raw(`echo "KPLAY-RESULT: changed=$changed"`),
  ]);
}

/** copy with a controller directory as src: sent as one archive, unpacked beside dest, merged. */
export async function copyLocalTree(ctx: ModuleContext, a: CopyArgs, dir: string): Promise<ModuleResult> {
  let entries: TarEntry[];
  try {
    entries = treeEntries(dir, { follow: a.local_follow ?? true, decrypt: a.decrypt });
  } catch (e) {
    if (e instanceof VaultError) return { changed: false, failed: true, msg: e.message };
    throw e;
  }
  const archive = tar(entries);
  const unpack = joinSh([
    treeTarget(a.src!, a.dest),
    raw(`S=$(mktemp -d) && t=$(mktemp) || exit 1; trap 'rm -rf -- "$S" "$t"' EXIT`),
    receiveStdin(T_VAR, sha256Hex(archive)),
    raw(`tar -x -f "$t" -C "$S" --no-same-owner || exit 1; rm -f -- "$t"`),
    // links left in the archive are meant as links (the controller already followed the others)
    treeScript({ ...a, local_follow: false }, { check: ctx.check, modes: "new", undo: ctx.undo }),
  ]);
  const r = await ctx.exec(unpack, { stdin: archive });
  return treeResult(r, a);
}

function treeResult(r: { rc: number; stdout: string; stderr: string }, a: CopyArgs): ModuleResult {
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) return failure(r.stderr || r.stdout, r.rc);
  return { changed: m.changed === "1", dest: a.dest, src: a.src };
}

/** copy with remote_src: a file on the node copied as Ansible's module copies it, or a directory merged. */
export async function copyRemote(ctx: ModuleContext, a: CopyArgs): Promise<ModuleResult> {
  const script = joinSh([
    sh`s=${a.src!}; p=${a.dest}`,
    raw(`[ -e "$s" ] || { echo "Source $s not found" >&2; exit 1; }`),
    raw(`[ -r "$s" ] || { echo "Source $s not readable" >&2; exit 1; }`),
    raw(`if [ -d "$s" ]; then`),
    // as Ansible's module: dest's directory must exist unless dest ends with "/"
    raw(`case $p in */) ;; *) if [ ! -e "$p" ]; then D_=$(dirname -- "$p")`),
    raw(`[ -d "$D_" ] || { echo "Destination directory $D_ does not exist" >&2; exit 1; }; fi;; esac`),
    treeTarget(a.src!, a.dest),
    raw(`S=$s`),
    treeScript(a, { check: ctx.check, modes: "source", undo: ctx.undo }),
    raw(`exit 0; fi`),
    raw(`[ -f "$s" ] || { echo "Cannot copy invalid source '$s': not a file" >&2; exit 1; }`),
    remoteFileScript(a, ctx),
  ]);
  const r = await ctx.exec(script);
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) return failure(r.stderr || r.stdout, r.rc);
  if (m.dir === undefined) return treeResult(r, a);
  const dest = /^KPLAY-DEST: (.*)$/m.exec(r.stdout)?.[1] ?? a.dest;
  if (m.exists === "1") return { changed: false, msg: "file already exists", src: a.src, dest };
  const [uid, gid, owner, group, mode, size] = (m.st ?? "").split(",");
  return {
    changed: m.changed === "1",
    dest,
    src: a.src,
    checksum: m.sum,
    state: "file",
    ...(uid
      ? { uid: Number(uid), gid: Number(gid), owner, group, mode: mode.padStart(4, "0"), size: Number(size) }
      : {}),
  };
}

/**
 * A node file copied to dest (inside it when dest is a directory): compared by sha1; a copy keeps
 * the source's mode and times (shutil.copystat) and, over an existing file, that file's mode and
 * owner (Ansible's atomic_move); then the task's mode/owner/group.
 */
/** mode: preserve for a node source: the source's mode, read on the node, set on $p when it differs. */
function preserveMode(check: boolean): Sh {
  return joinSh([
    raw(`m_=$(stat -c %a -- "$s")`),
    check
      ? raw(`[ "$(stat -c %a -- "$p")" = "$m_" ] || changed=1`)
      : raw(`[ "$(stat -c %a -- "$p")" = "$m_" ] || { changed=1; chmod -- "$m_" "$p" || exit 1; }`),
  ]);
}

const ownerOf = (a: CopyArgs) => ({ owner: a.owner, group: a.group });

function remoteFileScript(a: CopyArgs, ctx: ModuleContext): Sh {
  const c = ctx.check;
  return joinSh([
    raw(`case $p in */) p="$p\${s##*/}";; esac; [ -d "$p" ] && p="$p/\${s##*/}"`),
    a.follow ? raw(`if [ -L "$p" ]; then p=$(readlink -f -- "$p") || exit 1; fi`) : undefined,
    raw(`echo "KPLAY-DEST: $p"`),
    a.force ? undefined : raw(`[ -e "$p" ] && { echo "KPLAY-RESULT: dir=0 exists=1"; exit 0; }`),
    raw(`d="\${p%/*}"; d="\${d:-/}"`),
    // a dest ending in "/" is a directory to make (Ansible's copy makes every level of it)
    a.dest.endsWith("/") && !c ? sh`[ -d "$d" ] || { ${ctx.undo.makeDirs("d")} || exit 1; }` : undefined,
    c && a.dest.endsWith("/")
      ? undefined
      : raw(`[ -d "$d" ] || { echo "Destination directory $d does not exist" >&2; exit 1; }`),
    raw(`new=$(sha1sum < "$s") || exit 1; new="\${new%% *}"; cur=$(sha1sum 2>/dev/null < "$p"); cur="\${cur%% *}"`),
    raw(`changed=0; if [ "$cur" != "$new" ] || [ -L "$p" ]; then changed=1`),
    c
      ? raw(":")
      : joinSh([
          ctx.undo.keepOriginal("p", undefined) ?? raw(":"),
          raw(`t=$(mktemp "$d/.kplay-tmp.XXXXXX") && cp -p -- "$s" "$t" || exit 1`),
          // an existing file keeps its mode and owner; a new one is 0666 less the umask and
          // belongs to the user the module runs as, not the source's owner (atomic_move)
          raw(
            `if [ -e "$p" ] && [ ! -L "$p" ]; then chmod "$(stat -c %a -- "$p")" -- "$t"; ` +
              `chown "$(stat -c %u:%g -- "$p")" -- "$t" 2>/dev/null; ` +
              `else chmod "$(printf %o $((0666 & ~0$(umask))))" -- "$t"; ` +
              `chown "$(id -u):$(id -g)" -- "$t" 2>/dev/null; fi`,
          ),
          raw(`mv -f -- "$t" "$p" || { rm -f -- "$t"; exit 1; }`),
        ]),
    raw(`fi`),
    raw(`if [ -e "$p" ]; then`),
    // mode: preserve takes the node source's mode, read there
    a.mode === "preserve" ? preserveMode(c) : undefined,
    attrScriptOrNoop({ mode: a.mode === "preserve" ? undefined : normalizeMode(a.mode), ...ownerOf(a) }, c),
    raw(`fi`),
    raw(`set -- $(stat -c '%u %g %U %G %a %s' -- "$p" 2>/dev/null)`),
    raw(`echo "KPLAY-RESULT: dir=0 changed=$changed sum=$new st=$1,$2,$3,$4,$5,$6"`),
  ]);
}
