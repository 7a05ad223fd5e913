#!/usr/bin/env bash
# Auth of `cairn serve` (serve_protocol.py --suite auth): htpasswd (bcrypt) users alice and bob,
# access rules "private/*" -> alice (pull, push, delete), "*" -> everyone (pull, push).
#  - token mode (built-in token service), anonymous_pull false: 401 + Bearer challenge with
#    realm/service/scope, /token response shape, wrong password 401, pull-only token cannot
#    push, bob cannot read or push private/*, alice can, delete only where allowed, catalog
#    scope registry:catalog:*
#  - token mode with anonymous_pull true: anonymous pull works, anonymous push still denied
#  - Basic mode (htpasswd, no token section), with and without anonymous pull
# The same suite also runs against docker-registry + the harness token issuer (which grants
# every user everything: the rule checks are expected deviations there).
# shellcheck disable=SC2154  # NAME_URL etc. are exported by lib.sh's it_*_start
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need python3 curl htpasswd
SUITE="$IT_LIB_DIR/serve_protocol.py"
A_PASS=alice-pw-$RANDOM
B_PASS=bob-pw-$RANDOM

run_suite() { # run_suite LABEL URL ARGS...
	local label=$1 url=$2
	shift 2
	local out="$IT_TMP/$label.out"
	if ! python3 "$SUITE" "$url" --suite auth --creds "alice:$A_PASS" --creds2 "bob:$B_PASS" \
		"$@" >"$out" 2>&1; then
		cat "$out" >&2
		return 1
	fi
	it_log "$label: $(tail -1 "$out")"
}

# 1. the reference: docker-registry with the harness token issuer
if command -v docker-registry >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1; then
	it_registry_start drtok token alice "$A_PASS"
	printf 'bob:%s\n' "$B_PASS" >>"$drtok_USERS"
	run_suite dr-token "$drtok_URL" --auth-mode token --service test-registry \
		--peer docker-registry || it_fail "auth suite fails against docker-registry (token)"
	it_registry_stop drtok
fi

# 2. cairn serve
it_need_cairn
HT="$IT_TMP/htpasswd"
htpasswd -Bbn alice "$A_PASS" >"$HT"
htpasswd -Bbn bob "$B_PASS" >>"$HT"
rules='"access": [
      {"repository": "private/*", "users": ["alice"], "actions": ["pull", "push", "delete"]},
      {"repository": "*", "users": ["*"], "actions": ["pull", "push"]}]'
write_config() { # write_config FILE ANON(true|false) TOKEN(yes|no)
	local token=""
	[ "$3" = yes ] && token='"token": {"service": "cairn", "issuer": "cairn", "expires_in": 300},'
	cat >"$1" <<EOF
{"auth": {"htpasswd": "$HT", "anonymous_pull": $2, $token
    $rules}}
EOF
}

fails=0
for variant in token:false token:true basic:false basic:true; do
	mode=${variant%%:*} anon=${variant#*:}
	name="s_${mode}_${anon}"
	cfg="$IT_TMP/$name.json"
	write_config "$cfg" "$anon" "$([ "$mode" = token ] && echo yes || echo no)"
	it_serve_start "$name" "$cfg"
	url_var="${name}_URL"
	args=(--auth-mode "$mode" --service cairn)
	[ "$anon" = true ] && args+=(--anonymous-pull)
	log_var="${name}_LOG"
	if ! run_suite "cairn-$mode-anon-$anon" "${!url_var}" "${args[@]}"; then
		tail -15 "${!log_var}" >&2
		fails=$((fails + 1))
	fi
	it_server_stop "$name"
	if grep -q 'Sanitizer\|runtime error:' "${!log_var}"; then
		grep -A30 'Sanitizer\|runtime error:' "${!log_var}" | head -60 >&2
		fails=$((fails + 1))
	fi
done
[ "$fails" -eq 0 ] || it_fail "$fails auth configuration(s) failed"
echo "PASS test-serve-auth"
