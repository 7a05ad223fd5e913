#!/usr/bin/env bash
# cairn serve with real clients: skopeo and cairn push/pull through it, byte for byte.
#  - skopeo copy of OCI and Docker schema 2 images (and a multi-arch index with --all) to cairn
#    serve: `skopeo inspect --raw` returns the source bytes, `skopeo list-tags` the tags, and a
#    `skopeo copy` back out gives blobs identical to the source layout
#  - cairn pull from cairn serve; cairn push (single image, Docker schema 2 kept byte-exact,
#    --all-platforms for an index, --all-tags) to another repository: digests unchanged, blobs mounted
#    across repositories (no data sent again), a second push uploads nothing
#  - search: /v1/search and `cairn search` find the image by name and by its description label;
#    pull counts grow with manifest GETs
#  - `cairn registry gc` while the server runs: an untagged image's blobs go, every tagged image
#    still pulls, and a dry run deletes nothing
#  - connections stay open across requests (keep-alive), also after an error answer
#  - one request log line per request; --log-format json lines parse
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need skopeo umoci jq curl sha256sum cmp

unset CAIRN_REGISTRIES CAIRN_ROOT
export HOME="$IT_TMP/home"
mkdir -p "$HOME"
export CAIRN_CONFIG_FILE="$IT_TMP/no-such-settings.json"
STORE="$IT_TMP/store"
cairn() { "$CAIRN" --root "$STORE" "$@"; }

it_serve_start reg
R=$reg_ADDR

L="$IT_TMP/layout"
it_make_image "$L" one 3 64
it_log "label the image with a description"
umoci config --image "$L:one" --config.label 'org.opencontainers.image.description=A test image about zebras' >/dev/null
it_make_multiarch "$L" multi 1 16

layout_digest() { jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$L/index.json"; }
layout_blob() { local d=$1; cat "$L/blobs/${d%%:*}/${d#*:}"; }
raw() { it_skopeo inspect --tls-verify=false --raw "docker://$1"; }
digest_of() { it_skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$1"; }

it_log "skopeo copy to cairn serve: OCI, Docker schema 2, and an index with --all"
it_publish "$L" one "$R/test/oci:1" oci
it_publish "$L" one "$R/test/v2s2:1" v2s2
it_publish "$L" multi "$R/test/multi:1" oci --all
assert_eq "$(raw "$R/test/oci:1" | sha256sum | cut -d' ' -f1)" \
	"$(layout_blob "$(layout_digest one)" | sha256sum | cut -d' ' -f1)" "OCI manifest bytes"
assert_eq "$(digest_of "$R/test/multi:1")" "$IT_INDEX_DIGEST" "index digest"
assert_eq "$(raw "$R/test/v2s2:1" | jq -r .mediaType)" \
	application/vnd.docker.distribution.manifest.v2+json "schema 2 kept"
V2S2_DIGEST=$(digest_of "$R/test/v2s2:1")
assert_eq "$(it_skopeo list-tags --tls-verify=false "docker://$R/test/oci" | jq -c .Tags)" '["1"]' "list-tags"

it_log "skopeo copy back out: identical blobs"
it_skopeo copy -q --src-tls-verify=false "docker://$R/test/oci:1" "dir:$IT_TMP/out" 2>/dev/null
for f in "$IT_TMP"/out/*; do
	case $(basename "$f") in manifest.json | version) continue ;; esac
	cmp -s "$f" "$L/blobs/sha256/$(basename "$f")" || it_fail "blob $(basename "$f") differs"
done

it_log "cairn pull from cairn serve"
assert_ok cairn pull "$R/test/oci:1"
assert_contains "$IT_STDOUT" "Digest: $(layout_digest one)"
assert_ok cairn pull "$R/test/v2s2:1"
assert_contains "$IT_STDOUT" "Digest: $V2S2_DIGEST"
assert_ok cairn pull --all-platforms "$R/test/multi:1"
assert_ok cairn fsck

if "$CAIRN" push --help >/dev/null 2>&1; then
	it_log "cairn push: a pulled image under a new name keeps its digest; blobs are mounted"
	uploads_before=$(grep -c 'POST /v2/copy/oci/blobs/uploads' "$reg_LOG" || true)
	assert_ok cairn tag "$R/test/oci:1" "$R/copy/oci:2"
	assert_ok cairn push "$R/copy/oci:2"
	assert_eq "$(digest_of "$R/copy/oci:2")" "$(layout_digest one)" "pushed digest"
	grep -q 'POST /v2/copy/oci/blobs/uploads/ 201' "$reg_LOG" ||
		it_fail "no cross-repository mount: $(grep 'copy/oci' "$reg_LOG" | head -5)"
	[ "$(grep -c 'PATCH /v2/copy/oci/' "$reg_LOG" || true)" = 0 ] ||
		it_fail "blob data sent although every blob could be mounted"
	it_log "a second push sends nothing"
	before=$(grep -c 'copy/oci/blobs/uploads' "$reg_LOG" || true)
	assert_ok cairn push "$R/copy/oci:2"
	assert_eq "$(grep -c 'copy/oci/blobs/uploads' "$reg_LOG" || true)" "$before" "uploads on re-push"
	: "$uploads_before"

	it_log "cairn push keeps a Docker schema 2 image byte-exact"
	assert_ok cairn tag "$R/test/v2s2:1" "$R/copy/v2s2:1"
	assert_ok cairn push "$R/copy/v2s2:1"
	assert_eq "$(digest_of "$R/copy/v2s2:1")" "$V2S2_DIGEST" "schema 2 digest"

	it_log "cairn push --all-platforms of an index"
	assert_ok cairn tag "$R/test/multi:1" "$R/copy/multi:1"
	assert_ok cairn push --all-platforms "$R/copy/multi:1"
	assert_eq "$(digest_of "$R/copy/multi:1")" "$IT_INDEX_DIGEST" "index digest after push"
	assert_eq "$(raw "$R/copy/multi:1" | sha256sum | cut -d' ' -f1)" "${IT_INDEX_DIGEST#sha256:}" "index bytes"

	it_log "an image made locally (cairn import) pushes, pulls back into a second store"
	mkdir -p "$IT_TMP/tree/etc"
	echo hello >"$IT_TMP/tree/etc/hello"
	assert_ok cairn import "$IT_TMP/tree" "$R/made/here:1"
	assert_ok cairn push "$R/made/here:1"
	assert_ok "$CAIRN" --root "$IT_TMP/store2" pull "$R/made/here:1"
	assert_eq "$("$CAIRN" --root "$IT_TMP/store2" export "$R/made/here:1" | tar -xO etc/hello)" hello

	it_log "cairn push --all-tags: every local tag of the repository"
	assert_ok cairn tag "$R/test/oci:1" "$R/tags/many:a"
	assert_ok cairn tag "$R/test/oci:1" "$R/tags/many:b"
	assert_ok cairn tag "$R/made/here:1" "$R/tags/many:c"
	assert_ok cairn push --all-tags "$R/tags/many"
	assert_eq "$(curl -fsS "http://$R/v2/tags/many/tags/list" | jq -c .tags)" '["a","b","c"]' "tags pushed"
	assert_eq "$(digest_of "$R/tags/many:c")" "$(digest_of "$R/made/here:1")" "tag c's image"
	assert_rc 2 cairn push --all-tags "$R/tags/many:a"
	assert_fails cairn push --all-tags "$R/tags/none"
	assert_contains "$IT_STDERR" "no tag of this repository"
else
	it_log "SKIP cairn push checks: this cairn has no push command"
fi

it_log "keep-alive: answers leave the connection open (a closed one per request costs 10x)"
out=$(curl -sv -o /dev/null -o /dev/null "http://$R/v2/test/oci/tags/list" "http://$R/v2/nope/manifests/x" 2>&1)
assert_contains "$out" "Re-using existing connection" "second request on the same connection"
assert_not_contains "$out" "Connection: close" "keep-alive"

it_log "search: name, description, pull counts"
curl -fsS "http://$R/v2/test/oci/manifests/1" -H 'Accept: application/vnd.oci.image.manifest.v1+json' >/dev/null
curl -fsS "http://$R/v2/test/oci/manifests/1" -H 'Accept: application/vnd.oci.image.manifest.v1+json' >/dev/null
res=$(curl -fsS "http://$R/v1/search?q=test/oci&n=5")
assert_eq "$(jq -r '.results[0].name' <<<"$res")" test/oci "exact match first"
assert_eq "$(jq -r '.results[0].description' <<<"$res")" "A test image about zebras" "description"
[ "$(jq -r '.results[0].pull_count' <<<"$res")" -ge 3 ] || it_fail "pull count: $res"
assert_eq "$(jq -r '.page_size' <<<"$res")" 5 "page size"
res=$(curl -fsS "http://$R/v1/search?q=zebras")
names=$(jq -r '[.results[].name] | sort | join(",")' <<<"$res")
case "$names" in
*test/multi*) it_fail "an image without the word matched: $names" ;;
*test/oci*) ;;
*) it_fail "description match: $names" ;;
esac
assert_eq "$(jq -r '.results[0].name' <<<"$res")" test/oci "most pulled first among equal matches"
assert_ok env CAIRN_REGISTRIES="$R" "$CAIRN" --root "$STORE" search zebras
assert_contains "$IT_STDOUT" "test/oci"
assert_contains "$IT_STDOUT" "A test image about zebras"

it_log "registry gc while the server runs"
it_make_image "$L" gone 2 32
it_publish "$L" gone "$R/test/gone:1" oci
gone=$(layout_digest gone)
gone_blobs=$(layout_blob "$gone" | jq -r '.config.digest, .layers[].digest')
curl -fsS -X DELETE "http://$R/v2/test/gone/manifests/$gone" >/dev/null
before=$(find "$reg_STORAGE/blobs" -type f | wc -l)
assert_ok "$CAIRN" registry gc --dry-run --storage "$reg_STORAGE"
assert_contains "$IT_STDOUT" "Would delete 0 manifests"
assert_ok "$CAIRN" registry gc --storage "$reg_STORAGE"
assert_eq "$(find "$reg_STORAGE/blobs" -type f | wc -l)" "$before" "gc deleted a blob within the grace period"
it_log "backdated past the grace period, the deleted image's blobs go and the rest stays"
# (the server's own temporary files come and go meanwhile: its pull counts are flushed every
# 5 s through .write-*.tmp files renamed into place, so those are not touched)
find "$reg_STORAGE/repositories" "$reg_STORAGE/blobs" ! -name '.write-*.tmp' \
	-exec touch -h -d "2 days ago" {} +
assert_ok "$CAIRN" registry gc --dry-run --storage "$reg_STORAGE"
assert_contains "$IT_STDOUT" "would delete blob $gone"
assert_eq "$(find "$reg_STORAGE/blobs" -type f | wc -l)" "$before" "dry run deleted something"
assert_ok "$CAIRN" registry gc --storage "$reg_STORAGE"
for d in $gone $gone_blobs; do
	[ ! -e "$reg_STORAGE/blobs/sha256/${d#sha256:}" ] || it_fail "gc kept $d of the deleted image"
done
for ref in test/oci:1 test/v2s2:1 copy/oci:2 test/multi:1; do
	assert_ok it_skopeo copy -q --src-tls-verify=false --all "docker://$R/$ref" "oci:$IT_TMP/after-gc:x"
done
assert_ok cairn --root "$IT_TMP/store3" pull "$R/test/oci:1"
it_log "request log: one line per request, and JSON lines with --log-format json"
grep -q 'GET /v2/test/oci/manifests/1 200' "$reg_LOG" || it_fail "no log line: $(tail -3 "$reg_LOG")"
it_server_stop reg
it_serve_start jreg - --log-format json
curl -fsS "http://$jreg_ADDR/v2/" >/dev/null
curl -s "http://$jreg_ADDR/v2/nope/manifests/x" >/dev/null
grep '^{' "$jreg_LOG" | jq -e 'select(.path == "/v2/nope/manifests/x") | .status == 404 and .method == "GET" and (.ms | type) == "number"' >/dev/null ||
	it_fail "json log: $(cat "$jreg_LOG")"
it_log "PASS"
