#!/bin/sh
# Certificates kplay or kubeadm made on this host, for `kplay certs check`: one line per
# certificate file, "KPLAY-CERT<TAB>FILE<TAB>NOT_AFTER<TAB>SUBJECT<TAB>IS_CA" (NOT_AFTER as
# openssl prints it, in GMT). Files that are not certificates are skipped. Reads only.
set -u
command -v openssl >/dev/null 2>&1 || { echo "openssl is not installed on this host" >&2; exit 1; }
for f in /etc/kplay/pki/*.crt /etc/etcd/pki/*.crt /etc/kubernetes/pki/*.crt /etc/kubernetes/pki/etcd/*.crt \
  /usr/local/share/ca-certificates/kplay-ca.crt; do
  [ -f "$f" ] || continue
  end=$(openssl x509 -noout -enddate -in "$f" 2>/dev/null) || continue
  subject=$(openssl x509 -noout -subject -nameopt RFC2253 -in "$f" 2>/dev/null)
  ca=false
  openssl x509 -noout -text -in "$f" 2>/dev/null | grep -q 'CA:TRUE' && ca=true
  printf 'KPLAY-CERT\t%s\t%s\t%s\t%s\n' "$f" "${end#notAfter=}" "${subject#subject=}" "$ca"
done
exit 0
