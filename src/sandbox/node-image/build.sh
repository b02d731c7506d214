#!/bin/sh
# Builds the kplay test/sandbox node image: debootstrap (bookworm, minbase, systemd, sshd)
# -> docker import -> a small Dockerfile layer that configures sshd and the test users.
# Usage: build.sh TAG [EXTRA_PACKAGES]   (TAG carries the hash of this folder and the extras)
# The Debian mirror is read from this machine's own apt sources; KPLAY_DEBIAN_MIRROR overrides.
set -eu
tag=$1
extra=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

mirror=${KPLAY_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  # deb822 sources first (URIs: line of the stanza whose Suites include bookworm), then one-line sources.
  mirror=$(awk '
    /^[[:space:]]*$/ { if (uri != "" && suites ~ /(^| )bookworm( |$)/) { print uri; exit } uri=""; suites="" ; next }
    /^URIs:/ { uri=$2 } /^Suites:/ { $1=""; suites=$0 " " }
    END { if (uri != "" && suites ~ /(^| )bookworm( |$)/) print uri }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "build.sh: no Debian bookworm mirror found in apt sources; set KPLAY_DEBIAN_MIRROR" >&2; exit 2; }

root=$(mktemp -d /var/tmp/kplay-node-root.XXXXXX)
trap 'rm -rf "$root"' EXIT INT TERM
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,openssh-server,ca-certificates,iproute2,procps,sudo,curl,busybox,kmod${extra:+,$extra} \
  bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# Trim what a node never needs: package caches, docs, man pages.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
base="$tag-base"
tar -C "$root" -c . | docker import - "$base" >/dev/null
DOCKER_BUILDKIT=0 docker build -q --build-arg BASE="$base" -t "$tag" "$here" >/dev/null
docker rmi "$base" >/dev/null 2>&1 || true
echo "$tag"
