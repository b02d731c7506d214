// Owns turning a host's merged variables into a ConnectionSpec: Ansible's connection variables,
// ProxyJump / -J / ProxyCommand "ssh -W %h:%p" in ansible_ssh_common_args, and kubespray's
// `bastion` host. Pure: no I/O besides expanding ~ in key paths.
import { homedir, userInfo } from "node:os";
import { inputError } from "../errors.js";
import { shlexSplit } from "../shlex.js";
import type { ConnectionSpec, SshEndpoint } from "./types.js";

type Vars = Record<string, unknown>;

const str = (v: unknown): string | undefined => (v === undefined || v === null || v === "" ? undefined : String(v));
const expandHome = (p: string | undefined) => (p && p.startsWith("~/") ? homedir() + p.slice(1) : p);

/**
 * Every variable connectionSpec reads to reach a host (not the become user and method, which each
 * command is given on its own): a task whose variables give one of them another value than the
 * host's reaches the host the task's way.
 */
export const CONNECTION_VARS = [
  "ansible_connection",
  "ansible_host",
  "ansible_ssh_host",
  "ansible_port",
  "ansible_ssh_port",
  "ansible_user",
  "ansible_ssh_user",
  "ansible_remote_user",
  "ansible_ssh_pass",
  "ansible_password",
  "ansible_ssh_password",
  "ansible_ssh_private_key_file",
  "ansible_private_key_file",
  "kplay_ssh_key_passphrase",
  "ansible_ssh_common_args",
  "ansible_ssh_extra_args",
  "ansible_become_password",
  "ansible_become_pass",
  "ansible_sudo_pass",
] as const;

export function endpointFromVars(name: string, vars: Vars): SshEndpoint {
  return {
    host: str(vars.ansible_host) ?? str(vars.ansible_ssh_host) ?? name,
    port: Number(vars.ansible_port ?? vars.ansible_ssh_port ?? 22),
    user: str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? str(vars.ansible_remote_user) ?? localUser(),
    password: str(vars.ansible_ssh_pass) ?? str(vars.ansible_password) ?? str(vars.ansible_ssh_password),
    privateKeyFile: expandHome(str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file)),
    passphrase: str(vars.kplay_ssh_key_passphrase) ?? process.env.KPLAY_SSH_KEY_PASSPHRASE,
  };
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "root";
  }
}

/**
 * Build the connection spec for `name`. `bastion` is the merged vars of a host named
 * "bastion" in the inventory (kubespray convention), used for every other host.
 */
export function connectionSpec(name: string, vars: Vars, bastion?: Vars): ConnectionSpec {
  const endpoint = endpointFromVars(name, vars);
  const kind = vars.ansible_connection === "local" ? "local" : "ssh";
  const jumps: SshEndpoint[] = [];
  const common = [str(vars.ansible_ssh_common_args), str(vars.ansible_ssh_extra_args)].filter(Boolean).join(" ");
  const fromArgs = parseJumpArgs(common, endpoint.user, name);
  // Jump hosts named in ssh args authenticate with the host's own key (like an ssh config Host *).
  if (fromArgs.length)
    jumps.push(
      ...fromArgs.map((j) => ({ ...j, privateKeyFile: endpoint.privateKeyFile, passphrase: endpoint.passphrase })),
    );
  else if (bastion && name !== "bastion" && kind === "ssh") jumps.push(endpointFromVars("bastion", bastion));
  return {
    name,
    kind,
    endpoint,
    jumps,
    becomePassword: str(vars.ansible_become_password) ?? str(vars.ansible_become_pass) ?? str(vars.ansible_sudo_pass),
    becomeUser: str(vars.ansible_become_user) ?? "root",
    ...(vars.ansible_become_method === "su" ? { becomeMethod: "su" as const } : {}),
    agent: process.env.SSH_AUTH_SOCK || undefined,
  };
}

/** Jump hosts from ssh arguments: -J a,b / -o ProxyJump=a / -o ProxyCommand="ssh -W %h:%p ... host". */
export function parseJumpArgs(args: string, defaultUser: string, host: string): SshEndpoint[] {
  if (!args.trim()) return [];
  const words = splitWords(args);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    let jump: string | undefined;
    let proxyCmd: string | undefined;
    if (w === "-J") jump = words[i + 1];
    else if (w.startsWith("-J")) jump = w.slice(2);
    else if (w === "-o" || w.startsWith("-o")) {
      const opt = w === "-o" ? (words[i + 1] ?? "") : w.slice(2);
      const m = /^(\w+)\s*[= ]\s*(.*)$/s.exec(opt);
      if (m && m[1].toLowerCase() === "proxyjump") jump = m[2];
      if (m && m[1].toLowerCase() === "proxycommand") proxyCmd = m[2];
    }
    if (jump) return jump.split(",").map((j) => parseJumpSpec(j.trim(), defaultUser));
    if (proxyCmd) return [parseProxyCommand(proxyCmd, defaultUser, host)];
  }
  return [];
}

function parseJumpSpec(spec: string, defaultUser: string): SshEndpoint {
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec);
  if (!m)
    throw inputError(
      `cannot parse jump host "${spec}"`,
      { field: "ansible_ssh_common_args" },
      "use [user@]host[:port]",
    );
  return { host: m[2].replace(/^\[|\]$/g, ""), port: m[3] ? Number(m[3]) : 22, user: m[1] ?? defaultUser };
}

function parseProxyCommand(cmd: string, defaultUser: string, host: string): SshEndpoint {
  const w = splitWords(cmd);
  if (w[0] !== "ssh" || !w.includes("-W")) {
    throw inputError(
      `unsupported ProxyCommand for ${host}: only "ssh -W %h:%p [options] [user@]bastion" is understood`,
      { field: "ansible_ssh_common_args" },
    );
  }
  let port = 22;
  let user = defaultUser;
  let target: string | undefined;
  const withArg = new Set(["-W", "-p", "-o", "-i", "-l", "-F", "-J", "-b", "-c", "-m", "-E"]);
  for (let i = 1; i < w.length; i++) {
    if (w[i] === "-p") port = Number(w[i + 1]);
    if (w[i] === "-l") user = w[i + 1];
    if (withArg.has(w[i])) {
      i++;
      continue;
    }
    if (w[i].startsWith("-")) continue;
    target = w[i];
  }
  if (!target) throw inputError(`ProxyCommand for ${host} names no bastion host`, { field: "ansible_ssh_common_args" });
  const at = target.indexOf("@");
  if (at >= 0) {
    user = target.slice(0, at);
    target = target.slice(at + 1);
  }
  return { host: target, port, user };
}

function splitWords(s: string): string[] {
  try {
    return shlexSplit(s);
  } catch {
    throw inputError(`cannot parse ssh arguments: ${s}`, { field: "ansible_ssh_common_args" });
  }
}
