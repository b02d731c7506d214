// Owns running a command detached from the SSH session on the node, so it survives a dropped
// link or a killed controller: the script runs in its own session (setsid, stdio on files)
// under /var/tmp/kplay-<user>/<run path>/ and leaves its output and exit status there. The same
// wrapper, sent again with the same run path, re-attaches: it waits for the running command (or
// takes the finished one's result) instead of starting it twice. In the normal case the channel
// waits for the command and prints its output: no extra round trip.
import { userInfo } from "node:os";
import { quote } from "./quote.js";
import { INCOMPLETE } from "./stdin.js";

export const LOST_RC = 254;
export const LOST_MARK = "KPLAY-RUN-LOST";

/** Run paths are built from run id, step and task id: keep them to safe characters. */
export function runPath(...parts: Array<string | number>): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80)).join("/");
}

// The detached runner, kept to shell builtins where it can (every fork costs on a busy node).
// Files: pid, start (the process's start time, so a reused PID is not mistaken for it), out,
// err, rc. `echo` writes rc in one write(2), so a non-empty rc is a complete one.
const RUNNER = [
  'cd "$1" || exit 1',
  "read -r st < /proc/$$/stat; set -- $st; echo \"${22}\" > start",
  "echo $$ > pid",
  "sh ./script < ./in > ./out 2> ./err",
  "echo $? > rc",
].join("\n");

/** `stdinSum`: sha256 of the data the command gets on stdin (undefined: none). */
export function detachedScript(path: string, script: string, stream = false, stdinSum?: string): string {
  const hasStdin = stdinSum !== undefined;
  const collect = stream
    ? // -vv: follow the output files while the command runs
      'tail -s 0.05 -n +1 --pid=$p -f "$d/out" 2>/dev/null & t1=$!; tail -s 0.05 -n +1 --pid=$p -f "$d/err" >&2 2>/dev/null & t2=$!; wait $p 2>/dev/null; while [ ! -s "$d/rc" ]; do sleep 0.05; done; wait $t1 $t2'
    : 'wait $p 2>/dev/null; while [ ! -s "$d/rc" ]; do sleep 0.05; done; out';
  return [
    "umask 077",
    'b="/var/tmp/kplay-${USER:-$(id -un)}"',
    `d="$b/${path}"`,
    'out() { [ -s "$d/out" ] && cat "$d/out"; [ -s "$d/err" ] && cat "$d/err" >&2; return 0; }',
    'if [ -d "$d" ]; then',
    hasStdin ? "  cat >/dev/null 2>&1" : "  :", // re-attach: the input was saved the first time
    "  n=0",
    '  while [ ! -s "$d/rc" ]; do',
    '    p=; [ -s "$d/pid" ] && read -r p < "$d/pid"',
    '    if [ -n "$p" ]; then',
    '      s=; [ -r /proc/$p/stat ] && { read -r st < /proc/$p/stat; set -- $st; s=${22}; }',
    '      read -r want < "$d/start" 2>/dev/null',
    `      if [ "$s" != "$want" ] && [ ! -s "$d/rc" ]; then mv "$d" "$d.lost.$$"; echo ${LOST_MARK} >&2; exit ${LOST_RC}; fi`,
    `    else n=$((n+1)); [ $n -gt 100 ] && { mv "$d" "$d.lost.$$"; echo ${LOST_MARK} >&2; exit ${LOST_RC}; }; fi`,
    "    sleep 0.1",
    "  done",
    "  out",
    "else",
    '  mkdir -p "$d" && [ -O "$b" ] || { echo "kplay: cannot use $b as $(id -un)" >&2; exit 1; }',
    // the input is checked before the command starts; incomplete, the run directory goes
    hasStdin ? `  { cat > "$d/in" && [ "$(sha256sum < "$d/in" | cut -d' ' -f1)" = ${quote(stdinSum)} ]; } || { rm -rf "$d"; echo ${quote(INCOMPLETE)} >&2; exit 1; }` : '  : > "$d/in"',
    '  : > "$d/out"; : > "$d/err"',
    `  printf '%s\\n' ${quote(script)} > "$d/script"`,
    `  printf '%s\\n' ${quote(RUNNER)} > "$d/run"`,
    '  setsid -w sh "$d/run" "$d" </dev/null >/dev/null 2>&1 &',
    "  p=$!",
    `  ${collect}`,
    "fi",
    'read -r rc < "$d/rc"; exit "$rc"',
  ].join("\n");
}

/** Where the controller's own run directories are (tasks delegated to localhost), as the script names it. */
export function localRunBase(): string {
  return `/var/tmp/kplay-${process.env.USER || userInfo().username}`;
}

/** Remove the run directories of a finished step (both the login user's and root's). */
export function cleanupScript(path: string): string {
  return 'b="/var/tmp/kplay-${USER:-$(id -un)}"; ' + `rm -rf "$b/${path}" "$b/${path}".lost.* 2>/dev/null; true`;
}
