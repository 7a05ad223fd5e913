#!/usr/bin/env python3
"""treesum.py: a canonical, diffable listing of a directory tree (python3 stdlib only).

Used by the unpack tests to compare a tree cairn unpacked with the one umoci unpacked from the
same image. One line per path, sorted by path; the tree's root itself is "/":

    PATH TYPE MODE uid=U gid=G [size=N sha256=HEX] [link=TARGET] [rdev=MAJ:MIN]
         [hardlink=LEADER] [nlink=N] [xattr=NAME:VALUE,...] [mtime=SEC.NSEC]

  PATH   "/"-rooted path relative to DIR; bytes outside printable ASCII, space, backslash and
         "=" are escaped as \\xNN, so every line is one line and splits on spaces.
  TYPE   f regular, d directory, l symlink, c char device, b block device, p fifo, s socket.
  MODE   4 octal digits: permissions + setuid/setgid/sticky (S_IMODE).
  size/sha256  regular files only. link: symlink target (escaped like PATH).
  rdev   device nodes only.
  hardlink  non-directories whose inode has more than one name inside DIR: the smallest such
         path (by bytes), the same on every member of the group, so the grouping, not
         the inode number, is compared.
  nlink  printed only when st_nlink differs from the number of names the inode has inside DIR
         (a name outside the tree, e.g. a tree hardlinked out of a blob cache).
  xattr  every extended attribute (lgetxattr, not following symlinks), sorted by name; VALUE
         is hex when at most 64 bytes, else "sha256:HEX". user.rootlesscontainers is never
         listed: umoci --rootless records the tar owner there, a umoci-private convention the
         contract does not ask cairn to copy.
  mtime  only with --mtime (seconds.nanoseconds, lstat).

Usage: treesum.py [OPTIONS] DIR [DIR...]; with several DIRs, one --output FILE per DIR (in
order) receives its listing (one process for a comparison: python starts slowly).

Options (strict by default; each one drops something that may legitimately differ):
  --mtime             also print mtimes.
  --fresh-since SECS  with --mtime, an mtime at or after SECS (unix time, taken before the
                      unpack) prints as "mtime=(unpack-time)": no layer set it, the unpack
                      did (e.g. a directory an unpacker made on its own), so two trees agree
                      on it only by chance.
  --no-root-mtime     with --mtime, not for "/" (an image without a root entry says nothing
                      about it: umoci sets it to 0, others leave the time of the unpack).
  --no-owner          drop uid/gid (trees unpacked without chown by different users).
  --rootless-compat   print directory modes with the owner bits set (mode | 0700): a rootless
                      unpacker may add u+rwx to directories so that the user can walk and
                      delete the tree (cairn does, umoci 0.4.7 does not); every other bit is
                      still compared. Check the owner bits of the directories separately.
  --exclude PATH      leave out PATH ("/"-rooted) and everything under it (repeatable).
  --no-root           leave out the "/" line.
"""

import argparse
import hashlib
import os
import stat
import sys

HIDDEN_XATTRS = {"user.rootlesscontainers"}
XATTR_INLINE_MAX = 64


def escape(raw):
    """Bytes -> printable ASCII without spaces; reversible (\\xNN for everything else)."""
    out = []
    for b in raw:
        if 0x21 <= b <= 0x7E and b not in (0x5C, 0x3D):
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out)


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            h.update(chunk)
    return h.hexdigest()


def type_letter(mode):
    for test, letter in ((stat.S_ISREG, "f"), (stat.S_ISDIR, "d"), (stat.S_ISLNK, "l"),
                         (stat.S_ISCHR, "c"), (stat.S_ISBLK, "b"), (stat.S_ISFIFO, "p"),
                         (stat.S_ISSOCK, "s")):
        if test(mode):
            return letter
    return "?"


def xattr_field(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        # A filesystem without xattr support has none to compare.
        return None
    parts = []
    for name in sorted(names):
        if name in HIDDEN_XATTRS:
            continue
        value = os.getxattr(path, name, follow_symlinks=False)
        if len(value) <= XATTR_INLINE_MAX:
            shown = value.hex()
        else:
            shown = "sha256:" + hashlib.sha256(value).hexdigest()
        parts.append(escape(name.encode()) + ":" + shown)
    return "xattr=" + ",".join(parts) if parts else None


def walk(top, excluded):
    """Yield (relative bytes path starting with b"/", absolute bytes path, lstat) for top and
    everything below it, without following symlinks and without crossing excluded paths."""
    st = os.lstat(top)
    yield b"/", top, st
    stack = [(b"", top)]
    while stack:
        rel, absdir = stack.pop()
        with os.scandir(absdir) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            r = rel + b"/" + e.name
            if r in excluded:
                continue
            st = os.lstat(e.path)
            yield r, e.path, st
            if stat.S_ISDIR(st.st_mode):
                stack.append((r, e.path))


def main(argv):
    ap = argparse.ArgumentParser(description="canonical listing of a directory tree")
    ap.add_argument("dirs", nargs="+", metavar="DIR")
    ap.add_argument("--output", action="append", default=[], metavar="FILE")
    ap.add_argument("--mtime", action="store_true")
    ap.add_argument("--no-owner", action="store_true")
    ap.add_argument("--rootless-compat", action="store_true")
    ap.add_argument("--no-root-mtime", action="store_true")
    ap.add_argument("--fresh-since", type=int, metavar="SECS")
    ap.add_argument("--no-root", action="store_true")
    ap.add_argument("--exclude", action="append", default=[], metavar="PATH")
    args = ap.parse_args(argv)

    if len(args.dirs) > 1 and len(args.output) != len(args.dirs):
        ap.error("with several DIRs, give one --output FILE per DIR")
    excluded = set()
    for p in args.exclude:
        p = "/" + p.strip("/")
        excluded.add(os.fsencode(p))
    for i, d in enumerate(args.dirs):
        top = os.fsencode(d)
        if not os.path.isdir(top) or os.path.islink(top):
            print("treesum: %s: not a directory" % d, file=sys.stderr)
            return 2
        lines = listing(top, excluded, args)
        if args.output:
            with open(args.output[i], "w") as out:
                out.writelines(line + "\n" for line in lines)
        else:
            sys.stdout.writelines(line + "\n" for line in lines)
    return 0


def listing(top, excluded, args):
    """The sorted lines for the tree at top (bytes path)."""
    entries = list(walk(top, excluded))
    if args.no_root:
        entries = [e for e in entries if e[0] != b"/"]

    # Hardlink groups: every non-directory name of an inode, inside the tree.
    groups = {}
    for rel, _, st in entries:
        if not stat.S_ISDIR(st.st_mode):
            groups.setdefault((st.st_dev, st.st_ino), []).append(rel)

    lines = []
    for rel, path, st in entries:
        mode = st.st_mode
        t = type_letter(mode)
        fields = [escape(rel), t]
        perm = stat.S_IMODE(mode)
        if args.rootless_compat and t == "d":
            perm |= 0o700
        fields.append("mode=%04o" % perm)
        if not args.no_owner:
            fields.append("uid=%d gid=%d" % (st.st_uid, st.st_gid))
        if t == "f":
            fields.append("size=%d sha256=%s" % (st.st_size, file_sha256(path)))
        elif t == "l":
            fields.append("link=" + escape(os.readlink(path)))
        elif t in ("c", "b"):
            fields.append("rdev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        if t != "d":
            names = groups[(st.st_dev, st.st_ino)]
            if len(names) > 1:
                fields.append("hardlink=" + escape(min(names)))
            if st.st_nlink != len(names):
                fields.append("nlink=%d" % st.st_nlink)
        x = xattr_field(path)
        if x:
            fields.append(x)
        if args.mtime and not (args.no_root_mtime and rel == b"/"):
            sec, nsec = divmod(st.st_mtime_ns, 10**9)
            if args.fresh_since is not None and sec >= args.fresh_since:
                fields.append("mtime=(unpack-time)")
            else:
                fields.append("mtime=%d.%09d" % (sec, nsec))
        lines.append((rel, " ".join(fields)))

    lines.sort(key=lambda x: x[0])
    return [line for _, line in lines]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
