#!/bin/sh
# The bootstrap registry's push credentials, made once on the controller (kept in STATE/pki/):
#   registry-auth.json   docker config.json ("auths") for the registry's names: DOMAIN[:PORT], IP[:PORT];
#                        what `kplay images push` uses (0600)
#   registry.htpasswd    the same user with its password hashed (SHA-512 crypt), for nginx (0600)
#   registry-pull-password, registry-pull.htpasswd
#                        the nodes' pull user (kplay-pull) when registry_pull_auth is on: its
#                        password (0600), and an htpasswd with it and the push user
# The password is random, never printed and never on a command line (printf is a shell builtin;
# openssl reads it on stdin).
# Usage: registry-auth.sh DIR DOMAIN IP PORT. Prints "auth:" and "made" when it made them.
set -eu
d=$1 dom=$2 ip=$3 port=$4
umask 077
mkdir -p "$d"
json="$d/registry-auth.json" htp="$d/registry.htpasswd"
made=""
pull_user() {
  pw=$(openssl rand -hex 24)
  printf '%s' "$pw" > "$d/registry-pull-password.new"
  { cat -- "$htp"; printf 'kplay-pull:%s\n' "$(printf '%s' "$pw" | openssl passwd -6 -stdin)"; } > "$d/registry-pull.htpasswd.new"
  chmod 600 "$d/registry-pull-password.new" "$d/registry-pull.htpasswd.new"
  mv -f -- "$d/registry-pull.htpasswd.new" "$d/registry-pull.htpasswd"
  mv -f -- "$d/registry-pull-password.new" "$d/registry-pull-password"
}
if [ -s "$json" ] && [ -s "$htp" ]; then
  if [ ! -s "$d/registry-pull-password" ] || [ ! -s "$d/registry-pull.htpasswd" ]; then pull_user; made=" made"; fi
  echo "auth:$made"
  exit 0
fi
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
pull_user
echo "auth: made"
