// Owns running a command detached from the SSH session on the node, so it survives a dropped
// link or a killed controller: the script runs in its own session (setsid, stdio on files) and
// leaves its output and exit status in files NAME.{in,out,err,pid,start,rc} of a run directory
// /var/tmp/kplay-<user>/<run>/<step>/<attempt>/ (one per host and step attempt). The same
// wrapper, sent again with the same names, re-attaches: it waits for the running command (or
// takes the finished one's result) instead of starting it twice. In the normal case the channel
// waits for the command and prints its output: no extra round trip.
// Every fork costs a node about a millisecond (more on a busy one), so the wrapper keeps to
// shell builtins: the run directory is made once per step attempt, not per task, and the script
// runs in a subshell of the runner instead of a new sh.
import { userInfo } from "node:os";
import { catSh, joinSh, raw, secret, sh, type Sh } from "./sh.js";
import { receiveStdin } from "./stdin.js";

export const LOST_RC = 254;
export const LOST_MARK = "KPLAY-RUN-LOST";

const safe = (p: string | number) =>
  String(p)
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .slice(0, 80);

/** Run directories are built from run id, step and attempt id: keep them to safe characters. */
export function runPath(...parts: Array<string | number>): string {
  return parts.map(safe).join("/");
}

/** A command's file name inside its run directory (task id, item, attempt, sequence). */
export function runName(...parts: Array<string | number>): string {
  return parts.map((p) => safe(p).replace(/\./g, "_")).join(".");
}

// The detached runner ($1: run directory, $2: the command's name). Files: pid, start (the
// process's start time, so a reused PID is not mistaken for it), out, err, rc. `echo` writes rc
// in one write(2), so a non-empty rc is a complete one. The script is sourced in a subshell
// with its own positional parameters cleared and the runner's variables unset, as a new sh has.
const RUNNER = joinSh([
  raw('cd "$1" || exit 1'),
  raw("kplay_n_=$2"),
  raw('read -r st < /proc/$$/stat; set -- $st; echo "${22}" > "$kplay_n_.start"'),
  raw('echo $$ > "$kplay_n_.pid"'),
  raw(
    '( set --; kplay_s_="./$kplay_n_.script"; unset st kplay_n_; . "$kplay_s_" ) ' +
      '< "./$kplay_n_.in" > "./$kplay_n_.out" 2> "./$kplay_n_.err"',
  ),
  raw('echo $? > "$kplay_n_.rc"'),
]);

/**
 * `stdinSum`: sha256 of the data the command gets on stdin (undefined: none). `guard`: lines that
 * may answer for the command with `exit 0` (a creates that exists): run before it is started, in
 * this shell (its paths are absolute, so a guard's cd is harmless), so a guarded command that has
 * nothing to do costs no run files and no processes; a started command is re-attached without it.
 */
export function detachedScript(
  dir: string,
  name: string,
  script: Sh,
  o: { stream?: boolean; stdinSum?: string; guard?: Sh } = {},
): Sh {
  const { stream = false, stdinSum, guard } = o;
  const collect = stream
    ? // -vv: follow the output files while the command runs
      raw(
        'tail -s 0.05 -n +1 --pid=$p -f "$d.out" 2>/dev/null & t1=$!; ' +
          'tail -s 0.05 -n +1 --pid=$p -f "$d.err" >&2 2>/dev/null & t2=$!; ' +
          "wait $p 2>/dev/null; settled; wait $t1 $t2",
      )
    : raw("wait $p 2>/dev/null; settled; out");
  // A lost command's files go aside (the next attempt starts afresh); kept for a post-mortem
  // until the step's run directory is removed.
  const lost = catSh(
    raw(
      '{ mkdir "$d.lost.$$" && ' +
        'mv -f "$d.in" "$d.out" "$d.err" "$d.script" "$d.pid" "$d.start" "$d.rc" "$d.lost.$$/"; }',
    ),
    sh` 2>/dev/null; echo ${LOST_MARK} >&2; exit ${LOST_RC}`,
  );
  // The script file carries the script's secret flag: a secret script reaches the node on stdin.
  const body = script.secret ? secret(script.text) : script.text;
  return joinSh([
    // The run files are private because their directory $b is 0700 (never a link, owned by the
    // login user); no umask is set, so the command creates files as a plain `ssh node cmd` would.
    raw('b="/var/tmp/kplay-${USER:-$(id -un)}"'),
    sh`r="$b"/${dir}`,
    sh`d="$r"/${name}`,
    waitHelpers(lost),
    // .in is made first: once it is there the command has been (or is being) started
    raw('if [ -e "$d.in" ]; then'),
    stdinSum !== undefined ? raw("  cat >/dev/null 2>&1") : raw("  :"), // re-attach: the input was saved the first time
    raw("  n=0"),
    raw('  while [ ! -s "$d.rc" ]; do'),
    raw('    p=; [ -s "$d.pid" ] && read -r p < "$d.pid"'),
    raw('    if [ -n "$p" ]; then'),
    raw("      s=; [ -r /proc/$p/stat ] && { read -r st < /proc/$p/stat; set -- $st; s=${22}; }"),
    raw('      read -r want < "$d.start" 2>/dev/null'),
    sh`      if [ "$s" != "$want" ] && [ ! -s "$d.rc" ]; then ${lost}; fi`,
    sh`    else n=$((n+1)); [ $n -gt 100 ] && { ${lost}; }; fi`,
    raw("    sleep 0.1"),
    raw("  done"),
    raw("  out"),
    raw("else"),
    guard,
    // another command of the same user may make $b at the same moment: losing that race is fine
    raw(
      '  { [ -d "$b" ] || mkdir -m 700 -- "$b" 2>/dev/null || [ -d "$b" ]; } && [ ! -L "$b" ] && [ -O "$b" ] && ' +
        '{ [ -d "$r" ] || mkdir -p -- "$r"; } ||',
    ),
    raw('    { echo "kplay: cannot use $b as $(id -un)" >&2; exit 1; }'),
    // the input is checked before the command starts; incomplete, the command's files go
    stdinSum !== undefined ? sh`  ${receiveStdin(raw('"$d.in"'), stdinSum)}` : raw('  true > "$d.in" || exit 1'),
    raw('  true > "$d.out" && true > "$d.err" || exit 1'),
    sh`  printf '%s\\n' ${body} > "$d.script"`,
    sh`  setsid -w sh -c ${RUNNER.text} sh "$r" ${name} </dev/null >/dev/null 2>>"$d.err" &`,
    raw("  p=$!"),
    sh`  ${collect}`,
    raw("fi"),
    raw('read -r rc < "$d.rc"; exit "$rc"'),
  ]);
}

/**
 * Shell functions of the wrapper: `out` prints a finished command's output; `settled`, once the
 * runner has exited (`wait` returned), makes sure it left a status. The status is written last:
 * none means the runner never ran the command (its directory moved away, no process to be had)
 * or was killed. Waiting on would wait forever; it is `lost`, the runner's own complaint (on
 * .err) said first.
 */
function waitHelpers(lost: Sh): Sh {
  return joinSh([
    raw('out() { [ -s "$d.out" ] && cat "$d.out"; [ -s "$d.err" ] && cat "$d.err" >&2; return 0; }'),
    catSh(
      raw('settled() { k=0; while [ ! -s "$d.rc" ] && [ $k -lt 10 ]; do k=$((k+1)); sleep 0.05; done; '),
      raw('[ -s "$d.rc" ] && return 0; [ -s "$d.pid" ] || head -c 2000 "$d.err" >&2 2>/dev/null; '),
      sh`${lost}; }`,
    ),
  ]);
}

/** Where the controller's own run directories are (tasks delegated to localhost), as the script names it. */
export function localRunBase(): string {
  return `/var/tmp/kplay-${process.env.USER || userInfo().username}`;
}

/**
 * Remove the run directories of a finished step (both the login user's and root's). Runs older
 * than this one that a killed controller left behind lose what may hold secrets: each finished
 * command's script and input are emptied (kept as files, so a resume of that run still sees the
 * command as run; its output and exit status stay for a post-mortem). Commands still running are
 * not touched: the shell reads its script as it goes.
 */
export function cleanupScript(path: string): Sh {
  const run = path.split("/")[0];
  return joinSh([
    sh`b="/var/tmp/kplay-\${USER:-$(id -un)}"; rm -rf -- "$b"/${path} "$b"/${path}.lost.* 2>/dev/null`,
    catSh(
      sh`[ -d "$b"/${run} ] && find "$b" -mindepth 2 -name '*.rc' ! -path "$b"/${run}/'*' ! -newer "$b"/${run} `,
      sh`-exec sh -c ${SWEEP} sh {} + 2>/dev/null`,
    ),
    raw("true"),
  ]);
}

/** Empty the script and input of each finished command whose .rc file is given. */
const SWEEP = 'for f; do n="${f%.rc}"; for x in "$n.script" "$n.in"; do [ -s "$x" ] && : > "$x"; done; done';
