#!/usr/bin/env bash
# test-sbom-layers: `cairn sbom` reads package databases straight from an image's layers,
# honouring whiteouts, and names the layer that added each package.
#
#  - layer 1 (import of a directory): the real minbase dpkg status (88 packages), os-release in
#    usr/lib with the usual etc/os-release -> ../usr/lib/os-release symlink
#  - layer 2 (append): a real Alpine apk database (14 packages) and the dpkg status with one
#    version changed (libcap2) and one package added (python3-cryptography): those two are
#    layer 2's, the others stay layer 1's. Debian's cryptography dist-info, listed in the
#    package's info/*.list, is a Python package owned by the OS (os_owned); pip's in
#    /usr/local is not.
#  - layer 3 (append): a whiteout of the apk database: its packages are gone
#  - the SBOM cache (ROOT/state/sbom): a second look reads the cache and says the same, a
#    damaged cache file is rebuilt, another name of the same image is named as asked, and
#    `cairn gc` drops the cache of an image that is gone
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need jq tar sed
FIX=$(it_fixtures)
STATUS=$FIX/pkgdb/dpkg/bookworm-minbase-image.status
APKDB=$FIX/pkgdb/apk/installed-alpine-3.16-multiple
PYDIR=$FIX/pkgdb/python/debian-bookworm
[ -f "$STATUS" ] && [ -f "$APKDB" ] && [ -d "$PYDIR" ] || it_skip "pkgdb fixtures missing under $FIX"
"$CAIRN" sbom --help >/dev/null 2>&1 || it_skip "this cairn has no working 'sbom' command"

STORE=$IT_TMP/store
cairn() { "$CAIRN" --root "$STORE" "$@"; }
sbom() { cairn sbom --format json "$1" >"$IT_TMP/$1.json" 2>"$IT_TMP/sbom.err" ||
	it_fail "cairn sbom $1 failed: $(head -c 2000 "$IT_TMP/sbom.err")"; }
q() { jq -r "$2" "$IT_TMP/$1.json"; }

# ---------------------------------------------------------------- the images
L0=$IT_TMP/l0
mkdir -p "$L0/etc" "$L0/usr/lib" "$L0/var/lib/dpkg"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' \
	>"$L0/usr/lib/os-release"
ln -s ../usr/lib/os-release "$L0/etc/os-release"
cp "$STATUS" "$L0/var/lib/dpkg/status"
assert_ok cairn import "$L0" one

L1=$IT_TMP/l1
mkdir -p "$L1/lib/apk/db" "$L1/var/lib/dpkg"
cp "$APKDB" "$L1/lib/apk/db/installed"
sed 's/^Version: 1:2.66-4+deb12u3+b1$/Version: 1:2.66-4+deb12u3+b2/' "$STATUS" >"$L1/var/lib/dpkg/status"
grep -q '+b2$' "$L1/var/lib/dpkg/status" || it_fail "the fixture's libcap2 version changed"
printf '\nPackage: python3-cryptography\nStatus: install ok installed\nArchitecture: amd64\nSource: python-cryptography\nVersion: 38.0.4-3+deb12u1\nDescription: Python library exposing cryptographic recipes and primitives\n' \
	>>"$L1/var/lib/dpkg/status"
DIST=usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info
mkdir -p "$L1/$DIST" "$L1/var/lib/dpkg/info" "$L1/usr/local/lib/python3.11/dist-packages"
cp "$PYDIR/cryptography-38.0.4.dist-info/METADATA" "$L1/$DIST/"
printf '/.\n/usr\n/usr/lib/python3/dist-packages\n/%s\n/%s/METADATA\n' "$DIST" "$DIST" \
	>"$L1/var/lib/dpkg/info/python3-cryptography.list"
cp -r "$PYDIR/pip-23.0.1.dist-info" "$L1/usr/local/lib/python3.11/dist-packages/"
tar -C "$L1" -cf "$IT_TMP/l1.tar" .
assert_ok cairn append one "$IT_TMP/l1.tar" two

L2=$IT_TMP/l2
mkdir -p "$L2/lib/apk/db"
: >"$L2/lib/apk/db/.wh.installed"
tar -C "$L2" -cf "$IT_TMP/l2.tar" .
assert_ok cairn append two "$IT_TMP/l2.tar" three

# ---------------------------------------------------------------- one layer
sbom one
assert_eq "$(q one '.distro.id') $(q one '.distro.version_id')" "debian 12" "distro through the symlink"
assert_eq "$(q one '[.packages[] | select(.type == "deb")] | length')" 88 "deb packages of one"
assert_eq "$(q one '[.packages[] | select(.layer != 1)] | length')" 0 "everything is layer 1's"
assert_eq "$(q one '.packages[] | select(.name == "libcap2") | "\(.version) \(.source_name) \(.source_version)"')" \
	"1:2.66-4+deb12u3+b1 libcap2 1:2.66-4+deb12u3" "libcap2's binary and source versions"
assert_eq "$(q one '.packages[] | select(.name == "bash") | .found_in')" "/var/lib/dpkg/status" "found_in"

# ---------------------------------------------------------------- two layers
sbom two
assert_eq "$(q two '.layers | length')" 2 "two has two layers"
assert_eq "$(q two '[.packages[] | select(.type == "deb")] | length')" 89 "deb packages of two"
assert_eq "$(q two '[.packages[] | select(.type == "apk")] | length')" 14 "apk packages of two"
assert_eq "$(q two '.packages[] | select(.name == "libcap2") | "\(.version) \(.layer)"')" \
	"1:2.66-4+deb12u3+b2 2" "the changed package is layer 2's"
assert_eq "$(q two '[.packages[] | select(.type == "deb" and .layer == 2) | .name] | join(" ")')" \
	"libcap2 python3-cryptography" "only the changed and the new deb package are layer 2's"
assert_eq "$(q two '.packages[] | select(.name == "python3-cryptography") | .files | join(" ")')" \
	"/usr /usr/lib/python3/dist-packages /$DIST /$DIST/METADATA" "files from info/*.list"
assert_eq "$(q two '.packages[] | select(.type == "python") | "\(.name) \(.version) \(.layer) \(.os_owned)"')" \
	"cryptography 38.0.4 2 true
pip 23.0.1 2 false" "python packages: Debian's owned by the OS, pip's not"
assert_eq "$(q two '.packages[] | select(.name == "zlib" and .type == "apk") | "\(.version) \(.layer) \(.found_in) \(.source_name)"')" \
	"1.2.12-r3 2 /lib/apk/db/installed zlib" "an apk package"

# ---------------------------------------------------------------- the whiteout
sbom three
assert_eq "$(q three '.layers | length')" 3 "three has three layers"
assert_eq "$(q three '[.packages[] | select(.type == "apk")] | length')" 0 "the whited-out apk db is gone"
assert_eq "$(q three '[.packages[] | select(.type == "deb")] | length')" 89 "deb packages of three"
assert_eq "$(q three '.packages[] | select(.name == "libcap2") | .layer')" 2 "libcap2 stays layer 2's"

# ---------------------------------------------------------------- the cache
strip() { jq -S 'del(.created)' "$IT_TMP/$1.json"; }
CACHE=$STORE/state/sbom/$(q three .image.manifest | tr : -).json
[ -f "$CACHE" ] || it_fail "no SBOM cache file $CACHE"
cp "$IT_TMP/three.json" "$IT_TMP/three-first.json"
sbom three
assert_eq "$(strip three)" "$(jq -S 'del(.created)' "$IT_TMP/three-first.json")" \
	"the cached SBOM says what the first one did"
printf '%s\n{"schema": "cairn-sbom/1", "packages": [' "$(head -1 "$CACHE")" >"$CACHE"
sbom three
assert_eq "$(strip three)" "$(jq -S 'del(.created)' "$IT_TMP/three-first.json")" \
	"a damaged cache file is rebuilt"
assert_ok jq -e . <(tail -n +2 "$CACHE")
assert_ok cairn tag three another
cairn sbom --format json another >"$IT_TMP/another.json"
assert_eq "$(q another .image.name)" "docker.io/library/another:latest" "a cached SBOM names the image as asked"
assert_ok cairn rmi three another
assert_ok cairn gc
[ ! -e "$CACHE" ] || it_fail "gc kept the SBOM cache of a removed image"
[ -f "$STORE/state/sbom/$(q two .image.manifest | tr : -).json" ] || it_fail "gc dropped the cache of an image still there"

# ---------------------------------------------------------------- -o onto a fifo
# A device or fifo named by -o is written in place, never renamed over (as root, a rename
# would replace /dev/null with a regular file).
mkfifo "$IT_TMP/fifo"
cat "$IT_TMP/fifo" >"$IT_TMP/from-fifo.json" &
reader=$!
assert_ok cairn sbom --format json -o "$IT_TMP/fifo" two
wait "$reader"
[ -p "$IT_TMP/fifo" ] || it_fail "sbom -o FIFO replaced the fifo"
assert_eq "$(jq -r .image.name "$IT_TMP/from-fifo.json")" "docker.io/library/two:latest" "sbom -o FIFO"
echo "test-sbom-layers: ok"
