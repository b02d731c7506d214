// Owns the `stat` module: Ansible's facts about a path (exists, type flags, mode and permission
// bits, owner, size, times with sub-second precision, inode, device, links, checksum, mime type,
// file attributes, access for the connecting user), read with one `stat` call on the node.
import { z } from "zod";
import { joinSh, raw, sh } from "../transport/sh.js";
import { defineModule } from "./types.js";

const FORMAT = "KPLAY-STAT|%F|%a|%u|%g|%U|%G|%s|%.9X|%.9Y|%.9Z|%i|%h|%d|%b|%o|%f|%t|%T";

/** lsattr letters and the names Ansible gives them. */
const ATTRIBUTES: Record<string, string> = {
  s: "secure_deletion",
  u: "undelete",
  S: "synchronous",
  D: "dir_sync",
  i: "immutable",
  a: "append_only",
  d: "no_dump",
  A: "no_atime",
  c: "compression",
  E: "compression_error",
  j: "journaled",
  I: "indexed",
  t: "no_tail_merge",
  T: "top_of_dir_hierarchy",
  e: "extents",
  C: "no_copy_on_write",
  x: "direct_access",
  F: "casefold",
  N: "inline_data",
  P: "project_hierarchy",
  V: "verity",
};

const schema = z
  .object({
    path: z.string().min(1),
    follow: z.boolean().default(false),
    get_checksum: z.boolean().default(true),
    checksum_algorithm: z.enum(["sha1", "sha224", "sha256", "sha384", "sha512", "md5"]).default("sha1"),
    get_mime: z.boolean().default(true),
    get_attributes: z.boolean().default(true),
  })
  .strict();

/** The mime type and encoding `file` sees (Ansible's stat uses `file` too; without it, "unknown"). */
const MIME = raw(
  `  command -v file >/dev/null && ` +
    `echo "KPLAY-MIME|$(file -b --mime-type -- "$p")|$(file -b --mime-encoding -- "$p")"`,
);
const MIME_FOLLOWED = raw(
  `  command -v file >/dev/null && ` +
    `echo "KPLAY-MIME|$(file -bL --mime-type -- "$p")|$(file -bL --mime-encoding -- "$p")"`,
);

/** The file's checksum (a regular file that can be read; a link only when followed, as Ansible's). */
function checksumLine(a: { follow: boolean; checksum_algorithm: string }) {
  const notLink = a.follow ? raw("") : raw('[ ! -L "$p" ] && ');
  const sum = `${a.checksum_algorithm}sum`;
  return sh`  ${notLink}[ -f "$p" ] && [ -r "$p" ] && s_=$(${sum} -- "$p") && echo "KPLAY-SUM|\${s_%% *}"`;
}

/** lsattr's version (generation) and flags, as Ansible reads them (`lsattr -vd`). */
function attributesLine() {
  return raw(`  command -v lsattr >/dev/null && a_=$(lsattr -vd -- "$p" 2>/dev/null) && echo "KPLAY-ATTR|$a_"`);
}

function script(a: z.infer<typeof schema>) {
  const L = a.follow ? raw("-L ") : raw("");
  return joinSh([
    sh`p=${a.path}`,
    raw(`if [ -e "$p" ] || [ -L "$p" ]; then`),
    sh`  stat ${L}-c ${FORMAT} -- "$p"`,
    raw(`  [ -L "$p" ] && echo "KPLAY-LINK|$(readlink -- "$p")|$(readlink -f -- "$p")"`),
    raw(`  echo "KPLAY-ACCESS|$([ -r "$p" ] && echo r)|$([ -w "$p" ] && echo w)|$([ -x "$p" ] && echo x)"`),
    a.get_checksum ? checksumLine(a) : raw(":"),
    a.get_mime ? (a.follow ? MIME_FOLLOWED : MIME) : raw(":"),
    a.get_attributes ? attributesLine() : raw(":"),
    raw(`  exit 0`),
    raw(`fi`),
    raw(`echo KPLAY-ABSENT`),
  ]);
}

export const statModule = defineModule({
  name: "stat",
  undo: "none",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const r = await ctx.exec(script(a));
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, msg: r.stderr.trim() };
    if (r.stdout.includes("KPLAY-ABSENT")) return { changed: false, stat: { exists: false } };
    const get = (tag: string) =>
      r.stdout
        .split("\n")
        .find((l) => l.startsWith(tag + "|"))
        ?.slice(tag.length + 1)
        .split("|");
    const stat = { exists: true, path: a.path, ...statFields(get("KPLAY-STAT") ?? []) };
    const [lnkTarget, lnkSource] = get("KPLAY-LINK") ?? [];
    if (lnkTarget !== undefined) Object.assign(stat, { lnk_target: lnkTarget, lnk_source: lnkSource });
    const [readable, writeable, executable] = get("KPLAY-ACCESS") ?? [];
    Object.assign(stat, { readable: !!readable, writeable: !!writeable, executable: !!executable });
    const sum = get("KPLAY-SUM")?.[0];
    if (sum) Object.assign(stat, { checksum: sum });
    const mime = get("KPLAY-MIME");
    if (a.get_mime) Object.assign(stat, { mimetype: mime?.[0] ?? "unknown", charset: mime?.[1] ?? "unknown" });
    const [version, attrs] = get("KPLAY-ATTR")?.[0].trim().split(/\s+/) ?? [];
    if (attrs !== undefined) {
      const flags = attrs.replace(/-/g, "");
      Object.assign(stat, { version, attr_flags: flags, attributes: [...flags].map((f) => ATTRIBUTES[f] ?? f) });
    }
    return { changed: false, stat };
  },
});

/** The fields of one `stat -c FORMAT` line, named and typed as Ansible's stat module returns them. */
function statFields(parts: string[]): Record<string, unknown> {
  const [
    type,
    mode,
    uid,
    gid,
    pw,
    gr,
    size,
    atime,
    mtime,
    ctime,
    inode,
    nlink,
    dev,
    blocks,
    blksize,
    rawHex,
    maj,
    min,
  ] = parts;
  const m = parseInt(rawHex ?? "0", 16);
  const isDevice = type?.includes("special file") ?? false;
  return {
    mode: (mode ?? "").padStart(4, "0"),
    isdir: type === "directory",
    isreg: type?.startsWith("regular") ?? false,
    islnk: type === "symbolic link",
    ischr: type === "character special file",
    isblk: type === "block special file",
    isfifo: type === "fifo",
    issock: type === "socket",
    uid: Number(uid),
    gid: Number(gid),
    pw_name: pw,
    gr_name: gr,
    size: Number(size),
    atime: Number(atime),
    mtime: Number(mtime),
    ctime: Number(ctime),
    inode: Number(inode),
    nlink: Number(nlink),
    dev: Number(dev),
    blocks: Number(blocks),
    block_size: Number(blksize),
    device_type: isDevice ? (parseInt(maj, 16) << 8) | parseInt(min, 16) : 0,
    ...permissionBits(m),
  };
}

/** Ansible's rusr … xoth, isuid, isgid of a mode (stat's and find's results carry them). */
export function permissionBits(m: number): Record<string, boolean> {
  const bit = (b: number) => (m & b) !== 0;
  return {
    rusr: bit(0o400),
    wusr: bit(0o200),
    xusr: bit(0o100),
    rgrp: bit(0o40),
    wgrp: bit(0o20),
    xgrp: bit(0o10),
    roth: bit(0o4),
    woth: bit(0o2),
    xoth: bit(0o1),
    isuid: bit(0o4000),
    isgid: bit(0o2000),
  };
}
