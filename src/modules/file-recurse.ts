// Owns the file module's recurse: mode, owner and group on everything under a directory ("$p"),
// through links when follow says so, changed when any entry's differed (Ansible compares each).
import { joinSh, raw, sh, type Sh } from "../transport/sh.js";
import { normalizeMode } from "./types.js";

/** The file module's arguments recurse reads. */
export interface Recurse {
  mode?: string | number;
  owner?: string;
  group?: string;
  follow?: boolean;
}

/**
 * recurse with mode: every path under $p gets it (follow: through links, to what they point at;
 * else links are left alone, Linux having no mode for a link); changed when any mode moved.
 */
export function recursiveMode(a: Recurse, check: boolean): Sh | undefined {
  const mode = normalizeMode(a.mode);
  if (!mode) return undefined;
  // under -L a link that still tests as a link points nowhere: skipped, as Ansible skips it
  const under = a.follow ? raw(`find -L "$p" -mindepth 1 ! -type l`) : raw(`find "$p" -mindepth 1 ! -type l`);
  if (check)
    return /^[0-7]+$/.test(mode)
      ? sh`[ -z "$(${under} ! -perm ${mode} -print -quit)" ] || changed=1`
      : sh`[ -z "$(${under} -print -quit)" ] || changed=1`;
  return joinSh([
    sh`b_=$(${under} -printf '%m %p\\n' | cksum)`,
    sh`${under} -exec chmod -- ${mode} {} + || exit 1`,
    sh`[ "$b_" = "$(${under} -printf '%m %p\\n' | cksum)" ] || changed=1`,
  ]);
}

/**
 * recurse: owner and group on everything under the directory, changed when any entry's differed
 * (Ansible compares each entry; an ownership fixed only below the top is still a change).
 */
export function recursiveOwner(a: Recurse, check: boolean): Sh | undefined {
  if (!a.owner && !a.group) return undefined;
  const under = a.follow ? raw(`find -L "$p" -mindepth 1`) : raw(`find "$p" -mindepth 1`);
  if (check) {
    const user = a.owner ? sh`! -user ${a.owner}` : raw("-false");
    const group = a.group ? sh`! -group ${a.group}` : raw("-false");
    return sh`[ -z "$(${under} \\( ${user} -o ${group} \\) -print -quit)" ] || changed=1`;
  }
  const who = `${a.owner ?? ""}${a.group ? ":" + a.group : ""}`;
  return joinSh([
    sh`b_=$(${under} -printf '%u:%g %p\\n' | cksum)`,
    sh`chown -R ${a.follow ? raw("-L ") : raw("")}-- ${who} "$p" || exit 1`,
    sh`[ "$b_" = "$(${under} -printf '%u:%g %p\\n' | cksum)" ] || changed=1`,
  ]);
}
