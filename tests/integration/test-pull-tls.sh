#!/usr/bin/env bash
# TLS registries: a CA installed in docker's certs.d layout (CONFIG/certs.d/HOST:PORT/ca.crt)
# switches even a loopback registry to verified HTTPS; a wrong CA is a one-line TLS error.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
it_init
it_need_cairn
it_need openssl skopeo umoci

pki=$IT_TMP/pki
mkdir -p "$pki"
gen_ca() { # gen_ca NAME: a self-signed CA
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
gen_ca cairn-test-ca
gen_ca impostor-ca
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$pki/server.key" \
	-out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/cairn-test-ca.crt" \
	-CAkey "$pki/cairn-test-ca.key" -CAcreateserial -days 2 -extfile "$pki/san.ext" \
	-out "$pki/server.crt" 2>/dev/null

IT_REGISTRY_TLS_CERT=$pki/server.crt IT_REGISTRY_TLS_KEY=$pki/server.key it_registry_start reg plain
it_make_image "$IT_TMP/L" v1 2 64
it_publish "$IT_TMP/L" v1 "$reg_ADDR/tls/img:v1" oci

cfg=$IT_TMP/cfg
mkdir -p "$cfg"
cairn() { "$CAIRN" --root "$IT_TMP/store" --config "$cfg" "$@"; }
ref=$reg_ADDR/tls/img:v1

# No CA for it: loopback means plain HTTP, which a TLS server refuses.
assert_fails cairn pull -q "$ref"
assert_eq "$(printf '%s\n' "$IT_STDERR" | wc -l)" 1 "plain HTTP to a TLS registry: one error line: $IT_STDERR"
assert_contains "$IT_STDERR" "certs.d/$reg_ADDR/ca.crt" "the error says how to trust the registry"

# The wrong CA: verification fails, one line naming TLS.
mkdir -p "$cfg/certs.d/$reg_ADDR"
cp "$pki/impostor-ca.crt" "$cfg/certs.d/$reg_ADDR/ca.crt"
assert_fails cairn pull -q "$ref"
assert_contains "$IT_STDERR" "TLS error" "wrong CA"
assert_contains "$IT_STDERR" "$reg_ADDR" "the error names the registry"
assert_eq "$(printf '%s\n' "$IT_STDERR" | wc -l)" 1 "wrong CA: one error line: $IT_STDERR"
[ ! -e "$IT_TMP/store/index.json" ] || assert_not_contains "$(cat "$IT_TMP/store/index.json")" "tls/img" "nothing tagged"

# The right CA: verified HTTPS pull.
cp "$pki/cairn-test-ca.crt" "$cfg/certs.d/$reg_ADDR/ca.crt"
assert_ok cairn pull -q "$ref"
assert_eq "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$IT_TMP/store/index.json")" \
	"$ref" "tagged after the TLS pull"
assert_ok cairn fsck
echo "test-pull-tls: OK"
