// Owns what kplay knows of Ansible's own module arguments (ansible-specs.ts, generated from
// ansible-doc): whether a name kplay's module does not take is one Ansible's module has. Such an
// argument never fails a run in which its task does not run (Ansible judges a module's arguments
// only when it runs); the task fails when it runs, naming the argument and the module.
import { ANSIBLE_SPECS } from "./ansible-specs.js";

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
