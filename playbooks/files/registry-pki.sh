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
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
if [ ! -s "$d/ca.crt" ]; then
  if [ -e "$d/ca.key" ]; then
    echo "$d/ca.key exists without ca.crt: refusing to replace the cluster CA; restore ca.crt or remove both" >&2
    exit 1
  fi
  [ $renew = no ] || { echo "no cluster CA in $d: nothing to renew under" >&2; exit 1; }
  key "$d/ca.key"
  openssl req -x509 -new -key "$d/ca.key" -out "$d/ca.crt" -days 3650 -subj "/CN=kplay cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
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
  key "$d/registry.key.new"
  printf 'subjectAltName=DNS:%s,IP:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$dom" "$ip" \
    > "$d/registry.ext"
  printf 'keyUsage=critical,digitalSignature\n' >> "$d/registry.ext"
  openssl req -new -key "$d/registry.key.new" -subj "/CN=$dom" 2>/dev/null \
    | openssl x509 -req -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -extfile "$d/registry.ext" \
      -out "$d/registry.crt.new" 2>/dev/null
  # the key and certificate are replaced together, each by a rename
  mv -f -- "$d/registry.key.new" "$d/registry.key"
  mv -f -- "$d/registry.crt.new" "$d/registry.crt"
  changed="$changed registry"
fi
chmod 600 "$d"/*.key
echo "pki:$changed"
