#!/usr/bin/env bash
# cairn pull resumes an interrupted download, and concurrent pulls share one store safely.
#  - a 200 MiB layer is pulled through a rate-limited proxy (throttle-proxy.py) so the pull
#    can be caught mid-way; it is killed -9 once STORE/state/partial/<algo>-<hex> holds >= 30 %
#  - the next pull asks for the rest only (a 206 answer in the registry's access log, bytes
#    sent = size - partial), succeeds, and the stored blob hashes right
#  - a corrupted partial costs one failed pull ("digest mismatch"), never a wedged store
#  - a partial that already holds every byte (killed between the last write and the commit)
#    completes the pull
#  - two (three) concurrent pulls of the same image into one store all succeed; fsck is clean
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci jq curl sha256sum python3

STORE="$IT_TMP/store"
# background pulls still running (killed by the EXIT trap if the test fails early)
BG=()
kill_bg() { local p; for p in "${BG[@]+"${BG[@]}"}"; do kill -9 "$p" 2>/dev/null; done; }
it_on_exit kill_bg
BIG_KB=${IT_RESUME_KB:-204800}     # 200 MiB of random bytes: the layer is about that size
RATE=${IT_RESUME_RATE:-60000000}   # proxy rate, bytes/s (a full pull: ~3.5 s)

L="$IT_TMP/layout"
it_make_image "$L" big 1 "$BIG_KB"
it_make_image "$L" mid 1 8192
it_make_image "$L" conc 4 2048
it_registry_start reg plain
it_publish "$L" big "$reg_ADDR/test/big:v1"
it_publish "$L" mid "$reg_ADDR/test/mid:v1"
it_publish "$L" conc "$reg_ADDR/test/conc:v1"

# the rate-limited way to the registry
_it_spawn proxy "$IT_TMP/proxy.out" python3 "$IT_LIB_DIR/throttle-proxy.py" --upstream "$reg_ADDR" \
	--rate "$RATE" --port-file "$IT_TMP/proxy.port" --log "$IT_TMP/proxy.log"
it_wait_for 10 test -s "$IT_TMP/proxy.port"
PROXY="127.0.0.1:$(cat "$IT_TMP/proxy.port")"
it_log "throttle proxy on $PROXY -> $reg_ADDR at $RATE B/s"

layer() { it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/$1" | jq -c '.layers[0]'; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# sent_lines HEX FROM_LINE: cairn's GETs of blob HEX in the registry log after line FROM_LINE
# (the access log's 9th field is the status, the 10th the bytes sent)
sent_lines() {
	tail -n +"$(($2 + 1))" "$reg_LOG" | grep -F '"cairn/' | grep -F '"GET /v2/' | grep -F "/blobs/sha256:$1 " || true
}
entry_digest() {
	[ -f "$STORE/index.json" ] || return 0
	jq -r --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
		"$STORE/index.json"
}
store_fsck() { it_check_store_blobs "$STORE" --nonempty; }

# ---------------------------------------------------------------- kill -9 and resume
lj=$(layer test/big:v1)
D=$(jq -r .digest <<<"$lj"); S=$(jq -r .size <<<"$lj"); HEX=${D#sha256:}
PART="$STORE/state/partial/sha256-$HEX"
NAME="$PROXY/test/big:v1"

"$CAIRN" --root "$STORE" pull "$NAME" >"$IT_TMP/pull1.out" 2>"$IT_TMP/pull1.err" &
pid=$!
BG=("$pid")
want=$((S * 3 / 10))
caught=0
for ((i = 0; i < 600; i++)); do   # <= 60 s
	if [ -f "$PART" ] && [ "$(stat -c %s "$PART")" -ge "$want" ]; then caught=1; break; fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
BG=()
[ "$caught" = 1 ] || it_fail "did not see a partial of >= $want bytes (pull exited? $(cat "$IT_TMP/pull1.err"))"
P=$(stat -c %s "$PART")
[ "$P" -lt "$S" ] || it_fail "partial already complete ($P of $S bytes): lower IT_RESUME_RATE"
[ ! -e "$STORE/blobs/sha256/$HEX" ] || it_fail "killed pull stored the blob"
assert_eq "$(entry_digest "$NAME")" "" "killed pull: no index.json entry"
cmp -s -n "$P" "$PART" "$(it_registry_blob_path reg "$D")" || it_fail "partial is not a prefix of the blob"

mark=$(wc -l <"$reg_LOG")
t0=$(date +%s.%N)
assert_ok "$CAIRN" --root "$STORE" pull "$NAME"
t1=$(date +%s.%N)
sent=$(sent_lines "$HEX" "$mark")
F=$(awk '{s += $10} END {print s + 0}' <<<"$sent")
SENT_STATUSES=$(awk '{print $9}' <<<"$sent" | tr '\n' ' ')
echo "resume: first run kept $P bytes; second run fetched $F of $S bytes (statuses: $SENT_STATUSES; $(python3 -c "print(round($t1 - $t0, 2))") s)"
assert_eq "$SENT_STATUSES" "206 " "resume: one ranged GET answered 206"
[ "$F" -lt "$S" ] || it_fail "resume: fetched $F bytes, not less than the blob's $S"
assert_eq "$F" "$((S - P))" "resume: fetched exactly the missing bytes"
assert_eq "$(sha "$STORE/blobs/sha256/$HEX")" "$HEX" "resumed blob hashes right"
[ ! -e "$PART" ] || it_fail "partial left after the blob was committed"
[ -n "$(entry_digest "$NAME")" ] || it_fail "resumed pull: no index.json entry"
assert_ok it_skopeo inspect "oci:$STORE:$NAME"
assert_eq "$(jq -r '.Layers[0]' <<<"$IT_STDOUT")" "$D" "skopeo reads the resumed image"

# ---------------------------------------------------------------- corrupted partial
# (a byte of the partial changed on disk: the resumed download cannot match the digest)
lj=$(layer test/mid:v1)
MD=$(jq -r .digest <<<"$lj"); MS=$(jq -r .size <<<"$lj"); MHEX=${MD#sha256:}
MPART="$STORE/state/partial/sha256-$MHEX"
head -c $((MS / 2)) "$(it_registry_blob_path reg "$MD")" >"$MPART"
printf 'X' | dd of="$MPART" bs=1 seek=1000 conv=notrunc status=none
cmp -s "$MPART" <(head -c $((MS / 2)) "$(it_registry_blob_path reg "$MD")") &&
	printf 'Y' | dd of="$MPART" bs=1 seek=1000 conv=notrunc status=none
if "$CAIRN" --root "$STORE" pull "$reg_ADDR/test/mid:v1" >"$IT_TMP/mid.out" 2>"$IT_TMP/mid.err"; then
	it_log "corrupted partial: cairn re-verified and fetched afresh"
else
	assert_contains "$(cat "$IT_TMP/mid.err")" "digest mismatch" "corrupted partial: error"
	[ ! -e "$MPART" ] || it_fail "corrupted partial kept after the digest mismatch"
	assert_ok "$CAIRN" --root "$STORE" pull "$reg_ADDR/test/mid:v1"
fi
assert_eq "$(sha "$STORE/blobs/sha256/$MHEX")" "$MHEX" "mid blob after a corrupted partial"

# ---------------------------------------------------------------- concurrent pulls
for round in 1 2 3; do
	STORE="$IT_TMP/store-conc-$round"
	n=2; [ "$round" = 3 ] && n=3
	mark=$(wc -l <"$reg_LOG")
	pids=()
	for ((k = 1; k <= n; k++)); do
		"$CAIRN" --root "$STORE" pull "$reg_ADDR/test/conc:v1" >"$IT_TMP/c$round-$k.out" 2>"$IT_TMP/c$round-$k.err" &
		pids+=($!)
		BG=("${pids[@]}")
	done
	for ((k = 1; k <= n; k++)); do
		rc=0
		wait "${pids[k - 1]}" || rc=$?
		[ "$rc" = 0 ] || { it_fail "concurrent pull $k/$n (round $round) failed rc=$rc: $(cat "$IT_TMP/c$round-$k.err")"; }
	done
	BG=()
	gets=$(tail -n +"$((mark + 1))" "$reg_LOG" | grep -F '"cairn/' | grep -c '"GET /v2/test/conc/blobs/' || true)
	it_log "round $round: $n concurrent pulls, $gets blob GETs for 5 blobs"
	store_fsck
	assert_eq "$(jq --arg n "$reg_ADDR/test/conc:v1" \
		'[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)] | length' \
		"$STORE/index.json")" 1 "round $round: one index entry"
	assert_eq "$(find "$STORE/state/partial" -type f | wc -l)" 0 "round $round: no partials left"
done
assert_ok it_skopeo copy -q "oci:$STORE:$reg_ADDR/test/conc:v1" "dir:$IT_TMP/out-conc"

# ---------------------------------------------------------------- complete partial
# Killed after the last byte was written but before the commit: the partial holds the whole
# blob. Resuming asks "Range: bytes=SIZE-", which docker-registry 2.8 answers with a broken
# 416 (Content-Length of the whole blob, then a dropped connection; see PEERS.md). The pull
# must still complete (verify the partial and commit it, or start over).
STORE="$IT_TMP/store-full-partial"
assert_ok "$CAIRN" --root "$STORE" pull "$reg_ADDR/test/mid:v1"
rm "$STORE/blobs/sha256/$MHEX"
cp "$(it_registry_blob_path reg "$MD")" "$STORE/state/partial/sha256-$MHEX"
t0=$(date +%s)
rc=0
"$CAIRN" --root "$STORE" pull "$reg_ADDR/test/mid:v1" >"$IT_TMP/full.out" 2>"$IT_TMP/full.err" || rc=$?
it_log "complete partial: rc=$rc after $(($(date +%s) - t0)) s: $(cat "$IT_TMP/full.err")"
assert_eq "$rc" 0 "pull with a complete partial"
assert_eq "$(sha "$STORE/blobs/sha256/$MHEX")" "$MHEX" "complete partial: blob"

echo "test-pull-resume: OK"
