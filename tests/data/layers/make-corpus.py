#!/usr/bin/env python3
"""Generates the malicious-layer corpus: tests/data/layers/*.tar and CASES.

Every case is a small image (one or more layer tars) that tries to make an unpacker touch
something outside its target directory DIR: "../" traversal, absolute names, symlinks (of the
same or a lower layer) followed by writes, hardlinks to outside paths, whiteouts through
symlinks, entries replacing symlinks, device nodes, odd and huge names, malformed headers.
tests/integration/test-unpack-malicious.sh applies each image with `cairn unpack` next to a
canary tree and checks that nothing outside DIR changed and that the outcome is the EXPECT of
CASES.

The tars are written block by block here (not with tarfile), so that names tarfile refuses or
rewrites (absolute, "..", NUL in a PAX record, bad checksums, dangling GNU records) come out
exactly as written. The output is deterministic: fixed mtimes and owners, no compression.
Run it from anywhere; it rewrites the files next to itself:

    python3 tests/data/layers/make-corpus.py [--check]

--check regenerates into memory and fails if a committed file differs.

CASES format (written by this script; one case per line, '#' starts a comment line):

    NAME  EXPECT  CHECKS  DESCRIPTION...

  NAME    the image: NAME.tar (one layer) or NAME.1.tar, NAME.2.tar, ... (layers in order)
  EXPECT  confine  exit 0; CHECKS hold inside DIR
          reject   exit 1; stderr is one line "cairn: unpack: ...layer N..." (N = the last
                   layer) naming the entry (every e: needle in it); DIR is left empty
          either   the contract does not decide: exit 0 with CHECKS, or exit 1 as reject
  CHECKS  ';'-separated, '-' for none; no blanks. Paths are relative to DIR, written with
          Python escapes (\\n, \\t, \\\\, \\xNN; \\x20 for a blank, \\x3b for ';'), and {N*TEXT}
          stands for TEXT repeated N times (innermost first, so they nest). A path must not
          pass through a symlink.
            f:P / f:P=DATA   regular file (with exactly DATA)
            d:P              directory          l:P>T   symlink with target T
            x:P              nothing at P       p:P     fifo
            c:P=MAJ,MIN      character device   b:P=MAJ,MIN  block device
                             (--rootless: P must not be a device: devices are skipped, and
                             stderr must say "warning")
            h:P=Q            P and Q are the same inode (hardlinks)
            m:P=OCTAL        permission bits incl. setuid/setgid/sticky
            o:P=UID:GID      owner (root mode only; --rootless keeps the caller's)
            e:NEEDLE         (reject, either) the one-line error contains NEEDLE (names are
                             quoted with control bytes escaped: keep needles plain)
"""

import hashlib
import os
import sys

MTIME = 1700000000  # 2023-11-14, every entry
PWNED = b"pwned\n"  # what an attacker writes
INNER = b"inner\n"  # what a layer puts inside DIR on purpose
DEEP = "../" * 24  # deeper than any test directory: "/" when not clamped


# ---------------------------------------------------------------- tar writer

def _num(value, width):
    """A numeric header field: octal digits, NUL-terminated, zero-padded."""
    s = b"%o" % value
    if len(s) > width - 1:
        raise ValueError("value %d does not fit %d bytes" % (value, width))
    return s.rjust(width - 1, b"0") + b"\0"


def _field(data, width):
    if len(data) > width:
        raise ValueError("field too long: %r" % data[:40])
    return data.ljust(width, b"\0")


def _b(s):
    return s if isinstance(s, bytes) else s.encode("utf-8", "surrogateescape")


def header(name, typeflag, size=0, linkname=b"", mode=0o644, uid=0, gid=0, mtime=MTIME,
           devmajor=0, devminor=0, gnu=False, bad_checksum=False):
    """One 512-byte header block, ustar (or GNU with gnu=True), fields taken as given."""
    name, linkname = _b(name), _b(linkname)
    magic = b"ustar  \0" if gnu else b"ustar\x0000"
    h = b"".join([
        _field(name, 100), _num(mode, 8), _num(uid, 8), _num(gid, 8), _num(size, 12),
        _num(mtime, 12), b" " * 8, typeflag, _field(linkname, 100), magic,
        _field(b"", 32), _field(b"", 32), _num(devmajor, 8), _num(devminor, 8),
        _field(b"", 155),
    ]).ljust(512, b"\0")
    csum = sum(h) + (1 if bad_checksum else 0)
    return h[:148] + b"%06o\0 " % csum + h[156:]


def _pad(data):
    return data + b"\0" * (-len(data) % 512)


def pax_record(key, value):
    """"LEN key=value\\n" where LEN counts the whole record, its own digits included."""
    body = b" " + _b(key) + b"=" + _b(value) + b"\n"
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n = len(str(n)) + len(body)
    return str(n).encode() + body


class Tar:
    """A layer tar built entry by entry. Names over 100 bytes get a PAX path record."""

    def __init__(self):
        self.blocks = []

    def raw(self, data):
        self.blocks.append(data)
        return self

    def pax(self, records, typeflag=b"x", name="PaxHeader"):
        data = b"".join(pax_record(k, v) for k, v in records)
        self.blocks.append(header(name, typeflag, size=len(data)) + _pad(data))
        return self

    def entry(self, name, typeflag, data=b"", linkname=b"", **kw):
        name, linkname = _b(name), _b(linkname)
        recs = []
        if len(name) > 100:
            recs.append(("path", name))
            name = name[:100]
        if len(linkname) > 100:
            recs.append(("linkpath", linkname))
            linkname = linkname[:100]
        if recs:
            self.pax(recs)
        self.blocks.append(header(name, typeflag, size=len(data), linkname=linkname, **kw)
                           + _pad(data))
        return self

    def file(self, name, data=INNER, mode=0o644, **kw):
        return self.entry(name, b"0", data, mode=mode, **kw)

    def dir(self, name, mode=0o755, **kw):
        return self.entry(name, b"5", mode=mode, **kw)

    def symlink(self, name, target, **kw):
        return self.entry(name, b"2", linkname=target, mode=0o777, **kw)

    def hardlink(self, name, target, **kw):
        return self.entry(name, b"1", linkname=target, **kw)

    def chardev(self, name, major, minor, mode=0o666):
        return self.entry(name, b"3", mode=mode, devmajor=major, devminor=minor)

    def blockdev(self, name, major, minor, mode=0o660):
        return self.entry(name, b"4", mode=mode, devmajor=major, devminor=minor)

    def fifo(self, name, mode=0o644):
        return self.entry(name, b"6", mode=mode)

    def whiteout(self, name):
        return self.file(name, b"")

    def gnu_long(self, kind, value):
        """A GNU ././@LongLink record: kind b"L" (next entry's name) or b"K" (its link)."""
        data = _b(value) + b"\0"
        self.blocks.append(header("././@LongLink", kind, size=len(data), gnu=True)
                           + _pad(data))
        return self

    def bytes(self, end=True):
        return b"".join(self.blocks) + (b"\0" * 1024 if end else b"")


# ---------------------------------------------------------------- the cases

CASES = []


def case(name, expect, checks, desc, *layers):
    assert expect in ("confine", "reject", "either"), expect
    assert not any(c in desc for c in "\n\t"), desc
    CASES.append((name, expect, checks or ["-"], desc,
                  [t if isinstance(t, bytes) else t.bytes() for t in layers]))


def esc(s):
    """A CASES path/value: Python escapes for anything but printable ASCII minus ' ;'."""
    out = []
    for c in _b(s):
        ch = chr(c)
        if ch == "\\":
            out.append("\\\\")
        elif 0x21 <= c < 0x7f and ch not in ";{}=>":
            out.append(ch)
        else:
            out.append("\\x%02x" % c)
    return "".join(out)


def F(p, data=None):
    return "f:" + esc(p) + ("" if data is None else "=" + esc(data))


def D(p):
    return "d:" + esc(p)


def L(p, target):
    return "l:" + esc(p) + ">" + esc(target)


def X(p):
    return "x:" + esc(p)


def H(p, q):
    return "h:" + esc(p) + "=" + esc(q)


def M(p, mode):
    return "m:" + esc(p) + "=%o" % mode


def E(needle):
    return "e:" + esc(needle)


# --- "../" traversal: clamped at DIR
case("dotdot-file", "confine", [F("canaryfile", PWNED)],
     '"../canaryfile": clamped to DIR/canaryfile',
     Tar().file("../canaryfile", PWNED))
case("dotdot-deep", "confine",
     [D("tmp"), F("tmp/cairn-escape-deep", PWNED), F("canaryfile", PWNED)],
     '24 x "../" then tmp/cairn-escape-deep (the host /tmp if not clamped), and "../../canaryfile"',
     Tar().dir(DEEP + "tmp/").file(DEEP + "tmp/cairn-escape-deep", PWNED)
     .file("../../canaryfile", PWNED))
case("dotdot-mid", "confine", [F("canaryfile", PWNED)],
     '"a/../../../canaryfile" (".." after a name that does not exist): DIR/canaryfile',
     Tar().file("a/../../../canaryfile", PWNED))
case("dotdot-implicit-parent", "confine", [D("a"), D("a/b"), F("a/b/c", PWNED)],
     '"../../a/b/c" with no directory entries: parents made inside DIR',
     Tar().file("../../a/b/c", PWNED))
case("dotdot-dir", "confine", [D("etc"), M("etc", 0o700), F("etc/cairn-escape-dir", PWNED)],
     'directory "../../etc/" mode 0700 then a file in it: DIR/etc, not the canary etc',
     Tar().dir("../../etc/", mode=0o700).file("../../etc/cairn-escape-dir", PWNED))
case("dotdot-symlink-name", "confine", [L("evil", "/etc/passwd"), L("link", "/")],
     'symlinks named "../../evil" and "../../link" (targets irrelevant)',
     Tar().symlink("../../evil", "/etc/passwd").symlink("../../link", "/"))
case("dotdot-hardlink-name", "confine",
     [H("canaryfile", "target"), H("outside", "target"), F("canaryfile", INNER)],
     'hardlinks named "../../canaryfile" and "../outside" to a file of the layer',
     Tar().file("target").hardlink("../../canaryfile", "target")
     .hardlink("../outside", "../../target"))
case("dotdot-hardlink-target", "reject", [E("hl-escape")],
     'hardlink to "../outside" with no DIR/outside: the target is missing in DIR',
     Tar().hardlink("hl-escape", "../outside"))
case("dotdot-hardlink-target-present", "confine", [H("hl", "outside"), F("hl", INNER)],
     'hardlink to "../../../../../../outside" when DIR/outside exists: linked to it',
     Tar().file("outside").hardlink("hl", "../../../../../../outside"))

# --- absolute names: relative to DIR
case("abs-file", "confine",
     [F("etc/cairn-escape-abs", PWNED), F("tmp/cairn-escape-abs", PWNED)],
     '"/etc/cairn-escape-abs" and "/tmp/cairn-escape-abs" (the host /etc and /tmp if not confined)',
     Tar().dir("/etc/").file("/etc/cairn-escape-abs", PWNED).dir("/tmp/")
     .file("/tmp/cairn-escape-abs", PWNED))
case("abs-symlink-name", "confine", [L("abs-link", "../../..")],
     'symlink named "/abs-link"',
     Tar().symlink("/abs-link", "../../.."))
case("abs-hardlink-missing", "reject", [E("hl-passwd")],
     'hardlink to "/etc/passwd" with no DIR/etc/passwd (would link the host file)',
     Tar().hardlink("hl-passwd", "/etc/passwd"))
case("abs-hardlink-present", "confine", [H("hl-passwd", "etc/passwd"), F("hl-passwd", INNER)],
     'hardlink to "/etc/passwd" when the layer made etc/passwd: DIR/etc/passwd',
     Tar().dir("etc/").file("etc/passwd").hardlink("hl-passwd", "/etc/passwd"))

# --- writing through symlinks to outside
case("symlink-root-passwd", "confine", [L("r", "/"), F("etc/passwd", PWNED)],
     '"r -> /" then "r/etc/passwd": DIR/etc/passwd (the host /etc/passwd if followed)',
     Tar().dir("etc/").symlink("r", "/").file("r/etc/passwd", PWNED))
case("symlink-etc-loop", "reject", [E("etc/passwd")],
     '"etc -> /etc" then "etc/passwd": in DIR etc points at itself (ELOOP); never the host /etc',
     Tar().symlink("etc", "/etc").file("etc/passwd", PWNED))
case("symlink-etc-redirect", "confine", [L("etc", "/real"), F("real/passwd", PWNED)],
     '"etc -> /real" (real/ in the layer) then "etc/passwd": DIR/real/passwd',
     Tar().dir("real/").symlink("etc", "/real").file("etc/passwd", PWNED))
case("symlink-dotdot-write", "confine", [L("x", "../.."), F("canaryfile", PWNED)],
     '"x -> ../.." then "x/canaryfile": DIR/canaryfile (the canary if followed)',
     Tar().symlink("x", "../..").file("x/canaryfile", PWNED))
case("symlink-dotdot3-write", "confine", [L("x", "../../.."), F("y", PWNED)],
     '"x -> ../../.." then "x/y": DIR/y (the test dir if followed)',
     Tar().symlink("x", "../../..").file("x/y", PWNED))
case("symlink-deep", "confine", [F("tmp/cairn-escape-symdeep", PWNED)],
     '"up -> ../../..(x24)" then "up/tmp/cairn-escape-symdeep": DIR/tmp/...',
     Tar().dir("tmp/").symlink("up", DEEP.rstrip("/"))
     .file("up/tmp/cairn-escape-symdeep", PWNED))
case("symlink-lower-layer", "confine",
     [L("x", "../.."), F("canaryfile", PWNED), F("etc/cairn-escape-lower", PWNED)],
     'layer 1 "x -> ../..", layer 2 writes "x/canaryfile" and "x/etc/cairn-escape-lower"',
     Tar().dir("etc/").symlink("x", "../.."),
     Tar().file("x/canaryfile", PWNED).file("x/etc/cairn-escape-lower", PWNED))
case("symlink-lower-root", "confine", [F("etc/cairn-escape-lower-root", PWNED)],
     'layer 1 "r -> /", layer 2 writes "r/etc/cairn-escape-lower-root"',
     Tar().dir("etc/").symlink("r", "/"),
     Tar().file("r/etc/cairn-escape-lower-root", PWNED))
case("symlink-chain", "confine", [L("l1", "l2"), F("canaryfile", PWNED)],
     '"l1 -> l2 -> sub/l3 -> ../../.." then "l1/canaryfile": DIR/canaryfile',
     Tar().symlink("l1", "l2").dir("sub/").symlink("l2", "sub/l3")
     .symlink("sub/l3", "../../..").file("l1/canaryfile", PWNED))
case("symlink-chain-abs", "confine", [F("canaryfile", PWNED)],
     '"jump -> /d1/d2/up/", "d1/d2/up -> ../../../../.." then "jump/canaryfile"',
     Tar().dir("d1/").dir("d1/d2/").symlink("d1/d2/up", "../../../../..")
     .symlink("jump", "/d1/d2/up/").file("jump/canaryfile", PWNED))
case("symlink-chain-lower", "confine", [L("a", "b"), L("b", "../.."), F("canaryfile", PWNED)],
     'layer 1 "a -> b", layer 2 "b -> ../.." then "a/canaryfile"',
     Tar().symlink("a", "b"),
     Tar().symlink("b", "../..").file("a/canaryfile", PWNED))
case("symlink-loop", "reject", [E("loop1/x")],
     '"loop1 -> loop2 -> loop1" then "loop1/x": ELOOP',
     Tar().symlink("loop1", "loop2").symlink("loop2", "loop1").file("loop1/x", PWNED))

# --- entries replacing symlinks (the last component is never followed)
case("file-over-symlink", "confine", [F("x", PWNED), M("x", 0o600)],
     '"x -> ../../canaryfile" then a regular file "x" mode 0600: replaces the link',
     Tar().symlink("x", "../../canaryfile").file("x", PWNED, mode=0o600))
case("file-over-symlink-lower", "confine", [F("x", PWNED), F("abs", PWNED)],
     'layer 1 "x -> ../../canaryfile", "abs -> /tmp/cairn-escape-over"; layer 2 files x, abs',
     Tar().symlink("x", "../../canaryfile").symlink("abs", "/tmp/cairn-escape-over"),
     Tar().file("x", PWNED).file("abs", PWNED))
case("dir-over-symlink", "confine", [D("x"), M("x", 0o700)],
     '"x -> ../.." then directory "x/" mode 0700: replaces the link (no chmod of the canary)',
     Tar().symlink("x", "../..").dir("x/", mode=0o700, mtime=0))
case("dir-over-symlink-lower", "confine", [D("x"), F("x/cairn-escape-dirover", PWNED)],
     'layer 1 "x -> ../../etc"; layer 2 directory "x/" and "x/cairn-escape-dirover"',
     Tar().symlink("x", "../../etc"),
     Tar().dir("x/", mode=0o700).file("x/cairn-escape-dirover", PWNED))
case("symlink-over-dir", "confine", [L("d", "../..")],
     'directory d/ with a file, then symlink "d -> ../..": the directory is replaced',
     Tar().dir("d/").file("d/f").symlink("d", "../.."))
case("fifo-over-symlink", "confine", ["p:x"],
     '"x -> ../../canaryfile" then a fifo "x"',
     Tar().symlink("x", "../../canaryfile").fifo("x"))

# --- hardlinks
case("hardlink-to-symlink", "confine", [L("h", "../../canaryfile"), H("h", "s")],
     '"s -> ../../canaryfile" then hardlink h to s: links the symlink itself',
     Tar().symlink("s", "../../canaryfile").hardlink("h", "s"))
case("hardlink-to-symlink-write", "confine", [F("h", PWNED), L("s", "../../canaryfile")],
     'as hardlink-to-symlink, then a regular file "h": replaces h, the canary is untouched',
     Tar().symlink("s", "../../canaryfile").hardlink("h", "s").file("h", PWNED))
case("hardlink-via-symlink-dir", "reject", [E("hl-via")],
     '"d -> ../.." then hardlink to "d/canaryfile" (missing in DIR), then a file over it',
     Tar().symlink("d", "../..").hardlink("hl-via", "d/canaryfile").file("hl-via", PWNED))
case("hardlink-via-symlink-lower", "reject", [E("hl-via")],
     'layer 1 "d -> ../..", layer 2 hardlink to "d/outside" (missing in DIR)',
     Tar().symlink("d", "../.."),
     Tar().hardlink("hl-via", "d/outside"))
case("hardlink-self", "reject", [E("self")],
     'hardlink "self" to itself, nothing there',
     Tar().hardlink("self", "self"))
case("hardlink-self-existing", "either", [F("self", INNER)],
     'file "self" then hardlink "self" to itself',
     Tar().file("self").hardlink("self", "self"))
case("hardlink-cycle", "confine", [H("a", "b"), F("a", INNER)],
     'file a, hardlink b -> a, hardlink a -> b: one inode',
     Tar().file("a").hardlink("b", "a").hardlink("a", "b"))
case("hardlink-dir", "reject", [E("hl-dir")],
     'hardlink to a directory',
     Tar().dir("d/").hardlink("hl-dir", "d"))
case("hardlink-forward", "reject", [E("early")],
     'hardlink to an entry that comes later in the layer',
     Tar().hardlink("early", "late").file("late"))
case("hardlink-write-replaces", "confine", [F("b", PWNED), F("a", INNER)],
     'file a, hardlink b -> a, then a file b: b is replaced, a keeps its data',
     Tar().file("a").hardlink("b", "a").file("b", PWNED))

# --- whiteouts
case("whiteout-through-symlink", "confine", [L("link", "../..")],
     '"link -> ../.." then "link/.wh.canaryfile": DIR has no canaryfile, nothing deleted',
     Tar().symlink("link", "../..").whiteout("link/.wh.canaryfile"))
case("whiteout-through-symlink-abs", "confine", [L("link", "/")],
     '"link -> /" then "link/.wh.canaryfile"',
     Tar().symlink("link", "/").whiteout("link/.wh.canaryfile"))
case("whiteout-through-symlink-lower", "confine", [L("link", "../.."), X("canaryfile")],
     'layer 1 "link -> ../..", file canaryfile; layer 2 "link/.wh.canaryfile": DIR/canaryfile goes',
     Tar().symlink("link", "../..").file("canaryfile"),
     Tar().whiteout("link/.wh.canaryfile"))
case("whiteout-etc-via-symlink", "confine", [D("etc"), X("etc/passwd"), F("etc/group", INNER)],
     'layer 1 etc/passwd, etc/group, "link -> ../../etc"; layer 2 "link/.wh.passwd"',
     Tar().dir("etc/").file("etc/passwd").file("etc/group").symlink("link", "../../etc"),
     Tar().whiteout("link/.wh.passwd"))
case("whiteout-opaque-through-symlink", "confine",
     [L("link", "../.."), D("etc"), X("etc/lowerfile")],
     'layer 1 "link -> ../..", etc/lowerfile; layer 2 "link/etc/.wh..wh..opq": DIR/etc emptied',
     Tar().symlink("link", "../..").dir("etc/").file("etc/lowerfile"),
     Tar().whiteout("link/etc/.wh..wh..opq"))
case("whiteout-opaque-dangling", "either", [],
     'layer 1 "link -> ../../etc" (no DIR/etc); layer 2 "link/.wh..wh..opq"',
     Tar().symlink("link", "../../etc"),
     Tar().whiteout("link/.wh..wh..opq"))
case("whiteout-dotdot", "either", [],
     '".wh..." (a whiteout of "..", the parent of DIR if taken literally)',
     Tar().file("f").whiteout(".wh..."))
case("whiteout-dotdot-nested", "either", [],
     '"d/.wh..." (a whiteout of "d/..", DIR itself)',
     Tar().dir("d/").whiteout("d/.wh..."))
case("whiteout-dot", "either", [],
     '".wh.." (a whiteout of ".")',
     Tar().file("f").whiteout(".wh.."))
case("whiteout-empty", "either", [],
     '".wh." (a whiteout of nothing)',
     Tar().file("f").whiteout(".wh."))
case("whiteout-prefix-path", "either", [F(".wh.../x", PWNED)],
     '".wh." + "../x": a directory named ".wh..." with x in it, not a whiteout of ../x',
     Tar().file(".wh.../x", PWNED))
case("whiteout-dotdot-parent", "confine", [X("canaryfile"), X("outside")],
     'layer 1 canaryfile, outside; layer 2 "../.wh.canaryfile", "../../.wh.outside"',
     Tar().file("canaryfile").file("outside"),
     Tar().whiteout("../.wh.canaryfile").whiteout("../../.wh.outside"))
case("whiteout-of-symlink", "confine", [X("link")],
     'layer 1 "link -> ../.."; layer 2 ".wh.link": the link goes, not what it points at',
     Tar().symlink("link", "../.."),
     Tar().whiteout(".wh.link"))
case("whiteout-dir-with-escape-links", "confine", [X("d")],
     'layer 1 d/ with "s -> ../../..", "abs -> /"; layer 2 ".wh.d": removed without following',
     Tar().dir("d/").symlink("d/s", "../../..").symlink("d/abs", "/").file("d/f"),
     Tar().whiteout(".wh.d"))
case("opaque-with-escape-links", "confine", [D("d"), X("d/s"), X("d/f")],
     'layer 1 d/ with "s -> ../../.."; layer 2 "d/.wh..wh..opq"',
     Tar().dir("d/").symlink("d/s", "../../..").file("d/f"),
     Tar().whiteout("d/.wh..wh..opq"))

# --- replacing one type by another
case("file-then-dir", "confine", [D("a")],
     'file a then directory a/',
     Tar().file("a").dir("a/"))
case("dir-then-file", "confine", [F("a", PWNED)],
     'directory a/ with a/f, then a file a',
     Tar().dir("a/").file("a/f").file("a", PWNED))
case("file-then-dir-lower", "confine", [D("a"), F("a/f", INNER)],
     'layer 1 file a; layer 2 directory a/ and a/f',
     Tar().file("a"),
     Tar().dir("a/").file("a/f"))

# --- device nodes and fifos
case("dev-char", "confine", ["c:dev/null=1,3", "c:dev/zero=1,5"],
     'character devices dev/null (1,3), dev/zero (1,5)',
     Tar().dir("dev/").chardev("dev/null", 1, 3).chardev("dev/zero", 1, 5))
case("dev-block", "confine", ["b:dev/sda=8,0"],
     'block device dev/sda (8,0)',
     Tar().dir("dev/").blockdev("dev/sda", 8, 0))
case("dev-traversal", "confine", ["c:cairn-escape-dev=1,3", "b:dev/cairn-escape-blk=7,0"],
     'devices "../../cairn-escape-dev" and "/dev/cairn-escape-blk" (the host /dev if not confined)',
     Tar().chardev("../../cairn-escape-dev", 1, 3).dir("/dev/")
     .blockdev("/dev/cairn-escape-blk", 7, 0))
case("dev-over-symlink", "confine", ["c:null=1,3"],
     '"null -> ../../canaryfile" then a character device "null"',
     Tar().symlink("null", "../../canaryfile").chardev("null", 1, 3))
case("fifo", "confine", ["p:fifo", "p:cairn-escape-fifo"],
     'fifos "fifo" and "../../cairn-escape-fifo"',
     Tar().fifo("fifo").fifo("../../cairn-escape-fifo"))

# --- odd names
ODD = [b"new\nline", b"tab\there", b"back\\slash", b"bad\xff\xfeutf8", b"quote'd",
       "utf8-\u00fc".encode(), b"sp ace", b"semi;colon", b"ctl\x01\x1b\x7f"]
t = Tar()
for n in ODD:
    t.file(n, n + b"\n")
case("names-odd", "confine", [F(n, n + b"\n") for n in ODD],
     'names with newline, tab, backslash, invalid UTF-8, quote, UTF-8, blank, ";", controls',
     t)
case("names-newline-reject", "reject", [E("bad"), E("name")],
     'a bad hardlink named "bad\\nname": the error must stay one line',
     Tar().hardlink("bad\nname", "missing"))
case("names-root-dir", "confine", [D("."), F("f", INNER)],
     'directories named "/", ".", "./", "..", "../", "../../" (mode 0750): all DIR itself',
     Tar().dir("/", mode=0o750, mtime=0).dir(".", mode=0o750, mtime=0)
     .dir("./", mode=0o750, mtime=0).dir("..", mode=0o750, mtime=0)
     .dir("../", mode=0o750, mtime=0).dir("../../", mode=0o750, mtime=0).file("f"))
case("names-dotdot-file", "either", [],
     'a regular file named ".." (DIR itself after clamping)',
     Tar().file("..", PWNED))
case("names-slash-file", "either", [],
     'a regular file named "/"',
     Tar().file("/", PWNED))
case("names-dot-symlink", "either", [],
     'a symlink named "." pointing at "../.."',
     Tar().symlink(".", "../.."))
case("names-empty", "either", [],
     'a regular file with an empty name',
     Tar().file("", PWNED))
case("names-long-component", "reject", ["e:{150*a}"],
     'a 300-byte name (PAX path; over NAME_MAX)',
     Tar().file("a" * 300, PWNED))
LONG_OK = ("d" * 190 + "/") * 21 + "f"  # 4012 bytes, each part under NAME_MAX
case("names-long-path-ok", "confine", ["f:{21*{190*d}/}f=inner\\x0a"],
     'a 4012-byte path of 21 parts of 190 bytes (PAX path): under PATH_MAX',
     Tar().file(LONG_OK))
case("names-long-path-4k", "either", [],
     'a 4221-byte path of 21 parts of 200 bytes (PAX path): over PATH_MAX',
     Tar().file(("p" * 200 + "/") * 21 + "f"))
case("names-deep-2000", "confine", ["f:{2000*d/}f=inner\\x0a"],
     '2000 nested directories (one 4001-byte PAX path, parents implicit)',
     Tar().file("d/" * 2000 + "f"))
case("names-deep-then-reject", "reject", [E("hl-missing")],
     '2000 nested directories then a bad hardlink: the cleanup removes the deep tree',
     Tar().file("d/" * 2000 + "f").hardlink("hl-missing", "nope"))
case("names-nested-10000", "either", [],
     '10000 nested directories (one 20001-byte PAX path)',
     Tar().file("d/" * 10000 + "f"))

# --- PAX
case("pax-huge", "either", [F("after-pax", INNER)],
     'a 1 MiB PAX comment record, then a file',
     Tar().pax([("comment", "c" * (1 << 20))]).file("after-pax"))
case("pax-path-nul", "either", [],
     'PAX path "nul-before\\0../../canaryfile" (a NUL inside the value)',
     Tar().pax([("path", b"nul-before\0../../canaryfile")]).file("nul-header", PWNED))
case("pax-path-override", "confine", [F("cairn-escape-pax", PWNED), X("innocent")],
     'header name "innocent", PAX path "../../cairn-escape-pax"',
     Tar().pax([("path", "../../cairn-escape-pax")]).file("innocent", PWNED))
case("pax-linkpath-escape", "reject", [E("hl-pax")],
     'hardlink "hl-pax", PAX linkpath "../../canaryfile" (header linkname "innocent")',
     Tar().file("innocent").pax([("linkpath", "../../canaryfile")])
     .hardlink("hl-pax", "innocent"))
case("pax-global", "either", [],
     'a PAX global header with path=../../canaryfile, then a file',
     Tar().pax([("path", "../../canaryfile")], typeflag=b"g", name="GlobalHead")
     .file("after-global", PWNED))
case("pax-size-lie", "reject", [],
     'PAX size=1099511627776 on a file with 6 bytes, archive ends',
     Tar().pax([("size", "1099511627776")]).file("size-lie", PWNED))

# --- owners and modes (fine inside DIR)
case("setuid-root", "confine",
     [F("bin/su"), M("bin/su", 0o4755), M("bin/sg", 0o2755), M("tmp", 0o1777),
      "o:bin/su=0:0", "o:owned=1234:5678"],
     'setuid root bin/su, setgid bin/sg, sticky tmp/, a file owned 1234:5678',
     Tar().dir("bin/").file("bin/su", mode=0o4755).file("bin/sg", mode=0o2755)
     .dir("tmp/", mode=0o1777).file("owned", uid=1234, gid=5678))

# --- GNU long names and links. GNU tar puts the first 100 bytes in the header too; the "bare"
# variants leave the header field empty (GNU tar, Go's archive/tar and Python read both alike).
GNU_NAME = "../../../" + "long-" * 30 + "name"
GNU_HL = "../../" + "x" * 120
GNU_SL = "../" * 59 + ".."


def gnu_entry(t, name, typeflag, long_name=None, long_link=None, bare=False, data=b"", mode=0o644):
    if long_name is not None:
        t.gnu_long(b"L", long_name)
        name = "" if bare else long_name[:100]
    if long_link is not None:
        t.gnu_long(b"K", long_link)
    link = "" if (bare or long_link is None) else long_link[:100]
    return t.raw(header(name, typeflag, size=len(data), linkname=link, mode=mode, gnu=True)
                 + _pad(data))


case("gnu-longname", "confine", [F("long-" * 30 + "name", PWNED)],
     'GNU longname "../../../long-...-name" (158 bytes)',
     gnu_entry(Tar(), None, b"0", long_name=GNU_NAME, data=PWNED))
case("gnu-longname-bare", "confine", [F("long-" * 30 + "name", PWNED)],
     'as gnu-longname, the header name field empty',
     gnu_entry(Tar(), None, b"0", long_name=GNU_NAME, bare=True, data=PWNED))
case("gnu-longlink-escape", "reject", [E("hl-gnu")],
     'hardlink "hl-gnu" with GNU longlink "../../" + 120 x (missing in DIR)',
     gnu_entry(Tar(), "hl-gnu", b"1", long_link=GNU_HL))
# libarchive (3.6) gives a hardlink entry with an empty link name no file type (it ignores a
# GNU K record when the header's link field is empty): cairn refuses the entry.
case("gnu-longlink-escape-bare", "reject", [E("hl-gnu")],
     'as gnu-longlink-escape, the header linkname field empty',
     gnu_entry(Tar(), "hl-gnu", b"1", long_link=GNU_HL, bare=True))
case("gnu-longlink-symlink", "confine",
     [L("sl-gnu", GNU_SL), F("tmp/cairn-escape-gnu", PWNED)],
     'symlink "sl-gnu" -> GNU longlink "../" x 60, then "sl-gnu/tmp/cairn-escape-gnu"',
     gnu_entry(Tar().dir("tmp/"), "sl-gnu", b"2", long_link=GNU_SL, mode=0o777)
     .file("sl-gnu/tmp/cairn-escape-gnu", PWNED))
case("gnu-longlink-symlink-bare", "either",
     [L("sl-gnu", GNU_SL), F("tmp/cairn-escape-gnu", PWNED)],
     'as gnu-longlink-symlink, the header linkname field empty',
     gnu_entry(Tar().dir("tmp/"), "sl-gnu", b"2", long_link=GNU_SL, mode=0o777, bare=True)
     .file("sl-gnu/tmp/cairn-escape-gnu", PWNED))
case("gnu-longname-dangling", "either", [],
     'a GNU longname record and then the end of the archive',
     Tar().file("f").gnu_long(b"L", "../../" + "z" * 120))
case("hardlink-empty-target", "reject", [E("hl-empty")],
     'a hardlink with an empty target',
     Tar().hardlink("hl-empty", ""))
case("symlink-empty-target", "reject", [E("sl-empty")],
     'a symlink with an empty target',
     Tar().symlink("sl-empty", ""))

# --- malformed archives
case("truncated", "reject", [],
     'a file header promising 4096 bytes, 512 given, then EOF (no end blocks)',
     Tar().raw(header("trunc", b"0", size=4096) + b"x" * 512).bytes(end=False))
case("bad-checksum", "reject", [],
     'a good file, then a header with a wrong checksum',
     Tar().file("good").raw(header("bad", b"0", size=0, bad_checksum=True)))
case("unknown-type", "either", [],
     'an entry of type "Z" (unknown)',
     Tar().entry("unknown", b"Z", b"data\n"))


# ---------------------------------------------------------------- output

def outputs():
    files = {}
    lines = [
        "# Malicious-layer corpus: generated by make-corpus.py (edit that, then run it).",
        "# NAME  EXPECT  CHECKS  DESCRIPTION  -- format in make-corpus.py's docstring.",
        "# Layers: NAME.tar, or NAME.1.tar NAME.2.tar ... in order.",
    ]
    width = max(len(c[0]) for c in CASES)
    for name, expect, checks, desc, layers in CASES:
        if len(layers) == 1:
            files[name + ".tar"] = layers[0]
        else:
            for i, data in enumerate(layers, 1):
                files["%s.%d.tar" % (name, i)] = data
        lines.append("%-*s  %-7s  %s  %s" % (width, name, expect, ";".join(checks), desc))
    files["CASES"] = ("\n".join(lines) + "\n").encode()
    return files


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case name"
    files = outputs()
    total = sum(len(v) for v in files.values())
    assert total < 2 * 1024 * 1024, "corpus too big: %d bytes" % total
    if sys.argv[1:] == ["--check"]:
        bad = []
        for fn, data in sorted(files.items()):
            p = os.path.join(here, fn)
            if not os.path.exists(p) or open(p, "rb").read() != data:
                bad.append(fn)
        stale = [f for f in os.listdir(here)
                 if (f.endswith(".tar") or f == "CASES") and f not in files]
        if bad or stale:
            sys.exit("corpus out of date: %s" % " ".join(bad + stale))
        print("corpus up to date: %d cases, %d files, %d bytes" % (len(CASES), len(files), total))
        return
    for f in os.listdir(here):
        if f.endswith(".tar") and f not in files:
            os.unlink(os.path.join(here, f))
    for fn, data in sorted(files.items()):
        with open(os.path.join(here, fn), "wb") as f:
            f.write(data)
    digest = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()
    print("wrote %d cases, %d files, %d bytes (sha256 %s)" % (len(CASES), len(files), total,
                                                            digest[:16]))


if __name__ == "__main__":
    main()
