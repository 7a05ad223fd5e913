#!/usr/bin/env bash
# shellcheck disable=SC2154  # reg_*, reg2_*, h_*, t_* come from lib.sh (it_registry_start)
# cairn push against Debian's docker-registry (plain, htpasswd, token), checked with skopeo:
#  - a pulled Docker schema 2 image and an OCI image, retagged and pushed to a fresh registry,
#    keep their manifest digest and bytes (skopeo inspect --raw, skopeo copy to dir: equal)
#  - a second push uploads nothing ("Layer already exists", no POST/PATCH in the access log)
#  - a push to a second repository of the same registry mounts ("Mounted from src")
#  - multi-arch (OCI index and Docker manifest list): --all-platforms pushes every child and
#    the index byte-exact; the default pushes the host platform's image; a missing child fails
#    naming it
#  - a big (80 MB random) layer streams (cairn's peak RSS stays under the layer size) and
#    --chunk-size uploads it in Content-Range chunks
#  - htpasswd: `cairn login` then push; a wrong password fails with one line, exit 1
#  - token auth: push works; the mount asks one token for both repositories; a pull-only
#    user cannot push (one line naming the denial, exit 1)
#  - a flaky registry (503 on a HEAD, 500 on a POST, a dropped PATCH, absolute Location with a
#    query): requests are retried and the upload resumes from the registry's upload status
#  - an unknown local image exits 1, bad usage 2, --help documents it
# The registry start is one function (start_registry): PUSH_SERVER=cairn runs the plain cases
# against `cairn serve` instead.
# cairn-test: heavy
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci jq curl sha256sum python3

STORE="$IT_TMP/store"
L="$IT_TMP/layout"
cairn() { "$CAIRN" --root "$STORE" "$@"; }
push() { "$CAIRN" --root "$STORE" push "$@"; }
one_line() { assert_eq "$(wc -l <<<"$IT_STDERR")" 1 "$1: one-line error"; }

# start_registry NAME MODE [ARGS]: the registry under test (docker-registry, or cairn serve
# with PUSH_SERVER=cairn, which runs only the plain cases here).
start_registry() {
	if [ "${PUSH_SERVER:-docker-registry}" = cairn ]; then
		[ "$2" = plain ] || return 1
		it_serve_start "$1"
	else
		it_registry_start "$@"
	fi
}
# requests NAME METHOD PATH_PREFIX: access-log lines of registry NAME for METHOD on paths
# starting with PATH_PREFIX
requests() {
	local v="${1}_LOG"
	grep -E "\"?$2 $3" "${!v}" | grep -c -v 'level=' || true
}
# raw REF [CREDS]: the registry's manifest bytes, hashed
raw_digest() {
	local c=()
	[ -z "${2:-}" ] || c=(--creds "$2")
	it_skopeo inspect --raw --tls-verify=false "${c[@]+"${c[@]}"}" "docker://$1" | sha256sum |
		cut -d' ' -f1
}
# same_image A B [CREDS]: skopeo copy of both to dir: gives identical manifests and blobs
same_image() {
	local a="$IT_TMP/cmp.a" b="$IT_TMP/cmp.b" c=()
	rm -rf "$a" "$b"
	[ -z "${3:-}" ] || c=(--src-creds "$3")
	it_skopeo copy -q --src-tls-verify=false "${c[@]+"${c[@]}"}" "docker://$1" "dir:$a" ||
		it_fail "skopeo copy $1"
	it_skopeo copy -q --src-tls-verify=false "${c[@]+"${c[@]}"}" "docker://$2" "dir:$b" ||
		it_fail "skopeo copy $2"
	diff -r "$a" "$b" >/dev/null || it_fail "$1 and $2 differ: $(diff -rq "$a" "$b" | head -3)"
}

start_registry reg plain
start_registry reg2 plain

it_log "--- usage and unknown images"
assert_rc 2 cairn push
assert_rc 2 cairn push a b
assert_rc 2 cairn push --max-concurrent-uploads 0 x
assert_ok cairn push --help
assert_contains "$IT_STDOUT" "--all-platforms"
assert_rc 1 cairn push "$reg_ADDR/nothing:1"
one_line "unknown image"
assert_contains "$IT_STDERR" "does not exist locally"

it_log "--- Docker schema 2 and OCI images keep their digests"
it_make_image "$L" v1 2 64
it_make_image "$L" oci 1 32
it_publish "$L" v1 "$reg_ADDR/src:v1" v2s2
it_publish "$L" oci "$reg_ADDR/srcoci:1" oci
assert_ok cairn pull "$reg_ADDR/src:v1"
assert_ok cairn pull "$reg_ADDR/srcoci:1"
src_digest=$(raw_digest "$reg_ADDR/src:v1")
assert_ok cairn tag "$reg_ADDR/src:v1" "$reg2_ADDR/app:1"
assert_ok push "$reg2_ADDR/app:1"
assert_contains "$IT_STDOUT" "The push refers to repository [$reg2_ADDR/app]"
assert_contains "$IT_STDOUT" ": Pushed"
assert_contains "$IT_STDOUT" "1: digest: sha256:$src_digest size: "
assert_eq "$(raw_digest "$reg2_ADDR/app:1")" "$src_digest" "v2s2 manifest digest"
same_image "$reg_ADDR/src:v1" "$reg2_ADDR/app:1"
assert_ok cairn tag "$reg_ADDR/srcoci:1" "$reg2_ADDR/appoci:1"
assert_ok push -q "$reg2_ADDR/appoci:1"
assert_eq "$IT_STDOUT" "$reg2_ADDR/appoci:1" "push -q prints the reference"
assert_eq "$(raw_digest "$reg2_ADDR/appoci:1")" "$(raw_digest "$reg_ADDR/srcoci:1")" "OCI digest"
same_image "$reg_ADDR/srcoci:1" "$reg2_ADDR/appoci:1"

it_log "--- a second push uploads nothing"
posts=$(requests reg2 POST /v2/app/blobs/uploads)
patches=$(requests reg2 PATCH /v2/app/blobs/uploads)
assert_ok push "$reg2_ADDR/app:1"
assert_contains "$IT_STDOUT" "Layer already exists"
assert_not_contains "$IT_STDOUT" "Pushed"
assert_eq "$(grep -c 'Layer already exists' <<<"$IT_STDOUT")" 2 "both layers exist"
assert_eq "$(requests reg2 POST /v2/app/blobs/uploads)" "$posts" "no upload session started"
assert_eq "$(requests reg2 PATCH /v2/app/blobs/uploads)" "$patches" "no bytes sent"

it_log "--- a second repository of the same registry mounts"
assert_ok cairn tag "$reg_ADDR/src:v1" "$reg_ADDR/other:1"
assert_ok push "$reg_ADDR/other:1"
assert_eq "$(grep -c 'Mounted from src' <<<"$IT_STDOUT")" 2 "both layers mounted"
assert_eq "$(requests reg POST '/v2/other/blobs/uploads/\?mount=')" 3 "layers and config mounted"
assert_eq "$(requests reg PATCH /v2/other/)" 0 "no bytes sent for a mount"
assert_eq "$(raw_digest "$reg_ADDR/other:1")" "$src_digest" "mounted image digest"

it_log "--- multi-arch: OCI index and Docker manifest list"
it_make_multiarch "$L" multi
it_publish "$L" multi "$reg_ADDR/multi:oci" oci --all
it_publish "$L" multi "$reg_ADDR/multi:list" v2s2 --all
for kind in oci list; do
	assert_ok cairn pull --all-platforms "$reg_ADDR/multi:$kind"
	assert_ok cairn tag "$reg_ADDR/multi:$kind" "$reg2_ADDR/multi:$kind"
	assert_ok push --all-platforms "$reg2_ADDR/multi:$kind"
	idx=$(raw_digest "$reg_ADDR/multi:$kind")
	assert_contains "$IT_STDOUT" "$kind: digest: sha256:$idx size: "
	assert_eq "$(raw_digest "$reg2_ADDR/multi:$kind")" "$idx" "$kind: index digest"
	same_image "$reg_ADDR/multi:$kind" "$reg2_ADDR/multi:$kind"
	child=$(it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/multi:$kind" |
		jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest')
	it_skopeo inspect --raw --tls-verify=false "docker://$reg2_ADDR/multi@$child" >/dev/null ||
		it_fail "$kind: arm64 child not pushed"
	# default: the host platform's image only, under the tag
	assert_ok cairn tag "$reg_ADDR/multi:$kind" "$reg2_ADDR/single:$kind"
	assert_ok push "$reg2_ADDR/single:$kind"
	amd=$(it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/multi:$kind" |
		jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest')
	assert_eq "sha256:$(raw_digest "$reg2_ADDR/single:$kind")" "$amd" "$kind: host image pushed"
done
# a child missing from the store is named
arm=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' \
	"$STORE/blobs/sha256/$(raw_digest "$reg_ADDR/multi:oci")")
rm -f "$STORE/blobs/sha256/${arm#sha256:}"
assert_ok cairn tag "$reg_ADDR/multi:oci" "$reg2_ADDR/broken:1"
assert_rc 1 push --all-platforms "$reg2_ADDR/broken:1"
one_line "missing child"
assert_contains "$IT_STDERR" "index child (linux/arm64/v8) $arm is not in the local store"

it_log "--- a big layer streams; chunked upload"
mkdir -p "$IT_TMP/big"
head -c $((80 << 20)) /dev/urandom >"$IT_TMP/big/blob.bin"
tar -C "$IT_TMP/big" -cf "$IT_TMP/big.tar" blob.bin
rm -rf "$IT_TMP/big"
it_layout_from_tars "$IT_TMP/bigl" big --plain "$IT_TMP/big.tar"
rm -f "$IT_TMP/big.tar"
it_publish "$IT_TMP/bigl" big "$reg_ADDR/big:1" oci
rm -rf "$IT_TMP/bigl"
assert_ok cairn pull "$reg_ADDR/big:1"
assert_ok cairn tag "$reg_ADDR/big:1" "$reg2_ADDR/big:1"
/usr/bin/time -f '%M' -o "$IT_TMP/rss" "$CAIRN" --root "$STORE" push "$reg2_ADDR/big:1" \
	>/dev/null 2>"$IT_TMP/push.err" || it_fail "big push: $(cat "$IT_TMP/push.err")"
rss_kb=$(tail -1 "$IT_TMP/rss")
it_log "big push: peak RSS ${rss_kb} kB"
[ "$rss_kb" -lt $((80 << 10)) ] || it_fail "push of an 80 MB layer used ${rss_kb} kB (not streamed)"
assert_eq "$(raw_digest "$reg2_ADDR/big:1")" "$(raw_digest "$reg_ADDR/big:1")" "big image digest"
assert_eq "$(requests reg2 PATCH /v2/big/blobs/uploads)" 1 "one streamed PATCH"

if [ "${PUSH_SERVER:-docker-registry}" != cairn ]; then
	it_log "--- htpasswd: login, chunked push, wrong password"
	start_registry h htpasswd bob s3cret
	assert_ok cairn tag "$reg_ADDR/big:1" "$h_ADDR/big:1"
	printf 's3cret\n' | "$CAIRN" login -u bob --password-stdin "$h_ADDR" >/dev/null ||
		it_fail "cairn login"
	assert_ok push --chunk-size $((32 << 20)) "$h_ADDR/big:1"
	assert_eq "$(requests h PATCH /v2/big/blobs/uploads)" 3 "80 MB in three 32 MB chunks"
	assert_eq "$(raw_digest "$h_ADDR/big:1" bob:s3cret)" "$(raw_digest "$reg_ADDR/big:1")" \
		"chunked image digest"
	cfg=$(cat "$DOCKER_CONFIG/config.json")
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$h_ADDR" "$(printf bob:wrong | base64 -w0)" \
		>"$DOCKER_CONFIG/config.json"
	assert_ok cairn tag "$reg_ADDR/src:v1" "$h_ADDR/app:1"
	assert_rc 1 push "$h_ADDR/app:1"
	one_line "wrong password"
	assert_contains "$IT_STDERR" "cairn: push: $h_ADDR/app:1: "
	assert_contains "$IT_STDERR" "wrong credentials"
	printf '%s\n' "$cfg" >"$DOCKER_CONFIG/config.json"

	it_log "--- token auth: push, mount scopes, pull-only user"
	start_registry t token alice secret
	printf 'reader:pw:pull\n' >>"$t_USERS"
	printf 'secret\n' | "$CAIRN" login -u alice --password-stdin "$t_ADDR" >/dev/null ||
		it_fail "cairn login (token)"
	assert_ok cairn tag "$reg_ADDR/src:v1" "$t_ADDR/src:v1"
	assert_ok push "$t_ADDR/src:v1"
	assert_eq "$(raw_digest "$t_ADDR/src:v1" alice:secret)" "$src_digest" "token push digest"
	assert_ok cairn tag "$reg_ADDR/src:v1" "$t_ADDR/copy:1"
	assert_ok push "$t_ADDR/copy:1"
	assert_contains "$IT_STDOUT" "Mounted from src"
	grep -q 'scope=repository%3Acopy%3Apull%2Cpush&scope=repository%3Asrc%3Apull' \
		"$t_TOKEN_LOG" || it_fail "no token request with both scopes: $(tail -3 "$t_TOKEN_LOG")"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$t_ADDR" "$(printf reader:pw | base64 -w0)" \
		>"$DOCKER_CONFIG/config.json"
	assert_ok cairn tag "$reg_ADDR/srcoci:1" "$t_ADDR/denied:1"
	assert_rc 1 push "$t_ADDR/denied:1"
	one_line "pull-only user"
	assert_contains "$IT_STDERR" "push access denied to denied"
	printf '%s\n' "$cfg" >"$DOCKER_CONFIG/config.json"
fi

it_log "--- a flaky registry: 503 on HEAD, 500 on POST, dropped PATCH, absolute Location + query"
cat >"$IT_TMP/flaky.py" <<'PYEOF'
import hashlib, http.server, json, socketserver, sys
port_file, log = sys.argv[1], sys.argv[2]
state = {"heads": 0, "posts": 0, "patches": 0, "data": {}, "done": set()}
def note(s):
    with open(log, "a") as f:
        f.write(s + "\n")
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, code, headers=(), body=b""):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def loc(self, u):
        return "http://%s/upload/%s?_state=x%%3Dy" % (self.headers["Host"], u)
    def do_GET(self):
        note("GET " + self.path)
        if self.path == "/v2/":
            return self.reply(200, body=b"{}")
        if self.path.startswith("/upload/"):
            u = self.path.split("/")[2].split("?")[0]
            n = len(state["data"].get(u, b""))
            return self.reply(204, [("Range", "0-%d" % max(n - 1, 0)), ("Location", self.loc(u))])
        self.reply(404)
    def do_HEAD(self):
        note("HEAD " + self.path)
        state["heads"] += 1
        if state["heads"] == 1:
            return self.reply(503)
        d = self.path.rsplit("/", 1)[1]
        self.reply(200 if d in state["done"] else 404)
    def do_POST(self):
        note("POST " + self.path)
        state["posts"] += 1
        if state["posts"] == 1:
            return self.reply(500, body=b"{}")
        u = "u%d" % state["posts"]
        state["data"][u] = b""
        self.reply(202, [("Location", self.loc(u))])
    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)
    def do_PATCH(self):
        note("PATCH %s %s" % (self.path, self.headers.get("Content-Range", "-")))
        assert "_state=x%3Dy" in self.path
        u = self.path.split("/")[2].split("?")[0]
        state["patches"] += 1
        n = int(self.headers["Content-Length"])
        if state["patches"] == 1:  # keep half, then drop the connection
            state["data"][u] += self.rfile.read(n // 2)
            self.close_connection = True
            self.connection.shutdown(2)
            return
        cr = self.headers.get("Content-Range")
        if cr and int(cr.split("-")[0]) != len(state["data"][u]):
            return self.reply(416)
        state["data"][u] += self.rfile.read(n)
        self.reply(202, [("Location", self.loc(u))])
    def do_PUT(self):
        note("PUT " + self.path)
        data = self.body()
        if "/manifests/" in self.path:
            d = "sha256:" + hashlib.sha256(data).hexdigest()
            return self.reply(201, [("Docker-Content-Digest", d)])
        u = self.path.split("/")[2].split("?")[0]
        q = self.path.split("?", 1)[1]
        assert "_state=x%3Dy&digest=" in q, q
        want = q.split("digest=")[1].replace("%3A", ":")
        whole = state["data"][u] + data
        if "sha256:" + hashlib.sha256(whole).hexdigest() != want:
            return self.reply(400, body=b'{"errors":[{"code":"DIGEST_INVALID"}]}')
        state["done"].add(want)
        self.reply(201, [("Docker-Content-Digest", want)])
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
s = S(("127.0.0.1", 0), H)
with open(port_file + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
s.serve_forever()
PYEOF
it_server_start flaky "$IT_TMP/flaky.out" python3 "$IT_TMP/flaky.py" "$IT_TMP/flaky.port" \
	"$IT_TMP/flaky.log"
it_wait_for 10 test -s "$IT_TMP/flaky.port"
fport=$(cat "$IT_TMP/flaky.port")
assert_ok cairn tag "$reg_ADDR/big:1" "127.0.0.1:$fport/big:1"
assert_ok push "127.0.0.1:$fport/big:1"
grep -Eq '^PATCH .* [1-9][0-9]*-[0-9]+$' "$IT_TMP/flaky.log" ||
	it_fail "no resumed PATCH: $(cat "$IT_TMP/flaky.log")"
grep -q '^GET /upload/' "$IT_TMP/flaky.log" || it_fail "upload status not asked"
it_server_stop flaky

it_log "PASS"
