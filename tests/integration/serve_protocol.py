#!/usr/bin/env python3
"""Registry protocol test suite, written from the OCI distribution spec v1.1 (python3 stdlib only).

Usage:
  serve_protocol.py URL [--peer cairn|docker-registry] [--only REGEX] [--list]
                        [--creds USER:PASS]
  serve_protocol.py URL --suite auth --auth-mode token|basic [--anonymous-pull]
                        --creds alice:PW --creds2 bob:PW [--service cairn] [--peer ...]

Prints one line per check, "PASS name", "FAIL name: reason", "XFAIL name: reason" (a known
deviation of --peer, not counted as a failure) or "SKIP name: reason", then a summary line.
Exits 1 when any check FAILs, 0 otherwise (2 on a usage error).

Every check uses its own repositories (under a per-run prefix), so checks are independent and
the suite can run repeatedly against the same server. The client follows Docker's token auth
(401 + WWW-Authenticate: Bearer -> GET realm?service=&scope= with Basic credentials) and Basic
auth, so the protocol suite also runs against a server that requires credentials (--creds).

The protocol suite ("--suite protocol", the default) covers: /v2/ ping; blob uploads
(monolithic POST, POST+PUT, streamed PATCH, chunked transfer encoding, Content-Range chunks with
an out-of-order chunk, status, cancel, digest mismatch, sha512); blob GET/HEAD/Range/DELETE and
repository isolation; cross-repository mount; manifests (OCI image + index, Docker schema 2 +
list) PUT/GET/HEAD by tag and digest, validation errors, size limit, DELETE by digest and tag;
tags list and catalog pagination with Link headers; malformed digests and names (never a 5xx);
the referrers API; the JSON error shape; /v1/_ping and Docker Hub-style /v1/search.

The auth suite ("--suite auth") expects the server configured with an htpasswd file holding the
two --creds users, and access rules: "private/*" only for the first user (pull, push, delete),
"*" for everyone (pull, push). See test-serve-auth.sh.
"""

import argparse
import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import random
import re
import ssl
import string
import sys
import tarfile
import time
import traceback
import urllib.parse

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
D2_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
D2_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
D2_CONFIG = "application/vnd.docker.container.image.v1+json"
D2_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
ALL_MANIFESTS = ", ".join([OCI_MANIFEST, OCI_INDEX, D2_MANIFEST, D2_LIST])
DESC_LABEL = "org.opencontainers.image.description"

# Known deviations of peers from the spec (or from what cairn promises), by key. A check that
# fails on a `want(..., dev=KEY)` with KEY listed for --peer reports XFAIL instead of FAIL.
DEVIATIONS = {
    "cairn": set(),
    "docker-registry": {
        "referrers",        # no referrers API (404), no OCI-Subject header
        "chunk-order",      # 202 for an out-of-order Content-Range chunk (spec: 416)
        "range-416",        # drops the connection on an unsatisfiable Range
        "digest-500",       # 500 (or 404) instead of 400 DIGEST_INVALID for some digests
        "v1-search",        # no /v1/search, no /v1/_ping
        "manifest-strict",  # accepts duplicate keys / contradicting mediaType
        "manifest-413",     # over-size manifest is not a 413
        "tags-pagination",  # tags list ignores n/last, no Link header
        "status-range",     # upload status/PATCH Range off by one for odd cases
        "name-invalid",     # invalid names answer non-JSON 404 / 301
        "sha512",           # no sha512 blobs
        "single-post",      # POST ?digest= with a body answers 202 (allowed by the spec)
        "upload-unknown",   # BLOB_UPLOAD_INVALID for an unknown upload id
        "tags-order",       # tags list not in lexical order
        "tag-delete",       # DELETE by tag: 400 (allowed by the spec when disabled)
        "methods",          # PUT /v2/ answers 200
        "auth-rules",       # the test token issuer grants every user everything
        "token-shape",      # the test token issuer's response shape
    },
}


class Failure(Exception):
    pass


class Skip(Exception):
    pass


PEER = "cairn"
CURRENT_CHECK = [""]
SERVER_ERRORS = []  # (check, method, path, status)


CHECK_DEVS = []  # deviations met by the running check


def want(cond, msg, dev=None):
    """Fail the check unless cond. A known deviation of --peer is noted and the check goes on
    (so the rest of it is still exercised); the check then reports XFAIL."""
    if cond:
        return
    if dev and dev in DEVIATIONS.get(PEER, ()):
        CHECK_DEVS.append("%s [%s]" % (msg, dev))
        return
    raise Failure(msg)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha512(data):
    return "sha512:" + hashlib.sha512(data).hexdigest()


def rand_bytes(n):
    return os.urandom(n)


def rand_word(n=8):
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


# ------------------------------------------------------------------ HTTP client


class Resp:
    def __init__(self, method, url, status, headers, body, error=None):
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body
        self.error = error

    def h(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def hall(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def brief(self):
        if self.error:
            return "%s %s: connection error: %s" % (self.method, self.url, self.error)
        b = self.body[:200].decode("utf-8", "replace").replace("\n", " ")
        u = self.url if len(self.url) < 100 else self.url[:96] + "..."
        return "%s %s -> %d %s" % (self.method, u, self.status, b.strip())


def parse_challenge(value):
    """'Bearer realm="x",service="y",scope="z"' -> ("bearer", {realm: x, ...})."""
    if not value:
        return None, {}
    m = re.match(r"\s*(\S+)\s*(.*)$", value)
    scheme = m.group(1).lower()
    params = {}
    for pm in re.finditer(r'([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))', m.group(2)):
        params[pm.group(1).lower()] = pm.group(2) if pm.group(2) is not None else pm.group(3)
    return scheme, params


class Client:
    """One connection per request (servers under test may drop connections on errors)."""

    def __init__(self, base, user=None, password=None, auto_auth=True, timeout=60):
        u = urllib.parse.urlsplit(base)
        self.scheme = u.scheme
        self.host = u.hostname
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.base = "%s://%s:%d" % (self.scheme, self.host, self.port)
        self.user = user
        self.password = password
        self.auto_auth = auto_auth
        self.timeout = timeout
        self.tokens = {}  # scope -> token
        self.bearer = None
        self.last_token_resp = None

    def _conn(self, scheme, host, port):
        if scheme == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(host, port, timeout=self.timeout, context=ctx)
        return http.client.HTTPConnection(host, port, timeout=self.timeout)

    def raw(self, method, url, body=None, headers=None, chunked=False):
        """One request without auth handling; url absolute or a path."""
        if url.startswith("/"):
            url = self.base + url
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        hdrs = dict(headers or {})
        conn = self._conn(u.scheme, u.hostname, u.port or (443 if u.scheme == "https" else 80))
        try:
            try:
                if chunked:
                    hdrs["Transfer-Encoding"] = "chunked"
                    conn.request(method, path, body=iter(body), headers=hdrs, encode_chunked=True)
                else:
                    if body is None and method in ("POST", "PUT", "PATCH"):
                        body = b""
                    conn.request(method, path, body=body, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                # a server may answer (413, 401) before reading a large body, then close:
                # its response is still readable
                pass
            r = conn.getresponse()
            data = r.read() if method != "HEAD" else b""
            resp = Resp(method, path, r.status, r.getheaders(), data)
        except (OSError, http.client.HTTPException) as e:
            resp = Resp(method, path, 0, [], b"", error=repr(e))
        finally:
            conn.close()
        if resp.status >= 500:
            SERVER_ERRORS.append((CURRENT_CHECK[0], method, path, resp.status))
        return resp

    def basic_header(self, user=None, password=None):
        user = self.user if user is None else user
        password = self.password if password is None else password
        tok = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        return "Basic " + tok

    def fetch_token(self, realm, service, scopes, user=None, password=None, anonymous=False):
        q = [("service", service)] if service else []
        q += [("scope", s) for s in scopes]
        if not anonymous and (user or self.user):
            q.append(("account", user or self.user))
        url = realm + ("&" if "?" in realm else "?") + urllib.parse.urlencode(q)
        hdrs = {}
        if not anonymous and (user or self.user):
            hdrs["Authorization"] = self.basic_header(user, password)
        r = self.raw("GET", url, headers=hdrs)
        self.last_token_resp = r
        return r

    def request(self, method, url, body=None, headers=None, chunked=False):
        hdrs = dict(headers or {})
        if self.bearer:
            hdrs["Authorization"] = "Bearer " + self.bearer
        elif self.user and self.auto_auth == "basic":
            hdrs["Authorization"] = self.basic_header()
        r = self.raw(method, url, body, hdrs, chunked)
        if r.status != 401 or not self.auto_auth:
            return r
        scheme, params = parse_challenge(r.h("WWW-Authenticate"))
        if scheme == "bearer" and "realm" in params:
            scope = params.get("scope", "")
            tr = self.fetch_token(params["realm"], params.get("service"),
                                  scope.split(" ") if scope else [], anonymous=not self.user)
            if tr.status != 200:
                return r
            tj = tr.json() or {}
            tok = tj.get("token") or tj.get("access_token")
            if not tok:
                return r
            self.bearer = tok
            hdrs["Authorization"] = "Bearer " + tok
        elif scheme == "basic" and self.user:
            self.auto_auth = "basic"
            hdrs["Authorization"] = self.basic_header()
        else:
            return r
        if chunked:
            body = list(body)
        return self.raw(method, url, body, hdrs, chunked)


# ------------------------------------------------------------------ registry helpers


def want_status(r, statuses, what, dev=None):
    if isinstance(statuses, int):
        statuses = (statuses,)
    want(r.status in statuses, "%s: want %s, got %s" % (what, "/".join(map(str, statuses)),
                                                          r.brief()), dev)


def check_error_shape(r, what, dev=None):
    """Spec error body: {"errors": [{"code": "UPPER_CASE", "message": str, "detail"?: any}]}."""
    if r.method == "HEAD":
        return None
    j = r.json()
    want(isinstance(j, dict) and isinstance(j.get("errors"), list) and j["errors"],
         "%s: error body is not {\"errors\": [...]}: %s" % (what, r.brief()), dev)
    codes = []
    if not (isinstance(j, dict) and isinstance(j.get("errors"), list)):
        return codes
    for e in j["errors"]:
        if not (isinstance(e, dict) and isinstance(e.get("code"), str)
                and re.fullmatch(r"[A-Z_]+", e["code"]) is not None):
            want(False, "%s: error without a valid code: %r" % (what, e), dev)
            continue
        want(isinstance(e.get("message", ""), str), "%s: message not a string: %r" % (what, e),
             dev)
        want("message" in e, "%s: error without message: %r" % (what, e), dev)
        codes.append(e["code"])
    return codes


def want_error(r, statuses, codes, what, dev=None):
    want_status(r, statuses, what, dev)
    if isinstance(codes, str):
        codes = (codes,)
    got = check_error_shape(r, what, dev)
    if got is None or not codes:
        return
    want(any(c in codes for c in got), "%s: want code %s, got %s" % (what, "/".join(codes), got),
         dev)


def with_query(loc, **params):
    return loc + ("&" if "?" in loc else "?") + urllib.parse.urlencode(params)


class Registry:
    def __init__(self, client, prefix):
        self.c = client
        self.prefix = prefix

    def repo(self, name):
        return "%s/%s" % (self.prefix, name)

    def start_upload(self, repo):
        r = self.c.request("POST", "/v2/%s/blobs/uploads/" % repo,
                           headers={"Content-Length": "0"})
        want_status(r, 202, "POST /v2/%s/blobs/uploads/" % repo)
        loc = r.h("Location")
        want(loc, "POST upload: no Location header")
        return loc

    def push_blob(self, repo, data, digest=None):
        """POST + PUT (the most portable form); returns the digest."""
        digest = digest or sha256(data)
        loc = self.start_upload(repo)
        r = self.c.request("PUT", with_query(loc, digest=digest), body=data,
                           headers={"Content-Type": "application/octet-stream"})
        want_status(r, 201, "PUT upload %s" % digest)
        return digest

    def put_manifest(self, repo, ref, body, media_type):
        return self.c.request("PUT", "/v2/%s/manifests/%s" % (repo, ref), body=body,
                              headers={"Content-Type": media_type})

    def push_manifest(self, repo, ref, body, media_type):
        r = self.put_manifest(repo, ref, body, media_type)
        want_status(r, 201, "PUT manifest %s:%s" % (repo, ref))
        return sha256(body)

    def get_manifest(self, repo, ref, method="GET", accept=ALL_MANIFESTS):
        return self.c.request(method, "/v2/%s/manifests/%s" % (repo, ref),
                              headers={"Accept": accept})

    def image(self, repo, tag=None, labels=None, nlayers=1, docker=False, layer_size=512,
              platform=None):
        """Push a config + layers + manifest; returns dict(body, digest, media_type, ...)."""
        cfg = {"architecture": (platform or {}).get("architecture", "amd64"),
               "os": "linux", "config": {"Labels": labels or {}},
               "rootfs": {"type": "layers", "diff_ids": []}, "nonce": rand_word(12)}
        layers = []
        for _ in range(nlayers):
            raw = rand_bytes(layer_size)
            tbuf = io.BytesIO()
            with tarfile.open(fileobj=tbuf, mode="w") as tf:
                ti = tarfile.TarInfo("data.bin")
                ti.size = len(raw)
                ti.mtime = 0
                tf.addfile(ti, io.BytesIO(raw))
            tar = tbuf.getvalue()
            gz = gzip.compress(tar, mtime=0)
            cfg["rootfs"]["diff_ids"].append(sha256(tar))
            layers.append({"mediaType": D2_LAYER if docker else OCI_LAYER,
                           "digest": self.push_blob(repo, gz), "size": len(gz)})
        cb = dumps(cfg)
        mt = D2_MANIFEST if docker else OCI_MANIFEST
        man = {"schemaVersion": 2, "mediaType": mt,
               "config": {"mediaType": D2_CONFIG if docker else OCI_CONFIG,
                          "digest": self.push_blob(repo, cb), "size": len(cb)},
               "layers": layers}
        body = dumps(man)
        digest = sha256(body)
        self.push_manifest(repo, tag or digest, body, mt)
        return {"body": body, "digest": digest, "media_type": mt, "size": len(body),
                "config": man["config"]["digest"], "layers": [x["digest"] for x in layers]}


# ------------------------------------------------------------------ protocol checks

CHECKS = []


def check(name):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn
    return deco


@check("ping")
def c_ping(reg):
    r = reg.c.request("GET", "/v2/")
    want_status(r, 200, "GET /v2/")
    want(r.h("Docker-Distribution-API-Version") == "registry/2.0",
         "GET /v2/: Docker-Distribution-API-Version is %r" % r.h("Docker-Distribution-API-Version"))


@check("blob-upload-monolithic-post")
def c_mono_post(reg):
    repo = reg.repo("mono-post")
    data = rand_bytes(3000)
    d = sha256(data)
    r = reg.c.request("POST", "/v2/%s/blobs/uploads/?digest=%s" % (repo, d), body=data,
                      headers={"Content-Type": "application/octet-stream"})
    want_status(r, 201, "POST ?digest=", dev="single-post")
    want(r.h("Location"), "POST ?digest=: no Location")
    want(r.h("Docker-Content-Digest") == d, "POST ?digest=: Docker-Content-Digest %r" %
         r.h("Docker-Content-Digest"))
    g = reg.c.request("GET", r.h("Location"))
    want_status(g, 200, "GET Location of the new blob")
    want(g.body == data, "GET Location: wrong bytes")


@check("blob-upload-post-put")
def c_post_put(reg):
    repo = reg.repo("post-put")
    data = rand_bytes(5000)
    d = sha256(data)
    r = reg.c.request("POST", "/v2/%s/blobs/uploads/" % repo)
    want_status(r, 202, "POST")
    loc = r.h("Location")
    want(loc, "POST: no Location")
    want(r.h("Docker-Upload-UUID"), "POST: no Docker-Upload-UUID")
    p = reg.c.request("PUT", with_query(loc, digest=d), body=data,
                      headers={"Content-Type": "application/octet-stream"})
    want_status(p, 201, "PUT ?digest=")
    want(p.h("Location"), "PUT: no Location")
    want(p.h("Docker-Content-Digest") == d, "PUT: Docker-Content-Digest %r" %
         p.h("Docker-Content-Digest"))
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, d))
    want_status(g, 200, "GET blob")
    want(g.body == data, "GET blob: wrong bytes")


@check("blob-upload-streamed-patch")
def c_stream_patch(reg):
    repo = reg.repo("stream-patch")
    a, b = rand_bytes(7000), rand_bytes(3333)
    loc = reg.start_upload(repo)
    r = reg.c.request("PATCH", loc, body=a, headers={"Content-Type": "application/octet-stream"})
    want_status(r, 202, "PATCH 1")
    want(r.h("Range") == "0-%d" % (len(a) - 1), "PATCH 1: Range %r" % r.h("Range"))
    want(r.h("Location"), "PATCH 1: no Location")
    want(r.h("Docker-Upload-UUID"), "PATCH 1: no Docker-Upload-UUID")
    r = reg.c.request("PATCH", r.h("Location"), body=b,
                      headers={"Content-Type": "application/octet-stream"})
    want_status(r, 202, "PATCH 2")
    want(r.h("Range") == "0-%d" % (len(a) + len(b) - 1), "PATCH 2: Range %r" % r.h("Range"))
    d = sha256(a + b)
    p = reg.c.request("PUT", with_query(r.h("Location"), digest=d))
    want_status(p, 201, "PUT ?digest= (empty body)")
    want(p.h("Docker-Content-Digest") == d, "PUT: Docker-Content-Digest")
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, d))
    want(g.status == 200 and g.body == a + b, "GET blob after streamed upload: %s" % g.brief())


@check("blob-upload-chunked-transfer-encoding")
def c_chunked_te(reg):
    repo = reg.repo("chunked-te")
    parts = [rand_bytes(n) for n in (1000, 65536, 1, 20000)]
    data = b"".join(parts)
    loc = reg.start_upload(repo)
    r = reg.c.request("PATCH", loc, body=parts, chunked=True,
                      headers={"Content-Type": "application/octet-stream"})
    want_status(r, 202, "PATCH (Transfer-Encoding: chunked)")
    want(r.h("Range") == "0-%d" % (len(data) - 1), "PATCH: Range %r" % r.h("Range"))
    d = sha256(data)
    p = reg.c.request("PUT", with_query(r.h("Location") or loc, digest=d))
    want_status(p, 201, "PUT ?digest=")
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, d))
    want(g.status == 200 and g.body == data, "GET blob: %s" % g.brief())
    # a chunked PUT body closes a session too
    loc = reg.start_upload(repo)
    data2 = rand_bytes(4096)
    p = reg.c.request("PUT", with_query(loc, digest=sha256(data2)), body=[data2[:100], data2[100:]],
                      chunked=True, headers={"Content-Type": "application/octet-stream"})
    want_status(p, 201, "PUT with chunked body")


@check("blob-upload-content-range-chunks")
def c_content_range(reg):
    repo = reg.repo("content-range")
    data = rand_bytes(30)
    loc = reg.start_upload(repo)
    for i, (s, e) in enumerate([(0, 9), (10, 19)]):
        r = reg.c.request("PATCH", loc, body=data[s:e + 1],
                          headers={"Content-Type": "application/octet-stream",
                                   "Content-Range": "%d-%d" % (s, e)})
        want_status(r, 202, "PATCH chunk %d (%d-%d)" % (i, s, e))
        want(r.h("Range") == "0-%d" % e, "PATCH chunk %d: Range %r" % (i, r.h("Range")))
        want(r.h("Location"), "PATCH chunk %d: no Location" % i)
        loc = r.h("Location")
    # out of order: a gap (25-29 while 20 is next) and a repeat (0-9)
    for s, e in [(25, 29), (0, 9)]:
        r = reg.c.request("PATCH", loc, body=data[s:e + 1],
                          headers={"Content-Type": "application/octet-stream",
                                   "Content-Range": "%d-%d" % (s, e)})
        want_status(r, 416, "out-of-order PATCH %d-%d" % (s, e), dev="chunk-order")
    st = reg.c.request("GET", loc)
    want_status(st, 204, "upload status after rejected chunks")
    want(st.h("Range") == "0-19", "upload status: Range %r after rejected chunks" % st.h("Range"))
    d = sha256(data)
    p = reg.c.request("PUT", with_query(loc, digest=d), body=data[20:],
                      headers={"Content-Type": "application/octet-stream",
                               "Content-Range": "20-29"})
    want_status(p, 201, "closing PUT with the last chunk")
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, d))
    want(g.status == 200 and g.body == data, "GET blob: %s" % g.brief())


@check("blob-upload-status")
def c_upload_status(reg):
    repo = reg.repo("upload-status")
    loc = reg.start_upload(repo)
    r = reg.c.request("PATCH", loc, body=b"hello", headers={"Content-Type": "application/octet-stream"})
    want_status(r, 202, "PATCH")
    loc = r.h("Location") or loc
    st = reg.c.request("GET", loc)
    want_status(st, 204, "GET upload status")
    want(st.h("Range") == "0-4", "GET upload status: Range %r" % st.h("Range"))
    want(st.h("Location"), "GET upload status: no Location")
    want(st.h("Docker-Upload-UUID"), "GET upload status: no Docker-Upload-UUID")


@check("blob-upload-cancel")
def c_upload_cancel(reg):
    repo = reg.repo("upload-cancel")
    loc = reg.start_upload(repo)
    r = reg.c.request("PATCH", loc, body=b"abc", headers={"Content-Type": "application/octet-stream"})
    loc = r.h("Location") or loc
    d = reg.c.request("DELETE", loc)
    want_status(d, 204, "DELETE upload")
    g = reg.c.request("GET", loc)
    want_error(g, 404, "BLOB_UPLOAD_UNKNOWN", "GET cancelled upload")
    p = reg.c.request("PUT", with_query(loc, digest=sha256(b"abc")))
    want_error(p, 404, "BLOB_UPLOAD_UNKNOWN", "PUT cancelled upload")


@check("blob-upload-unknown-session")
def c_upload_unknown(reg):
    repo = reg.repo("upload-unknown")
    reg.push_blob(repo, b"x")
    u = "/v2/%s/blobs/uploads/0a1b2c3d-0000-4000-8000-000000000000" % repo
    for m, body in (("GET", None), ("PATCH", b"x"), ("PUT", b"x"), ("DELETE", None)):
        path = with_query(u, digest=sha256(b"x")) if m == "PUT" else u
        r = reg.c.request(m, path, body=body)
        want_error(r, 404, "BLOB_UPLOAD_UNKNOWN", "%s unknown upload" % m, dev="upload-unknown")


@check("blob-upload-wrong-digest")
def c_wrong_digest(reg):
    repo = reg.repo("wrong-digest")
    data = rand_bytes(100)
    bad = sha256(data + b"x")
    loc = reg.start_upload(repo)
    p = reg.c.request("PUT", with_query(loc, digest=bad), body=data,
                      headers={"Content-Type": "application/octet-stream"})
    want_error(p, 400, "DIGEST_INVALID", "PUT with a wrong digest")
    for d in (bad, sha256(data)):
        g = reg.c.request("HEAD", "/v2/%s/blobs/%s" % (repo, d))
        want_status(g, 404, "HEAD %s after the failed upload" % d)
    r = reg.c.request("POST", "/v2/%s/blobs/uploads/?digest=%s" % (repo, bad), body=data,
                      headers={"Content-Type": "application/octet-stream"})
    want_error(r, 400, "DIGEST_INVALID", "POST ?digest= with a wrong digest", dev="single-post")


MALFORMED_DIGESTS = [
    "sha256:abc",
    "sha256:" + "g" * 64,
    "sha256:" + "A" * 64,
    "sha256:" + "0" * 63,
    "sha512:" + "0" * 64,
    "sha256:",
    ":" + "0" * 64,
    "sha256:" + "0" * 64 + "00",
]


@check("malformed-digests")
def c_malformed(reg):
    repo = reg.repo("malformed")
    reg.image(repo, "v1")
    data = b"payload"
    for bad in MALFORMED_DIGESTS:
        q = urllib.parse.quote(bad, safe=":%")
        for m in ("GET", "HEAD"):
            r = reg.c.request(m, "/v2/%s/blobs/%s" % (repo, q))
            want_error(r, 400, "DIGEST_INVALID", "%s blob %s" % (m, bad), dev="digest-500")
        r = reg.c.request("GET", "/v2/%s/manifests/%s" % (repo, q))
        want_error(r, 400, "DIGEST_INVALID", "GET manifest %s" % bad, dev="digest-500")
        r = reg.c.request("DELETE", "/v2/%s/blobs/%s" % (repo, q))
        want_error(r, 400, "DIGEST_INVALID", "DELETE blob %s" % bad, dev="digest-500")
        loc = reg.start_upload(repo)
        r = reg.c.request("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + q, body=data,
                          headers={"Content-Type": "application/octet-stream"})
        want_error(r, 400, "DIGEST_INVALID", "PUT upload ?digest=%s" % bad, dev="digest-500")
        r = reg.c.request("POST", "/v2/%s/blobs/uploads/?digest=%s" % (repo, q), body=data,
                          headers={"Content-Type": "application/octet-stream"})
        want_error(r, 400, "DIGEST_INVALID", "POST ?digest=%s" % bad, dev="digest-500")


@check("blob-sha512")
def c_sha512(reg):
    repo = reg.repo("sha512")
    data = rand_bytes(2048)
    d = sha512(data)
    r = reg.c.request("POST", "/v2/%s/blobs/uploads/?digest=%s" % (repo, d), body=data,
                      headers={"Content-Type": "application/octet-stream"})
    if r.status == 202:  # single-POST not supported: spec says continue with PUT
        r = reg.c.request("PUT", with_query(r.h("Location"), digest=d), body=data)
    want_status(r, 201, "sha512 upload", dev="sha512")
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, d))
    want_status(g, 200, "GET sha512 blob", dev="sha512")
    want(g.body == data, "GET sha512 blob: wrong bytes")
    want(g.h("Docker-Content-Digest") == d, "GET sha512 blob: Docker-Content-Digest %r" %
         g.h("Docker-Content-Digest"), dev="sha512")
    # POST+PUT with sha512, and a wrong sha512
    data2 = rand_bytes(100)
    reg.push_blob(repo, data2, sha512(data2))
    loc = reg.start_upload(repo)
    p = reg.c.request("PUT", with_query(loc, digest=sha512(data2 + b"!")), body=data2)
    want_error(p, 400, "DIGEST_INVALID", "PUT wrong sha512")


@check("blob-get-head")
def c_blob_get_head(reg):
    repo = reg.repo("get-head")
    data = rand_bytes(10000)
    d = reg.push_blob(repo, data)
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, d))
    want_status(g, 200, "GET blob")
    want(g.body == data, "GET blob: wrong bytes")
    want(g.h("Content-Length") == str(len(data)), "GET: Content-Length %r" % g.h("Content-Length"))
    want(g.h("Docker-Content-Digest") == d, "GET: Docker-Content-Digest")
    h = reg.c.request("HEAD", "/v2/%s/blobs/%s" % (repo, d))
    want_status(h, 200, "HEAD blob")
    want(h.h("Content-Length") == str(len(data)), "HEAD: Content-Length %r" % h.h("Content-Length"))
    want(h.h("Docker-Content-Digest") == d, "HEAD: Docker-Content-Digest")
    miss = sha256(b"never pushed " + rand_bytes(8))
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, miss))
    want_error(g, 404, "BLOB_UNKNOWN", "GET unknown blob")
    h = reg.c.request("HEAD", "/v2/%s/blobs/%s" % (repo, miss))
    want_status(h, 404, "HEAD unknown blob")


@check("blob-range")
def c_blob_range(reg):
    repo = reg.repo("range")
    data = rand_bytes(1000)
    n = len(data)
    d = reg.push_blob(repo, data)
    url = "/v2/%s/blobs/%s" % (repo, d)
    for rng, s, e in (("bytes=10-19", 10, 19), ("bytes=990-", 990, 999), ("bytes=-5", 995, 999),
                      ("bytes=0-0", 0, 0), ("bytes=900-5000", 900, 999)):
        g = reg.c.request("GET", url, headers={"Range": rng})
        want_status(g, 206, "GET Range %s" % rng)
        want(g.body == data[s:e + 1], "GET Range %s: wrong bytes (%d)" % (rng, len(g.body)))
        want(g.h("Content-Range") == "bytes %d-%d/%d" % (s, e, n),
             "GET Range %s: Content-Range %r" % (rng, g.h("Content-Range")))
        want(g.h("Content-Length") == str(e - s + 1),
             "GET Range %s: Content-Length %r" % (rng, g.h("Content-Length")))
    for rng in ("bytes=1000-1010", "bytes=5000-"):
        g = reg.c.request("GET", url, headers={"Range": rng})
        want_status(g, 416, "GET unsatisfiable Range %s" % rng, dev="range-416")
        cr = g.h("Content-Range")
        want(cr is None or cr == "bytes */%d" % n, "416 Content-Range %r" % cr)


@check("blob-delete")
def c_blob_delete(reg):
    repo = reg.repo("blob-delete")
    data = rand_bytes(300)
    d = reg.push_blob(repo, data)
    keep = reg.push_blob(repo, rand_bytes(10))
    r = reg.c.request("DELETE", "/v2/%s/blobs/%s" % (repo, d))
    want_status(r, 202, "DELETE blob")
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, d))
    want_error(g, 404, "BLOB_UNKNOWN", "GET deleted blob")
    r = reg.c.request("DELETE", "/v2/%s/blobs/%s" % (repo, d))
    want_error(r, 404, "BLOB_UNKNOWN", "DELETE deleted blob")
    g = reg.c.request("HEAD", "/v2/%s/blobs/%s" % (repo, keep))
    want_status(g, 200, "HEAD of another blob of the repo")


@check("blob-repo-isolation")
def c_isolation(reg):
    a, b = reg.repo("iso-a"), reg.repo("iso-b")
    data = rand_bytes(400)
    d = reg.push_blob(a, data)
    reg.push_blob(b, rand_bytes(10))
    for m in ("GET", "HEAD"):
        r = reg.c.request(m, "/v2/%s/blobs/%s" % (b, d))
        want_status(r, 404, "%s blob of A via B" % m)
        if m == "GET":
            want_error(r, 404, "BLOB_UNKNOWN", "GET blob of A via B")
    r = reg.c.request("GET", "/v2/%s/blobs/%s" % (reg.repo("iso-none"), d))
    want_error(r, 404, ("BLOB_UNKNOWN", "NAME_UNKNOWN"), "GET blob of A via a missing repo")
    r = reg.c.request("DELETE", "/v2/%s/blobs/%s" % (b, d))
    want_status(r, 404, "DELETE blob of A via B")
    r = reg.c.request("GET", "/v2/%s/blobs/%s" % (a, d))
    want(r.status == 200 and r.body == data, "blob still in A: %s" % r.brief())


@check("blob-mount")
def c_mount(reg):
    a, b, c, e = (reg.repo(x) for x in ("mount-a", "mount-b", "mount-c", "mount-empty"))
    data = rand_bytes(700)
    d = reg.push_blob(a, data)
    r = reg.c.request("POST", "/v2/%s/blobs/uploads/?mount=%s&from=%s" % (b, d, a))
    want_status(r, 201, "POST ?mount=&from=")
    want(r.h("Location"), "mount: no Location")
    want(r.h("Docker-Content-Digest") == d, "mount: Docker-Content-Digest %r" %
         r.h("Docker-Content-Digest"))
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (b, d))
    want(g.status == 200 and g.body == data, "GET mounted blob: %s" % g.brief())
    # from a repository that does not hold the blob: an upload session instead
    reg.push_blob(e, rand_bytes(5))
    for frm in (e, reg.repo("mount-nowhere")):
        r = reg.c.request("POST", "/v2/%s/blobs/uploads/?mount=%s&from=%s" % (c, d, frm))
        want_status(r, 202, "mount from %s without the blob" % frm)
        want(r.h("Location"), "mount fallback: no Location")
        g = reg.c.request("HEAD", "/v2/%s/blobs/%s" % (c, d))
        want_status(g, 404, "blob not visible in C after a refused mount")
    p = reg.c.request("PUT", with_query(r.h("Location"), digest=d), body=data)
    want_status(p, 201, "PUT on the fallback session")
    g = reg.c.request("GET", "/v2/%s/blobs/%s" % (c, d))
    want(g.status == 200 and g.body == data, "GET blob after fallback upload: %s" % g.brief())


def check_manifest_get(reg, repo, ref, body, mt, accept=ALL_MANIFESTS):
    g = reg.get_manifest(repo, ref, accept=accept)
    want_status(g, 200, "GET manifest %s" % ref)
    want(g.body == body, "GET manifest %s: bytes differ" % ref)
    want((g.h("Content-Type") or "").split(";")[0].strip() == mt,
         "GET manifest %s: Content-Type %r, want %s" % (ref, g.h("Content-Type"), mt))
    want(g.h("Docker-Content-Digest") == sha256(body),
         "GET manifest %s: Docker-Content-Digest %r" % (ref, g.h("Docker-Content-Digest")))
    h = reg.get_manifest(repo, ref, method="HEAD", accept=accept)
    want_status(h, 200, "HEAD manifest %s" % ref)
    want(h.h("Content-Length") == str(len(body)), "HEAD manifest %s: Content-Length %r" %
         (ref, h.h("Content-Length")))
    want((h.h("Content-Type") or "").split(";")[0].strip() == mt,
         "HEAD manifest %s: Content-Type %r" % (ref, h.h("Content-Type")))
    want(h.h("Docker-Content-Digest") == sha256(body), "HEAD manifest %s: Docker-Content-Digest"
         % ref)


@check("manifest-oci-put-get")
def c_manifest_oci(reg):
    repo = reg.repo("man-oci")
    img = reg.image(repo, None)  # pushed by digest
    r = reg.put_manifest(repo, "v1", img["body"], OCI_MANIFEST)
    want_status(r, 201, "PUT manifest by tag")
    want(r.h("Location"), "PUT manifest: no Location")
    want(r.h("Docker-Content-Digest") == img["digest"], "PUT manifest: Docker-Content-Digest %r" %
         r.h("Docker-Content-Digest"))
    r = reg.put_manifest(repo, img["digest"], img["body"], OCI_MANIFEST)
    want_status(r, 201, "PUT manifest by digest")
    want(r.h("Location"), "PUT manifest by digest: no Location")
    want(r.h("Docker-Content-Digest") == img["digest"], "PUT by digest: Docker-Content-Digest")
    for ref in ("v1", img["digest"]):
        check_manifest_get(reg, repo, ref, img["body"], OCI_MANIFEST)
    # re-tag and overwrite a tag
    img2 = reg.image(repo, "v2")
    r = reg.put_manifest(repo, "v1", img2["body"], OCI_MANIFEST)
    want_status(r, 201, "PUT existing tag with another manifest")
    check_manifest_get(reg, repo, "v1", img2["body"], OCI_MANIFEST)
    check_manifest_get(reg, repo, img["digest"], img["body"], OCI_MANIFEST)
    # PUT by a digest that is not the body's
    r = reg.put_manifest(repo, sha256(b"other"), img["body"], OCI_MANIFEST)
    want_error(r, 400, "DIGEST_INVALID", "PUT manifest by a wrong digest")


@check("manifest-oci-index")
def c_manifest_index(reg):
    repo = reg.repo("man-index")
    kids = [reg.image(repo, None, platform={"architecture": a}) for a in ("amd64", "arm64")]
    idx = {"schemaVersion": 2, "mediaType": OCI_INDEX,
           "manifests": [{"mediaType": OCI_MANIFEST, "digest": k["digest"], "size": k["size"],
                          "platform": {"architecture": a, "os": "linux"}}
                         for k, a in zip(kids, ("amd64", "arm64"))]}
    body = dumps(idx)
    r = reg.put_manifest(repo, "multi", body, OCI_INDEX)
    want_status(r, 201, "PUT OCI index")
    want(r.h("Docker-Content-Digest") == sha256(body), "PUT index: Docker-Content-Digest")
    check_manifest_get(reg, repo, "multi", body, OCI_INDEX)
    check_manifest_get(reg, repo, sha256(body), body, OCI_INDEX)
    # an index whose child is missing
    bad = dict(idx)
    bad["manifests"] = idx["manifests"] + [{"mediaType": OCI_MANIFEST, "size": 10,
                                           "digest": sha256(b"missing child " + rand_bytes(4))}]
    r = reg.put_manifest(repo, "broken", dumps(bad), OCI_INDEX)
    want_error(r, 400, "MANIFEST_BLOB_UNKNOWN", "PUT index with a missing child")


@check("manifest-docker-schema2")
def c_manifest_docker(reg):
    repo = reg.repo("man-docker")
    kids = [reg.image(repo, "k%d" % i, docker=True, platform={"architecture": a})
            for i, a in enumerate(("amd64", "arm64"))]
    check_manifest_get(reg, repo, "k0", kids[0]["body"], D2_MANIFEST)
    check_manifest_get(reg, repo, kids[0]["digest"], kids[0]["body"], D2_MANIFEST, accept=D2_MANIFEST)
    lst = {"schemaVersion": 2, "mediaType": D2_LIST,
           "manifests": [{"mediaType": D2_MANIFEST, "digest": k["digest"], "size": k["size"],
                          "platform": {"architecture": a, "os": "linux"}}
                         for k, a in zip(kids, ("amd64", "arm64"))]}
    body = dumps(lst)
    r = reg.put_manifest(repo, "list", body, D2_LIST)
    want_status(r, 201, "PUT docker manifest list")
    check_manifest_get(reg, repo, "list", body, D2_LIST)


@check("manifest-blob-unknown")
def c_manifest_blob_unknown(reg):
    repo = reg.repo("man-blob-unknown")
    img = reg.image(repo, "ok")
    man = json.loads(img["body"])
    man["layers"].append({"mediaType": OCI_LAYER, "size": 5,
                          "digest": sha256(b"absent layer " + rand_bytes(4))})
    r = reg.put_manifest(repo, "bad-layer", dumps(man), OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_BLOB_UNKNOWN", "PUT manifest with a missing layer")
    man = json.loads(img["body"])
    man["config"]["digest"] = sha256(b"absent config " + rand_bytes(4))
    r = reg.put_manifest(repo, "bad-config", dumps(man), OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_BLOB_UNKNOWN", "PUT manifest with a missing config")
    # a blob of another repository is not enough
    other = reg.repo("man-blob-other")
    layer = rand_bytes(50)
    ld = reg.push_blob(other, layer)
    man = json.loads(img["body"])
    man["layers"] = [{"mediaType": OCI_LAYER, "size": len(layer), "digest": ld}]
    r = reg.put_manifest(repo, "foreign-layer", dumps(man), OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_BLOB_UNKNOWN", "PUT manifest with another repo's layer")
    g = reg.get_manifest(repo, "bad-layer")
    want_error(g, 404, "MANIFEST_UNKNOWN", "GET rejected manifest's tag")


@check("manifest-invalid")
def c_manifest_invalid(reg):
    repo = reg.repo("man-invalid")
    img = reg.image(repo, "ok")
    r = reg.put_manifest(repo, "garbage", b"{not json", OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_INVALID", "PUT invalid JSON")
    r = reg.put_manifest(repo, "array", b"[1,2]", OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_INVALID", "PUT JSON array")
    r = reg.put_manifest(repo, "empty", b"", OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_INVALID", "PUT empty body")
    man = json.loads(img["body"])
    r = reg.put_manifest(repo, "nolayers-cfg", dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                                        "layers": man["layers"]}), OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_INVALID", "PUT manifest without config", dev="manifest-strict")
    s = img["body"].decode()
    dup = s[:-1] + ',"schemaVersion":2}'
    r = reg.put_manifest(repo, "dupkeys", dup.encode(), OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_INVALID", "PUT manifest with duplicate keys", dev="manifest-strict")
    r = reg.put_manifest(repo, "wrongtype", img["body"], OCI_INDEX)
    want_error(r, 400, "MANIFEST_INVALID", "PUT manifest body with Content-Type of an index",
               dev="manifest-strict")
    man["mediaType"] = OCI_INDEX
    r = reg.put_manifest(repo, "contradicts", dumps(man), OCI_MANIFEST)
    want_error(r, 400, "MANIFEST_INVALID", "PUT manifest whose mediaType contradicts Content-Type",
               dev="manifest-strict")
    for t in ("garbage", "dupkeys", "wrongtype", "contradicts"):
        g = reg.get_manifest(repo, t)
        want(g.status == 404, "rejected manifest %s became visible: %s" % (t, g.brief()),
             dev="manifest-strict")


@check("manifest-too-large")
def c_manifest_large(reg):
    repo = reg.repo("man-large")
    img = reg.image(repo, "ok")
    man = json.loads(img["body"])
    man["annotations"] = {"org.cairn.test.pad": "x" * (4 * 1024 * 1024 + 100)}
    body = dumps(man)
    r = reg.put_manifest(repo, "big", body, OCI_MANIFEST)
    want_status(r, 413, "PUT manifest over 4 MiB", dev="manifest-413")
    g = reg.get_manifest(repo, "big")
    want_status(g, 404, "GET over-size manifest")
    # just under the limit is accepted (the spec: SHOULD accept at least 4 MiB)
    man["annotations"] = {"org.cairn.test.pad": "x"}
    base = len(dumps(man))
    man["annotations"]["org.cairn.test.pad"] = "x" * (4 * 1024 * 1024 - base - 1)
    body = dumps(man)
    want(len(body) < 4 * 1024 * 1024, "test bug: body %d" % len(body))
    r = reg.put_manifest(repo, "just-under", body, OCI_MANIFEST)
    want_status(r, 201, "PUT manifest just under 4 MiB")


@check("manifest-unknown")
def c_manifest_unknown(reg):
    repo = reg.repo("man-unknown")
    reg.image(repo, "ok")
    for ref in ("nope", sha256(b"no such manifest " + rand_bytes(4))):
        for m in ("GET", "HEAD"):
            g = reg.get_manifest(repo, ref, method=m)
            want_error(g, 404, "MANIFEST_UNKNOWN", "%s unknown manifest %s" % (m, ref))
    r = reg.c.request("DELETE", "/v2/%s/manifests/%s" % (repo, sha256(b"x" + rand_bytes(4))))
    want_error(r, 404, "MANIFEST_UNKNOWN", "DELETE unknown manifest")


@check("repo-unknown")
def c_repo_unknown(reg):
    repo = reg.repo("never-pushed-" + rand_word(4))
    r = reg.c.request("GET", "/v2/%s/tags/list" % repo)
    want_error(r, 404, "NAME_UNKNOWN", "tags list of an unknown repo")
    r = reg.get_manifest(repo, "latest")
    want_error(r, 404, ("NAME_UNKNOWN", "MANIFEST_UNKNOWN"), "GET manifest in an unknown repo")
    r = reg.c.request("GET", "/v2/%s/blobs/%s" % (repo, sha256(b"q")))
    want_error(r, 404, ("NAME_UNKNOWN", "BLOB_UNKNOWN"), "GET blob in an unknown repo")


@check("name-invalid")
def c_name_invalid(reg):
    for name in ("UPPER/case", "a..b", "-lead", "trail-", "x/" + "a" * 300, "a//b", "a/./b",
                 "%2e%2e/etc"):
        for path in ("/v2/%s/tags/list", "/v2/%s/manifests/latest", "/v2/%s/blobs/uploads/"):
            p = path % name
            r = reg.c.request("POST" if "uploads" in p else "GET", p)
            want(r.status in (400, 404), "%s: want 400 NAME_INVALID or 404, got %s" % (p, r.brief()),
                 dev="name-invalid")
            if r.status == 400:
                want_error(r, 400, "NAME_INVALID", p)
            else:
                want(r.json() is not None, "%s: 404 without a JSON error body" % p, dev="name-invalid")
                want_error(r, 404, (), p, dev="name-invalid")


def parse_link_next(r):
    for v in r.hall("Link"):
        m = re.search(r'<([^>]*)>\s*;\s*rel="?next"?', v)
        if m:
            return m.group(1)
    return None


@check("tags-list-pagination")
def c_tags(reg):
    repo = reg.repo("tags")
    img = reg.image(repo, None)
    tags = ["a1", "b2", "c3", "d4", "e5", "v1.0", "latest"]
    for t in tags:
        reg.push_manifest(repo, t, img["body"], OCI_MANIFEST)
    want_all = sorted(tags)
    r = reg.c.request("GET", "/v2/%s/tags/list" % repo)
    want_status(r, 200, "tags list")
    j = r.json() or {}
    want(j.get("name") == repo, "tags list: name %r" % j.get("name"))
    want(j.get("tags") == want_all, "tags list: %r, want %r" % (j.get("tags"), want_all),
         dev="tags-order")
    # n only
    r = reg.c.request("GET", "/v2/%s/tags/list?n=3" % repo)
    want_status(r, 200, "tags list ?n=3")
    want((r.json() or {}).get("tags") == want_all[:3], "tags ?n=3: %r" % (r.json() or {}).get("tags"),
         dev="tags-pagination")
    nxt = parse_link_next(r)
    want(nxt, "tags ?n=3: no Link rel=\"next\" header", dev="tags-pagination")
    got, pages = list((r.json() or {}).get("tags", [])), 1
    while nxt and pages < 10:
        r = reg.c.request("GET", nxt)
        want_status(r, 200, "GET Link next %s" % nxt)
        page = (r.json() or {}).get("tags") or []
        want(len(page) <= 3, "tags page longer than n: %r" % page)
        got += page
        pages += 1
        nxt = parse_link_next(r)
    want(got == want_all, "tags via Link pages: %r" % got)
    want(pages == 3, "tags via Link: %d pages for 7 tags by 3" % pages)
    r = reg.c.request("GET", "/v2/%s/tags/list?n=2&last=c3" % repo)
    want((r.json() or {}).get("tags") == ["d4", "e5"], "tags ?n=2&last=c3: %r" %
         (r.json() or {}).get("tags"))
    r = reg.c.request("GET", "/v2/%s/tags/list?last=e5" % repo)
    want((r.json() or {}).get("tags") == ["latest", "v1.0"], "tags ?last=e5: %r" %
         (r.json() or {}).get("tags"))
    r = reg.c.request("GET", "/v2/%s/tags/list?n=0" % repo)
    want_status(r, 200, "tags ?n=0")
    want(not (r.json() or {}).get("tags"), "tags ?n=0: %r" % (r.json() or {}).get("tags"))
    want(parse_link_next(r) is None, "tags ?n=0: Link header present")
    r = reg.c.request("GET", "/v2/%s/tags/list?n=7" % repo)
    want(parse_link_next(r) is None or (reg.c.request("GET", parse_link_next(r)).json() or {})
         .get("tags") in ([], None), "tags ?n=7 (all): a Link to a non-empty page")
    for bad in ("n=-1", "n=abc"):
        r = reg.c.request("GET", "/v2/%s/tags/list?%s" % (repo, bad))
        want(r.status in (200, 400), "tags ?%s: %s" % (bad, r.brief()))


def walk_catalog(reg, first):
    r = reg.c.request("GET", first)
    walked, pages = [], 0
    while True:
        want_status(r, 200, "catalog page %d" % pages)
        page = (r.json() or {}).get("repositories")
        want(isinstance(page, list), "catalog: no repositories list: %s" % r.brief())
        want(page == sorted(page), "catalog page not sorted: %r" % page[:10])
        walked += page
        pages += 1
        nxt = parse_link_next(r)
        if not nxt or pages > 10000:
            return walked, pages
        r = reg.c.request("GET", nxt)


@check("catalog-pagination")
def c_catalog(reg):
    mine = sorted(reg.repo("cat-%d" % i) for i in range(4))
    for rp in mine:
        reg.image(rp, "t")
    allr, pages = walk_catalog(reg, "/v2/_catalog?n=50")
    want(allr == sorted(set(allr)), "catalog walk by n=50: not sorted or duplicates")
    want(all(x in allr for x in mine), "catalog: missing %s" % [x for x in mine if x not in allr])
    want(pages == (len(allr) + 49) // 50 or pages == len(allr) // 50 + 1,
         "catalog: %d pages for %d repositories by 50" % (pages, len(allr)))
    # page through with n=2 starting just before our repos
    start = mine[0][:-1]
    r = reg.c.request("GET", "/v2/_catalog?n=2&last=%s" % urllib.parse.quote(start, safe=""))
    want_status(r, 200, "catalog ?n=2&last=")
    got = (r.json() or {}).get("repositories") or []
    want(got == mine[:2], "catalog ?n=2&last=%s: %r" % (start, got))
    nxt = parse_link_next(r)
    want(nxt, "catalog ?n=2: no Link rel=\"next\"")
    r = reg.c.request("GET", nxt)
    want(((r.json() or {}).get("repositories") or [])[:2] == mine[2:4],
         "catalog next page: %r" % (r.json() or {}).get("repositories"))
    r = reg.c.request("GET", "/v2/_catalog?n=0")
    want(r.status in (200, 400), "catalog ?n=0: %s" % r.brief())
    if r.status == 200:
        want(not (r.json() or {}).get("repositories"), "catalog ?n=0 lists repositories")


@check("manifest-delete-by-digest")
def c_delete_digest(reg):
    repo = reg.repo("del-digest")
    img = reg.image(repo, "v1")
    keep = reg.image(repo, "keep")
    r = reg.c.request("DELETE", "/v2/%s/manifests/%s" % (repo, img["digest"]))
    want_status(r, 202, "DELETE manifest by digest")
    for ref in (img["digest"], "v1"):
        g = reg.get_manifest(repo, ref)
        want_error(g, 404, "MANIFEST_UNKNOWN", "GET %s after delete" % ref)
    r = reg.c.request("DELETE", "/v2/%s/manifests/%s" % (repo, img["digest"]))
    want_error(r, 404, "MANIFEST_UNKNOWN", "DELETE again")
    t = reg.c.request("GET", "/v2/%s/tags/list" % repo)
    want((t.json() or {}).get("tags") == ["keep"], "tags after delete: %r" % (t.json() or {}).get("tags"))
    check_manifest_get(reg, repo, "keep", keep["body"], OCI_MANIFEST)


@check("manifest-delete-by-tag")
def c_delete_tag(reg):
    repo = reg.repo("del-tag")
    img = reg.image(repo, "t1")
    reg.push_manifest(repo, "t2", img["body"], OCI_MANIFEST)
    r = reg.c.request("DELETE", "/v2/%s/manifests/t1" % repo)
    want_status(r, 202, "DELETE manifest by tag", dev="tag-delete")
    g = reg.get_manifest(repo, "t1")
    want_error(g, 404, "MANIFEST_UNKNOWN", "GET deleted tag")
    check_manifest_get(reg, repo, "t2", img["body"], OCI_MANIFEST)
    check_manifest_get(reg, repo, img["digest"], img["body"], OCI_MANIFEST)
    r = reg.c.request("DELETE", "/v2/%s/manifests/t1" % repo)
    want_error(r, 404, "MANIFEST_UNKNOWN", "DELETE deleted tag")


def empty_blob(reg, repo):
    return reg.push_blob(repo, b"{}")


def artifact(reg, repo, subject, artifact_type=None, config_type=OCI_EMPTY, annotations=None):
    e = empty_blob(reg, repo)
    man = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": config_type, "digest": e, "size": 2},
           "layers": [{"mediaType": OCI_EMPTY, "digest": e, "size": 2}],
           "subject": {"mediaType": subject["media_type"], "digest": subject["digest"],
                       "size": subject["size"]}}
    if artifact_type:
        man["artifactType"] = artifact_type
    if annotations:
        man["annotations"] = annotations
    return dumps(man)


@check("referrers")
def c_referrers(reg):
    repo = reg.repo("referrers")
    subj = reg.image(repo, "v1")
    sig = artifact(reg, repo, subj, "application/vnd.cairn.test.sig",
                   annotations={"org.cairn.test.kind": "signature"})
    r = reg.put_manifest(repo, sha256(sig), sig, OCI_MANIFEST)
    want_status(r, 201, "PUT artifact with subject")
    want(r.h("OCI-Subject") == subj["digest"], "PUT with subject: OCI-Subject %r" % r.h("OCI-Subject"),
         dev="referrers")
    sbom = artifact(reg, repo, subj, None, config_type="application/vnd.cairn.test.sbom")
    reg.push_manifest(repo, sha256(sbom), sbom, OCI_MANIFEST)
    g = reg.c.request("GET", "/v2/%s/referrers/%s" % (repo, subj["digest"]))
    want_status(g, 200, "GET referrers", dev="referrers")
    want((g.h("Content-Type") or "").split(";")[0] == OCI_INDEX, "referrers Content-Type %r" %
         g.h("Content-Type"))
    j = g.json() or {}
    want(j.get("schemaVersion") == 2 and j.get("mediaType") == OCI_INDEX,
         "referrers: not an OCI index: %s" % g.brief())
    by = {m.get("digest"): m for m in j.get("manifests", [])}
    want(set(by) == {sha256(sig), sha256(sbom)}, "referrers: digests %r" % list(by))
    s = by[sha256(sig)]
    want(s.get("mediaType") == OCI_MANIFEST and s.get("size") == len(sig),
         "referrer descriptor: %r" % s)
    want(s.get("artifactType") == "application/vnd.cairn.test.sig", "referrer artifactType %r" % s)
    want(s.get("annotations") == {"org.cairn.test.kind": "signature"},
         "referrer annotations %r" % s.get("annotations"))
    want(by[sha256(sbom)].get("artifactType") == "application/vnd.cairn.test.sbom",
         "artifactType from config.mediaType: %r" % by[sha256(sbom)])
    # filter
    g = reg.c.request("GET", "/v2/%s/referrers/%s?artifactType=%s" %
                      (repo, subj["digest"], urllib.parse.quote("application/vnd.cairn.test.sig",
                                                                safe="")))
    want_status(g, 200, "GET referrers ?artifactType=")
    want(g.h("OCI-Filters-Applied") == "artifactType", "OCI-Filters-Applied %r" %
         g.h("OCI-Filters-Applied"))
    got = [m.get("digest") for m in (g.json() or {}).get("manifests", [])]
    want(got == [sha256(sig)], "filtered referrers %r" % got)
    # unknown subject: 200 and an empty index
    g = reg.c.request("GET", "/v2/%s/referrers/%s" % (repo, sha256(b"nothing" + rand_bytes(4))))
    want_status(g, 200, "referrers of an unknown digest")
    j = g.json() or {}
    want(j.get("manifests") == [] and j.get("mediaType") == OCI_INDEX,
         "referrers of an unknown digest: %s" % g.brief())
    g = reg.c.request("GET", "/v2/%s/referrers/sha256:zzz" % repo)
    want_error(g, 400, "DIGEST_INVALID", "referrers of a malformed digest")
    # a referrer pushed before its subject is accepted and listed
    ghost = {"media_type": OCI_MANIFEST, "digest": sha256(b"future subject" + rand_bytes(4)),
             "size": 100}
    early = artifact(reg, repo, ghost, "application/vnd.cairn.test.early")
    r = reg.put_manifest(repo, sha256(early), early, OCI_MANIFEST)
    want_status(r, 201, "PUT referrer before its subject")
    want(r.h("OCI-Subject") == ghost["digest"], "OCI-Subject for a missing subject")
    g = reg.c.request("GET", "/v2/%s/referrers/%s" % (repo, ghost["digest"]))
    got = [m.get("digest") for m in (g.json() or {}).get("manifests", [])]
    want(got == [sha256(early)], "referrers of a missing subject: %r" % got)
    # deleting a referrer removes it from the list
    r = reg.c.request("DELETE", "/v2/%s/manifests/%s" % (repo, sha256(sbom)))
    want_status(r, 202, "DELETE referrer")
    g = reg.c.request("GET", "/v2/%s/referrers/%s" % (repo, subj["digest"]))
    got = [m.get("digest") for m in (g.json() or {}).get("manifests", [])]
    want(got == [sha256(sig)], "referrers after DELETE: %r" % got)
    # referrers are per repository
    g = reg.c.request("GET", "/v2/%s/referrers/%s" % (reg.repo("referrers-other"), subj["digest"]))
    want(g.status == 404 or (g.json() or {}).get("manifests") == [],
         "referrers via another repo: %s" % g.brief())


@check("error-shape")
def c_error_shape(reg):
    repo = reg.repo("errshape")
    reg.push_blob(repo, b"e")
    cases = [
        ("GET", "/v2/%s/blobs/%s" % (repo, sha256(b"nope")), 404, "BLOB_UNKNOWN"),
        ("GET", "/v2/%s/manifests/nope" % repo, 404, "MANIFEST_UNKNOWN"),
        ("GET", "/v2/%s/blobs/uploads/nope" % repo, 404, "BLOB_UPLOAD_UNKNOWN"),
        ("PUT", "/v2/%s/manifests/x" % repo, 400, "MANIFEST_INVALID"),
    ]
    for m, p, st, code in cases:
        r = reg.c.request(m, p, headers={"Content-Type": OCI_MANIFEST} if m == "PUT" else None)
        want_error(r, st, code, "%s %s" % (m, p), dev="upload-unknown" if "uploads" in p else None)
        want((r.h("Content-Type") or "").startswith("application/json"),
             "%s %s: error Content-Type %r" % (m, p, r.h("Content-Type")))


@check("method-not-allowed")
def c_methods(reg):
    repo = reg.repo("methods")
    reg.image(repo, "v1")
    for m, p in (("PUT", "/v2/"), ("DELETE", "/v2/%s/tags/list" % repo),
                 ("POST", "/v2/%s/manifests/v1" % repo)):
        r = reg.c.request(m, p)
        want(r.status in (404, 405, 400), "%s %s: %s" % (m, p, r.brief()), dev="methods")


@check("v1-ping")
def c_v1_ping(reg):
    r = reg.c.request("GET", "/v1/_ping")
    want_status(r, 200, "GET /v1/_ping", dev="v1-search")


def search(reg, q, **kw):
    params = dict(q=q)
    params.update(kw)
    r = reg.c.request("GET", "/v1/search?" + urllib.parse.urlencode(params))
    want_status(r, 200, "GET /v1/search?%s" % urllib.parse.urlencode(params), dev="v1-search")
    j = r.json()
    want(isinstance(j, dict), "search: not a JSON object: %s" % r.brief())
    for k in ("num_pages", "num_results", "page_size", "page", "query", "results"):
        want(k in j, "search: no %r in %s" % (k, r.brief()))
    for res in j["results"]:
        for k, t in (("name", str), ("description", str), ("star_count", int),
                     ("pull_count", int), ("is_official", bool), ("is_automated", bool)):
            want(isinstance(res.get(k), t), "search result %r: %s not %s" % (res, k, t.__name__))
    return j


def names(j):
    return [x["name"] for x in j["results"]]


@check("v1-search")
def c_search(reg):
    r = reg.c.request("GET", "/v1/search?q=x")
    want(r.status == 200, "GET /v1/search: %s" % r.brief(), dev="v1-search")
    t = "srch" + rand_word(6)
    exact, prefix, sub = t, t + "-tools", "aa" + t
    desc = "descr" + rand_word(6)
    for n in (sub, prefix, exact):
        reg.image(n, "latest", labels={DESC_LABEL: "the %s image" % n})
    reg.image(desc, "latest", labels={DESC_LABEL: "mentions %s in its description" % t})
    reg.image("unrelated" + rand_word(5), "latest", labels={DESC_LABEL: "nothing to see"})
    j = search(reg, t)
    want(j["query"] == t, "search: query %r" % j["query"])
    want(names(j) == [exact, prefix, sub, desc], "search ranking: %r, want exact, prefix, "
         "substring, description" % names(j))
    want(j["num_results"] == 4, "search: num_results %r" % j["num_results"])
    res = {x["name"]: x for x in j["results"]}
    want(res[exact]["description"] == "the %s image" % exact, "search description %r" %
         res[exact]["description"])
    want(res[exact]["is_official"] is False, "non-library repo reported official")
    # pagination and n clamping
    j = search(reg, t, n=1, page=2)
    want(names(j) == [prefix] and j["page"] == 2 and j["page_size"] == 1 and j["num_pages"] == 4,
         "search n=1 page=2: %r" % {k: j[k] for k in ("page", "page_size", "num_pages")})
    j = search(reg, t, n=1000)
    want(j["page_size"] == 100, "search n=1000: page_size %r, want 100" % j["page_size"])
    j = search(reg, t, n=0)
    want(1 <= j["page_size"] <= 100, "search n=0: page_size %r" % j["page_size"])
    want(search(reg, "zz" + rand_word(10))["results"] == [], "search for nothing: results")
    # pull counts grow with manifest GETs
    before = res[exact]["pull_count"]
    for _ in range(3):
        want_status(reg.get_manifest(exact, "latest"), 200, "GET manifest")
    after = {x["name"]: x for x in search(reg, t)["results"]}[exact]["pull_count"]
    want(after >= before + 3, "pull_count %d -> %d after 3 manifest GETs" % (before, after))
    # library/* is official
    u = "offi" + rand_word(6)
    reg.image("library/" + u, "latest", labels={DESC_LABEL: "official one"})
    j = search(reg, u)
    want(len(j["results"]) == 1 and j["results"][0]["is_official"] is True,
         "library/%s: %r" % (u, j["results"]))
    want(j["results"][0]["name"] in (u, "library/" + u), "official name %r" % j["results"][0]["name"])


@check("no-server-errors")
def c_no_5xx(reg):
    bad = [e for e in SERVER_ERRORS if e[0] not in DEVIATED]
    want(not bad, "5xx answers: %s" % "; ".join("%s: %s %s -> %d" % e for e in bad[:8]))


DEVIATED = set()

# ------------------------------------------------------------------ auth checks

AUTH_CHECKS = []


def acheck(name):
    def deco(fn):
        AUTH_CHECKS.append((name, fn))
        return fn
    return deco


class AuthCtx:
    def __init__(self, args, prefix):
        self.args = args
        self.base = args.url
        self.mode = args.auth_mode
        self.anon_pull = args.anonymous_pull
        self.u1, self.p1 = args.creds.split(":", 1)
        self.u2, self.p2 = args.creds2.split(":", 1)
        self.service = args.service
        self.prefix = prefix
        self.pub = "%s-pub" % prefix  # no slash: "*" matches it whatever its glob flavour
        self.priv = "private/%s" % prefix
        self.realm = None

    def client(self, who=None, auto=True):
        if who == 1:
            return Client(self.base, self.u1, self.p1, auto_auth=auto)
        if who == 2:
            return Client(self.base, self.u2, self.p2, auto_auth=auto)
        return Client(self.base, None, None, auto_auth=auto)

    def reg(self, who=None):
        return Registry(self.client(who), self.prefix)


def challenge(r, what):
    want_status(r, 401, what)
    scheme, params = parse_challenge(r.h("WWW-Authenticate"))
    want(scheme in ("bearer", "basic"), "%s: WWW-Authenticate %r" % (what, r.h("WWW-Authenticate")))
    return scheme, params


def want_denied(r, what, dev=None):
    want(r.status in (401, 403), "%s: want 401/403, got %s" % (what, r.brief()), dev)
    if r.method != "HEAD" and r.status in (401, 403):
        codes = check_error_shape(r, what)
        want(any(c in ("UNAUTHORIZED", "DENIED", "INSUFFICIENT_SCOPE") for c in codes),
             "%s: codes %r" % (what, codes))


def auth_setup(ctx):
    a = ctx.reg(1)
    ctx.pub_img = a.image(ctx.pub, "v1")
    ctx.priv_img = a.image(ctx.priv, "v1")
    r = ctx.client(None, auto=False).raw("POST", "/v2/%s/blobs/uploads/" % ctx.pub)
    scheme, params = parse_challenge(r.h("WWW-Authenticate"))
    ctx.realm = params.get("realm")
    want(ctx.mode != "token" or ctx.realm, "no Bearer realm in the push challenge: %s (%r)" %
         (r.brief(), r.h("WWW-Authenticate")))


@acheck("auth-ping-challenge")
def a_ping(ctx):
    r = ctx.client(None, auto=False).raw("GET", "/v2/")
    if ctx.anon_pull and r.status == 200:
        return
    scheme, params = challenge(r, "anonymous GET /v2/")
    want(r.h("Docker-Distribution-API-Version") == "registry/2.0",
         "401 /v2/ without Docker-Distribution-API-Version")
    if ctx.mode == "token":
        want(scheme == "bearer", "token mode: challenge %r" % r.h("WWW-Authenticate"))
        want(re.fullmatch(r"https?://[^/]+/token", params.get("realm", "")),
             "realm %r" % params.get("realm"), dev="auth-rules")
        want(params.get("service") == ctx.service, "service %r" % params.get("service"))
    else:
        want(scheme == "basic" and "realm" in params, "basic mode: challenge %r" %
             r.h("WWW-Authenticate"))
    check_error_shape(r, "401 /v2/")


@acheck("auth-anonymous-pull")
def a_anon_pull(ctx):
    raw = ctx.client(None, auto=False).raw("GET", "/v2/%s/manifests/v1" % ctx.pub,
                                           headers={"Accept": ALL_MANIFESTS})
    if ctx.anon_pull and (ctx.mode == "basic" or raw.status == 200):
        # Basic mode: no credentials at all; token mode: with or without an anonymous token
        want_status(raw, 200, "anonymous pull (anonymous_pull true)")
        want(raw.body == ctx.pub_img["body"], "anonymous pull: bytes")
        return
    scheme, params = challenge(raw, "anonymous GET manifest")
    want_error(raw, 401, "UNAUTHORIZED", "anonymous GET manifest")
    if ctx.mode == "token":
        want(params.get("scope") == "repository:%s:pull" % ctx.pub, "challenge scope %r" %
             params.get("scope"))
        want(params.get("service") == ctx.service, "challenge service %r" % params.get("service"))
    r = ctx.reg(None).get_manifest(ctx.pub, "v1")
    if ctx.anon_pull:
        want_status(r, 200, "anonymous pull with an anonymous token")
        want(r.body == ctx.pub_img["body"], "anonymous pull: bytes")
    else:
        want_denied(r, "anonymous pull (anonymous_pull false)")


@acheck("auth-anonymous-push-denied")
def a_anon_push(ctx):
    raw = ctx.client(None, auto=False).raw("POST", "/v2/%s/blobs/uploads/" % ctx.pub)
    scheme, params = challenge(raw, "anonymous POST upload")
    if ctx.mode == "token":
        want("push" in params.get("scope", ""), "push challenge scope %r" % params.get("scope"))
    r = ctx.client(None).request("POST", "/v2/%s/blobs/uploads/" % ctx.pub)
    want_denied(r, "anonymous push")
    r = ctx.client(None).request("PUT", "/v2/%s/manifests/anon" % ctx.pub, body=ctx.pub_img["body"],
                                 headers={"Content-Type": OCI_MANIFEST})
    want_denied(r, "anonymous manifest PUT")


@acheck("auth-user-push-pull")
def a_user(ctx):
    for who in (1, 2):
        reg = ctx.reg(who)
        img = reg.image("%s-user%d" % (ctx.prefix, who), "v1")
        g = reg.get_manifest("%s-user%d" % (ctx.prefix, who), "v1")
        want(g.status == 200 and g.body == img["body"], "user %d pull: %s" % (who, g.brief()))
        g = reg.get_manifest(ctx.pub, "v1")
        want_status(g, 200, "user %d pull of the public repo" % who)


@acheck("auth-wrong-password")
def a_wrong_pw(ctx):
    c = Client(ctx.base, ctx.u1, ctx.p1 + "x")
    if ctx.mode == "token":
        want(ctx.realm, "no realm")
        r = c.fetch_token(ctx.realm, ctx.service, ["repository:%s:pull" % ctx.pub])
        want_status(r, 401, "token with a wrong password")
        r = Client(ctx.base, "nosuchuser", "pw").fetch_token(ctx.realm, ctx.service,
                                                             ["repository:%s:pull" % ctx.pub])
        want_status(r, 401, "token for an unknown user")
    r = c.raw("GET", "/v2/", headers={"Authorization": c.basic_header()})
    want_status(r, 401, "GET /v2/ with a wrong Basic password")
    if ctx.mode == "basic":
        for path in ("/v2/%s/manifests/v1" % ctx.priv, "/v2/%s/manifests/v1" % ctx.pub):
            r = c.raw("GET", path, headers={"Authorization": c.basic_header()})
            want_status(r, 401, "pull with a wrong Basic password")
    elif not ctx.anon_pull:
        r = c.request("GET", "/v2/%s/manifests/v1" % ctx.priv)
        want(r.status in (401, 403), "pull of private/* after a refused token: %s" % r.brief())


def jwt_claims(tok):
    parts = tok.split(".")
    want(len(parts) == 3, "token is not a JWT (%d parts)" % len(parts))
    pad = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(pad))
    except ValueError:
        raise Failure("JWT payload is not JSON")


@acheck("auth-token-response")
def a_token_shape(ctx):
    if ctx.mode != "token":
        raise Skip("basic mode")
    c = ctx.client(1)
    r = c.fetch_token(ctx.realm, ctx.service, ["repository:%s:pull" % ctx.pub])
    want_status(r, 200, "token request")
    j = r.json() or {}
    want(isinstance(j.get("token"), str) and j.get("token"), "token: %s" % r.brief())
    want(j.get("access_token") == j.get("token"), "access_token differs from token")
    want(isinstance(j.get("expires_in"), int) and j["expires_in"] > 0, "expires_in %r" %
         j.get("expires_in"))
    want(isinstance(j.get("issued_at"), str) and
         re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", j["issued_at"]), "issued_at %r" %
         j.get("issued_at"))
    cl = jwt_claims(j["token"])
    want(cl.get("aud") == ctx.service, "JWT aud %r" % cl.get("aud"))
    want(cl.get("sub") == ctx.u1, "JWT sub %r" % cl.get("sub"))
    acc = cl.get("access")
    want(acc == [{"type": "repository", "name": ctx.pub, "actions": ["pull"]}],
         "JWT access %r" % acc)
    # the token works for that scope
    g = c.raw("GET", "/v2/%s/manifests/v1" % ctx.pub, headers={
        "Authorization": "Bearer " + j["token"], "Accept": ALL_MANIFESTS})
    want_status(g, 200, "pull with the token")
    # and not for another repository
    g = c.raw("GET", "/v2/%s/manifests/v1" % ctx.priv, headers={
        "Authorization": "Bearer " + j["token"], "Accept": ALL_MANIFESTS})
    want_denied(g, "token of another repository")
    # a tampered token is refused
    h, p, s = j["token"].split(".")
    cl["access"][0]["name"] = ctx.priv
    p2 = base64.urlsafe_b64encode(dumps(cl)).rstrip(b"=").decode()
    g = c.raw("GET", "/v2/%s/manifests/v1" % ctx.priv, headers={
        "Authorization": "Bearer " + ".".join((h, p2, s))})
    want_status(g, 401, "tampered token")
    g = c.raw("GET", "/v2/", headers={"Authorization": "Bearer not.a.jwt"})
    want_status(g, 401, "garbage token")


@acheck("auth-pull-only-token-cannot-push")
def a_pull_only(ctx):
    if ctx.mode != "token":
        raise Skip("basic mode")
    c = ctx.client(1, auto=False)
    r = c.fetch_token(ctx.realm, ctx.service, ["repository:%s:pull" % ctx.pub])
    want_status(r, 200, "pull-only token")
    tok = (r.json() or {}).get("token")
    r = c.raw("POST", "/v2/%s/blobs/uploads/" % ctx.pub, headers={"Authorization": "Bearer " + tok})
    want_denied(r, "push with a pull-only token")
    r = c.raw("PUT", "/v2/%s/manifests/v9" % ctx.pub, body=ctx.pub_img["body"],
              headers={"Authorization": "Bearer " + tok, "Content-Type": OCI_MANIFEST})
    want_denied(r, "manifest PUT with a pull-only token")
    if r.status == 401:
        scheme, params = parse_challenge(r.h("WWW-Authenticate"))
        want("push" in params.get("scope", ""), "insufficient-scope challenge %r" %
             r.h("WWW-Authenticate"))


@acheck("auth-private-rules")
def a_private(ctx):
    b = ctx.client(2)
    if ctx.mode == "token":
        r = b.fetch_token(ctx.realm, ctx.service, ["repository:%s:pull,push" % ctx.priv])
        if r.status == 200:
            acc = jwt_claims((r.json() or {}).get("token", "")).get("access") or []
            want(all(not a.get("actions") for a in acc if a.get("name") == ctx.priv),
                 "bob was granted %r on %s" % (acc, ctx.priv), dev="auth-rules")
        else:
            want(r.status in (401, 403), "bob's token request: %s" % r.brief())
    g = ctx.reg(2).get_manifest(ctx.priv, "v1")
    want_denied(g, "bob pulls private", dev="auth-rules")
    r = ctx.client(2).request("POST", "/v2/%s/blobs/uploads/" % ctx.priv)
    want_denied(r, "bob pushes private", dev="auth-rules")
    g = ctx.reg(1).get_manifest(ctx.priv, "v1")
    want(g.status == 200 and g.body == ctx.priv_img["body"], "alice pulls private: %s" % g.brief())


@acheck("auth-anonymous-private")
def a_anon_private(ctx):
    """Rules name who may use private/*: anonymous_pull does not open it."""
    r = ctx.reg(None).get_manifest(ctx.priv, "v1")
    want_denied(r, "anonymous pull of private/*", dev="auth-rules")
    r = ctx.client(None, auto=False).raw("GET", "/v2/%s/manifests/v1" % ctx.priv)
    want_denied(r, "anonymous pull of private/* without a token", dev="auth-rules")


@acheck("auth-delete-rules")
def a_delete(ctx):
    reg = ctx.reg(1)
    img = reg.image(ctx.pub, "todelete")
    r = ctx.client(2).request("DELETE", "/v2/%s/manifests/%s" % (ctx.pub, img["digest"]))
    want_denied(r, "bob deletes in a pull,push repo", dev="auth-rules")
    pimg = reg.image(ctx.priv, "todelete")
    r = ctx.client(1).request("DELETE", "/v2/%s/manifests/%s" % (ctx.priv, pimg["digest"]))
    want_status(r, 202, "alice deletes in private/*")


@acheck("auth-catalog-scope")
def a_catalog(ctx):
    r = ctx.client(None, auto=False).raw("GET", "/v2/_catalog")
    params = {}
    if not (ctx.anon_pull and r.status == 200):
        scheme, params = challenge(r, "anonymous catalog")
    if ctx.mode == "token" and params:
        want(params.get("scope") == "registry:catalog:*", "catalog challenge scope %r" %
             params.get("scope"))
    # Signed in up front: with anonymous pull the catalog answers 200 without asking, and
    # shows only what anonymous clients may pull.
    c = ctx.client(1)
    scheme, params = parse_challenge(c.raw("GET", "/v2/").h("WWW-Authenticate"))
    if scheme == "bearer" and "realm" in params:
        tr = c.fetch_token(params["realm"], params.get("service"), ["registry:catalog:*"])
        c.bearer = (tr.json() or {}).get("token")
    elif scheme == "basic":
        c.auto_auth = "basic"
    r = c.request("GET", "/v2/_catalog?n=1000")
    want_status(r, 200, "alice's catalog")
    want(ctx.priv in ((r.json() or {}).get("repositories") or []), "catalog lacks %s" % ctx.priv)


@acheck("auth-no-server-errors")
def a_no_5xx(ctx):
    want(not SERVER_ERRORS, "5xx answers: %s" % "; ".join("%s: %s %s -> %d" % e
                                                          for e in SERVER_ERRORS[:8]))


# ------------------------------------------------------------------ runner


def run(checks, ctx, only):
    counts = {"PASS": 0, "FAIL": 0, "XFAIL": 0, "SKIP": 0}
    for name, fn in checks:
        if only and not re.search(only, name):
            continue
        CURRENT_CHECK[0] = name
        t0 = time.monotonic()
        del CHECK_DEVS[:]
        try:
            fn(ctx)
            res, why = "PASS", ""
        except Skip as e:
            res, why = "SKIP", str(e)
        except Failure as e:
            res, why = "FAIL", str(e)
        except Exception as e:  # a bug in the check or a wildly wrong answer
            res, why = "FAIL", "exception %r at %s" % (e, traceback.format_exc(limit=-1).strip()
                                                       .splitlines()[-3].strip())
        if CHECK_DEVS and res in ("PASS", "FAIL"):
            why = "known %s deviations: %s%s" % (PEER, "; ".join(CHECK_DEVS[:3]),
                                                 ("; then: " + why) if why else "")
            res = "XFAIL"
            DEVIATED.add(name)
        counts[res] += 1
        ms = (time.monotonic() - t0) * 1000
        print("%s %s%s (%.0f ms)" % (res, name, ": " + why if why else "", ms), flush=True)
    print("summary: %d passed, %d failed, %d expected deviations (%s), %d skipped" %
          (counts["PASS"], counts["FAIL"], counts["XFAIL"], PEER, counts["SKIP"]), flush=True)
    return 1 if counts["FAIL"] else 0


def main():
    global PEER
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url", help="registry base URL, e.g. http://127.0.0.1:5000")
    ap.add_argument("--peer", default="cairn", choices=sorted(DEVIATIONS))
    ap.add_argument("--suite", default="protocol", choices=("protocol", "auth"))
    ap.add_argument("--only", help="run only checks whose name matches this regex")
    ap.add_argument("--list", action="store_true", help="list the checks and exit")
    ap.add_argument("--creds", help="USER:PASS (protocol suite: used for every request)")
    ap.add_argument("--creds2", help="USER:PASS of the second, unprivileged user (auth suite)")
    ap.add_argument("--auth-mode", choices=("token", "basic"), default="token")
    ap.add_argument("--anonymous-pull", action="store_true")
    ap.add_argument("--service", default="cairn")
    ap.add_argument("--prefix", help="repository prefix (default: random per run)")
    args = ap.parse_args()
    PEER = args.peer
    checks = CHECKS if args.suite == "protocol" else AUTH_CHECKS
    if args.list:
        for name, _ in checks:
            print(name)
        return 0
    random.seed(os.urandom(16))
    prefix = args.prefix or "proto-" + rand_word(6)
    print("suite %s against %s (peer %s), repositories under %s/" %
          (args.suite, args.url, PEER, prefix), flush=True)
    if args.suite == "protocol":
        user = password = None
        if args.creds:
            user, password = args.creds.split(":", 1)
        ctx = Registry(Client(args.url, user, password), prefix)
    else:
        if not args.creds or not args.creds2:
            ap.error("--suite auth needs --creds and --creds2")
        ctx = AuthCtx(args, prefix)
        CURRENT_CHECK[0] = "setup"
        try:
            auth_setup(ctx)
        except Failure as e:
            print("FAIL setup: %s" % e)
            print("summary: 0 passed, 1 failed")
            return 1
    return run(checks, ctx, args.only)


if __name__ == "__main__":
    sys.exit(main())
