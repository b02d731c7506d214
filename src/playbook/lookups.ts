// Owns the lookup plugins kplay runs on the controller, as Ansible's: env, file, pipe, lines,
// fileglob and first_found. Files are looked for along ansible_search_path (the task's role,
// its task file's directory, the playbook's directory), each with files/ first, as Ansible's
// file lookups do. pipe and lines run their command with /bin/sh on the controller, in the
// playbook's directory, as the user running kplay (the command is the playbook's own text).
import { pyRegex } from "./pyregex.js";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { randomText } from "./crypt.js";
import { nodePathProblem } from "./data.js";
import { dirname, basename, isAbsolute, join } from "node:path";
import { makeDirs } from "../make-dirs.js";

export class LookupError extends Error {}

/** A lookup's options: the task's vars, its keyword arguments, the role folder a with_* loop's task names. */
interface LookupOptions {
  vars: Record<string, unknown>;
  kw: Record<string, unknown>;
  subdir?: string;
}
type Lookup = (terms: string[], o: LookupOptions) => unknown[];

function searchPath(vars: Record<string, unknown>): string[] {
  const p = vars.ansible_search_path;
  if (Array.isArray(p) && p.length) return p.map(String);
  return [typeof vars.playbook_dir === "string" ? vars.playbook_dir : process.cwd()];
}

/** Where a controller file named `name` is: files/NAME then NAME in each search directory. */
export function findFile(name: string, vars: Record<string, unknown>, sub = "files"): string | undefined {
  if (isAbsolute(name)) return existsSync(name) ? confined(name, vars) : undefined;
  const candidates = searchPath(vars).flatMap((d) => [join(d, sub, name), join(d, name)]);
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return found === undefined ? undefined : confined(found, vars);
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

const CHAR_SETS: Record<string, string> = {
  ascii_letters: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
  ascii_lowercase: "abcdefghijklmnopqrstuvwxyz",
  ascii_uppercase: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  digits: "0123456789",
  hexdigits: "0123456789abcdefABCDEF",
  octdigits: "01234567",
  punctuation: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
};

/**
 * lookup('password', 'PATH length=N chars=ascii_letters,digits'): the password stored in PATH
 * (relative to the playbook's directory), made and stored 0600 the first time; /dev/null: a new
 * one each time, stored nowhere. As Ansible's: 20 characters of letters, digits and ".,:-_".
 */
function passwordLookup(term: string, vars: Record<string, unknown>): string {
  const [path, ...params] = term.trim().split(/\s+/);
  const kv = Object.fromEntries(params.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  const length = Number(kv.length ?? 20);
  const chars = kv.chars
    ? kv.chars
        .split(/,(?!,)/)
        .map((c: string) => CHAR_SETS[c] ?? c.replace(",,", ","))
        .join("")
    : CHAR_SETS.ascii_letters + CHAR_SETS.digits + ".,:-_";
  if (!(length > 0) || !chars) throw new LookupError(`lookup password: cannot make a password from "${term}"`);
  if (path === "/dev/null") return randomText(length, chars);
  const dir = typeof vars.playbook_dir === "string" ? vars.playbook_dir : process.cwd();
  const file = confined(isAbsolute(path) ? path : join(dir, path), vars);
  if (existsSync(file))
    return readFileSync(file, "utf8")
      .split("\n")[0]
      .replace(/ salt=.*$/, "");
  const password = randomText(length, chars);
  makeDirs(dirname(file));
  writeFileSync(file, password + "\n", { mode: 0o600 });
  return password;
}

/** Lookups whose term is code or a name to read on the controller: a node's data never picks it. */
const NEVER_FROM_NODE: Record<string, string> = {
  pipe: "a command run on the controller",
  lines: "a command run on the controller",
  vars: "the variable to read",
  env: "the controller's environment variable to read",
};

/** Set while a lookup whose terms came from a node runs: its files must be the playbook's own. */
let nodeTerms = false;

/**
 * Run lookup `plugin` (synchronously, in `fn`) with terms that came from a node when `fromNode`:
 * a node's text never becomes a command or a variable name, and names only the playbook's files.
 */
export function withTermsFrom<T>(fromNode: boolean, plugin: string, fn: () => T): T {
  const what = NEVER_FROM_NODE[plugin];
  if (fromNode && what)
    throw new LookupError(`lookup('${plugin}') refuses a term that came from a node: it would choose ${what}`);
  const outer = nodeTerms;
  nodeTerms = outer || fromNode;
  try {
    return fn();
  } finally {
    nodeTerms = outer;
  }
}

/** A file a lookup found, refused if a node's data named it outside the playbook's and roles' directories. */
function confined(file: string, vars: Record<string, unknown>): string {
  if (!nodeTerms) return file;
  const roots = [...searchPath(vars), ...(typeof vars.playbook_dir === "string" ? [vars.playbook_dir] : [])];
  const why = nodePathProblem(file, roots);
  if (why) throw new LookupError(why);
  return file;
}

export const LOOKUPS: Record<string, Lookup> = {
  // the names of the variables in scope that each Python regular expression finds (re.search)
  varnames: (terms, { vars }) =>
    terms.flatMap((t) => {
      const re = pyRegex(t);
      return Object.keys(vars).filter((name) => re.test(name));
    }),
  password: (terms, { vars }) => terms.map((t) => passwordLookup(t, vars)),
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
      if (isAbsolute(t)) return glob(t).map((f) => confined(f, vars));
      const dirs = searchPath(vars).flatMap((d) => [join(d, "files"), d]);
      for (const d of dirs) {
        const found = glob(join(d, t));
        if (found.length) return found.map((f) => confined(f, vars));
      }
      return [];
    }),
  first_found: (terms, { vars, kw, subdir }) => {
    const names = terms.length ? terms : ((kw.files as string[] | undefined) ?? []);
    const paths = (kw.paths as string[] | undefined) ?? [];
    const candidates = paths.length ? paths.flatMap((p) => names.map((n) => join(p, n))) : names;
    const found = candidates.map((c) => findFile(c, vars, subdir)).find((f) => f !== undefined);
    if (found) return [found];
    if (kw.skip === true) return [];
    throw new LookupError(`no file was found when using first_found: ${candidates.join(", ")}`);
  },
};
