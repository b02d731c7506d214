// Owns the `hostname` module: the running hostname and /etc/hostname (written in place, as it
// may be a mount point), via hostnamectl when systemd-hostnamed can do it.
import { z } from "zod";
import { joinSh, raw, sh } from "../transport/sh.js";
import { defineModule, readMarker } from "./types.js";

export const hostnameModule = defineModule({
  name: "hostname",
  undo: "task",
  idempotent: true,
  schema: z
    .object({
      name: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$/, "invalid hostname"),
      use: z.string().optional(),
    })
    .strict(),
  run: async (ctx, a) => {
    const n = a.name;
    const setNow = ctx.check
      ? raw(":")
      : sh`hostnamectl set-hostname -- ${n} 2>/dev/null || hostname -- ${n} || exit 1`;
    const setFile = ctx.check ? raw(":") : sh`printf '%s\\n' ${n} > /etc/hostname || exit 1`;
    const r = await ctx.exec(
      joinSh([
        raw(`changed=0`),
        sh`if [ "$(hostname)" != ${n} ]; then changed=1; ${setNow}; fi`,
        sh`if [ "$(cat /etc/hostname 2>/dev/null)" != ${n} ]; then changed=1; ${setFile}; fi`,
        raw(`echo "KPLAY-RESULT: changed=$changed"`),
      ]),
    );
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return {
      changed: m.changed === "1",
      ansible_facts: { ansible_hostname: a.name.split(".")[0], ansible_nodename: a.name },
    };
  },
});
