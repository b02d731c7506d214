// Owns the shared sh fragment that brings a path's mode/owner/group to what a task asks
// (used by copy and file) and says whether anything had to change.
import { z } from "zod";
import { quote } from "../transport/quote.js";

/** Schema fields every module that writes a file takes (spread into its z.object). */
export const fileAttrFields = {
  mode: z.union([z.string(), z.number()]).optional(),
  owner: z.string().optional(),
  group: z.string().optional(),
  backup: z.boolean().default(false),
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
export function attrScript(a: Attrs, check: boolean): string {
  const out: string[] = [];
  if (a.mode) {
    if (/^[0-7]{3,4}$/.test(a.mode)) {
      out.push(`[ "$(stat -c %a "$p")" = ${quote(a.mode)} ] || { changed=1; ${check ? ":" : `chmod ${quote(a.mode)} "$p"`}; }`);
    } else {
      out.push(check ? `changed=1` : `b=$(stat -c %a "$p"); chmod ${quote(a.mode)} "$p"; [ "$b" = "$(stat -c %a "$p")" ] || changed=1`);
    }
  }
  if (a.owner) out.push(`[ "$(stat -c %U "$p")" = ${quote(a.owner)} ] || [ "$(stat -c %u "$p")" = ${quote(a.owner)} ] || { changed=1; ${check ? ":" : `chown ${quote(a.owner)} "$p"`}; }`);
  if (a.group) out.push(`[ "$(stat -c %G "$p")" = ${quote(a.group)} ] || [ "$(stat -c %g "$p")" = ${quote(a.group)} ] || { changed=1; ${check ? ":" : `chgrp ${quote(a.group)} "$p"`}; }`);
  return out.join("\n");
}
