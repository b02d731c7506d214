// Owns the one shell script that reads a host's facts (POSIX sh, coreutils, iproute2 when there;
// no Python). It prints `key=value` lines; a key may repeat (one line per interface, address,
// mount...). Everything it prints is data from the node: facts.ts parses it, nothing evaluates it.
import { raw } from "../transport/sh.js";

export const FACTS_SCRIPT = raw(String.raw`. /etc/os-release 2>/dev/null
echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname)"
echo "fqdn=$(hostname -f 2>/dev/null || hostname)"
echo "distribution=$ID"
echo "distribution_version=$VERSION_ID"
echo "distribution_like=$ID_LIKE"
echo "distribution_release=$VERSION_CODENAME"
echo "system=$(uname -s)"
echo "machine=$(uname -m)"
echo "kernel=$(uname -r)"
echo "kernel_version=$(uname -v)"
echo "bits=$(getconf LONG_BIT 2>/dev/null)"
for m in apt-get dnf yum zypper apk; do command -v $m >/dev/null 2>&1 && { echo "pkg=$m"; break; }; done
echo "init=$(cat /proc/1/comm 2>/dev/null)"
# as Ansible's facts: the route to a public address (none on a node without a route out: no default)
for v in "4 8.8.8.8" "6 2404:6800:400a:800::1012"; do
  set -- $v
  r=$(ip -$1 route get $2 2>/dev/null | head -n1)
  case $r in "$2 "*) ;; *) r=;; esac
  echo "ipv$1_dev=$(echo "$r" | sed -n 's/.* dev \([^ ]*\).*/\1/p')"
  echo "ipv$1_gw=$(echo "$r" | sed -n 's/.* via \([^ ]*\).*/\1/p')"
  echo "ipv$1_src=$(echo "$r" | sed -n 's/.* src \([^ ]*\).*/\1/p')"
done
for i in /sys/class/net/*; do
  [ -e "$i" ] || continue
  at() { cat "$i/$1" 2>/dev/null; }
  echo "if=$(basename "$i") $(at address) $(at mtu) $(at operstate) $(at type)"
done
ip -o addr show 2>/dev/null | awk '{s=""; b=""
  for (i=5;i<=NF;i++) { if ($i=="scope") s=$(i+1); if ($i=="brd") b=$(i+1) }
  print "addr=" $2 " " $3 " " $4 " " s " " b}'
awk '/^MemTotal:/ {print "mem_kb=" $2} /^MemFree:/ {print "memfree_kb=" $2}
  /^SwapFree:/ {print "swapfree_kb=" $2}' /proc/meminfo
echo "cpus=$(nproc 2>/dev/null || grep -c ^processor /proc/cpuinfo)"
awk -F': *' '/^cpu cores/ && !c {print "cores=" $2; c=1} /^model name/ && !m {print "cpu_model=" $2; m=1}
  /^physical id/ {print "socket=" $2}' /proc/cpuinfo 2>/dev/null | sort -u
echo "swap_kb=$(awk 'NR>1 {s+=$3} END {print s+0}' /proc/swaps)"
echo "selinux=$(cat /sys/fs/selinux/enforce 2>/dev/null || echo none)"
echo "apparmor=$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)"
echo "fips=$(cat /proc/sys/crypto/fips_enabled 2>/dev/null)"
echo "user=$(id -un)"
echo "uid=$(id -u)"
echo "gid=$(id -g)"
echo "passwd=$(getent passwd "$(id -un)" 2>/dev/null)"
echo "machine_id=$(cat /etc/machine-id 2>/dev/null)"
echo "uptime=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)"
echo "cmdline=$(cat /proc/cmdline 2>/dev/null)"
echo "vendor=$(cat /sys/class/dmi/id/sys_vendor 2>/dev/null)"
echo "product=$(cat /sys/class/dmi/id/product_name 2>/dev/null)"
v=$(systemd-detect-virt 2>/dev/null); [ "$v" = none ] && v=""
[ -z "$v" ] && [ -e /.dockerenv ] && v=docker
[ -z "$v" ] && [ -e /run/.containerenv ] && v=podman
echo "virt=$v"
c=""
if systemd-detect-virt --container >/dev/null 2>&1 || [ -e /.dockerenv ] || [ -e /run/.containerenv ]; then c=yes; fi
echo "virt_container=$c"
for x in /usr/bin/python3 /usr/libexec/platform-python /usr/bin/python "$(command -v python3)"; do
  [ -n "$x" ] && [ -x "$x" ] && { echo "py_exec=$x"; echo "py_version=$($x --version 2>&1)"; break; }
done
echo "date=$(date '+%Y %m %d %H %M %S %s %Z %z %A %w %W %j')"
echo "utc=$(date -u '+%Y-%m-%dT%H:%M:%S')"
awk '/^nameserver/ {print "ns=" $2} /^search/ {for (i=2;i<=NF;i++) print "search=" $i}' /etc/resolv.conf 2>/dev/null
awk '{print "mount=" $1 " " $2 " " $3 " " $4}' /proc/mounts 2>/dev/null
df -P -k 2>/dev/null | awk 'NR>1 {print "df=" $6 " " $2 " " $4}'
tr '\n\000' '\035\n' < /proc/$$/environ 2>/dev/null | sed 's/^/env=/'`);
