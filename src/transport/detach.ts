// Owns running a command detached from the SSH session on the node, so it survives a dropped
// link or a killed controller: the script runs in its own session (setsid, stdio on files)
// under /var/tmp/kplay-<uid>/<run path>/ and leaves its output and exit status there. The same
// wrapper, sent again with the same run path, re-attaches: it waits for the running command (or
// takes the finished one's result) instead of starting it twice. In the normal case the channel
// waits for the command and prints its output: no extra round trip.
import { quote } from "./quote.js";

export const LOST_RC = 254;
export const LOST_MARK = "KPLAY-RUN-LOST";

/** Run paths are built from run id, step and task id: keep them to safe characters. */
export function runPath(...parts: Array<string | number>): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80)).join("/");
}

const RUNNER = [
  'cd "$(dirname "$0")" || exit 1',
  "echo $$ > pid.tmp",
  // start time of this process (field 22 of /proc/PID/stat) tells a live process from a reused PID
  "cut -d' ' -f22 /proc/$$/stat > start 2>/dev/null",
  "mv pid.tmp pid",
  "sh ./script < ./in > ./out 2> ./err",
  "echo $? > rc.tmp",
  "mv rc.tmp rc",
].join("\n");

export function detachedScript(path: string, script: string, stream = false): string {
  const collect = stream
    ? // -vv: follow the output files while the command runs
      'tail -s 0.05 -n +1 --pid=$p -f "$d/out" 2>/dev/null & t1=$!; tail -s 0.05 -n +1 --pid=$p -f "$d/err" >&2 2>/dev/null & t2=$!; wait $p 2>/dev/null; while [ ! -e "$d/rc" ]; do sleep 0.05; done; wait $t1 $t2'
    : 'wait $p 2>/dev/null; while [ ! -e "$d/rc" ]; do sleep 0.05; done; cat "$d/out"; cat "$d/err" >&2';
  return [
    "umask 077",
    'b="/var/tmp/kplay-$(id -u)"',
    'mkdir -p "$b" && [ -O "$b" ] || { echo "kplay: $b is missing or not owned by $(id -un)" >&2; exit 1; }',
    `d="$b/${path}"`,
    'if [ -d "$d" ]; then',
    "  cat >/dev/null 2>&1", // re-attach: the input was saved the first time
    "  n=0",
    '  while [ ! -e "$d/rc" ]; do',
    '    if [ -e "$d/pid" ]; then',
    '      p=$(cat "$d/pid"); s=$(cut -d\' \' -f22 /proc/$p/stat 2>/dev/null)',
    `      if [ "$s" != "$(cat "$d/start" 2>/dev/null)" ] && [ ! -e "$d/rc" ]; then mv "$d" "$d.lost.$$"; echo ${LOST_MARK} >&2; exit ${LOST_RC}; fi`,
    `    else n=$((n+1)); [ $n -gt 100 ] && { mv "$d" "$d.lost.$$"; echo ${LOST_MARK} >&2; exit ${LOST_RC}; }; fi`,
    "    sleep 0.1",
    "  done",
    '  cat "$d/out"; cat "$d/err" >&2',
    "else",
    '  mkdir -p "$d" || exit 1',
    '  cat > "$d/in"; : > "$d/out"; : > "$d/err"',
    `  printf '%s\\n' ${quote(script)} > "$d/script"`,
    `  printf '%s\\n' ${quote(RUNNER)} > "$d/run"`,
    '  setsid sh "$d/run" </dev/null >/dev/null 2>&1 &',
    "  p=$!",
    `  ${collect}`,
    "fi",
    'exit "$(cat "$d/rc")"',
  ].join("\n");
}

/** Remove the run directories of a finished step (both the login user's and root's). */
export function cleanupScript(path: string): string {
  return `rm -rf "/var/tmp/kplay-$(id -u)/${path}" "/var/tmp/kplay-$(id -u)/${path}".lost.* 2>/dev/null; true`;
}
