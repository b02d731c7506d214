// Owns fact gathering: one round trip per host collecting what installs need (hostname, FQDN,
// distribution and family, package manager, init system, architecture in image naming, kernel,
// default IPv4 address and interface, memory, CPUs, swap, SELinux), cached for the run.
import { osFacts } from "../os/family.js";
import { raw, type Sh } from "../transport/sh.js";

const SCRIPT = raw(String.raw`. /etc/os-release 2>/dev/null
echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname)"
echo "fqdn=$(hostname -f 2>/dev/null || hostname)"
echo "distribution=$ID"
echo "distribution_version=$VERSION_ID"
echo "distribution_like=$ID_LIKE"
echo "distribution_release=$VERSION_CODENAME"
echo "machine=$(uname -m)"
echo "kernel=$(uname -r)"
for m in apt-get dnf yum zypper apk; do command -v $m >/dev/null 2>&1 && { echo "pkg=$m"; break; }; done
echo "init=$(cat /proc/1/comm 2>/dev/null)"
r=$(ip -4 route show default 2>/dev/null | head -n1)
dev=$(echo "$r" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
[ -n "$dev" ] || dev=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $2; exit}')
echo "ipv4_dev=$dev"
echo "ipv4_addr=$(ip -4 -o addr show dev "$dev" scope global 2>/dev/null | awk '{split($4,a,"/"); print a[1]; exit}')"
echo "ipv4_gw=$(echo "$r" | sed -n 's/.* via \([^ ]*\).*/\1/p')"
echo "mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
echo "cpus=$(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)"
echo "swap_kb=$(awk 'NR>1 {s+=$3} END {print s+0}' /proc/swaps)"
echo "selinux=$(cat /sys/fs/selinux/enforce 2>/dev/null || echo none)"
echo "user=$(id -un)"`);

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

/** Facts of the host `node` runs scripts on (a connection, or a module's context for `setup`). */
export async function gatherFacts(node: {
  exec(script: Sh): Promise<{ stdout: string }>;
}): Promise<Record<string, unknown>> {
  const r = await node.exec(SCRIPT);
  const kv: Record<string, string> = {};
  for (const line of r.stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1);
  }
  const id = kv.distribution ?? "";
  const like = (kv.distribution_like ?? "").split(/\s+/);
  const family =
    FAMILY[id] ?? like.map((l) => FAMILY[l]).find(Boolean) ?? (id ? id[0].toUpperCase() + id.slice(1) : "unknown");
  const pkg = { "apt-get": "apt", dnf: "dnf", yum: "yum", zypper: "zypper", apk: "apk" }[kv.pkg ?? ""] ?? "unknown";
  const facts = {
    ansible_hostname: (kv.hostname ?? "").split(".")[0],
    ansible_nodename: kv.hostname,
    ansible_fqdn: kv.fqdn,
    ansible_distribution: id ? id[0].toUpperCase() + id.slice(1) : "unknown",
    ansible_distribution_version: kv.distribution_version,
    ansible_distribution_major_version: (kv.distribution_version ?? "").split(".")[0],
    ansible_distribution_release: kv.distribution_release,
    ansible_os_family: family,
    ansible_pkg_mgr: pkg,
    ansible_service_mgr: kv.init === "systemd" ? "systemd" : kv.init || "unknown",
    ansible_machine: kv.machine,
    ansible_architecture: kv.machine,
    kplay_arch: ARCH[kv.machine ?? ""] ?? kv.machine,
    kplay_os: osFacts(family),
    ansible_kernel: kv.kernel,
    ansible_default_ipv4: { address: kv.ipv4_addr, interface: kv.ipv4_dev, gateway: kv.ipv4_gw },
    ansible_memtotal_mb: Math.round(Number(kv.mem_kb ?? 0) / 1024),
    ansible_processor_vcpus: Number(kv.cpus ?? 0),
    ansible_swaptotal_mb: Math.round(Number(kv.swap_kb ?? 0) / 1024),
    kplay_swap_on: Number(kv.swap_kb ?? 0) > 0,
    ansible_selinux: {
      status: kv.selinux === "none" ? "disabled" : "enabled",
      mode: kv.selinux === "1" ? "enforcing" : kv.selinux === "0" ? "permissive" : "disabled",
    },
    ansible_user_id: kv.user,
  };
  return {
    ...facts,
    ansible_facts: Object.fromEntries(Object.entries(facts).map(([k, v]) => [k.replace(/^ansible_/, ""), v])),
  };
}
