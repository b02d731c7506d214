// Owns the `copy` module: put content (inline or a controller file) at a path on the host,
// checksum-compared so an unchanged file reports ok, written atomically (temp + rename, or in
// place when the path is a mount point such as /etc/hosts in a container). One round trip for
// files up to 256 KiB (content rides along on stdin); larger files are checked first, sent only if needed.
import { sha256Hex } from "../hash.js";
import { statSync } from "node:fs";
import { basename, posix } from "node:path";
import { createHash } from "node:crypto";
import { z } from "zod";
import { pyJson } from "../playbook/jinja-lib.js";
import { joinSh, raw, sh, userScript, type Sh } from "../transport/sh.js";
import { receiveStdin, T_VAR } from "../transport/stdin.js";
import { attrScriptOrNoop, fileAttrFields } from "./attrs.js";
import type { UndoLog } from "./undo.js";
import { copyLocalTree, copyRemote } from "./copy-tree.js";
import {
  defineModule,
  normalizeMode,
  preservedMode,
  readMarker,
  type ModuleContext,
  type ModuleResult,
} from "./types.js";

const INLINE_LIMIT = 256 * 1024;

export const copySchema = z
  .object({
    dest: z.string().min(1),
    // a list or mapping (a template that rendered to one) is written as JSON, as Ansible's copy does
    content: z
      .union([z.string(), z.number(), z.array(z.unknown()), z.record(z.string(), z.unknown())])
      .transform((v) => (typeof v === "object" ? pyJson(v) : String(v)))
      .optional(),
    src: z.string().optional(),
    force: z.boolean().default(true),
    follow: z.boolean().default(false),
    // src is on the node (a file, or a directory merged into dest)
    remote_src: z.boolean().default(false),
    // the mode of directories a directory copy makes
    directory_mode: z.union([z.string(), z.number()]).optional(),
    // symbolic links inside a source directory: followed, or copied as links
    // (default: followed for a controller source; a node source's links stay links, as the
    // module Ansible runs there leaves them when the option is not given)
    local_follow: z.boolean().optional(),
    // Ansible Vault files are decrypted on the way; kplay reads no vault files, so it changes nothing
    decrypt: z.boolean().default(true),
    ...fileAttrFields,
  })
  .strict()
  // Ansible's copy action, in its order and words
  .refine((a) => !!a.src || a.content !== undefined, { message: "src (or content) is required" })
  .refine((a) => !(a.src && a.content !== undefined), { message: "src and content are mutually exclusive" })
  .refine((a) => a.content === undefined || !a.dest.endsWith("/"), {
    message: "can not use content with a dir as dest",
  })
  .refine((a) => !a.remote_src || a.src !== undefined, { message: "remote_src needs src" });

export type CopyArgs = z.infer<typeof copySchema>;

export interface PutFile {
  dest: string;
  data: Buffer;
  mode?: string;
  owner?: string;
  group?: string;
  force?: boolean;
  backup?: boolean;
  /** When dest is a directory, the file goes inside it under this name. */
  nameInDir?: string;
  /** A symlink as dest: write the file it points to (Ansible's follow), not replace the link. */
  follow?: boolean;
  /** Create missing parent directories (lineinfile/blockinfile with create: true). */
  makeDirs?: boolean;
  /** The user's check of the new file (%s its path) before it replaces the old one (Ansible's validate). */
  validate?: string;
  /** Without nameInDir, what to say when dest is a directory (else that it is one). */
  dirRefusal?: string;
}

/** Shared by copy and template: make `dest` hold `data`, reporting truthfully. */
export async function putFile(ctx: ModuleContext, f: PutFile): Promise<ModuleResult> {
  // checked when the task runs, as Ansible's modules check it
  if (f.validate !== undefined && !f.validate.includes("%s"))
    return { changed: false, failed: true, msg: `validate must contain %s: ${f.validate}` };
  const sum = sha256Hex(f.data);
  const inline = f.data.length <= INLINE_LIMIT;
  const wantDiff = ctx.diff && f.data.length <= 64 * 1024 && !f.data.includes(0);
  const x: Expect = { sum, wantDiff };
  if (!inline) {
    // Large file: ask first, send only when the checksum differs.
    const probe = await ctx.exec(script(f, x, { check: ctx.check, withData: false, undo: ctx.undo }));
    const m = readMarker(probe.stdout);
    if (probe.rc !== 0 || !m) return failure(probe.stderr || probe.stdout, probe.rc);
    if (m.content !== "differs" || ctx.check) return finish(f, m, probe.stdout, x);
  }
  const r = await ctx.exec(script(f, x, { check: ctx.check, withData: true, undo: ctx.undo }), { stdin: f.data });
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) return failure(r.stderr || r.stdout, r.rc);
  return finish(f, m, r.stdout, x);
}

/** How the node's answer is read: the file's checksum and whether a diff was asked for. */
interface Expect {
  sum: string;
  wantDiff: boolean;
}

function finish(f: PutFile, m: Record<string, string>, stdout: string, x: Expect): ModuleResult {
  const { wantDiff } = x;
  const data = f.data;
  const changed = m.changed === "1";
  // checksum and md5sum as Ansible reports them (sha1 and md5 of the content)
  const res: ModuleResult = {
    changed,
    dest: m.in_dir === "1" ? `${f.dest.replace(/\/+$/, "")}/${f.nameInDir}` : f.dest,
    checksum: createHash("sha1").update(data).digest("hex"),
    md5sum: createHash("md5").update(data).digest("hex"),
    size: data.length,
    state: "file",
    ...ownerFields(m.st),
  };
  const backup = /^KPLAY-BACKUP\|(.*)$/m.exec(stdout)?.[1];
  if (backup) res.backup_file = backup;
  if (wantDiff && m.content === "differs") {
    const before = stdout.includes("KPLAY-BEFORE\n")
      ? stdout.slice(stdout.indexOf("KPLAY-BEFORE\n") + 13, stdout.indexOf("KPLAY-END-BEFORE\n"))
      : "";
    // a list of before/after pairs with headers, as Ansible's copy and template return it
    const dest = String(res.dest);
    const text = Buffer.from(before.replace(/\s+/g, ""), "base64").toString("utf8");
    res.diff = [{ before: text, after: data.toString("utf8"), before_header: dest, after_header: dest }];
  }
  return res;
}

/** uid, gid, owner, group and mode from the node's `stat` (absent in check mode for a new file). */
function ownerFields(st: string | undefined): Record<string, unknown> {
  const [uid, gid, owner, group, mode] = (st ?? "").split(",");
  if (!uid || !mode) return {};
  return { uid: Number(uid), gid: Number(gid), owner, group, mode: mode.padStart(4, "0") };
}

/**
 * A file encrypted with Ansible Vault: kplay holds no vault secret, so it refuses, in Ansible's
 * words for a run without one (copying the ciphertext would hand the node a file it cannot use).
 */
export function vaultRefusal(path: string, data: Buffer): string | undefined {
  return data.subarray(0, 15).toString("latin1") === "$ANSIBLE_VAULT;"
    ? `A vault password or secret must be specified to decrypt ${path}`
    : undefined;
}

/** A failed result from a node script: its error text, or its exit status when it said nothing. */
export function failure(text: string, rc: number): ModuleResult {
  return { changed: false, failed: true, rc, msg: text.trim() || `failed with rc ${rc}` };
}

function script(f: PutFile, x: Expect, o: { check: boolean; withData: boolean; undo: UndoLog }): Sh {
  const { sum, wantDiff } = x;
  const { check, withData, undo } = o;
  // Written to keep forks down (each costs a node ~1 ms): names the controller knows are worked
  // out here, hashes are cut with ${x%% *}, the temporary file is made by the shell (O_EXCL).
  // With nameInDir the path is known only on the node ($p gains the name when dest is a directory).
  const literal = f.nameInDir || f.follow ? undefined : f.dest;
  const dir = f.nameInDir ? sh`in_=0; if [ -d "$p" ]; then p="$p"/${f.nameInDir}; in_=1; fi` : undefined;
  const drain = withData ? raw("cat >/dev/null") : raw(":");
  const write = withData
    ? joinSh([
        literal !== undefined ? sh`d=${posix.dirname(literal)}` : raw('d="${p%/*}"; d="${d:-/}"'),
        // directories made for the file are undone too (removed on undo if empty by then)
        f.makeDirs
          ? sh`[ -d "$d" ] || { ${undo.makeDirs("d", literal !== undefined ? posix.dirname(literal) : undefined)}; }`
          : raw(":"),
        sh`[ -d "$d" ] || { echo "destination directory $d does not exist" >&2; ${drain}; exit 1; }`,
        // Ansible's backup name: PATH.PID.DATE@TIME~, reported as backup_file
        f.backup
          ? raw(
              `[ -f "$p" ] && b_="$p.$$.$(date +%Y-%m-%d@%H:%M:%S)~" && cp -p -- "$p" "$b_" && echo "KPLAY-BACKUP|$b_"`,
            )
          : raw(":"),
        undo.keepOriginal("p", literal) ?? raw(":"),
        // The new content goes into a private file (0600 from its creation, umask 077) and gets its
        // final owner and mode before it takes dest's name: nobody reads a key while it is written.
        // `true`, not `:`: a special builtin whose redirection fails ends a POSIX shell (dash does).
        raw(`umask 077; t="$d/.kplay-tmp.$$"; set -C; { true > "$t"; } 2>/dev/null || t=; set +C`),
        raw(`[ -n "$t" ] || t=$(mktemp "$d/.kplay-tmp.XXXXXX") || exit 1`),
        receiveStdin(T_VAR, sum),
        f.validate ? validateStep(f.validate) : undefined,
        finalAttrs(f),
        // a bind-mounted file (e.g. /etc/hosts in a container) cannot be renamed over: write in place
        raw(`mv -f -- "$t" "$p" 2>/dev/null || { cat -- "$t" > "$p" && rm -f -- "$t"; } || { rm -f -- "$t"; exit 1; }`),
      ])
    : undefined;
  return joinSh([
    sh`p=${f.dest}`,
    f.follow ? raw(`if [ -L "$p" ]; then p=$(readlink -f -- "$p") || exit 1; fi`) : undefined,
    // a file is never written into a directory it was not named for (mv would put it inside)
    dir ?? sh`if [ -d "$p" ]; then echo ${f.dirRefusal ?? "a directory is there"}: "$p" >&2; ${drain}; exit 1; fi`,
    raw(`changed=0; content=same`),
    raw(`cur=$(sha256sum 2>/dev/null < "$p"); cur="\${cur%% *}"`),
    sh`if [ "$cur" != ${sum} ]; then`,
    sh`  if [ -n "$cur" ] && [ ${f.force === false ? 1 : 0} = 1 ]; then ${drain}; else`,
    raw(`  content=differs; changed=1`),
    wantDiff ? raw(`  if [ -f "$p" ]; then echo KPLAY-BEFORE; base64 -- "$p"; echo KPLAY-END-BEFORE; fi`) : undefined,
    check ? sh`  ${drain}` : write,
    raw(`  fi`),
    sh`else ${drain}; fi`,
    raw(`if [ -e "$p" ]; then`),
    attrScriptOrNoop({ mode: f.mode, owner: f.owner, group: f.group }, check),
    raw(`fi`),
    // the file's owner and mode, as Ansible's copy/template results carry them
    raw(`set -- $(stat -c '%u %g %U %G %a' -- "$p" 2>/dev/null)`),
    f.nameInDir
      ? raw(`echo "KPLAY-RESULT: changed=$changed content=$content sum=$cur in_dir=$in_ st=$1,$2,$3,$4,$5"`)
      : raw(`echo "KPLAY-RESULT: changed=$changed content=$content sum=$cur st=$1,$2,$3,$4,$5"`),
  ]);
}

/**
 * The temp file $t gets the attributes the file will have, narrowest last: the old file's owner
 * (a new file is root's), the task's owner and group, then the mode: the task's, else the old
 * file's, else 0644 (umask 022, as Ansible makes a new file). A symbolic mode is worked out on a
 * scratch file first, so $t never passes through a wider mode.
 */
function finalAttrs(f: PutFile): Sh {
  const mode = f.mode
    ? /^[0-7]{3,4}$/.test(f.mode)
      ? sh`m_=${f.mode}`
      : sh`s_=$(mktemp) && chmod "$m_" "$s_" && chmod -- ${f.mode} "$s_" && m_=$(stat -c %a -- "$s_"); rm -f -- "$s_"`
    : undefined;
  return joinSh([
    raw(`if [ -e "$p" ]; then m_=$(stat -c %a -- "$p"); chown "$(stat -c %u:%g -- "$p")" -- "$t" 2>/dev/null; `),
    raw(`else m_=644; fi`),
    f.owner || f.group ? raw(`p_="$p"; p="$t"`) : undefined,
    f.owner || f.group ? attrScriptOrNoop({ owner: f.owner, group: f.group }, false) : undefined,
    f.owner || f.group ? raw(`p="$p_"`) : undefined,
    mode,
    raw(`chmod "$m_" "$t" || { rm -f -- "$t"; exit 1; }`),
  ]);
}

/**
 * The validate command on the new file ($t): the user's own shell text (as a shell task's), with
 * %s standing for the new file; on failure the file is not replaced.
 */
function validateStep(command: string): Sh {
  return joinSh([
    raw("("),
    userScript(command.split("%s").join('"$t"')),
    raw(`) >&2 || { rm -f -- "$t"; echo "failed to validate" >&2; exit 1; }`),
  ]);
}

export const copyModule = defineModule({
  name: "copy",
  noAsync: true,
  undo: "recorded",
  idempotent: true,
  schema: copySchema,
  run: async (ctx, a) => {
    if (a.remote_src) return copyRemote(ctx, a);
    if (a.src !== undefined && statSync(ctx.localPath(a.src)).isDirectory())
      return copyLocalTree(ctx, a, ctx.localPath(a.src));
    const data = a.content !== undefined ? Buffer.from(a.content) : ctx.readLocal(a.src!);
    const vault = a.src !== undefined && a.decrypt ? vaultRefusal(ctx.localPath(a.src), data) : undefined;
    if (vault) return { changed: false, failed: true, msg: vault };
    // a dest ending in "/" is a directory, made levels and all as Ansible's copy makes it
    const intoDir = a.dest.endsWith("/") && a.src !== undefined;
    const r = await putFile(ctx, {
      dest: intoDir ? a.dest + basename(a.src!) : a.dest,
      data,
      mode: a.mode === "preserve" ? preservedMode(a.src ? ctx.localPath(a.src) : undefined) : normalizeMode(a.mode),
      owner: a.owner,
      group: a.group,
      force: a.force,
      backup: a.backup,
      validate: a.validate,
      nameInDir: a.src && !intoDir ? basename(a.src) : undefined,
      ...(a.content !== undefined ? { dirRefusal: "can not use content with a dir as dest" } : {}),
      makeDirs: intoDir,
      follow: a.follow,
    });
    // Ansible's result names the uploaded copy as src; kplay's is the controller file it read
    return a.src !== undefined && !r.failed ? { ...r, src: ctx.localPath(a.src) } : r;
  },
});
