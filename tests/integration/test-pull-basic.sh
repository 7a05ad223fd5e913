#!/usr/bin/env bash
# cairn pull, the basic cases, checked against real peers: docker-registry serves OCI and
# Docker schema 2 images published by skopeo; skopeo and oci-image-tool read cairn's store.
#  - OCI and v2s2 images pull; the printed digest is the registry's manifest digest
#  - the store entry (named by the full normalized reference) is readable by skopeo and,
#    for OCI media types, valid for oci-image-tool
#  - an image with 12 layers
#  - pulling again fetches no blob ("Image is up to date", "Already exists")
#  - two images sharing layers: each shared blob is fetched once overall
#  - pull by digest; a wrong digest fails
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci oci-image-tool jq curl sha256sum

STORE="$IT_TMP/store"
L="$IT_TMP/layout"
pull() { "$CAIRN" --root "$STORE" pull "$@"; }

# cairn_blob_gets DIGEST: number of blob GETs cairn (not skopeo) sent for DIGEST, any repo.
cairn_blob_gets() {
	grep -F "/blobs/$1 " "$reg_LOG" | grep -F '"GET ' | grep -c -F '"cairn/' || true
}
cairn_all_blob_gets() {
	grep -F '"GET ' "$reg_LOG" | grep -F '/blobs/sha256:' | grep -c -F '"cairn/' || true
}
# registry_digest REF: the manifest digest per skopeo (an independent client).
registry_digest() {
	it_skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$1"
}
# printed_digest: the "Digest: sha256:..." line of the last assert_* output.
printed_digest() {
	sed -n 's/^Digest: //p' <<<"$IT_STDOUT"
}
# oit_validate NAME: oci-image-tool validate --ref name=NAME on a view of the store that holds
# only NAME's index.json entry (blobs hard-linked). Debian's oci-image-tool 1.0.0-rc1 picks
# descriptors by --ref incorrectly for some entry orders ("descriptor retrieved by refs ... is
# not unique" with 3 entries [A, B, C] and --ref A although only A has that name; [B, A, C]
# passes), and it rejects a whole layout over one Docker-typed entry. Both are peer bugs.
oit_validate() {
	local name=$1 v="$IT_TMP/oit-view"
	rm -rf "$v"
	mkdir -p "$v"
	cp "$STORE/oci-layout" "$v/"
	cp -al "$STORE/blobs" "$v/blobs" 2>/dev/null || cp -a "$STORE/blobs" "$v/blobs"
	jq --arg n "$name" '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] == $n))' \
		"$STORE/index.json" >"$v/index.json"
	assert_eq "$(jq '.manifests | length' "$v/index.json")" 1 "store has one entry named $name"
	assert_ok oci-image-tool validate --type image --ref "name=$name" "$v"
	assert_contains "$IT_STDOUT" "Validation succeeded" "oci-image-tool validate $name"
}
# check_store_blobs: every blob in the store hashes to its name.
check_store_blobs() {
	local f n=0
	for f in "$STORE"/blobs/sha256/*; do
		[ -f "$f" ] || continue
		assert_eq "$(sha256sum "$f" | cut -d' ' -f1)" "$(basename "$f")" "store blob $f content"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || it_fail "store has no blobs"
}

# --- images: OCI 3 layers, the same as v2s2, 12 layers, base + derived sharing 2 layers
it_make_image "$L" img 3 64
it_make_image "$L" many 12 4
it_make_image "$L" base 2 32
# derived = base's two layers + one more (umoci keeps the base layers byte-identical)
umoci tag --image "$L:base" derived || it_fail "umoci tag"
B="$IT_TMP/bundle-derived"
umoci unpack --rootless --image "$L:derived" "$B" >/dev/null || it_fail "umoci unpack derived"
head -c 20000 /dev/urandom >"$B/rootfs/data/derived.bin"
umoci repack --refresh-bundle --image "$L:derived" --history.created_by "derived layer" "$B" >/dev/null ||
	it_fail "umoci repack derived"
chmod -R u+rwX "$B"; rm -rf "$B"

it_registry_start reg plain
R=$reg_ADDR
it_publish "$L" img "$R/test/img:t1" oci
it_publish "$L" img "$R/test/img:d1" v2s2
it_publish "$L" many "$R/test/many:v1" oci
it_publish "$L" base "$R/test/base:v1" oci
it_publish "$L" derived "$R/test/derived:v1" oci

# --- 1. OCI image
assert_ok pull "$R/test/img:t1"
out_oci=$IT_STDOUT
assert_contains "$out_oci" "t1: Pulling from test/img" "progress header"
assert_contains "$out_oci" "Pull complete" "layers downloaded"
assert_contains "$out_oci" "Status: Downloaded newer image for $R/test/img:t1" "status line"
assert_eq "$(tail -n1 <<<"$out_oci")" "$R/test/img:t1" "last line is the full name"
dig_oci=$(printed_digest)
assert_eq "$dig_oci" "$(registry_digest "$R/test/img:t1")" "OCI: printed digest = registry digest"
assert_eq "$(grep -c 'Pull complete' <<<"$out_oci")" 3 "OCI: 3 layers completed"
# skopeo reads the entry; the entry name is the full normalized reference
assert_ok it_skopeo inspect "oci:$STORE:$R/test/img:t1"
assert_eq "$(jq -r .Digest <<<"$IT_STDOUT")" "$dig_oci" "skopeo oci: digest"
assert_eq "$(jq '.Layers | length' <<<"$IT_STDOUT")" 3 "skopeo oci: 3 layers"
assert_eq "$(jq -r '.Labels["org.cairn.test.tag"]' <<<"$IT_STDOUT")" img "skopeo oci: config label"
# skopeo copy verifies every blob digest while reading
assert_ok it_skopeo copy -q "oci:$STORE:$R/test/img:t1" "dir:$IT_TMP/out-oci"
# the stored manifest is the registry's bytes
curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$reg_URL/v2/test/img/manifests/t1" \
	>"$IT_TMP/m-oci.json"
cmp -s "$IT_TMP/m-oci.json" "$STORE/blobs/sha256/${dig_oci#sha256:}" ||
	it_fail "stored OCI manifest differs from the registry's"
oit_validate "$R/test/img:t1"

# --- 2. Docker schema 2 image (same layers and config: everything already exists)
assert_ok pull "$R/test/img:d1"
dig_v2=$(printed_digest)
assert_eq "$dig_v2" "$(registry_digest "$R/test/img:d1")" "v2s2: printed digest = registry digest"
assert_ne "$dig_v2" "$dig_oci" "v2s2 and OCI manifests differ"
assert_eq "$(jq -r --arg n "$R/test/img:d1" \
	'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .mediaType' \
	"$STORE/index.json")" application/vnd.docker.distribution.manifest.v2+json "v2s2 entry media type"
curl -sf -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
	"$reg_URL/v2/test/img/manifests/d1" >"$IT_TMP/m-v2.json"
cmp -s "$IT_TMP/m-v2.json" "$STORE/blobs/sha256/${dig_v2#sha256:}" ||
	it_fail "stored v2s2 manifest differs from the registry's"
# skopeo 1.9's oci: transport only looks at index.json entries whose mediaType is the OCI
# manifest type ("no descriptor found for reference" otherwise; newer containers/image
# accepts Docker types too). cairn keeps the Docker manifest byte-exact (its digest is the
# image's identity), so on this skopeo read the entry through a view of the store whose
# index.json relabels only the descriptor's mediaType (the blobs are the store's own files);
# through that view skopeo can read the raw manifest and copy (digest-verifying every blob),
# but not `inspect` (it calls a Docker-config OCI manifest an artifact).
v2src="oci:$STORE:$R/test/img:d1"
if ! it_skopeo inspect --raw "$v2src" >/dev/null 2>"$IT_TMP/insp-v2.err"; then
	assert_contains "$(cat "$IT_TMP/insp-v2.err")" "no descriptor found" "skopeo oci: v2s2 entry"
	it_log "skopeo cannot read Docker-typed layout entries; checking via a relabeled view"
	V="$IT_TMP/view-v2"
	mkdir -p "$V"
	cp "$STORE/oci-layout" "$V/"
	ln -s "$STORE/blobs" "$V/blobs"
	jq --arg n "$R/test/img:d1" '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] == $n)
		| .mediaType = "application/vnd.oci.image.manifest.v1+json")' "$STORE/index.json" >"$V/index.json"
	v2src="oci:$V:$R/test/img:d1"
fi
it_skopeo inspect --raw "$v2src" >"$IT_TMP/raw-v2.json" || it_fail "skopeo inspect --raw $v2src"
assert_eq "sha256:$(sha256sum "$IT_TMP/raw-v2.json" | cut -d' ' -f1)" "$dig_v2" "skopeo: v2s2 raw manifest digest"
assert_eq "$(jq '.layers | length' "$IT_TMP/raw-v2.json")" 3 "skopeo: v2s2 layers"
assert_ok it_skopeo copy -q "$v2src" "dir:$IT_TMP/out-v2"
v2cfg=$(jq -r '.config.digest' "$IT_TMP/out-v2/manifest.json")
assert_eq "$(jq -r '.config.Labels["org.cairn.test.tag"]' "$IT_TMP/out-v2/${v2cfg#sha256:}")" img "v2s2 config label"
# oci-image-tool (Debian 1.0.0-rc1) rejects Docker media types by design ("invalid
# descriptor MediaType"), so it is asserted for OCI-typed entries only.

# --- 3. 12 layers
assert_ok pull "$R/test/many:v1"
assert_eq "$(grep -c 'Pull complete' <<<"$IT_STDOUT")" 12 "12 layers completed"
dig_many=$(printed_digest)
assert_eq "$dig_many" "$(registry_digest "$R/test/many:v1")" "many: digest"
assert_ok it_skopeo inspect "oci:$STORE:$R/test/many:v1"
assert_eq "$(jq '.Layers | length' <<<"$IT_STDOUT")" 12 "many: 12 layers in store"
oit_validate "$R/test/many:v1"
assert_ok it_skopeo copy -q "oci:$STORE:$R/test/many:v1" "dir:$IT_TMP/out-many"

# --- 4. pulling again fetches nothing
before=$(cairn_all_blob_gets)
for ref in "$R/test/img:t1" "$R/test/img:d1" "$R/test/many:v1"; do
	assert_ok pull "$ref"
	assert_contains "$IT_STDOUT" "Status: Image is up to date for $ref" "re-pull $ref: up to date"
	assert_not_contains "$IT_STDOUT" "Pull complete" "re-pull $ref: nothing downloaded"
	assert_not_contains "$IT_STDOUT" "Downloading" "re-pull $ref: nothing downloaded"
done
assert_eq "$(grep -c 'Already exists' <<<"$IT_STDOUT")" 12 "re-pull many: 12 x Already exists"
assert_eq "$(cairn_all_blob_gets)" "$before" "re-pull: no blob GETs"

# --- 5. shared layers
assert_ok pull "$R/test/base:v1"
assert_eq "$(grep -c 'Pull complete' <<<"$IT_STDOUT")" 2 "base: 2 layers downloaded"
assert_ok pull "$R/test/derived:v1"
out_der=$IT_STDOUT
assert_eq "$(grep -c 'Already exists' <<<"$out_der")" 2 "derived: 2 shared layers exist"
assert_eq "$(grep -c 'Pull complete' <<<"$out_der")" 1 "derived: 1 new layer"
base_layers=$(it_skopeo inspect --tls-verify=false "docker://$R/test/base:v1" | jq -r '.Layers[]')
der_layers=$(it_skopeo inspect --tls-verify=false "docker://$R/test/derived:v1" | jq -r '.Layers[]')
assert_eq "$(head -n2 <<<"$der_layers")" "$base_layers" "derived starts with base's layers"
for d in $base_layers; do
	assert_contains "$out_der" "${d:7:12}: Already exists" "derived: shared layer $d"
	assert_eq "$(cairn_blob_gets "$d")" 1 "shared blob $d fetched once"
done
new_layer=$(tail -n1 <<<"$der_layers")
assert_contains "$out_der" "${new_layer:7:12}: Pull complete" "derived: new layer"
assert_eq "$(cairn_blob_gets "$new_layer")" 1 "new layer fetched once"
assert_ok it_skopeo copy -q "oci:$STORE:$R/test/derived:v1" "dir:$IT_TMP/out-der"

# --- 6. pull by digest
dig_der=$(registry_digest "$R/test/derived:v1")
before=$(cairn_all_blob_gets)
assert_ok pull "$R/test/derived@$dig_der"
assert_eq "$(printed_digest)" "$dig_der" "by digest: printed digest"
assert_eq "$(tail -n1 <<<"$IT_STDOUT")" "$R/test/derived@$dig_der" "by digest: name"
assert_eq "$(cairn_all_blob_gets)" "$before" "by digest: everything already present"
assert_ok it_skopeo inspect "oci:$STORE:$R/test/derived@$dig_der"
assert_eq "$(jq -r .Digest <<<"$IT_STDOUT")" "$dig_der" "by digest: skopeo reads the entry"
# a digest into a fresh store downloads everything
assert_ok "$CAIRN" --root "$IT_TMP/store2" pull "$R/test/img@$dig_oci"
assert_eq "$(grep -c 'Pull complete' <<<"$IT_STDOUT")" 3 "by digest, fresh store: 3 layers"
assert_ok it_skopeo copy -q "oci:$IT_TMP/store2:$R/test/img@$dig_oci" "dir:$IT_TMP/out-bydig"
# wrong digest (well-formed, no such manifest)
bad="sha256:$(printf 'no such manifest' | sha256sum | cut -d' ' -f1)"
assert_rc 1 pull "$R/test/img@$bad"
assert_eq "$(wc -l <<<"$IT_STDERR")" 1 "wrong digest: one-line error"
assert_contains "$IT_STDERR" "cairn: pull: $R/test/img@$bad: " "wrong digest: error prefix"
assert_contains "$IT_STDERR" "not found" "wrong digest: not found"
# the digest of another repository's manifest is not served under this repository
assert_rc 1 pull "$R/test/img@$dig_der"
assert_contains "$IT_STDERR" "not found" "foreign digest: not found"
# tag and digest: as in docker, the digest wins and the tag is dropped from the name
assert_ok pull "$R/test/img:t1@$dig_v2"
assert_eq "$(printed_digest)" "$dig_v2" "tag@digest: the digest wins"
assert_eq "$(tail -n1 <<<"$IT_STDOUT")" "$R/test/img@$dig_v2" "tag@digest: stored by digest"
if jq -e --arg d "$bad" '.manifests[] | select(.digest == $d)' "$STORE/index.json" >/dev/null; then
	it_fail "wrong digest left an index entry"
fi

check_store_blobs
echo "test-pull-basic: OK"
