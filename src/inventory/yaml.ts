// Owns the Ansible/kubespray YAML inventory format: groups with `hosts`, `vars`, `children`
// (nested to any depth, `hosts: {}` for empty groups), host ranges, top-level groups beside `all`.
import { plainIssueIn } from "../plain-issue.js";
import { z } from "zod";
import { closest, inputError } from "../errors.js";
import type { PathKey, YamlSource } from "../yaml-source.js";
import { InventoryBuilder, type Vars } from "./model.js";
import { expandHostRange } from "./ranges.js";

const varsSchema = z.record(z.string(), z.unknown());
const groupSchema = z
  .object({
    hosts: z.record(z.string(), varsSchema.nullable()).nullable().optional(),
    vars: varsSchema.nullable().optional(),
    children: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .strict();

export function readYamlInventory(src: YamlSource, b: InventoryBuilder, basePath: PathKey[] = []): void {
  const top = src.data;
  if (top === null || top === undefined) return;
  if (typeof top !== "object" || Array.isArray(top)) {
    throw inputError("an inventory must be a mapping of group names (usually just `all`)", {
      file: src.file,
      ...src.pos(basePath),
    });
  }
  for (const [name, def] of Object.entries(top as Record<string, unknown>)) {
    readGroup(src, b, { name, def, path: [...basePath, name] });
  }
}

function readGroup(
  src: YamlSource,
  b: InventoryBuilder,
  group: { name: string; def: unknown; path: PathKey[]; parent?: string },
): void {
  const { name, def, path, parent } = group;
  const where = { file: src.file, ...src.keyPos(path) };
  if (parent !== undefined) b.addChild(parent, name, where);
  if (def === null || def === undefined) return; // a reference; must be defined somewhere
  const r = groupSchema.safeParse(def);
  if (!r.success) {
    const issue = r.error.issues[0];
    const ipath = [...path, ...(issue.path as PathKey[])];
    const bad = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    const fieldPath = bad ? [...ipath, bad] : ipath;
    const msg = bad
      ? `unknown key "${bad}" in group ${name} (a group has only hosts, vars and children)`
      : plainIssueIn(issue, def);
    const hint = bad ? closest(bad, ["hosts", "vars", "children"]) : undefined;
    throw inputError(
      msg,
      { file: src.file, ...src.keyPos(fieldPath), field: fieldPath.join(".") },
      hint ? `did you mean "${hint}"?` : undefined,
    );
  }
  const g = r.data;
  b.defineGroup(name);
  if (g.vars) b.setGroupVars(name, g.vars as Vars);
  for (const [hostPattern, hvars] of Object.entries(g.hosts ?? {})) {
    const hwhere = { file: src.file, ...src.keyPos([...path, "hosts", hostPattern]) };
    for (const host of expandHostRange(hostPattern, hwhere)) b.addHost(name, host, hvars as Vars | null, hwhere);
  }
  for (const [child, cdef] of Object.entries(g.children ?? {})) {
    readGroup(src, b, { name: child, def: cdef, path: [...path, "children", child], parent: name });
  }
}
