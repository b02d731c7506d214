#!/bin/sh
# The bootstrap registry's push credentials, made once on the controller (kept in STATE/pki/):
#   registry-auth.json   docker config.json ("auths") for the registry's names: DOMAIN[:PORT], IP[:PORT];
#                        what `kplay images push` uses (0600)
#   registry.htpasswd    the same user with its password hashed (SHA-512 crypt), for nginx (0600)
# The password is random, never printed and never on a command line (printf is a shell builtin;
# openssl reads it on stdin).
# Usage: registry-auth.sh DIR DOMAIN IP PORT. Prints "auth:" and "made" when it made them.
set -eu
d=$1 dom=$2 ip=$3 port=$4
umask 077
mkdir -p "$d"
json="$d/registry-auth.json" htp="$d/registry.htpasswd"
if [ -s "$json" ] && [ -s "$htp" ]; then echo "auth:"; exit 0; fi
if [ -e "$json" ] || [ -e "$htp" ]; then
  echo "only one of $json and $htp exists: restore the other (kplay restore-state) or remove both" >&2
  exit 1
fi
user=kplay
pw=$(openssl rand -hex 24)
hash=$(printf '%s' "$pw" | openssl passwd -6 -stdin)
auth=$(printf '%s:%s' "$user" "$pw" | base64 -w0)
case "$port" in 443) hosts="$dom $ip" ;; *) hosts="$dom:$port $ip:$port" ;; esac
entries=""
for h in $hosts; do entries="$entries${entries:+,}\"$h\":{\"auth\":\"$auth\"}"; done
printf '%s:%s\n' "$user" "$hash" > "$htp.new"
printf '{"auths":{%s}}\n' "$entries" > "$json.new"
chmod 600 "$htp.new" "$json.new"
mv -f -- "$htp.new" "$htp"
mv -f -- "$json.new" "$json"
echo "auth: made"
