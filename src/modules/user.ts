// Owns the `user` module: create, change or remove a local account (useradd/usermod/userdel),
// comparing each asked attribute with getent/id first so a re-run reports ok.
import { z } from "zod";
import { quote } from "../transport/quote.js";
import { defineModule, readMarker } from "./types.js";

export const userModule = defineModule({
  name: "user",
  idempotent: true,
  schema: z
    .object({
      name: z.string().regex(/^[a-z_][a-z0-9_.-]*\$?$/i, "invalid user name"),
      state: z.enum(["present", "absent"]).default("present"),
      uid: z.number().int().nonnegative().optional(),
      group: z.string().optional(),
      groups: z.union([z.string(), z.array(z.string())]).optional(),
      append: z.boolean().default(false),
      shell: z.string().optional(),
      home: z.string().optional(),
      create_home: z.boolean().default(true),
      system: z.boolean().default(false),
      comment: z.string().optional(),
      password: z.string().optional(),
      remove: z.boolean().default(false),
    })
    .strict(),
  run: async (ctx, a) => {
    const u = quote(a.name);
    const c = ctx.check;
    const groups = a.groups === undefined ? undefined : (Array.isArray(a.groups) ? a.groups : a.groups.split(",")).map((g) => g.trim()).filter(Boolean);
    const lines = [`changed=0`, `ent=$(getent passwd ${u})`];
    if (a.state === "absent") {
      lines.push(`if [ -n "$ent" ]; then changed=1; ${c ? ":" : `userdel ${a.remove ? "-r " : ""}${u} || exit 1`}; fi`);
    } else {
      const create = ["useradd", a.system ? "-r" : "", a.uid !== undefined ? `-u ${a.uid}` : "", a.group ? `-g ${quote(a.group)}` : "", groups?.length ? `-G ${quote(groups.join(","))}` : "",
        a.shell ? `-s ${quote(a.shell)}` : "", a.home ? `-d ${quote(a.home)}` : "", a.create_home ? "-m" : "-M", a.comment !== undefined ? `-c ${quote(a.comment)}` : "", a.password ? `-p ${quote(a.password)}` : "", u].filter(Boolean).join(" ");
      lines.push(`if [ -z "$ent" ]; then changed=1; ${c ? ":" : `${create} || exit 1`}; else`);
      const field = (i: number) => `$(echo "$ent" | cut -d: -f${i})`;
      if (a.uid !== undefined) lines.push(`[ "${field(3)}" = ${a.uid} ] || { changed=1; ${c ? ":" : `usermod -u ${a.uid} ${u} || exit 1`}; }`);
      if (a.group) lines.push(`[ "$(id -gn ${u})" = ${quote(a.group)} ] || { changed=1; ${c ? ":" : `usermod -g ${quote(a.group)} ${u} || exit 1`}; }`);
      if (a.shell) lines.push(`[ "${field(7)}" = ${quote(a.shell)} ] || { changed=1; ${c ? ":" : `usermod -s ${quote(a.shell)} ${u} || exit 1`}; }`);
      if (a.home) lines.push(`[ "${field(6)}" = ${quote(a.home)} ] || { changed=1; ${c ? ":" : `usermod -d ${quote(a.home)} ${a.create_home ? "-m " : ""}${u} || exit 1`}; }`);
      if (a.comment !== undefined) lines.push(`[ "${field(5)}" = ${quote(a.comment)} ] || { changed=1; ${c ? ":" : `usermod -c ${quote(a.comment)} ${u} || exit 1`}; }`);
      if (a.password) lines.push(`[ "$(getent shadow ${u} | cut -d: -f2)" = ${quote(a.password)} ] || { changed=1; ${c ? ":" : `usermod -p ${quote(a.password)} ${u} || exit 1`}; }`);
      if (groups) {
        lines.push(`have=" $(id -Gn ${u}) "; primary=$(id -gn ${u}); missing=0; extra=0`);
        for (const g of groups) lines.push(`case "$have" in *" ${g} "*) ;; *) missing=1;; esac`);
        if (!a.append) lines.push(`for g in $have; do [ "$g" = "$primary" ] && continue; case " ${groups.join(" ")} " in *" $g "*) ;; *) extra=1;; esac; done`);
        lines.push(`if [ $missing = 1 ] || [ $extra = 1 ]; then changed=1; ${c ? ":" : `usermod ${a.append ? "-a " : ""}-G ${quote(groups.join(","))} ${u} || exit 1`}; fi`);
      }
      lines.push(`fi`);
    }
    lines.push(`echo "KPLAY-RESULT: changed=$changed"`);
    const r = await ctx.exec(lines.join("\n"));
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return { changed: m.changed === "1", name: a.name, state: a.state };
  },
});
