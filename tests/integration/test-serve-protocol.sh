#!/usr/bin/env bash
# The registry protocol suite (serve_protocol.py, written from the OCI distribution spec v1.1:
# uploads, ranges, mounts, manifests, pagination, deletes, referrers, error shapes, Docker
# Hub-style /v1/search) against `cairn serve`. It also runs against Debian's docker-registry
# with --peer docker-registry, which marks that registry's known deviations as expected: the
# suite must pass there too, so a wrong check shows up as a failure against the reference.
# shellcheck disable=SC2154  # NAME_URL etc. are exported by lib.sh's it_*_start
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need python3 curl
SUITE="$IT_LIB_DIR/serve_protocol.py"

# 1. the reference registry keeps the suite honest (skipped when it is not installed)
if command -v docker-registry >/dev/null 2>&1; then
	it_registry_start dr plain
	python3 "$SUITE" "$dr_URL" --peer docker-registry >"$IT_TMP/dr.out" 2>&1 || {
		cat "$IT_TMP/dr.out" >&2
		it_fail "protocol suite fails against docker-registry: a check does not match the reference"
	}
	it_log "docker-registry: $(tail -1 "$IT_TMP/dr.out")"
	it_registry_stop dr
else
	it_log "docker-registry not installed: suite not cross-checked"
fi

# 2. cairn serve
it_need_cairn
it_serve_start srv
rc=0
python3 "$SUITE" "$srv_URL" --peer cairn >"$IT_TMP/cairn.out" 2>&1 || rc=$?
cat "$IT_TMP/cairn.out"
if [ "$rc" -ne 0 ]; then
	printf -- '--- serve log (tail):\n' >&2
	tail -20 "$srv_LOG" >&2
	it_fail "protocol suite against cairn serve: $(tail -1 "$IT_TMP/cairn.out")"
fi
kill -0 "$srv_PID" 2>/dev/null || it_fail "cairn serve died during the suite"

# a second run against the same (now populated) server: checks are independent of history
python3 "$SUITE" "$srv_URL" --peer cairn --only 'ping|upload-post-put|manifest-oci-put-get|catalog|v1-search' \
	>"$IT_TMP/cairn2.out" 2>&1 || { cat "$IT_TMP/cairn2.out" >&2; it_fail "second run failed"; }

# the server logs one line per request
[ "$(wc -l <"$srv_LOG")" -gt 100 ] || it_fail "serve log has fewer lines than requests made"
it_server_stop srv
# a sanitizer build reports memory errors and leaks in the server's log (at exit for leaks)
if grep -q 'Sanitizer\|runtime error:' "$srv_LOG"; then
	grep -A30 'Sanitizer\|runtime error:' "$srv_LOG" | head -60 >&2
	it_fail "sanitizer report in the serve log"
fi
echo "PASS test-serve-protocol"
