#!/usr/bin/env bash
# Store maintenance: cairn fsck and cairn gc on a real store pulled from docker-registry.
#  - two images that share their first layer (a = [S, A], b = [S, B]), a second tag on a
#  - fsck: clean store -> exit 0; a layer blob corrupted in place (same length) -> exit 1 and
#    one line "blob <digest>: corrupt ..."; a deleted config blob -> one "tag T: missing blob
#    <digest>" line per tag using it; several problems -> one line each, counted on stderr
#  - gc --dry-run reports what gc would delete (count and size) and deletes nothing; gc deletes
#    exactly the blobs no tag reaches (an image untagged by another tool, a stray blob) and
#    keeps the shared layer; rmi deletes an image's unshared blobs itself, leaving gc nothing;
#    partial downloads (hand-made, and one left by a pull killed with -9) go too
#  - gc waits for a running pull (it needs gc.lock exclusive): a pull slowed down by
#    throttle-proxy.py finishes first and its image is intact
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci jq curl sha256sum python3

STORE="$IT_TMP/store"
BG=()
kill_bg() { # the background subshells and the cairn processes they started (*.pid files)
	local p
	for p in "${BG[@]+"${BG[@]}"}" $(cat "$IT_TMP"/*.pid 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
}
it_on_exit kill_bg

c() { "$CAIRN" --root "$STORE" "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
blob() { printf '%s/blobs/sha256/%s\n' "$STORE" "${1#sha256:}"; }
# the store's blobs as sorted sha256:HEX lines
blobs() { find "$STORE/blobs/sha256" -type f -printf 'sha256:%f\n' | sort; }
lines() { printf '%s\n' "$@" | sort; }
# snapshot: every file under blobs/ and state/partial/ with its size and hash
snapshot() {
	local f
	find "$STORE/blobs" "$STORE/state/partial" -type f | sort | while read -r f; do
		printf '%s %s %s\n' "$f" "$(stat -c %s "$f")" "$(sha "$f")"
	done
}
# human SIZE as cairn prints it (docker's units: 1000-based, 3 significant digits)
hsize() { python3 -c 'import sys
b = int(sys.argv[1]); u = ["B", "kB", "MB", "GB", "TB", "PB"]; v = float(b); i = 0
while v >= 1000 and i + 1 < len(u): v /= 1000; i += 1
print("%dB" % b if i == 0 else "%.3g%s" % (v, u[i]))' "$1"; }
sizes() { local d t=0; for d in "$@"; do t=$((t + $(stat -c %s "$(blob "$d")"))); done; echo "$t"; }
# change one byte in the middle of FILE, keeping its length
corrupt() {
	local f=$1 off old new
	off=$(($(stat -c %s "$f") / 2))
	old=$(od -An -tx1 -j "$off" -N1 "$f" | tr -d ' ')
	new=$(printf '%02x' $(((0x$old + 1) % 256)))
	printf '%b' "\\x$new" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}
one_line() { # one_line TEXT WHAT: TEXT is exactly one non-empty line
	[ -n "$1" ] || it_fail "$2: empty"
	assert_eq "$(printf '%s\n' "$1" | wc -l)" 1 "$2: one line (got: $1)"
}
entry() { # entry NAME: the index.json digest for NAME, or empty
	jq -r --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
		"$STORE/index.json"
}
fsck_clean() {
	assert_ok c fsck
	assert_eq "$IT_STDOUT" "fsck: $STORE is consistent" "fsck ($1)"
}

# ---------------------------------------------------------------- images
# a and b share their first layer S (umoci tag of one image, then one own layer each)
L="$IT_TMP/layout"
it_make_image "$L" a 1 64
umoci tag --image "$L:a" b || it_fail "umoci tag"
add_layer() { # add_layer TAG: one more layer with /data/own-TAG (32 KiB random), own label
	local bd="$IT_TMP/bundle-$1"
	umoci unpack --rootless --image "$L:$1" "$bd" >/dev/null || it_fail "umoci unpack $1"
	head -c 32768 /dev/urandom >"$bd/rootfs/data/own-$1"
	umoci repack --image "$L:$1" --history.created_by "own layer of $1" "$bd" >/dev/null ||
		it_fail "umoci repack $1"
	umoci config --image "$L:$1" --config.label "org.cairn.test.own=$1" || it_fail "umoci config $1"
	chmod -R u+rwX "$bd"
	rm -rf "$bd"
}
add_layer a
add_layer b
umoci gc --layout "$L" || it_fail "umoci gc"
BIG_KB=${IT_GC_BIG_KB:-24576}      # 24 MiB of random bytes
RATE=${IT_GC_RATE:-8000000}        # proxy rate, B/s: the big pull takes about 3 s
it_make_image "$L" big 1 "$BIG_KB"

it_registry_start reg plain
it_publish "$L" a "$reg_ADDR/t/a:v1"
it_publish "$L" b "$reg_ADDR/t/b:v1"
it_publish "$L" big "$reg_ADDR/t/big:v1"
A="$reg_ADDR/t/a:v1"
B="$reg_ADDR/t/b:v1"
ALIAS=docker.io/alias/a:v1

manifest() { it_skopeo inspect --raw --tls-verify=false "docker://$reg_ADDR/$1"; }
MA_JSON=$(manifest t/a:v1)
MB_JSON=$(manifest t/b:v1)
mdigest() { it_skopeo inspect --tls-verify=false "docker://$reg_ADDR/$1" | jq -r .Digest; }
MAN_A=$(mdigest t/a:v1)
MAN_B=$(mdigest t/b:v1)
CFG_A=$(jq -r .config.digest <<<"$MA_JSON")
CFG_B=$(jq -r .config.digest <<<"$MB_JSON")
SHARED=$(jq -r '.layers[0].digest' <<<"$MA_JSON")
OWN_A=$(jq -r '.layers[1].digest' <<<"$MA_JSON")
OWN_B=$(jq -r '.layers[1].digest' <<<"$MB_JSON")
assert_eq "$(jq -r '.layers[0].digest' <<<"$MB_JSON")" "$SHARED" "a and b share their first layer"
assert_ne "$OWN_A" "$OWN_B" "a and b have their own second layers"
assert_ne "$CFG_A" "$CFG_B" "a and b have their own configs"

assert_ok c pull -q "$A"
assert_ok c pull -q "$B"
assert_ok c tag "$A" alias/a:v1
assert_eq "$(blobs)" "$(lines "$MAN_A" "$CFG_A" "$SHARED" "$OWN_A" "$MAN_B" "$CFG_B" "$OWN_B")" \
	"store holds the 7 blobs of a and b (the shared layer once)"

# ================================================================ fsck
fsck_clean "two images"

# --- a layer blob corrupted in place, same length
cp "$(blob "$SHARED")" "$IT_TMP/shared.bak"
corrupt "$(blob "$SHARED")"
assert_eq "$(stat -c %s "$(blob "$SHARED")")" "$(stat -c %s "$IT_TMP/shared.bak")" "corruption kept the length"
cmp -s "$(blob "$SHARED")" "$IT_TMP/shared.bak" && it_fail "corrupt() did not change the blob"
assert_rc 1 c fsck
one_line "$IT_STDOUT" "fsck, one corrupt blob: stdout"
assert_contains "$IT_STDOUT" "$SHARED" "fsck corrupt: names the blob"
assert_contains "$IT_STDOUT" "corrupt" "fsck corrupt"
assert_contains "$IT_STDOUT" "sha256:$(sha "$(blob "$SHARED")")" "fsck corrupt: what it hashes to"
one_line "$IT_STDERR" "fsck, one corrupt blob: stderr"
assert_contains "$IT_STDERR" "1 problem found in $STORE" "fsck corrupt: summary"
cp "$IT_TMP/shared.bak" "$(blob "$SHARED")"
fsck_clean "corrupt blob restored"

# --- a config blob deleted: one line per tag using it (a and its alias, not b)
mv "$(blob "$CFG_A")" "$IT_TMP/cfg-a.bak"
assert_rc 1 c fsck
assert_eq "$(printf '%s\n' "$IT_STDOUT" | wc -l)" 2 "fsck missing config: one line per tag (got: $IT_STDOUT)"
assert_eq "$(grep -c "missing blob $CFG_A" <<<"$IT_STDOUT")" 2 "fsck missing config: 'missing blob <digest>'"
assert_contains "$IT_STDOUT" "$A: missing blob $CFG_A" "fsck missing config: tag a"
assert_contains "$IT_STDOUT" "$ALIAS: missing blob $CFG_A" "fsck missing config: tag alias"
assert_not_contains "$IT_STDOUT" "$B" "fsck missing config: b is fine"
assert_contains "$IT_STDERR" "2 problems found" "fsck missing config: summary"

# --- several problems at once: one line each
mv "$(blob "$SHARED")" "$IT_TMP/shared.bak"
corrupt "$(blob "$OWN_B")"
cp "$(blob "$OWN_B")" "$IT_TMP/own-b.corrupt"
assert_rc 1 c fsck
assert_eq "$(printf '%s\n' "$IT_STDOUT" | wc -l)" 6 "fsck: 2 + 3 + 1 problems, one line each (got: $IT_STDOUT)"
assert_eq "$(grep -c "missing blob $SHARED" <<<"$IT_STDOUT")" 3 "fsck: shared layer missing for a, alias and b"
assert_eq "$(grep -c "$OWN_B.*corrupt" <<<"$IT_STDOUT")" 1 "fsck: b's own layer corrupt"
assert_contains "$IT_STDERR" "6 problems found" "fsck several: summary"
mv "$IT_TMP/cfg-a.bak" "$(blob "$CFG_A")"
mv "$IT_TMP/shared.bak" "$(blob "$SHARED")"
rm "$(blob "$OWN_B")"
assert_ok c pull -q "$B"    # the missing layer comes back from the registry
fsck_clean "repaired"

# ================================================================ gc
snap0=$(snapshot)
assert_ok c gc --dry-run
assert_eq "$IT_STDOUT" "Would delete 0 blobs (0B) and 0 partial downloads" "gc --dry-run, nothing to do"
assert_eq "$(snapshot)" "$snap0" "gc --dry-run, nothing to do: store unchanged"

# a stray blob no tag reaches, and a hand-made partial download
printf 'a stray blob\n' >"$IT_TMP/stray"
STRAY="sha256:$(sha "$IT_TMP/stray")"
cp "$IT_TMP/stray" "$(blob "$STRAY")"
head -c 5000 /dev/urandom >"$STORE/state/partial/sha256-$(printf '%064d' 7)"

# rmi of a name whose image another tag still holds: untag only, no blob deleted
assert_ok c rmi alias/a:v1
assert_not_contains "$IT_STDOUT" "Deleted:" "rmi alias: image still tagged, nothing deleted"
assert_eq "$(entry "$ALIAS")" "" "rmi alias: untagged"
# another tool untags a (umoci reads and writes the store as an OCI layout): its manifest,
# config and own layer are garbage now, the shared layer is not
assert_ok umoci rm --image "$STORE:$A"
assert_eq "$(entry "$A")" "" "umoci rm untagged a"
want_size=$(hsize "$(sizes "$MAN_A" "$CFG_A" "$OWN_A" "$STRAY")")
snap1=$(snapshot)
assert_ok c gc --dry-run
assert_eq "$IT_STDOUT" "Would delete 4 blobs ($want_size) and 1 partial downloads" "gc --dry-run"
assert_eq "$(snapshot)" "$snap1" "gc --dry-run deleted nothing"
assert_ok c gc -n
assert_eq "$IT_STDOUT" "Would delete 4 blobs ($want_size) and 1 partial downloads" "gc -n"
assert_eq "$(snapshot)" "$snap1" "gc -n deleted nothing"

assert_ok c gc
assert_eq "$IT_STDOUT" "Deleted 4 blobs ($want_size) and 1 partial downloads" "gc"
assert_eq "$(blobs)" "$(lines "$SHARED" "$MAN_B" "$CFG_B" "$OWN_B")" \
	"gc deleted exactly a's unshared blobs and the stray one, kept the shared layer"
assert_eq "$(find "$STORE/state/partial" -type f | wc -l)" 0 "gc removed the partial download"
fsck_clean "after gc"
assert_ok it_skopeo inspect "oci:$STORE:$B"
assert_eq "$(jq -r '.Layers | join(" ")' <<<"$IT_STDOUT")" "$SHARED $OWN_B" "b intact after gc"
assert_ok c gc
assert_eq "$IT_STDOUT" "Deleted 0 blobs (0B) and 0 partial downloads" "second gc"

# --- cairn rmi deletes the image's unshared blobs itself (as docker rmi): gc finds nothing
assert_ok c pull -q "$A"
assert_ok c rmi "$A"
assert_contains "$IT_STDOUT" "Untagged: $A" "rmi a"
assert_eq "$(grep '^Deleted: ' <<<"$IT_STDOUT" | cut -d' ' -f2 | sort)" "$(lines "$MAN_A" "$CFG_A" "$OWN_A")" \
	"rmi a: deleted its manifest, config and own layer"
assert_eq "$(blobs)" "$(lines "$SHARED" "$MAN_B" "$CFG_B" "$OWN_B")" "rmi a: shared layer kept"
assert_ok c gc
assert_eq "$IT_STDOUT" "Deleted 0 blobs (0B) and 0 partial downloads" "gc after rmi"
fsck_clean "after rmi + gc"

# ---------------------------------------------------------------- slow pulls
_it_spawn proxy "$IT_TMP/proxy.out" python3 "$IT_LIB_DIR/throttle-proxy.py" --upstream "$reg_ADDR" \
	--rate "$RATE" --port-file "$IT_TMP/proxy.port" --log "$IT_TMP/proxy.log"
it_wait_for 10 test -s "$IT_TMP/proxy.port"
PROXY="127.0.0.1:$(cat "$IT_TMP/proxy.port")"
BIG="$PROXY/t/big:v1"
BIG_JSON=$(manifest t/big:v1)
BIG_LAYER=$(jq -r '.layers[0].digest' <<<"$BIG_JSON")
BIG_SIZE=$(jq -r '.layers[0].size' <<<"$BIG_JSON")
PART="$STORE/state/partial/sha256-${BIG_LAYER#sha256:}"
# wait_partial PID: until the big layer's partial holds some bytes (fails if PID exits first)
wait_partial() {
	local i
	for ((i = 0; i < 300; i++)); do
		[ -f "$PART" ] && [ "$(stat -c %s "$PART")" -gt 0 ] && return 0
		kill -0 "$1" 2>/dev/null || it_fail "pull exited before its partial appeared: $(cat "$IT_TMP"/*.err 2>/dev/null)"
		sleep 0.05
	done
	it_fail "no partial download of $BIG_LAYER after 15 s"
}

# --- a partial left by a pull killed with -9 is removed by gc
"$CAIRN" --root "$STORE" pull "$BIG" >"$IT_TMP/killed.out" 2>"$IT_TMP/killed.err" &
pid=$!
BG=("$pid")
wait_partial "$pid"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
BG=()
[ -f "$PART" ] || it_fail "killed pull left no partial"
[ "$(stat -c %s "$PART")" -lt "$BIG_SIZE" ] || it_fail "partial complete already: lower IT_GC_RATE"
assert_eq "$(entry "$BIG")" "" "killed pull: not tagged"
# whatever the killed pull stored (its config, maybe) is unreferenced
KEEP=$(lines "$SHARED" "$MAN_B" "$CFG_B" "$OWN_B")
left=$(comm -23 <(blobs) <(printf '%s\n' "$KEEP"))
nleft=$(grep -c . <<<"$left" || true)
it_log "the killed pull left $nleft unreferenced blob(s) and a partial of $(stat -c %s "$PART") of $BIG_SIZE bytes"
snap2=$(snapshot)
assert_ok c gc --dry-run
assert_contains "$IT_STDOUT" "Would delete $nleft blobs" "gc --dry-run after a killed pull: blobs"
assert_contains "$IT_STDOUT" "and 1 partial downloads" "gc --dry-run after a killed pull: partial"
assert_eq "$(snapshot)" "$snap2" "gc --dry-run kept the killed pull's partial"
assert_ok c gc
assert_contains "$IT_STDOUT" "Deleted $nleft blobs" "gc after a killed pull: blobs"
assert_contains "$IT_STDOUT" "and 1 partial downloads" "gc after a killed pull: partial"
[ ! -e "$PART" ] || it_fail "gc left the killed pull's partial"
assert_eq "$(blobs)" "$KEEP" "gc after a killed pull: b kept, the rest gone"
fsck_clean "after the killed pull's gc"

# --- gc waits for a running pull
cp "$IT_TMP/stray" "$(blob "$STRAY")"      # something for this gc to delete
# run_bg NAME CAIRN_ARGS...: cairn in the background; NAME.pid, then NAME.rc, NAME.end (the
# time it exited, $EPOCHREALTIME), NAME.out, NAME.err in $IT_TMP
run_bg() {
	local n=$1
	shift
	( "$CAIRN" --root "$STORE" "$@" >"$IT_TMP/$n.out" 2>"$IT_TMP/$n.err" &
	  echo $! >"$IT_TMP/$n.pid"
	  rc=0; wait $! || rc=$?
	  echo "$EPOCHREALTIME" >"$IT_TMP/$n.end"; echo "$rc" >"$IT_TMP/$n.rc" ) &
}
run_bg pull pull "$BIG"
ppid=$!
BG=("$ppid")
wait_partial "$ppid"
run_bg gc gc
gpid=$!
BG=("$ppid" "$gpid")
sleep 1
if [ ! -e "$IT_TMP/pull.end" ]; then
	[ ! -e "$IT_TMP/gc.end" ] || it_fail "gc finished while the pull was still running: $(cat "$IT_TMP/gc.out")"
	[ -e "$PART" ] || it_fail "the running pull's partial download disappeared"
else
	it_log "the pull finished within 1 s of gc's start: lower IT_GC_RATE for a sharper check"
fi
wait "$ppid" || true
wait "$gpid" || true
BG=()
assert_eq "$(cat "$IT_TMP/pull.rc")" 0 "pull with gc waiting: rc ($(cat "$IT_TMP/pull.err"))"
assert_eq "$(cat "$IT_TMP/gc.rc")" 0 "gc waiting for a pull: rc ($(cat "$IT_TMP/gc.err"))"
pull_end=$(cat "$IT_TMP/pull.end")
gc_end=$(cat "$IT_TMP/gc.end")
tagged=$(stat -c %.9Y "$STORE/index.json")   # the pull's last step: its tag in index.json
it_log "pull tagged its image at $tagged and exited at $pull_end; gc exited at $gc_end"
later() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) - float(sys.argv[3]) else 1)' "$@"; }
later "$gc_end" "$tagged" 0 || it_fail "gc ended at $gc_end, before the pull it should wait for tagged its image ($tagged)"
# (process exit: the pull releases gc.lock before its exit-time teardown, which ASan makes
# slow, so 0.5 s of slack; a gc that does not wait ends seconds before the pull)
later "$gc_end" "$pull_end" 0.5 || it_fail "gc ended at $gc_end, before the pull it should wait for ($pull_end)"
assert_eq "$(cat "$IT_TMP/gc.err")" "" "gc after waiting: stderr"
assert_eq "$(cat "$IT_TMP/gc.out")" "Deleted 1 blobs ($(hsize 13)) and 0 partial downloads" \
	"gc after waiting: only the stray blob, no partial of the pull"
assert_contains "$(cat "$IT_TMP/pull.out")" "$BIG" "pull output"
[ -n "$(entry "$BIG")" ] || it_fail "pulled image not tagged"
assert_eq "$(sha "$(blob "$BIG_LAYER")")" "${BIG_LAYER#sha256:}" "big layer intact"
[ ! -e "$(blob "$STRAY")" ] || it_fail "gc kept the stray blob"
fsck_clean "after gc waited for the pull"
assert_ok it_skopeo inspect "oci:$STORE:$BIG"
assert_eq "$(jq -r '.Layers[0]' <<<"$IT_STDOUT")" "$BIG_LAYER" "skopeo reads the pulled image"

echo "test-store-maintenance: OK"
