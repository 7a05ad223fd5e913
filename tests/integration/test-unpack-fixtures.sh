#!/usr/bin/env bash
# shellcheck disable=SC2154  # reg_ADDR, reg_URL: exported by it_registry_start
# test-unpack-fixtures: `cairn unpack` of real fixture images (and of a few generated ones that
# carry what the fixtures lack: owners, setuid/sticky, devices, xattrs, security.capability,
# hardlink groups, every layer media type, spec corner cases, escape attempts) gives the same
# tree as `umoci unpack` of the same image, as root and with --rootless. Trees are compared with
# treesum.py (type, mode incl. setuid/setgid/sticky, owner, content, link target, rdev, xattrs,
# hardlink grouping, mtime); every field it drops is justified where it is dropped.
#
# Per image: publish the OCI layout to a loopback registry, `cairn pull` it, `cairn unpack` it
# as root and with --rootless into fresh (missing) dirs, `umoci unpack [--rootless]` the same
# layout, diff the listings. Then: non-empty DIR refused, failed unpack leaves DIR as it was,
# escapes stay inside DIR, and a real non-root user (uid 65534) unpacks and deletes the tree.
#
# Spec references (OCI image-spec layer.md): "Changeset over existing files" (directory entry
# over a directory replaces its attributes; anything else is unlink + recreate), "Whiteouts"
# (apply only to lower layers; an opaque whiteout applies before its siblings whatever the
# order), "Hardlinks".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
it_init
it_need_cairn
it_need umoci skopeo python3 zstd gzip jq curl
[ "$(id -u)" = 0 ] || it_skip "needs root: owners, device nodes and security.capability are compared"
FIX="$(it_fixtures)/images"
# The interpreter itself, not a version-manager shim, and -S (no site): python starts a few
# dozen times here and the shim alone costs more than the work on a loaded machine.
PY=$(python3 -c 'import sys; print(sys.executable)')
TREESUM=("$PY" -S "$IT_LIB_DIR/treesum.py")
STORE="$IT_TMP/store"
U="$IT_TMP/unpacked"
mkdir -p "$U" "$IT_TMP/layouts"
# Every mtime at or after this second was made by an unpack, not taken from a layer.
T0=$(date +%s)

# ---------------------------------------------------------------- image helper (python)
# imgtool.py synth LAYOUT OUTSIDE HOSTSECRET   generated images, tags rich edge esc
#     esc-dangling implicit broken
# imgtool.py wrap-zstd LAYOUT TAG FILE         one-layer image from a bare zstd-compressed tar
# imgtool.py umoci-compat LAYOUT TAG NEWTAG    tag NEWTAG = TAG's linux/amd64 manifest with OCI
#     media types and zstd layers recompressed as gzip (umoci 0.4.7 reads neither Docker
#     types, zstd, nor indexes); the uncompressed layers (diff_ids) stay the same.
# imgtool.py facts LAYOUT TAG                  "ROOT NDEV": ROOT is yes when a layer has an entry
#     for "/" itself; NDEV counts the device-node entries of all layers
cat >"$IT_TMP/imgtool.py" <<'PYEOF'
import gzip, hashlib, io, json, os, subprocess, sys, tarfile

RN = "org.opencontainers.image.ref.name"
OCI_MAN = "application/vnd.oci.image.manifest.v1+json"
OCI_CFG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
INDEX_TYPES = ("application/vnd.oci.image.index.v1+json",
               "application/vnd.docker.distribution.manifest.list.v2+json")

def blob_path(layout, digest):
    return os.path.join(layout, "blobs", *digest.split(":", 1))

def read_blob(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return f.read()

def put(layout, data):
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob_path(layout, d), "wb") as f:
        f.write(data)
    return d, len(data)

def add_tag(layout, tag, mediatype, digest, size):
    p = os.path.join(layout, "index.json")
    idx = {"schemaVersion": 2, "manifests": []}
    if os.path.exists(p):
        with open(p) as f:
            idx = json.load(f)
    idx["manifests"] = [m for m in idx["manifests"] if m.get("annotations", {}).get(RN) != tag]
    idx["manifests"].append({"mediaType": mediatype, "digest": digest, "size": size,
                             "annotations": {RN: tag}})
    with open(p, "w") as f:
        json.dump(idx, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')

def resolve(layout, tag):
    """TAG -> manifest dict, descending into indexes to linux/amd64."""
    with open(os.path.join(layout, "index.json")) as f:
        idx = json.load(f)
    desc = [m for m in idx["manifests"] if m.get("annotations", {}).get(RN) == tag][0]
    while desc["mediaType"] in INDEX_TYPES:
        sub = json.loads(read_blob(layout, desc["digest"]))
        desc = [m for m in sub["manifests"]
                if m.get("platform", {}).get("os") == "linux"
                and m.get("platform", {}).get("architecture") == "amd64"][0]
    return json.loads(read_blob(layout, desc["digest"]))

def zstd(data, decompress=False):
    args = ["zstd", "-q", "-c"] + (["-d"] if decompress else [])
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout

def uncompressed(layout, layer):
    data = read_blob(layout, layer["digest"])
    if layer["mediaType"].endswith("zstd"):
        return zstd(data, True)
    if layer["mediaType"].endswith("gzip"):
        return gzip.decompress(data)
    return data

def write_image(layout, tag, layers):
    """layers: list of (compression, tar bytes) -> OCI image under TAG."""
    descs, diff_ids = [], []
    for comp, raw in layers:
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        mt = OCI_LAYER
        if comp == "gzip":
            raw, mt = gzip.compress(raw, mtime=0), mt + "+gzip"
        elif comp == "zstd":
            raw, mt = zstd(raw), mt + "+zstd"
        elif comp == "truncated-gzip":  # a valid blob (digest) that is not a valid layer
            raw, mt = gzip.compress(raw, mtime=0), mt + "+gzip"
            raw = raw[: len(raw) // 2]
        d, n = put(layout, raw)
        descs.append({"mediaType": mt, "digest": d, "size": n})
    cfg = {"architecture": "amd64", "os": "linux", "config": {},
           "rootfs": {"type": "layers", "diff_ids": diff_ids},
           "history": [{"created_by": "test-unpack-fixtures layer %d" % i}
                       for i in range(len(descs))]}
    cd, cn = put(layout, json.dumps(cfg).encode())
    man = {"schemaVersion": 2, "mediaType": OCI_MAN,
           "config": {"mediaType": OCI_CFG, "digest": cd, "size": cn}, "layers": descs}
    md, mn = put(layout, json.dumps(man).encode())
    add_tag(layout, tag, OCI_MAN, md, mn)

def tar_of(entries):
    """entries: (name, kind, attrs): kind f d l h c b p; attrs: data mode uid gid mtime link
    dev xattrs. PAX format (SCHILY.xattr.* records, long names)."""
    buf = io.BytesIO()
    types = {"f": tarfile.REGTYPE, "d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE,
             "h": tarfile.LNKTYPE, "c": tarfile.CHRTYPE, "b": tarfile.BLKTYPE,
             "p": tarfile.FIFOTYPE}
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, a in entries:
            ti = tarfile.TarInfo(name)
            ti.type = types[kind]
            ti.mode = a.get("mode", 0o755 if kind == "d" else 0o644)
            ti.uid, ti.gid = a.get("uid", 0), a.get("gid", 0)
            ti.uname = ti.gname = ""
            ti.mtime = a.get("mtime", 1600000000)
            ti.linkname = a.get("link", "")
            if kind in "cb":
                ti.devmajor, ti.devminor = a["dev"]
            ti.pax_headers = {"SCHILY.xattr." + k: v for k, v in a.get("xattrs", {}).items()}
            data = a.get("data", b"")
            ti.size = len(data) if kind == "f" else 0
            t.addfile(ti, io.BytesIO(data) if kind == "f" else None)
    return buf.getvalue()

def synth(layout, outside, hostsecret):
    T = 1600000000
    # security.capability v2 (VFS_CAP_REVISION_2 | effective), permitted = CAP_NET_BIND_SERVICE
    cap = "\x01\x00\x00\x02" "\x00\x04\x00\x00" + "\x00" * 12
    rich1 = [
        ("./", "d", dict(mode=0o755, mtime=T + 1)),
        ("opt", "d", dict(mtime=T + 2)),
        ("opt/suid", "f", dict(data=b"suid\n", mode=0o4755, uid=1000, gid=1000, mtime=T + 3)),
        ("opt/sgid", "f", dict(data=b"sgid\n", mode=0o2755, gid=50, mtime=T + 4)),
        ("opt/h1", "f", dict(data=b"hard\n", mode=0o640, uid=12, gid=34, mtime=T + 5)),
        ("opt/h2", "h", dict(link="opt/h1")),
        ("opt/h3", "h", dict(link="opt/h1")),
        ("opt/cap", "f", dict(data=b"cap\n", mtime=T + 6,
                              xattrs={"security.capability": cap})),
        ("opt/xa", "f", dict(data=b"xa\n", mtime=T + 7, xattrs={"user.comment": "hello"})),
        ("opt/xb", "f", dict(data=b"xb\n", mtime=T + 7,
                             xattrs={"user.comment": "kept", "user.long": "v" * 100})),
        ("opt/zero", "f", dict(data=b"z\n", mode=0o000, mtime=T + 8)),
        ("opt/lnk", "l", dict(link="../opt/suid", uid=1002, gid=1003, mtime=T + 9)),
        ("opt/dangling", "l", dict(link="/nonexistent/target", mtime=T + 10)),
        ("tmp", "d", dict(mode=0o1777, mtime=T + 11)),
        ("tmp/t", "f", dict(data=b"t\n", mtime=T + 11)),
        ("dev", "d", dict(mtime=T + 12)),
        ("dev/null", "c", dict(dev=(1, 3), mode=0o666, mtime=T + 13)),
        ("dev/loop7", "b", dict(dev=(7, 7), mode=0o660, gid=6, mtime=T + 14)),
        ("dev/sda", "b", dict(dev=(8, 0), mode=0o660, gid=6, mtime=T + 14)),
        ("dev/initctl", "p", dict(mode=0o600, mtime=T + 15)),
        ("ro", "d", dict(mode=0o555, mtime=T + 16)),
        ("ro/file", "f", dict(data=b"ro\n", mode=0o444, mtime=T + 17)),
        ("priv", "d", dict(mode=0o700, uid=1001, gid=1001, mtime=T + 18,
                           xattrs={"user.dir": "d"})),
        ("priv/secret", "f", dict(data=b"s\n", mode=0o600, uid=1001, gid=1001, mtime=T + 19)),
        ("none", "d", dict(mode=0o000, mtime=T + 20)),
        ("none/inner", "f", dict(data=b"i\n", mtime=T + 21)),
        ("rd", "d", dict(mtime=T + 22)),
        ("rd/x", "f", dict(data=b"x\n", mtime=T + 23)),
        ("rf", "f", dict(data=b"rf\n", mtime=T + 24)),
        ("wd", "d", dict(mtime=T + 25)),
        ("wd/sub", "d", dict(mtime=T + 26)),
        ("wd/sub/f", "f", dict(data=b"f\n", mtime=T + 27)),
        ("op", "d", dict(mode=0o711, mtime=T + 28)),
        ("op/old1", "f", dict(data=b"o1\n", mtime=T + 29)),
        ("op/sub", "d", dict(mtime=T + 30)),
        ("op/sub/old2", "f", dict(data=b"o2\n", mtime=T + 31)),
        ("d" * 120, "d", dict(mtime=T + 32)),
        ("d" * 120 + "/" + "f" * 150, "f", dict(data=b"long\n", mtime=T + 33)),
        ("utf8-\u00e9\u00e8 space", "f", dict(data=b"u\n", mtime=T + 34)),
    ]
    rich2 = [
        # directory over directory: attributes replaced, children kept
        ("opt", "d", dict(mode=0o750, uid=7, gid=8, mtime=T + 102)),
        # file over a hardlinked file: unlink + recreate, h2 keeps the old content
        ("opt/h1", "f", dict(data=b"new content\n", mtime=T + 105)),
        # file rewritten without xattrs: the old xattrs go with the old file
        ("opt/xa", "f", dict(data=b"xa2\n", mtime=T + 107)),
        ("rd", "f", dict(data=b"now a file\n", mtime=T + 122)),
        ("rf", "d", dict(mode=0o701, mtime=T + 124)),
        ("rf/y", "f", dict(data=b"y\n", mtime=T + 125)),
        (".wh.wd", "f", dict(mtime=T + 126)),
        # opaque whiteout after a sibling of the same layer: the sibling stays
        ("op/new", "f", dict(data=b"new\n", mtime=T + 128)),
        ("op/.wh..wh..opq", "f", dict(mtime=T + 129)),
        ("big", "f", dict(data=b"0123456789abcdef" * 70000, mtime=T + 130)),
    ]
    rich3 = [
        ("opt/.wh.h3", "f", dict(mtime=T + 200)),
        ("opt/lnk2", "l", dict(link="h2", mtime=T + 201)),
        ("dev/.wh.loop7", "f", dict(mtime=T + 202)),
        ("tmp/.wh..wh..opq", "f", dict(mtime=T + 203)),
        # setgid directory: a file in it still gets the tar's gid (0), not the directory's
        ("added", "d", dict(mode=0o2775, gid=100, mtime=T + 204)),
        ("added/hl-a", "f", dict(data=b"pair\n", mtime=T + 205)),
        ("added/hl-b", "h", dict(link="added/hl-a")),
    ]
    write_image(layout, "rich", [("none", tar_of(rich1)), ("gzip", tar_of(rich2)),
                                 ("zstd", tar_of(rich3))])

    edge1 = [
        ("sl", "d", dict(mtime=T)), ("sl/keep", "f", dict(data=b"old\n", mtime=T)),
        ("xd", "d", dict(mtime=T, xattrs={"user.a": "1"})),
        ("xf", "f", dict(data=b"x\n", mtime=T, xattrs={"user.a": "1", "user.empty": ""})),
        ("rs", "d", dict(mtime=T)), ("rs/inner", "f", dict(data=b"i\n", mtime=T)),
        ("ts", "l", dict(link="rs", mtime=T)),
        ("fifo2dir", "p", dict(mtime=T)),
    ]
    edge2 = [
        # a whiteout hides only lower layers: sl/keep of this layer stays (layer.md Whiteouts)
        ("sl", "d", dict(mtime=T + 10)), ("sl/keep", "f", dict(data=b"new\n", mtime=T + 10)),
        ("sl/.wh.keep", "f", dict(mtime=T + 10)),
        # directory over directory: xattrs are attributes too, user.a goes
        ("xd", "d", dict(mtime=T + 10, xattrs={"user.b": "2"})),
        ("rs", "l", dict(link="/etc", mtime=T + 10)),
        ("ts", "d", dict(mode=0o700, mtime=T + 10)),
        (".wh.never-existed", "f", dict(mtime=T + 10)),
        ("fifo2dir", "d", dict(mtime=T + 10)),
    ]
    write_image(layout, "edge", [("gzip", tar_of(edge1)), ("gzip", tar_of(edge2))])

    # Escapes: the help promises paths and symlinks resolve as if DIR were "/". The in-root
    # twins of OUTSIDE and HOSTSECRET exist in the image, so every entry has a well-defined
    # in-root meaning; an unpacker that resolves on the host writes to the real ones.
    o, s = outside.lstrip("/"), hostsecret.lstrip("/")
    up = "../" * 12
    parts = o.split("/")
    esc1 = [("/".join(parts[: i + 1]), "d", dict(mtime=T)) for i in range(len(parts))]
    esc1 += [
        ("abs", "l", dict(link=outside, mtime=T)),
        ("rel", "l", dict(link=up + o, mtime=T)),
        (s, "f", dict(data=b"inroot\n", mtime=T)),
    ]
    esc2 = [
        ("abs/pwned-abs", "f", dict(data=b"x\n", mtime=T)),
        ("rel/pwned-rel", "f", dict(data=b"x\n", mtime=T)),
        (up + o + "/pwned-dotdot", "f", dict(data=b"x\n", mtime=T)),
        ("/" + o + "/pwned-absname", "f", dict(data=b"x\n", mtime=T)),
        ("hl-out", "h", dict(link=up + s, mtime=T)),
    ]
    write_image(layout, "esc", [("gzip", tar_of(esc1)), ("gzip", tar_of(esc2))])
    # The same through a symlink whose in-root target does not exist: creating the file
    # there (umoci: MkdirAll inside the root) or refusing are both safe; writing to the
    # host's OUTSIDE is not.
    dang1 = [("dangle", "l", dict(link=outside + "/sub", mtime=T))]
    dang2 = [("dangle/pwned-dangling", "f", dict(data=b"x\n", mtime=T))]
    write_image(layout, "esc-dangling", [("gzip", tar_of(dang1)), ("gzip", tar_of(dang2))])

    # Entries whose parent directories have no entry of their own (tar extractors, umoci
    # included, create them: mode 0755, owner root).
    implicit = [("implicit/parent/file", "f", dict(data=b"p\n", mtime=T)),
                ("implicit/parent/sub/", "d", dict(mode=0o700, mtime=T))]
    write_image(layout, "implicit", [("gzip", tar_of(implicit))])

    # A good layer, then a blob that is not a valid gzip stream (its digest is right).
    rnd = hashlib.sha256(b"seed").digest() * 4096  # 128 KiB, compresses poorly enough
    broken1 = [("good", "f", dict(data=b"good\n"))]
    broken2 = [("bad", "f", dict(data=os.urandom(65536) + rnd))]
    write_image(layout, "broken", [("gzip", tar_of(broken1)), ("truncated-gzip", tar_of(broken2))])

def wrap_zstd(layout, tag, path):
    with open(path, "rb") as f:
        comp = f.read()
    raw = zstd(comp, True)
    d, n = put(layout, comp)
    cfg = {"architecture": "amd64", "os": "linux", "config": {},
           "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]}}
    cd, cn = put(layout, json.dumps(cfg).encode())
    man = {"schemaVersion": 2, "mediaType": OCI_MAN,
           "config": {"mediaType": OCI_CFG, "digest": cd, "size": cn},
           "layers": [{"mediaType": OCI_LAYER + "+zstd", "digest": d, "size": n}]}
    md, mn = put(layout, json.dumps(man).encode())
    add_tag(layout, tag, OCI_MAN, md, mn)

def umoci_compat(layout, tag, newtag):
    man = resolve(layout, tag)
    layers = []
    for l in man["layers"]:
        if l["mediaType"].endswith("zstd"):
            raw = gzip.compress(uncompressed(layout, l), mtime=0)
            d, n = put(layout, raw)
            layers.append({"mediaType": OCI_LAYER + "+gzip", "digest": d, "size": n})
        else:
            gz = l["mediaType"].endswith("gzip") or l["mediaType"].endswith(".gzip")
            layers.append({"mediaType": OCI_LAYER + ("+gzip" if gz else ""),
                           "digest": l["digest"], "size": l["size"]})
    out = {"schemaVersion": 2, "mediaType": OCI_MAN,
           "config": {"mediaType": OCI_CFG, "digest": man["config"]["digest"],
                      "size": man["config"]["size"]}, "layers": layers}
    md, mn = put(layout, json.dumps(out).encode())
    add_tag(layout, newtag, OCI_MAN, md, mn)

def facts(layout, tag):
    man = resolve(layout, tag)
    root, ndev = "no", 0
    for l in man["layers"]:
        with tarfile.open(fileobj=io.BytesIO(uncompressed(layout, l)), mode="r:") as t:
            for m in t:
                if os.path.normpath("/" + m.name) == "/":
                    root = "yes"
                if m.ischr() or m.isblk():
                    ndev += 1
    return "%s %d" % (root, ndev)

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "synth":
    synth(*args)
elif cmd == "wrap-zstd":
    wrap_zstd(*args)
elif cmd == "umoci-compat":
    umoci_compat(*args)
elif cmd == "facts":
    print(facts(*args))
else:
    sys.exit("imgtool: unknown command " + cmd)
PYEOF
imgtool() { "$PY" -S "$IT_TMP/imgtool.py" "$@"; }

# ---------------------------------------------------------------- comparison helpers

# Checks of what cairn did to a tree record their failure and let the test go on, so that one
# run shows every difference; the test fails at the end. Harness trouble fails at once.
FAILED=()
soft_fail() {
	it_log "FAILED: $*"
	FAILED+=("$*")
}
expect_eq() { [ "$1" == "$2" ] || soft_fail "${3:-expect_eq}: expected '$2', got '$1'"; }
# run CMD...: like assert_ok without the assertion (sets IT_RC, IT_STDOUT, IT_STDERR).
run() {
	IT_RC=0
	("$@") >"$IT_TMP/.run.out" 2>"$IT_TMP/.run.err" || IT_RC=$?
	IT_STDOUT=$(cat "$IT_TMP/.run.out")
	IT_STDERR=$(cat "$IT_TMP/.run.err")
}

# compare LABEL REF_TREE CAIRN_TREE TREESUM_OPTS...: identical listings, else print diff -u and
# record the failure.
# With --mtime, an mtime from after T0 was made by the unpack, not by a layer: treesum prints
# it as "(unpack-time)" (--fresh-since) so that two such mtimes compare equal.
compare() {
	local label=$1 ref=$2 got=$3 f
	shift 3
	f="$IT_TMP/sum.${label// /_}"
	"${TREESUM[@]}" --fresh-since "$T0" "$@" --output "$f.umoci" --output "$f.cairn" "$ref" "$got" ||
		it_fail "$label: treesum $ref $got"
	if ! diff -u --label "umoci: $label" --label "cairn: $label" "$f.umoci" "$f.cairn" >"$f.diff"; then
		cat "$f.diff" >&2
		soft_fail "$label: cairn's tree differs from umoci's (- umoci, + cairn)"
	fi
}

# device_paths LISTING: the device nodes (c, b) of a treesum listing.
device_paths() { awk '$2 == "c" || $2 == "b" { print $1 }' "$1"; }

# check_rootless_dirs DIR: every directory is rwx for its owner (the user can walk and delete
# the tree without chmod): the contract's "keep directories writable by you".
check_rootless_dirs() {
	local bad
	bad=$(find "$1" -type d ! -perm -u=rwx -printf '%m %P\n')
	[ -z "$bad" ] || soft_fail "rootless tree $1 has directories the user cannot write or walk: $bad"
}

cairn() { "$CAIRN" --root "$STORE" "$@"; }

# check_image NAME REF UMOCI_LAYOUT UMOCI_TAG [FIXUP]: unpack REF with cairn (root, rootless)
# and UMOCI_LAYOUT:UMOCI_TAG with umoci (root, rootless); the trees must match. FIXUP (a
# function name) is run on umoci's root tree first, for documented umoci deviations.
check_image() {
	local name=$1 ref=$2 ul=$3 ut=$4 fixup=${5:-} d="$U/$1" opts=(--mtime) rl_opts=() p
	local root_entry ndev rl_err
	mkdir -p "$d"
	it_log "unpack $name ($ref)"
	read -r root_entry ndev <<<"$(imgtool facts "$ul" "$ut")"
	# DIR does not exist yet: unpack creates it
	run cairn unpack "$ref" "$d/cairn"
	if [ "$IT_RC" -ne 0 ]; then
		soft_fail "$name: cairn unpack failed (rc=$IT_RC): $IT_STDERR"
		return 0
	fi
	[ -d "$d/cairn" ] || it_fail "$name: unpack did not create $d/cairn"
	expect_eq "$IT_STDERR" "" "$name: root unpack prints no warning"
	run cairn unpack --rootless "$ref" "$d/cairn-rl"
	if [ "$IT_RC" -ne 0 ]; then
		soft_fail "$name: cairn unpack --rootless failed (rc=$IT_RC): $IT_STDERR"
		return 0
	fi
	rl_err=$IT_STDERR
	umoci unpack --image "$ul:$ut" "$d/umoci" >/dev/null 2>"$d/umoci.log" ||
		it_fail "$name: umoci unpack $ul:$ut failed: $(cat "$d/umoci.log")"
	umoci unpack --rootless --image "$ul:$ut" "$d/umoci-rl" >/dev/null 2>"$d/umoci-rl.log" ||
		it_fail "$name: umoci unpack --rootless $ul:$ut failed: $(cat "$d/umoci-rl.log")"
	if [ -n "$fixup" ]; then
		"$fixup" "$d/umoci/rootfs"
		"$fixup" "$d/umoci-rl/rootfs"
	fi

	# Without a layer entry for "/", nothing says what its mtime is (umoci: 0, cairn: now).
	[ "$root_entry" = yes ] || opts+=(--no-root-mtime)
	compare "$name root" "$d/umoci/rootfs" "$d/cairn" "${opts[@]}"

	# Rootless: cairn skips device nodes and says how many in one warning line (contract);
	# umoci 0.4.7 leaves an empty regular file in their place. The device paths of the root
	# tree are checked here and left out of the rootless diff.
	rl_opts=("${opts[@]}" --rootless-compat)
	for p in $(device_paths "$IT_TMP/sum.${name// /_}_root.umoci"); do
		if [ -e "$d/cairn-rl$p" ] || [ -L "$d/cairn-rl$p" ]; then
			soft_fail "$name: rootless unpack created device path $p"
		fi
		rl_opts+=(--exclude "$p")
	done
	check_device_warning "$name rootless" "$rl_err" "$ndev" 0
	compare "$name rootless" "$d/umoci-rl/rootfs" "$d/cairn-rl" "${rl_opts[@]}"
	check_rootless_dirs "$d/cairn-rl"
}

# check_device_warning LABEL STDERR NDEV MAXOTHER: exactly one warning line about devices, with
# the number of device entries the layers carry (all of them were skipped, also those a later
# layer whites out), none when NDEV is 0; and at most MAXOTHER other lines.
check_device_warning() {
	local label=$1 err=$2 n=$3 maxother=$4 dev other
	dev=$(grep -i 'device' <<<"$err" || true)
	other=$(grep -vi 'device' <<<"$err" || true)
	[ "$(grep -c . <<<"$other" || true)" -le "$maxother" ] ||
		soft_fail "$label: unexpected stderr lines: $other"
	if [ "$n" -eq 0 ]; then
		expect_eq "$dev" "" "$label: no devices, no warning"
		return 0
	fi
	expect_eq "$(grep -c . <<<"$dev" || true)" 1 "$label: one warning line about devices in: $err"
	if ! [[ " $dev " =~ [^0-9]${n}[^0-9] && $dev == *warning* ]]; then
		soft_fail "$label: no warning counting $n device entries: $err"
	fi
}

# publish LAYOUT TAG REPO [it_publish args...]: push with the exact blob bytes of the layout
# (--preserve-digests: otherwise skopeo gzips uncompressed layers on the way), pull with cairn.
publish() {
	local layout=$1 tag=$2 repo=$3
	shift 3
	it_publish "$layout" "$tag" "$reg_ADDR/$repo:$tag" "$@"
	assert_ok cairn pull -q "$reg_ADDR/$repo:$tag"
}

# registry_manifest REPO:TAG: the image manifest the registry serves (OCI or Docker schema 2).
registry_manifest() {
	curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		-H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"$reg_URL/v2/${1%:*}/manifests/${1##*:}" || it_fail "GET manifest $1"
}
# layer_types REPO:TAG: the sorted layer media types the registry serves.
layer_types() { registry_manifest "$1" | jq -r '.layers[].mediaType' | sort -u | paste -sd' '; }

# fixture_copy SRC NAME: writable copy of a fixture under $IT_TMP/layouts (never touch ../shared)
fixture_copy() {
	cp -R "$1" "$IT_TMP/layouts/$2"
	chmod -R u+w "$IT_TMP/layouts/$2"
	printf '%s\n' "$IT_TMP/layouts/$2"
}

it_registry_start reg plain

# ---------------------------------------------------------------- fixtures: OCI layouts

# umoci-layout-links-whiteouts: hardlink, symlinks, fifo; v2 whiteouts; v3 opaque whiteout
L=$(fixture_copy "$FIX/generated/umoci-layout-links-whiteouts" umoci)
for t in v1 v2 v3; do
	publish "$L" "$t" fix/umoci oci -- --preserve-digests
	check_image "umoci-$t" "$reg_ADDR/fix/umoci:$t" "$L" "$t"
done

# skopeo-layout-zstd: v3 with tar+zstd layers
L=$(fixture_copy "$FIX/generated/skopeo-layout-zstd" zstd)
publish "$L" v3-zstd fix/zstd oci -- --preserve-digests
assert_eq "$(layer_types fix/zstd:v3-zstd)" application/vnd.oci.image.layer.v1.tar+zstd "zstd fixture: registry layer type"
imgtool umoci-compat "$L" v3-zstd umoci
check_image zstd "$reg_ADDR/fix/zstd:v3-zstd" "$L" umoci

# buildah-layout-index: nested OCI index, linux/amd64 + linux/arm64/v8; cairn picks amd64 (the
# arm64 entry is the same tree with zstd layers, so this checks index handling, not selection)
L=$(fixture_copy "$FIX/generated/buildah-layout-index" buildah)
publish "$L" multi fix/buildah oci --all -- --preserve-digests
imgtool umoci-compat "$L" multi umoci
check_image buildah-index "$reg_ADDR/fix/buildah:multi" "$L" umoci

# go-containerregistry layout-test_index: tag 1 is a Docker schema 2 manifest inside an OCI
# layout (Docker media types reach the registry unchanged). Tags 2 (descriptor media type
# application/vnd.oci.descriptor.v1+json) and 4 (Docker list in an OCI index) are not readable
# by skopeo; tag 3 is an index over tag 1's manifest.
L=$(fixture_copy "$FIX/go-containerregistry/layout-test_index" ggcr-index)
publish "$L" 1 fix/ggcr-index oci
assert_eq "$(layer_types fix/ggcr-index:1)" application/vnd.docker.image.rootfs.diff.tar.gzip \
	"ggcr index tag 1: Docker layer type"
imgtool umoci-compat "$L" 1 umoci
check_image ggcr-index-1 "$reg_ADDR/fix/ggcr-index:1" "$L" umoci
it_log "skip layout-test_index tags 2, 4 (skopeo cannot read them), 3 (same manifest as 1)"

# containers-image/layout-multi-arch: its "layers" are placeholder text, not tar archives:
# used below as a layer that cannot be applied.
LMA=$(fixture_copy "$FIX/containers-image/layout-multi-arch" multi-arch)
publish "$LMA" 3.18 fix/multi-arch oci -- --preserve-digests

# ---------------------------------------------------------------- fixtures: docker archives
# Converted with skopeo (docker-archive -> OCI layout, gzip layers); pushed as Docker schema 2
# (application/vnd.docker.image.rootfs.diff.tar.gzip layers, same blobs) while umoci reads
# the OCI layout. Archives with two images are read one image at a time (@N).
# test_bundle.tar@1 and test_link.tar@0 are left out: their one layer (diff_id 8897395f...) is
# layout-test_index tag 1's and the first layer of test_link.tar@1.
it_log "skip test_bundle.tar@1, test_link.tar@0: same layer as layout-test_index:1 and test_link.tar@1"
for spec in generated/skopeo-docker-archive-v3.tar \
	go-containerregistry/overwritten_file.tar go-containerregistry/whiteout_image.tar \
	go-containerregistry/whiteout_dir.tar \
	go-containerregistry/test_bundle.tar@0 go-containerregistry/test_link.tar@1; do
	f=${spec%@*}
	src="docker-archive:$FIX/$f"
	name=$(basename "$f" .tar)
	case $spec in *@*) src="$src:@${spec#*@}"; name="$name-${spec#*@}" ;; esac
	L="$IT_TMP/layouts/da-$name"
	it_skopeo copy -q "$src" "oci:$L:t" 2>"$IT_TMP/skopeo.err" || {
		it_log "skip $spec: skopeo cannot read it: $(head -c 300 "$IT_TMP/skopeo.err")"
		continue
	}
	publish "$L" t "da/$name" v2s2
	assert_eq "$(layer_types "da/$name:t")" application/vnd.docker.image.rootfs.diff.tar.gzip "$name: Docker layer type"
	m=$(jq -r '.manifests[0].digest' "$L/index.json")
	assert_eq "$(registry_manifest "da/$name:t" | jq -c '[.layers[].digest]')" \
		"$(jq -c '[.layers[].digest]' "$L/blobs/sha256/${m#sha256:}")" "$name: registry and layout share the layer blobs"
	check_image "da-$name" "$reg_ADDR/da/$name:t" "$L" t
done

# go-containerregistry/content.tar.zst: a bare zstd tar, wrapped as a one-layer image
L="$IT_TMP/layouts/content-zst"
imgtool wrap-zstd "$L" t "$FIX/go-containerregistry/content.tar.zst"
publish "$L" t fix/content-zst oci -- --preserve-digests
imgtool umoci-compat "$L" t umoci
check_image content-zst "$reg_ADDR/fix/content-zst:t" "$L" umoci
it_log "not images: containers-image/compression, containers-image/manifests; handmade-opaque-whiteout-layer.tar is umoci v3's third layer; skopeo-oci-archive-v3.tar holds umoci v3's blobs"

# ---------------------------------------------------------------- generated images
OUTSIDE="$IT_TMP/outside"
HOSTSECRET="$IT_TMP/hostsecret"
mkdir -p "$OUTSIDE"
printf 'host\n' >"$HOSTSECRET"
LS="$IT_TMP/layouts/synth"
imgtool synth "$LS" "$OUTSIDE" "$HOSTSECRET"
for t in rich edge esc esc-dangling implicit broken; do
	publish "$LS" "$t" gen/img oci -- --preserve-digests
done
assert_eq "$(layer_types gen/img:rich)" \
	"application/vnd.oci.image.layer.v1.tar application/vnd.oci.image.layer.v1.tar+gzip application/vnd.oci.image.layer.v1.tar+zstd" \
	"rich: tar, tar+gzip and tar+zstd layers"
imgtool umoci-compat "$LS" rich rich.umoci
check_image rich "$reg_ADDR/gen/img:rich" "$LS" rich.umoci

# umoci 0.4.7 drops xattrs whose value is empty (xf's user.empty, in the layer as a
# SCHILY.xattr.user.empty PAX record; GNU tar --xattrs restores it). An empty value is still
# an xattr (layer.md "File Attributes": xattrs), so the reference gets it back.
edge_fixup() { "$PY" -c 'import os, sys; os.setxattr(sys.argv[1], "user.empty", b"", follow_symlinks=False)' "$1/xf"; }
imgtool umoci-compat "$LS" edge edge.umoci
check_image edge "$reg_ADDR/gen/img:edge" "$LS" edge.umoci edge_fixup
# the spec's answers, spelled out (the umoci comparison above must agree with them)
expect_eq "$(cat "$U/edge/cairn/sl/keep")" new "edge: a whiteout does not hide its own layer's file"
expect_eq "$("$PY" -c 'import os,sys; print(sorted(os.listxattr(sys.argv[1])))' "$U/edge/cairn/xd")" "['user.b']" \
	"edge: directory over directory replaces its xattrs"

# escapes: nothing outside DIR is written, links resolve inside DIR, like umoci (securejoin)
check_image esc "$reg_ADDR/gen/img:esc" "$LS" esc
expect_eq "$(find "$OUTSIDE" -mindepth 1 | head -5)" "" "esc: nothing written outside DIR"
expect_eq "$(stat -c %h "$HOSTSECRET"):$(cat "$HOSTSECRET")" "1:host" "esc: host file neither linked nor changed"
expect_eq "$(cat "$U/esc/cairn/hl-out" 2>&1)" inroot "esc: hardlink target resolved inside DIR"
run cairn unpack "$reg_ADDR/gen/img:esc-dangling" "$U/esc-dangling"
expect_eq "$(find "$OUTSIDE" -mindepth 1 | head -5)" "" "esc-dangling: nothing written outside DIR"
if [ "$IT_RC" -ne 0 ]; then
	it_log "esc-dangling: cairn refuses a file under a symlink to a missing directory (umoci creates the directory in DIR): $IT_STDERR"
	[ ! -e "$U/esc-dangling" ] || soft_fail "esc-dangling: failed unpack left DIR behind (it did not exist before)"
fi

check_image implicit "$reg_ADDR/gen/img:implicit" "$LS" implicit

# ---------------------------------------------------------------- DIR handling
R="$reg_ADDR/fix/umoci:v1"
# an empty existing DIR is fine and gives the same tree as a missing one
mkdir "$U/empty"
assert_ok cairn unpack -q "$R" "$U/empty"
expect_eq "$IT_STDOUT" "" "unpack -q prints nothing"
compare "umoci-v1 into an existing empty DIR" "$U/umoci-v1/umoci/rootfs" "$U/empty" --mtime
# non-empty DIR: exit 1, untouched (even a lone dotfile counts)
for content in file .hidden; do
	D="$U/nonempty-$content"
	mkdir "$D"
	printf 'keep\n' >"$D/$content"
	touch -d @1500000000 "$D/$content" "$D"
	before=$("${TREESUM[@]}" --mtime "$D")
	run cairn unpack "$R" "$D"
	expect_eq "$IT_RC" 1 "non-empty DIR ($content): exit code"
	[[ $IT_STDERR == "cairn: unpack"* ]] || soft_fail "non-empty DIR ($content): no 'cairn: unpack' error: $IT_STDERR"
	expect_eq "$("${TREESUM[@]}" --mtime "$D")" "$before" "non-empty DIR ($content) untouched"
done
# DIR is a regular file: refused, untouched
printf 'f\n' >"$U/afile"
run cairn unpack "$R" "$U/afile"
[ "$IT_RC" -ne 0 ] || soft_fail "DIR a file: unpack succeeded"
expect_eq "$(cat "$U/afile")" f "DIR a file: untouched"
# an image not in the store: refused, DIR not created
run cairn unpack "$reg_ADDR/no/such:image" "$U/never"
[ "$IT_RC" -ne 0 ] || soft_fail "unknown image: unpack succeeded"
[ ! -e "$U/never" ] || soft_fail "unpack of an unknown image created DIR"

# ---------------------------------------------------------------- layers that cannot be applied
# --help: "If a layer cannot be applied, DIR is left as it was before."
for case in broken=gen/img:broken multi-arch=fix/multi-arch:3.18; do
	n=${case%%=*}
	ref="$reg_ADDR/${case#*=}"
	run cairn unpack "$ref" "$U/fail-missing-$n"
	[ "$IT_RC" -ne 0 ] || soft_fail "$n: unpack of an unappliable layer succeeded"
	[ ! -e "$U/fail-missing-$n" ] || soft_fail "$n: failed unpack left DIR behind (it did not exist before)"
	mkdir "$U/fail-empty-$n"
	touch -d @1500000000 "$U/fail-empty-$n"
	before=$(stat -c %Y "$U/fail-empty-$n")
	run cairn unpack "$ref" "$U/fail-empty-$n"
	[ "$IT_RC" -ne 0 ] || soft_fail "$n: unpack of an unappliable layer into an empty DIR succeeded"
	expect_eq "$(find "$U/fail-empty-$n" -mindepth 1 -printf '%P\n' | head -5)" "" "$n: failed unpack left the DIR empty"
	# "as it was" includes DIR's own mtime, which removing what was applied changes
	expect_eq "$(stat -c %Y "$U/fail-empty-$n")" "$before" "$n: failed unpack restored DIR's mtime"
done
# umoci agrees these cannot be unpacked
umoci unpack --image "$LMA:3.18" "$U/umoci-multi-arch" >/dev/null 2>&1 &&
	it_fail "umoci unpacked the multi-arch placeholder layers (fixture changed?)"

# ---------------------------------------------------------------- a real non-root user
# cairn as uid 65534 (rootless by default) against umoci --rootless as the same user; then the
# user deletes the tree without chmod (umoci 0.4.7 keeps mode 0000/0555 directories as they
# are, so its tree cannot be deleted that way: logged, not asserted).
if ! command -v setpriv >/dev/null 2>&1; then
	it_log "skip the uid 65534 part: no setpriv"
elif ! setpriv --reuid=65534 --regid=65534 --clear-groups env "$CAIRN" --version >/dev/null 2>&1; then
	# A checkout under a private directory (mktemp -d is 0700): that user cannot run cairn.
	# Through env, as below: setpriv itself still holds root's capabilities when it execs.
	it_log "skip the uid 65534 part: uid 65534 cannot run $CAIRN (a directory on its path is private)"
else
	NB="$IT_TMP/nobody"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$NB" DOCKER_CONFIG="$NB/docker-config" "$@"; }
	chmod 0711 "$IT_TMP"
	mkdir -p "$NB/docker-config"
	cp -R "$LS" "$NB/layout"
	chown -R 65534:65534 "$NB"
	assert_ok as_nobody "$CAIRN" --root "$NB/store" pull -q "$reg_ADDR/gen/img:rich"
	assert_ok as_nobody "$CAIRN" --root "$NB/store" unpack "$reg_ADDR/gen/img:rich" "$NB/cairn"
	nb_err=$IT_STDERR
	assert_ok as_nobody umoci unpack --rootless --image "$NB/layout:rich.umoci" "$NB/umoci"
	ex=()
	for p in $(device_paths "$IT_TMP/sum.rich_root.umoci"); do ex+=(--exclude "$p"); done
	# non-root cannot set security.capability on opt/cap (umoci too ignores the EPERM): one
	# more warning line may say so
	check_device_warning "non-root" "$nb_err" "$(imgtool facts "$LS" rich.umoci | cut -d' ' -f2)" 1
	compare "rich as uid 65534" "$NB/umoci/rootfs" "$NB/cairn" --mtime --rootless-compat "${ex[@]}"
	check_rootless_dirs "$NB/cairn"
	expect_eq "$(stat -c %u:%g "$NB/cairn/opt/suid")" 65534:65534 "non-root: files are the user's"
	run as_nobody rm -rf "$NB/cairn"
	[ ! -e "$NB/cairn" ] || soft_fail "non-root: the user could not delete cairn's tree: $IT_STDERR"
	if as_nobody rm -rf "$NB/umoci" 2>/dev/null; then
		it_log "uid 65534 deleted umoci's rootless tree"
	else
		it_log "uid 65534 cannot delete umoci's rootless tree without chmod (umoci keeps 0000 directories)"
	fi
fi

[ "${#FAILED[@]}" -eq 0 ] || it_fail "${#FAILED[@]} checks failed:
$(printf '  %s\n' "${FAILED[@]}")"
echo "test-unpack-fixtures: OK"
