#!/usr/bin/env bash
# `cairn sbom` on images holding rpm databases, compared with what rpm itself lists:
#  - an sqlite rpmdb made at run time by Debian's rpm (`rpmbuild -bb` of tiny specs with an
#    epoch, a tilde, a packager, a vendor, licenses, nested files; `rpm --justdb -i`) at
#    var/lib/rpm: names, "[E:]V-R" versions, source rpm names, arch and files match rpm -qa/-ql
#  - an NDB rpmdb (Packages.db) the same way when this rpm has the ndb backend (Debian's does
#    not; the unit test covers NDB then)
#  - the Berkeley DB fixture (centos:8, dive 0.9.2) at usr/lib/sysimage/rpm/Packages, compared
#    with rpm's read-only bdb backend
#  - a later layer deleting the sqlite rpmdb (whiteout) leaves no rpm package
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need rpm rpmbuild jq tar
FIX=$(it_fixtures)

cd "$IT_TMP"
STORE="$IT_TMP/store"
cairn() { "$CAIRN" --root "$STORE" "$@"; }
# rpm refuses to run on Debian without this acknowledgement on stderr; keep only its stdout.
rpmq() { rpm "$@" 2>/dev/null; }
QF='%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{ARCH}\n'

# ------------------------------------------------------------------ packages
mkspec() { # NAME EPOCH VERSION RELEASE LICENSE EXTRA-HEADER
	cat >"$1.spec" <<EOF
Name: $1
${2:+Epoch: $2}
Version: $3
Release: $4
Summary: test package $1
License: $5
$6
BuildArch: noarch
%description
test package $1
%install
mkdir -p %{buildroot}/usr/share/$1/sub %{buildroot}/usr/bin
echo a > %{buildroot}/usr/share/$1/sub/a
echo '#!/bin/sh' > %{buildroot}/usr/bin/$1
%files
/usr/share/$1
/usr/bin/$1
EOF
}
mkspec it-plain "" 1.0 1.fc39 MIT "Packager: Test Person <t@example.org>"
mkspec it-epoch 3 2.4.1 7.el9_2 "GPLv2+ and LGPLv2+" "Vendor: Example Vendor"
mkspec it-tilde "" 1.2.3~rc1 0.1 Apache-2.0 ""
for s in it-plain it-epoch it-tilde; do
	rpmbuild --define "_topdir $IT_TMP/rpmbuild" -bb "$s.spec" >"$s.build.log" 2>&1 ||
		it_fail "rpmbuild $s: $(tail -5 "$s.build.log")"
done
RPMS=("$IT_TMP"/rpmbuild/RPMS/noarch/*.rpm)
[ "${#RPMS[@]}" = 3 ] || it_fail "expected 3 rpms, got ${#RPMS[@]}"

# image_pkgs IMAGE: "NAME VERSION ARCH" of each rpm package cairn finds, sorted.
image_pkgs() {
	cairn sbom --format json "$1" >"$1.sbom.json" || it_fail "cairn sbom $1 failed"
	jq -r '.packages[] | select(.type == "rpm") | "\(.name) \(.version) \(.arch)"' \
		"$1.sbom.json" | sort
}

# ------------------------------------------------------------------ 1. sqlite
ROOT="$IT_TMP/root-sqlite"
mkdir -p "$ROOT/etc" "$ROOT/var/lib/rpm"
printf 'ID=fedora\nVERSION_ID=39\nPRETTY_NAME="Fedora Linux 39"\n' >"$ROOT/etc/os-release"
rpmq --dbpath "$ROOT/var/lib/rpm" --define '_db_backend sqlite' --justdb --nodeps -i "${RPMS[@]}" ||
	it_fail "rpm -i into an sqlite rpmdb failed"
[ -s "$ROOT/var/lib/rpm/rpmdb.sqlite" ] || it_fail "rpm made no rpmdb.sqlite"
want=$(rpmq --dbpath "$ROOT/var/lib/rpm" -qa --qf "$QF" | sort)
assert_eq "$(wc -l <<<"$want")" 3 "rpm lists the 3 packages"
assert_ok cairn import -m "rpm sqlite" "$ROOT" rpm-sqlite:1
assert_eq "$(image_pkgs rpm-sqlite:1)" "$want" "sqlite rpmdb: cairn sbom == rpm -qa"

# Per package: source rpm, license, maintainer, files (rpm -ql) and where it was found.
pkg() { jq -c --arg n "$1" '.packages[] | select(.type == "rpm" and .name == $n)' rpm-sqlite:1.sbom.json; }
assert_eq "$(pkg it-epoch | jq -r .version)" "3:2.4.1-7.el9_2" "epoch in the version"
assert_eq "$(pkg it-epoch | jq -r .source_name)" "it-epoch" "source rpm name"
assert_eq "$(pkg it-epoch | jq -r .maintainer)" "Example Vendor" "vendor when no packager"
assert_eq "$(pkg it-plain | jq -r .maintainer)" "Test Person <t@example.org>" "packager"
assert_eq "$(pkg it-plain | jq -r .license)" "MIT" "license"
assert_eq "$(pkg it-tilde | jq -r .license)" "Apache-2.0" "license"
assert_contains "$(pkg it-epoch | jq -r .license)" "GPL" "license as written or SPDX"
assert_eq "$(pkg it-tilde | jq -r .found_in)" "/var/lib/rpm/rpmdb.sqlite" "found_in"
for n in it-plain it-epoch it-tilde; do
	assert_eq "$(pkg "$n" | jq -r '.files[]')" \
		"$(rpmq --dbpath "$ROOT/var/lib/rpm" -ql "$n" | LC_ALL=C sort)" "files of $n"
done
assert_contains "$(pkg it-plain | jq -r .purl)" "pkg:rpm/" "purl"

# ------------------------------------------------------------------ 2. NDB, when rpm has it
NDB="$IT_TMP/root-ndb"
mkdir -p "$NDB/var/lib/rpm"
if rpmq --dbpath "$NDB/var/lib/rpm" --define '_db_backend ndb' --justdb --nodeps -i "${RPMS[@]}" &&
	[ -s "$NDB/var/lib/rpm/Packages.db" ]; then
	want=$(rpmq --dbpath "$NDB/var/lib/rpm" --define '_db_backend ndb' -qa --qf "$QF" | sort)
	assert_ok cairn import -m "rpm ndb" "$NDB" rpm-ndb:1
	assert_eq "$(image_pkgs rpm-ndb:1)" "$want" "NDB rpmdb: cairn sbom == rpm -qa"
else
	it_log "this rpm has no ndb backend: NDB is covered by tests/unit/test-sbom-rpm.c"
fi

# ------------------------------------------------------------------ 3. Berkeley DB fixture
BDB="$IT_TMP/root-bdb"
mkdir -p "$BDB/usr/lib/sysimage/rpm" "$IT_TMP/bdb-query"
cp "$FIX/pkgdb/rpm/Packages.bdb-centos8-dive" "$BDB/usr/lib/sysimage/rpm/Packages"
cp "$FIX/pkgdb/rpm/Packages.bdb-centos8-dive" "$IT_TMP/bdb-query/Packages"
chmod u+w "$BDB/usr/lib/sysimage/rpm/Packages" "$IT_TMP/bdb-query/Packages"
want=$(rpmq --dbpath "$IT_TMP/bdb-query" --define '_db_backend bdb_ro' -qa --qf "$QF" | sort)
[ -n "$want" ] || want="dive 0.9.2-1 x86_64" # an rpm without bdb_ro: the fixture's record
assert_ok cairn import -m "rpm bdb" "$BDB" rpm-bdb:1
assert_eq "$(image_pkgs rpm-bdb:1)" "$want" "Berkeley DB rpmdb: cairn sbom == rpm -qa"

# ------------------------------------------------------------------ 4. removed by a later layer
mkdir -p wh/var/lib/rpm
: >wh/var/lib/rpm/.wh.rpmdb.sqlite
tar -C wh -cf whiteout.tar var
assert_ok cairn append -m "rm rpmdb" rpm-sqlite:1 whiteout.tar rpm-gone:1
assert_eq "$(image_pkgs rpm-gone:1)" "" "a deleted rpmdb lists no packages"
