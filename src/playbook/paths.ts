// Owns where a playbook's controller-side files are looked for, in Ansible's order: the role's
// files/ and templates/ (and the role itself), the directory of the task file with its files/
// and templates/, then the playbook's directory the same way; then templates/ beside the
// playbooks directory (kplay's shipped layout) and templates/ in the working directory. One
// list for loading and running.
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { SourceDirs } from "./types.js";

const within = (dir: string, name: string) => [join(dir, "files", name), join(dir, "templates", name), join(dir, name)];

/** Ansible's ansible_search_path: the task's role, its task file's directory, the playbook's directory. */
export function searchPath(dirs: SourceDirs, playbookDir: string): string[] {
  // Ansible's task search path: its role, the roles that depend on it, its own file's directory
  return [...new Set([...(dirs.role ? [dirs.role] : []), ...(dirs.parents ?? []), dirs.taskDir, playbookDir])];
}

export function sourceCandidates(dirs: SourceDirs, playbookDir: string, name: string): string[] {
  if (isAbsolute(name)) return [name];
  const all = [
    ...searchPath(dirs, playbookDir).flatMap((d) => within(d, name)),
    join(playbookDir, "..", "templates", name),
    join(process.cwd(), "templates", name),
  ];
  return [...new Set(all)];
}

export function findSource(dirs: SourceDirs, playbookDir: string, name: string): string | undefined {
  return sourceCandidates(dirs, playbookDir, name).find((c) => existsSync(c));
}

/** Every file under a controller directory (symbolic links followed, as copy's local_follow does). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}
