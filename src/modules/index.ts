// Public surface of the modules concern: the registry of modules by name (also accepted with
// the ansible.builtin. / ansible.legacy. / ansible.posix. / community.general. / community.crypto. prefixes).
import { serviceFactsModule } from "./service_facts.js";
import { packageFactsModule } from "./package_facts.js";
import { blockinfileModule } from "./blockinfile.js";
import { commandModule, shellModule } from "./command.js";
import { includeVarsModule } from "./include_vars.js";
import { gatherFactsModule, setupModule } from "./setup.js";
import { groupModule } from "./group.js";
import { pauseModule, pingModule } from "./ping.js";
import { tempfileModule } from "./tempfile.js";
import {
  assertModule,
  failModule,
  includeTasksModule,
  includeRoleMarkerModule,
  metaModule,
  setFactModule,
  unimplementedModule,
} from "./control.js";
import { copyModule } from "./copy.js";
import { debugModule } from "./debug.js";
import { fileModule } from "./file.js";
import { getUrlModule } from "./get_url.js";
import { uriModule } from "./uri.js";
import { opensshKeypairModule } from "./openssh_keypair.js";
import { validateArgumentSpecModule } from "./validate_argument_spec.js";
import { hostnameModule } from "./hostname.js";
import { lineinfileModule } from "./lineinfile.js";
import { iniFileModule } from "./ini_file.js";
import { pamLimitsModule } from "./pam_limits.js";
import { modprobeModule } from "./modprobe.js";
import { mountModule } from "./mount.js";
import { aptModule, dnfModule, packageModule, yumModule } from "./package.js";
import { rawModule, scriptModule } from "./raw.js";
import { replaceModule } from "./replace.js";
import { aptRepositoryModule, yumRepositoryModule } from "./repo.js";
import { serviceModule, systemdModule, systemdServiceModule } from "./service.js";
import { fetchModule, slurpModule } from "./slurp.js";
import { statModule } from "./stat.js";
import { sysctlModule } from "./sysctl.js";
import { templateModule } from "./template.js";
import { unarchiveModule } from "./unarchive.js";
import { userModule } from "./user.js";
import { waitForModule } from "./wait_for.js";
import { pipModule } from "./pip.js";
import { getentModule } from "./getent.js";
import { timezoneModule } from "./timezone.js";
import { templatedActionModule } from "./templated_action.js";
import { findFilesModule } from "./find.js";
import { asyncStatusModule } from "./async_status.js";
import type { ModuleDef } from "./types.js";

export type { ModuleContext, ModuleDef, ModuleResult } from "./types.js";

const registry = new Map<string, ModuleDef>();
for (const m of [
  commandModule,
  shellModule,
  rawModule,
  scriptModule,
  copyModule,
  templateModule,
  fileModule,
  lineinfileModule,
  iniFileModule,
  pamLimitsModule,
  blockinfileModule,
  replaceModule,
  statModule,
  slurpModule,
  fetchModule,
  getUrlModule,
  uriModule,
  unarchiveModule,
  packageModule,
  aptModule,
  dnfModule,
  yumModule,
  aptRepositoryModule,
  yumRepositoryModule,
  serviceModule,
  systemdModule,
  systemdServiceModule,
  sysctlModule,
  modprobeModule,
  mountModule,
  hostnameModule,
  userModule,
  waitForModule,
  pipModule,
  getentModule,
  serviceFactsModule,
  packageFactsModule,
  timezoneModule,
  templatedActionModule,
  findFilesModule,
  asyncStatusModule,
  setFactModule,
  assertModule,
  validateArgumentSpecModule,
  opensshKeypairModule,
  failModule,
  includeTasksModule,
  includeRoleMarkerModule,
  includeVarsModule,
  setupModule,
  gatherFactsModule,
  groupModule,
  pingModule,
  pauseModule,
  tempfileModule,
  metaModule,
  debugModule,
  unimplementedModule,
] as ModuleDef[])
  registry.set(m.name, m);

export function canonicalModuleName(name: string): string {
  return name.replace(/^(ansible\.(builtin|legacy|posix)|community\.(general|crypto))\./, "");
}

export function findModule(name: string): ModuleDef | undefined {
  return registry.get(canonicalModuleName(name));
}

export function moduleNames(): string[] {
  return [...registry.keys()];
}

/** The modules a playbook may name: kplay's own stand-ins (kplay_*, templated_action) left out. */
export function userModuleNames(): string[] {
  return moduleNames().filter((n) => !n.startsWith("kplay_") && n !== "templated_action");
}
