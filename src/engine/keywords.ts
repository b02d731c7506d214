// Owns how play, block and task keywords combine: inheritance (a task's own value wins, `when`s
// add up), tag selection (--tags/--skip-tags with always, never, tagged, untagged) and serial
// batch sizes.
import type { Inheritable, Play } from "../playbook/types.js";

/** The keywords a play gives every task in it. */
export function rootInherit(play: Play): Inheritable {
  return {
    when: [],
    tags: play.tags,
    vars: {},
    become: play.become,
    becomeUser: play.becomeUser,
    becomeMethod: play.becomeMethod,
    environment: play.environment,
    throttle: play.throttle,
    remoteUser: play.remoteUser,
  };
}

/** Keywords flow down from play to block to task; a task's own value wins, `when`s add up. */
export function inherit(parent: Inheritable, child: Inheritable): Inheritable {
  return {
    when: [...parent.when, ...(child.when ?? [])],
    become: child.become ?? parent.become,
    becomeUser: child.becomeUser ?? parent.becomeUser,
    becomeMethod: child.becomeMethod ?? parent.becomeMethod,
    tags: [...new Set([...parent.tags, ...(child.tags ?? [])])],
    vars: { ...parent.vars, ...(child.vars ?? {}) },
    data: child.data ? { ...parent.data, ...child.data } : parent.data,
    defaults: child.defaults ? { ...parent.defaults, ...child.defaults } : parent.defaults,
    environment:
      typeof child.environment === "object" && typeof parent.environment === "object"
        ? { ...parent.environment, ...child.environment }
        : (child.environment ?? parent.environment),
    noLog: child.noLog ?? parent.noLog,
    ignoreErrors: child.ignoreErrors ?? parent.ignoreErrors,
    delegateTo: child.delegateTo ?? parent.delegateTo,
    runOnce: child.runOnce ?? parent.runOnce,
    checkMode: child.checkMode ?? parent.checkMode,
    throttle: child.throttle ?? parent.throttle,
    diff: child.diff ?? parent.diff,
    remoteUser: child.remoteUser ?? parent.remoteUser,
  };
}

/** Whether a task with these (inherited) tags runs under --tags / --skip-tags. */
export function selectedByTags(tags: string[], sel: { tags?: string[]; skipTags?: string[] }): boolean {
  const t = new Set(tags);
  const matches = (w: string) => t.has(w) || (w === "tagged" && t.size > 0) || (w === "untagged" && t.size === 0);
  const want = sel.tags ?? [];
  if ((sel.skipTags ?? []).some(matches)) return false;
  if (t.has("always")) return true;
  if (want.length === 0 || want.includes("all")) return !t.has("never");
  return want.some(matches);
}

/** serial: [2, "50%"] -> batches of 2, then half the hosts, the last size repeating. */
export function serialBatches(hosts: string[], serial: Array<number | string>): string[][] {
  if (serial.length === 0) return [hosts];
  const sizes = serial.map((s) =>
    typeof s === "string" && s.endsWith("%")
      ? Math.max(1, Math.floor((hosts.length * parseFloat(s)) / 100))
      : Number(s),
  );
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const size = sizes[Math.min(k++, sizes.length - 1)];
    out.push(hosts.slice(i, i + size));
    i += size;
  }
  return out;
}
