# shellcheck shell=bash
# bench/lib.sh: shared code of the benchmark scripts (bench/pull, bench/unpack): the
# cached image generation, the cairn binary, cold-cache runs and the report helpers.
# Sourced after `set -euo pipefail`, with BENCH_NAME (used in messages) and QUICK set.
# shellcheck disable=SC2034  # variables used by the scripts that source this file

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=../tests/integration/lib.sh disable=SC1091
. "$REPO_DIR/tests/integration/lib.sh"

CACHE=${CAIRN_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cairn-bench}
SETTLE=${BENCH_SETTLE:-1}
GEN_VERSION=1   # bump when the generated images change

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }

need() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "required command '$c' not found (see bench/README.md)"; done
}
has_tool() { case " $TOOLS " in *" $1 "*) return 0 ;; esac; return 1; }
has_image() { case " $IMAGES " in *" $1 "*) return 0 ;; esac; return 1; }

# check_list KIND "VALUES" ALLOWED...: every word of VALUES is one of ALLOWED.
check_list() {
	local kind=$1 values=$2 v a ok
	shift 2
	for v in $values; do
		ok=0
		for a in "$@"; do [ "$v" = "$a" ] && ok=1; done
		[ "$ok" = 1 ] || die "unknown $kind '$v' (one of: $*)"
	done
}

# bench_cairn_binary: sets CAIRN (building the release preset when unset) and CAIRN_SRC.
bench_cairn_binary() {
	if [ -z "${CAIRN:-}" ]; then
		log "building cairn (release preset)"
		(cd "$REPO_DIR" && cmake --preset release >/dev/null && cmake --build --preset release >/dev/null) ||
			die "release build failed (other work in progress? set CAIRN=/path/to/cairn)"
		CAIRN=$REPO_DIR/build/release/src/cli/cairn
	fi
	[ -x "$CAIRN" ] || die "cairn binary '$CAIRN' not executable"
	CAIRN_SRC=$(readlink -f "$CAIRN")
}

# CAN_DROP=1 when the page cache can be dropped (root).
CAN_DROP=1
if ! { sync && echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
	CAN_DROP=0
	log "WARNING: cannot write /proc/sys/vm/drop_caches (not root?): runs are NOT cold"
fi

# cold_start WARM_FN ARGS...: before a timed run: sync, drop the page cache, call WARM_FN
# ARGS (reads the inputs once: warm source), then pause BENCH_SETTLE seconds.
cold_start() {
	sync
	if [ "$CAN_DROP" = 1 ]; then echo 3 >/proc/sys/vm/drop_caches; fi
	"$@"
	sleep "$SETTLE"
}

# ------------------------------------------------------------------ image generation (cached)
# The images live as OCI layouts in $CACHE/layouts/IMG-gGEN_VERSION[-quick]; the history
# strings say "bench/pull" (where this code started): keep them, the cached images stay valid.

# Deterministic incompressible bytes: AES-CTR keystream (fast, reproducible from SEED).
keystream() { # SEED BYTES
	openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:$1" </dev/zero 2>/dev/null | head -c "$2"
}

# tar_dir DIR OUT.tar: deterministic tar (sorted, root-owned, fixed mtime) of DIR's content.
tar_dir() {
	tar -C "$1" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
		--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		-cf "$2" .
}

# layout_from_tars LAYOUT TAG DESC TAR...: OCI layout with one gzip layer per TAR
# (umoci compresses them), cmd /bin/sh, then gc.
layout_from_tars() {
	local layout=$1 tag=$2 desc=$3 t n=0
	shift 3
	umoci init --layout "$layout" >/dev/null
	umoci new --image "$layout:$tag" >/dev/null
	for t in "$@"; do
		n=$((n + 1))
		umoci raw add-layer --image "$layout:$tag" --history.created_by "bench/pull: $desc layer $n" "$t" >/dev/null
	done
	umoci config --image "$layout:$tag" --config.cmd /bin/sh \
		--config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		--history.created_by "bench/pull: config" >/dev/null
	umoci gc --layout "$layout" >/dev/null
}

# (a) big: 3 layers; each holds 4 files of incompressible bytes + 1 hex-dump text file
# (compresses ~3x), ~205 MB gzip per layer (quick: ~10 MB).
gen_big() {
	local layout=$1 work=$2 l f mb=45 hexmb=20 tars=()
	[ "$QUICK" = 1 ] && mb=2 hexmb=1
	for l in 1 2 3; do
		rm -rf "$work/rootfs"
		mkdir -p "$work/rootfs/opt/big$l"
		for f in 1 2 3 4; do
			keystream "big-$l-$f" $((mb * 1000000)) >"$work/rootfs/opt/big$l/blob$f.bin"
		done
		keystream "big-$l-text" $((hexmb * 1000000)) | od -An -tx1 -v >"$work/rootfs/opt/big$l/dump.txt"
		tar_dir "$work/rootfs" "$work/layer$l.tar"
		tars+=("$work/layer$l.tar")
	done
	rm -rf "$work/rootfs"
	layout_from_tars "$layout" v1 "big" "${tars[@]}"
}

# (b) many: one layer of 30,000 small files (quick: 2,000).
gen_many() {
	local layout=$1 work=$2 n=30000
	[ "$QUICK" = 1 ] && n=2000
	python3 "$BENCH_DIR/gen-smallfiles.py" "$work/layer.tar" "$n" 1
	layout_from_tars "$layout" v1 "many ($n files)" "$work/layer.tar"
}

debian_mirror() {
	if [ -n "${BENCH_DEBIAN_MIRROR:-}" ]; then printf '%s\n' "$BENCH_DEBIAN_MIRROR"; return; fi
	local m=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		m=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
		m=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
	fi
	printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# $CACHE/minbase.tar: debootstrap --variant=minbase bookworm, without /dev, /proc, /sys
# content, downloaded .debs and apt lists (as in Debian's published images).
ensure_minbase_tar() {
	[ -s "$CACHE/minbase.tar" ] && return 0
	local d mirror
	mirror=$(debian_mirror)
	d=$(mktemp -d "$CACHE/.debootstrap.XXXXXX")
	log "debootstrap --variant=minbase bookworm from $mirror (1-3 min, cached in $CACHE/minbase.tar)"
	if ! debootstrap --variant=minbase bookworm "$d/root" "$mirror" >"$d/log" 2>&1; then
		tail -20 "$d/log" >&2
		umount -R "$d/root/proc" "$d/root/sys" 2>/dev/null || true
		rm -rf "$d"
		die "debootstrap failed"
	fi
	rm -rf "$d/root/dev/"* "$d/root/proc/"* "$d/root/sys/"* "$d/root/var/cache/apt/archives/"*.deb \
		"$d/root/var/lib/apt/lists/"* "$d/root/var/log/bootstrap.log" "$d/root/debootstrap" 2>/dev/null || true
	tar_dir "$d/root" "$d/minbase.tar"
	mv "$d/minbase.tar" "$CACHE/minbase.tar"
	rm -rf "$d"
}

gen_minbase() {
	local layout=$1
	ensure_minbase_tar
	layout_from_tars "$layout" v1 "debootstrap --variant=minbase bookworm" "$CACHE/minbase.tar"
}

# need_image_tools: the commands image generation needs (debootstrap only when the minbase
# tarball is not cached yet).
need_image_tools() {
	need umoci python3 openssl tar jq
	if has_image minbase && [ ! -s "$CACHE/minbase.tar" ]; then need debootstrap; fi
}

# ensure_layout IMG: prints the cached layout path (generating it when missing).
ensure_layout() {
	local img=$1 key dir tmp
	mkdir -p "$CACHE/layouts"
	key="$img-g$GEN_VERSION"
	[ "$QUICK" = 1 ] && key="$key-quick"
	[ "$img" = minbase ] && key="$img-g$GEN_VERSION"
	dir="$CACHE/layouts/$key"
	if [ ! -f "$dir/.complete" ]; then
		rm -rf "$dir"
		tmp=$(mktemp -d "$CACHE/layouts/.tmp-$key.XXXXXX")
		log "generating image '$img' into $dir"
		"gen_$img" "$tmp/layout" "$tmp"
		mv "$tmp/layout" "$dir"
		rm -rf "$tmp"
		: >"$dir/.complete"
	fi
	printf '%s\n' "$dir"
}

# image_blobs LAYOUT: "digest size" of config + layers of tag v1.
image_blobs() {
	local l=$1 m
	m=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v1") | .digest' "$l/index.json")
	jq -r '.config, .layers[] | "\(.digest) \(.size)"' "$l/blobs/sha256/${m#sha256:}"
}

# ------------------------------------------------------------------ runs and report
# Runs are lines of $RAW (TSV): image tool round secs rss_kb cpu_s status.

# timed TOOL IMG ROUND CMD...: runs CMD (stdout to /dev/null, stderr to $OUT/stderr.txt)
# under GNU time, appends its line to $RAW; sets FAILED=1 when CMD fails. With
# TIMED_NO_RUSAGE=1, the peak RSS and CPU are not recorded (a client whose server does the work).
timed() {
	local tool=$1 img=$2 round=$3 t0 t1 rc=0 rss="" cpu="" secs u s status=ok
	local tf="$OUT/time.txt" ef="$OUT/stderr.txt"
	shift 3
	rm -f "$tf"
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%M %U %S' -o "$tf" "$@" >/dev/null 2>"$ef" || rc=$?
	t1=$EPOCHREALTIME
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
	if [ -s "$tf" ] && [ "${TIMED_NO_RUSAGE:-0}" != 1 ]; then
		read -r rss u s < <(tail -1 "$tf")
		cpu=$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')
	fi
	if [ "$rc" -ne 0 ]; then
		status=fail
		FAILED=1
		log "FAILED: $tool $img round $round (rc=$rc): $(head -c 2000 "$ef")"
	fi
	record "$img" "$tool" "$round" "$secs" "${rss:--}" "${cpu:--}" "$status"
}

# record IMG TOOL ROUND SECS RSS_KB CPU_S STATUS
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
	local rss=$5
	[ "$rss" = - ] && rss=""
	log "$1 round $3 $2: ${4}s${rss:+ rss $((rss / 1024)) MB cpu ${6}s}$([ "$7" = ok ] || echo " $7")"
}

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "-"; exit} if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { # IMG TOOL FIELD(4=secs 5=rss 6=cpu): ok values
	awk -F'\t' -v i="$1" -v t="$2" -v f="$3" '$1 == i && $2 == t && $7 == "ok" && $f != "-" {print $f}' "$RAW"
}
ratio() { # A B -> A/B
	awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b}'
}
mb() { awk -v k="$1" 'BEGIN {if (k == "-" || k == "") print "-"; else printf "%.1f", k / 1024}'; }

# target DESC VALUE OP LIMIT: prints a PASS/MISS/SKIP line (SKIP when VALUE is "-").
target() {
	local d=$1 v=$2 op=$3 lim=$4 res
	if [ "$v" = - ] || [ -z "$v" ]; then res=SKIP
	elif awk -v v="$v" -v l="$lim" -v op="$op" 'BEGIN {exit !((op == ">=" && v >= l) || (op == ">" && v > l) || (op == "<" && v < l) || (op == "<=" && v <= l))}'; then res=PASS
	else res=MISS; fi
	printf '  %-4s  %-60s %s %s %s\n' "$res" "$d" "$v" "$op" "$lim"
}
