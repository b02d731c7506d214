// Owns where a playbook's controller-side files are looked for: files/ and templates/ beside the
// playbook, the playbook's own directory, templates/ beside the playbooks directory (kplay's
// shipped layout) and templates/ in the working directory. One list for loading and running.
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";

export function sourceCandidates(base: string, name: string): string[] {
  if (isAbsolute(name)) return [name];
  return [
    join(base, "files", name),
    join(base, "templates", name),
    join(base, name),
    join(base, "..", "templates", name),
    join(process.cwd(), "templates", name),
  ];
}

export function findSource(base: string, name: string): string | undefined {
  return sourceCandidates(base, name).find((c) => existsSync(c));
}
