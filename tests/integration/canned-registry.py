#!/usr/bin/env python3
"""Canned-response OCI registry for cairn's registry edge-case tests (python3 stdlib only).

Serves ONE small image, built in memory at start from --seed (same seed = same bytes in
every scenario and every run), under repository edge/img, tag v1:
    config  (OCI image config JSON)
    layer 0 "small"  --small-size random bytes (default 64 KiB)
    layer 1 "big"    --big-size random bytes (default 4 MiB)
    manifest (OCI image manifest, application/vnd.oci.image.manifest.v1+json)
Layers are raw random bytes with the media type application/vnd.oci.image.layer.v1.tar
(nothing here unpacks them).

The misbehaviour is chosen with --scenario NAME (`--list` prints them; SCENARIOS below).
Endpoints:
    GET  /v2/                               ping (200 "{}", or 401 when auth is required)
    GET|HEAD /v2/edge/img/manifests/REF     REF = v1 or the manifest digest
    GET|HEAD /v2/edge/img/blobs/DIGEST      Range "bytes=N-" / "bytes=N-M" -> 206
    GET  /v2/_catalog?n=&last=              at most 3 repositories per page, Link rel="next"
    GET  /v1/search                         404 (no Docker Hub search API)
    GET  /token?service=&scope=             bearer scenarios: opaque token, expires_in 300
    storage server (redirect scenario, second port): GET /storage/DIGEST?sig=...

One scenario:  --scenario NAME [--port P] [--port-file F] [--info F] [--log F]
    --port 0 (default) picks a free port; --port-file gets the registry port.
Several in one process (python starts slowly on a loaded machine; one process serves all):
    --dir DIR --scenario A --scenario B ... (or --scenario all): each scenario listens on its
    own free port(s), with DIR/NAME/info.json and DIR/NAME/requests.jsonl; DIR/ready
    ({"NAME": port, ...}) appears once every server listens.
info.json (written atomically once the scenario's servers listen):
    {"port", "storage_port" (or null), "scenario", "repo", "tag", "manifest_digest" (of the
     bytes the manifest endpoint serves), "manifest_size",
     "config": {digest,size}, "small": {digest,size}, "big": {digest,size}}

The request log gets one JSON object per request, written when the response is finished:
    {"t": arrival (unix time, float), "srv": "registry"|"storage", "method", "path" (with
     query), "kind": ping|manifest|blob|token|catalog|search|storage|other, "ref" (manifest
     reference or blob digest, else null), "blob": config|small|big|null, "range" (Range
     header or null), "auth": bool (Authorization present), "auth_scheme" (basic|bearer|...
     or null), "token" (bearer token or null), "status", "bytes" (body bytes actually
     written), "dropped": bool (connection closed mid-body on purpose)}
"""

import argparse
import base64
import functools
import hashlib
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPO = "edge/img"
TAG = "v1"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
MT_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"
MIB = 1 << 20

SCENARIOS = {
    "plain": "a well-behaved registry (Range honoured)",
    "redirect": "Basic auth u/p on /v2/...; blob GETs answer 307 to a storage server on a "
                "second port, which answers 400 to any request carrying Authorization (as S3 does)",
    "drop-mid-blob": "first GET of the big layer: full Content-Length, connection closed after "
                     "1 MiB; later GETs honour Range (206 + Content-Range)",
    "ignore-range": "like drop-mid-blob, but the retries answer 200 with the whole blob",
    "range-416": "like drop-mid-blob, but the first ranged retry answers 416; later GETs are normal",
    "bad-content-range": "like drop-mid-blob, but retries answer 206 with Content-Range bytes 0-...",
    "die-mid-blob": "first GET of the big layer drops after 1 MiB; every later GET of it is 403",
    "rate-limit": "manifest GETs answer 429 with RateLimit-Limit/RateLimit-Remaining/Retry-After",
    "flaky-503": "the first 2 GETs of each blob answer 503",
    "blob-429": "the first GET of each blob answers 429 with Retry-After: 1",
    "always-503": "every blob GET answers 503 with Retry-After: 0 (no waiting between attempts)",
    "drop-every-mib": "every GET of the big layer closes the connection after 1 MiB (Range honoured)",
    "slow-blob": "well-behaved, but the big layer is sent at about 8 MiB/s (overlapping pulls)",
    "schema1": "the manifest is a Docker schema 1 (signed, prettyjws) manifest",
    "bad-digest-header": "Docker-Content-Digest names a different digest than the manifest body",
    "huge-manifest": "the manifest is a 5 MiB JSON document (valid, digest header correct)",
    "endless-manifest": "the manifest response claims 1 GiB and streams filler until the client hangs up",
    "wrong-size-blob": "the big layer is served with 4096 more bytes than the manifest's size",
    "short-blob": "the big layer is served 4096 bytes short (consistent Content-Length)",
    "bad-blob-digest": "the big layer is served with the right size but one byte changed",
    "bearer": "token auth: 401 + WWW-Authenticate Bearer realm=.../token,service=canned,scope=...",
    "bearer-expire": "like bearer, but the first repository token is rejected (401) after its first use",
    "no-v1-search": "/v1/search 404; /v2/_catalog lists a1..a7 + edge/img, 3 per page with Link",
}

CATALOG = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", REPO]
CATALOG_PAGE_MAX = 3


@functools.lru_cache(maxsize=64)
def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


_LAYER_BYTES = {}


def layer_bytes(seed, small_size, big_size):
    """The two layers' bytes: deterministic per seed, generated once per process."""
    key = (seed, small_size, big_size)
    if key not in _LAYER_BYTES:
        rnd = random.Random(seed)
        _LAYER_BYTES[key] = (rnd.randbytes(small_size), rnd.randbytes(big_size))
    return _LAYER_BYTES[key]


class Image:
    def __init__(self, seed, small_size, big_size, scenario):
        self.small, self.big = layer_bytes(seed, small_size, big_size)
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["/bin/true"], "Labels": {"org.cairn.test": "canned"}},
            "rootfs": {"type": "layers", "diff_ids": [sha256(self.small), sha256(self.big)]},
            "history": [{"created_by": "canned layer small"}, {"created_by": "canned layer big"}],
        }
        self.config = dumps(config)
        self.blobs = {sha256(self.config): ("config", self.config),
                      sha256(self.small): ("small", self.small),
                      sha256(self.big): ("big", self.big)}
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": {"mediaType": MT_CONFIG, "digest": sha256(self.config), "size": len(self.config)},
            "layers": [
                {"mediaType": MT_LAYER, "digest": sha256(self.small), "size": len(self.small)},
                {"mediaType": MT_LAYER, "digest": sha256(self.big), "size": len(self.big)},
            ],
        }
        if scenario == "huge-manifest":
            # Valid JSON, just big: a 5 MiB annotation.
            manifest["annotations"] = {"org.cairn.test.padding": "x" * (5 * MIB)}
        self.manifest = dumps(manifest)
        self.manifest_type = MT_MANIFEST
        if scenario == "schema1":
            self.manifest = json.dumps({
                "schemaVersion": 1,
                "name": REPO,
                "tag": TAG,
                "architecture": "amd64",
                "fsLayers": [{"blobSum": sha256(self.big)}, {"blobSum": sha256(self.small)}],
                "history": [{"v1Compatibility": json.dumps({"id": "b" * 64, "parent": "a" * 64})},
                            {"v1Compatibility": json.dumps({"id": "a" * 64})}],
                "signatures": [{
                    "header": {"jwk": {"crv": "P-256", "kid": "CANN:ED00:0000", "kty": "EC",
                                       "x": "AAAA", "y": "AAAA"}, "alg": "ES256"},
                    "signature": "AAAA",
                    "protected": "eyJmb3JtYXRMZW5ndGgiOjEsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAyNC0wMS0wMVQwMDowMDowMFoifQ",
                }],
            }, indent=3).encode()
            self.manifest_type = MT_SCHEMA1
        self.manifest_digest = sha256(self.manifest)

    def desc(self, which):
        data = {"config": self.config, "small": self.small, "big": self.big}[which]
        return {"digest": sha256(data), "size": len(data)}


class App:
    """One scenario: its registry (+ storage) server, counters, tokens and request log."""

    def __init__(self, args, scenario, log_path):
        self.args = args
        self.scenario = scenario
        self.image = Image(args.seed, args.small_size, args.big_size, scenario)
        self.lock = threading.Lock()
        self.counts = {}
        self.tokens = {}  # token -> {"scope": str, "single_use": bool, "uses": int}
        self.repo_tokens_issued = 0
        self.log_file = open(log_path, "a", buffering=1) if log_path else None
        self.port = None
        self.storage_port = None
        self.servers = []

    def listen(self, port):
        reg = Server(("127.0.0.1", port), self, "registry")
        self.port = reg.server_address[1]
        self.servers = [reg]
        if self.scenario == "redirect":
            st = Server(("127.0.0.1", 0), self, "storage")
            self.storage_port = st.server_address[1]
            self.servers.append(st)
        for srv in self.servers:
            threading.Thread(target=srv.serve_forever, daemon=True).start()

    def info(self):
        img = self.image
        return {
            "port": self.port, "storage_port": self.storage_port, "repo": REPO, "tag": TAG,
            "scenario": self.scenario, "manifest_digest": img.manifest_digest,
            "manifest_size": len(img.manifest), "config": img.desc("config"),
            "small": img.desc("small"), "big": img.desc("big"),
        }

    # ---------------------------------------------------------------- helpers
    def count(self, key):
        """1-based number of times `key` was seen (this call included)."""
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]

    def log(self, rec):
        if self.log_file:
            with self.lock:
                self.log_file.write(json.dumps(rec, sort_keys=True) + "\n")

    # ---------------------------------------------------------------- auth
    def auth_required(self):
        return self.scenario in ("redirect", "bearer", "bearer-expire")

    def check_auth(self, h, path):
        """True when the request may proceed; else sends the 401 and returns False."""
        if not self.auth_required():
            return True
        auth = h.headers.get("Authorization", "")
        repo_scope = "repository:%s:pull" % REPO
        needs_repo = path != "/v2/"
        if self.scenario == "redirect":
            want = "Basic " + base64.b64encode(b"u:p").decode()
            if auth == want:
                return True
            h.send_error_json(401, "UNAUTHORIZED", "authentication required",
                              {"WWW-Authenticate": 'Basic realm="canned"'})
            return False
        # bearer
        ok = False
        if auth.startswith("Bearer "):
            tok = auth[7:].strip()
            with self.lock:
                t = self.tokens.get(tok)
                if t and (not needs_repo or repo_scope in t["scope"].split(" ")):
                    if t["single_use"] and t["uses"] >= 1:
                        ok = False
                    else:
                        t["uses"] += 1
                        ok = True
        if ok:
            return True
        chal = 'Bearer realm="http://127.0.0.1:%d/token",service="canned"' % self.port
        if needs_repo:
            chal += ',scope="%s"' % repo_scope
        h.send_error_json(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": chal})
        return False

    def token(self, h, query):
        if self.scenario not in ("bearer", "bearer-expire"):
            return h.send_error_json(404, "NOT_FOUND", "no token service here")
        if query.get("service", [""])[0] != "canned":
            return h.send_error_json(400, "BAD_REQUEST", "unknown service")
        scope = " ".join(query.get("scope", []))
        with self.lock:
            n = len(self.tokens) + 1
            tok = "tok-%d-%s" % (n, os.urandom(6).hex())
            single = False
            if "repository:%s:pull" % REPO in scope.split(" "):
                self.repo_tokens_issued += 1
                single = self.scenario == "bearer-expire" and self.repo_tokens_issued == 1
            self.tokens[tok] = {"scope": scope, "single_use": single, "uses": 0}
        body = dumps({"token": tok, "access_token": tok, "expires_in": 300,
                      "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        h.send_body(200, body, {"Content-Type": "application/json"})

    # ---------------------------------------------------------------- routes
    def route(self, h, method):
        u = urllib.parse.urlsplit(h.path)
        path, query = u.path, urllib.parse.parse_qs(u.query)
        if h.server.role == "storage":
            return self.storage(h, method, path)
        if path == "/token":
            h.rec["kind"] = "token"
            return self.token(h, query)
        if path.startswith("/v1/"):
            h.rec["kind"] = "search" if path.startswith("/v1/search") else "other"
            return h.send_error_json(404, "NOT_FOUND", "no v1 API here")
        if not path.startswith("/v2/"):
            return h.send_error_json(404, "NOT_FOUND", "not found")
        m = re.match(r"^/v2/(.+)/(manifests|blobs)/([^/]+)$", path)
        if path == "/v2/":
            h.rec["kind"] = "ping"
        elif path == "/v2/_catalog":
            h.rec["kind"] = "catalog"
        elif m:
            h.rec["kind"] = "manifest" if m.group(2) == "manifests" else "blob"
            h.rec["ref"] = m.group(3)
            if m.group(2) == "blobs" and m.group(3) in self.image.blobs:
                h.rec["blob"] = self.image.blobs[m.group(3)][0]
        if not self.check_auth(h, path):
            return
        if path == "/v2/":
            return h.send_body(200, b"{}", {"Content-Type": "application/json",
                                             "Docker-Distribution-API-Version": "registry/2.0"})
        if path == "/v2/_catalog":
            return self.catalog(h, query)
        if not m:
            return h.send_error_json(404, "NOT_FOUND", "not found")
        repo, what, ref = m.groups()
        if repo != REPO:
            return h.send_error_json(404, "NAME_UNKNOWN", "repository name not known to registry")
        if what == "manifests":
            return self.manifest(h, method, ref)
        return self.blob(h, method, ref)

    def catalog(self, h, query):
        try:
            n = int(query.get("n", ["100"])[0])
        except ValueError:
            return h.send_error_json(400, "PAGINATION_NUMBER_INVALID", "bad n")
        n = max(1, min(n, CATALOG_PAGE_MAX))
        last = query.get("last", [""])[0]
        repos = sorted(CATALOG)
        start = 0
        if last:
            start = next((i + 1 for i, r in enumerate(repos) if r == last), len(repos))
        page = repos[start:start + n]
        headers = {"Content-Type": "application/json"}
        if start + n < len(repos):
            headers["Link"] = '</v2/_catalog?n=%d&last=%s>; rel="next"' % (
                n, urllib.parse.quote(page[-1], safe=""))
        h.send_body(200, dumps({"repositories": page}), headers)

    def manifest(self, h, method, ref):
        img = self.image
        if ref not in (TAG, img.manifest_digest):
            return h.send_error_json(404, "MANIFEST_UNKNOWN", "manifest unknown")
        if self.scenario == "rate-limit":
            return h.send_error_json(429, "TOOMANYREQUESTS", "You have reached your pull rate limit.",
                                     {"RateLimit-Limit": "100;w=21600",
                                      "RateLimit-Remaining": "0;w=21600",
                                      "Retry-After": "17"})
        digest = img.manifest_digest
        if self.scenario == "bad-digest-header":
            digest = sha256(b"not the manifest you are looking for")
        headers = {"Content-Type": img.manifest_type, "Docker-Content-Digest": digest}
        if self.scenario == "endless-manifest":
            return h.send_endless(200, 1 << 30, headers)
        h.send_body(200, img.manifest, headers, head=method == "HEAD")

    def blob_bytes(self, which, data):
        """What the registry actually serves for a blob (the corrupting scenarios)."""
        if which == "big":
            if self.scenario == "wrong-size-blob":
                return data + b"\0" * 4096
            if self.scenario == "short-blob":
                return data[:-4096]
            if self.scenario == "bad-blob-digest":
                mid = len(data) // 2
                return data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:]
        return data

    def blob(self, h, method, digest):
        entry = self.image.blobs.get(digest)
        if not entry:
            return h.send_error_json(404, "BLOB_UNKNOWN", "blob unknown to registry")
        which, data = entry
        h.rec["blob"] = which
        data = self.blob_bytes(which, data)
        n = self.count(("blob", digest))
        s = self.scenario
        if s == "redirect":
            loc = "http://127.0.0.1:%d/storage/%s?sig=canned-%d" % (self.storage_port, digest, n)
            return h.send_body(307, b"", {"Location": loc})
        if s == "flaky-503" and n <= 2:
            return h.send_error_json(503, "UNAVAILABLE", "service unavailable, try again")
        if s == "blob-429" and n == 1:
            return h.send_error_json(429, "TOOMANYREQUESTS", "slow down", {"Retry-After": "1"})
        if s == "always-503":
            return h.send_error_json(503, "UNAVAILABLE", "service unavailable", {"Retry-After": "0"})
        drop_first = ("drop-mid-blob", "ignore-range", "range-416", "bad-content-range", "die-mid-blob")
        if s in drop_first and which == "big":
            if n == 1:
                return h.send_body(200, data, {"Content-Type": "application/octet-stream",
                                               "Docker-Content-Digest": digest},
                                   drop_after=MIB, head=method == "HEAD")
            if s == "ignore-range":
                return h.send_body(200, data, {"Content-Type": "application/octet-stream",
                                               "Docker-Content-Digest": digest}, head=method == "HEAD")
            if s == "range-416" and n == 2:
                return h.send_body(416, b"", {"Content-Range": "bytes */%d" % len(data)})
            if s == "bad-content-range" and h.headers.get("Range"):
                return h.send_body(206, data, {"Content-Type": "application/octet-stream",
                                               "Content-Range": "bytes 0-%d/%d" % (len(data) - 1, len(data))},
                                   head=method == "HEAD")
            if s == "die-mid-blob":
                return h.send_error_json(403, "DENIED", "requested access to the resource is denied")
        if s == "drop-every-mib" and which == "big":
            return self.serve_range(h, method, data, digest, drop_after=MIB)
        if s == "slow-blob" and which == "big":
            return self.serve_range(h, method, data, digest, rate=8 * MIB)
        self.serve_range(h, method, data, digest)

    def serve_range(self, h, method, data, digest, drop_after=None, rate=None):
        headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest,
                   "Accept-Ranges": "bytes"}
        rng = h.headers.get("Range")
        if rng:
            m = re.match(r"^bytes=(\d+)-(\d*)$", rng.strip())
            if not m:
                return h.send_body(416, b"", {"Content-Range": "bytes */%d" % len(data)})
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else len(data) - 1
            end = min(end, len(data) - 1)
            if start >= len(data) or start > end:
                return h.send_body(416, b"", {"Content-Range": "bytes */%d" % len(data)})
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(data))
            return h.send_body(206, data[start:end + 1], headers, head=method == "HEAD",
                               drop_after=drop_after, rate=rate)
        h.send_body(200, data, headers, head=method == "HEAD", drop_after=drop_after, rate=rate)

    def storage(self, h, method, path):
        h.rec["kind"] = "storage"
        m = re.match(r"^/storage/(sha256:[0-9a-f]{64})$", path)
        if not m or m.group(1) not in self.image.blobs:
            return h.send_body(404, b"NoSuchKey", {"Content-Type": "text/plain"})
        digest = m.group(1)
        h.rec["ref"] = digest
        h.rec["blob"] = self.image.blobs[digest][0]
        if h.headers.get("Authorization"):
            # S3: "Only one auth mechanism allowed" -- and a leaked registry credential.
            return h.send_body(400, b"<Error><Code>InvalidArgument</Code></Error>",
                               {"Content-Type": "application/xml"})
        self.serve_range(h, method, self.image.blobs[digest][1], digest)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "canned-registry/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def do_GET(self):
        self.handle_one("GET")

    def do_HEAD(self):
        self.handle_one("HEAD")

    def handle_one(self, method):
        auth = self.headers.get("Authorization")
        self.rec = {
            "t": time.time(), "srv": self.server.role, "method": method, "path": self.path,
            "kind": "other", "ref": None, "blob": None, "range": self.headers.get("Range"),
            "auth": auth is not None,
            "auth_scheme": auth.split(" ", 1)[0].lower() if auth else None,
            "token": auth.split(" ", 1)[1] if auth and auth.lower().startswith("bearer ") else None,
            "status": None, "bytes": 0, "dropped": False,
        }
        try:
            self.server.app.route(self, method)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            self.close_connection = True
            self.rec["client_gone"] = True
        finally:
            self.server.app.log(self.rec)

    # ---------------------------------------------------------------- responses
    def start(self, status, headers, length):
        self.rec["status"] = status
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def write_body(self, data, rate=None):
        view = memoryview(data)
        t0 = time.monotonic()
        for off in range(0, len(view), 64 * 1024):
            chunk = view[off:off + 64 * 1024]
            self.wfile.write(chunk)
            self.rec["bytes"] += len(chunk)
            if rate:  # bytes per second
                ahead = self.rec["bytes"] / rate - (time.monotonic() - t0)
                if ahead > 0:
                    self.wfile.flush()
                    time.sleep(ahead)
        self.wfile.flush()

    def send_body(self, status, body, headers=None, drop_after=None, head=False, rate=None):
        self.start(status, headers or {}, len(body))
        if head:
            return
        if drop_after is not None and drop_after < len(body):
            self.write_body(body[:drop_after], rate)
            self.rec["dropped"] = True
            self.close_connection = True  # the server then shuts the socket down (FIN)
            return
        self.write_body(body, rate)

    def send_error_json(self, status, code, message, headers=None):
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        self.send_body(status, dumps({"errors": [{"code": code, "message": message, "detail": None}]}), hdrs)

    def send_endless(self, status, length, headers):
        self.start(status, headers, length)
        chunk = b"[" + b"0," * (32 * 1024 - 1)
        sent = 0
        while sent < length:
            n = min(len(chunk), length - sent)
            self.wfile.write(chunk[:n])
            sent += n
            self.rec["bytes"] = sent
        self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, app, role):
        super().__init__(addr, Handler)
        self.app = app
        self.role = role


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", action="append", required=True,
                    help="scenario (see --list); repeat it, or 'all', with --dir")
    ap.add_argument("--port", type=int, default=0, help="registry port (one scenario only)")
    ap.add_argument("--port-file", help="gets the registry port (one scenario only)")
    ap.add_argument("--info", help="image/port info JSON (one scenario only)")
    ap.add_argument("--log", help="request log, JSON lines (one scenario only)")
    ap.add_argument("--dir", help="several scenarios in one process, each on its own free port(s): "
                                  "DIR/NAME/info.json, DIR/NAME/requests.jsonl, then DIR/ready "
                                  "({NAME: port}) once every server listens")
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--small-size", type=int, default=64 * 1024)
    ap.add_argument("--big-size", type=int, default=4 * MIB)
    ap.add_argument("--list", action="store_true", help="print the scenarios and exit")
    if "--list" in sys.argv:
        for k in sorted(SCENARIOS):
            print("%-18s %s" % (k, SCENARIOS[k]))
        return 0
    args = ap.parse_args()
    names = []
    for n in args.scenario:
        for x in (sorted(SCENARIOS) if n == "all" else n.split(",")):
            if x not in SCENARIOS:
                ap.error("unknown scenario %r (see --list)" % x)
            if x not in names:
                names.append(x)
    if not args.dir and len(names) != 1:
        ap.error("several scenarios need --dir")

    apps = []
    if args.dir:
        for n in names:
            os.makedirs(os.path.join(args.dir, n), exist_ok=True)
            app = App(args, n, os.path.join(args.dir, n, "requests.jsonl"))
            app.listen(0)
            write_atomic(os.path.join(args.dir, n, "info.json"), json.dumps(app.info(), indent=1) + "\n")
            apps.append(app)
        write_atomic(os.path.join(args.dir, "ready"), json.dumps({a.scenario: a.port for a in apps}) + "\n")
    else:
        app = App(args, names[0], args.log)
        app.listen(args.port)
        if args.info:
            write_atomic(args.info, json.dumps(app.info(), indent=1) + "\n")
        if args.port_file:
            write_atomic(args.port_file, "%d\n" % app.port)
        apps.append(app)
    for a in apps:
        print("canned-registry: scenario %s on 127.0.0.1:%d%s" % (
            a.scenario, a.port, " (storage 127.0.0.1:%d)" % a.storage_port if a.storage_port else ""),
            flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: done.set())
    signal.signal(signal.SIGINT, lambda signum, frame: done.set())
    while not done.wait(3600):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
