// Owns the package source modules: `apt_repository` (one .list file per source under
// /etc/apt/sources.list.d) and `yum_repository` (an INI .repo file under /etc/yum.repos.d), both
// written like copy (ok when unchanged), optionally refreshing the index after a change.
import { z } from "zod";
import { raw, sh, type Sh } from "../transport/sh.js";
import { putFile } from "./copy.js";
import { defineModule, type ModuleContext, type ModuleResult } from "./types.js";

async function removeFile(ctx: ModuleContext, path: string): Promise<ModuleResult> {
  const keep = ctx.undo.keepOriginal("p", path);
  const rm = ctx.check ? raw("") : keep ? sh`${keep}; rm -f -- "$p" && ` : raw('rm -f -- "$p" && ');
  const r = await ctx.exec(
    sh`p=${path}; if [ -e "$p" ]; then ${rm}echo KPLAY-RESULT: changed=1; else echo KPLAY-RESULT: changed=0; fi`,
  );
  if (r.rc !== 0) return { changed: false, failed: true, msg: r.stderr.trim() };
  return { changed: r.stdout.includes("changed=1"), dest: path };
}

async function refresh(ctx: ModuleContext, res: ModuleResult, cmd: Sh): Promise<ModuleResult> {
  if (!res.changed || res.failed || ctx.check) return res;
  const r = await ctx.exec(cmd, { timeoutMs: 10 * 60_000 });
  if (r.rc !== 0)
    return {
      ...res,
      failed: true,
      msg:
        "the source was written but refreshing the package index failed: " +
        (r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | "),
    };
  return { ...res, cache_updated: true };
}

const APT_UPDATE = raw("DEBIAN_FRONTEND=noninteractive apt-get update -q");

const aptSchema = z
  .object({
    repo: z
      .string()
      .min(1)
      .regex(
        /^deb(-src)?\s/,
        'repo must be a sources.list line such as "deb [trusted=yes] http://10.0.0.5:8080/debian bookworm main"',
      ),
    filename: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional(),
    state: z.enum(["present", "absent"]).default("present"),
    update_cache: z.boolean().default(true),
    mode: z.union([z.string(), z.number()]).optional(),
  })
  .strict();

export const aptRepositoryModule = defineModule({
  name: "apt_repository",
  undo: "recorded",
  idempotent: true,
  schema: aptSchema,
  run: async (ctx, a) => {
    const url = /\s(\w+:\/\/\S+)/.exec(a.repo)?.[1];
    if (url && !/^(https?|file|ftp|cdrom|copy):\/\//.test(url))
      return { changed: false, failed: true, msg: `unsupported URL scheme in ${a.repo}` };
    const name =
      a.filename ??
      (url ?? a.repo)
        .replace(/^\w+:\/\//, "")
        .replace(/[^A-Za-z0-9]+/g, "_")
        .replace(/^_|_$/g, "");
    const path = `/etc/apt/sources.list.d/${name}.list`;
    if (a.state === "absent")
      return refresh(ctx, await removeFile(ctx, path), a.update_cache ? APT_UPDATE : raw("true"));
    const res = await putFile(ctx, {
      dest: path,
      data: Buffer.from(a.repo.trim() + "\n"),
      mode: a.mode ? String(a.mode) : "644",
    });
    return refresh(ctx, { ...res, repo: a.repo }, a.update_cache ? APT_UPDATE : raw("true"));
  },
});

const yumSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/),
    description: z.string().optional(),
    baseurl: z.union([z.string(), z.array(z.string())]).optional(),
    enabled: z.boolean().default(true),
    gpgcheck: z.boolean().optional(),
    gpgkey: z.string().optional(),
    sslverify: z.boolean().optional(),
    priority: z.number().int().optional(),
    module_hotfixes: z.boolean().optional(),
    file: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional(),
    state: z.enum(["present", "absent"]).default("present"),
  })
  .strict()
  .refine((a) => a.state === "absent" || a.baseurl !== undefined, {
    message: "baseurl is required when state=present",
  });

export const yumRepositoryModule = defineModule({
  name: "yum_repository",
  undo: "recorded",
  idempotent: true,
  schema: yumSchema,
  run: async (ctx, a) => {
    const path = `/etc/yum.repos.d/${a.file ?? a.name}.repo`;
    if (a.state === "absent") return removeFile(ctx, path);
    const yn = (b: boolean) => (b ? "1" : "0");
    const lines = [
      `[${a.name}]`,
      `name=${a.description ?? a.name}`,
      `baseurl=${(Array.isArray(a.baseurl) ? a.baseurl : [a.baseurl!]).join("\n        ")}`,
      `enabled=${yn(a.enabled)}`,
    ];
    if (a.gpgcheck !== undefined) lines.push(`gpgcheck=${yn(a.gpgcheck)}`);
    if (a.gpgkey) lines.push(`gpgkey=${a.gpgkey}`);
    if (a.sslverify !== undefined) lines.push(`sslverify=${yn(a.sslverify)}`);
    if (a.priority !== undefined) lines.push(`priority=${a.priority}`);
    if (a.module_hotfixes !== undefined) lines.push(`module_hotfixes=${yn(a.module_hotfixes)}`);
    return putFile(ctx, { dest: path, data: Buffer.from(lines.join("\n") + "\n"), mode: "644" });
  },
});
