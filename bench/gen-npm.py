#!/usr/bin/env python3
"""Write an uncompressed tar of a Node.js application with N installed npm packages.

Usage: gen-npm.py OUT.tar NPKGS [SEED] [--list LIST.tsv]

The layer holds /app/package.json (the application, not a dependency) and
/app/node_modules laid out as npm 7+ installs it: most packages hoisted to the top level
(about 1 in 7 under a scope, "@scope/name"), and about 1 in 6 packages installed a second
time, in another version, nested under a dependent (node_modules/A/node_modules/B, a few
two levels deep) because the hoisted version does not satisfy it. Every (name, version) is
distinct; NPKGS counts package.json files that name a package.

Each package's package.json has the shape of real ones (the fields of lodash 4.17.15 and
semver 7.5.1 as npm installs them: description, main, license, repository, author,
dependencies, engines, keywords, bin, files, scripts, and npm 6's "_resolved"/"_integrity"
on some), plus index.js, README.md, LICENSE and a few lib/*.js files of a few KiB. About 1
in 20 packages also carries a nested package.json that names no package (`{"type":
"module"}` in esm/, as many dual-format packages ship): not a package, both tools must skip
it. Owner 0:0, fixed mtime: the same arguments always give the same bytes.

--list writes the expected packages, "name<TAB>version" sorted, for a check of the SBOMs.
"""
import io
import json
import random
import sys
import tarfile

MTIME = 1700000000
LICENSES = ["MIT"] * 12 + ["ISC"] * 4 + ["Apache-2.0"] * 2 + ["BSD-3-Clause", "BSD-2-Clause",
                                                              "0BSD", "BlueOak-1.0.0"]
SYLLABLES = ["ab", "ac", "ag", "al", "am", "an", "ar", "as", "at", "ba", "be", "bi", "bo", "ca",
             "ce", "ch", "ci", "co", "cu", "da", "de", "di", "do", "du", "el", "em", "en", "er",
             "es", "ex", "fa", "fi", "fo", "ga", "ge", "gi", "go", "ha", "he", "hi", "ho", "id",
             "il", "im", "in", "is", "it", "ja", "jo", "ka", "ke", "la", "le", "li", "lo", "lu",
             "ma", "me", "mi", "mo", "mu", "na", "ne", "ni", "no", "nu", "ob", "od", "ol", "om",
             "on", "op", "or", "os", "pa", "pe", "pi", "po", "pu", "qu", "ra", "re", "ri", "ro",
             "ru", "sa", "se", "si", "so", "su", "ta", "te", "ti", "to", "tu", "ul", "um", "un",
             "up", "ur", "us", "va", "ve", "vi", "vo", "wa", "we", "wi", "ya", "yo", "za", "ze"]
SUFFIXES = ["", "", "", "-js", "-utils", "-core", "-parser", "-plugin", "-loader", "-cli",
            "-config", "-types", "-compat", "-stream", "-async", "-browser", "-node", "-lite"]
SCOPES = ["@babel", "@types", "@jest", "@eslint", "@smithy", "@aws-sdk", "@octokit", "@npmcli",
          "@rollup", "@vue", "@angular", "@nestjs", "@sinonjs", "@tootallnate", "@isaacs"]
WORDS = ("function return const module exports require value object array string number "
         "callback promise resolve reject options config default parse stringify buffer "
         "stream event emitter listener handler error type check assert length index key "
         "map set get has delete keys values entries iterator async await yield class new "
         "this prototype extends super static instance null undefined true false").split()


def version(rnd):
    major = rnd.choice([0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 29])
    v = "%d.%d.%d" % (major, rnd.randint(0, 30), rnd.randint(0, 40))
    r = rnd.random()
    if r < 0.03:
        v += "-beta.%d" % rnd.randint(0, 9)
    elif r < 0.05:
        v += "-rc.%d" % rnd.randint(0, 5)
    return v


def names(rnd, n):
    seen, out = set(), []
    while len(out) < n:
        base = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4)))
        name = base + rnd.choice(SUFFIXES)
        if rnd.random() < 0.14:
            name = rnd.choice(SCOPES) + "/" + name
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def js_text(rnd, size):
    parts, n = [], 0
    while n < size:
        w = rnd.choice(WORDS) + rnd.choice([" ", " ", "(", ") ", ";\n", ".", " = ", ",\n  "])
        parts.append(w)
        n += len(w)
    return "".join(parts)[:size] + "\n"


def package_json(rnd, name, ver, all_names):
    short = name.split("/")[-1]
    deps = {d: "^%s" % version(rnd) for d in rnd.sample(all_names, rnd.randint(0, 5))
            if d != name}
    p = {"name": name, "version": ver,
         "description": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 12))).capitalize(),
         "main": rnd.choice(["index.js", "lib/index.js", "dist/index.js"]),
         "license": rnd.choice(LICENSES),
         "repository": {"type": "git", "url": "git+https://github.com/%s/%s.git" % (
             rnd.choice(["sindresorhus", "isaacs", "npm", "jonschlinkert", "ljharb",
                         "feross", "mafintosh", "substack"]), short)},
         "author": rnd.choice(["GitHub Inc.", "Sindre Sorhus <sindresorhus@gmail.com>",
                               "Isaac Z. Schlueter <i@izs.me> (http://blog.izs.me/)",
                               {"name": "John-David Dalton", "email": "john.david.dalton@gmail.com"}]),
         "keywords": rnd.sample(WORDS, rnd.randint(0, 6)),
         "engines": {"node": rnd.choice([">=6", ">=10", ">=12", ">=14.17", "^12.20.0 || >=14"])},
         "files": ["index.js", "lib/"],
         "scripts": {"test": rnd.choice(["tap", "jest", "mocha", "xo && ava", "node test.js"])}}
    if deps:
        p["dependencies"] = deps
    if rnd.random() < 0.1:
        p["bin"] = {short: "bin/cli.js"}
    if rnd.random() < 0.2:
        p["devDependencies"] = {"tap": "^16.0.0", "eslint": "^8.0.0"}
    if rnd.random() < 0.3:  # npm 6 left these in installed package.json files
        p["_resolved"] = "https://registry.npmjs.org/%s/-/%s-%s.tgz" % (name, short, ver)
        p["_integrity"] = "sha512-" + rnd.randbytes(48).hex()[:86] + "=="
        p["_from"] = "%s@^%s" % (name, ver)
    return json.dumps(p, indent=2) + "\n"


def main():
    args = sys.argv[1:]
    list_path = None
    if "--list" in args:
        i = args.index("--list")
        list_path = args[i + 1]
        del args[i:i + 2]
    out, n = args[0], int(args[1])
    rnd = random.Random(int(args[2]) if len(args) > 2 else 1)
    n_nested = n // 6
    top = names(rnd, n - n_nested)
    top_ver = {nm: version(rnd) for nm in top}
    pkgs = [("app/node_modules/" + nm, nm, top_ver[nm]) for nm in top]
    # nested copies: another version of a hoisted package, under a dependent's node_modules
    # (1 in 10 of them two levels deep, under an earlier nested copy)
    nested_dirs = []
    for nm in rnd.sample(top, n_nested):
        v = version(rnd)
        while v == top_ver[nm]:
            v = version(rnd)
        if nested_dirs and rnd.random() < 0.1:
            parent = rnd.choice(nested_dirs)
        else:
            parent = "app/node_modules/" + rnd.choice([t for t in rnd.sample(top, 3) if t != nm] or [top[0]])
        d = parent + "/node_modules/" + nm
        nested_dirs.append(d)
        pkgs.append((d, nm, v))

    def ti(name, kind, size=0, mode=0o644):
        t = tarfile.TarInfo(name)
        t.type, t.size, t.mode, t.mtime = kind, size, mode, MTIME
        t.uid = t.gid = 0
        t.uname = t.gname = "root"
        return t

    dirs_done = set()
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tar:
        def add_dir(path):
            parts = path.split("/")
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs_done:
                    dirs_done.add(d)
                    tar.addfile(ti("./" + d + "/", tarfile.DIRTYPE, mode=0o755))

        def add_file(path, text):
            data = text.encode()
            add_dir(path.rsplit("/", 1)[0])
            tar.addfile(ti("./" + path, tarfile.REGTYPE, len(data)), io.BytesIO(data))

        app = {"name": "bench-app", "version": "1.0.0", "private": True,
               "dependencies": {nm: "^" + top_ver[nm] for nm in top[:40]}}
        add_file("app/package.json", json.dumps(app, indent=2) + "\n")
        add_file("app/server.js", js_text(rnd, 3000))
        for d, nm, v in sorted(pkgs):
            add_file(d + "/package.json", package_json(rnd, nm, v, top))
            add_file(d + "/index.js", js_text(rnd, rnd.randint(200, 4000)))
            add_file(d + "/README.md", "# %s\n\n%s\n" % (nm, js_text(rnd, rnd.randint(500, 3000))))
            add_file(d + "/LICENSE", "The MIT License (MIT)\n\nCopyright (c) %s\n" % nm)
            for k in range(rnd.randint(0, 4)):
                add_file("%s/lib/%s.js" % (d, rnd.choice(WORDS) + str(k)),
                         js_text(rnd, rnd.randint(300, 6000)))
            if rnd.random() < 0.05:
                add_file(d + "/esm/package.json", '{\n  "type": "module"\n}\n')
    if list_path:
        with open(list_path, "w") as f:
            for nm, v in sorted(set((nm, v) for _, nm, v in pkgs)):
                f.write("%s\t%s\n" % (nm, v))


if __name__ == "__main__":
    main()
