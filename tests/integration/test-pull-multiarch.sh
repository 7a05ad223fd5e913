#!/usr/bin/env bash
# cairn pull of multi-platform images (an OCI image index and a Docker manifest list, both
# published by skopeo --all to docker-registry):
#  - the default pull picks the host platform (linux/amd64) and the store entry points at
#    that platform's manifest; for a Docker list, at the OCI twin of the platform's Docker
#    manifest (same config and layers), with dev.cairn.manifest.source = that manifest's
#    digest (stored byte-exact) and dev.cairn.repo.digest = the list's digest
#  - --platform linux/arm64 picks the arm64/v8 image (variant matched loosely)
#  - --all-platforms stores the index itself and every child (manifests, configs, layers);
#    for a Docker list the entry is an OCI index twin whose children are the OCI twins, with
#    source = the list's digest; skopeo and oci-image-tool read both kinds directly
#  - gc keeps every tag's closure (twins and sources) and deletes what a moved entry left
#    behind; rmi deletes twins and sources with the entry
#  - an unavailable platform fails with a message naming it and the available ones
#  - --platform syntax errors and --platform with --all-platforms are usage errors (exit 2)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci oci-image-tool jq curl sha256sum
[ "$(uname -m)" = x86_64 ] || it_skip "the default-platform checks assume a linux/amd64 host"

pull() { "$CAIRN" --root "$STORE" pull "$@"; }
entry() { # entry NAME: the store's index.json descriptor named NAME (compact JSON)
	jq -c --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)' \
		"$STORE/index.json"
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
# reach DIGEST: DIGEST and every blob it references (index children, config, layers), one a line
reach() {
	local j d
	echo "$1"
	j=$(cat "$(blob "$1")")
	for d in $(jq -r '(.manifests // [])[].digest' <<<"$j"); do reach "$d"; done
	jq -r '(.config // empty).digest, (.layers // [])[].digest' <<<"$j"
}
# closure: every blob the store's entries reach (through their sources too), sorted
closure() {
	local d
	for d in $(jq -r '.manifests[] | .digest, (.annotations["dev.cairn.manifest.source"] // empty)' \
		"$STORE/index.json"); do
		reach "$d"
	done | sort -u
}
stored() { find "$STORE/blobs/sha256" -type f -printf 'sha256:%f\n' | sort; }
# same_blobs A B: manifests A and B (JSON) name the same config and layers (digest and size)
same_blobs() {
	assert_eq "$(jq -c '[.config, .layers[]] | map({digest, size})' <<<"$1")" \
		"$(jq -c '[.config, .layers[]] | map({digest, size})' <<<"$2")" "$3"
}
# check_single KIND NAME DOCKER_DIGEST REPO_DIGEST: the entry is NAME's platform image whose
# registry manifest is DOCKER_DIGEST: that manifest itself (oci), or its OCI twin with that
# source (list). Sets TWIN (the entry's digest).
check_single() {
	local kind=$1 name=$2 mdig=$3 rdig=$4 e src tw
	e=$(entry "$name")
	TWIN=$(jq -r .digest <<<"$e")
	assert_eq "$(jq -r .mediaType <<<"$e")" application/vnd.oci.image.manifest.v1+json "$kind $name: entry media type"
	assert_eq "$(jq -r '.annotations["dev.cairn.repo.digest"]' <<<"$e")" "$rdig" "$kind $name: repo digest"
	has_blob "$mdig"
	has_blob "$TWIN"
	assert_eq "$(jq -r .size <<<"$e")" "$(wc -c <"$(blob "$TWIN")")" "$kind $name: entry size"
	if [ "$kind" = oci ]; then
		assert_eq "$TWIN" "$mdig" "$kind $name: entry -> the platform manifest"
		assert_eq "$(jq -r '.annotations["dev.cairn.manifest.source"] // "none"' <<<"$e")" none \
			"$kind $name: no source annotation"
		return 0
	fi
	assert_ne "$TWIN" "$mdig" "$kind $name: entry -> a twin, not the Docker manifest"
	assert_eq "$(jq -r '.annotations["dev.cairn.manifest.source"]' <<<"$e")" "$mdig" \
		"$kind $name: source = the platform's Docker manifest"
	src=$(cat "$(blob "$mdig")")
	tw=$(cat "$(blob "$TWIN")")
	assert_eq "$(jq -r .mediaType <<<"$src")" application/vnd.docker.distribution.manifest.v2+json \
		"$kind $name: source is a Docker manifest"
	assert_eq "$(jq -r '.mediaType + " " + .config.mediaType + " " + ([.layers[].mediaType] | unique | join(","))' <<<"$tw")" \
		"application/vnd.oci.image.manifest.v1+json application/vnd.oci.image.config.v1+json application/vnd.oci.image.layer.v1.tar+gzip" \
		"$kind $name: twin media types"
	same_blobs "$tw" "$src" "$kind $name: twin config/layers = source's"
}

M="$IT_TMP/multi"
it_make_multiarch "$M" multi 2 16
it_registry_start reg plain
R=$reg_ADDR
it_publish "$M" multi "$R/test/multi:oci" --all
it_publish "$M" multi "$R/test/multi:list" v2s2 --all

OCI_INDEX=application/vnd.oci.image.index.v1+json
for kind in oci list; do
	STORE="$IT_TMP/store-$kind"
	NAME="$R/test/multi:$kind"
	it_log "--- $kind"
	idx=$(it_skopeo inspect --raw --tls-verify=false "docker://$NAME")
	idx_dig=$(it_skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$NAME")
	assert_eq "sha256:$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)" "$idx_dig" "$kind: registry index bytes"
	want=$OCI_INDEX
	[ "$kind" = list ] && want=application/vnd.docker.distribution.manifest.list.v2+json
	assert_eq "$(jq -r .mediaType <<<"$idx")" "$want" "$kind: the registry serves an index of this kind"
	amd=$(child_digest "$idx" amd64)
	arm=$(child_digest "$idx" arm64)
	{ [ -n "$amd" ] && [ -n "$arm" ]; } || it_fail "$kind: index lacks amd64/arm64 children"
	amd_reg=$(it_skopeo inspect --raw --tls-verify=false "docker://$R/test/multi@$amd")

	# default: the host platform, linux/amd64
	assert_ok pull "$NAME"
	assert_contains "$IT_STDOUT" "Digest: $idx_dig" "$kind default: prints the index digest"
	check_single "$kind" "$NAME" "$amd" "$idx_dig"
	twin_amd=$TWIN
	assert_eq "$(stored)" "$(closure)" "$kind default: the store holds the entry's closure only"
	# skopeo reads the entry directly: the twin (list) or the manifest itself (oci)
	raw=$(it_skopeo inspect --raw "oci:$STORE:$NAME")
	assert_eq "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$twin_amd" "$kind default: skopeo reads the entry"
	same_blobs "$raw" "$amd_reg" "$kind default: stored manifest is amd64's"
	cfg=$(cat "$(blob "$(jq -r .config.digest <<<"$raw")")")
	assert_eq "$(jq -r '.os + "/" + .architecture' <<<"$cfg")" linux/amd64 "$kind default: config platform"
	assert_ok it_skopeo inspect "oci:$STORE:$NAME"
	assert_eq "$(jq -r '.Digest + " " + .Os + "/" + .Architecture' <<<"$IT_STDOUT")" "$twin_amd linux/amd64" \
		"$kind default: skopeo inspect of the entry"
	assert_ok it_skopeo copy -q "oci:$STORE:$NAME" "dir:$IT_TMP/out-$kind-amd64"
	assert_eq "sha256:$(sha256sum <"$IT_TMP/out-$kind-amd64/manifest.json" | cut -d' ' -f1)" "$twin_amd" \
		"$kind default: skopeo copies the entry's manifest"
	# cairn inspect --raw prints the platform manifest as the registry served it
	assert_eq "sha256:$("$CAIRN" --root "$STORE" inspect --raw "$NAME" | sha256sum | cut -d' ' -f1)" "$amd" \
		"$kind default: cairn inspect --raw is the registry's amd64 manifest"
	assert_ok oci-image-tool validate --type image --ref "name=$NAME" "$STORE"
	if [ -f "$(blob "$arm")" ]; then it_fail "$kind default: arm64 manifest stored too"; fi

	# --platform linux/arm64 (index says arm64/v8: no variant asked, any variant matches)
	assert_ok pull --platform linux/arm64 "$NAME"
	check_single "$kind" "$NAME" "$arm" "$idx_dig"
	twin_arm=$TWIN
	raw=$(cat "$(blob "$arm")")
	cfg=$(cat "$(blob "$(jq -r .config.digest <<<"$raw")")")
	assert_eq "$(jq -r '.architecture + "/" + .variant' <<<"$cfg")" arm64/v8 "$kind arm64: config architecture"
	for l in $(jq -r '.layers[].digest' <<<"$raw"); do has_blob "$l"; done
	assert_ok it_skopeo copy -q "oci:$STORE:$NAME" "dir:$IT_TMP/out-$kind-arm64"
	assert_eq "$(jq -r .architecture "$IT_TMP/out-$kind-arm64/$(jq -r '.config.digest[7:]' <<<"$raw")")" arm64 \
		"$kind arm64: skopeo copy of the entry"
	assert_eq "sha256:$(sha256sum <"$IT_TMP/out-$kind-arm64/manifest.json" | cut -d' ' -f1)" "$twin_arm" \
		"$kind arm64: skopeo copies the entry's manifest"
	# an explicit matching variant works, a wrong one does not
	assert_ok pull --platform linux/arm64/v8 "$NAME"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$twin_arm" "$kind arm64/v8: entry"
	assert_rc 1 pull --platform linux/arm64/v7 "$NAME"
	assert_contains "$IT_STDERR" "linux/arm64/v7" "$kind arm64/v7: names the platform"

	# --all-platforms: the index and every child
	before=$(grep -c '"GET .*/blobs/.*"cairn/' "$reg_LOG" || true)
	assert_ok pull --all-platforms "$NAME"
	e=$(entry "$NAME")
	tidx=$(jq -r .digest <<<"$e")
	assert_eq "$(jq -r .mediaType <<<"$e")" "$OCI_INDEX" "$kind all: entry media type"
	assert_eq "$(jq -r '.annotations["dev.cairn.repo.digest"]' <<<"$e")" "$idx_dig" "$kind all: repo digest"
	if [ "$kind" = oci ]; then
		assert_eq "$tidx" "$idx_dig" "$kind all: entry -> the index"
		assert_eq "$(jq -r '.annotations["dev.cairn.manifest.source"] // "none"' <<<"$e")" none "$kind all: no source"
		want_children="$amd $arm"
	else
		assert_ne "$tidx" "$idx_dig" "$kind all: entry -> the OCI twin of the list"
		assert_eq "$(jq -r '.annotations["dev.cairn.manifest.source"]' <<<"$e")" "$idx_dig" \
			"$kind all: source = the list's digest"
		want_children="$twin_amd $twin_arm"
	fi
	has_blob "$idx_dig"
	has_blob "$tidx"
	assert_eq "$(jq -r .size <<<"$e")" "$(wc -c <"$(blob "$tidx")")" "$kind all: entry size"
	cmp -s "$(blob "$idx_dig")" <(printf '%s' "$idx") || it_fail "$kind all: stored index differs from the registry's"
	# both platforms were pulled before: -a fetches no blob now
	assert_eq "$(grep -c '"GET .*/blobs/.*"cairn/' "$reg_LOG" || true)" "$before" "$kind all: nothing re-fetched"
	# skopeo reads the entry directly: an OCI index of the two platforms' OCI manifests
	raw=$(it_skopeo inspect --raw "oci:$STORE:$NAME")
	assert_eq "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$tidx" "$kind all: skopeo reads the index"
	assert_eq "$(jq -r '.schemaVersion, .mediaType' <<<"$raw" | paste -sd' ')" "2 $OCI_INDEX" "$kind all: an OCI index"
	assert_eq "$(jq '.manifests | length' <<<"$raw")" 2 "$kind all: 2 children"
	assert_eq "$(jq -r '[.manifests[].mediaType] | unique | join(",")' <<<"$raw")" \
		application/vnd.oci.image.manifest.v1+json "$kind all: children are OCI manifests"
	assert_eq "$(jq -c '[.manifests[].platform]' <<<"$raw")" "$(jq -c '[.manifests[].platform]' <<<"$idx")" \
		"$kind all: children platforms"
	assert_eq "$(child_digest "$raw" amd64) $(child_digest "$raw" arm64)" "$want_children" \
		"$kind all: children are the single-platform entries' manifests"
	for m in $(jq -r '.manifests[].digest' <<<"$raw") $(jq -r '.manifests[].digest' <<<"$idx"); do
		has_blob "$m"
		man=$(cat "$(blob "$m")")
		has_blob "$(jq -r .config.digest <<<"$man")"
		for l in $(jq -r '.layers[].digest' <<<"$man"); do has_blob "$l"; done
	done
	for a in amd64 arm64; do
		same_blobs "$(cat "$(blob "$(child_digest "$raw" $a)")")" "$(cat "$(blob "$(child_digest "$idx" $a)")")" \
			"$kind all: $a child names the registry manifest's config/layers"
	done
	assert_eq "$(stored)" "$(closure)" "$kind all: the store holds the entry's closure"
	assert_ok it_skopeo copy -q --all "oci:$STORE:$NAME" "dir:$IT_TMP/out-$kind-all"
	# oci-image-tool validates the index and every child (this store has one entry, so its
	# --ref bug, see test-pull-basic.sh, cannot bite)
	assert_eq "$(jq '.manifests | length' "$STORE/index.json")" 1 "$kind all: one entry in the store"
	assert_ok oci-image-tool validate --type image --ref "name=$NAME" "$STORE"
	assert_contains "$IT_STDOUT" "Validation succeeded" "$kind all: oci-image-tool"
	# cairn inspect --raw prints the registry's index or list
	assert_eq "sha256:$("$CAIRN" --root "$STORE" inspect --raw "$NAME" | sha256sum | cut -d' ' -f1)" "$idx_dig" \
		"$kind all: cairn inspect --raw is the registry's index"
	assert_ok "$CAIRN" --root "$STORE" fsck
	assert_ok "$CAIRN" --root "$STORE" gc
	assert_eq "$IT_STDOUT" "Deleted 0 blobs (0B) and 0 partial downloads" "$kind all: gc keeps everything"
	# rmi deletes the entry's whole closure: index (twin and source), children, configs, layers
	all=$(stored)
	assert_ok "$CAIRN" --root "$STORE" rmi "$NAME"
	assert_eq "$(grep '^Deleted: ' <<<"$IT_STDOUT" | sed 's/^Deleted: //' | sort)" "$all" "$kind all: rmi deletes every blob"
	assert_eq "$(stored)" "" "$kind all: the store is empty after rmi"
	assert_ok "$CAIRN" --root "$STORE" gc
	assert_eq "$IT_STDOUT" "Deleted 0 blobs (0B) and 0 partial downloads" "$kind all: gc after rmi"

	# -a into a fresh store: everything downloaded in one go
	STORE="$IT_TMP/store-$kind-all"
	assert_ok pull -a "$NAME"
	assert_eq "$(grep -c 'Pull complete' <<<"$IT_STDOUT")" 4 "$kind all, fresh: 2 platforms x 2 layers"
	e=$(entry "$NAME")
	assert_eq "$(jq -c '[.mediaType, .digest, .annotations["dev.cairn.manifest.source"]]' <<<"$e")" \
		"$(jq -cn --arg t "$tidx" --arg s "$([ "$kind" = list ] && echo "$idx_dig")" --arg mt "$OCI_INDEX" \
			'[$mt, $t, (if $s == "" then null else $s end)]')" "$kind all, fresh: entry"
	for m in $(jq -r '.manifests[].digest' <<<"$idx") $want_children; do has_blob "$m"; done
	assert_eq "$(stored)" "$(closure)" "$kind all, fresh: the store holds the entry's closure"
	# then a single platform of the same image: already complete, no download
	assert_ok pull --platform linux/arm64 "$NAME"
	assert_eq "$(grep -c 'Already exists' <<<"$IT_STDOUT")" 2 "$kind: arm64 after -a: layers exist"
	check_single "$kind" "$NAME" "$arm" "$idx_dig"
	assert_eq "$TWIN" "$twin_arm" "$kind: arm64 after -a: entry"
	# gc deletes what the -a entry reached and the arm64 entry does not: the index (twin and
	# source) and the amd64 image (its Docker manifest and twin, config, layers)
	amd_man=$(cat "$(blob "$amd")")
	want_gone=$({ printf '%s\n' "$idx_dig" "$tidx" "$amd" "$twin_amd"
		jq -r '.config.digest, .layers[].digest' <<<"$amd_man"; } | sort -u)
	assert_eq "$(comm -23 <(stored) <(closure))" "$want_gone" "$kind: after arm64, the unreached blobs"
	assert_ok "$CAIRN" --root "$STORE" gc
	assert_contains "$IT_STDOUT" "Deleted $(wc -l <<<"$want_gone") blobs (" "$kind: gc after the entry moved"
	assert_eq "$(stored)" "$(closure)" "$kind: gc leaves the arm64 entry's closure"
	has_blob "$arm"
	has_blob "$twin_arm"
	assert_ok "$CAIRN" --root "$STORE" fsck

	# unavailable platform: names it and the available ones; exit 1, one line
	assert_rc 1 pull --platform linux/s390x "$NAME"
	assert_eq "$(wc -l <<<"$IT_STDERR")" 1 "$kind s390x: one-line error"
	assert_contains "$IT_STDERR" "cairn: pull: $NAME: " "$kind s390x: prefix"
	assert_contains "$IT_STDERR" "linux/s390x" "$kind s390x: names the platform"
	assert_contains "$IT_STDERR" "linux/amd64" "$kind s390x: lists amd64"
	assert_contains "$IT_STDERR" "linux/arm64" "$kind s390x: lists arm64"
	assert_eq "$(entry "$NAME" | jq -r .digest)" "$twin_arm" "$kind s390x: entry unchanged"

	# rmi then deletes the arm64 twin and source with the entry; gc finds nothing left
	all=$(stored)
	assert_ok "$CAIRN" --root "$STORE" rmi "$NAME"
	assert_eq "$(grep '^Deleted: ' <<<"$IT_STDOUT" | sed 's/^Deleted: //' | sort)" "$all" "$kind: rmi of arm64 deletes every blob"
	assert_eq "$(stored)" "" "$kind: the store is empty after rmi"
	assert_ok "$CAIRN" --root "$STORE" gc
	assert_eq "$IT_STDOUT" "Deleted 0 blobs (0B) and 0 partial downloads" "$kind: gc after rmi"
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
