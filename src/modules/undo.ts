// Owns the node-side undo log (sealos-style: every change kplay makes to a host carries its
// undo). /var/lib/kplay/undo.log holds one line per change, in the order first made:
//   <key, base64> <type> <payload, base64>
// type "file": the path's state before kplay first changed it is kept under
// /var/lib/kplay/orig/<path> (or a marker that it did not exist); "sh": a script that undoes the
// change (package purge, a task's `undo:`); "dir": a directory kplay created, removed if empty. A key is recorded once, so the
// log always leads back to the state before the first install. revertScript() replays the log
// in reverse, dropping each line once undone, so an interrupted removal continues.
import { posix } from "node:path";
import { quote } from "../transport/quote.js";

export const KPLAY_VAR = "/var/lib/kplay";
export const UNDO_LOG = `${KPLAY_VAR}/undo.log`;
const ORIG = `${KPLAY_VAR}/orig`;

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** sh: make sure /var/lib/kplay exists (a test when it does: no fork). */
const ensureVar = `{ [ -d ${KPLAY_VAR} ] || mkdir -p ${KPLAY_VAR}; }`;

/** sh: append an undo line unless the key is there already. `keyExpr`/`payloadExpr` are sh words. */
function append(keyExpr: string, type: string, payloadExpr: string): string {
  // Best effort: a run without root (no become) cannot keep a log under /var/lib; its changes
  // are then not undoable, and the task itself is not failed for that.
  return `{ ${ensureVar} && k_=$(printf %s ${keyExpr} | base64 -w0) && { grep -q "^$k_ " ${UNDO_LOG} 2>/dev/null || printf '%s ${type} %s\\n' "$k_" "$(printf %s ${payloadExpr} | base64 -w0)" >> ${UNDO_LOG}; }; } 2>/dev/null || true`;
}

/** The same with key and payload known here: encoded on the controller, one grep on the node. */
function appendLiteral(key: string, type: string, payload: string): string {
  return `{ ${ensureVar} && { grep -q ${quote(`^${b64(key)} `)} ${UNDO_LOG} 2>/dev/null || echo ${quote(`${b64(key)} ${type} ${b64(payload)}`)} >> ${UNDO_LOG}; }; } 2>/dev/null || true`;
}

/**
 * sh, run just before kplay changes the file at "$p": the first time, keep what was there
 * (or that nothing was) and log how to restore it. With `literal` (the path itself, when the
 * controller knows it) the names are worked out here, so the node forks only for the copy and log.
 */
export function keepOriginal(pathVar = "$p", literal?: string): string {
  const orig = literal !== undefined ? quote(ORIG + literal) : `${ORIG}"${pathVar}"`;
  const parent = literal !== undefined ? quote(posix.dirname(ORIG + literal)) : `"\${o_%/*}"`;
  return [
    `o_=${orig}`,
    `if [ ! -e "$o_" ] && [ ! -e "$o_.kplay-absent" ] && { [ -d ${parent} ] || mkdir -p ${parent}; } 2>/dev/null; then`,
    `  if [ -e "${pathVar}" ]; then cp -p "${pathVar}" "$o_"; else : > "$o_.kplay-absent"; fi 2>/dev/null &&`,
    `  ${literal !== undefined ? appendLiteral(`file:${literal}`, "file", literal) : append(`"file:${pathVar}"`, "file", `"${pathVar}"`)}`,
    `fi`,
  ].join("\n");
}

/** sh: log a script (literal) that undoes a change, under `key`. */
export function recordScript(key: string, script: string): string {
  return append(quote(key), "sh", quote(script));
}

/** sh, with the key and script computed on the node (e.g. from "$p"). */
export function recordScriptExpr(keyExpr: string, scriptExpr: string): string {
  return append(keyExpr, "sh", scriptExpr);
}

/**
 * sh: before `mkdir -p "$p"`, log each level that does not exist yet, the topmost first.
 * `literal` is the path as the controller knows it: its levels and their log lines are worked
 * out here, so the node only tests each level (and greps the log for the missing ones).
 */
export function recordMissingDirs(pathVar = "$p", literal?: string): string {
  if (literal !== undefined && literal.startsWith("/")) {
    const levels: string[] = [];
    for (let d = posix.normalize(literal).replace(/\/+$/, ""); d && d !== "/"; d = posix.dirname(d)) levels.unshift(d);
    // a level exists when the one below it does: stop at the first missing one, log it and all below
    return ["m_=0", ...levels.map((l) => `[ $m_ = 1 ] || [ -e ${quote(l)} ] || m_=1; [ $m_ = 0 ] || ${appendLiteral(`dir:${l}`, "dir", l)}`)].join("; ");
  }
  return [
    `m_=""; q_="${pathVar}"; while [ ! -e "$q_" ]; do m_="$q_"; q_=$(dirname "$q_"); done`,
    `while [ -n "$m_" ]; do ${append(`"dir:$m_"`, "dir", `"$m_"`)}; [ "$m_" = "${pathVar}" ] && break; m_="$m_/$(printf %s "\${${pathVar.slice(1)}#$m_/}" | cut -d/ -f1)"; done`,
  ].join("\n");
}

/** sh: `mkdir -p` the directory in `pathVar` (`literal`: its path, when known here), each level it makes logged for undo when `undo`. */
export function makeDirs(pathVar: string, literal: string | undefined, undo: boolean): string {
  return undo ? `${recordMissingDirs(pathVar, literal)}; mkdir -p "${pathVar}"` : `mkdir -p "${pathVar}"`;
}

/** One round trip: undo everything logged, newest first. Prints KPLAY-UNDO lines. */
export function revertScript(): string {
  return [
    `log=${UNDO_LOG}`,
    `[ -s "$log" ] || { echo "KPLAY-UNDO: none"; exit 0; }`,
    `n=0`,
    `while [ -s "$log" ]; do`,
    `  line=$(tail -n 1 "$log")`,
    `  set -- $line`,
    `  key=$(printf %s "$1" | base64 -d); payload=$(printf %s "$3" | base64 -d)`,
    `  case "$2" in`,
    `    file)`,
    `      o_=${ORIG}"$payload"`,
    `      if [ -e "$o_.kplay-absent" ]; then rm -f "$payload"; rm -f "$o_.kplay-absent"`,
    `      elif [ -e "$o_" ]; then cp -p "$o_" "$payload" && rm -f "$o_" || { echo "KPLAY-UNDO-FAILED: $key" ; exit 1; }; fi ;;`,
    `    dir) rmdir "$payload" 2>/dev/null || true ;;`,
    `    sh)`,
    `      if ! out=$(printf '%s\\n' "$payload" | sh -e 2>&1); then echo "KPLAY-UNDO-FAILED: $key: $out"; exit 1; fi ;;`,
    `  esac`,
    `  echo "KPLAY-UNDO: $key"`,
    `  sed -i '$d' "$log"`,
    `  n=$((n + 1))`,
    `done`,
    `rm -f "$log"; rm -rf ${ORIG}; rmdir ${KPLAY_VAR} 2>/dev/null`,
    `echo "KPLAY-UNDO-DONE: $n"`,
  ].join("\n");
}

export const undoLogKey = b64;
