#!/usr/bin/env bash
# cairn pull against authenticating registries (docker-registry with htpasswd Basic auth, and
# with Bearer tokens from the harness's token issuer). Credentials come from a docker-format
# config.json written here directly ($DOCKER_CONFIG, or --config DIR).
#  - anonymous pull of a protected image: exit 1, one line, "authentication required"
#  - wrong password: exit 1, "wrong credentials"; right one: success
#  - token: the issuer is asked for scope repository:NAME:pull only, one scoped token per
#    pull serves the manifest and every blob; pull-only users suffice
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci htpasswd openssl jq curl base64

STORE="$IT_TMP/store"
pull() { "$CAIRN" --root "$STORE" pull "$@"; }
# write_auth DIR HOST USER:PASS [HOST2 USER2:PASS2 ...]: docker config.json in DIR
write_auth() {
	local dir=$1 first=1
	shift
	mkdir -p "$dir"
	{
		printf '{"auths":{'
		while [ $# -ge 2 ]; do
			[ "$first" = 1 ] || printf ','
			first=0
			printf '"%s":{"auth":"%s"}' "$1" "$(printf '%s' "$2" | base64 -w0)"
			shift 2
		done
		printf '}}\n'
	} >"$dir/config.json"
}
no_auth() { rm -f "$DOCKER_CONFIG/config.json"; }
one_line() { assert_eq "$(wc -l <<<"$IT_STDERR")" 1 "$1: one-line error"; }
not_stored() { # not_stored NAME: no index.json entry for NAME
	[ ! -f "$STORE/index.json" ] && return 0
	if jq -e --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)' \
		"$STORE/index.json" >/dev/null; then
		it_fail "failed pull left an entry for $1"
	fi
}

L="$IT_TMP/layout"
it_make_image "$L" img 5 16

# ---------------------------------------------------------------- htpasswd (Basic)
HPASS='pa ss:w0rd'   # a space and a colon: the password is everything after the first ':'
it_registry_start h htpasswd bob "$HPASS"
it_publish "$L" img "$h_ADDR/test/img:v1" --creds "bob:$HPASS"
NAME="$h_ADDR/test/img:v1"

no_auth
assert_rc 1 pull "$NAME"
one_line "htpasswd anonymous"
assert_contains "$IT_STDERR" "cairn: pull: $NAME: registry $h_ADDR" "htpasswd anonymous: prefix"
assert_contains "$IT_STDERR" "authentication required" "htpasswd anonymous"
not_stored "$NAME"

write_auth "$DOCKER_CONFIG" "$h_ADDR" "bob:wrong"
assert_rc 1 pull "$NAME"
one_line "htpasswd wrong password"
assert_contains "$IT_STDERR" "wrong credentials" "htpasswd wrong password"
not_stored "$NAME"

# credentials for another registry only: still anonymous here
write_auth "$DOCKER_CONFIG" "127.0.0.1:1" "bob:$HPASS"
assert_rc 1 pull "$NAME"
assert_contains "$IT_STDERR" "authentication required" "htpasswd creds for another host"

write_auth "$DOCKER_CONFIG" "127.0.0.1:1" "x:y" "$h_ADDR" "bob:$HPASS"
assert_ok pull "$NAME"
assert_eq "$(grep -c 'Pull complete' <<<"$IT_STDOUT")" 5 "htpasswd: 5 layers"
assert_ok it_skopeo copy -q "oci:$STORE:$NAME" "dir:$IT_TMP/out-h"
# the secret never shows up in cairn's output
assert_not_contains "$IT_STDOUT$IT_STDERR" "w0rd" "password not printed"
assert_not_contains "$IT_STDOUT$IT_STDERR" "$(printf '%s' "bob:$HPASS" | base64 -w0)" "auth not printed"

# --config DIR takes precedence over $DOCKER_CONFIG
write_auth "$DOCKER_CONFIG" "$h_ADDR" "bob:wrong"
write_auth "$IT_TMP/other-config" "$h_ADDR" "bob:$HPASS"
STORE="$IT_TMP/store-config"
assert_ok "$CAIRN" --root "$STORE" --config "$IT_TMP/other-config" pull "$NAME"
assert_rc 1 "$CAIRN" --root "$IT_TMP/store-config2" pull "$NAME"
assert_contains "$IT_STDERR" "wrong credentials" "DOCKER_CONFIG used without --config"
STORE="$IT_TMP/store"

# docker's other spellings of an auths key (scheme, path) and username/password fields
for key in "http://$h_ADDR" "https://$h_ADDR/v2/" "$h_ADDR/"; do
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$key" "$(printf '%s' "bob:$HPASS" | base64 -w0)" \
		>"$DOCKER_CONFIG/config.json"
	assert_ok pull -q "$NAME"
done
jq -n --arg k "$h_ADDR" --arg p "$HPASS" '{auths: {($k): {username: "bob", password: $p}}}' \
	>"$DOCKER_CONFIG/config.json"
assert_ok pull -q "$NAME"
# an unreadable config.json is an error naming the file, not a silent anonymous pull
echo 'garbage{' >"$DOCKER_CONFIG/config.json"
assert_rc 1 pull -q "$NAME"
one_line "garbage config.json"
assert_contains "$IT_STDERR" "$DOCKER_CONFIG/config.json" "garbage config.json: names the file"

# ---------------------------------------------------------------- token (Bearer)
it_registry_start t token alice secret
it_publish "$L" img "$t_ADDR/test/img:v1" --creds alice:secret
it_publish "$L" img "$t_ADDR/other/repo:v1" --creds alice:secret
NAME="$t_ADDR/test/img:v1"
STORE="$IT_TMP/store-token"
# token_lines: issuer log lines written since the last mark
mark() { TMARK=$(wc -l <"$t_TOKEN_LOG"); }
token_lines() { tail -n +"$((TMARK + 1))" "$t_TOKEN_LOG"; }
reg_cairn_lines() { tail -n +"$((RMARK + 1))" "$t_LOG" | grep -F '"cairn/' || true; }
rmark() { RMARK=$(wc -l <"$t_LOG"); }

no_auth
mark
assert_rc 1 pull "$NAME"
one_line "token anonymous"
assert_contains "$IT_STDERR" "authentication required" "token anonymous"
not_stored "$NAME"

write_auth "$DOCKER_CONFIG" "$t_ADDR" "alice:wrong"
mark
assert_rc 1 pull "$NAME"
one_line "token wrong password"
assert_contains "$IT_STDERR" "wrong credentials" "token wrong password"
assert_contains "$(token_lines)" "auth=basic user=alice status=401" "issuer refused alice:wrong"
not_stored "$NAME"

write_auth "$DOCKER_CONFIG" "$t_ADDR" "alice:secret"
mark; rmark
assert_ok pull --max-concurrent-downloads 5 "$NAME"
assert_eq "$(grep -c 'Pull complete' <<<"$IT_STDOUT")" 5 "token: 5 layers"
tl=$(token_lines)
it_log "issuer requests for one pull: $(wc -l <<<"$tl")"
printf '%s\n' "$tl" >&2
assert_contains "$tl" "scope=repository%3Atest%2Fimg%3Apull auth=basic user=alice status=200 access=repository:test/img:pull" \
	"token: scope repository:test/img:pull"
assert_not_contains "$tl" "push" "token: no push scope asked"
scoped=$(grep -c 'scope=repository' <<<"$tl" || true)
assert_eq "$scoped" 1 "token: one scoped token for manifest + config + 5 layers"
[ "$(wc -l <<<"$tl")" -le 2 ] || it_fail "token: more than 2 issuer requests for one pull: $tl"
rl=$(reg_cairn_lines)
assert_eq "$(grep -c '/blobs/sha256:.* 200 ' <<<"$rl")" 6 "token: 6 blob GETs (config + 5 layers)"
assert_eq "$(grep -c '/blobs/.* 401 ' <<<"$rl" || true)" 0 "token: no blob GET was refused"
assert_ok it_skopeo copy -q "oci:$STORE:$NAME" "dir:$IT_TMP/out-t"

# a second image in another repository: its own scope, again one scoped token
mark
assert_ok pull "$t_ADDR/other/repo:v1"
tl=$(token_lines)
assert_contains "$tl" "access=repository:other/repo:pull" "token: other/repo scope"
assert_eq "$(grep -c 'scope=repository' <<<"$tl" || true)" 1 "token: other/repo: one scoped token"

# a user allowed to pull only (no push grant) is enough for cairn
printf 'reader:rpw:pull\n' >>"$t_USERS"
write_auth "$DOCKER_CONFIG" "$t_ADDR" "reader:rpw"
STORE="$IT_TMP/store-reader"
mark
assert_ok pull "$NAME"
assert_contains "$(token_lines)" "user=reader status=200 access=repository:test/img:pull" "pull-only user"

# anonymous pull allowed by the issuer: no credentials needed
it_registry_start a token --anonymous-pull
it_publish "$L" img "$a_ADDR/test/img:v1" --creds "$a_USER:$a_PASS"
no_auth
STORE="$IT_TMP/store-anon"
assert_ok pull "$a_ADDR/test/img:v1"
assert_contains "$(cat "$a_TOKEN_LOG")" "auth=none user=- status=200 access=repository:test/img:pull" \
	"anonymous token with pull access"

echo "test-pull-auth: OK"
