// Owns the shared sh fragment that brings a path's mode/owner/group to what a task asks
// (used by copy and file) and says whether anything had to change.
import { z } from "zod";
import { joinSh, sh, type Sh } from "../transport/sh.js";

/** Schema fields every module that writes a file takes (spread into its z.object). */
export const fileAttrFields = {
  mode: z.union([z.string(), z.number()]).optional(),
  owner: z.string().optional(),
  group: z.string().optional(),
  backup: z.boolean().default(false),
  /** A command checking the new file before it replaces the old one (%s is the new file's path). */
  validate: z.string().optional(),
  /** Accepted for Ansible playbooks; kplay always falls back to an in-place write when a rename is refused. */
  unsafe_writes: z.boolean().optional(),
};

export interface Attrs {
  mode?: string;
  owner?: string;
  group?: string;
}

/**
 * sh lines that fix attributes of the path held in $p and set changed=1 when they differ.
 * In check mode they only compare. Octal modes compare with stat; symbolic modes compare
 * before/after chmod (or are assumed to change in check mode).
 */
export function attrScript(a: Attrs, check: boolean): Sh {
  const out: Sh[] = [];
  if (a.mode) {
    if (/^[0-7]{3,4}$/.test(a.mode)) {
      const chmod = check ? sh`:` : sh`chmod -- ${a.mode} "$p" || exit 1`;
      out.push(sh`[ "$(stat -c %a -- "$p")" = ${a.mode} ] || { changed=1; ${chmod}; }`);
    } else {
      out.push(
        check
          ? sh`changed=1`
          : joinSh(
              [
                sh`b=$(stat -c %a -- "$p")`,
                sh`chmod -- ${a.mode} "$p" || exit 1`,
                sh`[ "$b" = "$(stat -c %a -- "$p")" ] || changed=1`,
              ],
              "; ",
            ),
      );
    }
  }
  if (a.owner) {
    const chown = check ? sh`:` : sh`chown -- ${a.owner} "$p" || exit 1`;
    const same = sh`[ "$(stat -c %U -- "$p")" = ${a.owner} ] || [ "$(stat -c %u -- "$p")" = ${a.owner} ]`;
    out.push(sh`${same} || { changed=1; ${chown}; }`);
  }
  if (a.group) {
    const chgrp = check ? sh`:` : sh`chgrp -- ${a.group} "$p" || exit 1`;
    const same = sh`[ "$(stat -c %G -- "$p")" = ${a.group} ] || [ "$(stat -c %g -- "$p")" = ${a.group} ]`;
    out.push(sh`${same} || { changed=1; ${chgrp}; }`);
  }
  return joinSh(out);
}

/** attrScript, or `:` when there is nothing to fix (a valid sh command either way). */
export function attrScriptOrNoop(a: Attrs, check: boolean): Sh {
  const s = attrScript(a, check);
  return s.text ? s : sh`:`;
}
