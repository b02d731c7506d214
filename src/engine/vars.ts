// Owns building the variables a task sees on a host, with Ansible's precedence for what kplay
// supports: inventory (all < groups < host) < play vars < facts < task vars < registered/set
// results < extra vars (-e), plus the magic variables (inventory_hostname, groups, hostvars…).
// String variables that are templates are resolved against the same context.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { parseYamlData } from "../yaml-source.js";
import { readTextInput } from "../input-file.js";
import { inputError, KplayError } from "../errors.js";
import type { Inventory } from "../inventory/index.js";
import { renderValue } from "../template/render.js";

export type Vars = Record<string, unknown>;

/**
 * The value of Ansible's `omit`: a module argument that renders to it is left out, as if not
 * written (`mode: "{{ m | default(omit) }}"`). Random per run, so no real value can equal it.
 */
export const OMIT = `__omit_place_holder__${randomBytes(8).toString("hex")}`;

/** Module arguments without those that rendered to `omit`. */
export function withoutOmitted(args: Record<string, unknown>): Record<string, unknown> {
  if (!Object.values(args).includes(OMIT)) return args;
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== OMIT));
}

/** -e key=value and -e @file.yml (YAML or JSON); later ones win. */
export function parseExtraVars(items: string[]): Vars {
  const out: Vars = {};
  for (const item of items) {
    if (item.startsWith("@")) {
      const file = item.slice(1);
      if (!existsSync(file)) throw inputError("extra-vars file not found", { file });
      let data: unknown;
      try {
        data = parseYamlData(readTextInput(file), file);
      } catch (e) {
        throw inputError(`cannot parse extra-vars file: ${(e as Error).message.split("\n")[0]}`, { file });
      }
      if (!data || typeof data !== "object" || Array.isArray(data))
        throw inputError("an extra-vars file must hold a mapping", { file });
      Object.assign(out, data);
    } else if (item.trim().startsWith("{")) {
      try {
        Object.assign(out, JSON.parse(item));
      } catch (e) {
        // the value is not echoed (it may hold a password): the position says where it broke
        const at = /position (\d+)/.exec((e as Error).message)?.[1];
        throw inputError(
          `cannot parse the -e value as JSON${at !== undefined ? ` (at character ${Number(at) + 1})` : ""}`,
          { field: "-e" },
        );
      }
    } else {
      for (const m of item.matchAll(/([A-Za-z_]\w*)=("[^"]*"|'[^']*'|\S*)/g)) {
        out[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
      }
      if (!/^\s*[A-Za-z_]\w*=/.test(item))
        throw inputError(`-e expects key=value, @file or JSON, got ${JSON.stringify(item)}`, { field: "-e" });
    }
  }
  return out;
}

/** What every host of a play shares: built once per play, never copied per host (cost stays linear in hosts). */
export interface SharedMagic {
  groups: Record<string, string[]>;
  /** Every host's inventory variables, each built when first read. */
  hostvars: Record<string, Vars>;
  playHosts: string[];
  playbookDir: string;
}

export function sharedMagic(inv: Inventory, playHosts: string[], playbookDir: string): SharedMagic {
  const groups: Record<string, string[]> = {};
  for (const g of inv.groupNames) groups[g] = inv.groupHosts(g);
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hostNames) Object.defineProperty(hostvars, h, { enumerable: true, get: () => inv.hostVars(h) });
  return { groups, hostvars, playHosts, playbookDir };
}

export function magicVars(inv: Inventory, host: string, shared: SharedMagic): Vars {
  return {
    inventory_hostname: host,
    inventory_hostname_short: host.split(".")[0],
    group_names: inv.groupsOf(host).filter((g) => g !== "ungrouped"),
    groups: shared.groups,
    hostvars: shared.hostvars,
    play_hosts: shared.playHosts,
    ansible_play_hosts: shared.playHosts,
    playbook_dir: shared.playbookDir,
  };
}

/**
 * Resolve `{{ }}` inside string variables (they may refer to each other), a few passes deep.
 * A variable that refers to something not known yet (facts, registered results) stays as
 * written and is rendered where it is used (expressions render such values on lookup), as
 * Ansible evaluates variables lazily.
 */
/** Magic variables are never rendered as values (hostvars holds every host's raw variables). */
export const MAGIC = new Set(["hostvars", "groups", "group_names", "play_hosts", "ansible_play_hosts"]);

export function resolveVars(vars: Vars, origin: { file?: string }): Vars {
  let cur = vars;
  for (let pass = 0; pass < 8; pass++) {
    let changed = false;
    const next: Vars = {};
    for (const [k, v] of Object.entries(cur)) {
      // strings, and lists/maps holding templated strings (rendered as a whole, as Ansible does)
      // a value holding a raw block (YAML !unsafe) renders once, where it is used: rendering it here
      // would make its text a template again for the next pass
      const text =
        typeof v === "string" ? v : v !== null && typeof v === "object" && !MAGIC.has(k) ? JSON.stringify(v) : "";
      if (text.includes("{{") && !text.includes("{% raw %}")) {
        let r: unknown = v;
        try {
          r = renderValue(v, cur, { file: origin.file, field: k });
        } catch (e) {
          if (!(
            e instanceof KplayError &&
            /undefined variable|not defined|is undefined|Cannot read properties of undefined/.test(e.message)
          ))
            throw e;
        }
        if (typeof v === "string" ? r !== v : JSON.stringify(r) !== JSON.stringify(v)) changed = true;
        next[k] = r;
      } else next[k] = v;
    }
    cur = next;
    if (!changed) break;
  }
  return cur;
}
