#!/bin/sh
# etcd membership changes, run on an etcd host with its member certificate (02-cluster-etcd and
# kplay remove-node). Quorum-aware: a change that would leave the cluster without a healthy
# majority is refused (exit 3) unless KPLAY_FORCE=1.
#
#   etcd-member.sh join NAME PEER_URL ENDPOINTS
#       Run on a host about to start etcd for the first time. When a member at ENDPOINTS (the
#       other etcd hosts' client URLs, comma-separated) answers, the cluster exists: NAME is
#       added with `member add` (unless its PEER_URL is listed already: a join cut short is
#       continued, never added twice). Output: "existing", INITIAL_CLUSTER (the membership
#       exactly as etcd lists it) and "added" or "listed", one per line. None answers: "new".
#   etcd-member.sh promote NAME PEER_URL ENDPOINTS
#       Promote the member at PEER_URL from learner to voter (etcd accepts it once the learner
#       has caught up with the leader; the caller retries). Prints "promoted" or "voter".
#   etcd-member.sh remove NAME PEER_URL ENDPOINTS
#       Remove NAME (matched by name or peer URL) through the members at ENDPOINTS. Prints
#       "removed ID" or "absent".
set -eu
pki=/etc/etcd/pki
ctl() { ETCDCTL_API=3 etcdctl --cacert=$pki/ca.crt --cert=$pki/member.crt --key=$pki/member.key --dial-timeout=3s --command-timeout=15s "$@"; }
op=$1 name=$2 peer=$3 eps=${4%,}
case "$name" in *[!A-Za-z0-9._-]*|'') echo "bad member name: $name" >&2; exit 2;; esac

# member list -w simple: "ID, STATUS, NAME, PEER ADDRS, CLIENT ADDRS, IS LEARNER"
list() { ctl --endpoints="$eps" member list -w simple 2>/dev/null; }
# healthy [EXCEPT_PEER_URL]: members whose client URL answers a quorum read
healthy() {
  n=0
  for c in $(printf '%s\n' "$members" | awk -F', ' -v x="${1:-}" '$4 != x && $5 != "" {print $5}'); do
    ctl --endpoints="$c" endpoint health >/dev/null 2>&1 && n=$((n + 1))
  done
  echo "$n"
}
force() { [ "${KPLAY_FORCE:-0}" = 1 ]; }

# first_list: the membership, or nothing (status 1) when no member answers. etcdctl 3.4 does not
# block on dial, so asking endpoints where nothing listens waits out the whole command timeout
# (15 s on every host of a first deploy). Asked with a short timeout first: when every endpoint
# refused or could not be reached, no member answers; anything else (a member slow to answer)
# gets the full timeout, as before.
first_list() {
  e=$(mktemp)
  if ctl --endpoints="$eps" --command-timeout=3s member list -w simple 2>"$e"; then rm -f "$e"; return 0; fi
  if grep -q 'all SubConns are in TransientFailure' "$e"; then rm -f "$e"; return 1; fi
  rm -f "$e"
  list
}

case "$op" in
join)
  if [ -z "$eps" ] || ! members=$(first_list); then echo new; exit 0; fi
  how=listed
  if ! printf '%s\n' "$members" | awk -F', ' -v u="$peer" '$4 == u {f = 1} END {exit !f}'; then
    n=$(printf '%s\n' "$members" | grep -c .)
    h=$(healthy)
    need=$(( (n + 1) / 2 + 1 ))
    if [ "$h" -lt "$need" ] && ! force; then
      echo "refusing to add $name: $h of $n etcd members are healthy and a cluster of $((n + 1)) needs $need for quorum (--force to add anyway)" >&2
      exit 3
    fi
    # As a learner: it does not count for quorum until promoted (etcd's way to add a member
    # without a window where the cluster waits for it).
    ctl --endpoints="$eps" member add "$name" --peer-urls="$peer" --learner >/dev/null
    members=$(list)
    how=added
  fi
  # Unstarted members have no name yet: ours is NAME; any other one gets a placeholder (etcd
  # compares the peer URLs of --initial-cluster with its membership, not the names).
  printf '%s\n' "$members" | awk -F', ' -v n="$name" -v u="$peer" '
    { nm = $3; if ($4 == u) nm = n; else if (nm == "") nm = "pending" NR
      printf "%s%s=%s", (NR > 1 ? "," : "existing\n"), nm, $4 }
    END { print "" }'
  echo "$how"
  ;;
promote)
  [ -n "$eps" ] || { echo voter; exit 0; }
  members=$(list) || { echo "no etcd member answers at $eps" >&2; exit 1; }
  line=$(printf '%s\n' "$members" | awk -F', ' -v u="$peer" '$4 == u')
  [ -n "$line" ] || { echo "$name ($peer) is not an etcd member" >&2; exit 1; }
  if [ "$(printf '%s\n' "$line" | awk -F', ' '{print $6}')" != true ]; then echo voter; exit 0; fi
  ctl --endpoints="$eps" member promote "${line%%,*}" >/dev/null || exit 1
  echo promoted
  ;;
remove)
  members=$(list) || { echo "no etcd member answers at $eps" >&2; exit 1; }
  line=$(printf '%s\n' "$members" | awk -F', ' -v n="$name" -v u="$peer" '$3 == n || $4 == u')
  if [ -z "$line" ]; then echo absent; exit 0; fi
  id=${line%%,*}
  n=$(printf '%s\n' "$members" | grep -c .)
  if [ "$n" -le 1 ]; then echo "refusing to remove $name: it is the last etcd member (remove-cluster removes the cluster)" >&2; exit 3; fi
  h=$(healthy "$peer")
  need=$(( (n - 1) / 2 + 1 ))
  if [ "$h" -lt "$need" ] && ! force; then
    echo "refusing to remove $name: $h of the other $((n - 1)) etcd members are healthy and a cluster of $((n - 1)) needs $need for quorum (--force to remove anyway)" >&2
    exit 3
  fi
  # A leader that is removed steps down and the rest wait an election timeout without a leader:
  # hand leadership to a member that stays first, so reads and writes go on.
  status=$(ctl --endpoints="$eps" endpoint status --cluster -w simple 2>/dev/null || true)
  if printf '%s\n' "$status" | awk -F', ' -v i="$id" '$2 == i && $5 == "true" {f = 1} END {exit !f}'; then
    to=$(printf '%s\n' "$status" | awk -F', ' -v i="$id" '$2 != i && $10 == "" {print $2; exit}')
    turl=$(printf '%s\n' "$line" | awk -F', ' '{print $5}')
    if [ -n "$to" ] && [ -n "$turl" ]; then ctl --endpoints="$turl" move-leader "$to" >/dev/null 2>&1 || true; fi
  fi
  if ! ctl --endpoints="$eps" member remove "$id" >/dev/null 2>&1; then
    # Removed by someone else meanwhile is fine; anything else is an error.
    if list | awk -F', ' -v i="$id" '$1 == i {f = 1} END {exit !f}'; then ctl --endpoints="$eps" member remove "$id" >/dev/null; fi
  fi
  echo "removed $id"
  ;;
*) echo "usage: etcd-member.sh join|promote|remove NAME PEER_URL ENDPOINTS" >&2; exit 2 ;;
esac
