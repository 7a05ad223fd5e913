#!/bin/bash
# `cairn db update` / `cairn db status`: imports from a directory, from a zip made here, and from
# URLs served by a local HTTP server (conditional re-download); a failed update (404, truncated
# zip, bad JSON) leaves the previous database; no temporary files are left behind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
it_init
it_need_cairn
it_need python3 curl
FIX=$(it_fixtures)
V=$FIX/vuln
[ -d "$V/osv" ] && [ -d "$V/alpine-secdb" ] && [ -d "$V/debian-tracker" ] ||
	it_skip "vulnerability fixtures missing under $V"
ROOT=$IT_TMP/root
c() { "$CAIRN" --root "$ROOT" "$@"; }

# json_check FILE EXPR: a Python expression over the JSON document `d` must be true.
json_check() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" ||
		it_fail "$1: not true: $2"
}

# ---- no database yet
assert_fails c db status
assert_contains "$IT_STDERR" "cairn db update"
assert_rc 2 c db update --source nvd:/x
assert_rc 2 c db bogus

# ---- from a directory (recursive; the derived Debian file is an array of 96 records)
assert_ok c db update --source "osv:$V/osv"
assert_contains "$IT_STDOUT" "osv:$V/osv: 107 added, 0 changed, 0 removed, 0 unchanged"
assert_ok c db update --source "osv:$V/osv"
assert_contains "$IT_STDOUT" "0 added, 0 changed, 0 removed, 107 unchanged"
assert_ok c db status
assert_contains "$IT_STDOUT" "debian:12"
assert_contains "$IT_STDOUT" "Records:      107"
c db status --format json >"$IT_TMP/status.json"
json_check "$IT_TMP/status.json" 'd["records"] == 107 and d["sources"][0]["kind"] == "osv" and
	[e["records"] for e in d["ecosystems"] if e["ecosystem"] == "npm"] == [2] and d["updated"]'

# ---- from a zip made now (osv.dev's all.zip layout: records at the top level)
python3 - "$V/osv" "$IT_TMP/all.zip" <<'EOF'
import glob, os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(glob.glob(os.path.join(src, "npm", "*.json")) + glob.glob(os.path.join(src, "go", "*.json"))):
        z.write(f, os.path.basename(f))
    z.writestr("README.txt", "not a record")
EOF
assert_ok c db update --source "osv:$IT_TMP/all.zip"
assert_contains "$IT_STDOUT" "7 added, 0 changed, 0 removed, 0 unchanged"

# ---- a truncated zip fails and changes nothing
head -c "$(($(stat -c %s "$IT_TMP/all.zip") / 2))" "$IT_TMP/all.zip" >"$IT_TMP/trunc.zip"
c db status --format json >"$IT_TMP/before.json"
assert_fails c db update --source "osv:$IT_TMP/all.zip" --source "osv:$IT_TMP/trunc.zip"
assert_contains "$IT_STDERR" "trunc.zip"
c db status --format json >"$IT_TMP/after.json"
cmp -s "$IT_TMP/before.json" "$IT_TMP/after.json" || it_fail "a failed update changed the database"

# ---- from URLs on a local HTTP server
WWW=$IT_TMP/www
mkdir -p "$WWW"
cp "$IT_TMP/all.zip" "$WWW/all.zip"
cp "$IT_TMP/trunc.zip" "$WWW/trunc.zip"
cp "$V/debian-tracker/bookworm-minbase.DERIVED.tracker.json" "$WWW/tracker.json"
cp "$V/alpine-secdb/vunnel-v3.15-main.DERIVED.json" "$WWW/main.json"
printf '{"distroversion": "v3.16", "packages": [' >"$WWW/bad.json"
PORT=$(it_free_port)
it_server_start web "$IT_TMP/web.log" python3 -m http.server --bind 127.0.0.1 --directory "$WWW" "$PORT"
it_wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$PORT/all.zip"
URL=http://127.0.0.1:$PORT
assert_ok c db update --source "osv:$URL/all.zip" --source "debian-tracker:$URL/tracker.json" \
	--source "alpine-secdb:$URL/main.json"
assert_contains "$IT_STDOUT" "osv:$URL/all.zip: 7 added"
assert_contains "$IT_STDOUT" "alpine-secdb:$URL/main.json: 13 added"
assert_contains "$IT_STDOUT" "debian-tracker:$URL/tracker.json: 94 added"
# unchanged on the server: If-Modified-Since gets a 304, nothing is read
assert_ok c db update --source "osv:$URL/all.zip" --source "alpine-secdb:$URL/main.json"
assert_contains "$IT_STDOUT" "osv:$URL/all.zip: not modified (7 records)"
assert_contains "$IT_STDOUT" "alpine-secdb:$URL/main.json: not modified (13 records)"
grep -q '"GET /all.zip HTTP/1.[01]" 304' "$IT_TMP/web.log" || it_fail "no conditional request seen: $(cat "$IT_TMP/web.log")"

# ---- ETag / If-None-Match (what osv.dev's bucket sends): a server that knows only ETags
cat >"$IT_TMP/etag-server.py" <<'EOF2'
import http.server, os, sys
root, port_file = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(root, os.path.basename(self.path))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        etag = '"%x-%d"' % (hash(data) & 0xffffffff, len(data))
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
EOF2
mkdir -p "$IT_TMP/etag"
cp "$V/alpine-secdb/vuln-list-update-v3.12-main.json" "$IT_TMP/etag/main.json"
it_server_start etag "$IT_TMP/etag.log" python3 "$IT_TMP/etag-server.py" "$IT_TMP/etag" "$IT_TMP/etag.port"
it_wait_for 30 test -s "$IT_TMP/etag.port"
EURL=http://127.0.0.1:$(cat "$IT_TMP/etag.port")/main.json
assert_ok c db update --source "alpine-secdb:$EURL"
assert_contains "$IT_STDOUT" "1 added"
assert_ok c db update --source "alpine-secdb:$EURL"
assert_contains "$IT_STDOUT" "alpine-secdb:$EURL: not modified (1 records)"
sed -i 's/CVE-2018-16876/CVE-2018-99999/' "$IT_TMP/etag/main.json"
assert_ok c db update --source "alpine-secdb:$EURL"
assert_contains "$IT_STDOUT" "1 added, 0 changed, 1 removed, 0 unchanged"
grep -q '"GET /main.json HTTP/1.[01]" 304' "$IT_TMP/etag.log" || it_fail "no 304 for If-None-Match: $(cat "$IT_TMP/etag.log")"
it_server_stop etag

# ---- failures over HTTP leave the old database: 404, truncated zip, bad JSON
c db status --format json >"$IT_TMP/before.json"
assert_fails c db update --source "alpine-secdb:$V/alpine-secdb/vuln-list-update-v3.12-main.json" \
	--source "osv:$URL/missing.zip"
assert_contains "$IT_STDERR" "HTTP 404"
assert_fails c db update --source "osv:$URL/trunc.zip"
assert_contains "$IT_STDERR" "trunc.zip"
assert_fails c db update --source "alpine-secdb:$URL/bad.json"
assert_contains "$IT_STDERR" "bad JSON"
assert_fails c db update --source "osv:http://127.0.0.1:1/all.zip"
c db status --format json >"$IT_TMP/after.json"
cmp -s "$IT_TMP/before.json" "$IT_TMP/after.json" || it_fail "a failed update changed the database"
json_check "$IT_TMP/after.json" 'len(d["sources"]) == 6'

# ---- killed in the middle of a download (the transaction is open): the old database stays
python3 - "$WWW/slow.zip" <<'EOF2'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_STORED) as z:
    z.writestr("padding.bin", os.urandom(2 << 20))
EOF2
it_server_start proxy "$IT_TMP/proxy.log" python3 "$IT_LIB_DIR/throttle-proxy.py" \
	--upstream "127.0.0.1:$PORT" --rate 200000 --port-file "$IT_TMP/proxy.port"
it_wait_for 30 test -s "$IT_TMP/proxy.port"
"$CAIRN" --root "$ROOT" db update --source "osv:http://127.0.0.1:$(cat "$IT_TMP/proxy.port")/slow.zip" \
	>"$IT_TMP/slow.out" 2>&1 &
upd=$!
sleep 2
kill -0 "$upd" 2>/dev/null || it_fail "the throttled update ended early: $(cat "$IT_TMP/slow.out")"
kill -KILL "$upd"
wait "$upd" 2>/dev/null || true
c db status --format json >"$IT_TMP/after.json"
cmp -s "$IT_TMP/before.json" "$IT_TMP/after.json" || it_fail "a killed update changed the database"
it_server_stop proxy
assert_ok c db update --source "osv:$IT_TMP/all.zip" # no lock left behind
assert_contains "$IT_STDOUT" "7 unchanged"

# ---- nothing but the database (and SQLite's WAL files) in ROOT/vulndb
left=$(find "$ROOT/vulndb" -mindepth 1 ! -name vuln.db ! -name vuln.db-wal ! -name vuln.db-shm)
assert_eq "$left" "" "files left in ROOT/vulndb"
it_log "db update/status: ok"
