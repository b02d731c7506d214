# Sourced by registry-pki.sh and etcd-pki.sh (on the controller, $d is the PKI directory):
#   key FILE              an EC P-256 private key
#   make_ca CN            $d/ca.key and $d/ca.crt, a CA for 10 years
#   leaf NAME CN SANS USE $d/NAME.key and $d/NAME.crt under $d/ca.crt for 10 years (SANS as
#                         openssl's subjectAltName, USE its extendedKeyUsage); the key and the
#                         certificate are each replaced by a rename, so a cut run leaves the old pair
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

make_ca() {
  key "$d/ca.key"
  openssl req -x509 -new -key "$d/ca.key" -out "$d/ca.crt" -days 3650 -subj "/CN=$1" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() {
  name=$1 cn=$2 sans=$3 usage=$4
  key "$d/$name.key.new"
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$sans" "$usage" > "$d/$name.ext"
  printf 'keyUsage=critical,digitalSignature\n' >> "$d/$name.ext"
  openssl req -new -key "$d/$name.key.new" -subj "/CN=$cn" 2>/dev/null \
    | openssl x509 -req -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 3650 -extfile "$d/$name.ext" \
      -out "$d/$name.crt.new" 2>/dev/null
  mv -f -- "$d/$name.key.new" "$d/$name.key"
  mv -f -- "$d/$name.crt.new" "$d/$name.crt"
}
