// Owns "a role runs once per host per play" at run time, as Ansible 2.14's strategy decides it
// (Role.has_run, the implicit role_complete): a role block with an identity (Block.roleOnce, set
// by the loader) is skipped for a host where an earlier block of that identity ran a task for it.
import type { Block } from "../playbook/types.js";
import type { PlayRun } from "./context.js";

/** A role block that already ran for the host in this play (Ansible's has_run): skipped, silently. */
export function roleDone(run: PlayRun, b: Block, host: string): boolean {
  return !!b.roleOnce && !!run.roles?.done.get(b.roleOnce)?.has(host);
}

export function enterRole(run: PlayRun, key: string): { key: string; ran: Set<string> } {
  run.roles ??= { done: new Map(), running: [] };
  const role = { key, ran: new Set<string>() };
  run.roles.running.push(role);
  return role;
}

/** The role's end (Ansible's role_complete): done for every host one of its tasks ran for. */
export function leaveRole(run: PlayRun, role: { key: string; ran: Set<string> }): void {
  const roles = run.roles!;
  roles.running.pop();
  const done = roles.done.get(role.key) ?? new Set<string>();
  for (const h of role.ran) done.add(h);
  roles.done.set(role.key, done);
}

/** A task of the innermost running role ran (ok, changed or failed; not skipped) for these hosts. */
export function noteRoleRan(run: PlayRun, outcomes: Map<string, { status: string }> | undefined): void {
  const role = run.roles?.running.at(-1);
  if (!role || !outcomes) return;
  for (const [h, o] of outcomes) if (o.status !== "skipped" && o.status !== "unreachable") role.ran.add(h);
}
