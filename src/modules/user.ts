// Owns the `user` module: create, change or remove a local account (useradd/usermod/userdel),
// comparing each asked attribute with getent/id first so a re-run reports ok.
import { z } from "zod";
import { catSh, joinSh, raw, secret, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker, type ModuleResult } from "./types.js";

const schema = z
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
    // state=absent: userdel --force (removes the user even while logged in), as Ansible's
    force: z.boolean().default(false),
  })
  .strict();
type Args = z.infer<typeof schema>;

/** userdel with Ansible's options: -f for force, -r for remove (both when both are asked). */
function userdel(a: Args): Sh {
  return joinSh(
    [raw("userdel"), a.force ? raw("-f") : undefined, a.remove ? raw("-r") : undefined, sh`-- ${a.name}`],
    " ",
  );
}

/** uid, group (the gid), comment, home and shell of the passwd entry the script printed. */
function accountFields(stdout: string): Record<string, unknown> {
  const line = stdout.split("\n").find((l) => l.startsWith("KPLAY-ENT:"));
  const f = line?.slice("KPLAY-ENT:".length).split(":");
  if (!f || f.length < 7) return {}; // check mode: a user not made yet
  return { uid: Number(f[2]), group: Number(f[3]), comment: f[4], home: f[5], shell: f[6] };
}

/** What Ansible's user module returns: for an account, its fields as they are now. */
function userResult(a: Args, r: { changed: boolean; stdout: string; groups?: string[] }): ModuleResult {
  const base = { changed: r.changed, name: a.name, state: a.state };
  if (a.state === "absent") return { ...base, force: a.force, remove: a.remove };
  const groups = r.groups ? { groups: r.groups.join(",") } : {};
  return { ...base, ...accountFields(r.stdout), append: a.append, system: a.system, ...groups };
}

export const userModule = defineModule({
  name: "user",
  undo: "task",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const u = a.name;
    const c = ctx.check;
    const groups =
      a.groups === undefined
        ? undefined
        : (Array.isArray(a.groups) ? a.groups : a.groups.split(",")).map((g) => g.trim()).filter(Boolean);
    const lines: Sh[] = [raw(`changed=0`), sh`ent=$(getent passwd -- ${u})`];
    const doit = (cmd: Sh) => (c ? raw(":") : sh`${cmd} || exit 1`);
    if (a.state === "absent") {
      lines.push(sh`if [ -n "$ent" ]; then changed=1; ${doit(userdel(a))}; fi`);
    } else {
      const create = useradd(a, groups);
      // the password hash goes to chpasswd on its stdin (printf is a builtin): never in a process list
      const setPassword = a.password ? sh` && printf '%s:%s\\n' ${u} "$pw_" | chpasswd -e` : raw("");
      if (a.password) lines.push(sh`pw_=${secret(a.password)}`);
      // `:` keeps the else branch valid sh when nothing about an existing user is asked for
      lines.push(sh`if [ -z "$ent" ]; then changed=1; ${doit(sh`${create}${setPassword}`)}; else :`);
      // field i of the passwd entry
      const field = (i: number) => sh`"$(printf %s "$ent" | cut -d: -f${i})"`;
      const fix = (test: Sh, cmd: Sh) => sh`${test} || { changed=1; ${doit(cmd)}; }`;
      if (a.uid !== undefined) lines.push(fix(sh`[ ${field(3)} = ${a.uid} ]`, sh`usermod -u ${a.uid} -- ${u}`));
      if (a.group) lines.push(fix(sh`[ "$(id -gn -- ${u})" = ${a.group} ]`, sh`usermod -g ${a.group} -- ${u}`));
      if (a.shell) lines.push(fix(sh`[ ${field(7)} = ${a.shell} ]`, sh`usermod -s ${a.shell} -- ${u}`));
      if (a.home)
        lines.push(
          fix(sh`[ ${field(6)} = ${a.home} ]`, sh`usermod -d ${a.home} ${a.create_home ? raw("-m ") : raw("")}-- ${u}`),
        );
      if (a.comment !== undefined)
        lines.push(fix(sh`[ ${field(5)} = ${a.comment} ]`, sh`usermod -c ${a.comment} -- ${u}`));
      if (a.password)
        lines.push(
          fix(
            sh`[ "$(getent shadow -- ${u} | cut -d: -f2)" = "$pw_" ]`,
            sh`printf '%s:%s\\n' ${u} "$pw_" | chpasswd -e`,
          ),
        );
      if (groups) {
        lines.push(sh`have=" $(id -Gn -- ${u}) "; primary=$(id -gn -- ${u}); missing=0; extra=0`);
        // each wanted group is a quoted case pattern: matched literally, never expanded
        for (const g of groups) lines.push(sh`case "$have" in *' '${g}' '*) ;; *) missing=1;; esac`);
        if (!a.append)
          lines.push(
            sh`for g in $have; do [ "$g" = "$primary" ] && continue; case "$g" in ${joinSh(
              groups.map((g) => sh`${g}`),
              "|",
            )}) ;; *) extra=1;; esac; done`,
          );
        const setGroups = sh`usermod ${a.append ? raw("-a ") : raw("")}-G ${groups.join(",")} -- ${u}`;
        lines.push(sh`if [ $missing = 1 ] || [ $extra = 1 ]; then changed=1; ${doit(setGroups)}; fi`);
      }
      lines.push(raw(`fi`));
    }
    // the account as it is now, for the result (Ansible returns its uid, gid, home, shell, comment)
    if (a.state === "present") lines.push(sh`printf 'KPLAY-ENT:%s\\n' "$(getent passwd -- ${u})"`);
    lines.push(raw(`echo "KPLAY-RESULT: changed=$changed"`));
    const r = await ctx.exec(joinSh(lines));
    const m = readMarker(r.stdout);
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: (r.stderr || r.stdout).trim() };
    return userResult(a, { changed: m.changed === "1", stdout: r.stdout, groups });
  },
});

/** sh: the useradd command line for a user that does not exist yet. */
function useradd(a: Args, groups: string[] | undefined): Sh {
  const opt = (flag: string, v: string | number | undefined) => (v === undefined ? raw("") : sh`${flag} ${v} `);
  return catSh(
    raw("useradd "),
    a.system ? raw("-r ") : raw(""),
    opt("-u", a.uid),
    opt("-g", a.group),
    opt("-G", groups?.length ? groups.join(",") : undefined),
    opt("-s", a.shell),
    opt("-d", a.home),
    a.create_home ? raw("-m ") : raw("-M "),
    opt("-c", a.comment),
    sh`-- ${a.name}`,
  );
}
