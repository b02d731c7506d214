// Owns the `package` module (also `apt`, `dnf`, `yum`): install, remove or upgrade packages with
// the host's package manager (chosen by facts, else detected), one round trip: the script checks
// what is installed and acts only on what differs. update_cache refreshes the index first
// (skipped while younger than cache_valid_time).
import { z } from "zod";
import { joinSh, raw, sh, shVar, type Sh } from "../transport/sh.js";
import { defineModule, readMarker, type ModuleContext, type ModuleResult } from "./types.js";
import type { UndoLog } from "./undo.js";

const schema = z
  .object({
    name: z.union([z.string(), z.array(z.string())]).optional(),
    pkg: z.union([z.string(), z.array(z.string())]).optional(),
    state: z.enum(["present", "installed", "absent", "removed", "latest"]).default("present"),
    /** Unset is not false: a node with no package lists is refreshed first unless it is false (see aptScript). */
    update_cache: z.boolean().optional(),
    cache_valid_time: z.number().int().nonnegative().default(0),
    /** Unset leaves recommends to apt's own setting (Debian installs them), as Ansible's apt does. */
    install_recommends: z.boolean().optional(),
    purge: z.boolean().default(false),
    use: z.enum(["auto", "apt", "dnf", "yum"]).default("auto"),
  })
  .strict();

type Args = z.infer<typeof schema>;

function names(a: Args): string[] {
  const v = a.name ?? a.pkg ?? [];
  return (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean);
}

/**
 * The end of every package script. Each package i has the flags t_i (act on it) and n_i (it was
 * not installed before); its name is only ever a quoted word, the list to act on is built in
 * "$@", and the undo of a package new to the host is worked out here per package.
 */
function actOnMarked(
  pkgs: string[],
  act: Sh,
  o: { undoOf: ((p: string) => string) | undefined; log: UndoLog; check: boolean; before?: Sh },
): Sh {
  const { undoOf, log, check, before } = o;
  return joinSh([
    raw(`set --`),
    ...pkgs.map((p, i) => sh`[ $${flag("t", i)} = 0 ] || set -- "$@" ${p}`),
    raw(`if [ $# -gt 0 ]; then`),
    check || !before ? undefined : sh`  ${before}`,
    check ? raw(`  :`) : sh`  newlog_; ${act} || { tail -n 30 -- "$log_" >&2; exit 1; }`,
    // packages that were not installed before are removed on undo (with what they pulled in)
    ...(undoOf && log.enabled && !check
      ? pkgs.map((p, i) => sh`  [ $${flag("n", i)} = 0 ] || { ${log.recordScript(`pkg:${p}`, undoOf(p))!}; }`)
      : []),
    raw(`  for t_ in "$@"; do echo "KPLAY-CHANGED $t_"; done`),
    raw(`fi`),
    raw(`echo "KPLAY-RESULT: cache=$cache"`),
  ]);
}

/** Per-package flags: t_i (act on package i), n_i (it is new to the host); 0 or 1, never unset. */
const flag = (kind: "t" | "n", i: number) => shVar(`${kind}_${i}`);
const marks = (i: number) => ({
  init: sh`${flag("t", i)}=0; ${flag("n", i)}=0`,
  mark: sh`${flag("t", i)}=1`,
  markNew: sh`${flag("t", i)}=1; ${flag("n", i)}=1`,
});

/**
 * A private log for the package manager's output (mktemp: never a fixed name in /tmp), made by
 * `newlog_` when a package manager first runs: a task with nothing to do forks nothing for it.
 */
const LOG = raw(
  `log_=; trap '[ -z "$log_" ] || rm -f "$log_"' EXIT; newlog_() { [ -n "$log_" ] || log_=$(mktemp) || exit 1; }`,
);

const normalState = (s: Args["state"]) => (s === "installed" ? "present" : s === "removed" ? "absent" : s);

/**
 * The apt cache's time as Ansible's apt reads it: the mtime (seconds) of apt's update-success
 * stamp when the node has one, else of /var/lib/apt/lists, else 0.
 */
const CACHE_TIME = raw(
  `cache_time_() { for f_ in /var/lib/apt/periodic/update-success-stamp /var/lib/apt/lists; do ` +
    `[ -e "$f_" ] && { stat -c %Y "$f_"; return; }; done; echo 0; }`,
);

// A node that never read its package lists reads them (not fatal: an unreadable source shows as
// the install's own failure).
const READ_FRESH_LISTS = raw(
  `ls /var/lib/apt/lists 2>/dev/null | grep -q '_Packages' || { newlog_; apt-get update -q >"$log_" 2>&1; } || :`,
);

/**
 * Whether a node that never read its package lists reads them before anything else: as Ansible's
 * apt (which runs apt-get update to install python3-apt, missing on a fresh node) unless
 * update_cache is false, when a refresh is asked or candidates are compared (latest). For
 * present, the lists are read only when a package must be installed (actOnMarked): a task whose
 * packages are all there never touches apt, so it costs no update on a node whose sources cannot
 * be reached (an air-gapped node with the distribution's default sources).
 */
const freshFirst = (pkgs: string[], a: Args): boolean =>
  a.update_cache === true ||
  a.cache_valid_time > 0 ||
  (a.update_cache !== false && pkgs.length > 0 && normalState(a.state) === "latest");

/**
 * sh lines that refresh apt's package lists when the task asks (freshFirst for a node that never
 * read them): update_cache or cache_valid_time updates when the cache is older than
 * cache_valid_time, and reports the cache updated only when its time moved.
 */
function aptCache(pkgs: string[], a: Args, check: boolean): Sh[] {
  const lines: Sh[] = [CACHE_TIME];
  if (!check && freshFirst(pkgs, a)) lines.push(READ_FRESH_LISTS);
  if (!a.update_cache && a.cache_valid_time === 0) return lines;
  const update = check
    ? raw("cache=1")
    : raw(
        `newlog_; apt-get update -q >"$log_" 2>&1 || { cat -- "$log_" >&2; exit 1; }; ` +
          `[ "$(cache_time_)" = "$before_" ] || cache=1`,
      );
  lines.push(
    raw(`before_=$(cache_time_); age=$(( $(date +%s) - before_ ))`),
    sh`if [ ${a.cache_valid_time} -eq 0 ] || [ $age -gt ${a.cache_valid_time} ]; then ${update}; fi`,
  );
  return lines;
}

/** apt-get's flag for install_recommends (with its trailing space), none when the task leaves it to apt. */
function recommends(a: Args): Sh {
  if (a.install_recommends === undefined) return raw("");
  return a.install_recommends ? raw("--install-recommends ") : raw("--no-install-recommends ");
}

/** sh for apt: prints "KPLAY-CHANGED <pkg>" per package acted on. */
function aptScript(pkgs: string[], a: Args, o: { check: boolean; undo: UndoLog }): Sh {
  const { check, undo } = o;
  const state = normalState(a.state);
  const lines: Sh[] = [raw(`export DEBIAN_FRONTEND=noninteractive`), raw(`cache=0`), LOG];
  lines.push(...aptCache(pkgs, a, check));
  pkgs.forEach((p, i) => {
    const [n, ver] = p.split("=");
    const installed = sh`dpkg-query -W -f='\${Status} \${Version}' -- ${n} 2>/dev/null`;
    const { init, mark, markNew } = marks(i);
    lines.push(init);
    const sameVersion = ver ? sh`[ "\${s##* }" = ${ver} ] || ${mark}` : raw(":");
    if (state === "present") {
      lines.push(sh`s=$(${installed}); case "$s" in "install ok installed"*) ${sameVersion};; *) ${markNew};; esac`);
    } else if (state === "latest") {
      lines.push(
        joinSh(
          [
            sh`cand=$(apt-cache policy -- ${n} | awk '/Candidate:/ {print $2}')`,
            sh`s=$(${installed})`,
            sh`case "$s" in "install ok installed $cand") ;; "install ok installed"*) ${mark};; *) ${markNew};; esac`,
          ],
          "; ",
        ),
      );
    } else {
      lines.push(sh`s=$(${installed}); case "$s" in "install ok installed"*|*"config-files"*) ${mark};; esac`);
    }
  });
  const opts = raw(`-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold`);
  const act =
    state === "absent"
      ? sh`apt-get ${a.purge ? "purge" : "remove"} ${opts} -- "$@" >"$log_" 2>&1`
      : sh`apt-get install ${opts} ${recommends(a)}-- "$@" >"$log_" 2>&1`;
  const undoOf =
    state !== "absent"
      ? (p: string) =>
          sh`DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --autoremove -- ${p.split("=")[0]} >/dev/null`.text
      : undefined;
  // present: a node that never read its lists reads them only now that something is installed
  const before = state === "present" && a.update_cache !== false && !freshFirst(pkgs, a) ? READ_FRESH_LISTS : undefined;
  return joinSh([...lines, actOnMarked(pkgs, act, { undoOf, log: undo, check, before })]);
}

function rpmScript(pkgs: string[], a: Args, o: { check: boolean; tool: "dnf" | "yum"; undo: UndoLog }): Sh {
  const { check, tool, undo } = o;
  const checkUpdate = (p: string) => sh`${tool} -q check-update -- ${p} >/dev/null 2>&1`;
  const state = normalState(a.state);
  const lines: Sh[] = [raw(`cache=0`), LOG];
  if (a.update_cache)
    lines.push(
      check
        ? raw(`cache=1`)
        : sh`${tool} -q makecache >/dev/null 2>&1 || { echo ${`${tool} makecache failed`} >&2; exit 1; }; cache=1`,
    );
  pkgs.forEach((p, i) => {
    const { init, mark, markNew } = marks(i);
    lines.push(init);
    if (state === "present") lines.push(sh`rpm -q --whatprovides -- ${p} >/dev/null 2>&1 || { ${markNew}; }`);
    else if (state === "latest")
      lines.push(
        sh`if ! rpm -q -- ${p} >/dev/null 2>&1; then ${markNew}; else ${checkUpdate(p)}; [ $? -eq 100 ] && ${mark}; fi`,
      );
    else lines.push(sh`rpm -q -- ${p} >/dev/null 2>&1 && ${mark}`);
  });
  const act =
    state === "absent"
      ? sh`${tool} -y remove -- "$@" >"$log_" 2>&1`
      : state === "latest"
        ? sh`{ ${tool} -y install -- "$@" && ${tool} -y upgrade -- "$@"; } >"$log_" 2>&1`
        : sh`${tool} -y install -- "$@" >"$log_" 2>&1`;
  const undoOf = state !== "absent" ? (p: string) => sh`${tool} -y -q remove -- ${p} >/dev/null`.text : undefined;
  return joinSh([...lines, actOnMarked(pkgs, act, { undoOf, log: undo, check })]);
}

/** The package manager's complaint, in Ansible's words where Ansible has its own. */
function failure(text: string): string {
  const missing = /^E: Unable to locate package (.+)$/m.exec(text);
  return missing ? `No package matching '${missing[1].trim()}' is available` : text.trim();
}

async function run(ctx: ModuleContext, a: Args, forced?: "apt" | "dnf" | "yum"): Promise<ModuleResult> {
  const pkgs = names(a);
  let mgr = forced ?? (a.use !== "auto" ? a.use : (ctx.vars.ansible_pkg_mgr as string | undefined));
  if (!mgr || !["apt", "dnf", "yum"].includes(mgr)) {
    const r = await ctx.exec(
      raw(`for m in apt-get dnf yum; do command -v $m >/dev/null 2>&1 && { echo $m; exit 0; }; done; exit 1`),
    );
    if (r.rc !== 0)
      return { changed: false, failed: true, msg: "no supported package manager (apt, dnf, yum) on this host" };
    mgr = r.stdout.trim() === "apt-get" ? "apt" : r.stdout.trim();
  }
  if (pkgs.length === 0 && !a.update_cache && !a.cache_valid_time)
    return { changed: false, failed: true, msg: "name is required" };
  const script =
    mgr === "apt"
      ? aptScript(pkgs, a, { check: ctx.check, undo: ctx.undo })
      : rpmScript(pkgs, a, { check: ctx.check, tool: mgr as "dnf" | "yum", undo: ctx.undo });
  const r = await ctx.exec(script, { timeoutMs: 30 * 60_000 });
  const m = readMarker(r.stdout);
  if (r.rc !== 0 || !m) return { changed: false, failed: true, rc: r.rc, msg: failure(r.stderr || r.stdout) };
  const changedPkgs = r.stdout
    .split("\n")
    .filter((l) => l.startsWith("KPLAY-CHANGED "))
    .map((l) => l.slice(14));
  // Refreshing the index alone counts as a change only when nothing else was asked (as Ansible's apt does).
  const changed = changedPkgs.length > 0 || (pkgs.length === 0 && m.cache === "1");
  return { changed, packages: changedPkgs, cache_updated: m.cache === "1", manager: mgr };
}

export const packageModule = defineModule({ name: "package", undo: "recorded", schema, run: (ctx, a) => run(ctx, a) });
export const aptModule = defineModule({ name: "apt", undo: "recorded", schema, run: (ctx, a) => run(ctx, a, "apt") });
export const dnfModule = defineModule({ name: "dnf", undo: "recorded", schema, run: (ctx, a) => run(ctx, a, "dnf") });
export const yumModule = defineModule({ name: "yum", undo: "recorded", schema, run: (ctx, a) => run(ctx, a, "yum") });
