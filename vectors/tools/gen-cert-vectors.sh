#!/usr/bin/env bash
# Regenerate the certificate-mode (signType=1) test vectors of the Allinpay suite.
#
#   vectors/tools/gen-cert-vectors.sh          (from any directory)
#
# Needs: openssl (tested with 3.0), python3 with the `cryptography` package.
#
# 1. Keys (vectors/keys/*.key.pem, PKCS#8 PEM) are generated with openssl ONLY when
#    missing; they are committed, so a rerun reuses them.
# 2. Certificates (*.cer DER, *.pem PEM) are rebuilt from the keys with fixed serial
#    numbers, subjects and validity (2025-01-01 .. 2045-01-01), self-signed with
#    sha256WithRSAEncryption; PKCS#1 v1.5 is deterministic, so they come out identical.
# 3. The vectors/*_cert.json files are rewritten; also deterministic, so a rerun with the
#    same keys reproduces them byte for byte.
#
# THE KEYS ARE TEST KEYS, PUBLISHED IN THIS REPOSITORY. NEVER USE THEM FOR ANYTHING ELSE.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vectors="$(cd "$here/.." && pwd)"
repo="$(cd "$vectors/.." && pwd)"
keys="$vectors/keys"
mkdir -p "$keys"

# name bits public-exponent
genkey() {
    local name=$1 bits=$2 exp=$3
    if [ ! -s "$keys/$name.key.pem" ]; then
        echo "generating $keys/$name.key.pem (RSA-$bits, e=$exp)" >&2
        openssl genpkey -algorithm RSA \
            -pkeyopt "rsa_keygen_bits:$bits" -pkeyopt "rsa_keygen_pubexp:$exp" \
            -out "$keys/$name.key.pem"
    fi
}
genkey gateway-rsa1024 1024 65537
genkey gateway-rsa2048 2048 65537
genkey other-rsa1024   1024 65537
genkey e3-rsa2048      2048 3

cd "$repo"

# certificates (DER) from the keys
python3 vectors/tools/gen_cert_vectors.py certs

for name in gateway-rsa1024 gateway-rsa2048 other-rsa1024 e3-rsa2048; do
    # PEM copy of the DER certificate
    openssl x509 -inform DER -in "$keys/$name.cer" -outform PEM -out "$keys/$name.pem"
    # sanity: the certificate carries the key's public key
    cert_pub="$(openssl x509 -inform DER -in "$keys/$name.cer" -noout -pubkey)"
    key_pub="$(openssl pkey -in "$keys/$name.key.pem" -pubout)"
    if [ "$cert_pub" != "$key_pub" ]; then
        echo "certificate $name.cer does not match $name.key.pem" >&2
        exit 1
    fi
    # sanity: the self-signature verifies with openssl
    openssl verify -no-CApath -no-CAstore -partial_chain -CAfile "$keys/$name.pem" "$keys/$name.pem" >/dev/null
done

# the vectors (each valid signature is cross-checked with `openssl dgst -sha1 -verify`)
python3 vectors/tools/gen_cert_vectors.py vectors
