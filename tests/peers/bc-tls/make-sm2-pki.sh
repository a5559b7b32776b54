#!/usr/bin/env bash
# make-sm2-pki.sh OUTDIR — a throwaway PKI for the Bouncy Castle peer, made with OpenSSL 3.0.
#
# SM2 (RFC 8998 §3.2: curveSM2 keys, SM2-with-SM3 certificate signatures, OID 1.2.156.10197.1.501):
#   sm2-root.pem / sm2-root.key                root CA
#   sm2-intermediate.pem / .key                intermediate CA, signed by the root
#   sm2-server.pem / .key, sm2-server-chain.pem   leaf for localhost (DNS:localhost, IP:127.0.0.1); chain = leaf + intermediate
#   sm2-client.pem / .key, sm2-client-chain.pem   client leaf with the SPIFFE URI SAN spiffe://tlsgw.test/bc-peer
# ECDSA P-256 (for sanity runs against openssl s_client/s_server on TLS_AES_128_GCM_SHA256):
#   ecdsa-root.pem, ecdsa-server.pem/.key, ecdsa-client.pem/.key (signed directly by the root)
#
# Certificate signatures use the SM2 default distinguishing ID "1234567812345678"
# (GB/T 32918.2 / RFC 8998 §3.2.1 keeps it for certificates; only CertificateVerify uses the TLS 1.3 ID).
set -euo pipefail

out="${1:?usage: $0 OUTDIR}"
mkdir -p "$out"
cd "$out"

distid="distid:1234567812345678"
days=7

# issue NAME ISSUER SUBJECT EXTENSIONS — key, CSR and certificate for NAME signed by ISSUER (sm2-* names use SM3).
sm2_issue() {
    local name="$1" issuer="$2" subject="$3" extensions="$4"
    openssl genpkey -algorithm SM2 -out "$name.key" 2>/dev/null
    openssl req -new -key "$name.key" -sm3 -sigopt "$distid" -subj "$subject" -out "$name.csr"
    printf '%s\n' "$extensions" > "$name.ext"
    openssl x509 -req -in "$name.csr" -vfyopt "$distid" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
        -sm3 -sigopt "$distid" -days "$days" -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}

ec_issue() {
    local name="$1" issuer="$2" subject="$3" extensions="$4"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null
    openssl req -new -key "$name.key" -sha256 -subj "$subject" -out "$name.csr"
    printf '%s\n' "$extensions" > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
        -sha256 -days "$days" -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}

ca_ext=$'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid'
server_ext=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1'
client_ext=$'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://tlsgw.test/bc-peer'

# SM2 hierarchy.
openssl genpkey -algorithm SM2 -out sm2-root.key 2>/dev/null
openssl req -new -x509 -key sm2-root.key -sm3 -sigopt "$distid" -subj "/O=tlsgw-test/CN=SM2-Test-Root" -days "$days" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out sm2-root.pem
sm2_issue sm2-intermediate sm2-root "/O=tlsgw-test/CN=SM2-Test-Intermediate" "$ca_ext"
sm2_issue sm2-server sm2-intermediate "/O=tlsgw-test/CN=localhost" "$server_ext"
sm2_issue sm2-client sm2-intermediate "/O=tlsgw-test/CN=bc-peer-client" "$client_ext"
cat sm2-server.pem sm2-intermediate.pem > sm2-server-chain.pem
cat sm2-client.pem sm2-intermediate.pem > sm2-client-chain.pem

# ECDSA hierarchy (no intermediate: only the sanity runs use it).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa-root.key 2>/dev/null
openssl req -new -x509 -key ecdsa-root.key -sha256 -subj "/O=tlsgw-test/CN=ECDSA-Test-Root" -days "$days" -out ecdsa-root.pem
ec_issue ecdsa-server ecdsa-root "/O=tlsgw-test/CN=localhost" "$server_ext"
ec_issue ecdsa-client ecdsa-root "/O=tlsgw-test/CN=bc-peer-client" "$client_ext"

rm -f ./*.srl
chmod 600 ./*.key
echo "make-sm2-pki: wrote $(pwd)"
