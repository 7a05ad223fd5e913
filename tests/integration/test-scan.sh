#!/usr/bin/env bash
# `cairn scan` end to end, against a database `cairn db update` fills from the real fixtures:
#  - an image with the older bookworm host dpkg subset + Debian 12 os-release, matched with the
#    derived Debian OSV records, gives exactly the 118 rows of
#    vuln/expected-hits-derived-vs-older-host-subset.tsv (source-package matching, binNMUs)
#  - the minbase image's own dpkg status gives 0 hits against the same records
#  - PyPI / npm packages give the hits PROVENANCE.md lists (and not the ones it rules out)
#  - the same scan from an SBOM document (cairn json, CycloneDX) instead of the image
#  - --severity / --ignore-unfixed / --exit-code gating; SARIF 2.1.0 shape; usage errors
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need python3 jq
FX=$(it_fixtures)

STORE="$IT_TMP/store"
cairn() { "$CAIRN" --root "$STORE" "$@"; }

os_release() {
	mkdir -p "$1/etc"
	cat >"$1/etc/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
EOF
}

# A one-layer image from a directory tree.
image_from() { assert_ok cairn import "$1" "$2"; }

# ---------------------------------------------------------------- no database yet
mkdir -p "$IT_TMP/empty"
os_release "$IT_TMP/empty"
image_from "$IT_TMP/empty" empty:1
assert_fails cairn scan empty:1
assert_contains "$IT_STDERR" "cairn db update"

# ---------------------------------------------------------------- database
# Records are read where they are; the PyPI ones are YAML upstream, converted to JSON in $IT_TMP.
OSV_LANG="$IT_TMP/osv-lang"
mkdir -p "$OSV_LANG"
# Exit 3 from the converter: no python3-yaml (then the PyPI hits are not checked).
HAVE_YAML=1
python3 - "$FX/vuln/osv/pypi" "$OSV_LANG" <<'EOF' || HAVE_YAML=0
import json, os, sys
try:
    import yaml
except ImportError:
    sys.exit(3)
src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    path = os.path.join(src, name)
    if name.endswith(".yaml"):
        rec = yaml.safe_load(open(path))
    elif name.endswith(".json"):
        rec = json.load(open(path))
    else:
        continue
    out = os.path.join(dst, "pypi-" + os.path.splitext(name)[0] + ".json")
    json.dump(rec, open(out, "w"), default=str)
EOF
[ "$HAVE_YAML" = 1 ] || it_log "python3-yaml missing: PyPI hits not checked"
assert_ok cairn db update -q \
	--source "osv:$FX/vuln/osv/debian-derived/bookworm-minbase.DERIVED.osv.json" \
	--source "osv:$FX/vuln/osv/npm" --source "osv:$OSV_LANG"

# ---------------------------------------------------------------- Debian: the 118 expected rows
OLDER="$IT_TMP/older"
mkdir -p "$OLDER/var/lib/dpkg"
os_release "$OLDER"
cp "$FX/pkgdb/dpkg/bookworm-older-host-subset.status" "$OLDER/var/lib/dpkg/status"
image_from "$OLDER" older:1

assert_ok cairn scan --format json -o "$IT_TMP/older.json" older:1
python3 - "$IT_TMP/older.json" "$FX/vuln/expected-hits-derived-vs-older-host-subset.tsv" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
want = set()
with open(sys.argv[2]) as f:
    next(f)
    for line in f:
        if line.strip():
            want.add(tuple(line.rstrip("\n").split("\t")))
got = set()
for f in doc["findings"]:
    cves = [i for i in [f["id"]] + f["aliases"] if i.startswith("CVE-")]
    assert len(cves) == 1, f
    got.add((f["package"], f["installed"], cves[0], f["fixed"]))
    assert f["ecosystem"] == "debian:12" and f["type"] == "deb", f
    assert f["layer"]["index"] == 1 and f["layer"]["digest"].startswith("sha256:"), f
missing, extra = want - got, got - want
assert not missing and not extra, ("missing", sorted(missing)[:5], "extra", sorted(extra)[:5])
assert len(doc["findings"]) == len(want) == 118, len(doc["findings"])
assert doc["summary"]["total"] == 118, doc["summary"]
assert doc["schema"] == "cairn-scan/1" and doc["os"]["id"] == "debian"
EOF

# The table: a summary line and the columns.
assert_ok cairn scan older:1
assert_contains "$IT_STDOUT" "Total: 118 ("
assert_contains "$IT_STDOUT" "PACKAGE"
assert_contains "$IT_STDOUT" "VULNERABILITY"
assert_contains "$IT_STDOUT" "x_DEB12-libcap2-CVE-2026-4878"

# ---------------------------------------------------------------- Debian: no hits on minbase
MINBASE="$IT_TMP/minbase"
mkdir -p "$MINBASE/var/lib/dpkg"
os_release "$MINBASE"
cp "$FX/pkgdb/dpkg/bookworm-minbase-image.status" "$MINBASE/var/lib/dpkg/status"
image_from "$MINBASE" minbase:1
assert_rc 0 cairn scan --exit-code 4 --format json minbase:1
assert_eq "$(jq -r .summary.total <<<"$IT_STDOUT")" 0

# ---------------------------------------------------------------- language packages
LANG_ROOT="$IT_TMP/lang"
SITE="$LANG_ROOT/usr/local/lib/python3.11/site-packages"
mkdir -p "$SITE" "$LANG_ROOT/app/node_modules/lodash" "$LANG_ROOT/app/node_modules/semver"
os_release "$LANG_ROOT"
cp -r "$FX"/pkgdb/python/debian-bookworm/*.dist-info "$SITE/"
cp "$FX/pkgdb/npm/node_modules-lodash-4.17.15/package.json" "$LANG_ROOT/app/node_modules/lodash/"
cp "$FX/pkgdb/npm/node_modules-semver-7.5.1/package.json" "$LANG_ROOT/app/node_modules/semver/"
image_from "$LANG_ROOT" lang:1
assert_ok cairn scan --format json -o "$IT_TMP/lang.json" lang:1
python3 - "$IT_TMP/lang.json" "$HAVE_YAML" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
got = {(f["package"], f["installed"], f["id"], f["fixed"]) for f in doc["findings"]}
want = {("lodash", "4.17.15", "GHSA-p6mc-m468-83gw", "4.17.20"),
        ("semver", "7.5.1", "GHSA-c2qf-rxjj-qqgw", "7.5.2")}
if sys.argv[2] == "1":
    want |= {("cryptography", "38.0.4", "PYSEC-2023-11", "39.0.1"),
             ("cryptography", "38.0.4", "PYSEC-2023-254", "41.0.6"),
             ("pip", "23.0.1", "PYSEC-2023-228", "23.3")}
assert got == want, ("got", sorted(got), "want", sorted(want))
by_id = {f["id"]: f for f in doc["findings"]}
assert by_id["GHSA-p6mc-m468-83gw"]["severity"] == "HIGH", by_id["GHSA-p6mc-m468-83gw"]
assert by_id["GHSA-p6mc-m468-83gw"]["score"] == 7.4
assert by_id["GHSA-c2qf-rxjj-qqgw"]["severity"] == "MEDIUM"
assert by_id["GHSA-c2qf-rxjj-qqgw"]["severity_source"] == "cvss-v3"
assert "CVE-2022-25883" in by_id["GHSA-c2qf-rxjj-qqgw"]["aliases"]
EOF

# ---------------------------------------------------------------- gating
assert_rc 3 cairn scan --severity HIGH --exit-code 3 lang:1
assert_contains "$IT_STDOUT" "GHSA-p6mc-m468-83gw"
assert_not_contains "$IT_STDOUT" "GHSA-c2qf-rxjj-qqgw"
assert_rc 0 cairn scan --severity critical --exit-code 3 lang:1
assert_contains "$IT_STDOUT" "Total: 0 ("
assert_rc 7 cairn scan --severity medium,low --exit-code 7 lang:1
assert_contains "$IT_STDOUT" "GHSA-c2qf-rxjj-qqgw"
assert_not_contains "$IT_STDOUT" "GHSA-p6mc-m468-83gw"
assert_rc 0 cairn scan lang:1 # no --exit-code: findings alone do not fail
# Every derived Debian record has a fix: --ignore-unfixed keeps them all.
assert_ok cairn scan --ignore-unfixed --format json older:1
assert_eq "$(jq -r .summary.total <<<"$IT_STDOUT")" 118

# ---------------------------------------------------------------- SARIF 2.1.0
assert_ok cairn scan --format sarif -o "$IT_TMP/lang.sarif" lang:1
python3 - "$IT_TMP/lang.sarif" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0" and "sarif" in s["$schema"], s.keys()
assert isinstance(s["runs"], list) and len(s["runs"]) == 1
run = s["runs"][0]
drv = run["tool"]["driver"]
assert drv["name"] == "cairn"
rules = drv["rules"]
ids = [r["id"] for r in rules]
assert len(ids) == len(set(ids)), "one rule per vulnerability id"
for r in rules:
    assert r["shortDescription"]["text"]
    sev = float(r["properties"]["security-severity"])
    assert 0.0 <= sev <= 10.0, r
assert run["results"], "results"
for res in run["results"]:
    assert res["ruleId"] in ids
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    assert res["level"] in ("error", "warning", "note", "none")
    assert res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert loc and not loc.startswith("/"), loc
levels = {res["ruleId"]: res["level"] for res in run["results"]}
assert levels["GHSA-p6mc-m468-83gw"] == "error" and levels["GHSA-c2qf-rxjj-qqgw"] == "warning"
EOF

# ---------------------------------------------------------------- an SBOM document as input
for fmt in json cyclonedx-json; do
	assert_ok cairn sbom --format "$fmt" -o "$IT_TMP/older.$fmt" older:1
	assert_ok cairn scan --format json "$IT_TMP/older.$fmt"
	assert_eq "$(jq -r .summary.total <<<"$IT_STDOUT")" 118 "scan of a $fmt SBOM"
done

# ---------------------------------------------------------------- two sources, one finding
# The tracker's CVE entries and the OSV records aliasing them merge: still 118 rows, now named
# by their CVE ids with the OSV ids as aliases.
assert_ok cairn db update -q \
	--source "debian-tracker:$FX/vuln/debian-tracker/bookworm-minbase.DERIVED.tracker.json"
assert_ok cairn scan --format json older:1
assert_eq "$(jq -r .summary.total <<<"$IT_STDOUT")" 118 "merged findings"
assert_eq "$(jq -r '[.findings[] | select((.id | startswith("CVE-")) and (.aliases | any(startswith("x_DEB12-"))))] | length' <<<"$IT_STDOUT")" 118

# ---------------------------------------------------------------- a stale database warns
# (ages the meta "updated" time the database keeps; see src/lib/vuln/db.c)
python3 - "$STORE/vulndb/vuln.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("update meta set value = value - 30*86400 where key = 'updated'")
db.commit()
EOF
assert_ok cairn scan minbase:1
assert_contains "$IT_STDERR" "days old"
assert_contains "$IT_STDERR" "cairn db update"

# ---------------------------------------------------------------- usage errors
assert_rc 2 cairn scan
assert_rc 2 cairn scan --format xml older:1
assert_rc 2 cairn scan --severity urgent older:1
assert_rc 2 cairn scan --exit-code 256 older:1
assert_fails cairn scan no-such-image:1
assert_eq "$(grep -vc 'warning:' <<<"$IT_STDERR")" 1 "one error line"
assert_contains "$IT_STDERR" "no-such-image"
it_log "scan: ok"
