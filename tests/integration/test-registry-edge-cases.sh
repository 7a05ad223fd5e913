#!/usr/bin/env bash
# cairn pull / search against a registry with canned misbehaviours (canned-registry.py): each
# scenario starts the canned registry on a free port, runs cairn, and checks its exit code,
# its stderr (a failure is exactly ONE line "cairn: pull: REF: ...") and the exact requests
# the registry logged (JSON lines: method, path, Range, Authorization present, status, bytes).
#  - redirect           blob 307 to a storage port: Basic credentials never reach it
#  - drop-mid-blob      connection dropped after 1 MiB: resumed with Range bytes=N-, N>0
#  - ignore-range       the resumed GET gets 200 + the whole blob: restarted, digest right
#  - range-416          the resumed GET gets 416: restarted from byte 0
#  - bad-content-range  206 starting at the wrong offset: never stored corrupt
#  - die-mid-blob       drop then 403: fails, partial kept; a later pull resumes from it
#  - rate-limit         manifest 429: one line with 429 and the RateLimit values
#  - flaky-503          2 x 503 per blob: retried with growing backoff
#  - blob-429           429 Retry-After: 1 on each blob: the retry waits >= 1 s
#  - always-503         503 on every blob GET: gives up after a bounded number of attempts
#  - drop-every-mib     every GET drops after 1 MiB: 4 ranged GETs, no byte fetched twice
#  - concurrent         two pulls of the same image into one store at once: each blob once
#  - schema1            "schema 1 images are not supported"
#  - bad-digest-header  Docker-Content-Digest != body: "digest mismatch", nothing stored
#  - huge-manifest      5 MiB manifest: size-limit error, bounded memory
#  - endless-manifest   a 1 GiB manifest body: size-limit error quickly, bounded memory
#  - wrong-size-blob    longer than the manifest says: "size limit exceeded", not stored
#  - short-blob         shorter: "size mismatch", not stored
#  - bad-blob-digest    right size, wrong bytes: "digest mismatch", not stored
#  - bearer             token auth: one token for the whole pull
#  - bearer-expire      the token is rejected after its first use: refreshed once, pull succeeds
#  - no-v1-search       search falls back to /v2/_catalog and follows Link over 3 pages
# One canned-registry.py process serves every scenario, each on its own port. Scenarios run
# in subshells: a failing one is reported and the others still run; the test
# fails at the end listing the failed scenarios. Only one scenario: IT_SCENARIOS="a b".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need python3 jq sha256sum
IT_KEEP=${IT_KEEP:-fail}

CANNED="$IT_LIB_DIR/canned-registry.py"
MIB=1048576
RSS_MAX_KB=$((96 * 1024)) # a 4 MiB manifest limit must not mean hundreds of MiB resident

# ---------------------------------------------------------------- helpers

# canned_start SCENARIO...: start ONE canned-registry.py serving every SCENARIO, each on its
# own free port (python starts slowly on a busy machine: one process, not one per scenario).
CANNED_DIR="$IT_TMP/canned"
canned_start() {
	local s args=() i
	for s in "$@"; do args+=(--scenario "$s"); done
	mkdir -p "$CANNED_DIR"
	it_server_start canned "$CANNED_DIR/server.out" python3 "$CANNED" --dir "$CANNED_DIR" "${args[@]}"
	local pid=$_IT_LAST_PID
	for ((i = 0; i < 300; i++)); do
		[ -s "$CANNED_DIR/ready" ] && break
		kill -0 "$pid" 2>/dev/null || it_fail "canned-registry died: $(cat "$CANNED_DIR/server.out")"
		sleep 0.05
	done
	[ -s "$CANNED_DIR/ready" ] || it_fail "canned-registry did not start: $(cat "$CANNED_DIR/server.out")"
}

# canned_use SCENARIO: sets C_DIR, C_PORT, C_ADDR, C_LOG (request log, JSON lines), C_INFO
# (image info JSON), C_REF (ADDR/edge/img:v1) and C_STORE (a fresh store in C_DIR, unless
# C_STORE is already set: keep the store of a previous step).
canned_use() {
	C_DIR="$CANNED_DIR/$1"
	C_INFO="$C_DIR/info.json"
	C_LOG="$C_DIR/requests.jsonl"
	[ -s "$C_INFO" ] || it_fail "canned-registry does not serve scenario '$1'"
	C_PORT=$(jq -r .port "$C_INFO")
	C_ADDR="127.0.0.1:$C_PORT"
	C_REF="$C_ADDR/edge/img:v1"
	C_STORE=${C_STORE:-"$C_DIR/store"}
}

info() { jq -r "$1" "$C_INFO"; }

# settle: wait until the request log stops growing (the server logs a request when its
# response is finished, which may be just after cairn exits).
settle() {
	local a b i
	for ((i = 0; i < 20; i++)); do
		a=$(wc -l <"$C_LOG")
		sleep 0.1
		b=$(wc -l <"$C_LOG")
		[ "$a" = "$b" ] && return 0
	done
}

# q JQ_FILTER: the logged requests matching `select(FILTER)`, as a JSON array.
q() { jq -s -c "[.[] | select($1)]" "$C_LOG"; }
# nq JQ_FILTER: how many logged requests match.
nq() { jq -s "[.[] | select($1)] | length" "$C_LOG"; }

# run_cairn ARGS...: run $CAIRN ARGS (never fails the test); sets RC, OUT, ERR, ELAPSED (s,
# float) and RSS_KB (cairn's max resident set size). The raw stderr is in $C_DIR/cairn.err.
# A cairn that hangs is killed after 60 s (rc 124/137: the scenario fails, the others run).
run_cairn() {
	local m="$C_DIR/cairn.rusage" t0=$EPOCHREALTIME to=()
	command -v timeout >/dev/null 2>&1 && to=(timeout -k 5 60)
	RC=0
	if [ -x /usr/bin/time ]; then
		"${to[@]+"${to[@]}"}" /usr/bin/time -f '%M' -o "$m" "$CAIRN" "$@" \
			>"$C_DIR/cairn.out" 2>"$C_DIR/cairn.err" || RC=$?
	else
		"${to[@]+"${to[@]}"}" python3 -c '
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)' "$m" "$CAIRN" "$@" >"$C_DIR/cairn.out" 2>"$C_DIR/cairn.err" || RC=$?
	fi
	ELAPSED=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	OUT=$(cat "$C_DIR/cairn.out")
	ERR=$(cat "$C_DIR/cairn.err")
	RSS_KB=$(tail -n1 "$m" 2>/dev/null || echo 0) # GNU time writes "Command exited ..." first
	[[ $RSS_KB =~ ^[0-9]+$ ]] || RSS_KB=0
	it_log "  cairn ${*: -2}: rc=$RC, ${ELAPSED}s, max RSS ${RSS_KB} KiB"
	settle
}

pull() { run_cairn --root "$C_STORE" "$@" pull "$C_REF"; }

# expect_ok WHAT: the last cairn run succeeded with an empty stderr.
expect_ok() {
	[ "$RC" -eq 0 ] || it_fail "$1: cairn failed (rc=$RC): $ERR"
	assert_eq "$ERR" "" "$1: stderr of a successful pull"
}

# expect_fail WHAT: the last cairn run failed with exit 1 and exactly one stderr line
# "cairn: pull: REF: ..." (the one-line error rule).
expect_fail() {
	local f="$C_DIR/cairn.err"
	[ "$RC" -ne 0 ] || it_fail "$1: cairn succeeded, expected a failure; stdout: $OUT"
	assert_eq "$RC" 1 "$1: exit code"
	[ -s "$f" ] || it_fail "$1: empty stderr"
	assert_eq "$(wc -l <"$f" | tr -d ' ')" 1 "$1: stderr is exactly one line (got: $(head -c 1500 "$f"))"
	assert_eq "$(tail -c1 "$f" | od -An -tx1 | tr -d ' ')" 0a "$1: stderr ends with a newline"
	assert_contains "$ERR" "cairn: pull: $C_REF: " "$1: error prefix"
}

# expect_pulled WHAT: the store holds the image: index entry -> manifest digest, every blob
# present with the right content, no partial download left.
expect_pulled() {
	local d f
	assert_contains "$OUT" "Digest: $(info .manifest_digest)" "$1: printed digest"
	assert_eq "$(jq -r --arg n "$C_REF" \
		'.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
		"$C_STORE/index.json")" "$(info .manifest_digest)" "$1: index.json entry"
	for d in $(info '.manifest_digest, .config.digest, .small.digest, .big.digest'); do
		f="$C_STORE/blobs/sha256/${d#sha256:}"
		[ -f "$f" ] || it_fail "$1: blob $d not in the store"
		assert_eq "sha256:$(sha256sum "$f" | cut -d' ' -f1)" "$d" "$1: content of blob $d"
	done
	assert_eq "$(find "$C_STORE/state/partial" -type f 2>/dev/null | wc -l | tr -d ' ')" 0 \
		"$1: partial downloads left behind"
}

# expect_no_entry WHAT: the store has no index.json entry (index.json may not exist).
expect_no_entry() {
	[ -f "$C_STORE/index.json" ] || return 0
	assert_eq "$(jq '.manifests | length' "$C_STORE/index.json")" 0 "$1: index.json entries"
}

# expect_no_blob WHAT DIGEST: DIGEST is not in STORE/blobs.
expect_no_blob() {
	[ ! -e "$C_STORE/blobs/sha256/${2#sha256:}" ] || it_fail "$1: blob $2 was stored"
}

# blob_gets WHICH: the GETs (registry) of blob config|small|big, JSON array in arrival order.
blob_gets() { q ".srv == \"registry\" and .kind == \"blob\" and .method == \"GET\" and .blob == \"$1\""; }

# float_ge A B: A >= B (floats).
float_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
# since T0: seconds elapsed since $EPOCHREALTIME value T0, one decimal.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- scenarios

sc_redirect() {
	canned_use redirect
	local cfg="$C_DIR/docker-config"
	mkdir -p "$cfg"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$C_ADDR" "$(printf u:p | base64)" >"$cfg/config.json"
	pull --config "$cfg"
	# The credential-leak check first: it explains a failing pull (the storage answers 400).
	local st
	st=$(q '.srv == "storage"')
	assert_eq "$(jq 'length' <<<"$st")" 3 "redirect: storage requests (config + 2 layers): $st"
	assert_eq "$(jq '[.[] | select(.auth)] | length' <<<"$st")" 0 \
		"redirect: requests carrying Authorization to the storage port (credential leak): $st"
	assert_eq "$(jq -c '[.[].status] | unique' <<<"$st")" '[200]' "redirect: storage statuses"
	assert_eq "$(nq '.srv == "registry" and .kind == "blob" and .status == 307 and .auth_scheme == "basic"')" 3 \
		"redirect: blob GETs to the registry carried Basic auth and got 307"
	assert_eq "$(nq '.kind == "manifest" and .status == 200 and .auth_scheme == "basic"')" 1 \
		"redirect: manifest GET with Basic auth"
	assert_eq "$(nq '.kind == "ping" and .status == 401 and (.auth | not)')" 1 "redirect: anonymous ping challenged"
	expect_ok redirect
	expect_pulled redirect
}

sc_drop_mid_blob() {
	canned_use drop-mid-blob
	pull
	expect_ok drop-mid-blob
	expect_pulled drop-mid-blob
	local g size n
	g=$(blob_gets big)
	size=$(info .big.size)
	assert_eq "$(jq length <<<"$g")" 2 "drop-mid-blob: big layer GETs: $g"
	assert_eq "$(jq -c '.[0] | [.range, .status, .dropped, .bytes]' <<<"$g")" "[null,200,true,$MIB]" "drop-mid-blob: first GET"
	local r2
	r2=$(jq -r '.[1].range // ""' <<<"$g")
	[[ $r2 =~ ^bytes=([0-9]+)-$ ]] || it_fail "drop-mid-blob: second GET's Range is '$r2', want bytes=N-"
	n=${BASH_REMATCH[1]}
	{ [ "$n" -gt 0 ] && [ "$n" -le "$MIB" ]; } || it_fail "drop-mid-blob: resumed at byte $n (want 0 < N <= $MIB)"
	assert_eq "$(jq -r '.[1].status' <<<"$g")" 206 "drop-mid-blob: resumed GET status"
	assert_eq "$(jq -r '.[1].bytes' <<<"$g")" $((size - n)) "drop-mid-blob: resumed GET fetched the rest only"
	local total
	total=$(jq '[.[].bytes] | add' <<<"$g")
	[ "$total" -lt $((2 * size)) ] || it_fail "drop-mid-blob: $total bytes sent for a $size-byte blob"
	assert_eq "$(jq length <<<"$(blob_gets small)")" 1 "drop-mid-blob: small layer fetched once"
}

sc_ignore_range() {
	canned_use ignore-range
	pull
	expect_ok ignore-range
	expect_pulled ignore-range
	local g
	g=$(blob_gets big)
	assert_eq "$(jq length <<<"$g")" 2 "ignore-range: big layer GETs: $g"
	[[ $(jq -r '.[1].range // ""' <<<"$g") =~ ^bytes=[1-9][0-9]*-$ ]] || it_fail "ignore-range: second GET has no Range: $g"
	assert_eq "$(jq -c '.[1] | [.status, .bytes]' <<<"$g")" "[200,$(info .big.size)]" "ignore-range: 200 with the whole blob"
}

sc_range_416() {
	canned_use range-416
	pull
	expect_ok range-416
	expect_pulled range-416
	local g
	g=$(blob_gets big)
	assert_eq "$(jq -c '[.[] | [(.range // "" | test("^bytes=[1-9]")), .status]]' <<<"$g")" \
		'[[false,200],[true,416],[false,200]]' "range-416: dropped, 416 to the Range, restart from 0: $g"
}

sc_bad_content_range() {
	canned_use bad-content-range
	pull
	if [ "$RC" -eq 0 ]; then
		expect_pulled bad-content-range # restarting is fine too, as long as the bytes are right
	else
		expect_fail bad-content-range
		assert_contains "$ERR" "Content-Range" "bad-content-range: the error names the header"
		expect_no_blob bad-content-range "$(info .big.digest)"
		expect_no_entry bad-content-range
	fi
}

sc_die_mid_blob() {
	canned_use die-mid-blob
	local big part psize
	big=$(info .big.digest)
	pull
	expect_fail die-mid-blob
	assert_contains "$ERR" "403" "die-mid-blob: the error names the status"
	expect_no_entry die-mid-blob
	expect_no_blob die-mid-blob "$big"
	part="$C_STORE/state/partial/sha256-${big#sha256:}"
	[ -f "$part" ] || it_fail "die-mid-blob: no partial download at $part: $(ls -la "$C_STORE/state/partial" 2>&1)"
	psize=$(stat -c %s "$part")
	{ [ "$psize" -gt 0 ] && [ "$psize" -le "$MIB" ]; } || it_fail "die-mid-blob: partial is $psize bytes"
	# Same image (same seed), a well-behaved registry (another port; the partial is keyed
	# by digest): the next pull into the same store continues the partial.
	canned_use plain
	pull
	expect_ok die-mid-blob/resume
	expect_pulled die-mid-blob/resume
	local g
	g=$(blob_gets big)
	assert_eq "$(jq -c '.[0] | [.range, .status]' <<<"$g")" "[\"bytes=$psize-\",206]" \
		"die-mid-blob/resume: the first GET continues the $psize-byte partial: $g"
	assert_eq "$(jq length <<<"$g")" 1 "die-mid-blob/resume: big layer GETs"
}

sc_rate_limit() {
	canned_use rate-limit
	pull
	expect_fail rate-limit
	assert_contains "$ERR" "429" "rate-limit: status"
	assert_contains "$ERR" "100;w=21600" "rate-limit: RateLimit-Limit value"
	assert_contains "$ERR" "0;w=21600" "rate-limit: RateLimit-Remaining value"
	assert_eq "$(nq '.kind == "blob"')" 0 "rate-limit: no blob requests"
	expect_no_entry rate-limit
	float_ge 15 "$ELAPSED" || it_fail "rate-limit: took ${ELAPSED}s"
}

sc_flaky_503() {
	canned_use flaky-503
	pull
	expect_ok flaky-503
	expect_pulled flaky-503
	local w g
	for w in config small big; do
		g=$(blob_gets "$w")
		assert_eq "$(jq -c '[.[].status]' <<<"$g")" '[503,503,200]' "flaky-503: $w GETs: $g"
		float_ge "$(jq '.[1].t - .[0].t' <<<"$g")" 0.2 || it_fail "flaky-503: $w: no backoff before retry 1: $g"
		float_ge "$(jq '.[2].t - .[1].t' <<<"$g")" 0.4 || it_fail "flaky-503: $w: backoff does not grow: $g"
	done
}

sc_blob_429() {
	canned_use blob-429
	pull
	expect_ok blob-429
	expect_pulled blob-429
	local w g
	for w in config small big; do
		g=$(blob_gets "$w")
		assert_eq "$(jq -c '[.[].status]' <<<"$g")" '[429,200]' "blob-429: $w GETs: $g"
		float_ge "$(jq '.[1].t - .[0].t' <<<"$g")" 0.95 || it_fail "blob-429: $w: Retry-After: 1 not honoured: $g"
	done
}

sc_always_503() {
	canned_use always-503
	pull
	expect_fail always-503
	assert_contains "$ERR" "503" "always-503: the error names the status"
	expect_no_entry always-503
	local counts
	counts=$(jq -s -c '[.[] | select(.kind == "blob")] | group_by(.blob) | map(length)' "$C_LOG")
	assert_eq "$(jq 'max' <<<"$counts")" 6 "always-503: GETs per blob (BLOB_ATTEMPTS): $counts"
	assert_eq "$(nq '.kind == "blob" and .status != 503')" 0 "always-503: statuses"
}

sc_drop_every_mib() {
	canned_use drop-every-mib
	pull
	expect_ok drop-every-mib
	expect_pulled drop-every-mib
	local g
	g=$(blob_gets big)
	assert_eq "$(jq -c '[.[].range]' <<<"$g")" \
		"[null,\"bytes=$MIB-\",\"bytes=$((2 * MIB))-\",\"bytes=$((3 * MIB))-\"]" "drop-every-mib: ranges"
	assert_eq "$(jq '[.[].bytes] | add' <<<"$g")" "$(info .big.size)" "drop-every-mib: bytes sent in all"
}

sc_concurrent() {
	canned_use slow-blob
	local p1 p2 rc1=0 rc2=0
	"$CAIRN" --root "$C_STORE" pull "$C_REF" >"$C_DIR/p1.out" 2>"$C_DIR/p1.err" &
	p1=$!
	"$CAIRN" --root "$C_STORE" pull "$C_REF" >"$C_DIR/p2.out" 2>"$C_DIR/p2.err" &
	p2=$!
	wait "$p1" || rc1=$?
	wait "$p2" || rc2=$?
	settle
	assert_eq "$rc1/$rc2" 0/0 "concurrent: exit codes ($(cat "$C_DIR/p1.err" "$C_DIR/p2.err"))"
	assert_eq "$(cat "$C_DIR/p1.err" "$C_DIR/p2.err")" "" "concurrent: stderr"
	OUT=$(cat "$C_DIR/p1.out")
	expect_pulled concurrent
	assert_eq "$(jq -s -c '[.[] | select(.kind == "blob")] | group_by(.blob) | map([.[0].blob, length])' "$C_LOG")" \
		'[["big",1],["config",1],["small",1]]' "concurrent: each blob fetched once by the two pulls"
	assert_eq "$(nq '.kind == "manifest"')" 2 "concurrent: both pulls fetched the manifest"
}

sc_schema1() {
	canned_use schema1
	pull
	expect_fail schema1
	assert_contains "$ERR" "schema 1 images are not supported" "schema1: message"
	assert_eq "$(nq '.kind == "blob"')" 0 "schema1: no blob requests"
	expect_no_entry schema1
}

sc_bad_digest_header() {
	canned_use bad-digest-header
	pull
	expect_fail bad-digest-header
	assert_contains "$ERR" "digest mismatch" "bad-digest-header: message"
	assert_eq "$(nq '.kind == "blob"')" 0 "bad-digest-header: no blob requests"
	expect_no_entry bad-digest-header
	expect_no_blob bad-digest-header "$(info .manifest_digest)"
}

sc_huge_manifest() {
	canned_use huge-manifest
	pull
	expect_fail huge-manifest
	assert_contains "$ERR" "size limit" "huge-manifest: message"
	[ "$RSS_KB" -lt "$RSS_MAX_KB" ] || it_fail "huge-manifest: cairn used ${RSS_KB} KiB"
	assert_eq "$(nq '.kind == "blob"')" 0 "huge-manifest: no blob requests"
	expect_no_entry huge-manifest
}

sc_endless_manifest() {
	canned_use endless-manifest
	pull
	expect_fail endless-manifest
	assert_contains "$ERR" "size limit" "endless-manifest: message"
	[ "$RSS_KB" -lt "$RSS_MAX_KB" ] || it_fail "endless-manifest: cairn used ${RSS_KB} KiB"
	float_ge 20 "$ELAPSED" || it_fail "endless-manifest: took ${ELAPSED}s"
	local sent
	sent=$(jq -s '[.[] | select(.kind == "manifest") | .bytes] | add' "$C_LOG")
	[ "$sent" -lt $((64 * MIB)) ] || it_fail "endless-manifest: the client read $sent bytes"
	expect_no_entry endless-manifest
}

sc_wrong_size_blob() {
	canned_use wrong-size-blob
	pull
	expect_fail wrong-size-blob
	case "$ERR" in
	*"size limit exceeded"* | *"size mismatch"*) ;;
	*) it_fail "wrong-size-blob: want \"size limit exceeded\" or \"size mismatch\", got: $ERR" ;;
	esac
	assert_contains "$ERR" "$(info .big.digest)" "wrong-size-blob: the error names the blob"
	expect_no_blob wrong-size-blob "$(info .big.digest)"
	expect_no_entry wrong-size-blob
}

sc_short_blob() {
	canned_use short-blob
	pull
	expect_fail short-blob
	assert_contains "$ERR" "size mismatch" "short-blob: message"
	assert_contains "$ERR" "$(info .big.digest)" "short-blob: the error names the blob"
	expect_no_blob short-blob "$(info .big.digest)"
	expect_no_entry short-blob
}

sc_bad_blob_digest() {
	canned_use bad-blob-digest
	local big
	big=$(info .big.digest)
	pull
	expect_fail bad-blob-digest
	assert_contains "$ERR" "digest mismatch" "bad-blob-digest: message"
	assert_contains "$ERR" "$big" "bad-blob-digest: the error names the blob"
	expect_no_blob bad-blob-digest "$big"
	expect_no_entry bad-blob-digest
	[ ! -e "$C_STORE/state/partial/sha256-${big#sha256:}" ] || it_fail "bad-blob-digest: corrupt partial kept"
}

sc_bearer() {
	canned_use bearer
	pull
	expect_ok bearer
	expect_pulled bearer
	local t
	t=$(q '.kind == "token"')
	assert_eq "$(jq '[.[] | select(.path | test("scope=repository%3Aedge%2Fimg%3Apull|scope=repository:edge/img:pull"))] | length' <<<"$t")" 1 \
		"bearer: token requests for repository:edge/img:pull (token reuse): $t"
	assert_eq "$(jq '[.[] | select(.path | test("service=canned") | not)] | length' <<<"$t")" 0 "bearer: service=canned on every token request: $t"
	assert_eq "$(nq '(.kind == "manifest" or .kind == "blob") and .status == 200 and .auth_scheme == "bearer"')" 4 \
		"bearer: manifest + 3 blobs fetched with a bearer token"
	assert_eq "$(jq -s '[.[] | select((.kind == "manifest" or .kind == "blob") and .status == 200) | .token] | unique | length' "$C_LOG")" 1 \
		"bearer: one token for the manifest and every blob"
	assert_eq "$(jq length <<<"$t")" 1 "bearer: token requests for a whole pull (an anonymous 401 on the /v2/ ping needs no token): $t"
}

sc_bearer_expire() {
	canned_use bearer-expire
	pull
	expect_ok bearer-expire
	expect_pulled bearer-expire
	# Requests refused with the same stale token share one refresh: threads that see a newer
	# token in the cache use it instead of fetching their own.
	assert_eq "$(nq '.kind == "token" and (.path | test("scope=repository"))')" 2 \
		"bearer-expire: the first repository token + one refresh: $(q '.kind == "token"')"
	[ "$(nq '(.kind == "blob" or .kind == "manifest") and .status == 401 and .auth_scheme == "bearer"')" -ge 1 ] ||
		it_fail "bearer-expire: the registry never refused the single-use token"
	local w
	for w in config small big; do
		assert_eq "$(jq -c '[.[] | select(.status == 200)] | length' <<<"$(blob_gets "$w")")" 1 "bearer-expire: $w fetched"
	done
}

sc_no_v1_search() {
	canned_use no-v1-search
	run_cairn --root "$C_DIR/store" search "$C_ADDR/a"
	[ "$RC" -eq 0 ] || it_fail "search: rc=$RC: $ERR"
	local i
	for i in 1 2 3 4 5 6 7; do
		grep -q "^$C_ADDR/a${i}[[:space:]]" <<<"$OUT" || it_fail "search: $C_ADDR/a$i not listed: $OUT"
	done
	assert_not_contains "$OUT" "edge/img" "search: edge/img does not match 'a'"
	assert_eq "$(nq '.kind == "search" and .status == 404')" 1 "search: /v1/search tried once"
	local c
	c=$(q '.kind == "catalog"')
	[ "$(jq length <<<"$c")" -ge 3 ] || it_fail "search: catalog requests: $c"
	assert_eq "$(jq -c '[.[] | .path | capture("last=(?<l>[^&]*)").l // "-"]' <<<"$c")" '["-","a3","a6"]' \
		"search: followed the Link pages: $c"
	assert_eq "$(jq -c '[.[].status] | unique' <<<"$c")" '[200]' "search: catalog statuses"
	# --format json lists the same 7
	run_cairn --root "$C_DIR/store" search --format json "$C_ADDR/a"
	assert_eq "$(jq -c '[.[].Name | sub(".*/"; "")]' <<<"$OUT")" '["a1","a2","a3","a4","a5","a6","a7"]' "search: json names"
}

# ---------------------------------------------------------------- run

ALL="redirect drop_mid_blob ignore_range range_416 bad_content_range die_mid_blob rate_limit
	flaky_503 blob_429 always_503 drop_every_mib concurrent schema1 bad_digest_header huge_manifest endless_manifest wrong_size_blob
	short_blob bad_blob_digest bearer bearer_expire no_v1_search"
SCENARIOS=${IT_SCENARIOS:-$ALL}
t0=$EPOCHREALTIME
canned_start all
it_log "canned registry up ($(since "$t0")s): $(cat "$CANNED_DIR/ready")"
failed=()
for s in $SCENARIOS; do
	s=${s//-/_}
	declare -F "sc_$s" >/dev/null || it_fail "unknown scenario '$s'"
	ts=$EPOCHREALTIME
	set +e
	( set -euo pipefail; unset C_STORE; "sc_$s" )
	rc=$?
	set -e
	if [ "$rc" -eq 0 ]; then
		it_log "scenario ${s//_/-}: PASS ($(since "$ts")s)"
	else
		it_log "scenario ${s//_/-}: FAIL ($(since "$ts")s)"
		failed+=("${s//_/-}")
	fi
done
dt=$(since "$t0")
[ "${#failed[@]}" -eq 0 ] || it_fail "failed scenarios (${#failed[@]}): ${failed[*]} (${dt}s)"
echo "test-registry-edge-cases: OK (${dt}s)"
