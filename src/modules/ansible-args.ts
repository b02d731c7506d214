// Owns what kplay knows of Ansible's own module arguments (ansible-specs.ts, generated from
// ansible-doc): whether a name kplay's module does not take is one Ansible's module has. Such an
// argument never fails a run in which its task does not run (Ansible judges a module's arguments
// only when it runs); the task fails when it runs, naming the argument and the module.
import { ANSIBLE_BUILTIN_MODULES, ANSIBLE_SPECS } from "./ansible-specs.js";

const BUILTIN = /^ansible\.(builtin|legacy)\./;

/**
 * Ansible's generic modules hand their arguments to the module that does the work on the node
 * (package: apt, dnf or yum; service: systemd or the init script): any of those is theirs too.
 */
const PASSED_THROUGH: Record<string, string[]> = {
  package: ["package", "apt", "dnf", "yum"],
  service: ["service", "systemd_service"],
};

/** True when Ansible's module of this name takes `arg` (an option or one of its aliases). */
export function ansibleHasArgument(module: string, arg: string): boolean {
  const m = module.replace(BUILTIN, "");
  return (PASSED_THROUGH[m] ?? [m]).some((name) => {
    const spec = ANSIBLE_SPECS[name];
    return !!spec && (Object.hasOwn(spec, arg) || Object.values(spec).some((o) => o.aliases?.includes(arg)));
  });
}

/** The failure of a task given Ansible arguments kplay's module does not implement. */
export function notImplementedMessage(module: string, args: string[]): string {
  const m = module.replace(BUILTIN, "");
  const it = args.length > 1 ? "them" : "it";
  const unsupported = `Unsupported parameters for (${m}) module: ${args.join(", ")}`;
  return `${unsupported}. Ansible's ${m} takes ${it}; kplay's ${m} does not implement ${it} yet`;
}

/**
 * Modules of the collections roles lean on most (ansible.posix, community.general), by their short
 * names too, as Ansible 2.14 resolves `mount` or `ufw` through its routing: a role that names one
 * is Ansible's, not a typo.
 */
const COLLECTION_MODULES = new Set(
  (
    "acl at authorized_key firewalld mount patch seboolean selinux synchronize sysctl " +
    "alternatives capabilities cronvar filesystem gem ini_file locale_gen lvg lvol make modprobe " +
    "nmcli npm pam_limits parted pids sefcontext snap timezone ufw xml"
  ).split(" "),
);

/** True when `name` is a module of Ansible (ansible.builtin, or a collection's FQCN or routed name). */
export function isAnsibleModule(name: string): boolean {
  const bare = name.replace(BUILTIN, "");
  if (ANSIBLE_BUILTIN_MODULES.includes(bare)) return true;
  // ansible.builtin's modules are all known: another name there is a typo, as Ansible says at load
  if (BUILTIN.test(name)) return false;
  const m = /^(ansible\.posix|community\.general)\.(\w+)$/.exec(name);
  if (m) return true;
  if (/^[a-z0-9_]+\.[a-z0-9_]+\.\w+$/.test(name)) return true; // another collection's FQCN
  return COLLECTION_MODULES.has(bare);
}
