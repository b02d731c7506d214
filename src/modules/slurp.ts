// Owns the `slurp` module (a file's content, base64) and `fetch` (copy a file from the host to
// the controller, under dest/<host>/<path> unless flat), checksum-compared.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { sh } from "../transport/sh.js";
import { defineModule, type ModuleContext } from "./types.js";

async function readB64(ctx: ModuleContext, path: string): Promise<{ ok: boolean; data?: Buffer; msg?: string }> {
  const r = await ctx.exec(sh`p=${path}; if [ -f "$p" ] && [ -r "$p" ]; then base64 -- "$p"; else echo "file not found or not readable: $p" >&2; exit 4; fi`);
  if (r.rc !== 0) return { ok: false, msg: r.stderr.trim() || `rc ${r.rc}` };
  return { ok: true, data: Buffer.from(r.stdout.replace(/\s+/g, ""), "base64") };
}

export const slurpModule = defineModule({
  name: "slurp",
  idempotent: true,
  schema: z.object({ src: z.string().min(1) }).strict(),
  run: async (ctx, a) => {
    const r = await readB64(ctx, a.src);
    if (!r.ok) return { changed: false, failed: true, msg: r.msg };
    return { changed: false, content: r.data!.toString("base64"), encoding: "base64", source: a.src };
  },
});

export const fetchModule = defineModule({
  name: "fetch",
  idempotent: true,
  schema: z
    .object({ src: z.string().min(1), dest: z.string().min(1), flat: z.boolean().default(false), fail_on_missing: z.boolean().default(true), validate_checksum: z.boolean().default(true) })
    .strict(),
  run: async (ctx, a) => {
    const r = await readB64(ctx, a.src);
    if (!r.ok) return a.fail_on_missing ? { changed: false, failed: true, msg: r.msg } : { changed: false, skipped: true, msg: r.msg };
    const dest = a.flat ? (a.dest.endsWith("/") ? join(a.dest, a.src.split("/").pop()!) : a.dest) : join(a.dest, ctx.host, a.src);
    const sum = createHash("sha1").update(r.data!).digest("hex");
    const cur = existsSync(dest) ? createHash("sha1").update(readFileSync(dest)).digest("hex") : undefined;
    if (cur === sum) return { changed: false, dest, checksum: sum };
    if (!ctx.check) {
      mkdirSync(dirname(dest), { recursive: true });
      const tmp = `${dest}.kplay-tmp`;
      // 0600: fetched files are often credentials (kubeconfigs, keys)
      writeFileSync(tmp, r.data!, { mode: 0o600 });
      renameSync(tmp, dest);
    }
    return { changed: true, dest, checksum: sum, remote_checksum: sum };
  },
});
