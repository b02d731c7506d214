// Owns the node-side undo log (sealos-style: every change kplay makes to a host carries its
// undo). /var/lib/kplay/undo.log holds one line per change, in the order first made:
//   <key, base64> <type> <payload, base64>
// type "file": the path's state before kplay first changed it is kept under
// /var/lib/kplay/orig/<path> (or a marker that it did not exist); "sh": a script that undoes the
// change (package purge, a task's `undo:`); "dir": a directory kplay created, removed if empty.
// A key is recorded once, so the log always leads back to the state before the first install.
// revertScript() replays the log in reverse, dropping each line once undone, so an interrupted
// removal continues.
import { posix } from "node:path";
import { catSh, joinSh, raw, sh, type Sh } from "../transport/sh.js";

export const KPLAY_VAR = "/var/lib/kplay";
export const UNDO_LOG = `${KPLAY_VAR}/undo.log`;
const ORIG = `${KPLAY_VAR}/orig`;

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** sh: make sure /var/lib/kplay exists (a test when it does: no fork). */
const ensureVar = sh`{ [ -d ${KPLAY_VAR} ] || mkdir -p -- ${KPLAY_VAR}; }`;

/** sh: append an undo line unless the key is there already. `keyExpr`/`payloadExpr` are sh words. */
function append(keyExpr: Sh, type: "file" | "sh" | "dir", payloadExpr: Sh): Sh {
  // Best effort: a run without root (no become) cannot keep a log under /var/lib; its changes
  // are then not undoable, and the task itself is not failed for that.
  const line = sh`printf ${`%s ${type} %s\\n`} "$k_" "$(printf %s ${payloadExpr} | base64 -w0)"`;
  return catSh(
    sh`{ ${ensureVar} && k_=$(printf %s ${keyExpr} | base64 -w0) && `,
    sh`{ grep -q "^$k_ " ${UNDO_LOG} 2>/dev/null || ${line} >> ${UNDO_LOG}; }; } 2>/dev/null || true`,
  );
}

/** The same with key and payload known here: encoded on the controller, one grep on the node. */
function appendLiteral(key: string, type: "file" | "sh" | "dir", payload: string): Sh {
  return catSh(
    sh`{ ${ensureVar} && { grep -q ${`^${b64(key)} `} ${UNDO_LOG} 2>/dev/null || `,
    sh`echo ${`${b64(key)} ${type} ${b64(payload)}`} >> ${UNDO_LOG}; }; } 2>/dev/null || true`,
  );
}

/**
 * sh, run just before kplay changes the file at "$p": the first time, keep what was there
 * (or that nothing was) and log how to restore it. With `literal` (the path itself, when the
 * controller knows it) the names are worked out here, so the node forks only for the copy and log.
 * `pathVar` names a shell variable holding the path ("p" for "$p").
 */
export function keepOriginal(pathVar: "p" | "f" = "p", literal?: string): Sh {
  const v = pathVar === "p" ? raw('"$p"') : raw('"$f"');
  const orig = literal !== undefined ? sh`${ORIG + literal}` : sh`${ORIG}${v}`;
  const parent = literal !== undefined ? sh`${posix.dirname(ORIG + literal)}` : raw('"${o_%/*}"');
  const log =
    literal !== undefined ? appendLiteral(`file:${literal}`, "file", literal) : append(sh`file:${v}`, "file", v);
  return joinSh([
    sh`o_=${orig}`,
    catSh(
      raw(`if [ ! -e "$o_" ] && [ ! -e "$o_.kplay-absent" ] && `),
      sh`{ [ -d ${parent} ] || mkdir -p -- ${parent}; } 2>/dev/null; then`,
    ),
    sh`  if [ -e ${v} ]; then cp -p -- ${v} "$o_"; else true > "$o_.kplay-absent"; fi 2>/dev/null &&`,
    sh`  ${log}`,
    raw(`fi`),
  ]);
}

/**
 * sh, before a module replaces the symlink at "$f" (named `literal`) with a file: the link itself
 * is kept and its undo logged, so undo puts the link back (keepOriginal keeps what it pointed to).
 */
export function keepLink(literal: string): Sh {
  const saved = `${ORIG}${literal}.kplay-link`;
  const restore = sh`rm -f -- ${literal} && cp -P -- ${saved} ${literal} && rm -f -- ${saved}`;
  return joinSh([
    sh`if [ -L "$f" ] && [ ! -L ${saved} ] && mkdir -p -- ${posix.dirname(saved)} && cp -P -- "$f" ${saved}; then`,
    recordScript(`link:${literal}`, restore.text),
    raw(`fi`),
  ]);
}

/** sh: log a script that undoes a change, under `key` (both literal text). */
export function recordScript(key: string, script: string): Sh {
  return append(sh`${key}`, "sh", sh`${script}`);
}

/** sh, with the key and script computed on the node: sh words such as "pkg:$new". */
export function recordScriptExpr(keyExpr: Sh, scriptExpr: Sh): Sh {
  return append(keyExpr, "sh", scriptExpr);
}

/**
 * sh: before `mkdir -p "$d"`, log each level that does not exist yet, the topmost first.
 * `literal` is the path as the controller knows it: its levels and their log lines are worked
 * out here, so the node only tests each level (and greps the log for the missing ones).
 * Without it the levels are found on the node from the variable `pathVar` ("p" or "d").
 */
export function recordMissingDirs(pathVar: "p" | "d", literal?: string): Sh {
  if (literal !== undefined && literal.startsWith("/")) {
    const levels: string[] = [];
    for (let d = posix.normalize(literal).replace(/\/+$/, ""); d && d !== "/"; d = posix.dirname(d)) levels.unshift(d);
    // a level exists when the one below it does: stop at the first missing one, log it and all below
    return joinSh(
      [
        raw("m_=0"),
        ...levels.map(
          (l) => sh`[ $m_ = 1 ] || [ -e ${l} ] || m_=1; [ $m_ = 0 ] || ${appendLiteral(`dir:${l}`, "dir", l)}`,
        ),
      ],
      "; ",
    );
  }
  const v = pathVar === "p" ? raw('"$p"') : raw('"$d"');
  const rest = pathVar === "p" ? raw('"${p#$m_/}"') : raw('"${d#$m_/}"');
  return joinSh([
    sh`m_=""; q_=${v}; while [ ! -e "$q_" ]; do m_="$q_"; q_=$(dirname -- "$q_"); done`,
    catSh(
      sh`while [ -n "$m_" ]; do ${append(raw('"dir:$m_"'), "dir", raw('"$m_"'))}; `,
      sh`[ "$m_" = ${v} ] && break; m_="$m_/$(printf %s ${rest} | cut -d/ -f1)"; done`,
    ),
  ]);
}

/**
 * sh: `mkdir -p` the directory in variable `pathVar` (`literal`: its path, when known here), each
 * level it makes logged for undo when `undo`.
 */
export function makeDirs(pathVar: "p" | "d", literal: string | undefined, undo: boolean): Sh {
  const v = pathVar === "p" ? raw('"$p"') : raw('"$d"');
  return undo ? sh`${recordMissingDirs(pathVar, literal)}; mkdir -p -- ${v}` : sh`mkdir -p -- ${v}`;
}

/**
 * The undo log as a module sees it (ModuleContext.undo): the node-exec pipeline hands each task
 * one, enabled on nodes and disabled in check mode and on the controller. Its fragments go into
 * the module's own script, so recording costs no extra round trip; disabled, they are no-ops.
 */
export class UndoLog {
  constructor(readonly enabled: boolean) {}

  /** sh, just before the file at "$p" / "$f" changes: keep its original the first time (undefined when disabled). */
  keepOriginal(pathVar: "p" | "f", literal?: string): Sh | undefined {
    return this.enabled ? keepOriginal(pathVar, literal) : undefined;
  }

  /** sh: `mkdir -p` the directory in "$p" / "$d", each level it makes logged (when enabled). */
  makeDirs(pathVar: "p" | "d", literal?: string): Sh {
    return makeDirs(pathVar, literal, this.enabled);
  }

  /** sh: the symlink at "$f" kept, with its undo, before it is replaced by a file (when enabled). */
  keepLink(literal: string): Sh | undefined {
    return this.enabled ? keepLink(literal) : undefined;
  }

  /** sh: log a script that undoes a change, under `key` (undefined when disabled). */
  recordScript(key: string, script: string): Sh | undefined {
    return this.enabled ? recordScript(key, script) : undefined;
  }
}

/** One round trip: undo everything logged, newest first. Prints KPLAY-UNDO lines. */
export function revertScript(): Sh {
  return joinSh([
    sh`log=${UNDO_LOG}`,
    raw(`[ -s "$log" ] || { echo "KPLAY-UNDO: none"; exit 0; }`),
    raw(`n=0`),
    raw(`while [ -s "$log" ]; do`),
    raw(`  line=$(tail -n 1 "$log")`),
    raw(`  set -- $line`),
    raw(`  key=$(printf %s "$1" | base64 -d); payload=$(printf %s "$3" | base64 -d)`),
    raw(`  case "$2" in`),
    raw(`    file)`),
    sh`      o_=${ORIG}"$payload"`,
    raw(`      if [ -e "$o_.kplay-absent" ]; then rm -f -- "$payload"; rm -f -- "$o_.kplay-absent"`),
    raw(
      `      elif [ -e "$o_" ]; then cp -p -- "$o_" "$payload" && rm -f -- "$o_" || ` +
        `{ echo "KPLAY-UNDO-FAILED: $key" ; exit 1; }; fi ;;`,
    ),
    raw(`    dir) rmdir -- "$payload" 2>/dev/null || true ;;`),
    raw(`    sh)`),
    raw(
      `      if ! out=$(printf '%s\\n' "$payload" | sh -e 2>&1); ` +
        `then echo "KPLAY-UNDO-FAILED: $key: $out"; exit 1; fi ;;`,
    ),
    raw(`  esac`),
    raw(`  echo "KPLAY-UNDO: $key"`),
    raw(`  sed -i '$d' "$log"`),
    raw(`  n=$((n + 1))`),
    raw(`done`),
    sh`rm -f -- "$log"; rm -rf -- ${ORIG}; rmdir -- ${KPLAY_VAR} 2>/dev/null`,
    raw(`echo "KPLAY-UNDO-DONE: $n"`),
  ]);
}

export const undoLogKey = b64;
