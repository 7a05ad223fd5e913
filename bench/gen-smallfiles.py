#!/usr/bin/env python3
"""Write an uncompressed tar of N small files (deterministic for a given seed).

Usage: gen-smallfiles.py OUT.tar NFILES [SEED]

The tree looks like a source/package tree: ~100 files per directory, sizes log-normal
(median ~1.5 KiB, capped at 64 KiB), 3 in 4 files text-like (compressible, words drawn from
a small vocabulary), 1 in 4 binary-like (incompressible bytes). Owner 0:0, fixed mtime, so
the same arguments always give the same bytes. Used by bench/pull for image (b).
"""
import io
import random
import sys
import tarfile

MTIME = 1700000000


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rnd = random.Random(seed)
    vocab = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rnd.randint(2, 12)))
             for _ in range(4000)]
    punct = [" ", " ", " ", " ", ", ", ".\n", "(", ")", " = ", ";\n", "\n    ", ": "]
    words = []
    size = 0
    while size < 4 << 20:
        w = rnd.choice(vocab) + rnd.choice(punct)
        words.append(w)
        size += len(w)
    text = "".join(words).encode()
    binary = rnd.randbytes(4 << 20)
    exts_text = [".py", ".c", ".h", ".txt", ".json", ".md", ".js", ".html"]
    exts_bin = [".so", ".pyc", ".png", ".gz"]
    per_dir = 100
    ndirs = (n + per_dir - 1) // per_dir

    def ti(name, kind, size=0, mode=0o644):
        t = tarfile.TarInfo(name)
        t.type = kind
        t.size = size
        t.mode = mode
        t.mtime = MTIME
        t.uid = t.gid = 0
        t.uname = t.gname = "root"
        return t

    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        for d in ("usr", "usr/share", "usr/share/bench"):
            tf.addfile(ti(d, tarfile.DIRTYPE, mode=0o755))
        made = 0
        for di in range(ndirs):
            dname = "usr/share/bench/pkg%04d" % di
            tf.addfile(ti(dname, tarfile.DIRTYPE, mode=0o755))
            for fi in range(min(per_dir, n - made)):
                sz = min(int(rnd.lognormvariate(7.3, 1.0)), 64 << 10)
                if rnd.random() < 0.75:
                    src, ext = text, rnd.choice(exts_text)
                else:
                    src, ext = binary, rnd.choice(exts_bin)
                off = rnd.randrange(0, len(src) - sz)
                data = src[off:off + sz]
                tf.addfile(ti("%s/f%05d%s" % (dname, made, ext), tarfile.REGTYPE, sz), io.BytesIO(data))
                made += 1


if __name__ == "__main__":
    main()
