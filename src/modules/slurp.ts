// Owns the `slurp` module (a file's content, base64) and `fetch` (copy a file from the host to
// the controller, under dest/<host>/<path> unless flat), checksum-compared.
import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { catSh, raw, sh } from "../transport/sh.js";
import { defineModule, type ModuleContext } from "./types.js";

/**
 * The file's raw bytes, streamed: `cat` on stdout (never held as text or base64), its sha256 and
 * size taken on the node first and sent on stderr, checked against what arrived. `into` receives
 * each chunk (a file being written, or a list of chunks).
 */
async function readRaw(
  ctx: ModuleContext,
  path: string,
  into: (chunk: Buffer) => void,
): Promise<{ ok: true; sha256: string; sha1: string; size: number } | { ok: false; msg: string }> {
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
      raw('else echo "file not found or not readable: $p" >&2; exit 4; fi'),
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
  if (r.rc !== 0) return { ok: false, msg: r.stderr.trim() || `rc ${r.rc}` };
  const want = /KPLAY-SUM ([0-9a-f]{64})/.exec(r.stderr)?.[1];
  const got = h.digest("hex");
  if (want !== got)
    return {
      ok: false,
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
    if (!r.ok) return { changed: false, failed: true, msg: r.msg };
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
    const dest = a.flat
      ? a.dest.endsWith("/")
        ? join(a.dest, a.src.split("/").pop()!)
        : a.dest
      : join(a.dest, ctx.host, a.src);
    const cur = existsSync(dest) ? await sha256File(dest) : undefined;
    // streamed into a temporary file beside dest (0600: fetched files are often credentials), renamed when whole
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.kplay-tmp`;
    const fd = openSync(tmp, "w", 0o600);
    let r: Awaited<ReturnType<typeof readRaw>>;
    try {
      r = await readRaw(ctx, a.src, (c) => {
        for (let off = 0; off < c.length;) off += writeSync(fd, c, off);
      });
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (!r.ok) {
      rmSync(tmp, { force: true });
      return a.fail_on_missing
        ? { changed: false, failed: true, msg: r.msg }
        : { changed: false, skipped: true, msg: r.msg };
    }
    if (cur === r.sha256 || ctx.check) {
      rmSync(tmp, { force: true });
      return { changed: cur !== r.sha256, dest, checksum: r.sha1 };
    }
    renameSync(tmp, dest);
    return { changed: true, dest, checksum: r.sha1, remote_checksum: r.sha1, size: r.size };
  },
});

function sha256File(file: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (c) => h.update(c))
      .on("end", () => res(h.digest("hex")))
      .on("error", rej);
  });
}
