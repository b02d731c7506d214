#!/bin/sh
# kube-apiserver as kubeadm runs it (a static pod), stopped and started by its manifest:
#
#   kube-apiserver.sh off       the manifest set aside (kubelet stops the pod), so nothing writes
#                               to etcd or serves a cache of data being replaced (etcd restore);
#                               waits until its container is gone. Prints "set aside" or "none".
#   kube-apiserver.sh on        the manifest put back, byte for byte. Prints "put back" or "none".
#   kube-apiserver.sh restart   off, then on: it starts again and reads its certificates anew
set -eu
manifest=/etc/kubernetes/manifests/kube-apiserver.yaml
aside=/etc/kubernetes/kplay-apiserver-aside

off() {
  if [ ! -e "$manifest" ]; then echo none; return; fi
  mkdir -p -m 700 "$aside"
  mv -f -- "$manifest" "$aside/kube-apiserver.yaml"
  # kubelet notices a removed static pod within its file check period (20 s by default)
  if command -v crictl >/dev/null 2>&1 && crictl ps --name kube-apiserver -q >/dev/null 2>&1; then
    i=0
    while [ -n "$(crictl ps --name kube-apiserver -q 2>/dev/null)" ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
  fi
  echo "set aside"
}

on() {
  if [ ! -e "$aside/kube-apiserver.yaml" ]; then echo none; return; fi
  mv -f -- "$aside/kube-apiserver.yaml" "$manifest"
  rmdir -- "$aside"
  echo "put back"
}

case "${1:-}" in
  off) off ;;
  on) on ;;
  restart) off; on ;;
  *) echo "usage: kube-apiserver.sh off|on|restart" >&2; exit 2 ;;
esac
