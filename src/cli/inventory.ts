// Owns `kplay inventory`: --list / --host NAME / --graph [GROUP], in ansible-inventory's shapes.
import { KplayError } from "../errors.js";
import { inventoryGraph, inventoryHost, inventoryList, sortedJson } from "../inventory/index.js";
import type { Inventory } from "../inventory/index.js";
import { Redactor } from "../report/redact.js";
import { COMMON, loadInv, parse, words, type Common } from "./options.js";

export const INVENTORY_HELP = `\
Usage: kplay inventory (-i INVENTORY | -c CONFIG | --sandbox) (--list | --host NAME | --graph [GROUP])

Show the inventory as kplay reads it, in exactly the JSON shapes "ansible-inventory --list"
and "--host" print (keys sorted), or the group tree as "--graph" draws it. Secrets (variables
named like passwords, tokens and keys, and those values wherever they appear) show as ********;
--show-secrets prints them as they are.`;

export async function inventoryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...COMMON,
      list: { type: "boolean" },
      host: { type: "string" },
      graph: { type: "boolean" },
      "show-secrets": { type: "boolean" },
    },
    "inventory",
  );
  if (values.help) {
    console.log(INVENTORY_HELP);
    return 0;
  }
  words(values.graph ? "inventory --graph" : "inventory", positionals, values.graph ? 1 : 0);
  const inv = loadInv(values as Common);
  const modes = [values.list, values.host !== undefined, values.graph].filter(Boolean).length;
  if (modes !== 1) throw new KplayError("usage", "inventory needs exactly one of --list, --host NAME, --graph");
  const shown = values["show-secrets"] ? <T>(v: T) => v : masker(inv);
  if (values.list) console.log(sortedJson(shown(inventoryList(inv))));
  else if (values.host !== undefined) {
    if (!inv.hasHost(values.host)) throw new KplayError("usage", `host "${values.host}" is not in the inventory`);
    console.log(sortedJson(shown(inventoryHost(inv, values.host))));
  } else {
    const group = positionals[0] ?? "all";
    if (!inv.hasGroup(group)) throw new KplayError("usage", `group "${group}" is not in the inventory`);
    console.log(inventoryGraph(inv, group));
  }
  return 0;
}

/** Every host's secrets, masked by name and by value (as in every other output). */
function masker(inv: Inventory): <T>(v: T) => T {
  const r = new Redactor();
  for (const h of inv.hostNames) r.addVars(inv.hostVars(h));
  return (v) => r.value(v);
}
