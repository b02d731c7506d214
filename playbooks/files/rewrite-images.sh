#!/bin/sh
# Image references of a Kubernetes manifest pointed at the internal registry, run on the node
# that applies it (04-cluster-network, 05-cluster-apps).
#
#   rewrite-images.sh SRC DST REPO [SED_EXPRESSION...]
#       Every `image:` value [registry/]path:tag of SRC becomes REPO/path:tag (a first path
#       component with a dot or a port is a registry and is dropped; docker.io/calico/node ->
#       REPO/calico/node, registry.k8s.io/metrics-server/metrics-server -> REPO/metrics-server/
#       metrics-server); references already under REPO are kept. Each further argument is a sed
#       -E expression applied after that (e.g. a plugin's pod subnet). DST is replaced only when
#       the result differs. Prints "written" or "unchanged"; fails when SRC names no image.
set -eu
src=$1 dst=$2 repo=$3
shift 3
grep -Eq "^[[:space:]-]*image:[[:space:]]*[\"']?[^[:space:]\"']" "$src" || { echo "$src: no image reference to rewrite" >&2; exit 1; }
tmp="$dst.kplay-new"
sed -E "/^[[:space:]-]*image:[[:space:]]*[\"']?$(printf '%s' "$repo" | sed 's/[.[\*^$/]/\\&/g')\//b; s#^([[:space:]-]*image:[[:space:]]*[\"']?)([a-z0-9-]+(\.[a-z0-9-]+)+(:[0-9]+)?/|localhost(:[0-9]+)?/)?#\1$repo/#" "$src" > "$tmp"
for e in "$@"; do sed -E -i "$e" "$tmp"; done
if cmp -s "$tmp" "$dst"; then rm -f "$tmp"; echo unchanged; else chmod 644 "$tmp"; mv "$tmp" "$dst"; echo written; fi
