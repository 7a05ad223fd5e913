#!/usr/bin/env python3
"""Write N OSV records shaped like the real ones in the fixtures, for a database-scale bench.

Usage: gen-osv.py OUT NRECORDS FIXTURES_DIR [SEED]

OUT is a directory (made; one <id>.json per record, as osv.dev's per-ecosystem all.zip
unpacks) or, when it ends in .zip, a zip archive of the same files. Deterministic for a
given seed and fixtures.

Each record is a copy of a real record of its ecosystem from FIXTURES_DIR/vuln/osv (the
derived Debian bookworm set, the Go vulndb, PyPA and GitHub npm records: their fields,
references, details and database_specific blocks, so sizes and shapes are real) with a new
id, aliases, dates, package and version ranges:

- Debian:12 (35%): source packages; 15% of them name a source package of the debootstrap
  minbase image (the sources of the derived records, each copied from a record of the same
  source, so `cairn scan` of the Debian image has real work: thousands of ranges to order
  with dpkg rules), the rest invented library names. Ranges: introduced 0, fixed at the
  record's real fixed version (old: no hit), or at that version + "+deb12uN" (usually no
  hit either), or no fix yet (about 1 in 8: a hit on the image).
- npm (25%), PyPI (22%), Go (18%): package names from pools of invented names plus the real
  ones of the templates (lodash, semver, requests, stdlib, golang.org/x/net...); ECOSYSTEM
  (npm, PyPI) or SEMVER (Go) ranges, sometimes two intervals; PyPI records also list the
  affected versions, as PYSEC records do.
"""
import copy
import glob
import json
import os
import random
import sys
import zipfile

SYL = ["ab", "ac", "al", "am", "an", "ar", "as", "ba", "be", "bi", "bo", "ca", "ce", "ci", "co",
       "da", "de", "di", "do", "el", "en", "er", "ex", "fa", "fi", "fo", "ga", "ge", "go", "ha",
       "he", "hi", "im", "in", "is", "ka", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na",
       "ne", "ni", "no", "or", "pa", "pe", "pi", "po", "ra", "re", "ri", "ro", "sa", "se", "si",
       "so", "ta", "te", "ti", "to", "ul", "un", "va", "ve", "vi", "xo", "ya", "za", "ze"]


def load_templates(fixtures):
    base = os.path.join(fixtures, "vuln", "osv")
    t = {"debian": [], "npm": [], "pypi": [], "go": []}
    with open(os.path.join(base, "debian-derived", "bookworm-minbase.DERIVED.osv.json")) as f:
        t["debian"] = json.load(f)
    for eco, sub in (("npm", "npm"), ("pypi", "pypi"), ("go", "go")):
        for p in sorted(glob.glob(os.path.join(base, sub, "*.json"))):
            with open(p) as f:
                t[eco].append(json.load(f))
    for k, v in t.items():
        if not v:
            sys.exit("gen-osv.py: no %s template records under %s" % (k, base))
    return t


def word(rnd, lo, hi):
    return "".join(rnd.choice(SYL) for _ in range(rnd.randint(lo, hi)))


def pool(rnd, n, make):
    seen = set()
    while len(seen) < n:
        seen.add(make())
    return sorted(seen)


def semver(rnd, major_max=12):
    return "%d.%d.%d" % (rnd.randint(0, major_max), rnd.randint(0, 40), rnd.randint(0, 30))


def bump(v):
    parts = v.split(".")
    try:
        parts[-1] = str(int(parts[-1]) + 1)
    except ValueError:
        parts.append("1")
    return ".".join(parts)


def lang_ranges(rnd, typ):
    """One or two [introduced, fixed) intervals, ascending; sometimes no fix."""
    a = semver(rnd)
    b = bump(a)
    ev = [{"introduced": "0" if rnd.random() < 0.6 else a}, {"fixed": b}]
    if rnd.random() < 0.2:
        c = "%d.0.0" % (int(b.split(".")[0]) + 1)
        ev += [{"introduced": c}, {"fixed": bump(c)}]
    if rnd.random() < 0.08:
        ev = ev[:1]
    return [{"type": typ, "events": ev}]


def main():
    out, n, fixtures = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    tpl = load_templates(fixtures)
    by_source = {}
    for r in tpl["debian"]:
        by_source.setdefault(r["affected"][0]["package"]["name"], []).append(r)
    real_sources = sorted(by_source)
    deb_names = pool(rnd, 8000, lambda: "lib" + word(rnd, 2, 4) + rnd.choice(["", "", "1", "2", "-utils", "5.3"]))
    npm_names = pool(rnd, 12000, lambda: (rnd.choice(["", "", "", "", "@" + word(rnd, 1, 2) + "/"]) + word(rnd, 2, 4)
                                          + rnd.choice(["", "", "-js", "-core", "-utils", "-parser"])))
    npm_names += ["lodash", "lodash-es", "semver", "minimist", "axios", "express"]
    pypi_names = pool(rnd, 8000, lambda: word(rnd, 2, 4) + rnd.choice(["", "", "-py", "-client", "lib"]))
    pypi_names += ["requests", "cryptography", "pip", "urllib3", "django", "jinja2"]
    go_names = pool(rnd, 8000, lambda: "github.com/%s/%s" % (word(rnd, 1, 3), word(rnd, 2, 3)))
    go_names += ["stdlib", "golang.org/x/net", "golang.org/x/crypto", "golang.org/x/text"]

    zf = None
    if out.endswith(".zip"):
        zf = zipfile.ZipFile(out + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=1)
    else:
        os.makedirs(out, exist_ok=True)

    for i in range(n):
        r = rnd.random()
        year = 2015 + i % 11
        cve = "CVE-%d-%d" % (year, 20000 + i)
        date = "%d-%02d-%02dT%02d:%02d:00Z" % (year, 1 + i % 12, 1 + i % 28, i % 24, i % 60)
        if r < 0.35:
            if rnd.random() < 0.15:  # a real source: a record of that source as template
                src = rnd.choice(real_sources)
                t = copy.deepcopy(rnd.choice(by_source[src]))
            else:
                src = rnd.choice(deb_names)
                t = copy.deepcopy(rnd.choice(tpl["debian"]))
            a = t["affected"][0]
            a["package"]["name"] = src
            a["package"]["purl"] = "pkg:deb/debian/%s?arch=source" % src
            fixed = a["ranges"][0]["events"][-1].get("fixed", "1.0-1")
            k = rnd.random()
            if k < 0.125:
                a["ranges"][0]["events"] = [{"introduced": "0"}]
            elif k < 0.3:
                a["ranges"][0]["events"] = [{"introduced": "0"}, {"fixed": fixed + "+deb12u%d" % rnd.randint(1, 9)}]
            t["id"] = "x_DEB12-%s-%s" % (src, cve)
            t["upstream"] = [cve]
            t["summary"] = "%s: %s (generated by bench/gen-osv.py from a derived record)" % (src, cve)
        elif r < 0.60:
            t = copy.deepcopy(rnd.choice(tpl["npm"]))
            t["id"] = "GHSA-%s-%s-%s" % (word(rnd, 2, 2), "%04x" % (i >> 16), "%04x" % (i & 0xFFFF))
            t["aliases"] = [cve]
            for a in t["affected"]:
                a["package"]["name"] = rnd.choice(npm_names)
                a["ranges"] = lang_ranges(rnd, "ECOSYSTEM")
        elif r < 0.82:
            t = copy.deepcopy(rnd.choice(tpl["pypi"]))
            t["id"] = "PYSEC-%d-%d" % (year, 1000 + i)
            t["aliases"] = [cve]
            for a in t["affected"]:
                name = rnd.choice(pypi_names)
                a["package"]["name"] = name
                a["package"]["purl"] = "pkg:pypi/" + name
                a["ranges"] = lang_ranges(rnd, "ECOSYSTEM")
                if "versions" in a:
                    lo = a["ranges"][0]["events"][0]["introduced"]
                    major = 0 if lo == "0" else int(lo.split(".")[0])
                    a["versions"] = ["%d.%d.%d" % (major, m, p) for m in range(rnd.randint(1, 6))
                                     for p in range(rnd.randint(1, 4))]
        else:
            t = copy.deepcopy(rnd.choice(tpl["go"]))
            t["id"] = "GO-%d-%d" % (year, 5000 + i)
            t["aliases"] = [cve, "GHSA-%s-%04x-%04x" % (word(rnd, 2, 2), i >> 16, i & 0xFFFF)]
            for a in t["affected"]:
                a["package"]["name"] = rnd.choice(go_names)
                a["ranges"] = lang_ranges(rnd, "SEMVER")
        t["modified"] = date
        t["published"] = date
        data = json.dumps(t, separators=(",", ":")).encode()
        name = t["id"] + ".json"
        if zf:
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        else:
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
    if zf:
        zf.close()
        os.rename(out + ".tmp", out)


if __name__ == "__main__":
    main()
