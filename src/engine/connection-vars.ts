// Owns which of a task's variables decide how its host is reached. Ansible reads the connection
// variables (ansible_connection, ansible_host, ansible_user, the key, the passwords …) and the
// become variables from the task's whole variable context — inventory, play vars, vars_files,
// role vars, include_vars, set_fact, task vars, -e — not from the inventory alone: a play with
// `vars: { ansible_connection: local }` runs on the controller, a role's `ansible_user` logs in as
// that user. A value that came from a node never chooses the connection: a compromised node must
// not point kplay at another address, user or key, nor at the controller itself.
import { KplayError, type Where } from "../errors.js";
import { trackTaint } from "../playbook/data.js";
import { evalExpr } from "../playbook/expr.js";
import type { ExecOptions } from "../transport/index.js";
import { CONNECTION_VARS } from "../transport/spec.js";
import type { Vars } from "./vars.js";

/** A variable's value as a task sees it (rendered), undefined when it is unset or does not evaluate. */
function valueOf(name: string, vars: Vars): unknown {
  if (!(name in vars)) return undefined; // most tasks set none: a failed lookup's error costs a stack trace
  try {
    return evalExpr(name, vars);
  } catch {
    return undefined;
  }
}

const same = (a: unknown, b: unknown) => a === b || (a != null && b != null && String(a) === String(b));

/**
 * The connection variables whose value in the task's variables differs from the host's own
 * (`base`, the inventory's with -e on top); undefined when none does, as for almost every task.
 * Throws when such a value was computed from what a node sent.
 */
export function connectionOverrides(
  vars: Vars,
  base: Record<string, unknown>,
  o: { where?: Where; port?: number } = {},
): Record<string, unknown> | undefined {
  const { where, port } = o;
  let out: Record<string, unknown> | undefined;
  for (const name of CONNECTION_VARS) {
    if (!(name in vars)) continue;
    const r = trackTaint(() => valueOf(name, vars));
    if (r.value === undefined || same(r.value, base[name])) continue;
    if (r.fromNode)
      throw new KplayError(
        "input",
        `${name} is computed from data a node sent: a node never chooses how kplay reaches a host`,
        {
          where,
          hint: "set connection variables in the inventory, the play or -e",
        },
      );
    (out ??= {})[name] = r.value;
  }
  // the port keyword: the port when no variable (inventory, play, task, -e) gives one
  const portVar = ["ansible_port", "ansible_ssh_port"].some((n) => valueOf(n, vars) ?? base[n]);
  if (port !== undefined && !portVar && !same(port, 22)) (out ??= {}).ansible_port = port;
  return out;
}

/**
 * ansible_become, ansible_become_user and ansible_become_method as variables (a task's or a
 * host's vars), above the become keywords, as Ansible ranks them; only those that are set.
 * (The become password is a connection variable: connectionOverrides.)
 */
export function becomeFromVars(vars: Vars): Pick<ExecOptions, "become" | "becomeUser" | "becomeMethod"> {
  const become = valueOf("ansible_become", vars);
  const user = valueOf("ansible_become_user", vars);
  const method = valueOf("ansible_become_method", vars);
  const yes = (v: unknown) =>
    typeof v === "boolean" ? v : ["1", "true", "yes", "on", "y"].includes(String(v).toLowerCase());
  return {
    ...(become !== undefined && become !== null ? { become: yes(become) } : {}),
    ...(typeof user === "string" && user ? { becomeUser: user } : {}),
    ...(method === "su" || method === "sudo" ? { becomeMethod: method } : {}),
  };
}
