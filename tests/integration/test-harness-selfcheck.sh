#!/usr/bin/env bash
# Self-check of the integration harness (lib.sh + token-issuer.py) against the real peers
# only (docker-registry, skopeo, umoci, oci-image-tool); does not use cairn.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need docker-registry skopeo umoci oci-image-tool htpasswd openssl python3 jq curl
FIX=$(it_fixtures)
[ -d "$FIX" ] || it_fail "fixtures"

# --- assertion helpers behave
assert_eq "a" "a" "assert_eq"
assert_contains "hello world" "lo wo" "assert_contains"
assert_fails sh -c 'echo oops >&2; exit 3'
assert_eq "$IT_RC" 3 "assert_fails rc"
assert_eq "$IT_STDERR" "oops" "assert_fails stderr"
( assert_eq a b x ) 2>/dev/null && it_fail "assert_eq should fail on mismatch"
( assert_fails true ) 2>/dev/null && it_fail "assert_fails should fail on success"
p=$(it_free_port); [[ $p =~ ^[0-9]+$ ]] || it_fail "it_free_port: '$p'"

# --- image makers
L="$IT_TMP/layout"
it_make_image "$L" three 3 64
it_make_image "$L" one 1 8
oci-image-tool validate --type image "$L" >/dev/null || it_fail "oci-image-tool validate (single images)"
cfg=$(it_skopeo inspect --config "oci:$L:three")
assert_eq "$(jq '.rootfs.diff_ids | length' <<<"$cfg")" 3 "three: diff_ids"
assert_eq "$(jq -r '[.history[] | select(.empty_layer != true)] | length' <<<"$cfg")" 3 "three: non-empty history"
assert_contains "$(jq -r '.history[0].created_by' <<<"$cfg")" "layer 1 adds /data/layer-1.bin" "history created_by"
assert_eq "$(jq -r '.config.Labels["org.cairn.test.tag"]' <<<"$cfg")" three "config label"

M="$IT_TMP/multi"
it_make_multiarch "$M" multi
oci-image-tool validate --type image "$M" >/dev/null || it_fail "oci-image-tool validate (index)"
raw=$(it_skopeo inspect --raw "oci:$M:multi")
assert_eq "$(jq -r .mediaType <<<"$raw")" application/vnd.oci.image.index.v1+json "index mediaType"
assert_eq "$(jq -c '[.manifests[].platform | [.os, .architecture, (.variant // "")]]' <<<"$raw")" \
	'[["linux","amd64",""],["linux","arm64","v8"]]' "index platforms"
assert_eq "$(jq '.manifests | length' "$M/index.json")" 1 "layout index.json has one entry"
armcfg=$(it_skopeo inspect --config --override-arch arm64 --override-variant v8 "oci:$M:multi")
assert_eq "$(jq -r '.architecture + "/" + .variant' <<<"$armcfg")" arm64/v8 "arm64 config"

# --- plain registry: OCI 3-layer image, v2s2 image, multiarch with --all
it_registry_start reg plain
it_publish "$L" three "$reg_ADDR/it/three:v1" oci
it_publish "$L" one "docker://$reg_ADDR/it/one:v2s2" v2s2
insp=$(it_skopeo inspect --tls-verify=false "docker://$reg_ADDR/it/three:v1")
assert_eq "$(jq '.Layers | length' <<<"$insp")" 3 "registry: 3 layers"
raw=$(it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/it/three:v1")
# umoci writes OCI manifests without the (optional) top-level mediaType: look at the config
assert_eq "$(jq -r '.mediaType // "none"' <<<"$raw")" none "umoci manifest has no mediaType"
assert_eq "$(jq -r .config.mediaType <<<"$raw")" application/vnd.oci.image.config.v1+json "oci manifest"
ct=$(curl -s -o /dev/null -w '%{content_type}' -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"$reg_URL/v2/it/three/manifests/v1")
assert_eq "$ct" application/vnd.oci.image.manifest.v1+json "registry Content-Type for OCI manifest"
raw=$(it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/it/one:v2s2")
assert_eq "$(jq -r .mediaType <<<"$raw")" application/vnd.docker.distribution.manifest.v2+json "v2s2 manifest"
assert_eq "$(jq -r '.layers[0].mediaType' <<<"$raw")" application/vnd.docker.image.rootfs.diff.tar.gzip "v2s2 layer type"

it_publish "$M" multi "$reg_ADDR/it/multi:all" --all
raw=$(it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/it/multi:all")
assert_eq "$(jq '.manifests | length' <<<"$raw")" 2 "registry index entries"
assert_eq "$(jq -r .mediaType <<<"$raw")" application/vnd.oci.image.index.v1+json "registry index type"
it_publish "$M" multi "$reg_ADDR/it/multi:list" v2s2 --all
raw=$(it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/it/multi:list")
assert_eq "$(jq -r .mediaType <<<"$raw")" application/vnd.docker.distribution.manifest.list.v2+json "manifest list"
assert_eq "$(jq '.manifests | length' <<<"$raw")" 2 "manifest list entries"

# blob path helper points at a real file with the right content
ldig=$(jq -r '.Layers[0]' <<<"$insp")
bp=$(it_registry_blob_path reg "$ldig")
[ -f "$bp" ] || it_fail "blob path $bp missing"
assert_eq "sha256:$(sha256sum "$bp" | cut -d' ' -f1)" "$ldig" "blob path content"

# stop + restart keeps the data
it_registry_stop reg
curl -s --max-time 1 "http://$reg_ADDR/v2/" >/dev/null && it_fail "registry still answering after stop"
it_registry_start reg plain
assert_ok it_skopeo inspect --tls-verify=false "docker://$reg_ADDR/it/three:v1"

# --- htpasswd registry
it_registry_start hreg htpasswd bob 'pa ss:w0rd'
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$hreg_URL/v2/")" 401 "htpasswd anonymous /v2/"
it_publish "$L" one "$hreg_ADDR/it/one:v1" --creds "bob:pa ss:w0rd"
assert_fails it_skopeo inspect --tls-verify=false "docker://$hreg_ADDR/it/one:v1"
assert_contains "$IT_STDERR" "authentication required" "anonymous inspect rejected"
assert_fails it_skopeo inspect --tls-verify=false --creds "bob:wrong" "docker://$hreg_ADDR/it/one:v1"
assert_ok it_skopeo inspect --tls-verify=false --creds "bob:pa ss:w0rd" "docker://$hreg_ADDR/it/one:v1"
assert_eq "$(jq '.Layers | length' <<<"$IT_STDOUT")" 1 "htpasswd inspect layers"

# --- token registry (+ anonymous pull on a second one)
it_registry_start treg token alice secret
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$treg_URL/v2/")" 401 "token anonymous /v2/"
hdr=$(curl -s -D - -o /dev/null "$treg_URL/v2/")
assert_contains "$hdr" "Bearer realm=\"$treg_TOKEN_REALM\"" "WWW-Authenticate realm"
it_publish "$L" three "$treg_ADDR/it/three:v1" --creds alice:secret
assert_ok it_skopeo inspect --tls-verify=false --creds alice:secret "docker://$treg_ADDR/it/three:v1"
assert_eq "$(jq '.Layers | length' <<<"$IT_STDOUT")" 3 "token inspect layers"
assert_fails it_skopeo inspect --tls-verify=false --creds alice:nope "docker://$treg_ADDR/it/three:v1"
assert_fails it_skopeo inspect --tls-verify=false "docker://$treg_ADDR/it/three:v1"
log=$(cat "$treg_TOKEN_LOG")
assert_contains "$log" "scope=repository%3Ait%2Fthree%3Apull%2Cpush" "issuer saw push scope"
assert_contains "$log" "auth=basic user=alice status=200 access=repository:it/three:pull,push" "issuer granted push"
assert_contains "$log" "auth=basic user=alice status=401" "issuer rejected wrong password"
assert_contains "$log" "auth=none user=- status=200 access=-" "anonymous gets empty access"

# JWT shape (header x5c, claims) straight from the issuer
tok=$(curl -sf -u alice:secret "http://127.0.0.1:$treg_TOKEN_PORT/token?service=test-registry&scope=repository:a/b:pull&scope=repository:c:pull,push" | jq -r .token)
b64d() { local s=${1//-/+}; s=${s//_//}; while (( ${#s} % 4 )); do s+="="; done; base64 -d <<<"$s"; }
jh=$(b64d "${tok%%.*}"); jc=$(b64d "$(cut -d. -f2 <<<"$tok")")
assert_eq "$(jq -r '.alg + " " + .typ + " " + (.x5c | length | tostring)' <<<"$jh")" "RS256 JWT 1" "jwt header"
assert_eq "$(jq -c '[.iss, .sub, .aud, (.exp - .iat), .access]' <<<"$jc")" \
	'["test-issuer","alice","test-registry",300,[{"type":"repository","name":"a/b","actions":["pull"]},{"type":"repository","name":"c","actions":["pull","push"]}]]' "jwt claims"
# signature verifies with the cert's public key
printf '%s' "${tok%.*}" >"$IT_TMP/jwt.in"
b64d "${tok##*.}" >"$IT_TMP/jwt.sig"
openssl x509 -in "$treg_TOKEN_CERT" -pubkey -noout >"$IT_TMP/jwt.pub"
openssl dgst -sha256 -verify "$IT_TMP/jwt.pub" -signature "$IT_TMP/jwt.sig" "$IT_TMP/jwt.in" >/dev/null ||
	it_fail "jwt signature does not verify"
# OAuth2 password grant
pj=$(curl -sf -d 'grant_type=password&username=alice&password=secret&service=test-registry&scope=repository:x:pull&client_id=it' \
	"http://127.0.0.1:$treg_TOKEN_PORT/token")
assert_eq "$(jq -r '.access_token | split(".") | length' <<<"$pj")" 3 "oauth2 access_token"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -d 'grant_type=refresh_token&refresh_token=x' \
	"http://127.0.0.1:$treg_TOKEN_PORT/token")" 400 "refresh grant unsupported"

# pull-only user (user:pass:pull line) cannot push; anonymous-pull registry lets skopeo read
printf 'reader:rpw:pull\n' >>"$treg_USERS"
assert_ok it_skopeo inspect --tls-verify=false --creds reader:rpw "docker://$treg_ADDR/it/three:v1"
assert_fails it_publish "$L" one "$treg_ADDR/it/one:v1" --creds reader:rpw

it_registry_start areg token --anonymous-pull
it_publish "$L" one "$areg_ADDR/it/one:v1" --creds "$areg_USER:$areg_PASS"
assert_ok it_skopeo inspect --tls-verify=false "docker://$areg_ADDR/it/one:v1"
assert_contains "$(cat "$areg_TOKEN_LOG")" "auth=none user=- status=200 access=repository:it/one:pull" "anonymous pull grant"

# corrupt a blob in place: skopeo must notice
ldig=$(jq -r '.Layers[0]' <<<"$(it_skopeo inspect --tls-verify=false "docker://$reg_ADDR/it/three:v1")")
bp=$(it_registry_blob_path reg "$ldig")
printf 'XXXX' | dd of="$bp" bs=1 seek=100 conv=notrunc status=none
assert_fails it_skopeo copy --src-tls-verify=false "docker://$reg_ADDR/it/three:v1" "dir:$IT_TMP/copy"
assert_contains "$IT_STDERR" "Digest did not match" "corrupt blob detected"

echo "harness selfcheck: OK"
