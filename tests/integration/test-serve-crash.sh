#!/usr/bin/env bash
# cairn serve killed with SIGKILL in the middle of pushes, then restarted on the same storage:
#  - an upload cut mid-body leaves no visible blob (HEAD 404 in every repository), and nothing
#    under blobs/ that does not hash to its name
#  - of several concurrent skopeo pushes, every one that finished before the kill still pulls
#    byte for byte after the restart, and the interrupted ones push again
#  - `cairn registry gc` then runs cleanly and every tagged image still pulls
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need skopeo umoci jq curl sha256sum head

it_serve_start reg
R=$reg_ADDR

it_log "an upload killed mid-body leaves nothing visible"
head -c 4000000 /dev/urandom >"$IT_TMP/big.bin"
D="sha256:$(sha256sum "$IT_TMP/big.bin" | cut -d' ' -f1)"
loc=$(curl -fsS -o /dev/null -D - -X POST "http://$R/v2/crash/one/blobs/uploads/" |
	tr -d '\r' | sed -n 's/^Location: //Ip')
[ -n "$loc" ] || it_fail "no upload session"
curl -s --limit-rate 200K -X PUT -H 'Content-Type: application/octet-stream' \
	--data-binary "@$IT_TMP/big.bin" "http://$R$loc?digest=$D" >/dev/null 2>&1 &
curl_pid=$!
sleep 1.5
kill -9 "$reg_PID"
wait "$curl_pid" 2>/dev/null || true
it_server_stop reg
it_serve_start reg
R=$reg_ADDR
code=$(curl -s -o /dev/null -w '%{http_code}' -I "http://$R/v2/crash/one/blobs/$D")
assert_eq "$code" 404 "a blob cut mid-upload is visible"
[ ! -e "$reg_STORAGE/blobs/sha256/${D#sha256:}" ] || it_fail "the cut blob is in blobs/"
it_check_store_blobs "$reg_STORAGE"

it_log "concurrent pushes, SIGKILL, restart"
L="$IT_TMP/layout"
for i in 1 2 3 4 5 6; do it_make_image "$L" "img$i" 2 6000; done
pids=()
for i in 1 2 3 4 5 6; do
	( sleep "0.$((i * 15))"; it_publish "$L" "img$i" "$R/crash/img$i:1" oci && touch "$IT_TMP/done.$i" ) \
		>/dev/null 2>&1 &
	pids+=($!)
done
sleep 1.2
kill -9 "$reg_PID"
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
it_server_stop reg
done_n=$(ls "$IT_TMP"/done.* 2>/dev/null | wc -l)
it_log "$done_n of 6 pushes finished before the kill"
it_serve_start reg
R=$reg_ADDR
it_check_store_blobs "$reg_STORAGE"
for i in 1 2 3 4 5 6; do
	if [ -e "$IT_TMP/done.$i" ]; then
		assert_ok it_skopeo copy -q --src-tls-verify=false "docker://$R/crash/img$i:1" "oci:$IT_TMP/back:img$i"
		assert_eq "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "img'$i'") | .digest' "$IT_TMP/back/index.json")" \
			"$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "img'$i'") | .digest' "$L/index.json")" "img$i digest"
	else
		it_publish "$L" "img$i" "$R/crash/img$i:1" oci
	fi
done
it_log "gc after the crash, then every image pulls"
find "$reg_STORAGE/repositories" "$reg_STORAGE/blobs" -exec touch -h -d "2 days ago" {} +
assert_ok "$CAIRN" registry gc --storage "$reg_STORAGE"
for i in 1 2 3 4 5 6; do
	assert_ok it_skopeo copy -q --src-tls-verify=false "docker://$R/crash/img$i:1" "oci:$IT_TMP/final:img$i"
done
it_check_store_blobs "$reg_STORAGE" --nonempty
it_log "PASS"
