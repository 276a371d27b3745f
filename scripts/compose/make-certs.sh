#!/usr/bin/env bash
# Certificates for docker-compose's Temporal, which accepts no connection without one (mutual TLS on its frontend and
# between its own services): a private CA, the server's certificate (name `temporal`), and one client certificate per
# caller. Each component's folder is what docker-compose.yml mounts into it, and holds the CA certificate
# (never its key), the component's certificate and its key:
#   certs/ca/        ca.pem, ca.key   the CA (its key never leaves this folder: keep it offline once issued)
#   certs/temporal/  ca.pem cert.pem key.pem   the server (also its client certificate to itself: system workers)
#   certs/worker/ certs/api/ certs/ui/ certs/admin-tools/   ca.pem cert.pem key.pem   clients
# certs/ is readable by you only; the containers, each running as its own user, read their mounted folder (its files
# are world-readable inside the private certs/ folder).
# Usage: bash scripts/compose/make-certs.sh [--days N] [--renew]
#   re-running keeps what exists; --renew issues new leaf certificates from the same CA (restart the services after).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
days=825 # the longest lifetime browsers and most TLS stacks accept for a leaf certificate
renew=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --days) days="$2"; shift 2 ;;
    --renew) renew=true; shift ;;
    *) echo "usage: $0 [--days N] [--renew]" >&2; exit 2 ;;
  esac
done
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }

dir=certs
mkdir -p "$dir/ca"
chmod 700 "$dir" "$dir/ca"
ca_key="$dir/ca/ca.key"
ca_pem="$dir/ca/ca.pem"
if [[ ! -f "$ca_key" ]]; then
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ca_key")
  openssl req -x509 -new -key "$ca_key" -sha256 -days 3650 -out "$ca_pem" \
    -subj "/O=GECCO Flow/CN=GECCO Flow Temporal CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
  echo "CA: $ca_pem (10 years)"
fi

# issue <folder> <common name> <extendedKeyUsage> [subjectAltName]
issue() {
  local name="$1" cn="$2" eku="$3" san="${4:-DNS:$2}"
  local out="$dir/$name"
  if [[ -f "$out/cert.pem" && "$renew" == false ]]; then return; fi
  mkdir -p "$out"
  chmod 755 "$out"
  local csr ext
  csr=$(mktemp) ext=$(mktemp)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/key.pem"
  openssl req -new -key "$out/key.pem" -subj "/O=GECCO Flow/CN=$cn" -out "$csr"
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=$eku" "subjectAltName=$san" "authorityKeyIdentifier=keyid" "subjectKeyIdentifier=hash" >"$ext"
  openssl x509 -req -in "$csr" -CA "$ca_pem" -CAkey "$ca_key" -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -sha256 -extfile "$ext" -out "$out/cert.pem" 2>/dev/null
  rm -f "$csr" "$ext"
  cp "$ca_pem" "$out/ca.pem"
  chmod 644 "$out/cert.pem" "$out/key.pem" "$out/ca.pem"
  echo "$name: $out/cert.pem (CN=$cn, $days days)"
}

# the server's name as its callers dial it (temporal:7233), and the loopback its health check uses
issue temporal temporal serverAuth,clientAuth "DNS:temporal,DNS:localhost,IP:127.0.0.1"
for client in worker api ui admin-tools; do
  issue "$client" "gecco-$client" clientAuth
done
