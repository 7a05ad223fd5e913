#!/usr/bin/env bash
# The layer commands (diff, import, append, unpack, export, layers, files) on two root trees this
# test builds, OLD and NEW, with the cases a layer must carry: files of several sizes (3 MiB,
# empty), nested dirs, setuid, a user.* xattr, owners, symlinks (relative, absolute), hardlinks,
# fifos, an opaque directory (all entries replaced), a deleted file and directory, a file turned
# into a directory, a mode-only and an mtime-only change.
#  - import OLD (a directory) -> base; diff OLD NEW lists exactly what changed; diff -o writes a
#    layer with whiteouts, sorted, nothing unchanged; append it -> new; unpack new == NEW
#    (path, type, mode, owner, size, sha256, link, xattrs, hardlink grouping, mtimes)
#  - --reproducible layers are byte-identical (even from copies) with mtime $SOURCE_DATE_EPOCH
#  - import of tar / .gz / .zst / stdin round-trips through export; bad input leaves no image;
#    --change instructions land in the config; unknown ones are usage errors
#  - history, layers (counts, sizes, diff_ids, wasted bytes) and files (merged tree, --layer,
#    PATH) describe what the layers did
#  - export and unpack write completely or not at all (read-only dir, missing image, tty,
#    non-empty dir, corrupt blob), and fsck names the corrupt blob
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need python3 jq tar gzip zstd sha256sum mkfifo cmp
[ -f "$IT_LIB_DIR/treesum.py" ] || it_skip "treesum.py not found next to lib.sh"
# the real interpreter, once: a version-manager shim can cost seconds per start
PY=$(python3 -c 'import sys; print(sys.executable)')

umask 022
unset SOURCE_DATE_EPOCH # import would stamp it on directories; section 2 sets it
cd "$IT_TMP" # relative names: they show up verbatim in history's CREATED BY
STORE="$IT_TMP/store"
cairn() { "$CAIRN" --root "$STORE" "$@"; }
nlines() { if [ -z "$1" ]; then echo 0; else wc -l <<<"$1"; fi; }
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

# tree_of DIR: canonical listing (treesum.py --mtime) of DIR; the root's mtime is dropped (the
# unpacker or extractor made the root, no layer entry sets it).
tree_of() { "$PY" "$IT_LIB_DIR/treesum.py" --mtime "$1" | sed '1s/ mtime=[^ ]*$//'; }
# assert_same_tree WANT GOT_DIR MSG: WANT a directory or its listing (a file from tree_of)
assert_same_tree() {
	local want=$1
	if [ -d "$want" ]; then
		want="$IT_TMP/.tree.want"
		tree_of "$1" >"$want"
	fi
	tree_of "$2" >"$IT_TMP/.tree.got"
	diff -u "$want" "$IT_TMP/.tree.got" >"$IT_TMP/.tree.diff" ||
		it_fail "$3: trees differ (- $1, + $2):
$(head -40 "$IT_TMP/.tree.diff")"
}
# untar ARCHIVE DIR: extract as a user would (GNU tar, owners, modes and user.* xattrs kept).
untar() {
	mkdir -p "$2"
	tar --xattrs --xattrs-include='user.*' --numeric-owner --same-owner -p \
		--warning=no-unknown-keyword -xf "$1" -C "$2"
}
# tar_entries ARCHIVE: "TYPE NAME[ -> TARGET | link to TARGET]" per entry, in archive order.
tar_entries() {
	tar --numeric-owner --warning=no-unknown-keyword -tvf "$1" |
		awk '{ t = substr($1, 1, 1); $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print t " " $0 }'
}
tarls() { tar --warning=no-unknown-keyword -tf "$1"; }
blob_file() { printf '%s/blobs/%s' "$STORE" "${1/://}"; }

# ------------------------------------------------------------------ data
# The filesystem may not take user.* xattrs (tmpfs without user_xattr): then that case is left out.
HAVE_XATTR=0
: >"$IT_TMP/.xattr-probe"
"$PY" -c 'import os, sys; os.setxattr(sys.argv[1], "user.probe", b"1")' "$IT_TMP/.xattr-probe" \
	2>/dev/null && HAVE_XATTR=1
rm -f "$IT_TMP/.xattr-probe"
[ "$HAVE_XATTR" = 1 ] || it_log "no user.* xattrs on this filesystem: xattr cases skipped"
setx() { [ "$HAVE_XATTR" = 0 ] || "$PY" -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode())' "$@"; }
# whole_seconds DIR...: truncate every mtime to whole seconds (tar headers carry seconds; layers
# need not keep nanoseconds, and a changed entry must not differ only below the second).
whole_seconds() {
	"$PY" - "$@" <<'PYEOF'
import os, sys
for top in sys.argv[1:]:
    for dp, dns, fns in os.walk(top):
        for p in [dp] + [os.path.join(dp, n) for n in dns + fns]:
            s = os.lstat(p).st_mtime_ns // 10**9 * 10**9
            os.utime(p, ns=(s, s), follow_symlinks=False)
PYEOF
}

# make_trees OLD NEW: OLD (every mtime 1600000000) and NEW = a copy of OLD with these changes.
make_trees() {
	local o=$1 n=$2
	mkdir -m 0755 "$o"
	(
		cd "$o"
		mkdir -p etc/conf.d bin lib libexec h run replaced/sub olddir/deep data usr/bin
		printf 'old-host\n' >etc/hostname
		: >etc/empty
		printf 'a=1\n' >etc/conf.d/a.conf
		printf 'b=2\n' >etc/conf.d/b.conf
		head -c $((3 * 1024 * 1024)) /dev/urandom >bin/big
		printf '#!/bin/sh\n' >bin/tool
		chmod 4755 bin/tool
		printf 'attr\n' >data/x.attr
		setx data/x.attr user.color blue
		printf 'attr2\n' >data/y.attr
		setx data/y.attr user.color red
		printf 'owned\n' >data/owned
		[ "$IS_ROOT" = 0 ] || chown 1000:1001 data/owned
		ln -s ../bin/tool lib/rel
		ln -s /bin/big lib/abs
		printf 'keep\n' >libexec/keep
		printf 'linked\n' >h/one
		ln h/one h/two
		mkfifo run/fifo
		printf r1 >replaced/a
		printf r2 >replaced/b
		printf r3 >replaced/sub/c
		printf gone >etc/gone
		printf deep >olddir/deep/f
		printf x >olddir/g
		printf file >thing
		printf mode >etc/modefile
		chmod 644 etc/modefile
		printf touch >etc/touched
		find . -exec touch -h -d @1600000000 {} +
	)
	cp -a "$o" "$n"
	(
		cd "$n"
		printf 'new-hostname\n' >etc/hostname      # content (and size, mtime)
		rm etc/gone                                 # deleted file
		rm -r olddir                                # deleted directory
		rm thing && mkdir thing && printf in >thing/inside # file -> directory
		chmod 600 etc/modefile                      # mode only
		touch -d @1650000000 etc/touched            # mtime only
		rm -r replaced/* && printf d >replaced/d && mkdir replaced/e && printf e >replaced/e/f
		ln -sfn /etc/hostname lib/abs               # symlink retargeted
		ln -s newtarget lib/newrel
		mkfifo run/fifo2
		: >usr/bin/empty-new
		printf su >usr/bin/su2
		chmod 4755 usr/bin/su2
		printf pair >h/three
		ln h/three h/four
		setx data/y.attr user.color green           # xattr only
		printf newattr >data/new.attr
		setx data/new.attr user.k v
		head -c 100000 /dev/urandom >data/medium
	)
	whole_seconds "$o" "$n"
}

OLD=old NEW=new
make_trees "$OLD" "$NEW"
tree_of "$OLD" >old.sum
tree_of "$NEW" >new.sum

# What `cairn diff OLD NEW` must list: every entry whose type, mode, owner, size, mtime or xattrs
# differ (a directory counts when its mtime changed: /usr/bin did, /usr did not), deletions of a
# directory only at its top.
WANT_DIFF="C /data
A /data/medium
A /data/new.attr
$([ "$HAVE_XATTR" = 0 ] || echo 'C /data/y.attr')
C /etc
D /etc/gone
C /etc/hostname
C /etc/modefile
C /etc/touched
C /h
A /h/four
A /h/three
C /lib
C /lib/abs
A /lib/newrel
D /olddir
C /replaced
D /replaced/a
D /replaced/b
A /replaced/d
A /replaced/e
A /replaced/e/f
D /replaced/sub
C /run
A /run/fifo2
C /thing
A /thing/inside
C /usr/bin
A /usr/bin/empty-new
A /usr/bin/su2"
WANT_DIFF=$(grep -v '^$' <<<"$WANT_DIFF")

# ------------------------------------------------------------------ 1. import, diff, append, unpack
assert_ok cairn import -m "the old tree" "$OLD" base:1
assert_eq "$IT_STDOUT" "$(cairn inspect base:1 | jq -r '.[0].Id')" "import prints the image ID"
assert_ok cairn unpack -q base:1 base-root
assert_eq "$IT_STDOUT" "" "unpack -q prints nothing"
assert_same_tree old.sum base-root "import of a directory, unpacked"

assert_ok cairn diff "$OLD" "$NEW"
assert_eq "$IT_STDOUT" "$WANT_DIFF" "diff OLD NEW listing"
assert_ok cairn diff "$OLD" "$OLD"
assert_eq "$IT_STDOUT" "" "diff of a tree with itself"

assert_ok cairn diff -o layer.tar.gz "$OLD" "$NEW"
assert_eq "$IT_STDOUT" "" "diff -o prints nothing on stdout"
n_a=$(grep -c '^A ' <<<"$WANT_DIFF") n_c=$(grep -c '^C ' <<<"$WANT_DIFF") n_d=$(grep -c '^D ' <<<"$WANT_DIFF")
gzip -t layer.tar.gz || it_fail "diff -o layer.tar.gz: not gzip"
gzip -dc layer.tar.gz >layer.tar
assert_eq "$IT_STDERR" "$n_a added, $n_c changed, $n_d deleted; diff_id sha256:$(sha256sum <layer.tar | cut -d' ' -f1)" \
	"diff -o summary: the listing's counts and the uncompressed layer's digest"
# The entries, in order: sorted by path (a whiteout where its target would be, the opaque marker
# right after its directory), deletions as whiteouts (a deleted directory by its top only), the
# replaced directory as opaque, parents re-declared only when they changed, nothing unchanged.
WANT_TAR="d data/
- data/medium
- data/new.attr
$([ "$HAVE_XATTR" = 0 ] || echo '- data/y.attr')
d etc/
- etc/.wh.gone
- etc/hostname
- etc/modefile
- etc/touched
d h/
- h/four
h h/three link to h/four
d lib/
l lib/abs -> /etc/hostname
l lib/newrel -> newtarget
- .wh.olddir
d replaced/
- replaced/.wh..wh..opq
- replaced/d
d replaced/e/
- replaced/e/f
d run/
p run/fifo2
d thing/
- thing/inside
d usr/bin/
- usr/bin/empty-new
- usr/bin/su2"
assert_eq "$(tar_entries layer.tar.gz)" "$(grep -v '^$' <<<"$WANT_TAR")" "diff -o: the layer's entries"
perms=$(tar --numeric-owner --warning=no-unknown-keyword -tvf layer.tar | awk '$NF == "usr/bin/su2" || $NF == "etc/modefile" { print $1, $NF }')
assert_eq "$perms" "-rw------- etc/modefile
-rwsr-xr-x usr/bin/su2" "diff -o: setuid and changed mode in the layer"
if [ "$HAVE_XATTR" = 1 ]; then
	assert_eq "$("$PY" -c '
import sys, tarfile
t = tarfile.open(sys.argv[1])
print(t.getmember("data/y.attr").pax_headers.get("SCHILY.xattr.user.color"))' layer.tar)" green \
		"diff -o: the xattr as SCHILY.xattr (what docker and containerd read)"
fi

base_manifest=$(cairn inspect --raw base:1 | sha256sum)
assert_ok cairn append -m "new tree" base:1 layer.tar.gz new:1
assert_eq "$(cairn inspect --raw base:1 | sha256sum)" "$base_manifest" "append leaves BASE unchanged"
assert_ok cairn unpack new:1 new-root
assert_contains "$IT_STDOUT" "Unpacked new:1 to new-root: 2 layers" "unpack summary"
assert_same_tree new.sum new-root "append(import OLD, diff OLD NEW), unpacked"
[ "$IS_ROOT" = 0 ] || assert_eq "$(stat -c %u:%g new-root/data/owned)" 1000:1001 "unpack (root) sets owners"

# --rootless (as root too): nothing chowned, otherwise the same tree
assert_ok cairn unpack -q --rootless new:1 rootless-root
assert_eq "$(stat -c %u:%g rootless-root/data/owned)" "$(id -u):$(id -g)" "unpack --rootless: owned by the caller"
assert_eq "$(tree_of rootless-root | sed 's/ uid=[0-9]* gid=[0-9]*//')" \
	"$(sed 's/ uid=[0-9]* gid=[0-9]*//' new.sum)" "unpack --rootless: the tree but owners"

# the two images' difference is the same change set (plus content digests, minus nothing)
assert_ok cairn diff base:1 new:1
# Image trees hash xattrs: an xattr-only change (/data/y.attr) is listed as for directories.
assert_eq "$IT_STDOUT" "$WANT_DIFF" "diff base:1 new:1 listing"
assert_rc 2 cairn diff -o x.tar base:1 new:1
[ ! -e x.tar ] || it_fail "diff -o with images wrote x.tar"
assert_rc 2 cairn diff "$OLD" base:1
assert_rc 2 cairn diff "$OLD"
assert_rc 2 cairn diff "$OLD" no-such-dir
# images are compared by content too: same size and mtime, other bytes
mkdir -p same-a same-b
printf aaaa >same-a/f
printf bbbb >same-b/f
touch -d @1000 same-a/f same-b/f same-a same-b
assert_ok cairn import same-a same:a
assert_ok cairn import same-b same:b
assert_ok cairn diff same:a same:b
assert_eq "$IT_STDOUT" "C /f" "diff IMAGE IMAGE: content change with equal size and mtime"

# ------------------------------------------------------------------ 2. --reproducible
export SOURCE_DATE_EPOCH=1234567890
cp -a "$OLD" old2
cp -a "$NEW" new2
assert_ok cairn diff --reproducible -o r1.tar "$OLD" "$NEW"
assert_ok cairn diff --reproducible -o r2.tar old2 new2
cmp -s r1.tar r2.tar || it_fail "--reproducible: two diffs of equal trees differ"
assert_ok cairn diff --reproducible -o r1.tar.gz "$OLD" "$NEW"
assert_ok cairn diff --reproducible -o r2.tar.gz old2 new2
cmp -s r1.tar.gz r2.tar.gz || it_fail "--reproducible: .tar.gz outputs differ"
assert_ok cairn diff --reproducible -o r1.tar.zst "$OLD" "$NEW"
cmp -s <(zstd -dc r1.tar.zst) r1.tar || it_fail "--reproducible: .tar.zst is not the same tar"
cmp -s <(gzip -dc r1.tar.gz) r1.tar || it_fail "--reproducible: .tar.gz is not the same tar"
cairn diff --reproducible -o - "$OLD" "$NEW" 2>/dev/null >r1.stdout
cmp -s r1.stdout r1.tar || it_fail "--reproducible: -o - is not the same tar"
assert_eq "$(tar_entries r1.tar | cut -d' ' -f2)" "$(tar_entries layer.tar | cut -d' ' -f2)" \
	"--reproducible: the same entries"
mt() {
	"$PY" -c '
import sys, tarfile
print(" ".join(sorted({"%s/%s" % (m.mtime, m.pax_headers.get("mtime", "-")) for m in tarfile.open(sys.argv[1])})))' "$1"
}
assert_eq "$(mt r1.tar)" "1234567890/-" "--reproducible: every mtime is SOURCE_DATE_EPOCH (no pax mtime)"
unset SOURCE_DATE_EPOCH
assert_ok cairn diff --reproducible -o r0.tar "$OLD" "$NEW"
assert_eq "$(mt r0.tar)" "0/-" "--reproducible without SOURCE_DATE_EPOCH: mtime 0"

# ------------------------------------------------------------------ 3. import / export
tar --xattrs --xattrs-include='user.*' --numeric-owner -C "$NEW" -cf new.tar .
gzip -k new.tar
zstd -q -k new.tar
for src in new.tar new.tar.gz new.tar.zst; do
	assert_ok cairn import "$src" "imp:${src//./-}"
	rm -rf ex && cairn export "imp:${src//./-}" >ex.tar
	untar ex.tar ex
	assert_same_tree new.sum ex "import $src, export, extract"
done
assert_ok cairn import - imp:stdin <new.tar.zst
cairn export -o ex-stdin.tar imp:stdin
rm -rf ex && untar ex-stdin.tar ex
assert_same_tree new.sum ex "import - (zstd on stdin), export -o, extract"
cmp -s ex-stdin.tar ex.tar || it_fail "export: two images of the same tar give different archives"
cairn export -o ex.tar.gz imp:stdin
cairn export -o ex.tar.zst imp:stdin
cmp -s <(gzip -dc ex.tar.gz) ex.tar || it_fail "export -o .tar.gz: not the archive gzipped"
cmp -s <(zstd -dc ex.tar.zst) ex.tar || it_fail "export -o .tar.zst: not the archive zstd'ed"
assert_eq "$(tarls ex.tar | grep -c '\.wh\.' || true)" 0 "export of one layer: no whiteouts"

# export of the two-layer image: whiteouts applied, each path once, parents before children
cairn export -o ex-new.tar new:1
assert_eq "$(tarls ex-new.tar | grep -c '\.wh\.' || true)" 0 "export new:1: no whiteout names"
assert_eq "$(tarls ex-new.tar | sed 's#/$##' | sort | uniq -d)" "" "export new:1: every path once"
assert_eq "$(tarls ex-new.tar | sed 's#/$##' | sort)" "$(cd "$NEW" && find . -mindepth 1 | sed 's#^\./##' | sort)" \
	"export new:1: exactly NEW's paths"
rm -rf ex && mkdir ex && tar --delay-directory-restore --xattrs --xattrs-include='user.*' --numeric-owner \
	--same-owner -p --warning=no-unknown-keyword -xf ex-new.tar -C ex
assert_same_tree new.sum ex "export new:1, extracted (directory metadata restored last)"
# export walks the merged tree, parents first, as `docker export` does: GNU tar sets a
# directory's times once it has left it, so with any other order plain `tar -x` would give
# directories the extraction time (new.tar is in readdir order, so this needs spooling).
parents_first() {
	tarls "$1" | "$PY" -c '
import sys
seen, bad = set(), []
for name in sys.stdin.read().split("\n"):
    p = name.rstrip("/")
    if not p:
        continue
    parent = p.rsplit("/", 1)[0] if "/" in p else ""
    if parent and parent not in seen:
        bad.append(p)
    seen.add(p)
print(" ".join(bad[:5]))'
}
assert_eq "$(parents_first ex-new.tar)" "" "export new:1: entries whose parent directory comes later"
rm -rf ex && untar ex-new.tar ex
assert_same_tree new.sum ex "export new:1, extracted with plain tar -x"

# bad input: exit 1, one line, no image, nothing stored
head -c 5000 /dev/urandom >junk.bin
head -c 3000 new.tar.gz >trunc.tar.gz
find "$STORE/blobs" -type f | sort >blobs.before
for src in junk.bin trunc.tar.gz; do
	assert_rc 1 cairn import "$src" "bad:${src//./-}"
	assert_eq "$(nlines "$IT_STDERR")" 1 "import $src: one error line"
	assert_contains "$IT_STDERR" "cairn: import: $src: " "import $src: the error names the source"
	assert_ok cairn images --format json
	assert_eq "$(jq -r '[.[] | select(.Repository | endswith("bad"))] | length' <<<"$IT_STDOUT")" 0 \
		"import $src: no image listed"
done
assert_contains "$(cairn import junk.bin bad:x 2>&1 || true)" "not a tar archive" "import junk: says why"
assert_rc 1 cairn import no-such-file bad:1
# A failed import leaves the store as it was: the layer is checked before it is named.
find "$STORE/blobs" -type f | sort >blobs.after
assert_eq "$(comm -13 blobs.before blobs.after | xargs -r -n1 basename)" "" "failed imports store no blob"

# --change (on a tiny tar: only the config matters here)
tar -C same-a -cf tiny.tar .
assert_ok cairn import -c 'CMD ["/bin/x"]' -c 'ENV A=1 B="two words"' -c 'ENV PATH /usr/bin:/bin' \
	-c 'LABEL com.example.a=b "with space"=v' -c 'EXPOSE 80' -c 'EXPOSE 53/udp' -c 'WORKDIR /srv' \
	-c 'USER 1000:1000' -c 'ENTRYPOINT ["/bin/sh", "-c"]' -c 'STOPSIGNAL SIGTERM' -c 'VOLUME /data' \
	-m "with changes" tiny.tar cfg:1
assert_ok cairn inspect cfg:1
assert_eq "$(jq -cS '.[0].Config' <<<"$IT_STDOUT")" \
	"$(jq -cS . <<<'{"Cmd":["/bin/x"],"Env":["A=1","B=two words","PATH=/usr/bin:/bin"],"Labels":{"com.example.a":"b","with space":"v"},"ExposedPorts":{"53/udp":{},"80/tcp":{}},"WorkingDir":"/srv","User":"1000:1000","Entrypoint":["/bin/sh","-c"],"StopSignal":"SIGTERM","Volumes":{"/data":{}}}')" \
	"import --change: the config"
assert_eq "$(jq -r '.[0].History[-1].comment' <<<"$IT_STDOUT")" "with changes" "import -m: history comment"
assert_ok cairn import -c 'CMD /bin/x arg' -c 'user nobody' tiny.tar cfg:2
assert_eq "$(cairn inspect cfg:2 | jq -c '.[0].Config | [.Cmd, .User]')" '[["/bin/sh","-c","/bin/x arg"],"nobody"]' \
	"import --change: shell form, lowercase instruction"
assert_rc 2 cairn import -c 'FROB x' tiny.tar bad:frob
assert_contains "$IT_STDERR" "FROB" "unknown instruction named"
assert_rc 2 cairn import -c 'EXPOSE' tiny.tar bad:expose
assert_ok cairn images --format json
assert_eq "$(jq -r '[.[] | select(.Repository | endswith("bad"))] | length' <<<"$IT_STDOUT")" 0 \
	"usage errors make no image"
# append: the config is the base's with the changes applied
mkdir -p small/etc && printf z >small/etc/z
assert_ok cairn append -c 'ENV A=2 C=3' -c 'LABEL com.example.a=c' cfg:1 small cfg:3
assert_eq "$(cairn inspect cfg:3 | jq -cS '.[0].Config | [.Env, .Labels, .Cmd, .WorkingDir]')" \
	'[["A=2","B=two words","PATH=/usr/bin:/bin","C=3"],{"com.example.a":"c","with space":"v"},["/bin/x"],"/srv"]' \
	"append --change over the base's config"
assert_eq "$(cairn inspect cfg:1 | jq -c '.[0].Config.Env')" '["A=1","B=two words","PATH=/usr/bin:/bin"]' \
	"append leaves the base's config alone"
assert_rc 1 cairn append nope:1 small bad:append
assert_rc 1 cairn append base:1 junk.bin bad:append
assert_rc 2 cairn append base:1 small

# ------------------------------------------------------------------ 4. history, layers, files
assert_ok cairn history new:1
assert_contains "$(sed -n 2p <<<"$IT_STDOUT")" "cairn append layer.tar.gz" "history: the append's CREATED BY"
assert_contains "$(sed -n 2p <<<"$IT_STDOUT")" "new tree" "history: the append's comment"
assert_contains "$(sed -n 3p <<<"$IT_STDOUT")" "cairn import $OLD" "history: the import's CREATED BY"
assert_ok cairn history --format json new:1
assert_eq "$(jq -c '[.[] | [.CreatedBy, .Comment]]' <<<"$IT_STDOUT")" \
	'[["cairn append layer.tar.gz","new tree"],["cairn import old","the old tree"]]' "history json"

# expected per-layer counts, from the trees alone: layer 2 added NEW's new paths, removed OLD's
# gone ones (each path below a removed directory too) and changed the paths whose entry differs
# (a re-declared directory only when its mode or owner changed); the bytes of OLD's regular
# files it removed or replaced are layer 1's waste.
read -r want_add want_chg want_rem want_waste < <("$PY" - old.sum new.sum <<'PYEOF'
import sys
def load(p):
    d = {}
    for line in open(p):
        f = line.split()
        d[f[0]] = f
    return d
old, new = load(sys.argv[1]), load(sys.argv[2])
old.pop("/"), new.pop("/")
added = [p for p in new if p not in old]
removed = [p for p in old if p not in new]
def meta(f):
    return [x for x in f if x.split("=")[0] in ("mode", "uid", "gid")]
changed = [p for p in new if p in old and old[p] != new[p]
           and (old[p][1] != "d" or new[p][1] != "d" or meta(old[p]) != meta(new[p]))]
touched = set(removed) | {p for p in new if p in old and old[p] != new[p]}
waste, seen = 0, set()
for p, f in old.items():
    if f[1] != "f" or p not in touched:
        continue
    kv = dict(x.split("=", 1) for x in f[2:] if "=" in x)
    key = kv.get("hardlink", p)
    if key not in seen:
        seen.add(key)
        waste += int(kv["size"])
print(len(added), len(changed), len(removed), waste)
PYEOF
)
n_old=$(cd "$OLD" && find . -mindepth 1 | wc -l)
assert_ok cairn inspect --raw new:1
man=$IT_STDOUT
assert_ok cairn inspect new:1
diff_ids=$(jq -c '.[0].RootFS.Layers' <<<"$IT_STDOUT")
assert_ok cairn layers --format json new:1
lj=$IT_STDOUT
assert_eq "$(jq length <<<"$lj")" 2 "layers: two"
assert_eq "$(jq -c '[.[] | [.Index, .Added, .Changed, .Removed, .WastedBytes]]' <<<"$lj")" \
	"[[1,$n_old,0,0,$want_waste],[2,$want_add,$want_chg,$want_rem,0]]" \
	"layers: added/changed/removed/wasted per layer"
assert_eq "$(jq -c '[.[].DiffID]' <<<"$lj")" "$diff_ids" "layers: DiffIDs are the config's"
assert_eq "$(jq -c '[.[].CreatedBy]' <<<"$lj")" '["cairn import old","cairn append layer.tar.gz"]' "layers: CreatedBy"
for i in 0 1; do
	d=$(jq -r ".layers[$i].digest" <<<"$man")
	f=$(blob_file "$d")
	assert_eq "$(jq -r ".[$i] | .Digest + \" \" + (.Size | tostring) + \" \" + .MediaType" <<<"$lj")" \
		"$d $(stat -c %s "$f") $(jq -r ".layers[$i].mediaType" <<<"$man")" "layers: layer $((i + 1)) blob"
	case "$(jq -r ".layers[$i].mediaType" <<<"$man")" in
	*+zstd) dec=(zstd -dc) ;; *+gzip) dec=(gzip -dc) ;; *) dec=(cat) ;;
	esac
	assert_eq "$(jq -r ".[$i] | (.UncompressedSize | tostring) + \" \" + .DiffID" <<<"$lj")" \
		"$("${dec[@]}" "$f" | wc -c) sha256:$("${dec[@]}" "$f" | sha256sum | cut -d' ' -f1)" \
		"layers: layer $((i + 1)) UncompressedSize and DiffID from the blob"
done
assert_eq "$(jq -r '.[1].DiffID' <<<"$lj")" "sha256:$(sha256sum <layer.tar | cut -d' ' -f1)" \
	"append stores the layer as given"
assert_ok cairn layers new:1
assert_eq "$(head -1 <<<"$IT_STDOUT" | tr -s ' ')" \
	"LAYER DIGEST SIZE UNCOMPRESSED ADDED CHANGED REMOVED WASTED CREATED BY" "layers header"
assert_contains "$(sed -n 3p <<<"$IT_STDOUT")" "cairn append layer.tar.gz" "layers table: CREATED BY"
assert_ok cairn layers --no-trunc new:1
assert_contains "$IT_STDOUT" "$(jq -r '.layers[1].digest' <<<"$man")" "layers --no-trunc: full digest"
assert_rc 1 cairn layers nope:1
assert_rc 2 cairn layers --format yaml new:1

# files: the merged tree, no whiteouts, each path as in NEW
assert_ok cairn files new:1
assert_not_contains "$IT_STDOUT" ".wh." "files: no whiteout names"
assert_not_contains "$IT_STDOUT" "olddir" "files: the deleted directory is gone"
assert_ok cairn files --format json new:1
fj=$IT_STDOUT
assert_eq "$(jq -r '.[].Path' <<<"$fj" | sort)" "$(cut -d' ' -f1 new.sum | grep -vx / | sort)" \
	"files json: exactly NEW's paths"
# path, type letter, mode, owner, size of every entry against NEW's listing
assert_eq "$(jq -r '.[] | [.Path, ({dir: "d", file: "f", symlink: "l", fifo: "p"}[.Type] // .Type),
		"mode=" + .Mode, "uid=\(.Uid)", "gid=\(.Gid)"] + (if .Type == "file" then ["size=\(.Size)"] else [] end)
		+ (if .LinkTarget then ["link=" + .LinkTarget] else [] end) | join(" ")' <<<"$fj" | sort)" \
	"$(grep -v '^/ ' new.sum | sed -E 's/ sha256=[0-9a-f]+//; s/ (hardlink|xattr|mtime)=[^ ]*//g' | sort)" \
	"files json: each entry's type, mode, owner, size, link"
assert_eq "$(jq -r '.[] | select(.Path == "/data/owned" or .Path == "/data/medium") | "\(.Path) \(.Layer)"' <<<"$fj")" \
	"/data/medium 2
/data/owned 1" "files json: the layer that made each entry"
assert_ok cairn files --layer 2 new:1
assert_not_contains "$IT_STDOUT" ".wh." "files --layer: no whiteout names"
assert_eq "$(grep -c '^A ' <<<"$IT_STDOUT")/$(grep -c '^C ' <<<"$IT_STDOUT")/$(grep -c '^D ' <<<"$IT_STDOUT")" \
	"$n_a/$n_c/$n_d" "files --layer 2: A/C/D marks"
assert_ok cairn files --layer 2 --format json new:1
# the layer's changes are what diff listed for the two trees (xattr-only change included)
assert_eq "$(jq -r '.[] | ({added: "A", changed: "C", removed: "D"}[.Change]) + " " + .Path' <<<"$IT_STDOUT")" \
	"$WANT_DIFF" "files --layer 2: the changes diff listed"
assert_ok cairn files --layer 1 --format json new:1
assert_eq "$(jq -r '[.[].Change] | unique | join(",")' <<<"$IT_STDOUT")" added "files --layer 1: all added"
assert_ok cairn files --format json new:1 /lib
assert_eq "$(jq -r '.[].Path' <<<"$IT_STDOUT")" "/lib
/lib/abs
/lib/newrel
/lib/rel" "files PATH: that directory only (not /libexec)"
assert_ok cairn files --format json new:1 /etc/conf.d/
assert_eq "$(jq -r '.[].Path' <<<"$IT_STDOUT" | tr '\n' ' ')" "/etc/conf.d /etc/conf.d/a.conf /etc/conf.d/b.conf " \
	"files PATH with a trailing slash"
assert_rc 1 cairn files new:1 /olddir
assert_rc 2 cairn files --layer 0 new:1
assert_rc 1 cairn files --layer 99 new:1
assert_eq "$(nlines "$IT_STDERR")" 1 "files --layer 99: one error line"
assert_rc 2 cairn files --layer x new:1
assert_rc 1 cairn files nope:1

# ------------------------------------------------------------------ 5. export failures
# A directory the export cannot write in: read-only for a user; for root, immutable (chattr +i).
mkdir ro
chmod 0555 ro
if [ "$IS_ROOT" = 1 ] && command -v chattr >/dev/null 2>&1 && chattr +i ro 2>/dev/null; then
	it_on_exit "chattr -i '$IT_TMP/ro'"
fi
if touch ro/.probe 2>/dev/null; then
	rm -f ro/.probe
	it_log "cannot make a directory unwritable here: read-only export case skipped"
else
	for out in ro/out.tar ro/out.tar.gz; do
		assert_rc 1 cairn export -o "$out" new:1
		assert_eq "$(nlines "$IT_STDERR")" 1 "export -o $out: one error line"
		assert_contains "$IT_STDERR" "$out" "export -o $out: the error names the file"
		assert_eq "$(ls -A ro)" "" "export -o $out: nothing left in the directory"
	done
fi
mkdir w
printf 'keep me\n' >w/keep.tar
assert_rc 1 cairn export -o w/out.tar nope:1
assert_contains "$IT_STDERR" "No such image: nope:1"
assert_rc 1 cairn export -o w/keep.tar nope:1
assert_eq "$(ls -A w)" "keep.tar" "export of a missing image: no file, no temp file"
assert_eq "$(cat w/keep.tar)" "keep me" "export of a missing image: the existing FILE is untouched"
assert_rc 1 cairn export -o no-such-dir/out.tar new:1
assert_rc 2 cairn export
# Standard output a terminal: a pty made by python3, which counts every byte that reaches it
# (none may). script(1) echoes its stdin into what it captures, so it saw garbage the day a
# bug had replaced /dev/null with a regular file.
rc=0
python3 - "$CAIRN" --root "$STORE" export new:1 >tty.out 2>tty.err <<'PYEOF' || rc=$?
import os, pty, subprocess, sys
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=slave, stderr=sys.stderr)
os.close(slave)
n = 0
while True:
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: every holder of the slave side closed it
        break
    if not data:
        break
    n += len(data)
print(n)
sys.exit(p.wait())
PYEOF
assert_eq "$rc" 1 "export to a terminal: exit 1"
assert_contains "$(cat tty.err)" "terminal" "export to a terminal: says why"
assert_eq "$(cat tty.out)" 0 "export to a terminal: no byte written to it"

# ------------------------------------------------------------------ 6. unpack failures
mkdir full
printf 'mine\n' >full/file
before=$(tree_of full)
assert_rc 1 cairn unpack new:1 full
assert_contains "$IT_STDERR" "not empty"
assert_eq "$(tree_of full)" "$before" "unpack into a non-empty dir leaves it untouched"
assert_rc 1 cairn unpack nope:1 never
[ ! -e never ] || it_fail "unpack of a missing image created the directory"
mkdir empty-ok
assert_ok cairn unpack -q new:1 empty-ok
assert_same_tree new.sum empty-ok "unpack into an existing empty dir"

# an image whose top layer (over base:1) is cut short in the store
mkdir -p cl/a cl/b
printf x >cl/a/first
head -c 2000000 /dev/urandom >cl/b/big
assert_ok cairn append base:1 cl corrupt:1
cdig=$(cairn inspect --raw corrupt:1 | jq -r '.layers[-1].digest')
cblob=$(blob_file "$cdig")
truncate -s $(($(stat -c %s "$cblob") / 2)) "$cblob"
assert_rc 1 cairn unpack corrupt:1 cu-missing
assert_eq "$(nlines "$IT_STDERR")" 1 "corrupt unpack: one error line"
assert_contains "$IT_STDERR" "layer 2/2" "corrupt unpack: names the layer"
[ ! -e cu-missing ] || it_fail "failed unpack left cu-missing behind: $(ls -A cu-missing | head -5 | tr '\n' ' ')"
mkdir cu-empty
assert_rc 1 cairn unpack corrupt:1 cu-empty
# unpack into an existing empty DIR is rolled back when a later layer fails (the emptiness
# check and the cleanup once shared a directory read position through dup()).
assert_eq "$(ls -A cu-empty | tr '\n' ' ')" "" "failed unpack leaves the existing dir empty"
mkdir cx
assert_rc 1 cairn export -o cx/corrupt.tar corrupt:1
assert_eq "$(ls -A cx)" "" "failed export of a corrupt image: no file, no temp file"
assert_rc 1 cairn fsck
assert_eq "$(grep -c . <<<"$IT_STDOUT")" 1 "fsck: one problem"
assert_contains "$IT_STDOUT" "$cdig" "fsck names the corrupt blob"
assert_contains "$IT_STDOUT" "corrupt" "fsck says what is wrong"
# the images sharing base:1's layer are unaffected
assert_ok cairn unpack -q new:1 after-corrupt
assert_same_tree new.sum after-corrupt "new:1 still unpacks"

# ------------------------------------------------------------------ verified diff_ids
# A full read records each layer's checked diff_id (state/diffids/<algo>-<hex>), so the next
# unpack does not hash it again; a record that does not match the config is not trusted; gc
# drops the records of blobs it deletes.
ndig=$(cairn inspect --raw new:1 | jq -r '.layers[-1].digest')
rec="$STORE/state/diffids/${ndig/:/-}"
assert_eq "$(cat "$rec")" "$(cairn inspect new:1 | jq -r '.[0].RootFS.Layers[-1]')" \
	"diff_id recorded for new:1's top layer after unpack"
printf 'sha256:%064d' 0 >"$rec" # a wrong record: the config's diff_id is not vouched for
assert_ok cairn unpack -q new:1 after-bad-record
assert_same_tree new.sum after-bad-record "unpack with a wrong diff_id record"
assert_eq "$(cat "$rec")" "$(cairn inspect new:1 | jq -r '.[0].RootFS.Layers[-1]')" \
	"the record is rewritten once the layer is hashed again"
assert_ok cairn rmi new:1
assert_ok cairn gc
[ ! -e "$rec" ] || it_fail "gc kept the diff_id record of a deleted blob"
for r in "$STORE"/state/diffids/*; do
	b=$(basename "$r")
	[ -e "$STORE/blobs/${b%%-*}/${b#*-}" ] || it_fail "gc kept diff_id record $b without its blob"
done

echo "layer commands: OK"
