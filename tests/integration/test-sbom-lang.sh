#!/usr/bin/env bash
# `cairn sbom` finds language packages in an image made here from real files:
#  - Python: the fixtures' Debian dist-info directories at their real dist-packages path
#  - npm: the fixtures' lodash and semver package.json under node_modules (plus a package.json
#    inside a package, which is not a package)
#  - Go: a binary built now with Debian's golang-go (offline: the dependency is a local
#    `replace`), so its build info is the real linker's
#  - Java: Debian's commons-lang3 jar, and a war made here that nests Debian's guava jar
# then a second layer whites out one dist-info directory, and that package is gone.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need python3 jq gzip tar
FIX=$(it_fixtures)
# Debian's interpreter when there is one: a version-manager shim can cost seconds per start
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
STORE="$IT_TMP/store"
cairn() { "$CAIRN" --root "$STORE" "$@"; }

ROOT="$IT_TMP/rootfs"
SITE="$ROOT/usr/lib/python3/dist-packages"
mkdir -p "$SITE" "$ROOT/app/node_modules" "$ROOT/usr/local/bin" "$ROOT/opt/lib" "$ROOT/srv"

# ---------------------------------------------------------------- python + npm
for d in "$FIX"/pkgdb/python/debian-bookworm/*.dist-info; do
	cp -r "$d" "$SITE/"
done
# a wheel's RECORD (the Debian package has none): files, relative to dist-packages
printf '%s\n' 'pip/__init__.py,sha256=x,357' '"pip/odd,name.py",,' '../../../bin/pip,,' \
	'pip-23.0.1.dist-info/RECORD,,' >"$SITE/pip-23.0.1.dist-info/RECORD"
for n in lodash-4.17.15 semver-7.5.1; do
	mkdir -p "$ROOT/app/node_modules/${n%-*}"
	cp "$FIX/pkgdb/npm/node_modules-$n/package.json" "$ROOT/app/node_modules/${n%-*}/"
done
mkdir -p "$ROOT/app/node_modules/lodash/lib"
cp "$FIX/pkgdb/npm/node_modules-semver-7.5.1/package.json" "$ROOT/app/node_modules/lodash/lib/"

# ---------------------------------------------------------------- go
HAVE_GO=0
if command -v go >/dev/null 2>&1; then
	HAVE_GO=1
	G="$IT_TMP/go"
	mkdir -p "$G/greet" "$G/hello"
	printf 'module example.com/greet\n\ngo 1.19\n' >"$G/greet/go.mod"
	printf 'package greet\n\nfunc Hello() string { return "hello" }\n' >"$G/greet/greet.go"
	cat >"$G/hello/go.mod" <<'EOF'
module example.com/hello

go 1.19

require example.com/greet v1.2.3

replace example.com/greet v1.2.3 => ../greet
EOF
	cat >"$G/hello/main.go" <<'EOF'
package main

import (
	"fmt"

	"example.com/greet"
)

func main() { fmt.Println(greet.Hello()) }
EOF
	(cd "$G/hello" && env GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOWORK=off \
		GOCACHE="$G/cache" GOPATH="$G/path" go build -o "$ROOT/usr/local/bin/hello" .) ||
		it_fail "go build failed"
	GO_VERSION=$(go env GOVERSION)
	chmod -R u+w "$G"
else
	it_log "go not found (Debian's golang-go): the Go binary case is skipped"
fi
# an executable script is not a Go binary
printf '#!/bin/sh\necho hi\n%0200d\n' 0 >"$ROOT/usr/local/bin/script"
chmod +x "$ROOT/usr/local/bin/script"

# ---------------------------------------------------------------- java
HAVE_JAVA=0
if [ -f /usr/share/java/commons-lang3.jar ] && [ -f /usr/share/java/guava.jar ]; then
	HAVE_JAVA=1
	cp "$(readlink -f /usr/share/java/commons-lang3.jar)" "$ROOT/opt/lib/commons-lang3-3.12.0.jar"
	"$PY" - "$ROOT/srv/shop-1.4.war" "$(readlink -f /usr/share/java/guava.jar)" <<'PYEOF'
import sys, zipfile
war, guava = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(war, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Title: Shop\r\n"
               "Implementation-Version: 1.4.0\r\n\r\n")
    z.write(guava, "WEB-INF/lib/guava-31.1-jre.jar")
    z.writestr("index.html", "<html></html>\n")
PYEOF
else
	it_log "Debian's libcommons-lang3-java / libguava-java not installed: the Java case is skipped"
fi

# ---------------------------------------------------------------- image, sbom
assert_ok cairn import -m "language packages" "$ROOT" lang:1
assert_ok cairn sbom --format json lang:1
printf '%s\n' "$IT_STDOUT" >"$IT_TMP/sbom1.json"
# one jq run per SBOM (each start costs): TYPE NAME VERSION GROUP LICENSE PURL FOUND_IN FILES
as_table() {
	jq -r '.packages[] | [.type, .name, .version // "", .group // "", .license // "",
		.purl // "", .found_in // "", (.files // [] | join(" "))] | @tsv' "$1" >"$2" ||
		it_fail "$1: not an SBOM with a packages array"
}
as_table "$IT_TMP/sbom1.json" "$IT_TMP/sbom1.tsv"
# col TYPE NAME COLUMN [TABLE]: that column of the packages with that type and name, comma-joined
col() {
	awk -F'\t' -v t="$1" -v n="$2" -v c="$3" \
		'$1 == t && $2 == n { printf "%s%s", sep, $c; sep = "," }' "${4:-$IT_TMP/sbom1.tsv}"
}
versions() { col "$1" "$2" 3 "${3:-}"; }
field() {
	local c
	case "$3" in group) c=4 ;; license) c=5 ;; purl) c=6 ;; found_in) c=7 ;; files) c=8 ;; esac
	col "$1" "$2" "$c"
}

assert_eq "$(versions python cryptography)" 38.0.4 "python cryptography"
assert_eq "$(versions python pip)" 23.0.1 "python pip"
assert_eq "$(versions python PyYAML)" 6.0 "python PyYAML"
assert_eq "$(field python pip license)" MIT "pip license"
assert_eq "$(field python pip files)" \
	"/usr/bin/pip /usr/lib/python3/dist-packages/pip-23.0.1.dist-info/RECORD /usr/lib/python3/dist-packages/pip/__init__.py /usr/lib/python3/dist-packages/pip/odd,name.py" \
	"pip files from RECORD"
assert_eq "$(field python cryptography found_in)" \
	/usr/lib/python3/dist-packages/cryptography-38.0.4.dist-info/METADATA "cryptography found_in"

assert_eq "$(versions npm lodash)" 4.17.15 "npm lodash"
assert_eq "$(versions npm semver)" 7.5.1 "npm semver (once: lodash/lib/package.json is no package)"
assert_eq "$(field npm semver license)" ISC "semver license"
assert_eq "$(field npm lodash purl)" pkg:npm/lodash@4.17.15 "lodash purl"

if [ "$HAVE_GO" = 1 ]; then
	assert_eq "$(versions go-module example.com/hello)" "(devel)" "go main module"
	assert_eq "$(versions go-module example.com/greet)" "(devel)" "go dep replaced by a directory"
	assert_eq "$(versions go-module stdlib)" "${GO_VERSION#go}" "go toolchain"
	assert_eq "$(field go-module stdlib found_in)" /usr/local/bin/hello "go found_in"
fi
assert_eq "$(awk -F'\t' '$7 == "/usr/local/bin/script"' "$IT_TMP/sbom1.tsv")" "" \
	"a script is no Go binary"

if [ "$HAVE_JAVA" = 1 ]; then
	assert_eq "$(versions java-archive commons-lang3)" 3.12.0 "commons-lang3"
	assert_eq "$(field java-archive commons-lang3 group)" org.apache.commons "commons-lang3 group"
	assert_eq "$(field java-archive commons-lang3 purl)" \
		pkg:maven/org.apache.commons/commons-lang3@3.12.0 "commons-lang3 purl"
	assert_eq "$(versions java-archive guava)" 31.1-jre "guava nested in the war"
	assert_eq "$(field java-archive guava found_in)" /srv/shop-1.4.war "guava found in the war"
	assert_eq "$(versions java-archive shop)" 1.4.0 "the war itself (manifest + file name)"
fi

# ---------------------------------------------------------------- a later layer removes one
mkdir -p "$IT_TMP/l2/usr/lib/python3/dist-packages"
: >"$IT_TMP/l2/usr/lib/python3/dist-packages/.wh.PyYAML-6.0.dist-info"
tar -C "$IT_TMP/l2" -cf - usr | gzip -n >"$IT_TMP/l2.tar.gz"
assert_ok cairn append -m "remove PyYAML" lang:1 "$IT_TMP/l2.tar.gz" lang:2
assert_ok cairn sbom --format json lang:2
printf '%s\n' "$IT_STDOUT" >"$IT_TMP/sbom2.json"
as_table "$IT_TMP/sbom2.json" "$IT_TMP/sbom2.tsv"
assert_eq "$(versions python PyYAML "$IT_TMP/sbom2.tsv")" "" "PyYAML whited out"
assert_eq "$(versions python pip "$IT_TMP/sbom2.tsv")" 23.0.1 "pip still there"
assert_eq "$(versions npm lodash "$IT_TMP/sbom2.tsv")" 4.17.15 "lodash still there"
assert_eq "$(wc -l <"$IT_TMP/sbom2.tsv")" $(($(wc -l <"$IT_TMP/sbom1.tsv") - 1)) "only PyYAML went"

it_log "ok: $(wc -l <"$IT_TMP/sbom1.tsv") packages, then PyYAML removed"
