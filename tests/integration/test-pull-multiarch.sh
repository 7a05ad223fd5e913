#!/usr/bin/env bash
# cairn pull of multi-platform images (an OCI image index and a Docker manifest list, both
# published by skopeo --all to docker-registry):
#  - the default pull picks the host platform (linux/amd64) and the store entry points at
#    that platform's manifest
#  - --platform linux/arm64 picks the arm64/v8 image (variant matched loosely)
#  - --all-platforms stores the index itself and every child (manifests, configs, layers)
#  - an unavailable platform fails with a message naming it and the available ones
#  - --platform syntax errors and --platform with --all-platforms are usage errors (exit 2)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci jq curl sha256sum
[ "$(uname -m)" = x86_64 ] || it_skip "the default-platform checks assume a linux/amd64 host"

pull() { "$CAIRN" --root "$STORE" pull "$@"; }
entry() { # entry NAME: the store's index.json descriptor named NAME (compact JSON)
	jq -c --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)' \
		"$STORE/index.json"
}
# layout_view NAME: a view of the store with only NAME's entry, relabeled to the OCI media
# type (skopeo 1.9's oci: transport ignores Docker-typed entries); prints the oci: reference.
layout_view() {
	local name=$1 v
	v=$(mktemp -d "$IT_TMP/view.XXXXXX")
	cp "$STORE/oci-layout" "$v/"
	ln -s "$STORE/blobs" "$v/blobs"
	jq --arg n "$name" '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] == $n)
		| .mediaType |= (if . == "application/vnd.docker.distribution.manifest.list.v2+json"
			then "application/vnd.oci.image.index.v1+json"
			elif . == "application/vnd.docker.distribution.manifest.v2+json"
			then "application/vnd.oci.image.manifest.v1+json" else . end))' \
		"$STORE/index.json" >"$v/index.json"
	printf 'oci:%s:%s\n' "$v" "$name"
}
blob() { printf '%s/blobs/sha256/%s\n' "$STORE" "${1#sha256:}"; }
has_blob() { # has_blob DIGEST: present and hashes right
	local f
	f=$(blob "$1")
	[ -f "$f" ] || it_fail "store lacks blob $1"
	assert_eq "sha256:$(sha256sum "$f" | cut -d' ' -f1)" "$1" "store blob $1 content"
}
# child_digest INDEXJSON ARCH: digest of ARCH's manifest in an index
child_digest() { jq -r --arg a "$2" '.manifests[] | select(.platform.architecture == $a) | .digest' <<<"$1"; }

M="$IT_TMP/multi"
it_make_multiarch "$M" multi 2 16
it_registry_start reg plain
R=$reg_ADDR
it_publish "$M" multi "$R/test/multi:oci" --all
it_publish "$M" multi "$R/test/multi:list" v2s2 --all

for kind in oci list; do
	STORE="$IT_TMP/store-$kind"
	NAME="$R/test/multi:$kind"
	it_log "--- $kind"
	idx=$(it_skopeo inspect --raw --tls-verify=false "docker://$NAME")
	idx_dig=$(it_skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$NAME")
	amd=$(child_digest "$idx" amd64)
	arm=$(child_digest "$idx" arm64)
	{ [ -n "$amd" ] && [ -n "$arm" ]; } || it_fail "$kind: index lacks amd64/arm64 children"

	# default: the host platform, linux/amd64
	assert_ok pull "$NAME"
	assert_contains "$IT_STDOUT" "Digest: $idx_dig" "$kind default: prints the index digest"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$amd" "$kind default: entry -> amd64 manifest"
	src=$(layout_view "$NAME")
	raw=$(it_skopeo inspect --raw "$src")
	assert_eq "$(jq -r '.config.digest' <<<"$raw")" \
		"$(it_skopeo inspect --raw --tls-verify=false "docker://$R/test/multi@$amd" | jq -r .config.digest)" \
		"$kind default: stored manifest is amd64's"
	cfg=$(cat "$(blob "$(jq -r .config.digest <<<"$raw")")")
	assert_eq "$(jq -r '.os + "/" + .architecture' <<<"$cfg")" linux/amd64 "$kind default: config platform"
	assert_ok it_skopeo copy -q "$src" "dir:$IT_TMP/out-$kind-amd64"
	assert_eq "$(sha256sum <"$IT_TMP/out-$kind-amd64/manifest.json" | cut -d' ' -f1)" "${amd#sha256:}" \
		"$kind default: skopeo reads the amd64 manifest"
	if [ -f "$(blob "$arm")" ]; then it_fail "$kind default: arm64 manifest stored too"; fi

	# --platform linux/arm64 (index says arm64/v8: no variant asked, any variant matches)
	assert_ok pull --platform linux/arm64 "$NAME"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$arm" "$kind arm64: entry -> arm64 manifest"
	raw=$(cat "$(blob "$arm")")
	cfg=$(cat "$(blob "$(jq -r .config.digest <<<"$raw")")")
	assert_eq "$(jq -r '.architecture + "/" + .variant' <<<"$cfg")" arm64/v8 "$kind arm64: config architecture"
	for l in $(jq -r '.layers[].digest' <<<"$raw"); do has_blob "$l"; done
	assert_ok it_skopeo copy -q "$(layout_view "$NAME")" "dir:$IT_TMP/out-$kind-arm64"
	assert_eq "$(jq -r .architecture "$IT_TMP/out-$kind-arm64/$(jq -r '.config.digest[7:]' <<<"$raw")")" arm64 \
		"$kind arm64: skopeo copy of the entry"
	# an explicit matching variant works, a wrong one does not
	assert_ok pull --platform linux/arm64/v8 "$NAME"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$arm" "$kind arm64/v8: entry"
	assert_rc 1 pull --platform linux/arm64/v7 "$NAME"
	assert_contains "$IT_STDERR" "linux/arm64/v7" "$kind arm64/v7: names the platform"

	# --all-platforms: the index and every child
	before=$(grep -c '"GET .*/blobs/.*"cairn/' "$reg_LOG" || true)
	assert_ok pull --all-platforms "$NAME"
	e=$(entry "$NAME")
	assert_eq "$(jq -r .digest <<<"$e")" "$idx_dig" "$kind all: entry -> the index"
	want=application/vnd.oci.image.index.v1+json
	[ "$kind" = list ] && want=application/vnd.docker.distribution.manifest.list.v2+json
	assert_eq "$(jq -r .mediaType <<<"$e")" "$want" "$kind all: entry media type"
	# both platforms were pulled before: -a fetches no blob now
	assert_eq "$(grep -c '"GET .*/blobs/.*"cairn/' "$reg_LOG" || true)" "$before" "$kind all: nothing re-fetched"
	src=$(layout_view "$NAME")
	raw=$(it_skopeo inspect --raw "$src")
	assert_eq "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$idx_dig" "$kind all: skopeo reads the index"
	assert_eq "$(jq '.manifests | length' <<<"$raw")" 2 "$kind all: 2 children"
	has_blob "$idx_dig"
	for m in $(jq -r '.manifests[].digest' <<<"$raw"); do
		has_blob "$m"
		man=$(cat "$(blob "$m")")
		has_blob "$(jq -r .config.digest <<<"$man")"
		for l in $(jq -r '.layers[].digest' <<<"$man"); do has_blob "$l"; done
	done
	assert_ok it_skopeo copy -q --all "$src" "dir:$IT_TMP/out-$kind-all"
	if [ "$kind" = oci ]; then
		# oci-image-tool understands OCI indexes (Docker lists are outside its scope); give it
		# a layout holding only this entry (see test-pull-basic.sh for why).
		v="$IT_TMP/oit-$kind"
		mkdir -p "$v"; cp "$STORE/oci-layout" "$v/"
		cp -al "$STORE/blobs" "$v/blobs" 2>/dev/null || cp -a "$STORE/blobs" "$v/blobs"
		jq --arg n "$NAME" '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] == $n))' \
			"$STORE/index.json" >"$v/index.json"
		assert_ok oci-image-tool validate --type image --ref "name=$NAME" "$v"
	fi

	# -a into a fresh store: everything downloaded in one go
	STORE="$IT_TMP/store-$kind-all"
	assert_ok pull -a "$NAME"
	assert_eq "$(grep -c 'Pull complete' <<<"$IT_STDOUT")" 4 "$kind all, fresh: 2 platforms x 2 layers"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$idx_dig" "$kind all, fresh: entry"
	for m in $(jq -r '.manifests[].digest' <<<"$idx"); do has_blob "$m"; done
	# then a single platform of the same image: already complete, no download
	assert_ok pull --platform linux/arm64 "$NAME"
	assert_eq "$(grep -c 'Already exists' <<<"$IT_STDOUT")" 2 "$kind: arm64 after -a: layers exist"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$arm" "$kind: arm64 after -a: entry"

	# unavailable platform: names it and the available ones; exit 1, one line
	assert_rc 1 pull --platform linux/s390x "$NAME"
	assert_eq "$(wc -l <<<"$IT_STDERR")" 1 "$kind s390x: one-line error"
	assert_contains "$IT_STDERR" "cairn: pull: $NAME: " "$kind s390x: prefix"
	assert_contains "$IT_STDERR" "linux/s390x" "$kind s390x: names the platform"
	assert_contains "$IT_STDERR" "linux/amd64" "$kind s390x: lists amd64"
	assert_contains "$IT_STDERR" "linux/arm64" "$kind s390x: lists arm64"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$arm" "$kind s390x: entry unchanged"
done

# usage errors
STORE="$IT_TMP/store-usage"
assert_rc 2 pull --platform bad "$R/test/multi:oci"
assert_contains "$IT_STDERR" "bad" "--platform bad: names the value"
assert_rc 2 pull --platform linux/arm64 --all-platforms "$R/test/multi:oci"
assert_contains "$IT_STDERR" "--all-platforms" "--platform with -a"

# a single-platform image pulled with --platform of another arch: cairn pulls the one image
# there is only if it matches; the host-arch image made by it_make_image is linux/amd64.
L="$IT_TMP/single"
it_make_image "$L" one 1 8
it_publish "$L" one "$R/test/single:v1"
STORE="$IT_TMP/store-single"
assert_ok pull -a "$R/test/single:v1"
assert_eq "$(entry "$R/test/single:v1" | jq -r .mediaType)" application/vnd.oci.image.manifest.v1+json \
	"-a of a single-platform image stores the manifest"

echo "test-pull-multiarch: OK"
