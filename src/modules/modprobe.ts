// Owns the `modprobe` module: load or unload a kernel module (a module already visible under
// /sys/module is left alone) and persist it in /etc/modules-load.d/NAME.conf, with parameters
// in /etc/modprobe.d/NAME.conf.
import { z } from "zod";
import { quote } from "../transport/quote.js";
import { defineModule, readMarker } from "./types.js";

export const modprobeModule = defineModule({
  name: "modprobe",
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
    const write = (file: string, content: string) =>
      `f=${quote(file)}; if [ "$(cat "$f" 2>/dev/null)" != ${quote(content)} ]; then changed=1; ${c ? ":" : `mkdir -p "$(dirname "$f")"; printf '%s\\n' ${quote(content)} > "$f"`}; fi`;
    const remove = (file: string) => `f=${quote(file)}; if [ -e "$f" ]; then changed=1; ${c ? ":" : `rm -f "$f"`}; fi`;
    const lines = [`changed=0`];
    if (a.state === "present") {
      lines.push(`if [ ! -d /sys/module/${sysName} ]; then changed=1; ${c ? ":" : `modprobe ${quote(a.name)} ${a.params ? a.params.split(/\s+/).map(quote).join(" ") : ""} || { echo "modprobe ${a.name} failed" >&2; exit 1; }`}; fi`);
    } else {
      lines.push(`if [ -d /sys/module/${sysName} ] && grep -q "^${sysName} " /proc/modules; then changed=1; ${c ? ":" : `modprobe -r ${quote(a.name)} || { echo "modprobe -r ${a.name} failed" >&2; exit 1; }`}; fi`);
    }
    if (a.persistent === "present") {
      lines.push(write(`/etc/modules-load.d/${a.name}.conf`, a.name));
      lines.push(a.params ? write(`/etc/modprobe.d/${a.name}.conf`, `options ${a.name} ${a.params}`) : remove(`/etc/modprobe.d/${a.name}.conf`));
    } else if (a.persistent === "absent") {
      lines.push(remove(`/etc/modules-load.d/${a.name}.conf`), remove(`/etc/modprobe.d/${a.name}.conf`));
    }
    lines.push(`echo "KPLAY-RESULT: changed=$changed"`);
    const r = await ctx.exec(lines.join("\n"));
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return { changed: m.changed === "1", name: a.name, state: a.state };
  },
});
