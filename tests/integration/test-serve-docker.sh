#!/usr/bin/env bash
# cairn serve with a real Docker engine (dockerd started here), token auth on:
#  - `docker login` with a wrong password fails, with the right one succeeds (the built-in
#    token service, Docker's token spec)
#  - `docker push` of an image docker made, `docker rmi`, `docker pull`: same RepoDigest;
#    cairn pulls what docker pushed (same digest) and docker pulls what cairn pushed
#  - `docker search HOST:PORT/term` lists the repository with the description label
#  - anonymous pull of team/* allowed by a rule, anonymous push refused; a pull-only user
#    cannot push; a private repository is invisible to another user and to anonymous clients
# cairn-test: heavy
# shellcheck disable=SC2154  # reg_* come from lib.sh (it_serve_start)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

it_init
it_need_cairn
[ "$(id -u)" = 0 ] || it_skip "needs root (dockerd)"
it_need dockerd docker htpasswd jq tar

CFG="$IT_TMP/serve"
mkdir -p "$CFG"
htpasswd -Bbn alice wonderland >"$CFG/htpasswd" 2>/dev/null
htpasswd -Bbn bob builder >>"$CFG/htpasswd" 2>/dev/null
htpasswd -Bbn carol reader >>"$CFG/htpasswd" 2>/dev/null
cat >"$CFG/config.json" <<JSON
{
  "auth": {
    "htpasswd": "htpasswd",
    "anonymous_pull": false,
    "token": {"service": "cairn-test", "issuer": "cairn-test", "expires_in": 300},
    "access": [
      {"repository": "private/*", "users": ["alice"], "actions": ["pull", "push", "delete"]},
      {"repository": "team/*", "users": ["alice", "bob"], "actions": ["pull", "push"]},
      {"repository": "team/*", "users": ["carol", "anonymous"], "actions": ["pull"]}
    ]
  }
}
JSON
it_serve_start reg "$CFG/config.json"
R=$reg_ADDR
it_dockerd_start "$IT_TMP/docker" "$R"

it_log "an image docker makes: docker import of a small tree, with a description label"
mkdir -p "$IT_TMP/tree/etc"
echo "made by docker" >"$IT_TMP/tree/etc/hello"
tar -C "$IT_TMP/tree" -cf "$IT_TMP/tree.tar" .
assert_ok docker import --change 'LABEL org.opencontainers.image.description="Hello from the penguins"' \
	--change 'CMD ["/bin/true"]' "$IT_TMP/tree.tar" "$R/team/hello:1"

it_log "docker login: wrong password, then right"
assert_fails docker login -u alice -p wrong "$R"
assert_ok docker login -u alice -p wonderland "$R"

it_log "docker push, rmi, pull"
assert_ok docker push "$R/team/hello:1"
pushed=$(docker image inspect --format '{{index .RepoDigests 0}}' "$R/team/hello:1")
assert_ok docker rmi "$R/team/hello:1"
assert_ok docker pull "$R/team/hello:1"
assert_eq "$(docker image inspect --format '{{index .RepoDigests 0}}' "$R/team/hello:1")" "$pushed" "RepoDigest"
grep -q 'GET /token' "$reg_LOG" || it_fail "docker did not use the token service"

it_log "cairn pulls what docker pushed (anonymous pull), and pushes for docker to pull"
export HOME="$IT_TMP/home" CAIRN_CONFIG_FILE="$IT_TMP/no-settings.json"
mkdir -p "$HOME"
C=("$CAIRN" --root "$IT_TMP/store" --config "$IT_TMP/cairn-config")
assert_ok "${C[@]}" pull "$R/team/hello:1"
assert_contains "$IT_STDOUT" "Digest: ${pushed#*@}"
assert_ok "${C[@]}" tag "$R/team/hello:1" "$R/team/from-cairn:1"
assert_fails "${C[@]}" push "$R/team/from-cairn:1"
assert_contains "$IT_STDERR" "push"
assert_ok "${C[@]}" login -u bob -p builder "$R"
assert_ok "${C[@]}" push "$R/team/from-cairn:1"
assert_ok docker pull "$R/team/from-cairn:1"
assert_eq "$(docker image inspect --format '{{index .RepoDigests 0}}' "$R/team/from-cairn:1")" \
	"$R/team/from-cairn@${pushed#*@}" "docker pulls cairn's push, same digest"

it_log "docker search"
assert_ok docker search "$R/hello"
assert_contains "$IT_STDOUT" "team/hello"
assert_contains "$IT_STDOUT" "Hello from the penguins"

it_log "rules: anonymous push refused, pull-only carol cannot push, private/* is alice's"
assert_ok docker logout "$R"
assert_ok docker tag "$R/team/hello:1" "$R/team/anon:1"
assert_fails docker push "$R/team/anon:1"
assert_ok docker rmi "$R/team/hello:1"
assert_ok docker pull "$R/team/hello:1"
assert_ok docker login -u carol -p reader "$R"
assert_fails docker push "$R/team/anon:1"
assert_ok docker tag "$R/team/hello:1" "$R/private/secret:1"
assert_ok docker login -u alice -p wonderland "$R"
assert_ok docker push "$R/private/secret:1"
assert_ok docker rmi "$R/private/secret:1"
assert_ok docker login -u bob -p builder "$R"
assert_fails docker pull "$R/private/secret:1"
assert_ok docker logout "$R"
assert_fails docker pull "$R/private/secret:1"
it_dockerd_stop
it_log "PASS"
