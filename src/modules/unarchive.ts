// Owns the `unarchive` module: unpack a zip or tar (plain, gzip, bzip2, xz, zstd) archive from
// the controller (sent over the connection), already on the host (remote_src) or at a URL the
// host downloads from, into dest, as Ansible 2.14's unarchive does: the type found by content,
// include/exclude, list_files, keep_newer, extra_opts, each member's mode/owner/group, check mode
// (only zip archives support it; a tar is skipped, as in Ansible) and Ansible's messages. The
// script is built in unarchive-script.ts.
import { sha256Hex } from "../hash.js";
import { z } from "zod";
import { readMarker, defineModule, normalizeMode, type ModuleResult } from "./types.js";
import { parseStat, pathInfo } from "./path-info.js";
import { unarchiveScript } from "./unarchive-script.js";

const list = z.array(z.string()).default([]);

const schema = z
  .object({
    src: z.string().min(1),
    dest: z.string().min(1),
    remote_src: z.boolean().optional(),
    /** Deprecated in Ansible: copy=false is remote_src=true. */
    copy: z.boolean().optional(),
    creates: z.string().optional(),
    list_files: z.boolean().default(false),
    keep_newer: z.boolean().default(false),
    exclude: list,
    include: list,
    extra_opts: list,
    validate_certs: z.boolean().default(true),
    io_buffer_size: z.number().int().optional(),
    decrypt: z.boolean().optional(),
    mode: z.union([z.string(), z.number()]).optional(),
    owner: z.string().optional(),
    group: z.string().optional(),
  })
  .strict()
  .refine((a) => !(a.copy !== undefined && a.remote_src !== undefined), {
    message: "parameters are mutually exclusive: ('copy', 'remote_src')",
  })
  .refine((a) => !(a.include.length && a.exclude.length), {
    message: "parameters are mutually exclusive: include|exclude",
  });

type Args = z.infer<typeof schema>;

/** What the script printed, as Ansible's result. */
function result(a: Args, stdout: string, remote: boolean): ModuleResult {
  const failAt = stdout.indexOf("KPLAY-FAIL: ");
  if (failAt >= 0) return { changed: false, failed: true, msg: stdout.slice(failAt + 12).replace(/\n$/, "") };
  const m = readMarker(stdout);
  if (!m) return { changed: false, failed: true, msg: stdout.trim() };
  if (m.creates) return { changed: false, skipped: true, msg: `skipped, since ${a.creates} exists` };
  if (m.skipped)
    return {
      changed: false,
      skipped: true,
      msg: "remote module (ansible.legacy.unarchive) does not support check mode when using gtar",
    };
  const lines = stdout.split("\n");
  const files = lines.filter((l) => l.startsWith("KPLAY-FILE: ")).map((l) => l.slice(12));
  const post = parseStat(lines.find((l) => l.startsWith("KPLAY-POST: "))?.slice(12));
  return {
    changed: m.changed === "1",
    handler: m.handler,
    dest: a.dest,
    src: remote ? a.src : a.src.replace(/.*\//, ""),
    ...(a.list_files ? { files } : {}),
    ...pathInfo(post),
  };
}

export const unarchiveModule = defineModule({
  name: "unarchive",
  noAsync: true,
  undo: "task",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const remote = a.remote_src ?? (a.copy === undefined ? false : !a.copy);
    const data = remote ? undefined : ctx.readLocal(a.src);
    const script = unarchiveScript({
      src: a.src,
      dest: a.dest,
      creates: a.creates,
      sent: data ? sha256Hex(data) : undefined,
      url: remote && /^[a-z][a-z0-9+.-]*:\/\//i.test(a.src),
      validateCerts: a.validate_certs,
      include: a.include,
      exclude: a.exclude,
      extraOpts: a.extra_opts,
      keepNewer: a.keep_newer,
      listFiles: a.list_files,
      attrs: { mode: normalizeMode(a.mode), owner: a.owner, group: a.group },
      check: ctx.check,
    });
    const r = await ctx.exec(script, { stdin: data });
    if (r.rc !== 0 && !r.stdout.includes("KPLAY-FAIL: "))
      return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return result(a, r.stdout, remote);
  },
});
