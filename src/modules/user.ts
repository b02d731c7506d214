// Owns the `user` module: create, change or remove a local account (useradd/usermod/userdel/chage),
// comparing each asked attribute with getent/id first so a re-run reports ok. Password hashes go
// to chpasswd on stdin (never in a process list, unlike usermod -p); expiry, password ageing and
// locking follow Ansible's user module (what is compared, and with which command it is set).
import { z } from "zod";
import { catSh, joinSh, raw, secret, sh, type Sh } from "../transport/sh.js";
import { defineModule, readMarker, readTagged, type ModuleResult } from "./types.js";

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
    non_unique: z.boolean().default(false),
    skeleton: z.string().optional(),
    move_home: z.boolean().default(false),
    update_password: z.enum(["always", "on_create"]).default("always"),
    /** Seconds since the epoch (a date is kept, as in /etc/shadow); negative: never expires. */
    expires: z.number().optional(),
    password_lock: z.boolean().optional(),
    password_expire_min: z.number().int().optional(),
    password_expire_max: z.number().int().optional(),
    umask: z
      .string()
      .regex(/^[0-7]{3,4}$/, "umask must be an octal number")
      .optional(),
    generate_ssh_key: z.boolean().default(false),
    ssh_key_type: z
      .string()
      .regex(/^[a-z0-9-]+$/, "not a key type")
      .default("rsa"),
    ssh_key_bits: z.number().int().nonnegative().default(0),
    /** Relative to the home directory unless absolute (Ansible's default: .ssh/id_<type>). */
    ssh_key_file: z.string().optional(),
    ssh_key_comment: z.string().optional(),
    ssh_key_passphrase: z.string().optional(),
    /** libuser's tools (luseradd…) on the local account files, for nodes that also read a directory. */
    local: z.boolean().default(false),
  })
  .strict()
  .refine((a) => !(a.local && a.umask !== undefined), { message: "'umask' can not be used with 'local'" });
type Args = z.infer<typeof schema>;

/** The account tools: shadow's, or libuser's for `local` (they read and write only /etc files). */
const SHADOW_TOOLS = { useradd: raw("useradd"), usermod: raw("usermod"), userdel: raw("userdel") };
const LIBUSER_TOOLS = { useradd: raw("luseradd"), usermod: raw("lusermod"), userdel: raw("luserdel") };
const tools = (a: Args) => (a.local ? LIBUSER_TOOLS : SHADOW_TOOLS);

/** userdel with Ansible's options: -f for force (not luserdel's), -r for remove. */
function userdel(a: Args): Sh {
  const force = a.force && !a.local ? raw("-f") : undefined;
  return joinSh([tools(a).userdel, force, a.remove ? raw("-r") : undefined, sh`-- ${a.name}`], " ");
}

/** sh: $ent, the account's passwd line; with `local`, from /etc/passwd itself (as Ansible reads it). */
function readAccount(a: Args): Sh {
  if (!a.local) return sh`u_=${a.name}; ent=$(getent passwd -- ${a.name})`;
  return joinSh([
    sh`u_=${a.name}; ent=$(u_=${a.name} awk -F: '$1 == ENVIRON["u_"]' /etc/passwd | tail -n 1)`,
    raw(`[ -n "$ent" ] || echo "KPLAY-LOCAL-MISSING"`),
  ]);
}

/** uid, group (the gid), comment, home and shell of the passwd entry the script printed. */
function accountFields(stdout: string): Record<string, unknown> {
  const f = readTagged(stdout, "ENT")?.split(":");
  if (!f || f.length < 7) return {}; // check mode: a user not made yet
  return { uid: Number(f[2]), group: Number(f[3]), comment: f[4], home: f[5], shell: f[6] };
}

const HASH_LENGTHS: Record<string, number> = { "1": 22, "5": 43, "6": 86 };

/** Ansible's check_password_encrypted: does `password` look like something other than a crypt hash? */
export function looksUnhashed(password: string | undefined): boolean {
  if (!password || ["*", "!", "*************"].includes(password)) return false;
  if (/[:*!]/.test(password) || !password.includes("$")) return true;
  const fields = password.split("$");
  if (fields.length < 3) return true;
  const last = fields[fields.length - 1];
  if (/[^a-zA-Z0-9./=]/.test(last)) return true;
  return HASH_LENGTHS[fields[1]] !== undefined && last.length !== HASH_LENGTHS[fields[1]];
}

const UNHASHED =
  "The input password appears not to have been hashed. " +
  "The 'password' argument must be encrypted for this module to work properly.";

const localMissing = (name: string) =>
  `'local: true' specified and user '${name}' was not found in /etc/passwd. ` +
  "The local user account may already exist if the local account database exists somewhere other than /etc/passwd.";

const APPEND_ALONE =
  "'append' is set, but no 'groups' are specified. Use 'groups' for appending new groups." +
  "This will change to an error in Ansible 2.14.";

/** What Ansible's user module returns: for an account, its fields as they are now. */
function userResult(a: Args, r: { changed: boolean; stdout: string; groups?: string[] }): ModuleResult {
  const base = { changed: r.changed, name: a.name, state: a.state };
  if (a.state === "absent") return { ...base, force: a.force, remove: a.remove };
  const groups = r.groups ? { groups: r.groups.join(",") } : {};
  return { ...base, ...accountFields(r.stdout), append: a.append, system: a.system, ...groups, ...sshResult(r.stdout) };
}

/**
 * sh: the account's SSH key pair (Ansible's ssh_key_gen): ~/.ssh made 0700 and owned by the user,
 * a key made only where none is (or with force), both files owned by the user; then the
 * fingerprint, the file and the public key for the result.
 */
function sshKey(a: Args, check: boolean): Sh {
  const file = a.ssh_key_file ?? `.ssh/id_${a.ssh_key_type}`;
  const where = file.startsWith("/") ? sh`kf_=${file}` : sh`kf_="$(getent passwd -- ${a.name} | cut -d: -f6)"/${file}`;
  const bits = a.ssh_key_bits > 0 ? sh`-b ${a.ssh_key_bits} ` : raw("");
  const comment =
    a.ssh_key_comment !== undefined ? sh`${a.ssh_key_comment}` : raw(`"ansible-generated on $(hostname)"`);
  const keygen = sh`ssh-keygen -q -t ${a.ssh_key_type} ${bits}-C ${comment} -f "$kf_"`;
  const make =
    a.ssh_key_passphrase === undefined
      ? sh`${keygen} -N '' </dev/null >/dev/null`
      : withAskpass(a.ssh_key_passphrase, sh`${keygen} </dev/null >/dev/null`);
  const owned = sh`chown -- "$(id -u -- ${a.name}):$(id -g -- ${a.name})"`;
  const act = check
    ? raw(`changed=1`)
    : joinSh(
        [
          sh`[ -d "\${kf_%/*}" ] || { mkdir -m 0700 -- "\${kf_%/*}" && ${owned} "\${kf_%/*}"; } || exit 1`,
          sh`rm -f -- "$kf_" "$kf_.pub"; ${make} && ${owned} "$kf_" "$kf_.pub" || exit 1; changed=1`,
        ],
        "; ",
      );
  return joinSh([
    where,
    sh`if ${a.force ? raw("true") : raw(`[ ! -e "$kf_" ]`)}; then ${act}; fi`,
    raw(`printf 'KPLAY-SSHFILE:%s\\n' "$kf_"; printf 'KPLAY-SSHFP:%s\\n' "$(ssh-keygen -l -f "$kf_" 2>&1)"`),
    raw(`printf 'KPLAY-SSHPUB:%s\\n' "$(cat -- "$kf_.pub" 2>/dev/null)"`),
  ]);
}

/**
 * sh: `cmd` (an ssh-keygen) given the passphrase by an askpass helper, as ssh-keygen's -N would
 * show it in the process list: the helper (mode 0700, in a private temp directory) prints a file
 * that the shell's builtin printf wrote; both are removed whatever ssh-keygen's outcome.
 */
function withAskpass(passphrase: string, cmd: Sh): Sh {
  return joinSh(
    [
      raw(`ap_=$(umask 077 && mktemp -d) || exit 1`),
      sh`(umask 077 && printf '%s\\n' ${secret(passphrase)} > "$ap_/pw")`,
      raw('printf \'#!/bin/sh\\nexec cat -- "${0%%/*}/pw"\\n\' > "$ap_/askpass" && chmod 0700 "$ap_/askpass"'),
      sh`SSH_ASKPASS="$ap_/askpass" SSH_ASKPASS_REQUIRE=force ${cmd}; kr_=$?; rm -rf -- "$ap_"; [ $kr_ = 0 ]`,
    ],
    "; ",
  );
}

/** ssh_fingerprint, ssh_key_file and ssh_public_key from the lines sshKey printed. */
function sshResult(stdout: string): Record<string, string> {
  const line = (tag: string) => readTagged(stdout, tag);
  const file = line("SSHFILE");
  if (file === undefined) return {};
  return { ssh_fingerprint: line("SSHFP") ?? "", ssh_key_file: file, ssh_public_key: line("SSHPUB") ?? "" };
}

/** The date usermod/useradd -e take for `expires` ("" = never), and its day number in /etc/shadow. */
function expiry(expires: number): { date: string; days?: number } {
  if (expires < 0) return { date: "" };
  return { date: new Date(expires * 1000).toISOString().slice(0, 10), days: Math.floor(expires / 86400) };
}

const groupList = (g: Args["groups"]) =>
  g === undefined ? undefined : (Array.isArray(g) ? g : g.split(",")).map((x) => x.trim()).filter(Boolean);

/** The hash as it is to be stored: with a leading "!" when the account is to be locked. */
const storedHash = (a: Args) => (a.password_lock ? `!${a.password!.replace(/^!+/, "")}` : a.password!);

/** sh: a fix, run only outside check mode; `changed` is set either way. */
const fixer = (check: boolean) => (test: Sh, cmd: Sh) =>
  sh`${test} || { changed=1; ${check ? raw(":") : sh`${cmd} || exit 1`}; }`;

/** sh: chage -m/-M where /etc/shadow differs (Ansible's set_password_expire). */
function ageing(a: Args, check: boolean): Sh[] {
  const fix = fixer(check);
  const field = (i: number) => sh`"$(getent shadow -- ${a.name} | cut -d: -f${i})"`;
  const out: Sh[] = [];
  if (a.password_expire_min !== undefined)
    out.push(fix(sh`[ ${field(4)} = ${a.password_expire_min} ]`, sh`chage -m ${a.password_expire_min} -- ${a.name}`));
  if (a.password_expire_max !== undefined)
    out.push(fix(sh`[ ${field(5)} = ${a.password_expire_max} ]`, sh`chage -M ${a.password_expire_max} -- ${a.name}`));
  return out;
}

/** sh for an existing account: each asked attribute compared, and set where it differs. */
function modify(a: Args, groups: string[] | undefined, check: boolean): Sh[] {
  const u = a.name;
  const fix = fixer(check);
  // field i of the passwd entry
  const field = (i: number) => sh`"$(printf %s "$ent" | cut -d: -f${i})"`;
  const lines: Sh[] = [];
  const nonUnique = a.non_unique ? raw("-o ") : raw("");
  const mod = tools(a).usermod;
  if (a.uid !== undefined) lines.push(fix(sh`[ ${field(3)} = ${a.uid} ]`, sh`${mod} ${nonUnique}-u ${a.uid} -- ${u}`));
  // libuser's lusermod takes the group's number only (Ansible passes the gid to both)
  const gid = a.local && a.group ? sh`"$(getent group -- ${a.group} | cut -d: -f3)"` : sh`${a.group ?? ""}`;
  if (a.group) lines.push(fix(sh`[ "$(id -gn -- ${u})" = ${a.group} ]`, sh`${mod} -g ${gid} -- ${u}`));
  if (a.shell) lines.push(fix(sh`[ ${field(7)} = ${a.shell} ]`, sh`${mod} -s ${a.shell} -- ${u}`));
  if (a.home) {
    const move = a.move_home ? raw("-m ") : raw("");
    lines.push(fix(sh`[ ${field(6)} = ${a.home} ]`, sh`${mod} -d ${a.home} ${move}-- ${u}`));
  }
  if (a.comment !== undefined) lines.push(fix(sh`[ ${field(5)} = ${a.comment} ]`, sh`${mod} -c ${a.comment} -- ${u}`));
  if (a.expires !== undefined) lines.push(expiresFix(a, check));
  lines.push(...passwordFixes(a, check));
  if (groups) lines.push(...(a.local ? localGroupFixes(a, groups, check) : groupFixes(a, groups, check)));
  return lines;
}

/** sh: usermod -e where the shadow expiry day differs (-1 or none: never). */
function expiresFix(a: Args, check: boolean): Sh {
  const { date, days } = expiry(a.expires!);
  const cur = sh`"$(getent shadow -- ${a.name} | cut -d: -f8)"`;
  // libuser's lchage takes the day number (-1: never)
  const set = a.local ? sh`lchage -E ${days ?? -1} -- ${a.name}` : sh`usermod -e ${date} -- ${a.name}`;
  // never: only an account that has an expiry changes; a date: compared by its day
  const same = days === undefined ? sh`{ [ -z ${cur} ] || [ ${cur} -lt 0 ]; }` : sh`[ ${cur} = ${days} ]`;
  return fixer(check)(same, set);
}

/** sh: the password (update_password: always) and the lock, as Ansible's modify_user. */
function passwordFixes(a: Args, check: boolean): Sh[] {
  const u = a.name;
  const lines: Sh[] = [raw(`pw_cur=$(getent shadow -- "$u_" | cut -d: -f2)`)];
  const fix = fixer(check);
  if (a.password && a.update_password === "always") {
    // compared without leading "!" (a lock), as Ansible compares
    const same = sh`[ "$(printf %s "$pw_cur" | sed 's/^!*//')" = ${a.password.replace(/^!+/, "")} ]`;
    lines.push(sh`pw_set=0; ${same} || pw_set=1`);
    lines.push(fix(sh`[ $pw_set = 0 ]`, sh`printf '%s:%s\\n' ${u} "$pw_" | chpasswd -e`));
  } else lines.push(raw(`pw_set=0`));
  const unlessSet = (cmd: Sh) => sh`[ $pw_set = 1 ] || ${cmd}`;
  if (a.password_lock === true)
    lines.push(unlessSet(fix(sh`case "$pw_cur" in '!'*) true;; *) false;; esac`, sh`${tools(a).usermod} -L -- ${u}`)));
  if (a.password_lock === false)
    lines.push(unlessSet(fix(sh`case "$pw_cur" in '!'*) false;; *) true;; esac`, sh`${tools(a).usermod} -U -- ${u}`)));
  return lines;
}

/**
 * The groups as the alternatives of one case pattern, each quoted; none (groups: [] without
 * append: every supplementary group goes) is '', which no group name matches: a case needs a word.
 */
function casePatterns(groups: string[]): Sh {
  if (groups.length === 0) return raw("''");
  return joinSh(
    groups.map((g) => sh`${g}`),
    "|",
  );
}

function groupFixes(a: Args, groups: string[], check: boolean): Sh[] {
  const u = a.name;
  const lines: Sh[] = [sh`have=" $(id -Gn -- ${u}) "; primary=$(id -gn -- ${u}); missing=0; extra=0`];
  // each wanted group is a quoted case pattern: matched literally, never expanded
  for (const g of groups) lines.push(sh`case "$have" in *' '${g}' '*) ;; *) missing=1;; esac`);
  if (!a.append) {
    const wanted = casePatterns(groups);
    lines.push(
      sh`for g in $have; do [ "$g" = "$primary" ] && continue; case "$g" in ${wanted}) ;; *) extra=1;; esac; done`,
    );
  }
  const setGroups = sh`usermod ${a.append ? raw("-a ") : raw("")}-G ${groups.join(",")} -- ${u}`;
  lines.push(fixer(check)(sh`[ $missing = 0 ] && [ $extra = 0 ]`, setGroups));
  return lines;
}

/**
 * sh for `local`: libuser has no usermod -G; each group gains the account with lgroupmod -M, and
 * (without append) each other supplementary group loses it with lgroupmod -m, as Ansible does.
 */
function localGroupFixes(a: Args, groups: string[], check: boolean): Sh[] {
  const u = a.name;
  const lines: Sh[] = [sh`have=" $(id -Gn -- ${u}) "; primary=$(id -gn -- ${u})`];
  const act = (cmd: Sh) => (check ? raw("changed=1") : sh`changed=1; ${cmd} || exit 1`);
  for (const g of groups)
    lines.push(sh`case "$have" in *' '${g}' '*) ;; *) ${act(sh`lgroupmod -M ${u} -- ${g}`)};; esac`);
  if (!a.append) {
    const wanted = casePatterns(groups);
    const drop = act(sh`lgroupmod -m ${u} -- "$g"`);
    lines.push(
      sh`for g in $have; do [ "$g" = "$primary" ] && continue; case "$g" in ${wanted}) ;; *) ${drop};; esac; done`,
    );
  }
  return lines;
}

export const userModule = defineModule({
  name: "user",
  undo: "task",
  idempotent: true,
  schema,
  run: async (ctx, a) => {
    const u = a.name;
    const c = ctx.check;
    const groups = groupList(a.groups);
    const lines: Sh[] = [raw(`changed=0`), readAccount(a)];
    const doit = (cmd: Sh) => (c ? raw(":") : sh`${cmd} || exit 1`);
    if (a.state === "absent") {
      lines.push(sh`if [ -n "$ent" ]; then changed=1; ${doit(userdel(a))}; fi`);
    } else {
      // the password hash goes to chpasswd on its stdin (printf is a builtin): never in a process list
      if (a.password) lines.push(sh`pw_=${secret(storedHash(a))}`);
      const setPassword = a.password ? sh` && printf '%s:%s\\n' ${u} "$pw_" | chpasswd -e` : raw("");
      // a new account without a password is locked by usermod -L, as asked
      const lock = !a.password && a.password_lock ? sh` && ${tools(a).usermod} -L -- ${u}` : raw("");
      // `:` keeps the else branch valid sh when nothing about an existing user is asked for
      lines.push(sh`if [ -z "$ent" ]; then changed=1; ${doit(sh`${useradd(a, groups)}${setPassword}${lock}`)}; else :`);
      lines.push(...modify(a, groups, c), raw(`fi`), ...ageing(a, c));
      if (a.create_home) lines.push(missingHome(a, c));
      if (a.generate_ssh_key) lines.push(sshKey(a, c));
    }
    // the account as it is now, for the result (Ansible returns its uid, gid, home, shell, comment)
    if (a.state === "present") lines.push(sh`printf 'KPLAY-ENT:%s\\n' "$(getent passwd -- ${u})"`);
    lines.push(raw(`echo "KPLAY-RESULT: changed=$changed"`));
    const r = await ctx.exec(joinSh(lines));
    const m = readMarker(r.stdout);
    const warnings = [
      ...(looksUnhashed(a.password) ? [UNHASHED] : []),
      ...(a.append && a.groups === undefined ? [APPEND_ALONE] : []),
      ...(r.stdout.includes("KPLAY-LOCAL-MISSING") ? [localMissing(u)] : []),
    ];
    const warned = warnings.length ? { warnings } : {};
    const msg = (r.stderr || r.stdout).trim();
    if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg, ...warned };
    return { ...userResult(a, { changed: m.changed === "1", stdout: r.stdout, groups }), ...warned };
  },
});

/**
 * sh: an account whose home directory is missing gets one (Ansible's fallback, also for an account
 * made with create_home: no): the skeleton copied, mode from UMASK in /etc/login.defs, owned by it.
 */
function missingHome(a: Args, check: boolean): Sh {
  const skel = a.skeleton ?? "/etc/skel";
  const make = joinSh(
    [
      sh`if [ -d ${skel} ]; then cp -a -- ${skel} "$h_" || exit 1; else mkdir -p -- "$h_" || exit 1; fi`,
      raw(`um_=$(sed -n -E 's/^UMASK[[:space:]]+([0-7]+)[[:space:]]*$/\\1/p' /etc/login.defs 2>/dev/null | tail -n 1)`),
      raw(`if [ -n "$um_" ]; then chmod -- "$(printf '%o' $(( 0777 & ~0$um_ )))" "$h_" || exit 1; fi`),
      sh`chown -R -- "$(id -u -- ${a.name}):$(id -g -- ${a.name})" "$h_" || exit 1`,
    ],
    "; ",
  );
  const home = a.home !== undefined ? sh`h_=${a.home}` : sh`h_=$(getent passwd -- ${a.name} | cut -d: -f6)`;
  return sh`${home}; if [ -n "$h_" ] && [ ! -e "$h_" ]; then changed=1; ${check ? raw(":") : make}; fi`;
}

/**
 * sh: the command lines that make a user that does not exist yet. Without a `group`, an existing
 * group of the user's name is not made again (-N, libuser's -n), as Ansible's. libuser's luseradd
 * takes no supplementary groups and no expiry: lgroupmod and lchage follow it.
 */
function useradd(a: Args, groups: string[] | undefined): Sh {
  const opt = (flag: string, v: string | number | undefined) => (v === undefined ? raw("") : sh`${flag} ${v} `);
  const noUserGroup = a.local ? raw("-n") : raw("-N");
  const sameNamedGroup =
    a.group === undefined ? sh`$(getent group -- ${a.name} >/dev/null && printf %s ${noUserGroup}) ` : raw("");
  const skeleton = opt("-k", a.skeleton);
  const home = !a.create_home
    ? raw("-M ")
    : a.local
      ? skeleton
      : catSh(raw("-m "), skeleton, opt("-K", a.umask === undefined ? undefined : `UMASK=${a.umask}`));
  const make = catSh(
    tools(a).useradd,
    raw(" "),
    a.system ? raw("-r ") : raw(""),
    a.non_unique && a.uid !== undefined ? raw("-o ") : raw(""),
    opt("-u", a.uid),
    opt("-g", a.group),
    sameNamedGroup,
    a.local ? raw("") : opt("-G", groups?.length ? groups.join(",") : undefined),
    opt("-s", a.shell),
    opt("-d", a.home),
    home,
    opt("-c", a.comment),
    a.local ? raw("") : opt("-e", a.expires === undefined ? undefined : expiry(a.expires).date),
    sh`-- ${a.name}`,
  );
  if (!a.local) return make;
  const after = [
    a.expires !== undefined ? sh`lchage -E ${expiry(a.expires).days ?? -1} -- ${a.name}` : undefined,
    ...(groups ?? []).map((g) => sh`lgroupmod -M ${a.name} -- ${g}`),
  ].filter((x): x is Sh => x !== undefined);
  return joinSh([make, ...after], " && ");
}
