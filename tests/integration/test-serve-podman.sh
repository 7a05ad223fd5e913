#!/usr/bin/env bash
# cairn serve with podman (its own storage under the test dir, vfs driver), token auth on:
#  - `podman login` with a wrong password fails, with the right one succeeds
#  - `podman push` of an image podman made, `podman rmi`, `podman pull`: same digest as
#    skopeo reads from the registry; cairn pulls podman's push
#  - `podman search HOST:PORT/term` finds it; anonymous push is refused
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
[ "$(id -u)" = 0 ] || it_skip "needs root (podman storage without user namespaces set up)"
it_need podman skopeo htpasswd tar jq

CFG="$IT_TMP/serve"
mkdir -p "$CFG"
htpasswd -Bbn alice wonderland >"$CFG/htpasswd" 2>/dev/null
cat >"$CFG/config.json" <<'JSON'
{"auth": {"htpasswd": "htpasswd", "anonymous_pull": true,
          "token": {"service": "cairn-test", "issuer": "cairn-test"}}}
JSON
it_serve_start reg "$CFG/config.json"
R=$reg_ADDR
P="$IT_TMP/podman"
export REGISTRY_AUTH_FILE="$P/auth.json"
pm() {
	podman --root "$P/root" --runroot "$P/run" --storage-driver vfs --cgroup-manager cgroupfs \
		--events-backend none "$@"
}
cleanup_podman() { pm rmi -a -f >/dev/null 2>&1 || true; rm -rf "$P/root" 2>/dev/null || true; }
it_on_exit cleanup_podman

mkdir -p "$IT_TMP/tree/etc"
echo "made by podman" >"$IT_TMP/tree/etc/hello"
tar -C "$IT_TMP/tree" -cf "$IT_TMP/tree.tar" .
assert_ok pm import "$IT_TMP/tree.tar" "$R/pods/hello:1"

it_log "anonymous push refused; podman login wrong, then right"
assert_fails pm push --tls-verify=false "$R/pods/hello:1"
assert_fails pm login --tls-verify=false -u alice -p wrong "$R"
assert_ok pm login --tls-verify=false -u alice -p wonderland "$R"

it_log "podman push, rmi, pull"
assert_ok pm push --tls-verify=false "$R/pods/hello:1"
digest=$(it_skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$R/pods/hello:1")
assert_ok pm rmi "$R/pods/hello:1"
assert_ok pm pull --tls-verify=false "$R/pods/hello:1"
assert_eq "$(pm image inspect --format '{{.Digest}}' "$R/pods/hello:1")" "$digest" "podman's digest"

it_log "cairn pulls podman's push; podman search finds it"
assert_ok "$CAIRN" --root "$IT_TMP/store" pull "$R/pods/hello:1"
assert_contains "$IT_STDOUT" "Digest: $digest"
assert_eq "$("$CAIRN" --root "$IT_TMP/store" export "$R/pods/hello:1" | tar -xO etc/hello)" "made by podman"
assert_ok pm search --tls-verify=false "$R/hello"
assert_contains "$IT_STDOUT" "pods/hello"
it_log "PASS"
