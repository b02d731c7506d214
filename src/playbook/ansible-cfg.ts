// Owns what kplay reads of Ansible's configuration file: the roles path. ansible.cfg is found as
// Ansible 2.14 finds it (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg:
// the first that exists); `roles_path` under [defaults] is a colon-separated list whose relative
// entries are read from the file's own directory, with ~ and $VARIABLES expanded. Without one,
// Ansible's default roles path (where ansible-galaxy installs roles) is used.
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const DEFAULT_ROLES_PATH = ["~/.ansible/roles", "/usr/share/ansible/roles", "/etc/ansible/roles"];

/** The configuration file Ansible would read from `cwd`, if any. */
export function ansibleCfgFile(cwd = process.cwd()): string | undefined {
  const env = process.env.ANSIBLE_CONFIG;
  const candidates = [
    ...(env ? [statSync(env, { throwIfNoEntry: false })?.isDirectory() ? join(env, "ansible.cfg") : env] : []),
    join(cwd, "ansible.cfg"),
    join(homedir(), ".ansible.cfg"),
    "/etc/ansible/ansible.cfg",
  ];
  return candidates.find((f) => statSync(f, { throwIfNoEntry: false })?.isFile());
}

/** roles_path of the configuration file (absolute directories), or Ansible's default without one. */
export function configuredRolesPath(cwd = process.cwd()): string[] {
  const file = ansibleCfgFile(cwd);
  const value = file ? defaultsValue(readFileSync(file, "utf8"), "roles_path") : undefined;
  if (value === undefined) return DEFAULT_ROLES_PATH.map(expand);
  return value
    .split(":")
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => resolve(dirname(file!), expand(d)));
}

/** A key's value in the [defaults] section of an INI text ("key = value" or "key: value"). */
function defaultsValue(text: string, key: string): string | undefined {
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) section = head[1].trim();
    else if (section === "defaults") {
      const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
      if (m && m[1] === key) return m[2].replace(/\s+[#;].*$/, "");
    }
  }
  return undefined;
}

/** ~ and $VAR / ${VAR} as Ansible's path options expand them (an unset variable stays as written). */
function expand(p: string): string {
  const vars = p.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string, b: string) => process.env[a ?? b] ?? m);
  return vars === "~" || vars.startsWith("~/") ? homedir() + vars.slice(1) : vars;
}
