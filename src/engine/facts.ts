// Owns fact gathering: one round trip per host (facts-script.ts) read into Ansible's setup facts
// that installs and playbooks use: distribution, family, package and service manager, kernel,
// architecture (also in image naming: kplay_arch), network (default routes, every interface and
// address), memory, CPUs, mounts, DNS, date and time, the login user and its environment, Python
// when the node has one, virtualisation. Cached for the run by the play iterator.
import { osFacts } from "../os/family.js";
import type { Sh } from "../transport/sh.js";
import { FACTS_SCRIPT } from "./facts-script.js";
import { dateTimeFacts, mountFacts, networkFacts, pythonFacts, type Lines } from "./facts-parse.js";

const ARCH: Record<string, string> = {
  x86_64: "amd64",
  aarch64: "arm64",
  armv7l: "arm",
  ppc64le: "ppc64le",
  s390x: "s390x",
};
const FAMILY: Record<string, string> = {
  debian: "Debian",
  ubuntu: "Debian",
  rhel: "RedHat",
  centos: "RedHat",
  rocky: "RedHat",
  almalinux: "RedHat",
  fedora: "RedHat",
  openEuler: "RedHat",
  kylin: "RedHat",
  anolis: "RedHat",
};

/** The script's output as key → every value printed for it, in order. */
function readLines(stdout: string): Lines {
  const out: Lines = new Map();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i <= 0) continue;
    const key = line.slice(0, i);
    out.set(key, [...(out.get(key) ?? []), line.slice(i + 1)]);
  }
  return out;
}

/** Facts of the host `node` runs scripts on (a connection, or a module's context for `setup`). */
export async function gatherFacts(node: {
  exec(script: Sh): Promise<{ stdout: string }>;
}): Promise<Record<string, unknown>> {
  const l = readLines((await node.exec(FACTS_SCRIPT)).stdout);
  const facts = {
    ...systemFacts(l),
    ...hardwareFacts(l),
    ...userFacts(l),
    ...networkFacts(l),
    ...dateTimeFacts(l),
    ...pythonFacts(l),
    ansible_mounts: mountFacts(l),
  };
  return {
    ...facts,
    ansible_facts: Object.fromEntries(Object.entries(facts).map(([k, v]) => [k.replace(/^ansible_/, ""), v])),
  };
}

const one = (l: Lines, key: string): string => l.get(key)?.[0] ?? "";

function systemFacts(l: Lines): Record<string, unknown> {
  const id = one(l, "distribution");
  const like = one(l, "distribution_like").split(/\s+/);
  const family =
    FAMILY[id] ?? like.map((x) => FAMILY[x]).find(Boolean) ?? (id ? id[0].toUpperCase() + id.slice(1) : "unknown");
  const pkg = { "apt-get": "apt", dnf: "dnf", yum: "yum", zypper: "zypper", apk: "apk" }[one(l, "pkg")] ?? "unknown";
  const hostname = one(l, "hostname");
  const fqdn = one(l, "fqdn");
  const selinux = one(l, "selinux");
  const init = one(l, "init");
  return {
    ansible_hostname: hostname.split(".")[0],
    ansible_nodename: hostname,
    ansible_fqdn: fqdn,
    ansible_domain: fqdn.includes(".") ? fqdn.slice(fqdn.indexOf(".") + 1) : "",
    ansible_distribution: id ? id[0].toUpperCase() + id.slice(1) : "unknown",
    ansible_distribution_version: one(l, "distribution_version"),
    ansible_distribution_major_version: one(l, "distribution_version").split(".")[0],
    ansible_distribution_release: one(l, "distribution_release"),
    ansible_os_family: family,
    ansible_system: one(l, "system"),
    ansible_pkg_mgr: pkg,
    ansible_service_mgr: init === "systemd" ? "systemd" : init || "unknown",
    ansible_kernel: one(l, "kernel"),
    ansible_kernel_version: one(l, "kernel_version"),
    ansible_machine: one(l, "machine"),
    ansible_architecture: one(l, "machine"),
    ansible_userspace_bits: one(l, "bits"),
    kplay_arch: ARCH[one(l, "machine")] ?? one(l, "machine"),
    kplay_os: osFacts(family),
    ansible_machine_id: one(l, "machine_id"),
    ansible_uptime_seconds: Math.floor(Number(one(l, "uptime") || 0)),
    ansible_cmdline: kernelCmdline(one(l, "cmdline")),
    ansible_proc_cmdline: kernelCmdline(one(l, "cmdline")),
    ansible_selinux: {
      status: selinux === "none" ? "disabled" : "enabled",
      mode: selinux === "1" ? "enforcing" : selinux === "0" ? "permissive" : "disabled",
    },
    ansible_apparmor: { status: one(l, "apparmor") === "Y" ? "enabled" : "disabled" },
    ansible_fips: one(l, "fips") === "1",
    ansible_virtualization_type: one(l, "virt") || "NA",
    ansible_virtualization_role: one(l, "virt") ? "guest" : "NA",
    ansible_is_container: one(l, "virt_container") === "yes",
    ansible_dns: { nameservers: l.get("ns") ?? [], ...(l.has("search") ? { search: l.get("search") } : {}) },
  };
}

function hardwareFacts(l: Lines): Record<string, unknown> {
  const mb = (key: string) => Math.round(Number(one(l, key) || 0) / 1024);
  const cpus = Number(one(l, "cpus") || 0);
  const sockets = Math.max(1, (l.get("socket") ?? []).length);
  const cores = Number(one(l, "cores") || 0) || Math.max(1, Math.floor(cpus / sockets));
  return {
    ansible_memtotal_mb: mb("mem_kb"),
    ansible_memfree_mb: mb("memfree_kb"),
    ansible_swaptotal_mb: mb("swap_kb"),
    ansible_swapfree_mb: mb("swapfree_kb"),
    ansible_memory_mb: {
      real: { total: mb("mem_kb"), free: mb("memfree_kb") },
      swap: { total: mb("swap_kb"), free: mb("swapfree_kb") },
    },
    kplay_swap_on: Number(one(l, "swap_kb") || 0) > 0,
    ansible_processor_vcpus: cpus,
    ansible_processor_count: sockets,
    ansible_processor_cores: cores,
    ansible_processor_threads_per_core: Math.max(1, Math.round(cpus / (sockets * cores))),
    ansible_processor_nproc: cpus,
    ansible_processor: one(l, "cpu_model") ? [one(l, "cpu_model")] : [],
    ansible_system_vendor: one(l, "vendor") || "NA",
    ansible_product_name: one(l, "product") || "NA",
  };
}

function userFacts(l: Lines): Record<string, unknown> {
  // getent's line: name:x:uid:gid:gecos:home:shell
  const pw = one(l, "passwd").split(":");
  const env: Record<string, string> = {};
  for (const e of l.get("env") ?? []) {
    const i = e.indexOf("=");
    // the script swapped newlines inside values for \x1d to keep one variable per line
    if (i > 0) env[e.slice(0, i)] = e.slice(i + 1).replaceAll("\x1d", "\n");
  }
  return {
    ansible_user_id: one(l, "user"),
    ansible_user_uid: Number(one(l, "uid")),
    ansible_user_gid: Number(one(l, "gid")),
    ansible_user_gecos: pw[4] ?? "",
    ansible_user_dir: pw[5] ?? env.HOME ?? "",
    ansible_user_shell: pw[6] ?? "",
    ansible_env: env,
  };
}

/** /proc/cmdline as Ansible reads it: `key=value` → key: value, a bare word → key: true. */
function kernelCmdline(s: string): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const word of s.split(/\s+/).filter(Boolean)) {
    const i = word.indexOf("=");
    if (i < 0) out[word] = true;
    else out[word.slice(0, i)] = word.slice(i + 1);
  }
  return out;
}
