// Owns Ansible host patterns: names, groups, `all`/`*`, globs, `~regex`, `a:b` / `a,b` union,
// `a:&b` intersection, `a:!b` exclusion, and `@file` lists for --limit. Results keep inventory order
// (an implicit localhost last).
import { readTextInput } from "../input-file.js";
import { inputError } from "../errors.js";
import type { Inventory } from "./model.js";

export interface PatternResult {
  hosts: string[];
  /** Terms that matched nothing (Ansible warns about these). */
  unmatched: string[];
}

export function matchPattern(inv: Inventory, pattern: string | string[]): PatternResult {
  const terms = (Array.isArray(pattern) ? pattern : [pattern]).flatMap(splitPattern);
  const unmatched: string[] = [];
  let selected = new Set<string>();
  const positive = terms.filter((t) => !t.startsWith("&") && !t.startsWith("!"));
  for (const t of positive) {
    const m = matchTerm(inv, t);
    if (m.length === 0 && !inv.hasGroup(t)) unmatched.push(t); // an existing group may be empty (calico_rr)
    m.forEach((h) => selected.add(h));
  }
  // A pattern made only of & / ! terms starts from every host, as Ansible does.
  if (positive.length === 0) selected = new Set(inv.hostNames);
  for (const t of terms.filter((t) => t.startsWith("&"))) {
    const m = new Set(matchTerm(inv, t.slice(1)));
    if (m.size === 0 && !inv.hasGroup(t.slice(1))) unmatched.push(t.slice(1));
    selected = new Set([...selected].filter((h) => m.has(h)));
  }
  for (const t of terms.filter((t) => t.startsWith("!"))) {
    const m = new Set(matchTerm(inv, t.slice(1)));
    if (m.size === 0 && !inv.hasGroup(t.slice(1))) unmatched.push(t.slice(1));
    selected = new Set([...selected].filter((h) => !m.has(h)));
  }
  const implicit = [...selected].filter((h) => inv.isImplicit(h));
  return { hosts: [...inv.hostNames.filter((h) => selected.has(h)), ...implicit], unmatched };
}

/** --limit: a pattern or @file (one pattern per line). */
export function readLimit(limit: string): string[] {
  if (!limit.startsWith("@")) return [limit];
  const file = limit.slice(1);
  return readTextInput(file)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

function splitPattern(p: string): string[] {
  // Commas always separate; colons separate unless the term looks like an IPv6 address.
  return p
    .split(",")
    .flatMap((part) => (part.split(":").length > 3 ? [part] : splitColons(part)))
    .map((t) => t.trim())
    .filter(Boolean);
}

/** Split on colons outside [...] (a subscript such as group[1:] keeps its colon). */
function splitColons(part: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of part) {
    if (c === "[") depth++;
    else if (c === "]") depth = Math.max(0, depth - 1);
    if (c === ":" && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function matchTerm(inv: Inventory, term: string): string[] {
  if (term === "all" || term === "*") return inv.hostNames;
  if (term.startsWith("~")) {
    let re: RegExp;
    try {
      re = new RegExp(term.slice(1));
    } catch {
      throw inputError(`invalid regular expression in host pattern: ${term}`, {});
    }
    return matchNames(inv, (n) => re.test(n));
  }
  // Ansible subscripts: group[0], group[-1], group[1:], group[0:2] (end inclusive, as Ansible)
  const sub = /^([^[\]]+)\[(-?\d*)(?::(-?\d*))?\]$/.exec(term);
  if (sub && (inv.hasGroup(sub[1]) || inv.hasHost(sub[1]))) {
    const hosts = matchTerm(inv, sub[1]);
    const at = (v: string, dflt: number) => (v === "" ? dflt : Number(v) < 0 ? hosts.length + Number(v) : Number(v));
    if (sub[3] === undefined) {
      const i = at(sub[2], 0);
      return hosts[i] === undefined ? [] : [hosts[i]];
    }
    return hosts.slice(at(sub[2], 0), at(sub[3], hosts.length - 1) + 1);
  }
  if (/[*?[]/.test(term)) {
    const re = globToRegExp(term);
    return matchNames(inv, (n) => re.test(n));
  }
  if (inv.hasGroup(term)) return inv.groupHosts(term);
  if (inv.hasHost(term)) return [term];
  const local = inv.implicitLocalhost(term);
  return local ? [local] : [];
}

function matchNames(inv: Inventory, test: (name: string) => boolean): string[] {
  const out = new Set<string>();
  for (const g of inv.groupNames) if (test(g)) inv.groupHosts(g).forEach((h) => out.add(h));
  for (const h of inv.hostNames) if (test(h)) out.add(h);
  return inv.hostNames.filter((h) => out.has(h));
}

/** A glob as Python's fnmatch reads it: `[...]` a class (`[!...]` negated), a `[` never closed a literal. */
function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = classEnd(glob, i);
      if (end < 0) re += "\\[";
      else {
        const body = glob.slice(i + 1, end).replace(/[\\\]]/g, "\\$&");
        re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body.startsWith("^") ? `\\${body}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  try {
    return new RegExp(`^${re}$`, "s");
  } catch {
    throw inputError(`invalid host pattern: ${glob} (a character class such as [a-c] that cannot be read)`, {});
  }
}

/** Where the class opened at `open` closes (fnmatch: a ] right after [ or [! belongs to the class), or -1. */
function classEnd(glob: string, open: number): number {
  let j = open + 1;
  if (glob[j] === "!") j++;
  if (glob[j] === "]") j++;
  while (j < glob.length && glob[j] !== "]") j++;
  return j < glob.length ? j : -1;
}
