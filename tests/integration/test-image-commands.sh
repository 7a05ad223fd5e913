#!/usr/bin/env bash
# The local image commands (images, inspect, history, tag, rmi, image prune) on images pulled
# from a real docker-registry, checked against skopeo reading the same store (oci:ROOT:REF):
#  - image IDs are config digests; sizes are config + layers as stored; newest first
#  - inspect has docker image inspect's shape; --raw/--raw-config print the stored bytes (for a
#    Docker schema 2 image, whose entry is an OCI twin, the registry's original manifest)
#  - history has one row per config history entry, layers matched through empty_layer
#  - tag adds an entry skopeo sees; rmi untags and deletes exactly the blobs no tag uses
#  - image prune deletes what a re-pulled tag left behind
#  - every listing's --format json parses; errors are one line, usage errors exit 2
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci jq sha256sum

STORE="$IT_TMP/store"
L="$IT_TMP/layout"
M="$IT_TMP/multi"
cairn() { "$CAIRN" --root "$STORE" "$@"; }

# Facts about a stored image, read by skopeo from the store.
raw_manifest() { it_skopeo inspect --raw "oci:$STORE:$1"; }
manifest_digest() { printf 'sha256:%s' "$(raw_manifest "$1" | sha256sum | cut -d' ' -f1)"; }
config_digest() { raw_manifest "$1" | jq -r .config.digest; }
config_json() { it_skopeo inspect --raw --config "oci:$STORE:$1"; }
stored_size() { raw_manifest "$1" | jq '[.config.size, .layers[].size] | add'; }
blob_file() { printf '%s/blobs/%s' "$STORE" "${1/://}"; }
# The registry's view (an independent source for the v2s2 image's facts).
reg_config_json() { it_skopeo inspect --tls-verify=false --raw --config "docker://$1"; }
reg_raw_manifest() { it_skopeo inspect --tls-verify=false --raw "docker://$1"; }
reg_config_digest() { it_skopeo inspect --tls-verify=false --raw "docker://$1" | jq -r .config.digest; }
registry_digest() { it_skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$1"; }
nlines() { if [ -z "$1" ]; then echo 0; else wc -l <<<"$1"; fi; }

it_registry_start reg plain
R="$reg_ADDR/test"
it_make_image "$L" t1 3 100
it_make_image "$L" t2 1 10
it_make_image "$L" t3 2 5
it_make_image "$L" t3new 1 5
it_make_multiarch "$M" multi 1 16
it_publish "$L" t1 "$R/img:t1" oci
it_publish "$L" t2 "$R/img:t2" v2s2
it_publish "$L" t3 "$R/other:t3" oci
it_publish "$M" multi "$R/multi:1" --all
assert_ok cairn pull -q "$R/img:t1"
assert_ok cairn pull -q "$R/img:t2"
assert_ok cairn pull -q -a "$R/multi:1"

T1="$R/img:t1" T2="$R/img:t2" MU="$R/multi:1"
id1=$(config_digest "$T1")
id2=$(config_digest "$T2")
rd1=$(registry_digest "$T1")
rd2=$(registry_digest "$T2")
raw_manifest "$T1" >"$IT_TMP/raw1.skopeo"
raw1() { cat "$IT_TMP/raw1.skopeo"; }
size1=$(raw1 | jq '[.config.size, .layers[].size] | add')
mdig1="sha256:$(raw1 | sha256sum | cut -d' ' -f1)"
assert_eq "$mdig1" "$rd1" "the stored manifest is the one the registry served"
# the v2s2 image: skopeo reads its entry directly, an OCI twin of the registry's Docker manifest
# (same config and layers) whose source, the registry's bytes, is stored beside it
reg_raw_manifest "$T2" >"$IT_TMP/raw2.registry"
assert_eq "sha256:$(sha256sum <"$IT_TMP/raw2.registry" | cut -d' ' -f1)" "$rd2" "v2s2: registry bytes"
assert_eq "$id2" "$(reg_config_digest "$T2")" "v2s2: the image ID is the registry's config digest"
e2=$(jq -c --arg n "$T2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)' \
	"$STORE/index.json")
twin2=$(manifest_digest "$T2")
assert_eq "$(jq -c '[.mediaType, .digest, .annotations["dev.cairn.manifest.source"]]' <<<"$e2")" \
	"$(jq -cn --arg t "$twin2" --arg s "$rd2" '["application/vnd.oci.image.manifest.v1+json", $t, $s]')" \
	"v2s2: the entry is the OCI twin, source = the registry digest"
cmp -s "$(blob_file "$rd2")" "$IT_TMP/raw2.registry" || it_fail "v2s2: stored source differs from the registry's bytes"
assert_eq "$(raw_manifest "$T2" | jq -c '[.config, .layers[]] | map({digest, size})')" \
	"$(jq -c '[.config, .layers[]] | map({digest, size})' "$IT_TMP/raw2.registry")" "v2s2: twin names the source's blobs"
mapfile -t layers2 < <(raw_manifest "$T2" | jq -r '.layers[].digest')
# the multi-platform entry shows the host's (amd64) image: its config, as skopeo picks it
idm="sha256:$(config_json "$MU" | sha256sum | cut -d' ' -f1)"
assert_eq "$(config_json "$MU" | jq -r .architecture)" amd64 "skopeo picks amd64"

# ------------------------------------------------------------------ images
assert_ok cairn images
out=$IT_STDOUT
assert_eq "$(nlines "$out")" 4 "images: header + 3 rows"
assert_eq "$(head -1 <<<"$out" | tr -s ' ')" "REPOSITORY TAG IMAGE ID CREATED SIZE" "images header"
row=$(grep -F "$R/img " <<<"$out" | grep -F ' t1 ')
assert_contains "$row" "${id1:7:12}" "images: t1 IMAGE ID is the config digest"
row=$(grep -F "$R/multi " <<<"$out")
assert_contains "$row" "${idm:7:12}" "images: multi shows the host platform's config"

assert_ok cairn images --format json
js=$IT_STDOUT
assert_eq "$(jq length <<<"$js")" 3 "images json length"
assert_eq "$(jq -r --arg r "$R/img" '.[] | select(.Repository == $r and .Tag == "t1") | .ID' <<<"$js")" \
	"$id1" "images json ID"
assert_eq "$(jq -r '.[] | select(.Tag == "t1") | .Size' <<<"$js")" "$size1" "images json Size"
assert_eq "$(jq -r '.[] | select(.Tag == "t2") | .Digest' <<<"$js")" "$rd2" \
	"images json Digest is the registry's digest"
# newest first (to the second: within one, rows are ordered by name)
assert_eq "$(jq '[.[].CreatedAt | sub("\\.[0-9]+"; "")] | . == (sort | reverse)' <<<"$js")" true \
	"images newest first"

assert_ok cairn images --digests
row=$(grep -F ' t1 ' <<<"$IT_STDOUT")
assert_contains "$row" "$rd1" "images --digests"
assert_contains "$(head -1 <<<"$IT_STDOUT")" "DIGEST" "images --digests header"

assert_ok cairn images -q
assert_eq "$(sort <<<"$IT_STDOUT")" "$(printf '%s\n' "${id1:7:12}" "${id2:7:12}" "${idm:7:12}" | sort)" "images -q"
assert_ok cairn images -q --no-trunc
assert_contains "$IT_STDOUT" "$id1" "images -q --no-trunc"

assert_ok cairn images --format json "$R/img"
assert_eq "$(jq -c '[.[].Tag] | sort' <<<"$IT_STDOUT")" '["t1","t2"]' "images REPO filter"
assert_ok cairn images --format json "$T2"
assert_eq "$(jq -c '[.[].Tag]' <<<"$IT_STDOUT")" '["t2"]' "images REPO:TAG filter"
assert_ok cairn images --format json redis
assert_eq "$(jq length <<<"$IT_STDOUT")" 0 "images filter without match"
assert_ok cairn image ls -q
assert_eq "$(nlines "$IT_STDOUT")" 3 "image ls is images"
assert_rc 2 cairn images --bogus
assert_rc 2 cairn images --format yaml
assert_rc 2 cairn images a b
assert_ok cairn images --help
assert_contains "$IT_STDOUT" "Usage: cairn images"
assert_ok "$CAIRN" --root "$IT_TMP/nostore" images --format json
assert_eq "$(jq length <<<"$IT_STDOUT")" 0 "images without a store"

# ------------------------------------------------------------------ inspect
cfg1=$(config_json "$T1")
assert_ok cairn inspect "$T1"
js=$IT_STDOUT
assert_eq "$(jq length <<<"$js")" 1 "inspect: one element"
assert_eq "$(jq -r '.[0].Id' <<<"$js")" "$id1" "inspect Id"
assert_eq "$(jq -c '.[0].RepoTags' <<<"$js")" "[\"$T1\"]" "inspect RepoTags"
assert_eq "$(jq -c '.[0].RepoDigests' <<<"$js")" "[\"$R/img@$rd1\"]" "inspect RepoDigests"
assert_eq "$(jq -c '.[0].RootFS' <<<"$js")" "$(jq -c '{Type: "layers", Layers: .rootfs.diff_ids}' <<<"$cfg1")" "inspect RootFS"
assert_eq "$(jq -c '.[0].History' <<<"$js")" "$(jq -c .history <<<"$cfg1")" "inspect History"
assert_eq "$(jq -c '.[0].Config' <<<"$js")" "$(jq -c .config <<<"$cfg1")" "inspect Config"
assert_eq "$(jq -r '.[0].Config.Labels["org.cairn.test.tag"]' <<<"$js")" t1 "inspect label"
assert_eq "$(jq -r '.[0] | .Created + " " + .Os + " " + .Architecture' <<<"$js")" \
	"$(jq -r '.created + " " + .os + " " + .architecture' <<<"$cfg1")" "inspect Created/Os/Architecture"
assert_eq "$(jq -r '.[0] | has("Variant")' <<<"$js")" false "inspect: no Variant when unset"
assert_eq "$(jq -r '.[0].Size' <<<"$js")" "$size1" "inspect Size"
assert_eq "$(jq -c '.[0].Descriptor' <<<"$js")" \
	"$(jq -c --arg d "$mdig1" --argjson s "$(raw1 | wc -c)" \
		-n '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s}')" \
	"inspect Descriptor"
assert_eq "$(jq -r '.[0] | keys_unsorted | join(",")' <<<"$js")" \
	"Id,RepoTags,RepoDigests,Parent,Comment,Created,DockerVersion,Author,Config,Architecture,Os,Size,RootFS,History,Descriptor" \
	"inspect keys in docker's order"

assert_ok cairn inspect "${id1:7:12}"
assert_eq "$(jq -r '.[0].Id' <<<"$IT_STDOUT")" "$id1" "inspect by short ID"
assert_ok cairn image inspect "$id1"
assert_eq "$(jq -r '.[0].Id' <<<"$IT_STDOUT")" "$id1" "image inspect by full ID"
assert_ok cairn inspect --format json "$T2" "$MU"
assert_eq "$(jq -c '[.[].Id]' <<<"$IT_STDOUT")" "[\"$id2\",\"$idm\"]" "inspect two images"
assert_eq "$(jq -c '.[0].Descriptor' <<<"$IT_STDOUT")" \
	"$(jq -cn --arg d "$rd2" --argjson s "$(wc -c <"$IT_TMP/raw2.registry")" \
		'{mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest: $d, size: $s}')" \
	"inspect v2s2 Descriptor"
assert_eq "$(jq -r '.[1].Descriptor.digest' <<<"$IT_STDOUT")" \
	"$(raw_manifest "$MU" | jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest')" \
	"inspect multi: Descriptor is the platform manifest"

# --raw / --raw-config: the exact stored bytes
cairn inspect --raw "$T1" >"$IT_TMP/raw1"
cmp -s "$IT_TMP/raw1" "$IT_TMP/raw1.skopeo" || it_fail "inspect --raw differs from the stored manifest"
cairn inspect --raw-config "$T1" >"$IT_TMP/cfg1"
assert_eq "sha256:$(sha256sum <"$IT_TMP/cfg1" | cut -d' ' -f1)" "$id1" "inspect --raw-config bytes"
cairn inspect --raw "$T2" >"$IT_TMP/raw2"
cmp -s "$IT_TMP/raw2" "$IT_TMP/raw2.registry" || it_fail "inspect --raw v2s2: not the registry's manifest"
cairn inspect --raw-config "$T2" >"$IT_TMP/cfg2"
assert_eq "sha256:$(sha256sum <"$IT_TMP/cfg2" | cut -d' ' -f1)" "$id2" "inspect --raw-config v2s2 bytes"
assert_ok cairn inspect --raw "$MU"
assert_eq "$(jq -r .mediaType <<<"$IT_STDOUT")" application/vnd.oci.image.index.v1+json "inspect --raw multi: the index"

# a missing image: the array of what was found, then one error line; exit 1
assert_rc 1 cairn inspect "$T1" nope:1
assert_eq "$(jq -r '.[0].Id' <<<"$IT_STDOUT")" "$id1" "inspect partial output"
assert_eq "$(nlines "$IT_STDERR")" 1 "inspect: one error line"
assert_contains "$IT_STDERR" "No such image: nope:1"
assert_rc 2 cairn inspect
assert_rc 2 cairn inspect --format table "$T1"
assert_rc 2 cairn inspect --raw "$T1" "$T2"

# ------------------------------------------------------------------ history
nhist=$(jq '.history | length' <<<"$cfg1")
assert_eq "$nhist" 4 "t1 has 3 layer entries + 1 empty"
assert_ok cairn history "$T1"
out=$IT_STDOUT
assert_eq "$(nlines "$out")" $((nhist + 1)) "history rows = config history length"
assert_eq "$(head -1 <<<"$out" | tr -s ' ')" "IMAGE CREATED CREATED BY SIZE COMMENT" "history header"
assert_eq "$(sed -n 2p <<<"$out" | cut -d' ' -f1)" "${id1:7:12}" "history: top row has the ID"
assert_eq "$(tail -n +3 <<<"$out" | cut -d' ' -f1 | sort -u)" "<missing>" "history: other rows <missing>"
assert_contains "$(sed -n 2p <<<"$out")" "it_make_image: config" "history newest first"
assert_contains "$(tail -1 <<<"$out")" "it_make_image: layer 1 adds /data/layer-1.bi…" "history truncates"
assert_contains "$(sed -n 2p <<<"$out")" " 0B " "history: empty layer is 0B"
# columns line up although "…" is 3 bytes: SIZE starts at the same character in every row
cols=$(python3 -c '
import re, sys
rows = sys.stdin.read().splitlines()
starts = {tuple(m.end() for m in re.finditer(" {3,}", r))[:4] for r in rows}
print(len(starts))' <<<"$out")
assert_eq "$cols" 1 "history columns aligned (by characters)"

assert_ok cairn history --format json "$T1"
js=$IT_STDOUT
assert_eq "$(jq length <<<"$js")" "$nhist" "history json length"
assert_eq "$(jq -r '.[0].ID' <<<"$js")" "$id1" "history json top ID"
assert_eq "$(jq -r '[.[1:][].ID] | unique | join(",")' <<<"$js")" "<missing>" "history json <missing>"
assert_eq "$(jq -c '[.[] | select(.EmptyLayer | not) | .Layer] | reverse' <<<"$js")" \
	"$(raw1 | jq -c '[.layers[].digest]')" "history json layers in order"
assert_eq "$(jq '[.[].Size] | add' <<<"$js")" "$(raw1 | jq '[.layers[].size] | add')" \
	"history sizes are the layers' sizes"
assert_eq "$(jq -r '.[-1].CreatedBy' <<<"$js")" "it_make_image: layer 1 adds /data/layer-1.bin (100 KiB)" \
	"history json untruncated"

assert_ok cairn history -H=false --no-trunc "$T1"
out=$IT_STDOUT
assert_contains "$(head -1 <<<"$out")" "CREATED AT" "history -H=false header"
assert_contains "$out" "(100 KiB)" "history --no-trunc"
assert_contains "$(sed -n 2p <<<"$out")" "$id1" "history --no-trunc full ID"
l1size=$(raw1 | jq '.layers[0].size')
assert_contains "$(tail -1 <<<"$out")" " $l1size " "history -H=false bytes"
[[ $(tail -1 <<<"$out") =~ \ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2})\  ]] ||
	it_fail "history -H=false: no RFC 3339 time in: $(tail -1 <<<"$out")"
assert_ok cairn history --human=false "$T1"
assert_contains "$IT_STDOUT" " $l1size " "history --human=false"
assert_ok cairn history -q "$T1"
assert_eq "$(nlines "$IT_STDOUT")" "$nhist" "history -q rows"
assert_ok cairn history --format json "$T2"
assert_eq "$(jq length <<<"$IT_STDOUT")" "$(config_json "$T2" | jq '.history | length')" "history v2s2"
assert_eq "$(config_json "$T2" | jq -c .history)" "$(reg_config_json "$T2" | jq -c .history)" \
	"v2s2: stored config history = the registry's"
assert_rc 1 cairn history nope
assert_eq "$(nlines "$IT_STDERR")" 1 "history: one error line"
assert_rc 2 cairn history
assert_rc 2 cairn history -H=maybe "$T1"

# ------------------------------------------------------------------ tag
assert_ok cairn tag "$T1" mine:1
assert_eq "$IT_STDOUT" "" "tag prints nothing"
assert_ok cairn tag "${id1:7:12}" "$R/img:t1-again"
assert_ok cairn inspect "$T1"
assert_eq "$(jq -c '.[0].RepoTags' <<<"$IT_STDOUT")" "[\"$T1\",\"$R/img:t1-again\",\"mine:1\"]" "RepoTags after tag"
assert_eq "$(jq -c '.[0].RepoDigests' <<<"$IT_STDOUT")" "[\"$R/img@$rd1\"]" \
	"tag to another repository adds no repo digest"
assert_eq "$(manifest_digest docker.io/library/mine:1)" "$mdig1" "skopeo sees the new tag"
assert_ok cairn images --format json mine
assert_eq "$(jq -r '.[0] | .ID + " " + .Digest' <<<"$IT_STDOUT")" "$id1 <none>" "images: the new tag"
assert_rc 1 cairn tag "$T1" "mine@sha256:$(printf '%064d' 0)"
assert_rc 1 cairn tag nope:1 x:1
assert_eq "$(nlines "$IT_STDERR")" 1 "tag: one error line"
assert_contains "$IT_STDERR" "No such image: nope:1"
assert_rc 1 cairn tag "$T1" 'Bad:Name'
assert_rc 2 cairn tag "$T1"

# ------------------------------------------------------------------ rmi
assert_rc 1 cairn rmi "$id1"
assert_contains "$IT_STDERR" "image is referenced in multiple repositories" "rmi by ID needs -f"
assert_ok cairn rmi mine:1
assert_eq "$IT_STDOUT" "Untagged: mine:1" "rmi of one of several tags only untags"
assert_fails it_skopeo inspect "oci:$STORE:docker.io/library/mine:1"
assert_ok cairn rmi "$R/img:t1-again"
assert_eq "$IT_STDOUT" "Untagged: $R/img:t1-again" "rmi t1-again only untags"
[ -f "$(blob_file "$id1")" ] || it_fail "config deleted while still tagged"

mdig=$mdig1
mapfile -t layers < <(raw1 | jq -r '.layers[].digest')
assert_ok cairn rmi "$T1"
out=$IT_STDOUT
assert_eq "$(sed -n 1,2p <<<"$out")" "Untagged: $T1
Untagged: $R/img@$rd1" "rmi untag lines"
assert_eq "$(grep '^Deleted: ' <<<"$out" | sed 's/^Deleted: //' | sort)" \
	"$(printf '%s\n' "$mdig" "$id1" "${layers[@]}" | sort)" "rmi deletes manifest, config, layers"
for d in "$mdig" "$id1" "${layers[@]}"; do
	[ ! -e "$(blob_file "$d")" ] || it_fail "rmi left blob $d"
done
assert_fails it_skopeo inspect "oci:$STORE:$T1"
assert_ok it_skopeo inspect "oci:$STORE:$MU"
assert_ok cairn inspect "$T2"
assert_ok cairn images -q
assert_eq "$(nlines "$IT_STDOUT")" 2 "images after rmi"

# by ID with two tags in one repository: needs -f, then removes both and deletes
assert_ok cairn tag "$T2" "$R/img:t2b"
assert_rc 1 cairn rmi "${id2:7:12}"
assert_ok cairn rmi -f "${id2:7:12}"
assert_contains "$IT_STDOUT" "Untagged: $T2"
assert_contains "$IT_STDOUT" "Untagged: $R/img:t2b"
assert_eq "$(grep '^Deleted: ' <<<"$IT_STDOUT" | sed 's/^Deleted: //' | sort)" \
	"$(printf '%s\n' "$twin2" "$rd2" "$id2" "${layers2[@]}" | sort)" \
	"rmi -f v2s2: deletes twin, source, config, layers"
for d in "$twin2" "$rd2" "$id2" "${layers2[@]}"; do
	[ ! -e "$(blob_file "$d")" ] || it_fail "rmi -f left blob $d"
done
assert_rc 1 cairn rmi nope "$MU"
assert_eq "$(nlines "$IT_STDERR")" 1 "rmi: one error line for the missing image"
assert_contains "$IT_STDOUT" "Untagged: $MU" "rmi goes on after a missing image"
assert_contains "$IT_STDOUT" "Deleted: $idm"
assert_ok cairn images --format json
assert_eq "$IT_STDOUT" "[]" "no images left"
assert_eq "$(find "$STORE/blobs" -type f | wc -l)" 0 "rmi deleted every blob"
assert_rc 2 cairn rmi

# pulled by tag and by digest: removing the tag drops the digest reference too, as docker does
assert_ok cairn pull -q "$R/img@$rd2"
assert_ok cairn pull -q "$T2"
assert_ok cairn images --format json "$R/img"
assert_eq "$(jq -c '[.[] | .Tag + " " + .Digest] | sort' <<<"$IT_STDOUT")" "[\"<none> $rd2\",\"t2 $rd2\"]" \
	"images: a digest-only entry"
assert_eq "$(jq -c --arg n "$R/img@$rd2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)
	| [.digest, .annotations["dev.cairn.manifest.source"]]' "$STORE/index.json")" "[\"$twin2\",\"$rd2\"]" \
	"v2s2 by digest: the same twin and source"
assert_ok cairn inspect "$R/img@$rd2"
assert_eq "$(jq -c '.[0] | [.Id, .RepoTags, .RepoDigests]' <<<"$IT_STDOUT")" \
	"[\"$id2\",[\"$T2\"],[\"$R/img@$rd2\"]]" "inspect by repo digest"
assert_ok cairn rmi "$T2"
assert_eq "$(grep '^Untagged: ' <<<"$IT_STDOUT")" "Untagged: $T2
Untagged: $R/img@$rd2" "rmi drops the digest reference"
assert_eq "$(grep '^Deleted: ' <<<"$IT_STDOUT" | sed 's/^Deleted: //' | sort)" \
	"$(printf '%s\n' "$twin2" "$rd2" "$id2" "${layers2[@]}" | sort)" \
	"rmi of the v2s2 image pulled twice: twin, source, config, layers, each once"
assert_eq "$(find "$STORE/blobs" -type f | wc -l)" 0 "rmi deleted the image pulled twice"
assert_ok cairn gc
assert_eq "$IT_STDOUT" "Deleted 0 blobs (0B) and 0 partial downloads" "gc after rmi: nothing left"

# ------------------------------------------------------------------ image prune
# A re-pulled tag leaves the old image's blobs behind: prune deletes exactly those.
assert_ok cairn pull -q "$R/other:t3"
old_m=$(manifest_digest "$R/other:t3")
old_c=$(config_digest "$R/other:t3")
mapfile -t old_layers < <(raw_manifest "$R/other:t3" | jq -r '.layers[].digest')
old_bytes=$(($(stored_size "$R/other:t3") + $(raw_manifest "$R/other:t3" | wc -c)))
it_publish "$L" t3new "$R/other:t3" oci
assert_ok cairn pull -q "$R/other:t3"
assert_ne "$(manifest_digest "$R/other:t3")" "$old_m" "the tag moved"
echo n | cairn image prune >"$IT_TMP/prune.out" 2>&1 || it_fail "image prune (declined) failed"
assert_contains "$(cat "$IT_TMP/prune.out")" "Are you sure you want to continue?" "prune asks"
[ -f "$(blob_file "$old_c")" ] || it_fail "declined prune deleted something"
assert_ok cairn image prune -f
out=$IT_STDOUT
assert_eq "$(grep '^Deleted: ' <<<"$out" | sed 's/^Deleted: //' | sort)" \
	"$(printf '%s\n' "$old_m" "$old_c" "${old_layers[@]}" | sort)" "prune deletes the old image"
want_total=$(python3 -c "
n = $old_bytes
for u in ['B', 'kB', 'MB']:
    if n < 1000 or u == 'MB':
        print(('%dB' % n) if u == 'B' else ('%.3g%s' % (n, u)))
        break
    n /= 1000")
assert_eq "$(tail -1 <<<"$out")" "Total reclaimed space: $want_total" "prune total"
assert_ok it_skopeo inspect "oci:$STORE:$R/other:t3"
assert_ok cairn image prune -f
assert_eq "$IT_STDOUT" "Total reclaimed space: 0B" "nothing left to prune"
assert_ok cairn image prune -a -f
assert_contains "$IT_STDOUT" "Untagged: $R/other:t3"
assert_eq "$(find "$STORE/blobs" -type f | wc -l)" 0 "prune -a deletes everything"
assert_rc 2 cairn image prune extra
assert_rc 2 cairn image nosuch
assert_ok cairn image --help
assert_contains "$IT_STDOUT" "prune"

echo "image commands: OK"
