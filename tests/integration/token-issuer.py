#!/usr/bin/env python3
"""Minimal Docker token-auth issuer for integration tests (python3 stdlib only).

Implements the token endpoint of the Docker registry token-auth spec, enough for
Debian's docker-registry (distribution 2.8) configured with
  auth: {token: {realm: http://127.0.0.1:PORT/token, service: SERVICE,
                 issuer: ISSUER, rootcertbundle: CERT.pem}}

  GET  /token?service=S&scope=repository:NAME:pull,push[&scope=...][&account=U]
       Authorization: Basic ...   (optional)
       -> 200 {"token", "access_token", "expires_in", "issued_at"}
  POST /token   (OAuth2 form: grant_type=password&username=&password=&service=&scope=
       [&client_id=])  -> 200 {"access_token", "token", "expires_in", "issued_at", "scope"}
       grant_type=refresh_token is NOT supported (400 unsupported_grant_type), and no
       refresh_token is ever returned.

Users: --users FILE, one "user:password" per line, optionally "user:password:ACTIONS"
where ACTIONS is a comma list (e.g. "pull") limiting what that user is granted. The file is
re-read on every request, so a test may add users while the issuer runs.
Authenticated users get every requested action (intersected with their ACTIONS if given).
Anonymous requests (no Authorization header) get only "pull" on the requested repositories
when --anonymous-pull is set, else an empty access list. A wrong password, an unknown user or
a malformed Authorization header -> 401.

Signing: RS256 via `openssl dgst -sha256 -sign KEY` (subprocess). The JWT header carries
x5c = [base64 DER of --cert].

--log FILE gets one line per request:
  "<METHOD> <PATH?QUERY> auth=<none|basic|other> user=<name|-> status=<code> access=<granted>"
--port 0 (default) binds any free port; --port-file FILE receives the bound port once listening.
"""

import argparse
import base64
import http.server
import json
import os
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

ARGS = None
CERT_DER_B64 = None
LOG_LOCK = threading.Lock()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_cert_der(pem_path):
    # Use openssl to convert PEM -> DER to avoid parsing PEM by hand (also handles chains:
    # only the first certificate is used).
    der = subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.b64encode(der).decode("ascii")


def sign_rs256(signing_input):
    res = subprocess.run(["openssl", "dgst", "-sha256", "-sign", ARGS.key],
                         input=signing_input, capture_output=True)
    if res.returncode != 0:
        raise RuntimeError("openssl sign failed: " + res.stderr.decode(errors="replace"))
    return res.stdout


def make_jwt(subject, audience, access, expires_in):
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "x5c": [CERT_DER_B64]}
    claims = {
        "iss": ARGS.issuer,
        "sub": subject,
        "aud": audience,
        "exp": now + expires_in,
        "nbf": now - 1,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "access": access,
    }
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                     b64url(json.dumps(claims, separators=(",", ":")).encode())).encode()
    sig = sign_rs256(signing_input)
    return signing_input.decode() + "." + b64url(sig), now


def load_users():
    users = {}
    if not ARGS.users:
        return users
    try:
        with open(ARGS.users, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\r\n")
                if not line or line.startswith("#") or ":" not in line:
                    continue
                name, rest = line.split(":", 1)
                limit = None
                # "user:password:actions" only when the last field looks like an action list.
                if ":" in rest:
                    pw, maybe = rest.rsplit(":", 1)
                    acts = [a for a in maybe.split(",") if a]
                    if acts and all(a in ("pull", "push", "delete", "*") for a in acts):
                        rest, limit = pw, set(acts)
                users[name] = (rest, limit)
    except FileNotFoundError:
        pass
    return users


def parse_scope(scope):
    """'repository:name:pull,push' -> (type, name, [actions]); None if malformed."""
    parts = scope.split(":")
    if len(parts) < 3:
        return None
    typ = parts[0]
    actions = [a for a in parts[-1].split(",") if a]
    name = ":".join(parts[1:-1])
    if not typ or not name:
        return None
    return typ, name, actions


def grant(scopes, user, limit):
    access = []
    for s in scopes:
        # several scopes may also be space separated inside one parameter (OAuth2 style)
        for one in s.split(" "):
            if not one:
                continue
            p = parse_scope(one)
            if p is None:
                continue
            typ, name, actions = p
            if user is None:
                allowed = ["pull"] if (ARGS.anonymous_pull and typ == "repository"
                                       and "pull" in actions) else []
            elif limit is None or "*" in limit:
                allowed = list(actions)
            else:
                allowed = [a for a in actions if a in limit]
            if allowed:
                access.append({"type": typ, "name": name, "actions": allowed})
    return access


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "test-token-issuer/1"

    def log_message(self, fmt, *a):  # silence default stderr logging
        pass

    def log_req(self, authkind, user, status, access):
        if not ARGS.log:
            return
        granted = ";".join("%s:%s:%s" % (a["type"], a["name"], ",".join(a["actions"]))
                           for a in (access or []))
        line = "%s %s auth=%s user=%s status=%d access=%s\n" % (
            self.command, self.path, authkind, user or "-", status, granted or "-")
        with LOG_LOCK:
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(line)

    def send_json(self, status, obj, extra_headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def unauthorized(self, authkind, user):
        self.log_req(authkind, user, 401, None)
        self.send_json(401, {"errors": [{"code": "UNAUTHORIZED",
                                         "message": "authentication required"}]},
                       [("WWW-Authenticate", 'Basic realm="test-token-issuer"')])

    def check_basic(self):
        """-> (authkind, user, limit, ok)"""
        hdr = self.headers.get("Authorization")
        if hdr is None:
            return "none", None, None, True
        if not hdr.lower().startswith("basic "):
            return "other", None, None, False
        try:
            dec = base64.b64decode(hdr[6:].strip(), validate=True).decode("utf-8")
            name, pw = dec.split(":", 1)
        except Exception:
            return "basic", None, None, False
        return self.check_password("basic", name, pw)

    def check_password(self, authkind, name, pw):
        users = load_users()
        if name not in users or users[name][0] != pw:
            return authkind, name, None, False
        return authkind, name, users[name][1], True

    def issue(self, authkind, user, limit, service, scopes, oauth):
        access = grant(scopes, user, limit)
        tok, now = make_jwt(user or "", service or ARGS.service, access, ARGS.expires_in)
        issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        body = {"token": tok, "access_token": tok, "expires_in": ARGS.expires_in,
                "issued_at": issued}
        if oauth:
            body["scope"] = " ".join(scopes)
        self.log_req(authkind, user, 200, access)
        self.send_json(200, body)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path != "/token":
            self.log_req("-", None, 404, None)
            self.send_json(404, {"error": "not found"})
            return
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        authkind, user, limit, ok = self.check_basic()
        if not ok:
            self.unauthorized(authkind, user)
            return
        self.issue(authkind, user, limit, (q.get("service") or [None])[0],
                   q.get("scope", []), False)

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        if u.path != "/token":
            self.log_req("-", None, 404, None)
            self.send_json(404, {"error": "not found"})
            return
        form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
        gt = (form.get("grant_type") or [""])[0]
        if gt != "password":
            self.log_req("form", None, 400, None)
            self.send_json(400, {"error": "unsupported_grant_type"})
            return
        name = (form.get("username") or [""])[0]
        pw = (form.get("password") or [""])[0]
        authkind, user, limit, ok = self.check_password("form", name, pw)
        if not ok:
            self.unauthorized(authkind, user)
            return
        self.issue(authkind, user, limit, (form.get("service") or [None])[0],
                   form.get("scope", []), True)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS, CERT_DER_B64
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--key", required=True, help="RSA private key (PEM)")
    ap.add_argument("--cert", required=True, help="certificate for x5c (PEM)")
    ap.add_argument("--users", help="user:password[:actions] file")
    ap.add_argument("--issuer", default="test-issuer")
    ap.add_argument("--service", default="test-registry")
    ap.add_argument("--expires-in", type=int, default=300)
    ap.add_argument("--anonymous-pull", action="store_true")
    ap.add_argument("--log")
    ARGS = ap.parse_args()
    CERT_DER_B64 = load_cert_der(ARGS.cert)
    srv = Server((ARGS.addr, ARGS.port), Handler)
    port = srv.server_address[1]
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
