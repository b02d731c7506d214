#!/bin/sh
# etcd snapshot, run on an etcd host with its member certificate (kplay etcd backup): checks the
# member answers a quorum read, saves a snapshot through it, verifies the file (etcdctl snapshot
# status) and prints one line: KPLAY-SNAPSHOT <sha256> <revision> <keys> <bytes> <etcd hash>.
#
#   etcd-snapshot.sh FILE
set -eu
pki=/etc/etcd/pki
ctl() {
  ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=$pki/ca.crt --cert=$pki/member.crt \
    --key=$pki/member.key --dial-timeout=3s "$@"
}
file=$1 dir=/var/lib/kplay/etcd-snapshots
case "$file" in "$dir"/*) ;; *) echo "snapshot path outside $dir: $file" >&2; exit 2;; esac
# a failed attempt leaves nothing behind (the directories only when kplay made them empty)
trap 'rc=$?; if [ $rc -ne 0 ]; then rm -f -- "$file.part" "$file"; rmdir "$dir" /var/lib/kplay 2>/dev/null; fi; exit $rc' EXIT
# a member that does not answer is known in seconds, not after the snapshot's long timeout
ctl --command-timeout=10s endpoint health >/dev/null
mkdir -p -m 700 "$dir"
rm -f -- "$file.part"
ctl --command-timeout=300s snapshot save "$file.part" >/dev/null
chmod 600 -- "$file.part"
mv -f -- "$file.part" "$file"
# "hash, revision, total keys, total size" as etcdctl prints them in the simple table
st=$(ETCDCTL_API=3 etcdctl snapshot status "$file" -w simple)
sum=$(sha256sum < "$file")
printf '%s\n' "$st" | awk -F', ' -v s="${sum%% *}" '{print "KPLAY-SNAPSHOT", s, $2, $3, $4, $1}'
