#!/usr/bin/env bash
# cairn serve over TLS (certificate and key from the settings file), with token auth:
#  - it announces https://, answers verified HTTPS (curl --cacert) and refuses plain HTTP
#  - the token realm it advertises is https too, and the token dance works over it
#  - skopeo pushes to it; cairn (CA in docker's certs.d layout) logs in, pulls and pushes
set -euo pipefail
. "$(dirname "$0")/lib.sh"
it_init
it_need_cairn
it_need openssl skopeo umoci curl htpasswd jq

pki=$IT_TMP/pki
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=cairn-test-ca \
	-keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$pki/server.key" \
	-out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$pki/san.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
	-CAcreateserial -days 2 -extfile "$pki/san.ext" -out "$pki/server.crt" 2>/dev/null
htpasswd -Bbn alice secret >"$pki/htpasswd" 2>/dev/null
cat >"$pki/serve.json" <<JSON
{"tls": {"certificate": "server.crt", "key": "server.key"},
 "auth": {"htpasswd": "htpasswd", "anonymous_pull": true, "token": {"service": "tls-test"}}}
JSON

it_serve_start reg "$pki/serve.json"
R=$reg_ADDR
assert_eq "$reg_URL" "https://$R" "the server announces https"

it_log "verified HTTPS; plain HTTP refused"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.crt" "https://$R/v2/")
assert_eq "$code" 401 "/v2/ over verified TLS"
realm=$(curl -s -D - -o /dev/null --cacert "$pki/ca.crt" "https://$R/v2/" | tr -d '\r' |
	sed -n 's/^WWW-Authenticate: Bearer realm="\([^"]*\)".*/\1/Ip')
assert_eq "$realm" "https://$R/token" "token realm"
tok=$(curl -fsS --cacert "$pki/ca.crt" -u alice:secret "$realm?service=tls-test&scope=repository:x/y:pull,push" | jq -r .token)
[ -n "$tok" ] && [ "$tok" != null ] || it_fail "no token over TLS"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.crt" -H "Authorization: Bearer $tok" "https://$R/v2/")" 200 "token accepted"
if curl -s -o /dev/null --max-time 5 "http://$R/v2/"; then
	it_fail "plain HTTP answered on the TLS port"
fi

it_log "skopeo pushes over TLS; cairn logs in, pulls and pushes with the CA in certs.d"
it_make_image "$IT_TMP/L" v1 2 64
it_publish "$IT_TMP/L" v1 "$R/tls/img:v1" oci --creds alice:secret
cfg=$IT_TMP/cfg
mkdir -p "$cfg/certs.d/$R"
cp "$pki/ca.crt" "$cfg/certs.d/$R/ca.crt"
cairn() { "$CAIRN" --root "$IT_TMP/store" --config "$cfg" "$@"; }
assert_ok cairn pull -q "$R/tls/img:v1"
assert_ok cairn tag "$R/tls/img:v1" "$R/tls/copy:v1"
assert_fails cairn push "$R/tls/copy:v1"
assert_ok cairn login -u alice -p secret "$R"
assert_ok cairn push "$R/tls/copy:v1"
assert_eq "$(it_skopeo inspect --tls-verify=false --creds alice:secret --format '{{.Digest}}' "docker://$R/tls/copy:v1")" \
	"$(it_skopeo inspect --tls-verify=false --creds alice:secret --format '{{.Digest}}' "docker://$R/tls/img:v1")" "digest kept"
grep -q 'GET /token 200' "$reg_LOG" || it_fail "no token request in the log"
it_log "PASS"
