// Owns the other names Ansible's modules take for their arguments (each module's
// argument_spec `aliases`, as data): `lineinfile: dest=…` is `path`, `slurp: path=…` is `src`.
// An alias is renamed to its argument before the schema checks the arguments, at load time and
// at run time; when both are given, the argument's own name wins, as in Ansible.

const PATH_ALIASES = { dest: "path", destfile: "path", name: "path" };

const ALIASES: Record<string, Record<string, string>> = {
  lineinfile: { ...PATH_ALIASES, regex: "regexp" },
  blockinfile: { ...PATH_ALIASES, content: "block" },
  replace: PATH_ALIASES,
  ini_file: { dest: "path" },
  file: { dest: "path", name: "path" },
  stat: { dest: "path", name: "path" },
  slurp: { path: "src" },
  user: { user: "name", createhome: "create_home" },
  service: { service: "name", unit: "name", "daemon-reload": "daemon_reload", "daemon-reexec": "daemon_reexec" },
  sysctl: { key: "name", val: "value", reload_sysctl: "reload" },
  package: { package: "name", "update-cache": "update_cache", "install-recommends": "install_recommends" },
  get_url: { username: "url_username", password: "url_password" },
  uri: { user: "url_username", password: "url_password" },
  timezone: { rtc: "hwclock" },
  mount: { name: "path" },
  find: { name: "paths", path: "paths", pattern: "patterns", exclude: "excludes" },
};
ALIASES.systemd = ALIASES.systemd_service = ALIASES.service;
ALIASES.apt = ALIASES.dnf = ALIASES.yum = ALIASES.package;

/** The arguments with every alias of `module` renamed to the argument it stands for. */
export function withCanonicalNames(module: string, args: Record<string, unknown>): Record<string, unknown> {
  const aliases = ALIASES[module];
  if (!aliases || !Object.keys(args).some((k) => k in aliases && aliases[k] !== k)) return args;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const to = aliases[k];
    if (to === undefined || to === k) out[k] = v;
    else if (!(to in args)) out[to] = v;
  }
  return out;
}

/** The other names of `module`'s arguments (alias → argument), for the generated reference. */
export function aliasesOf(module: string): Readonly<Record<string, string>> {
  return ALIASES[module] ?? {};
}
