#!/usr/bin/env bash
# cairn-test: heavy (about 3 min: 96 cases x root and rootless; the dev lane runs it)
# cairn unpack against the malicious-layer corpus (tests/data/layers, see CASES and
# make-corpus.py there): nothing outside the target directory is ever touched.
#  - every case is an image built from the corpus tars (it_layout_from_tars), published to a
#    docker-registry, pulled, and unpacked twice: as root and with --rootless
#  - DIR is $IT_TMP/world/sub/rootfs inside a canary tree (files named like the corpus targets:
#    world/canaryfile, world/etc/passwd, world/sub/outside, a symlink, ...), so "../" and
#    symlink escapes land in it; before/after each unpack the whole tree minus DIR is compared
#    (type, mode, owner, size, mtime, ctime, inode, links, content, link target), and so are the
#    host's /etc/passwd, the listings of /, /etc and /dev, "cairn-escape-*" and other corpus
#    names in /tmp, and the names at the top of $IT_TMP
#  - the outcome is the case's EXPECT: confine = exit 0 and the CHECKS hold inside DIR (stderr
#    only warnings; --rootless: devices skipped with a warning); reject = exit 1, stderr is ONE
#    line "cairn: unpack: ...layer N...entry '...'..." naming the entry, and DIR is left empty;
#    either = one of the two; anything else (a crash, a hang, exit 2) fails
#  - gzip, zstd and plain layers; DIR created when missing, refused when not empty, removed
#    again when cairn created it and the unpack failed; `cairn fsck` passes at the end
# Knobs: IT_UNPACKER=umoci runs the same cases through `umoci unpack` instead (no registry, no
# cairn; a dry run of the corpus against a peer: stderr format and DIR cleanup not checked);
# IT_CASES="name ..." runs only those cases. Not root: the --rootless half only.
# If an escape touched the host's /etc/passwd, the test puts the saved copy back and fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need python3 sha256sum
CORPUS=$(cd "$IT_LIB_DIR/../data/layers" && pwd)
[ -f "$CORPUS/CASES" ] || it_fail "corpus not found: $CORPUS/CASES"
UNPACKER=${IT_UNPACKER:-cairn}
case "$UNPACKER" in
cairn)
	it_need_cairn
	it_need docker-registry skopeo zstd
	;;
umoci) it_need umoci zstd ;;
*) it_fail "IT_UNPACKER must be cairn or umoci, not '$UNPACKER'" ;;
esac
MODES=(rootless)
[ "$(id -u)" = 0 ] && MODES=(root rootless)

assert_ok python3 "$CORPUS/make-corpus.py" --check

# The interpreter itself, not a version-manager shim (python3 runs ~700 times here).
PY=$(python3 -c 'import sys; print(sys.executable)')
PATH="$(dirname "$PY"):$PATH"
STORE="$IT_TMP/store"
L="$IT_TMP/layout"
WORLD="$IT_TMP/world"
DIR="$WORLD/sub/rootfs"
OUT="$IT_TMP/out"
CHECK="$IT_TMP/unpack-check.py"
mkdir -p "$OUT"

# The checker: snapshots of the canary and the host, and the verdict of one run.
cat >"$CHECK" <<'PYEOF'
import ast, codecs, difflib, hashlib, os, re, stat, subprocess, sys

sys.setrecursionlimit(100000)  # os.walk recurses per level; trees here can be 2000 deep

def walk_snapshot(top, exclude):
    """Every entry under top (itself included) except the subtree exclude, one line each."""
    lines = []
    def add(p):
        st = os.lstat(p)
        rel = os.path.relpath(p, top).encode("utf-8", "surrogateescape")
        extra = ""
        if stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                extra = hashlib.sha256(f.read()).hexdigest()
        elif stat.S_ISLNK(st.st_mode):
            extra = "-> " + repr(os.readlink(p))
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            extra = "dev %d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        lines.append("%r mode=%o uid=%d gid=%d size=%d nlink=%d ino=%d mtime=%d ctime=%d %s" % (
            rel, st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_nlink, st.st_ino,
            st.st_mtime_ns, st.st_ctime_ns, extra))
    add(top)
    for root, dirs, files in os.walk(top):
        for name in sorted(dirs + files):
            p = os.path.join(root, name)
            if p == exclude:
                continue
            add(p)
        dirs[:] = [d for d in dirs if os.path.join(root, d) != exclude]
    return sorted(lines)

# Names a corpus entry could leave at the top of a host directory if it escaped.
CORPUS_NAMES = {"canaryfile", "outside", "evil", "link", "abs-link", "y", "real", "a", "d",
                "d1", "r", "x", "hl", "hl-passwd", "target", "loop1", "loop2", "jump", "fifo",
                "after-pax", "after-global", "innocent", "nul-before"}

def host_snapshot(it_tmp):
    lines = []
    try:
        st = os.lstat("/etc/passwd")
        with open("/etc/passwd", "rb") as f:
            h = hashlib.sha256(f.read()).hexdigest()
        lines.append("/etc/passwd %s ino=%d mode=%o nlink=%d mtime=%d size=%d" % (
            h, st.st_ino, st.st_mode, st.st_nlink, st.st_mtime_ns, st.st_size))
    except OSError as e:
        lines.append("/etc/passwd unreadable: %s" % e)
    for d in ("/", "/etc", "/dev"):
        try:
            lines += ["%s: %r" % (d, n) for n in sorted(os.listdir(d))]
        except OSError as e:
            lines.append("%s: %s" % (d, e))
    tmps = {"/tmp", os.environ.get("TMPDIR", "/tmp"), os.path.dirname(it_tmp)}
    for d in sorted(tmps):
        try:
            for n in sorted(os.listdir(d)):
                if n.startswith("cairn-escape") or n in CORPUS_NAMES:
                    lines.append("%s: %r" % (d, n))
        except OSError as e:
            lines.append("%s: %s" % (d, e))
    lines += ["$IT_TMP: %r" % n for n in sorted(os.listdir(it_tmp))]
    return lines

def decode(s):
    while True:  # {N*TEXT}, innermost first
        m = re.search(r"\{(\d+)\*([^{}]*)\}", s)
        if not m:
            break
        s = s[:m.start()] + m.group(2) * int(m.group(1)) + s[m.end():]
    return codecs.escape_decode(s.encode())[0]

def lookup(root, rel):
    """lstat of root/rel, refusing to pass through a symlink (never leaves root)."""
    if rel in (b".", b""):
        return os.lstat(root), os.path.join(root.encode(), b".")
    parts = rel.split(b"/")
    cur = root.encode()
    for i, part in enumerate(parts):
        cur = os.path.join(cur, part)
        st = os.lstat(cur)
        if i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError("%r is not a directory" % cur)
    return st, cur

def check_one(root, mode, c, stderr, strict):
    kind, _, arg = c.partition(":")
    if kind == "e":
        return None
    sep = ">" if kind == "l" else "="
    p, has_val, val = arg.partition(sep)
    path, val = decode(p), decode(val) if has_val else None
    show = repr(path)[1:] if len(path) < 120 else repr(path[:60])[1:] + "...(%d bytes)" % len(path)
    try:
        st, full = lookup(root, path)
    except FileNotFoundError:
        if kind == "x":
            return None
        if kind in "cb" and mode == "rootless":
            return None
        return "%s: missing" % show
    except OSError as e:
        return "%s: %s" % (show, e)
    m = st.st_mode
    if kind == "x":
        return "%s: exists (mode %o)" % (show, m)
    if kind == "f":
        if not stat.S_ISREG(m):
            return "%s: not a regular file (mode %o)" % (show, m)
        if val is not None:
            with open(full, "rb") as f:
                data = f.read()
            if data != val:
                return "%s: content %r, want %r" % (show, data[:80], val)
    elif kind == "d":
        if not stat.S_ISDIR(m):
            return "%s: not a directory (mode %o)" % (show, m)
    elif kind == "l":
        if not stat.S_ISLNK(m):
            return "%s: not a symlink (mode %o)" % (show, m)
        t = os.readlink(full)
        if t != val:
            return "%s: symlink to %r, want %r" % (show, t, val)
    elif kind == "p":
        if not stat.S_ISFIFO(m):
            return "%s: not a fifo (mode %o)" % (show, m)
    elif kind in "cb":
        isdev = stat.S_ISCHR(m) if kind == "c" else stat.S_ISBLK(m)
        if mode == "rootless":
            if stat.S_ISCHR(m) or stat.S_ISBLK(m):
                return "%s: a device node was created with --rootless" % show
            if strict and "warning" not in stderr:
                return "%s: device skipped without a warning on stderr" % show
            return None
        if not isdev:
            what = "character" if kind == "c" else "block"
            return "%s: not a %s device (mode %o)" % (show, what, m)
        want = tuple(int(x) for x in val.decode().split(","))
        got = (os.major(st.st_rdev), os.minor(st.st_rdev))
        if got != want:
            return "%s: device %d,%d, want %d,%d" % ((show,) + got + want)
    elif kind == "h":
        try:
            st2, _ = lookup(root, val)
        except OSError as e:
            return "%s: hardlink peer %r: %s" % (show, val, e)
        if (st.st_dev, st.st_ino) != (st2.st_dev, st2.st_ino):
            return "%s and %r are not the same inode" % (show, val)
    elif kind == "m":
        if stat.S_IMODE(m) != int(val, 8):
            return "%s: mode %o, want %s" % (show, stat.S_IMODE(m), val.decode())
    elif kind == "o":
        if mode == "root" and "%d:%d" % (st.st_uid, st.st_gid) != val.decode():
            return "%s: owner %d:%d, want %s" % (show, st.st_uid, st.st_gid, val.decode())
    else:
        return "unknown check %r" % c
    return None

def verdict(argv, escapes):
    unpacker, mode, root, rc, errfile, expect, checks, nlayers = argv
    rc, nlayers = int(rc), int(nlayers)
    with open(errfile, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    checks = [] if checks == "-" else checks.split(";")
    problems = list(escapes)
    if rc == 124:
        problems.append("timed out (a hang?)")
    if rc == 0 and expect in ("confine", "either"):
        outcome = "confined"
        if unpacker == "cairn":
            bad = [l for l in stderr.splitlines() if "warning" not in l]
            if bad:
                problems.append("exit 0 but stderr is not only warnings: %r" % bad[:3])
        for c in checks:
            p = check_one(root, mode, c, stderr, unpacker == "cairn")
            if p:
                problems.append(p)
    elif rc == 1 and expect in ("reject", "either"):
        outcome = "rejected"
        if unpacker == "cairn":
            lines = stderr.split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) != 1:
                problems.append("error is %d lines, want 1: %r" % (len(lines), stderr[:600]))
            line = lines[0] if lines else ""
            if not line.startswith("cairn: unpack: "):
                problems.append("error does not start with 'cairn: unpack: ': %r" % line[:300])
            if not re.search(r"\blayer %d\b" % nlayers, line):
                problems.append("error does not name layer %d: %r" % (nlayers, line[:300]))
            for c in checks:
                if c.startswith("e:"):
                    needle = decode(c[2:]).decode("utf-8", "surrogateescape")
                    if needle not in line:
                        problems.append("error does not name the entry (%r): %r" % (
                            needle[:60], line[:300]))
            if os.path.isdir(root) and os.listdir(root):
                problems.append("DIR not left empty after the failure: %r"
                                % sorted(os.listdir(root))[:10])
    else:
        outcome = "exit %d" % rc
        problems.append("exit %d, want %s; stderr: %r" % (rc, {"confine": "0", "reject": "1",
                        "either": "0 or 1"}[expect], stderr[:800]))
    print(outcome)
    for p in problems:
        print("  - " + p)
    return 1 if problems else 0

def remove_tree(p):
    """rm -rf p, making directories writable first (no recursion: trees can be 2000 deep);
    never follows a symlink."""
    if not os.path.lexists(p):
        return
    if os.path.isdir(p) and not os.path.islink(p):
        stack = [p]
        while stack:
            d = stack.pop()
            os.chmod(d, 0o700)
            with os.scandir(d) as it:
                stack += [e.path for e in it if e.is_dir(follow_symlinks=False)]
        subprocess.run(["rm", "-rf", "--", p], check=True)
    else:
        os.unlink(p)

def make_world(world, target):
    """A fresh canary tree around an empty target directory."""
    remove_tree(world)
    for d in ("etc", "dir/nested", "sub/etc", "tmp"):
        os.makedirs(os.path.join(world, d))
    for rel, data in (("canaryfile", "canary\n"), ("outside", "canary-outside\n"),
                      ("etc/passwd", "root:x:0:0:canary:/root:/bin/sh\n"),
                      ("etc/group", "root:x:0:\n"), ("sub/canaryfile", "canary-sub\n"),
                      ("sub/outside", "canary-sub-outside\n"),
                      ("sub/etc/passwd", "canary-sub-passwd\n"), ("dir/nested/file", "file\n")):
        with open(os.path.join(world, rel), "w") as f:
            f.write(data)
    os.chmod(os.path.join(world, "etc/passwd"), 0o640)
    os.chmod(os.path.join(world, "dir"), 0o751)
    os.symlink("etc", os.path.join(world, "link"))
    os.symlink("../canaryfile", os.path.join(world, "sub/uplink"))
    os.link(os.path.join(world, "outside"), os.path.join(world, "dir/outside-hardlink"))
    for rel in ("canaryfile", "etc", "dir"):
        os.utime(os.path.join(world, rel), (981173106, 981173106))
    os.mkdir(target)

def snapshot(world, target, it_tmp, prefix):
    out = {}
    for suffix, lines in ((".world", walk_snapshot(world, target)),
                          (".host", host_snapshot(it_tmp))):
        out[suffix] = lines
        with open(prefix + suffix, "w") as f:
            f.write("".join(l + "\n" for l in lines))
    return out

def finish(argv):
    """finish WORLD DIR IT_TMP PREFIX VERDICT-ARGS...: the after-snapshot against PREFIX.0.*,
    anything new at the top of IT_TMP removed, then the verdict."""
    world, target, it_tmp, prefix = argv[:4]
    after = snapshot(world, target, it_tmp, prefix + ".1")
    escapes = []
    for suffix, what in ((".world", "the canary tree"), (".host", "the host")):
        with open(prefix + ".0" + suffix) as f:
            before = f.read().splitlines()
        if before != after[suffix]:
            diff = list(difflib.unified_diff(before, after[suffix], lineterm="", n=0))[2:22]
            escapes.append("ESCAPE: %s changed:\n%s"
                           % (what, "\n".join("      " + l for l in diff)))
    names0 = {l for l in open(prefix + ".0.host").read().splitlines() if l.startswith("$IT_TMP: ")}
    for l in after[".host"]:
        if l.startswith("$IT_TMP: ") and l not in names0:
            remove_tree(os.path.join(it_tmp, ast.literal_eval(l[len("$IT_TMP: "):])))
    return verdict(argv[4:], escapes)

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "prepare":  # prepare WORLD DIR IT_TMP PREFIX: a fresh world, PREFIX.0.{world,host}
        world, target, it_tmp, prefix = sys.argv[2:6]
        make_world(world, target)
        snapshot(world, target, it_tmp, prefix + ".0")
    elif cmd == "finish":
        sys.exit(finish(sys.argv[2:]))
    elif cmd == "remove":
        remove_tree(sys.argv[2])
PYEOF

# The host's /etc/passwd is saved: a symlink escape could overwrite it.
PASSWD_SAVED=""
if [ -r /etc/passwd ]; then
	cp -p /etc/passwd "$IT_TMP/passwd.saved"
	PASSWD_SAVED="$IT_TMP/passwd.saved"
fi

# clean_escapes: removes what an escape left where the test looks for it (only corpus names)
# and puts back the saved /etc/passwd if it changed.
clean_escapes() {
	local d n
	for d in / /etc /dev /tmp "${TMPDIR:-/tmp}" "$(dirname "$IT_TMP")"; do
		for n in "$d"/cairn-escape*; do
			[ -e "$n" ] || [ -L "$n" ] || continue
			it_log "removing escaped $n"
			rm -rf -- "$n"
		done
	done
	if [ -n "$PASSWD_SAVED" ] && ! cmp -s "$PASSWD_SAVED" /etc/passwd; then
		cp -p "$PASSWD_SAVED" /etc/passwd && it_log "restored /etc/passwd"
	fi
}

RESULTS=()
FAILURES=()

# unpack_one NAME MODE EXPECT CHECKS NLAYERS: one run in a fresh canary tree (DIR, or for umoci
# the bundle, at world/sub/rootfs); records the outcome in RESULTS and problems in FAILURES.
unpack_one() {
	local name=$1 mode=$2 expect=$3 checks=$4 nlayers=$5 rc=0 root=$DIR flag=()
	local o="$OUT/$name.$mode"
	[ "$mode" = rootless ] && flag=(--rootless)
	"$PY" "$CHECK" prepare "$WORLD" "$DIR" "$IT_TMP" "$o"
	if [ "$UNPACKER" = umoci ]; then
		timeout 120 umoci unpack "${flag[@]+"${flag[@]}"}" --image "$L:$name" "$DIR" \
			>"$o.out" 2>"$o.err" || rc=$?
		root="$DIR/rootfs"
	else
		timeout 120 "$CAIRN" --root "$STORE" unpack "${flag[@]+"${flag[@]}"}" "$R/corpus:$name" \
			"$DIR" >"$o.out" 2>"$o.err" || rc=$?
	fi
	local v vrc=0
	v=$("$PY" "$CHECK" finish "$WORLD" "$DIR" "$IT_TMP" "$o" \
		"$UNPACKER" "$mode" "$root" "$rc" "$o.err" "$expect" "$checks" "$nlayers") || vrc=$?
	clean_escapes
	local outcome=${v%%$'\n'*}
	RESULTS+=("$(printf '%-32s %-8s %-8s %s' "$name" "$mode" "$expect" "$outcome")")
	if [ "$vrc" -ne 0 ]; then
		FAILURES+=("$name ($mode, expect $expect): $v")
		printf 'FAIL %s %s: %s\n' "$name" "$mode" "$v" >&2
	fi
}

# layers_of NAME: the case's tar files, in order.
layers_of() {
	if [ -f "$CORPUS/$1.tar" ]; then
		printf '%s\n' "$CORPUS/$1.tar"
	else
		local i=1
		while [ -f "$CORPUS/$1.$i.tar" ]; do
			printf '%s\n' "$CORPUS/$1.$i.tar"
			i=$((i + 1))
		done
	fi
}

# --- the cases: images, published and pulled (cairn), then unpacked
NAMES=() EXPECTS=() CHECKSS=() NLAYERS=()
while read -r name expect checks _; do
	case "$name" in '' | '#'*) continue ;; esac
	if [ -n "${IT_CASES:-}" ] && [[ " $IT_CASES " != *" $name "* ]]; then continue; fi
	mapfile -t tars < <(layers_of "$name")
	[ "${#tars[@]}" -gt 0 ] || it_fail "case $name: no tar files"
	it_layout_from_tars "$L" "$name" --gzip "${tars[@]}"
	NAMES+=("$name") EXPECTS+=("$expect") CHECKSS+=("$checks") NLAYERS+=("${#tars[@]}")
done <"$CORPUS/CASES"
[ "${#NAMES[@]}" -gt 0 ] || it_fail "no cases selected"
# The same layers compressed otherwise (cairn reads each compression the same way).
if [ -z "${IT_CASES:-}" ]; then
	for name in symlink-lower-layer dev-traversal; do
		for comp in zstd plain; do
			mapfile -t tars < <(layers_of "$name")
			it_layout_from_tars "$L" "$name-$comp" "--$comp" "${tars[@]}"
			i=0
			while [ "${NAMES[$i]}" != "$name" ]; do i=$((i + 1)); done
			NAMES+=("$name-$comp") EXPECTS+=("${EXPECTS[$i]}") CHECKSS+=("${CHECKSS[$i]}")
			NLAYERS+=("${NLAYERS[$i]}")
		done
	done
fi

if [ "$UNPACKER" = cairn ]; then
	it_registry_start reg plain
	R=$reg_ADDR
	# skopeo copies 8 at a time (a failed one fails the wait), then cairn pulls them in turn
	pids=()
	for name in "${NAMES[@]}"; do
		it_publish "$L" "$name" "$R/corpus:$name" &
		pids+=($!)
		if [ "${#pids[@]}" -ge 8 ]; then
			wait "${pids[0]}" || it_fail "publishing failed (see above)"
			pids=("${pids[@]:1}")
		fi
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || it_fail "publishing failed (see above)"
	done
	for name in "${NAMES[@]}"; do
		assert_ok "$CAIRN" --root "$STORE" pull -q "$R/corpus:$name"
	done
	it_log "published and pulled ${#NAMES[@]} images"
fi

clean_escapes
for i in "${!NAMES[@]}"; do
	for mode in "${MODES[@]}"; do
		unpack_one "${NAMES[$i]}" "$mode" "${EXPECTS[$i]}" "${CHECKSS[$i]}" "${NLAYERS[$i]}"
	done
done

# --- DIR itself: created when missing, refused when not empty, removed after a failure
if [ "$UNPACKER" = cairn ]; then
	"$PY" "$CHECK" prepare "$WORLD" "$DIR" "$IT_TMP" "$OUT/dir-checks"
	assert_ok "$CAIRN" --root "$STORE" unpack --rootless "$R/corpus:dotdot-file" "$WORLD/sub/new"
	assert_eq "$(cat "$WORLD/sub/new/canaryfile")" pwned "a missing DIR is made"
	assert_rc 1 "$CAIRN" --root "$STORE" unpack --rootless "$R/corpus:dotdot-file" "$WORLD/sub/new"
	assert_eq "$(wc -l <<<"$IT_STDERR")" 1 "non-empty DIR: one-line error"
	assert_contains "$IT_STDERR" "not empty" "non-empty DIR is refused"
	assert_eq "$(cat "$WORLD/sub/new/canaryfile")" pwned "a refused DIR is left alone"
	assert_rc 1 "$CAIRN" --root "$STORE" unpack --rootless "$R/corpus:symlink-loop" "$WORLD/sub/gone"
	[ ! -e "$WORLD/sub/gone" ] || it_fail "a DIR cairn made was left behind after a failed unpack"
	assert_ok "$CAIRN" --root "$STORE" fsck
	assert_contains "$IT_STDOUT" "is consistent" "fsck after the corpus"
fi

printf '%s\n' "--- results ($UNPACKER)" "${RESULTS[@]}" >&2
if [ "${#FAILURES[@]}" -gt 0 ]; then
	printf '%s\n' "--- ${#FAILURES[@]} failure(s):" "${FAILURES[@]}" >&2
	it_fail "test-unpack-malicious ($UNPACKER): ${#FAILURES[@]} of ${#RESULTS[@]} runs failed"
fi
echo "test-unpack-malicious ($UNPACKER): OK (${#RESULTS[@]} runs)"
