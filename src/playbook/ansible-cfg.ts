// Owns what kplay reads of Ansible's configuration file: the roles path. ansible.cfg is found as
// Ansible 2.14 finds it (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg:
// the first that exists); `roles_path` under [defaults] is a colon-separated list whose relative
// entries are read from the file's own directory, with ~ and $VARIABLES expanded. Without one,
// Ansible's default roles path (where ansible-galaxy installs roles) is used.
import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { inputError } from "../errors.js";
import { readTextInput } from "../input-file.js";

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
  const value = file ? readAnsibleCfg(file).get("defaults")?.get("roles_path") : undefined;
  if (value === undefined) return DEFAULT_ROLES_PATH.map(expand);
  return value
    .split(":")
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => resolve(dirname(file!), expand(d)));
}

/**
 * The configuration file Ansible would read, checked as Python's configparser reads it (Ansible
 * stops on a file it cannot parse, whatever the playbook): called before a playbook loads.
 */
export function checkAnsibleCfg(cwd = process.cwd()): void {
  const file = ansibleCfgFile(cwd);
  if (file) readAnsibleCfg(file);
}

type Sections = Map<string, Map<string, string>>;

/**
 * An INI text as configparser reads it: `[section]` headers, `key = value` or `key: value`
 * lines (an inline comment after whitespace dropped, as Ansible's parser is set up), indented
 * continuation lines, `#` and `;` comments. A key before any section, a line that is none of
 * these, or an unclosed header is an error naming the line.
 */
export function readAnsibleCfg(file: string): Sections {
  const sections: Sections = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  // as every file the user gives: regular, bounded, UTF-8 (a FIFO or binary file named as such)
  readTextInput(file)
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      const where = { file, line: i + 1 };
      if (!line || line.startsWith("#") || line.startsWith(";")) return;
      if (/^\s/.test(raw) && current && lastKey !== undefined) {
        current.set(lastKey, `${current.get(lastKey)}\n${line}`); // a continuation line
        return;
      }
      if (line.startsWith("[")) {
        const head = /^\[([^\]]+)\]/.exec(line);
        if (!head) throw inputError(`a section header is never closed: ${JSON.stringify(line)}`, where);
        current = sections.get(head[1]) ?? new Map<string, string>();
        sections.set(head[1], current);
        lastKey = undefined;
        return;
      }
      const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
      if (!current) throw inputError("the file has a setting before its first [section]", where);
      if (!m) throw inputError(`expected key = value, got ${JSON.stringify(line)}`, where);
      lastKey = m[1].toLowerCase();
      current.set(lastKey, m[2].replace(/\s+[#;].*$/, ""));
    });
  return sections;
}

/** ~ and $VAR / ${VAR} as Ansible's path options expand them (an unset variable stays as written). */
function expand(p: string): string {
  const vars = p.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string, b: string) => process.env[a ?? b] ?? m);
  return vars === "~" || vars.startsWith("~/") ? homedir() + vars.slice(1) : vars;
}
