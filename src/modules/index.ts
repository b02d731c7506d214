// Public surface of the modules concern: the registry of modules by name (also accepted with
// the ansible.builtin. / ansible.legacy. prefixes).
import { commandModule, shellModule } from "./command.js";
import { copyModule } from "./copy.js";
import { debugModule } from "./debug.js";
import { fileModule } from "./file.js";
import type { ModuleDef } from "./types.js";

export type { ModuleContext, ModuleDef, ModuleResult } from "./types.js";

const registry = new Map<string, ModuleDef>();
for (const m of [commandModule, shellModule, copyModule, fileModule, debugModule] as ModuleDef[]) registry.set(m.name, m);

export function canonicalModuleName(name: string): string {
  return name.replace(/^ansible\.(builtin|legacy)\./, "");
}

export function findModule(name: string): ModuleDef | undefined {
  return registry.get(canonicalModuleName(name));
}

export function moduleNames(): string[] {
  return [...registry.keys()];
}
