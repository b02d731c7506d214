#!/bin/sh
# The cluster CA and the registry's certificate, made on the controller (kept in STATE/pki/):
#   ca.crt/key              the cluster CA (10 years); never replaced once made
#   registry.crt/key        the registry's server certificate, SANs DNS:DOMAIN and IP:IP; remade
#                           when its SANs no longer match or it does not verify under the CA
# Usage: registry-pki.sh [--renew] DIR DOMAIN IP. --renew remakes the registry certificate (new
# key, new validity) under the same CA, keeping the one it replaces in DIR/replaced/TIME/.
# Prints "pki:" and what it made.
set -eu
renew=no
if [ "${1:-}" = --renew ]; then renew=yes; shift; fi
d=$1 dom=$2 ip=$3
umask 077
mkdir -p "$d"
changed=""
. "$(dirname -- "$0")/pki-lib.sh"
if [ ! -s "$d/ca.crt" ]; then
  if [ -e "$d/ca.key" ]; then
    echo "$d/ca.key exists without ca.crt: refusing to replace the cluster CA; restore ca.crt or remove both" >&2
    exit 1
  fi
  [ $renew = no ] || { echo "no cluster CA in $d: nothing to renew under" >&2; exit 1; }
  make_ca "kplay cluster CA"
  changed="$changed ca"
fi
want="DNS:$dom, IP Address:$ip"
have=$(openssl x509 -in "$d/registry.crt" -noout -ext subjectAltName 2>/dev/null | tail -n 1 | sed 's/^ *//' || true)
if [ $renew = yes ] && [ -e "$d/registry.crt" ]; then
  kept="$d/replaced/$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$kept"
  cp -p -- "$d/registry.crt" "$d/registry.key" "$kept/"
  have=renew
fi
if [ "$have" != "$want" ] || ! openssl verify -CAfile "$d/ca.crt" "$d/registry.crt" >/dev/null 2>&1; then
  leaf registry "$dom" "DNS:$dom,IP:$ip" serverAuth
  changed="$changed registry"
fi
chmod 600 "$d"/*.key
echo "pki:$changed"
