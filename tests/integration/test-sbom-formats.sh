#!/usr/bin/env bash
# `cairn sbom` output formats and `--attach`, on an image holding the fixture dpkg status of a
# real Debian bookworm minbase image, an os-release, and two machine-readable copyright files
# (one recognised license, one not):
#  - table: the distro line, NAME VERSION TYPE LAYER columns, one row per installed package
#  - json / spdx-json / cyclonedx-json validate against the official schemas in
#    $CAIRN_FIXTURES/schemas (python3-jsonschema), with the same packages and purls everywhere
#  - -o writes the file (atomically: a bad directory leaves nothing); usage errors exit 2
#  - --attach to `cairn serve`: the referrers API lists the artifact with its artifactType and
#    the layer blob is byte-for-byte the SBOM; to docker-registry (no referrers API): the
#    referrers tag schema (tag sha256-HEX) lists every attached SBOM, read back with skopeo
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need python3 curl jq
FIX=$(it_fixtures)
SCHEMAS="$FIX/schemas"
STATUS="$FIX/pkgdb/dpkg/bookworm-minbase-image.status"
[ -f "$STATUS" ] || it_skip "fixture $STATUS not found"
[ -f "$SCHEMAS/spdx-2.3-schema.json" ] || it_skip "SPDX schema not found in $SCHEMAS"
python3 -c 'import jsonschema, referencing' 2>/dev/null ||
	it_skip "python3-jsonschema (with referencing) is not installed"

STORE="$IT_TMP/store"
cairn() { "$CAIRN" --root "$STORE" "$@"; }

# validate KIND:FILE...: each FILE is valid against the SPDX 2.3 (spdx) or CycloneDX 1.5 (cdx)
# schema; for SPDX also what the schema leaves out: SPDXID syntax, relationships to known
# elements, every LicenseRef- declared. One python run for all (its start costs seconds here).
validate() {
	python3 - "$SCHEMAS" "$@" <<'PYEOF' || it_fail "SBOM documents do not validate"
import json, os, re, sys
import jsonschema
from referencing import Registry, Resource
schemas = sys.argv[1]
def load(p):
    with open(p) as f:
        return json.load(f)
def validator(kind):
    if kind == "spdx":
        schema, reg = load(os.path.join(schemas, "spdx-2.3-schema.json")), Registry()
    else:
        d = os.path.join(schemas, "cyclonedx")
        schema = load(os.path.join(d, "bom-1.5.SNAPSHOT.schema.json"))
        res = []
        for name in ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"):
            r = Resource.from_contents(load(os.path.join(d, name)))
            res += [("http://cyclonedx.org/schema/" + name, r), (r.id(), r)]
        reg = Registry().with_resources(res)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=reg, format_checker=cls.FORMAT_CHECKER)
def spdx_extra(doc):
    bad = []
    ids = {p["SPDXID"] for p in doc["packages"]} | {doc["SPDXID"]}
    refs = {x["licenseId"] for x in doc.get("hasExtractedLicensingInfos", [])}
    bad += ["bad SPDXID " + i for i in ids if not re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", i)]
    bad += ["unknown element " + r[k] for r in doc["relationships"]
            for k in ("spdxElementId", "relatedSpdxElement") if r[k] not in ids]
    bad += ["undeclared " + l for p in doc["packages"]
            for l in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", p["licenseDeclared"]) if l not in refs]
    return bad
validators, failed = {}, False
for arg in sys.argv[2:]:
    kind, path = arg.split(":", 1)
    v = validators.setdefault(kind, validator(kind))
    doc = load(path)
    errors = ["%s: %s" % ("/".join(map(str, e.path)), e.message[:300])
              for e in sorted(v.iter_errors(doc), key=lambda e: list(e.path))]
    if kind == "spdx":
        errors += spdx_extra(doc)
    for e in errors[:10]:
        print("%s (%s): %s" % (path, kind, e), file=sys.stderr)
    failed = failed or bool(errors)
sys.exit(1 if failed else 0)
PYEOF
}
TO_VALIDATE=()

# purls FORMAT FILE: the packages' purls, sorted
purls() {
	case "$1" in
	json) jq -r '.packages[].purl' "$2" ;;
	spdx) jq -r '.packages[] | select(.primaryPackagePurpose != "CONTAINER") |
		"\(.externalRefs[0].referenceLocator)"' "$2" ;;
	cdx) jq -r '.components[] | select(.type == "library") | .purl' "$2" ;;
	esac | sort
}

# ---------------------------------------------------------------- the image
ROOT="$IT_TMP/rootfs"
mkdir -p "$ROOT/var/lib/dpkg" "$ROOT/etc" "$ROOT/usr/share/doc/bash" "$ROOT/usr/share/doc/tzdata"
cp "$STATUS" "$ROOT/var/lib/dpkg/status"
cat >"$ROOT/etc/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
EOF
DEP5='Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'
printf '%s\n\nFiles: *\nCopyright: 1987-2022 Free Software Foundation, Inc.\nLicense: GPL-3+\n' \
	"$DEP5" >"$ROOT/usr/share/doc/bash/copyright"
printf '%s\n\nFiles: *\nCopyright: none\nLicense: Cairn-Unrecognised-Terms\n' \
	"$DEP5" >"$ROOT/usr/share/doc/tzdata/copyright"
IMG=localhost/sbom/app:1
assert_ok cairn import "$ROOT" "$IMG"

# installed packages in the status file
WANT_N=$(awk -v RS= '/\nStatus: install ok installed/ { n++ } END { print n }' "$STATUS")
[ "$WANT_N" -gt 50 ] || it_fail "the fixture lists only $WANT_N installed packages"

# ---------------------------------------------------------------- table
assert_ok cairn sbom "$IMG"
TABLE=$IT_STDOUT
assert_eq "$(sed -n 1p <<<"$TABLE")" "Distro: Debian GNU/Linux 12 (bookworm)" "distro line"
assert_eq "$(sed -n 2p <<<"$TABLE" | tr -s ' ')" "NAME VERSION TYPE LAYER" "table header"
assert_eq "$(($(wc -l <<<"$TABLE") - 2))" "$WANT_N" "table rows"
# columns line up: VERSION starts where every row's second column does
col=$(sed -n 2p <<<"$TABLE" | awk '{ print index($0, "VERSION") }')
bash_row=$(grep '^bash ' <<<"$TABLE")
assert_eq "$(awk -v c="$col" '{ print substr($0, c, 7) }' <<<"$bash_row")" \
	"$(grep -A20 '^Package: bash$' "$STATUS" | sed -n 's/^Version: //p' | head -1 | cut -c1-7)" \
	"bash's version column"
assert_contains "$bash_row" " deb "

# ---------------------------------------------------------------- documents
for f in json spdx-json cyclonedx-json; do
	assert_ok cairn sbom --format "$f" -o "$IT_TMP/out.$f" "$IMG"
	assert_eq "$IT_STDOUT" "" "-o $f prints nothing"
done
TO_VALIDATE+=("spdx:$IT_TMP/out.spdx-json" "cdx:$IT_TMP/out.cyclonedx-json")
assert_eq "$(jq -r .schema "$IT_TMP/out.json")" "cairn-sbom/1" "cairn json schema"
assert_eq "$(jq '.packages | length' "$IT_TMP/out.json")" "$WANT_N" "json packages"
assert_eq "$(jq -r '.distro.id + " " + .distro.version_id' "$IT_TMP/out.json")" "debian 12"
assert_eq "$(jq -r '.packages[] | select(.name == "libc6") | .purl' "$IT_TMP/out.json")" \
	"pkg:deb/debian/libc6@$(grep -A20 '^Package: libc6$' "$STATUS" | sed -n 's/^Version: //p' |
		head -1 | sed 's/+/%2B/g')?arch=amd64&distro=debian-12&upstream=glibc" "libc6 purl"
# the same packages (by purl) in every format
purls json "$IT_TMP/out.json" >"$IT_TMP/purls.json"
purls spdx "$IT_TMP/out.spdx-json" >"$IT_TMP/purls.spdx"
purls cdx "$IT_TMP/out.cyclonedx-json" >"$IT_TMP/purls.cdx"
cmp -s "$IT_TMP/purls.json" "$IT_TMP/purls.spdx" || it_fail "spdx purls differ from json's"
cmp -s "$IT_TMP/purls.json" "$IT_TMP/purls.cdx" || it_fail "cyclonedx purls differ from json's"
# licenses: an SPDX id where recognised, the text (LicenseRef- / name) where not
assert_eq "$(jq -r '.packages[] | select(.name == "bash") | .licenseDeclared' \
	"$IT_TMP/out.spdx-json")" "GPL-3.0-or-later" "bash's SPDX license"
assert_eq "$(jq -r '.hasExtractedLicensingInfos[0].extractedText' "$IT_TMP/out.spdx-json")" \
	"Cairn-Unrecognised-Terms" "tzdata's license text"
assert_eq "$(jq -r '.components[] | select(.name == "tzdata") | .licenses[0].license.name' \
	"$IT_TMP/out.cyclonedx-json")" "Cairn-Unrecognised-Terms" "tzdata's CycloneDX license"
assert_eq "$(jq -r '.components[] | select(.name == "bash") | .properties[] |
	select(.name == "cairn:layer:digest") | .value' "$IT_TMP/out.cyclonedx-json")" \
	"$(jq -r '.layers[0].digest' "$IT_TMP/out.json")" "layer property"
assert_eq "$(jq -r '.metadata.component.type' "$IT_TMP/out.cyclonedx-json")" container

# ---------------------------------------------------------------- errors
assert_rc 2 cairn sbom --format xml "$IMG"
assert_rc 2 cairn sbom
assert_rc 1 cairn sbom -o "$IT_TMP/no/such/dir/x.json" --format json "$IMG"
[ ! -e "$IT_TMP/no" ] || it_fail "-o into a missing directory created something"
assert_rc 1 cairn sbom localhost/no/such:image

# ---------------------------------------------------------------- --attach: cairn serve
# push_and_attach ADDR: tags and pushes the image to ADDR, attaches an SPDX SBOM (also written
# with -o, the same bytes) and a CycloneDX one. Sets SUBJECT, SPDX_ART, CDX_ART, REPO_URL.
push_and_attach() {
	local ref="$1/sbom/app:1"
	assert_ok cairn tag "$IMG" "$ref"
	assert_ok cairn push -q "$ref"
	SUBJECT=$(curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$1/v2/sbom/app/manifests/1" | tr -d '\r' |
		sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
	[ -n "$SUBJECT" ] || it_fail "no digest for the pushed image"
	assert_ok cairn sbom --attach --format spdx-json -o "$IT_TMP/attached.spdx" "$ref"
	SPDX_ART=$IT_STDOUT
	assert_ok cairn sbom --attach --format cyclonedx-json "$ref"
	CDX_ART=$IT_STDOUT
	[[ "$SPDX_ART" =~ ^sha256:[0-9a-f]{64}$ ]] || it_fail "--attach printed '$SPDX_ART'"
	[[ "$CDX_ART" =~ ^sha256:[0-9a-f]{64}$ ]] || it_fail "--attach printed '$CDX_ART'"
	REPO_URL="http://$1/v2/sbom/app"
}

# check_artifact DIGEST TYPE: the artifact manifest names the subject and TYPE; its layer blob
# is a valid SBOM of that type (for SPDX: the -o file, byte for byte).
check_artifact() {
	local m="$IT_TMP/artifact.json" blob="$IT_TMP/artifact-${#TO_VALIDATE[@]}.blob"
	curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"$REPO_URL/manifests/$1" >"$m" || it_fail "GET artifact manifest $1"
	assert_eq "$(jq -r .artifactType "$m")" "$2" "artifactType"
	assert_eq "$(jq -r .subject.digest "$m")" "$SUBJECT" "subject"
	assert_eq "$(jq -r .config.mediaType "$m")" "application/vnd.oci.empty.v1+json" "config"
	assert_eq "$(jq -r '.layers[0].mediaType' "$m")" "$2" "layer media type"
	curl -sfL "$REPO_URL/blobs/$(jq -r '.layers[0].digest' "$m")" >"$blob" ||
		it_fail "GET the SBOM blob"
	assert_eq "sha256:$(sha256sum "$blob" | cut -d' ' -f1)" "$(jq -r '.layers[0].digest' "$m")"
	if [ "$2" = application/spdx+json ]; then
		cmp -s "$blob" "$IT_TMP/attached.spdx" || it_fail "the SPDX blob is not the -o file"
		TO_VALIDATE+=("spdx:$blob")
	else
		TO_VALIDATE+=("cdx:$blob")
	fi
}

it_serve_start srv
push_and_attach "$srv_ADDR"
REFS=$(curl -sf "$REPO_URL/referrers/$SUBJECT") || it_fail "GET referrers"
assert_eq "$(jq -r '[.manifests[] | .digest + " " + .artifactType] | sort | join(",")' <<<"$REFS")" \
	"$(printf '%s\n' "$SPDX_ART application/spdx+json" "$CDX_ART application/vnd.cyclonedx+json" |
		sort | paste -sd,)" "referrers of the image on cairn serve"
assert_eq "$(jq -r '.manifests | length' \
	<<<"$(curl -sf "$REPO_URL/referrers/$SUBJECT?artifactType=application/spdx%2Bjson")")" 1 \
	"referrers filtered by artifactType"
check_artifact "$SPDX_ART" application/spdx+json
check_artifact "$CDX_ART" application/vnd.cyclonedx+json
# the registry answered with OCI-Subject: no referrers tag was made
TAG=sha256-${SUBJECT#sha256:}
code=$(curl -s -o /dev/null -w '%{http_code}' "$REPO_URL/manifests/$TAG")
assert_eq "$code" 404 "referrers tag on a registry with the referrers API"
it_server_stop srv

# ---------------------------------------------------------------- --attach: docker-registry
if command -v docker-registry >/dev/null 2>&1; then
	it_registry_start reg plain
	push_and_attach "$reg_ADDR"
	idx=$(curl -sf -H 'Accept: application/vnd.oci.image.index.v1+json' \
		"$REPO_URL/manifests/$TAG") || it_fail "no referrers tag $TAG on docker-registry"
	assert_eq "$(jq -r .mediaType <<<"$idx")" application/vnd.oci.image.index.v1+json
	assert_eq "$(jq -r '[.manifests[] | .digest + " " + .artifactType] | sort | join(",")' \
		<<<"$idx")" \
		"$(printf '%s\n' "$SPDX_ART application/spdx+json" \
			"$CDX_ART application/vnd.cyclonedx+json" | sort | paste -sd,)" \
		"referrers tag index"
	check_artifact "$SPDX_ART" application/spdx+json
	check_artifact "$CDX_ART" application/vnd.cyclonedx+json
	if command -v skopeo >/dev/null 2>&1; then
		raw=$(it_skopeo inspect --tls-verify=false --raw "docker://$reg_ADDR/sbom/app:$TAG") ||
			it_fail "skopeo cannot read the referrers tag"
		assert_eq "$(jq '.manifests | length' <<<"$raw")" 2 "skopeo reads the referrers index"
	fi
	# an image pulled as Docker schema 2 (the store converts it to OCI): the subject is the
	# registry's manifest, the one push sends back byte for byte
	tar -C "$ROOT" -cf "$IT_TMP/layer.tar" .
	it_layout_from_tars "$IT_TMP/layout" v1 "$IT_TMP/layer.tar"
	it_publish "$IT_TMP/layout" v1 "$reg_ADDR/docker/app:v1" v2s2
	assert_ok cairn pull -q "$reg_ADDR/docker/app:v1"
	want=$(curl -sfI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$reg_ADDR/v2/docker/app/manifests/v1" | tr -d '\r' |
		sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
	assert_ok cairn sbom --attach "$reg_ADDR/docker/app:v1"
	art=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$reg_ADDR/v2/docker/app/manifests/$IT_STDOUT") || it_fail "GET $IT_STDOUT"
	assert_eq "$(jq -r '.subject.digest + " " + .subject.mediaType' <<<"$art")" \
		"$want application/vnd.docker.distribution.manifest.v2+json" "subject of a Docker image"
	curl -sf -H 'Accept: application/vnd.oci.image.index.v1+json' \
		"http://$reg_ADDR/v2/docker/app/manifests/sha256-${want#sha256:}" >/dev/null ||
		it_fail "no referrers tag for the Docker image"
else
	it_log "docker-registry not installed: the referrers tag schema is not tested"
fi
validate "${TO_VALIDATE[@]}"
echo "test-sbom-formats: ok"
