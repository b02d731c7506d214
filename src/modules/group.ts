// Owns the `group` module: create, change (gid) or remove a local group (groupadd/groupmod/
// groupdel), comparing with getent first so a re-run reports ok. Returns Ansible's fields
// (name, state, gid, system).
import { z } from "zod";
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker } from "./types.js";

const schema = z
  .object({
    name: z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, "invalid group name"),
    state: z.enum(["present", "absent"]).default("present"),
    gid: z.coerce.number().int().nonnegative().optional(),
    system: z.boolean().default(false),
    force: z.boolean().default(false),
    local: z.boolean().default(false),
    non_unique: z.boolean().default(false),
  })
  .strict();

export const groupModule = defineModule({
  name: "group",
  undo: "task",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const g = a.name;
    const doit = (cmd: Sh) => (ctx.check ? raw(":") : sh`${cmd} || exit 1`);
    const lines: Sh[] = [raw(`changed=0`), sh`ent=$(getent group -- ${g})`];
    if (a.state === "absent") lines.push(sh`if [ -n "$ent" ]; then changed=1; ${doit(sh`groupdel -- ${g}`)}; fi`);
    else {
      const opts = joinSh(
        [
          a.system ? raw("-r") : raw(""),
          a.gid !== undefined ? sh`-g ${a.gid}` : raw(""),
          a.non_unique ? raw("-o") : raw(""),
        ],
        " ",
      );
      lines.push(sh`if [ -z "$ent" ]; then changed=1; ${doit(sh`groupadd ${opts} -- ${g}`)}; else :`);
      if (a.gid !== undefined) {
        const fix = doit(sh`groupmod -g ${a.gid} -- ${g}`);
        lines.push(sh`  [ "$(printf %s "$ent" | cut -d: -f3)" = ${a.gid} ] || { changed=1; ${fix}; }`);
      }
      lines.push(raw(`fi`));
    }
    lines.push(raw(`echo "KPLAY-RESULT: changed=$changed gid=$(getent group -- "$n_" | cut -d: -f3)"`));
    const r = await ctx.exec(joinSh([sh`n_=${g}`, ...lines]));
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    const gid = m.gid ? { gid: Number(m.gid) } : {};
    return { changed: m.changed === "1", name: g, state: a.state, system: a.system, ...gid };
  },
});
