#!/usr/bin/env bash
# cairn login / logout / search against real docker-registry instances (plain, htpasswd Basic
# auth, Bearer tokens from the harness's token issuer).
#  login:  checks the credentials against the registry before it writes docker's config.json
#          (--config DIR or $DOCKER_CONFIG): auths[HOST:PORT].auth = base64(user:password),
#          mode 0600, every other field and entry kept; wrong credentials: exit 1, one line,
#          file untouched; bad usage: exit 2; pull then uses what login wrote, and a config.json
#          written by hand (docker's username/password form) too.
#  logout: removes the entry ("Removing login credentials for HOST:PORT"); again: exit 1.
#  search: docker-registry has no /v1/search, so the catalog filtered by the term (paged:
#          150 filler repositories push the matches to page 2); --limit, --format json,
#          several registries ($CAIRN_REGISTRIES or "registries" in $CAIRN_CONFIG_FILE) merged,
#          one of them down (warning, exit 0), all down (exit 1), --list-tags, bad usage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
it_need docker-registry skopeo umoci htpasswd openssl jq curl base64 sha256sum

# Isolation: nothing from the user's environment or home (search must never fall back to
# docker.io, credentials never come from ~/.docker).
unset CAIRN_REGISTRIES CAIRN_INSECURE_REGISTRIES CAIRN_ROOT XDG_CONFIG_HOME
export HOME="$IT_TMP/home"
mkdir -p "$HOME"
export CAIRN_CONFIG_FILE="$IT_TMP/no-such-settings.json"

b64() { printf '%s' "$1" | base64 -w0; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# one_line WHAT: $IT_STDERR is exactly one non-empty line
one_line() {
	[ -n "$IT_STDERR" ] || it_fail "$1: no error message on stderr"
	assert_eq "$(printf '%s\n' "$IT_STDERR" | wc -l)" 1 "$1: one stderr line (got: $IT_STDERR)"
}
# login_stdin PASSWORD CAIRN_ARGS...: cairn with PASSWORD + newline on stdin
login_stdin() {
	local pw=$1
	shift
	printf '%s\n' "$pw" | "$CAIRN" "$@"
}
# names: the NAME column of a search table in $IT_STDOUT (header dropped), sorted
names() { awk 'NR > 1 {print $1}' <<<"$IT_STDOUT" | sort; }
lines() { printf '%s\n' "$@" | sort; }
auth_of() { jq -r --arg k "$2" '.auths[$k].auth // "<none>"' "$1/config.json"; }
mode_of() { stat -c %a "$1"; }

L="$IT_TMP/layout"
it_make_image "$L" img 1 8
it_make_image "$L" img2 1 8

# ---------------------------------------------------------------- registries
HPASS='pa ss:w0rd'     # a space and a colon: the password is everything after the first ':'
it_registry_start h htpasswd bob "$HPASS"
it_registry_start t token alice secret
it_registry_start p plain
it_registry_start q plain
it_registry_start d plain   # stopped below: a registry that is down
DOWN=$d_ADDR
it_registry_stop d
it_publish "$L" img "$h_ADDR/team/app:v1" --creds "bob:$HPASS"
it_publish "$L" img "$t_ADDR/team/app:v1" --creds alice:secret
it_publish "$L" img "$p_ADDR/demo/welcome-to-cairn:v1"
it_publish "$L" img2 "$p_ADDR/demo/welcome-to-cairn:v2"
it_publish "$L" img "$p_ADDR/demo/other:v1"
it_publish "$L" img "$p_ADDR/x/welcome2:v1"
it_publish "$L" img "$q_ADDR/y/welcome-q:v1"
it_publish "$L" img "$q_ADDR/demo/other-q:v1"
# 150 repositories that sort before the published ones: the catalog (n=100 per page) has the
# welcome repositories on its second page only (docker-registry lists a directory with a
# _layers child as a repository)
for i in $(seq -w 0 149); do
	mkdir -p "$p_DATA/docker/registry/v2/repositories/aaa/fill-$i/_layers"
done
WELCOME_P=$(lines "$p_ADDR/demo/welcome-to-cairn" "$p_ADDR/x/welcome2")

# ================================================================ login / logout
D="$IT_TMP/cfg"
mkdir -p "$D"
# pre-seeded config.json: an unrelated registry entry and other docker fields
OTHER_AUTH=$(b64 'carol:pw')
jq -n --arg a "$OTHER_AUTH" '{auths: {"other.example:5000": {auth: $a}},
	HttpHeaders: {"X-Meta": "kept"}, detachKeys: "ctrl-e,e", psFormat: "table {{.ID}}"}' >"$D/config.json"
chmod 0644 "$D/config.json"
cp "$D/config.json" "$IT_TMP/seed.json"

# --- htpasswd, right password from stdin
assert_ok login_stdin "$HPASS" --config "$D" login -u bob --password-stdin "$h_ADDR"
assert_eq "$IT_STDOUT" "Login Succeeded" "login: stdout"
assert_eq "$IT_STDERR" "" "login: nothing on stderr"
assert_eq "$(auth_of "$D" "$h_ADDR")" "$(b64 "bob:$HPASS")" "login: auths[$h_ADDR].auth"
assert_eq "$(mode_of "$D/config.json")" 600 "login: config.json mode"
assert_eq "$(jq -S --arg k "$h_ADDR" 'del(.auths[$k])' "$D/config.json")" "$(jq -S . "$IT_TMP/seed.json")" \
	"login: every other field and entry kept"
assert_eq "$(jq -r --arg k "$h_ADDR" '.auths[$k] | keys | join(",")' "$D/config.json")" auth \
	"login: the entry holds only auth (no plain password field)"
assert_not_contains "$(cat "$D/config.json")" "w0rd" "login: password not stored in clear"
# what login wrote is what pull uses
assert_ok "$CAIRN" --root "$IT_TMP/store-login" --config "$D" pull -q "$h_ADDR/team/app:v1"
assert_eq "$IT_STDOUT" "$h_ADDR/team/app:v1" "pull with the login's credentials"
assert_ok env DOCKER_CONFIG="$D" "$CAIRN" --root "$IT_TMP/store-login2" pull -q "$h_ADDR/team/app:v1"

# --- htpasswd, wrong password: exit 1, one line, file untouched
before=$(sha "$D/config.json")
assert_rc 1 login_stdin 'not-it' --config "$D" login -u bob --password-stdin "$h_ADDR"
one_line "login wrong password"
assert_contains "$IT_STDERR" "wrong credentials" "login wrong password"
assert_contains "$IT_STDERR" "$h_ADDR" "login wrong password: names the registry"
assert_not_contains "$IT_STDOUT" "Login Succeeded" "login wrong password: stdout"
assert_eq "$(sha "$D/config.json")" "$before" "login wrong password: config.json unchanged"
# unknown user, same
assert_rc 1 login_stdin "$HPASS" --config "$D" login -u mallory --password-stdin "$h_ADDR"
one_line "login unknown user"
assert_contains "$IT_STDERR" "wrong credentials" "login unknown user"
assert_eq "$(sha "$D/config.json")" "$before" "login unknown user: config.json unchanged"

# --- -p, into a config dir that does not exist yet; CRLF from stdin
D2="$IT_TMP/cfg2/sub"
assert_ok "$CAIRN" --config "$D2" login -u bob -p "$HPASS" "$h_ADDR"
assert_eq "$IT_STDOUT" "Login Succeeded" "login -p: stdout"
assert_eq "$(auth_of "$D2" "$h_ADDR")" "$(b64 "bob:$HPASS")" "login -p: auth"
assert_eq "$(mode_of "$D2/config.json")" 600 "login -p: config.json mode"
D3="$IT_TMP/cfg3"
assert_ok login_stdin "$HPASS"$'\r' --config "$D3" login -u bob --password-stdin "$h_ADDR"
assert_eq "$(auth_of "$D3" "$h_ADDR")" "$(b64 "bob:$HPASS")" "login: CRLF line end stripped"
# $DOCKER_CONFIG is where login writes without --config
D4="$IT_TMP/cfg4"
mkdir -p "$D4"
assert_ok env DOCKER_CONFIG="$D4" "$CAIRN" login -u bob -p "$HPASS" "$h_ADDR"
assert_eq "$(auth_of "$D4" "$h_ADDR")" "$(b64 "bob:$HPASS")" "login via \$DOCKER_CONFIG"
# a server given as a URL is stored under HOST:PORT, and replaces docker's other spellings
jq -n --arg a "$(b64 bob:stale)" '{auths: {"http://'"$h_ADDR"'/v2/": {auth: $a}}}' >"$D4/config.json"
assert_ok env DOCKER_CONFIG="$D4" "$CAIRN" login -u bob -p "$HPASS" "http://$h_ADDR/"
assert_eq "$(jq -c '.auths | keys' "$D4/config.json")" "[\"$h_ADDR\"]" "login URL: one key HOST:PORT"
assert_eq "$(auth_of "$D4" "$h_ADDR")" "$(b64 "bob:$HPASS")" "login URL: auth"

# --- bad usage: exit 2, nothing written
before=$(sha "$D/config.json")
assert_rc 2 login_stdin "$HPASS" --config "$D" login --password-stdin "$h_ADDR"
assert_contains "$IT_STDERR" "--username" "--password-stdin without -u"
assert_rc 2 login_stdin "$HPASS" --config "$D" login -u bob -p x --password-stdin "$h_ADDR"
assert_rc 2 "$CAIRN" --config "$D" login -u bob -p x "$h_ADDR" extra-arg
assert_rc 2 "$CAIRN" --config "$D" login --no-such-option "$h_ADDR"
assert_eq "$(sha "$D/config.json")" "$before" "usage errors: config.json unchanged"
# an empty password from stdin is refused before asking the registry
assert_rc 1 login_stdin "" --config "$D" login -u bob --password-stdin "$h_ADDR"
one_line "login empty password"
assert_eq "$(sha "$D/config.json")" "$before" "empty password: config.json unchanged"

# --- registry down: exit 1, one line, nothing written
assert_rc 1 "$CAIRN" --config "$D" login -u bob -p "$HPASS" "$DOWN"
one_line "login registry down"
assert_contains "$IT_STDERR" "$DOWN" "login registry down: names it"
assert_eq "$(sha "$D/config.json")" "$before" "login registry down: config.json unchanged"

# --- a broken config.json is reported, never overwritten
DB="$IT_TMP/cfg-broken"
mkdir -p "$DB"
echo 'garbage{' >"$DB/config.json"
assert_rc 1 "$CAIRN" --config "$DB" login -u bob -p "$HPASS" "$h_ADDR"
one_line "login broken config.json"
assert_contains "$IT_STDERR" "$DB/config.json" "login broken config.json: names the file"
assert_eq "$(cat "$DB/config.json")" 'garbage{' "login broken config.json: left as it was"

# --- token registry: right and wrong credentials
mark=$(wc -l <"$t_TOKEN_LOG")
assert_ok login_stdin secret --config "$D" login -u alice --password-stdin "$t_ADDR"
assert_eq "$IT_STDOUT" "Login Succeeded" "token login: stdout"
assert_eq "$(auth_of "$D" "$t_ADDR")" "$(b64 alice:secret)" "token login: auth"
assert_contains "$(tail -n +"$((mark + 1))" "$t_TOKEN_LOG")" "auth=basic user=alice status=200" \
	"token login: the issuer checked alice's password"
before=$(sha "$D/config.json")
mark=$(wc -l <"$t_TOKEN_LOG")
assert_rc 1 login_stdin wrong --config "$D" login -u alice --password-stdin "$t_ADDR"
one_line "token login wrong password"
assert_contains "$IT_STDERR" "wrong credentials" "token login wrong password"
assert_contains "$(tail -n +"$((mark + 1))" "$t_TOKEN_LOG")" "auth=basic user=alice status=401" \
	"token login wrong password: refused by the issuer"
assert_eq "$(sha "$D/config.json")" "$before" "token login wrong password: config.json unchanged"
assert_eq "$(auth_of "$D" "$t_ADDR")" "$(b64 alice:secret)" "token: earlier login kept"
assert_ok "$CAIRN" --root "$IT_TMP/store-token" --config "$D" pull -q "$t_ADDR/team/app:v1"
# search with the stored credentials: the catalog and the tags need a token
assert_ok "$CAIRN" --config "$D" search "$t_ADDR/app"
assert_eq "$(names)" "$t_ADDR/team/app" "token search with login credentials"
assert_ok "$CAIRN" --config "$D" search --list-tags "$t_ADDR/team/app"
assert_eq "$(awk 'NR > 1 {print $2}' <<<"$IT_STDOUT")" v1 "token --list-tags with login credentials"
assert_rc 1 "$CAIRN" --config "$IT_TMP/empty-cfg" search "$t_ADDR/app"
one_line "token search anonymous"
assert_contains "$IT_STDERR" "authentication required" "token search anonymous"

# --- docker's own config.json, written by hand: username/password form, $DOCKER_CONFIG
E="$IT_TMP/docker-style"
mkdir -p "$E"
jq -n --arg h "$h_ADDR" --arg t "$t_ADDR" --arg p "$HPASS" \
	'{auths: {($h): {username: "bob", password: $p}, ($t): {username: "alice", password: "secret"}},
	  credHelpers: {}, currentContext: "default"}' >"$E/config.json"
assert_ok env DOCKER_CONFIG="$E" "$CAIRN" --root "$IT_TMP/store-e1" pull -q "$h_ADDR/team/app:v1"
assert_ok env DOCKER_CONFIG="$E" "$CAIRN" --root "$IT_TMP/store-e2" pull -q "$t_ADDR/team/app:v1"
assert_ok env DOCKER_CONFIG="$IT_TMP/nowhere" "$CAIRN" --config "$E" --root "$IT_TMP/store-e3" \
	pull -q "$h_ADDR/team/app:v1"
# (the file is really read: a wrong password in it is what the registry refuses)
jq --arg h "$h_ADDR" '.auths[$h].password = "nope"' "$E/config.json" >"$IT_TMP/e.json"
mkdir -p "$IT_TMP/docker-style-bad"
mv "$IT_TMP/e.json" "$IT_TMP/docker-style-bad/config.json"
assert_rc 1 env DOCKER_CONFIG="$IT_TMP/docker-style-bad" "$CAIRN" --root "$IT_TMP/store-e4" \
	pull -q "$h_ADDR/team/app:v1"
assert_contains "$IT_STDERR" "wrong credentials" "hand-written config with a wrong password"
# logout of a username/password entry, through $DOCKER_CONFIG
assert_ok env DOCKER_CONFIG="$E" "$CAIRN" logout "$t_ADDR"
assert_eq "$IT_STDOUT" "Removing login credentials for $t_ADDR" "logout (docker-style entry)"
assert_eq "$(jq -c '.auths | keys' "$E/config.json")" "[\"$h_ADDR\"]" "logout: only that entry removed"
assert_eq "$(jq -c '[.credHelpers, .currentContext]' "$E/config.json")" '[{},"default"]' \
	"logout: other fields kept"

# --- logout
assert_ok "$CAIRN" --config "$D" logout "$h_ADDR"
assert_eq "$IT_STDOUT" "Removing login credentials for $h_ADDR" "logout: stdout"
assert_eq "$(auth_of "$D" "$h_ADDR")" "<none>" "logout: entry removed"
assert_eq "$(auth_of "$D" "$t_ADDR")" "$(b64 alice:secret)" "logout: other registry's entry kept"
assert_eq "$(jq -S 'del(.auths[$k])' --arg k "$t_ADDR" "$D/config.json")" "$(jq -S . "$IT_TMP/seed.json")" \
	"logout: seeded fields and entries kept"
assert_eq "$(mode_of "$D/config.json")" 600 "logout: config.json mode"
assert_rc 1 "$CAIRN" --root "$IT_TMP/store-after-logout" --config "$D" pull -q "$h_ADDR/team/app:v1"
assert_contains "$IT_STDERR" "authentication required" "pull after logout is anonymous"
before=$(sha "$D/config.json")
assert_rc 1 "$CAIRN" --config "$D" logout "$h_ADDR"
one_line "second logout"
assert_contains "$IT_STDERR" "not logged in" "second logout"
assert_eq "$(sha "$D/config.json")" "$before" "second logout: config.json unchanged"
assert_rc 2 "$CAIRN" --config "$D" logout "$h_ADDR" "$t_ADDR"

# ================================================================ search
# --- one registry, catalog fallback (no /v1/search on docker-registry)
mark=$(wc -l <"$p_LOG")
assert_ok "$CAIRN" search "$p_ADDR/welcome"
assert_eq "$(head -1 <<<"$IT_STDOUT" | tr -s ' ')" "NAME DESCRIPTION STARS OFFICIAL" "search: header"
assert_eq "$(names)" "$WELCOME_P" "search HOST/welcome: both welcome repositories"
assert_not_contains "$IT_STDOUT" "demo/other" "search HOST/welcome: not demo/other"
plog=$(tail -n +"$((mark + 1))" "$p_LOG" | grep -F '"cairn/' || true)
assert_contains "$plog" '"GET /v1/search?q=welcome' "search: tried /v1/search first"
assert_contains "$plog" '"GET /v2/_catalog?last=aaa%2Ffill-099&n=100 ' "search: followed the catalog's next page"

assert_ok "$CAIRN" search --limit 1 "$p_ADDR/welcome"
assert_eq "$(names | wc -l)" 1 "search --limit 1: one result"
assert_contains "$WELCOME_P" "$(names)" "search --limit 1: a welcome repository"

assert_ok "$CAIRN" search --format json "$p_ADDR/welcome"
assert_eq "$(jq -r '.[].Name' <<<"$IT_STDOUT" | sort)" "$WELCOME_P" "search json: Name fields"
assert_eq "$(jq -c '[.[] | keys] | unique' <<<"$IT_STDOUT")" \
	'[["Description","IsAutomated","IsOfficial","Name","StarCount"]]' "search json: fields"
assert_ok "$CAIRN" search --format json "$p_ADDR/no-such-thing"
assert_eq "$(jq -c . <<<"$IT_STDOUT")" "[]" "search json, no match: empty array"
assert_ok "$CAIRN" search "$p_ADDR/no-such-thing"
assert_eq "$(names)" "" "search, no match: header only"

# the limit applies across catalog pages; default 25
assert_ok "$CAIRN" search "$p_ADDR/fill"
assert_eq "$(names | wc -l)" 25 "search: default limit 25"
assert_ok "$CAIRN" search --limit 100 "$p_ADDR/fill"
assert_eq "$(names | wc -l)" 100 "search --limit 100"
assert_ok "$CAIRN" search --limit 100 "$p_ADDR/fill-14"
assert_eq "$(names | wc -l)" 10 "search fill-14: 10 matches, all on page 2"

# --- several registries: $CAIRN_REGISTRIES, merged in order
assert_ok env CAIRN_REGISTRIES="$p_ADDR,$q_ADDR" "$CAIRN" search welcome
assert_eq "$(names)" "$(lines "$p_ADDR/demo/welcome-to-cairn" "$p_ADDR/x/welcome2" "$q_ADDR/y/welcome-q")" \
	"CAIRN_REGISTRIES: merged results"
assert_eq "$IT_STDERR" "" "CAIRN_REGISTRIES: no warning"
assert_ok env CAIRN_REGISTRIES=" $p_ADDR , $q_ADDR " "$CAIRN" search --limit 1 --format json welcome
assert_eq "$(jq 'length' <<<"$IT_STDOUT")" 2 "--limit 1 with two registries: one each"
assert_eq "$(jq -r '.[1].Name' <<<"$IT_STDOUT")" "$q_ADDR/y/welcome-q" "second registry's result"

# --- one of two down: the other's results, a warning naming the down one, exit 0
for regs in "$p_ADDR,$DOWN" "$DOWN,$p_ADDR"; do
	assert_ok env CAIRN_REGISTRIES="$regs" "$CAIRN" search welcome
	assert_eq "$(names)" "$WELCOME_P" "one registry down ($regs): the other's results"
	one_line "one registry down ($regs)"
	assert_contains "$IT_STDERR" "$DOWN" "one registry down: warning names it"
	assert_not_contains "$IT_STDERR" "$p_ADDR" "one registry down: warning only about it"
done
# --- the only registry down: exit 1, one line
assert_rc 1 env CAIRN_REGISTRIES="$DOWN" "$CAIRN" search welcome
one_line "only registry down"
assert_contains "$IT_STDERR" "unreachable" "only registry down"
assert_contains "$IT_STDERR" "$DOWN" "only registry down: names it"
assert_eq "$IT_STDOUT" "" "only registry down: no table"
assert_rc 1 "$CAIRN" search "$DOWN/welcome"
one_line "HOST/TERM down"
assert_contains "$IT_STDERR" "unreachable" "HOST/TERM down"
# every registry down: exit 1
assert_rc 1 env CAIRN_REGISTRIES="$DOWN,127.0.0.1:$(it_free_port)" "$CAIRN" search welcome
assert_contains "$IT_STDERR" "$DOWN" "all down: names the first"

# --- --list-tags
assert_ok "$CAIRN" search --list-tags "$p_ADDR/demo/welcome-to-cairn"
assert_eq "$(head -1 <<<"$IT_STDOUT" | tr -s ' ')" "NAME TAG" "--list-tags: header"
assert_eq "$(awk 'NR > 1 {print $1 " " $2}' <<<"$IT_STDOUT" | sort)" \
	"$(lines "$p_ADDR/demo/welcome-to-cairn v1" "$p_ADDR/demo/welcome-to-cairn v2")" "--list-tags: both tags"
assert_ok "$CAIRN" search --list-tags --format json "$p_ADDR/demo/welcome-to-cairn"
assert_eq "$(jq -r '.[].Tag' <<<"$IT_STDOUT" | sort | tr '\n' ' ')" "v1 v2 " "--list-tags json"
assert_eq "$(jq -r '.[].Name' <<<"$IT_STDOUT" | sort -u)" "$p_ADDR/demo/welcome-to-cairn" "--list-tags json: Name"
assert_ok "$CAIRN" search --list-tags --limit 1 "$p_ADDR/demo/welcome-to-cairn"
assert_eq "$(awk 'NR > 1' <<<"$IT_STDOUT" | wc -l)" 1 "--list-tags --limit 1"
assert_rc 1 "$CAIRN" search --list-tags "$p_ADDR/demo/no-such-repo"
one_line "--list-tags unknown repository"
assert_contains "$IT_STDERR" "not found" "--list-tags unknown repository"

# --- the settings file
F="$IT_TMP/settings.json"
jq -n --arg p "$p_ADDR" '{registries: [$p]}' >"$F"
assert_ok env CAIRN_CONFIG_FILE="$F" "$CAIRN" search welcome
assert_eq "$(names)" "$WELCOME_P" "settings file registries"
jq -n --arg p "$p_ADDR" --arg q "$q_ADDR" '{registries: [$p, $q]}' >"$F"
assert_ok env CAIRN_CONFIG_FILE="$F" "$CAIRN" search welcome-q
assert_eq "$(names)" "$q_ADDR/y/welcome-q" "settings file: second registry"
# $CAIRN_REGISTRIES overrides the file
assert_ok env CAIRN_CONFIG_FILE="$F" CAIRN_REGISTRIES="$q_ADDR" "$CAIRN" search welcome
assert_eq "$(names)" "$q_ADDR/y/welcome-q" "CAIRN_REGISTRIES overrides the settings file"
# the default place: $XDG_CONFIG_HOME/cairn/config.json
mkdir -p "$IT_TMP/xdg/cairn"
jq -n --arg q "$q_ADDR" '{registries: [$q]}' >"$IT_TMP/xdg/cairn/config.json"
assert_ok env -u CAIRN_CONFIG_FILE XDG_CONFIG_HOME="$IT_TMP/xdg" "$CAIRN" search welcome
assert_eq "$(names)" "$q_ADDR/y/welcome-q" "settings in \$XDG_CONFIG_HOME/cairn/config.json"
# a broken settings file is an error naming it
echo '{"registries": [' >"$IT_TMP/broken-settings.json"
assert_rc 1 env CAIRN_CONFIG_FILE="$IT_TMP/broken-settings.json" "$CAIRN" search welcome
one_line "broken settings file"
assert_contains "$IT_STDERR" "$IT_TMP/broken-settings.json" "broken settings file: named"

# --- bad usage: exit 2
assert_rc 2 "$CAIRN" search --limit 0 "$p_ADDR/welcome"
assert_contains "$IT_STDERR" "--limit" "--limit 0"
assert_rc 2 "$CAIRN" search --limit 101 "$p_ADDR/welcome"
assert_rc 2 "$CAIRN" search --limit abc "$p_ADDR/welcome"
assert_rc 2 "$CAIRN" search --format yaml "$p_ADDR/welcome"
assert_rc 2 "$CAIRN" search
assert_rc 2 "$CAIRN" search "$p_ADDR/a" "$p_ADDR/b"

echo "test-cli-registry: OK"
