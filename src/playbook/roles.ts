// Owns finding a role and its files the way Ansible does: a role named in `roles:`,
// `import_role` or `include_role` is looked for in roles/ beside the playbook, in each
// directory of the roles path (KPLAY_ROLES_PATH, else ANSIBLE_ROLES_PATH, colon-separated,
// else ansible.cfg's roles_path or Ansible's default: ansible-cfg.ts), then beside the
// playbook; a name with a slash is a path. Inside it, tasks/, handlers/, defaults/, vars/ and
// meta/ each hold main (or the file named by tasks_from, vars_from…) as .yml, .yaml, .json or
// no extension. Building the role's tasks into the play is the loader's.
import { existsSync, readdirSync, statSync } from "node:fs";
import { extname, isAbsolute, join, resolve } from "node:path";
import { configuredRolesPath } from "./ansible-cfg.js";

/** The directories a role name is looked for in, in order. */
export function roleSearchPath(playbookDir: string): string[] {
  const env = process.env.KPLAY_ROLES_PATH ?? process.env.ANSIBLE_ROLES_PATH;
  const configured =
    env === undefined
      ? configuredRolesPath()
      : env
          .split(":")
          .filter(Boolean)
          .map((d) => resolve(playbookDir, d));
  return [join(playbookDir, "roles"), ...configured, playbookDir];
}

/** The role's directory, or the places looked in when it is not found. */
export function findRole(name: string, playbookDir: string): { dir?: string; looked: string[] } {
  // a name with a slash (kubespray's kubernetes/preinstall) is looked for in the roles path
  // first, then as a path from the playbook's directory, as Ansible does
  const looked = isAbsolute(name)
    ? [name]
    : [
        ...new Set([
          ...roleSearchPath(playbookDir).map((d) => join(d, name)),
          ...(name.includes("/") ? [resolve(playbookDir, name)] : []),
        ]),
      ];
  const dir = looked.find((d) => existsSync(d) && statSync(d).isDirectory());
  return { dir, looked };
}

/** A role's file in `part` (tasks, handlers, defaults, vars, meta), named `file` (default main). */
export function rolePartFile(roleDir: string, part: string, file = "main"): string | undefined {
  const base = join(roleDir, part, file);
  return [base, `${base}.yml`, `${base}.yaml`, `${base}.json`, join(base, "main.yml")].find(
    (f) => existsSync(f) && statSync(f).isFile(),
  );
}

/**
 * A role's vars/ or defaults/ files, as Ansible 2.14 finds them: NAME, NAME.yml, NAME.yaml or
 * NAME.json, or, when NAME is a directory (kubespray's `defaults/main/`), every file in it and its
 * subdirectories with one of those extensions or none, in name order, hidden and `~` files left
 * out — merged in that order, a later file's top-level keys winning.
 */
export function roleVarsFiles(roleDir: string, part: string, file = "main"): string[] {
  const base = join(roleDir, part, file);
  if (existsSync(base) && statSync(base).isDirectory()) return varsFilesIn(base, 0);
  const found = [base, `${base}.yml`, `${base}.yaml`, `${base}.json`].find(
    (f) => existsSync(f) && statSync(f).isFile(),
  );
  return found ? [found] : [];
}

const MAX_VARS_DEPTH = 16;

function varsFilesIn(dir: string, depth: number): string[] {
  if (depth > MAX_VARS_DEPTH) return [];
  return readdirSync(dir)
    .sort()
    .filter((f) => !f.startsWith(".") && !f.endsWith("~"))
    .flatMap((f) => {
      const full = join(dir, f);
      const ext = extname(f);
      const st = statSync(full);
      if (st.isDirectory() && !ext) return varsFilesIn(full, depth + 1);
      return st.isFile() && (!ext || [".yml", ".yaml", ".json"].includes(ext)) ? [full] : [];
    });
}

/** The role's name as Ansible shows it: the last part of a path. */
export function roleName(name: string): string {
  return name.replace(/\/+$/, "").split("/").pop() ?? name;
}
