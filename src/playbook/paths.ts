// Owns where a playbook's controller-side files are looked for, in Ansible's order: the role's
// files/ and templates/ (and the role itself), the directory of the task file with its files/
// and templates/, then the playbook's directory the same way; then templates/ beside the
// playbooks directory (kplay's shipped layout) and templates/ in the working directory. One
// list for loading and running.
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { SourceDirs } from "./types.js";

const within = (dir: string, name: string) => [join(dir, "files", name), join(dir, "templates", name), join(dir, name)];

export function sourceCandidates(dirs: SourceDirs, playbookDir: string, name: string): string[] {
  if (isAbsolute(name)) return [name];
  const all = [
    ...(dirs.role ? within(dirs.role, name) : []),
    ...within(dirs.taskDir, name),
    ...within(playbookDir, name),
    join(playbookDir, "..", "templates", name),
    join(process.cwd(), "templates", name),
  ];
  return [...new Set(all)];
}

export function findSource(dirs: SourceDirs, playbookDir: string, name: string): string | undefined {
  return sourceCandidates(dirs, playbookDir, name).find((c) => existsSync(c));
}
