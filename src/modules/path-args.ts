// Owns Ansible's `type: path` module arguments: `$VAR`/`${VAR}` and a leading `~` in them are
// expanded on the node before the module runs, as AnsibleModule does with
// os.path.expanduser(os.path.expandvars(value)) — `dest: ~/.kube/config` means the remote user's
// home, `src: $HOME/x` the node's HOME. The expansion reads the node's environment as data
// (awk's ENVIRON): nothing in a value is ever run.
import { raw, sh, type Sh } from "../transport/sh.js";

type Args = Record<string, unknown>;

/** Each module's arguments of type path (Ansible's argument_spec), given its arguments. */
const PATH_ARGS: Record<string, (a: Args) => string[]> = {
  copy: (a) => (a.remote_src ? ["src", "dest"] : ["dest"]),
  template: () => ["dest"],
  file: () => ["path", "src"],
  lineinfile: () => ["path"],
  ini_file: () => ["path"],
  pam_limits: () => ["dest"],
  uri: () => ["ca_path", "client_cert", "client_key", "creates", "removes"],
  blockinfile: () => ["path"],
  replace: () => ["path"],
  stat: () => ["path"],
  slurp: () => ["src"],
  command: () => ["chdir", "creates", "removes"],
  shell: () => ["chdir", "creates", "removes"],
  script: () => ["chdir", "creates", "removes"],
  unarchive: (a) => (a.remote_src || a.copy === false ? ["src", "dest", "creates"] : ["dest", "creates"]),
  get_url: () => ["dest"],
  tempfile: () => ["path"],
  openssh_keypair: () => ["path"],
  wait_for: () => ["path"],
  user: () => ["home"],
};

/** The names of a call's arguments of type path (Ansible's argument_spec). */
export function pathArgNames(module: string, args: Args): string[] {
  return PATH_ARGS[module]?.(args) ?? [];
}

/** Python's expandvars pattern ($name, ${name}) or a leading ~ / ~/. */
const EXPANDABLE = /\$(\w+|\{[^}]*\})|^~(\/|$)/;

/** The path arguments of this call that need the node to expand them (none: no round trip). */
export function pathArgsToExpand(module: string, args: Args): string[] {
  const names = PATH_ARGS[module]?.(args) ?? [];
  return names.filter((n) => {
    const v = args[n];
    return typeof v === "string" && !v.includes("\n") && EXPANDABLE.test(v);
  });
}

/**
 * The script that prints each value expanded, one per line, in order: expandvars (a name the
 * environment lacks stays as written), then a leading ~ becomes $HOME.
 */
export function expansionScript(values: string[]): Sh {
  const program = raw(
    '\'BEGIN { for (i = 1; i < ARGC; i++) { s = ARGV[i]; out = ""; ' +
      "while (match(s, /[$]([A-Za-z0-9_]+|[{][^}]*[}])/)) { n = substr(s, RSTART + 1, RLENGTH - 1); " +
      'if (substr(n, 1, 1) == "{") n = substr(n, 2, length(n) - 2); ' +
      "v = (n in ENVIRON) ? ENVIRON[n] : substr(s, RSTART, RLENGTH); " +
      "out = out substr(s, 1, RSTART - 1) v; s = substr(s, RSTART + RLENGTH) } s = out s; " +
      'if (s == "~" || substr(s, 1, 2) == "~/") s = ENVIRON["HOME"] substr(s, 2); print s } }\'',
  );
  return sh`awk -- ${program} ${values}`;
}

/** The arguments with the expanded values the script printed put in. */
export function withExpanded(args: Args, names: string[], stdout: string): Args {
  const lines = stdout.split("\n");
  const out = { ...args };
  names.forEach((n, i) => (out[n] = lines[i]));
  return out;
}
