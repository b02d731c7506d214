// Owns the `modprobe` module: load or unload a kernel module (a module already visible under
// /sys/module is left alone) and persist it in /etc/modules-load.d/NAME.conf, with parameters
// in /etc/modprobe.d/NAME.conf.
import { z } from "zod";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker } from "./types.js";

export const modprobeModule = defineModule({
  name: "modprobe",
  undo: "task",
  idempotent: true,
  schema: z
    .object({
      name: z.string().regex(/^[A-Za-z0-9_-]+$/, "invalid kernel module name"),
      state: z.enum(["present", "absent"]).default("present"),
      params: z.string().default(""),
      persistent: z.enum(["present", "absent", "disabled"]).default("disabled"),
    })
    .strict(),
  run: async (ctx, a) => {
    const sysName = a.name.replace(/-/g, "_");
    const c = ctx.check;
    const writeContent = (content: string) =>
      c ? raw(":") : sh`mkdir -p -- "$(dirname -- "$f")"; printf '%s\\n' ${content} > "$f"`;
    const write = (file: string, content: string) =>
      sh`f=${file}; if [ "$(cat -- "$f" 2>/dev/null)" != ${content} ]; then changed=1; ${writeContent(content)}; fi`;
    const remove = (file: string) =>
      sh`f=${file}; if [ -e "$f" ]; then changed=1; ${c ? raw(":") : raw(`rm -f -- "$f"`)}; fi`;
    const params = a.params ? a.params.split(/\s+/) : [];
    const fail = (what: string) => sh`{ echo ${what} >&2; exit 1; }`;
    const load = c ? raw(":") : sh`modprobe -- ${a.name} ${params} || ${fail(`modprobe ${a.name} failed`)}`;
    const unload = c ? raw(":") : sh`modprobe -r -- ${a.name} || ${fail(`modprobe -r ${a.name} failed`)}`;
    const unloadIt = sh`changed=1; ${unload}`;
    const lines: Sh[] = [raw(`changed=0`)];
    if (a.state === "present") {
      lines.push(sh`if [ ! -d ${`/sys/module/${sysName}`} ]; then changed=1; ${load}; fi`);
    } else {
      lines.push(
        sh`if [ -d ${`/sys/module/${sysName}`} ] && grep -q ${`^${sysName} `} /proc/modules; then ${unloadIt}; fi`,
      );
    }
    if (a.persistent === "present") {
      lines.push(write(`/etc/modules-load.d/${a.name}.conf`, a.name));
      lines.push(
        a.params
          ? write(`/etc/modprobe.d/${a.name}.conf`, `options ${a.name} ${a.params}`)
          : remove(`/etc/modprobe.d/${a.name}.conf`),
      );
    } else if (a.persistent === "absent") {
      lines.push(remove(`/etc/modules-load.d/${a.name}.conf`), remove(`/etc/modprobe.d/${a.name}.conf`));
    }
    lines.push(raw(`echo "KPLAY-RESULT: changed=$changed"`));
    const r = await ctx.exec(joinSh(lines));
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return { changed: m.changed === "1", name: a.name, state: a.state };
  },
});
