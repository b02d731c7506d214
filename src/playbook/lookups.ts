// Owns the lookup plugins kplay runs on the controller, as Ansible's: env, file, pipe, lines,
// fileglob and first_found. Files are looked for along ansible_search_path (the task's role,
// its task file's directory, the playbook's directory), each with files/ first, as Ansible's
// file lookups do. pipe and lines run their command with /bin/sh on the controller, in the
// playbook's directory, as the user running kplay (the command is the playbook's own text).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, basename, isAbsolute, join } from "node:path";

export class LookupError extends Error {}

type Lookup = (terms: string[], o: { vars: Record<string, unknown>; kw: Record<string, unknown> }) => unknown[];

function searchPath(vars: Record<string, unknown>): string[] {
  const p = vars.ansible_search_path;
  if (Array.isArray(p) && p.length) return p.map(String);
  return [typeof vars.playbook_dir === "string" ? vars.playbook_dir : process.cwd()];
}

/** Where a controller file named `name` is: files/NAME then NAME in each search directory. */
export function findFile(name: string, vars: Record<string, unknown>, sub = "files"): string | undefined {
  if (isAbsolute(name)) return existsSync(name) ? name : undefined;
  const candidates = searchPath(vars).flatMap((d) => [join(d, sub, name), join(d, name)]);
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function run(cmd: string, vars: Record<string, unknown>): string {
  try {
    const cwd = typeof vars.playbook_dir === "string" ? vars.playbook_dir : process.cwd();
    return execFileSync("/bin/sh", ["-c", cmd], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    throw new LookupError(`lookup pipe: the command exited ${(e as { status?: number }).status ?? "abnormally"}`);
  }
}

/** The files matching a shell pattern (* ? [..]) in one directory, sorted. */
function glob(pattern: string): string[] {
  const dir = dirname(pattern);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const re = new RegExp(
    "^" +
      basename(pattern)
        .replace(/[.+^${}()|\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".") +
      "$",
  );
  return readdirSync(dir)
    .filter((f) => re.test(f) && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

export const LOOKUPS: Record<string, Lookup> = {
  env: (terms) => terms.map((t) => process.env[t] ?? ""),
  file: (terms, { vars, kw }) =>
    terms.map((t) => {
      const f = findFile(t, vars);
      if (!f) throw new LookupError(`could not locate file in lookup: ${t}`);
      // Ansible's file lookup: rstrip (default on) and lstrip (default off) of whitespace
      let text = readFileSync(f, "utf8");
      if (kw.rstrip !== false) text = text.trimEnd();
      if (kw.lstrip === true) text = text.trimStart();
      return text;
    }),
  pipe: (terms, { vars }) => terms.map((t) => run(t, vars).trimEnd()),
  lines: (terms, { vars }) =>
    terms.flatMap((t) =>
      run(t, vars)
        .split("\n")
        .filter((l, i, a) => l || i < a.length - 1),
    ),
  fileglob: (terms, { vars }) =>
    terms.flatMap((t) => {
      if (isAbsolute(t)) return glob(t);
      const dirs = searchPath(vars).flatMap((d) => [join(d, "files"), d]);
      for (const d of dirs) {
        const found = glob(join(d, t));
        if (found.length) return found;
      }
      return [];
    }),
  first_found: (terms, { vars, kw }) => {
    const names = terms.length ? terms : ((kw.files as string[] | undefined) ?? []);
    const paths = (kw.paths as string[] | undefined) ?? [];
    const candidates = paths.length ? paths.flatMap((p) => names.map((n) => join(p, n))) : names;
    const found = candidates.map((c) => findFile(c, vars)).find((f) => f !== undefined);
    if (found) return [found];
    if (kw.skip === true) return [];
    throw new LookupError(`no file was found when using first_found: ${candidates.join(", ")}`);
  },
};
