// Owns the `slurp` module (a file's content, base64) and `fetch` (copy a file from the host to
// the controller, under dest/<host>/<path> unless flat), checksum-compared.
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, fsyncSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, resolve, sep } from "node:path";
import { openTempBeside, writeAll } from "../state/atomic.js";
import { z } from "zod";
import { catSh, raw, sh } from "../transport/sh.js";
import { defineModule, type ModuleContext } from "./types.js";
import { makeDirs } from "../make-dirs.js";

type Unreadable = "missing" | "denied" | "directory" | "notdir" | "other";
/** readRaw's exit codes for a file it cannot read (ENOENT, EACCES, EISDIR, ENOTDIR). */
const UNREADABLE: Record<number, Unreadable> = { 4: "missing", 5: "denied", 6: "directory", 7: "notdir" };

/** slurp's messages, Ansible's words (tests and scripts match them). */
const SLURP_MSG: Record<Exclude<Unreadable, "other">, (p: string) => string> = {
  missing: (p) => `file not found: ${p}`,
  denied: (p) => `file is not readable: ${p}`,
  directory: (p) => `source is a directory and must be a file: ${p}`,
  notdir: (p) => `unable to slurp file: [Errno 20] Not a directory: '${p}'`,
};

/** fetch's message for an unreadable source, as Ansible's fetch words it (slurp's, mostly). */
function fetchMessage(why: Unreadable, o: { src: string; failOnMissing: boolean; msg: string }): string {
  if (why === "other") return o.msg;
  if (why === "missing") return "the remote file does not exist, not transferring, ignored";
  const ignored = o.failOnMissing ? "" : ", not transferring, ignored";
  if (why === "directory") return `remote file is a directory, fetch cannot work on directories${ignored}`;
  return SLURP_MSG[why](o.src);
}

/**
 * The file's raw bytes, streamed: `cat` on stdout (never held as text or base64), its sha256 and
 * size taken on the node first and sent on stderr, checked against what arrived. `into` receives
 * each chunk (a file being written, or a list of chunks).
 */
async function readRaw(
  ctx: ModuleContext,
  path: string,
  into: (chunk: Buffer) => void,
): Promise<{ ok: true; sha256: string; sha1: string; size: number } | { ok: false; why: Unreadable; msg: string }> {
  const h = createHash("sha256");
  const h1 = createHash("sha1"); // Ansible's fetch reports sha1
  let size = 0;
  const r = await ctx.exec(
    catSh(
      sh`p=${path}; `,
      raw(
        'if [ -f "$p" ] && [ -r "$p" ]; then ' +
          's_=$(sha256sum -- "$p") && cat -- "$p" && echo "KPLAY-SUM ${s_%% *}" >&2; ',
      ),
      // why it cannot be read, as the errno Ansible's modules tell apart
      raw('elif [ -d "$p" ] && [ -r "$p" ]; then exit 6; elif [ -e "$p" ]; then exit 5; '),
      raw('else q_=$p; while [ ! -e "$q_" ] && [ "$q_" != / ] && [ "$q_" != . ]; do q_=$(dirname -- "$q_"); done; '),
      raw('if [ -e "$q_" ] && [ ! -d "$q_" ]; then exit 7; elif [ ! -x "$q_" ]; then exit 5; else exit 4; fi; fi'),
    ),
    {
      stdoutSink: (c) => {
        h.update(c);
        h1.update(c);
        size += c.length;
        into(c);
      },
    },
  );
  if (r.rc !== 0) return { ok: false, why: UNREADABLE[r.rc] ?? "other", msg: r.stderr.trim() || `rc ${r.rc}` };
  const want = /KPLAY-SUM ([0-9a-f]{64})/.exec(r.stderr)?.[1];
  const got = h.digest("hex");
  if (want !== got)
    return {
      ok: false,
      why: "other",
      msg: `${path} changed while it was read (sha256 on the node ${want ?? "missing"}, received ${got})`,
    };
  return { ok: true, sha256: got, sha1: h1.digest("hex"), size };
}

export const slurpModule = defineModule({
  name: "slurp",
  undo: "none",
  idempotent: true,
  schema: z.object({ src: z.string().min(1) }).strict(),
  run: async (ctx, a) => {
    const chunks: Buffer[] = [];
    const r = await readRaw(ctx, a.src, (c) => chunks.push(c));
    if (!r.ok) return { changed: false, failed: true, msg: r.why === "other" ? r.msg : SLURP_MSG[r.why](a.src) };
    return { changed: false, content: Buffer.concat(chunks).toString("base64"), encoding: "base64", source: a.src };
  },
});

export const fetchModule = defineModule({
  name: "fetch",
  noAsync: true,
  undo: "none",
  idempotent: true,
  schema: z
    .object({
      src: z.string().min(1),
      dest: z.string().min(1),
      flat: z.boolean().default(false),
      fail_on_missing: z.boolean().default(true),
      validate_checksum: z.boolean().default(true),
    })
    .strict(),
  run: async (ctx, a) => {
    const dest = fetchDest(a, ctx.host);
    if (typeof dest !== "string") return { changed: false, failed: true, msg: dest.escapes, file: a.src };
    const cur = existsSync(dest) ? await sha256File(dest) : undefined;
    // streamed into a private temporary file beside dest (random name, created exclusively, 0600 from
    // the start: fetched files are often credentials), renamed when whole; the first directory made
    // here (undefined: all were there) is removed again if nothing arrives
    const made = makeDirs(dirname(dest));
    const { fd, tmp } = openTempBeside(dest, 0o600);
    let r: Awaited<ReturnType<typeof readRaw>>;
    try {
      r = await readRaw(ctx, a.src, (c) => {
        writeAll(fd, c);
      });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (!r.ok) {
      rmSync(made ?? tmp, { force: true, recursive: true });
      // as Ansible's fetch: fail_on_missing: false lets every unreadable source pass, saying so
      const msg = fetchMessage(r.why, { src: a.src, failOnMissing: a.fail_on_missing, msg: r.msg });
      return a.fail_on_missing
        ? { changed: false, failed: true, msg, file: a.src }
        : { changed: false, msg, file: a.src };
    }
    if (cur === r.sha256 || ctx.check) {
      rmSync(tmp, { force: true });
      return { changed: cur !== r.sha256, dest, checksum: r.sha1 };
    }
    renameSync(tmp, dest);
    return { changed: true, dest, checksum: r.sha1, remote_checksum: r.sha1, size: r.size };
  },
});

/**
 * Where fetch writes on the controller: dest/<host>/<src> (or dest itself, or dest/<basename> when
 * flat), normalised and confined to dest. The source path may come from a node (registered
 * output), so one that climbs out of dest is refused, in Ansible's words.
 */
export function fetchDest(a: { src: string; dest: string; flat: boolean }, host: string): string | { escapes: string } {
  const base = resolve(a.dest);
  if (a.flat && !a.dest.endsWith("/")) return base;
  // as Ansible (CVE-2020-1735): the joined path is normalised, then must stay under dest
  const dest = a.flat ? resolve(base, `./${basename(a.src)}`) : resolve(base, `./${host}`, `./${a.src}`);
  const under = a.flat ? base : resolve(base, `./${host}`);
  if (!dest.startsWith(under + sep) || [".", ".."].includes(basename(a.src)))
    return { escapes: `Detected directory traversal, expected to be contained in '${base}' but got '${dest}'` };
  return dest;
}

function sha256File(file: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (c) => h.update(c))
      .on("end", () => res(h.digest("hex")))
      .on("error", rej);
  });
}
