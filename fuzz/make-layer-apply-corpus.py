#!/usr/bin/env python3
"""Generates the seed corpus of fuzz-layer-apply: fuzz/corpus/layer-apply/seed-*.

Each seed is one flag byte (bit 0: rootless, bit 1: apply the blob twice, as two layers; see
fuzz-layer-apply.c) followed by a layer blob: a small tar, plain, gzip (two members for some)
or zstd, with whiteouts, opaque directories, symlinks and hardlinks pointing out of the root,
"../" and absolute names, devices, long names and PAX records. Names that would escape write
only harmless "cairn-fuzz-escape" files, never real system paths.

The output is deterministic (fixed mtimes and owners; gzip without a timestamp; zstd written
as raw blocks here, independent of any zstd version). Run it from anywhere; it rewrites the
seed-* files of the corpus directory and leaves other files (crash reproducers) alone:

    python3 fuzz/make-layer-apply-corpus.py
"""

import gzip
import io
import os
import struct
import tarfile

MTIME = 1700000000
ESCAPE = "cairn-fuzz-escape"
ROOTLESS, TWO_LAYERS = 1, 2


def entry(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link="", dev=(0, 0), uid=0,
          pax=None):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = MTIME
    info.uid = info.gid = uid
    info.uname = info.gname = ""
    info.linkname = link
    info.devmajor, info.devminor = dev
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    if pax:
        info.pax_headers = pax
    return info, data


def f(name, data=b"x\n", mode=0o644, **kw):
    return entry(name, data=data, mode=mode, **kw)


def d(name, mode=0o755, **kw):
    return entry(name, tarfile.DIRTYPE, mode=mode, **kw)


def sym(name, target):
    return entry(name, tarfile.SYMTYPE, mode=0o777, link=target)


def hard(name, target):
    return entry(name, tarfile.LNKTYPE, link=target)


def wh(name):
    return f(name, b"")


def tar(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
    return buf.getvalue()


def gz(data, members=1):
    out, step = b"", (len(data) + members - 1) // members or 1
    for i in range(0, max(len(data), 1), step):
        out += gzip.compress(data[i:i + step], compresslevel=6, mtime=0)
    return out


def zstd(data):
    """One zstd frame of raw (stored) blocks, with the content size and no checksum."""
    out = struct.pack("<IB", 0xFD2FB528, 0xA0) + struct.pack("<I", len(data))
    blocks = [data[i:i + (128 << 10)] for i in range(0, len(data), 128 << 10)] or [b""]
    for i, b in enumerate(blocks):
        last = i == len(blocks) - 1
        out += struct.pack("<I", (len(b) << 3) | last)[:3] + b
    return out


BASIC = [
    d("etc/"), f("etc/hosts", b"127.0.0.1 localhost\n"), sym("etc/localtime", "/usr/share/UTC"),
    hard("etc/hosts.bak", "etc/hosts"), f("usr/bin/tool", b"#!/bin/sh\n", 0o755),
    entry("run/fifo", tarfile.FIFOTYPE, mode=0o600), d("./", 0o755),
]
WHITEOUTS = [
    f("a/x"), f("a/y"), f("d/sub/f"), sym("d/up", "../../.."), wh("a/.wh.x"), wh(".wh.d"),
    d("o/"), f("o/lower"), wh("o/.wh..wh..opq"), f("o/new"), wh(".wh.missing"),
    f("s"), wh(".wh.s"), wh(".wh.t"), f("t"), f(".wh..wh.plnk"), wh("nodir/.wh.x"),
]
TRAVERSAL = [
    f("../" + ESCAPE), f("../../../../../../../../tmp/" + ESCAPE), f("a/../../" + ESCAPE),
    f("/" + ESCAPE), f("./../canary", b"pwned\n"), d("../"), hard("hl", "../canary"),
    hard("hl-up", "../../../../" + ESCAPE), sym("../link-up", "../.."), wh("../.wh.canary"),
    hard("hl-abs", "/etc/hostname"),  # missing in the root: an error, so last
]
SYMLINKS = [
    sym("r", "/"), f("r/etc/" + ESCAPE), sym("up", "../../../../../.."), f("up/" + ESCAPE),
    f("up/canary", b"pwned\n"), sym("l1", "l2"), sym("l2", "sub/l3"), d("sub/"), sym("sub/l3", "../../.."),
    f("l1/" + ESCAPE),
    sym("x", "../../canary"), f("x", b"replaces the link\n", 0o600), sym("w", ".."),
    wh("w/.wh.canary"), wh("up/.wh..wh..opq"),
]
LOOPS = [  # each write fails with ELOOP
    sym("etc", "/etc"), f("etc/" + ESCAPE), sym("loop1", "loop2"), sym("loop2", "loop1"),
    f("loop1/x"),
]
REPLACE = [
    f("a"), d("a/"), f("a/in"), f("a"), sym("b", "../.."), d("b/", 0o700), f("b/in"),
    f("c"), hard("c2", "c"), f("c2", b"new\n"), hard("c3", "c2"), hard("c3", "c3"),
    f("later"), hard("fwd", "later"), hard("fwd2", "not-yet"), f("not-yet"),
]
DEVICES = [
    entry("dev/null", tarfile.CHRTYPE, mode=0o666, dev=(1, 3)),
    entry("dev/sda", tarfile.BLKTYPE, mode=0o600, dev=(8, 0)),
    entry("dev/fifo", tarfile.FIFOTYPE, mode=0o644), sym("dev/up", "../../.."),
    entry("dev/up", tarfile.CHRTYPE, mode=0o666, dev=(1, 5)),
    entry("../dev-" + ESCAPE, tarfile.CHRTYPE, mode=0o666, dev=(1, 3)),
]
MODES = [
    d("ro/", 0o500), f("ro/f", mode=0o400), d("none/", 0o000), f("none/g"),
    f("bin/su", mode=0o4755, uid=1000), d("tmp/", 0o1777), d("./", 0o700),
    f("owned", uid=65534),
]
PAX = [
    f("p/" + "long-name-" * 20 + "end"),
    f("short", pax={"path": "pax/../../" + ESCAPE}),
    sym("pl", "t" * 200),
    f("xattr", pax={"SCHILY.xattr.user.cairn": "value", "SCHILY.xattr.trusted.x": "y"}),
    f("caf\u00e9/\u00fc"), f("nl\nname"), f("tab\tname"),
    f(".wh..wh..opq/in"), f("d/.wh....", b""), f(".wh."),
]

SEEDS = {
    "plain-basic": (0, tar(BASIC)),
    "plain-basic-rootless": (ROOTLESS, tar(BASIC)),
    "plain-whiteouts-two-layers": (TWO_LAYERS, tar(WHITEOUTS)),
    "plain-traversal": (0, tar(TRAVERSAL)),
    "plain-symlinks-two-layers": (TWO_LAYERS, tar(SYMLINKS)),
    "plain-loops": (0, tar(LOOPS)),
    "plain-replace": (TWO_LAYERS, tar(REPLACE)),
    "plain-devices": (0, tar(DEVICES)),
    "plain-devices-rootless": (ROOTLESS, tar(DEVICES)),
    "plain-modes-rootless": (ROOTLESS | TWO_LAYERS, tar(MODES)),
    "plain-modes": (0, tar(MODES)),
    "plain-pax": (0, tar(PAX)),
    "plain-empty": (0, b""),
    "gzip-basic": (0, gz(tar(BASIC))),
    "gzip-whiteouts-2members": (TWO_LAYERS, gz(tar(WHITEOUTS), members=2)),
    "gzip-traversal": (ROOTLESS, gz(tar(TRAVERSAL))),
    "gzip-symlinks": (ROOTLESS | TWO_LAYERS, gz(tar(SYMLINKS))),
    "zstd-basic": (0, zstd(tar(BASIC))),
    "zstd-symlinks-two-frames": (TWO_LAYERS, zstd(tar(SYMLINKS)[:4096]) +
                                 zstd(tar(SYMLINKS)[4096:])),
    "zstd-replace": (ROOTLESS, zstd(tar(REPLACE))),
    "zstd-pax": (TWO_LAYERS, zstd(tar(PAX))),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "layer-apply")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith("seed-"):
            os.unlink(os.path.join(out, name))
    for name, (flags, blob) in sorted(SEEDS.items()):
        with open(os.path.join(out, "seed-" + name), "wb") as fh:
            fh.write(bytes([flags]) + blob)
    print("wrote %d seeds to %s" % (len(SEEDS), out))


if __name__ == "__main__":
    main()
