#!/bin/sh
# The control plane as kubeadm runs it (static pods), stopped and started by their manifests:
#
#   kube-apiserver.sh off       kube-apiserver's manifest set aside (kubelet stops the pod), so
#                               nothing writes to etcd or serves a cache of data being replaced
#                               (etcd restore); waits until its container is gone.
#                               Prints "set aside" or "none".
#   kube-apiserver.sh on        the manifest put back, byte for byte. Prints "put back" or "none".
#   kube-apiserver.sh restart   off, then on: it starts again and reads its certificates anew
#   kube-apiserver.sh restart-control-plane
#                               the same for kube-apiserver, kube-controller-manager and
#                               kube-scheduler, one after the other (after kubeadm certs renew)
set -eu
manifests=/etc/kubernetes/manifests
aside=/etc/kubernetes/kplay-apiserver-aside

# off COMPONENT
off() {
  if [ ! -e "$manifests/$1.yaml" ]; then echo none; return; fi
  mkdir -p -m 700 "$aside"
  mv -f -- "$manifests/$1.yaml" "$aside/$1.yaml"
  # kubelet notices a removed static pod within its file check period (20 s by default)
  if command -v crictl >/dev/null 2>&1 && crictl ps --name "$1" -q >/dev/null 2>&1; then
    i=0
    while [ -n "$(crictl ps --name "$1" -q 2>/dev/null)" ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
  fi
  echo "set aside"
}

# on COMPONENT
on() {
  if [ ! -e "$aside/$1.yaml" ]; then echo none; return; fi
  mv -f -- "$aside/$1.yaml" "$manifests/$1.yaml"
  rmdir -- "$aside" 2>/dev/null || true
  echo "put back"
}

case "${1:-}" in
  off) off kube-apiserver ;;
  on) on kube-apiserver ;;
  restart) off kube-apiserver; on kube-apiserver ;;
  restart-control-plane)
    for c in kube-apiserver kube-controller-manager kube-scheduler; do off "$c"; on "$c"; done ;;
  *) echo "usage: kube-apiserver.sh off|on|restart|restart-control-plane" >&2; exit 2 ;;
esac
