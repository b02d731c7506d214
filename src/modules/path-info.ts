// Owns what a module reports of a path as Ansible's add_path_info does (uid, gid, owner, group,
// mode, state, size) and the one stat line on the node it is read from ($p names the path).
import { joinSh, raw, type Sh } from "../transport/sh.js";

/**
 * What `stat -c '%F|%h|%a|%u|%g|%U|%G|%s'` said of the path (undefined: nothing there), and
 * whether it exists as Python's os.path.exists sees it (a link that points nowhere does not).
 */
export interface PathStat {
  kind: string;
  links: number;
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  size: number;
  exists: boolean;
}

export function parseStat(line: string | undefined): PathStat | undefined {
  const f = line?.split("|");
  if (!f || f.length < 8) return undefined;
  const [kind, links, mode, uid, gid, owner, group, size, exists] = f;
  // a uid with no name is shown as the number, as Python's pwd lookup falls back to str(uid)
  const name = (n: string, id: string) => (n === "UNKNOWN" ? id : n);
  const ids = { uid: Number(uid), gid: Number(gid), owner: name(owner, uid), group: name(group, gid) };
  const more = { size: Number(size), exists: exists === "1" };
  return { kind, links: Number(links), mode: `0${mode.padStart(3, "0")}`, ...ids, ...more };
}

/** Ansible's get_state: absent, link, directory, hard (more than one name), or file. */
export function stateOf(st: PathStat | undefined): string {
  if (!st) return "absent";
  if (st.kind === "symbolic link") return "link";
  if (st.kind === "directory") return "directory";
  return st.links > 1 ? "hard" : "file";
}

/** Ansible's add_path_info: uid, gid, owner, group, mode, state and size of what exists at the path now. */
export function pathInfo(st: PathStat | undefined): Record<string, unknown> {
  if (!st?.exists) return {}; // nothing there, or a link to nothing: Ansible adds no path info
  const { uid, gid, owner, group, mode, size } = st;
  return { uid, gid, owner, group, mode, state: stateOf(st), size };
}

/**
 * A line `TAG: kind|links|mode|uid|gid|owner|group|size|exists` of the path in $p (nothing there:
 * empty fields). One fork (stat's): whether the path exists is a test in this shell.
 */
export function statLine(tag: "KPLAY-PRE" | "KPLAY-POST"): Sh {
  const exists = raw(`ex_=; [ -e "$p" ] && ex_=1`);
  return tag === "KPLAY-PRE"
    ? joinSh([exists, raw(`echo "KPLAY-PRE: $(stat -c '%F|%h|%a|%u|%g|%U|%G|%s' -- "$p" 2>/dev/null)|$ex_"`)], "; ")
    : joinSh([exists, raw(`echo "KPLAY-POST: $(stat -c '%F|%h|%a|%u|%g|%U|%G|%s' -- "$p" 2>/dev/null)|$ex_"`)], "; ");
}
