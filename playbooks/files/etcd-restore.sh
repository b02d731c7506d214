#!/bin/sh
# etcd restore (kplay etcd restore), one action per call, run as root:
#
#   etcd-restore.sh check FILE SHA256
#       the snapshot copied to this host is the one recorded (sha256) and etcd reads it
#   etcd-restore.sh restore FILE NAME PEER_URL INITIAL_CLUSTER TOKEN DATA_DIR
#       etcd stopped, the member's data directory moved aside (kept: DATA_DIR.before-restore-TIME)
#       and made again from the snapshot with the member's own name and peer URL, the original
#       membership and a new cluster token; owned by etcd, 0700. Prints the directory kept aside.
set -eu

ctl() { ETCDCTL_API=3 etcdctl "$@"; }

check() {
  sum=$(sha256sum < "$1")
  [ "${sum%% *}" = "$2" ] || { echo "snapshot on this host has sha256 ${sum%% *}, expected $2" >&2; exit 1; }
  ctl snapshot status "$1" -w simple
}

restore() {
  file=$1 name=$2 peer=$3 initial=$4 token=$5 data=$6
  systemctl stop etcd
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  rm -rf -- "$data.restoring"
  if command -v etcdutl >/dev/null 2>&1; then tool=etcdutl; else tool=ctl; fi
  $tool snapshot restore "$file" --name "$name" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$initial" --initial-cluster-token "$token" --data-dir "$data.restoring" >/dev/null
  chown -R etcd:etcd -- "$data.restoring"
  chmod 700 -- "$data.restoring"
  kept=none
  if [ -e "$data" ]; then kept="$data.before-restore-$stamp"; mv -- "$data" "$kept"; fi
  mv -- "$data.restoring" "$data"
  echo "kept $kept"
}

action=$1
shift
case "$action" in
  check) check "$@" ;;
  restore) restore "$@" ;;
  *) echo "unknown action: $action" >&2; exit 2 ;;
esac
