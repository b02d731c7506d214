#!/bin/sh
# etcd's certificates, made on the controller by 02-cluster-etcd (kept in STATE/pki/etcd/):
#   ca.crt/key                     etcd's own CA (10 years); never replaced once made
#   member-NAME.crt/key            per member, server + peer + client use; SANs: NAME, localhost,
#                                  its IP, 127.0.0.1; remade only when its SANs no longer match
#   apiserver-etcd-client.crt/key  what kube-apiserver presents to etcd
# Usage: etcd-pki.sh [--renew] DIR NAME=IP [NAME=IP ...]. --renew remakes every leaf (new key,
# new validity) under the same CA, keeping the ones it replaces in DIR/replaced/TIME/.
# Prints "pki:" and what it made.
set -eu
renew=no
if [ "${1:-}" = --renew ]; then renew=yes; shift; fi
d=$1; shift
umask 077
mkdir -p "$d"
made=""
. "$(dirname -- "$0")/pki-lib.sh"
if [ ! -s "$d/ca.crt" ]; then
  if [ -e "$d/ca.key" ]; then echo "$d/ca.key exists without ca.crt: refusing to replace etcd's CA" >&2; exit 1; fi
  make_ca "kplay etcd CA"
  made="$made ca"
fi
kept="$d/replaced/$(date -u +%Y%m%dT%H%M%SZ)"
# sign NAME SANS USAGE: (re)make NAME.crt unless it is valid under the CA with exactly these SANs
sign() {
  name=$1; sans=$2; usage=$3
  want=$(printf '%s' "$sans" | sed 's/IP:/IP Address:/g; s/,/, /g')
  have=$(openssl x509 -in "$d/$name.crt" -noout -ext subjectAltName 2>/dev/null | tail -n 1 | sed 's/^ *//' || true)
  if [ $renew = yes ] && [ -e "$d/$name.crt" ]; then
    mkdir -p "$kept"
    cp -p -- "$d/$name.crt" "$d/$name.key" "$kept/"
  elif [ "$have" = "$want" ] && openssl verify -CAfile "$d/ca.crt" "$d/$name.crt" >/dev/null 2>&1; then
    return 0
  fi
  leaf "$name" "$name" "$sans" "$usage"
  rm -f "$d/$name.ext"
  made="$made $name"
}
for m in "$@"; do
  n=${m%%=*}; ip=${m#*=}
  case "$n" in *[!A-Za-z0-9._-]*|'') echo "bad member name: $n" >&2; exit 1;; esac
  case "$ip" in *[!0-9a-fA-F.:]*|'') echo "bad member address for $n: $ip" >&2; exit 1;; esac
  sign "member-$n" "DNS:$n,DNS:localhost,IP:$ip,IP:127.0.0.1" "serverAuth,clientAuth"
done
sign apiserver-etcd-client "DNS:kube-apiserver-etcd-client" "clientAuth"
chmod 600 "$d"/*.key
echo "pki:$made"
