// Owns the `stat` module: facts about a path (exists, type, mode, owner, size, mtime, checksum).
import { z } from "zod";
import { joinSh, raw, sh } from "../transport/sh.js";
import { defineModule } from "./types.js";

export const statModule = defineModule({
  name: "stat",
  undo: "none",
  idempotent: true,
  schema: z
    .object({
      path: z.string().min(1),
      follow: z.boolean().default(false),
      get_checksum: z.boolean().default(true),
      checksum_algorithm: z.enum(["sha1", "sha256", "md5", "sha512"]).default("sha1"),
    })
    .strict(),
  run: async (ctx, a) => {
    const L = a.follow ? raw("-L ") : raw("");
    const r = await ctx.exec(
      joinSh([
        sh`p=${a.path}`,
        raw(`if [ -e "$p" ] || [ -L "$p" ]; then`),
        sh`  stat ${L}-c 'KPLAY-STAT|%F|%a|%u|%g|%U|%G|%s|%Y|%i|%h' -- "$p"`,
        raw(`  [ -L "$p" ] && echo "KPLAY-LINK|$(readlink -- "$p")"`),
        a.get_checksum
          ? sh`  [ -f "$p" ] && s_=$(${`${a.checksum_algorithm}sum`} -- "$p") && echo "KPLAY-SUM|\${s_%% *}"`
          : raw(":"),
        raw(`  exit 0`),
        raw(`fi`),
        raw(`echo KPLAY-ABSENT`),
      ]),
    );
    if (r.rc !== 0) return { changed: false, failed: true, rc: r.rc, msg: r.stderr.trim() };
    if (r.stdout.includes("KPLAY-ABSENT")) return { changed: false, stat: { exists: false } };
    const get = (tag: string) =>
      r.stdout
        .split("\n")
        .find((l) => l.startsWith(tag + "|"))
        ?.slice(tag.length + 1);
    const [type, mode, uid, gid, pw, gr, size, mtime, inode, nlink] = (get("KPLAY-STAT") ?? "").split("|");
    const stat: Record<string, unknown> = {
      exists: true,
      path: a.path,
      mode: mode.padStart(4, "0"),
      isdir: type === "directory",
      isreg: type.startsWith("regular"),
      islnk: type === "symbolic link",
      uid: Number(uid),
      gid: Number(gid),
      pw_name: pw,
      gr_name: gr,
      size: Number(size),
      mtime: Number(mtime),
      inode: Number(inode),
      nlink: Number(nlink),
    };
    const link = get("KPLAY-LINK");
    if (link !== undefined) stat.lnk_source = link;
    const sum = get("KPLAY-SUM");
    if (sum) stat.checksum = sum;
    return { changed: false, stat };
  },
});
