/*
 * Docker's token authentication (distribution's token spec): scopes, and the signed JWTs the
 * registry's /token service issues and its API endpoints verify. JWS compact serialization,
 * base64url without padding; RS256 for RSA keys, ES256 for EC P-256 keys. The key id ("kid") is
 * libtrust's fingerprint of the public key (what docker-registry matches against the keys of its
 * rootcertbundle), so a registry configured with a certificate of the same key accepts our tokens.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"

enum cn_action {
	CN_ACTION_PULL = 1,
	CN_ACTION_PUSH = 2,
	CN_ACTION_DELETE = 4,
	CN_ACTION_ALL = 7, /* "*" in a scope */
};

/* One access entry: type "repository" (name = repository) or "registry" (name "catalog"). */
struct cn_access {
	char type[32];
	char name[256];
	unsigned actions; /* enum cn_action bits */
};

/*
 * Parses a scope "TYPE:NAME:ACTIONS" ("repository:library/redis:pull,push",
 * "registry:catalog:*"). TYPE runs to the first ':', ACTIONS follow the last ':', so NAME may
 * hold ':'. Actions are "pull", "push", "delete", "*"; unknown ones are ignored (an entry may end
 * up with no actions). Returns 0, or -EINVAL when malformed (missing parts, empty type or name,
 * too long for struct cn_access, control characters).
 */
int cn_scope_parse(const char *scope, struct cn_access *ret);
/*
 * Writes the actions as "pull,push,delete" (in that order; "" for none) into `buf`.
 * Returns the length, or -ENOBUFS when `len` is too small (24 bytes always suffice).
 */
int cn_actions_format(unsigned actions, char *buf, size_t len);

/* Limits cn_token_verify() enforces. */
#define CN_TOKEN_MAX_LEN    (16u << 10)
#define CN_TOKEN_MAX_ACCESS 64
#define CN_TOKEN_LEEWAY_S   60

struct cn_token_key;

/*
 * Loads a PEM private key (PKCS#8 or traditional; RSA of at least 2048 bits -> RS256, EC P-256 ->
 * ES256). With `create` and no file at `path`, generates an RSA-2048 key and writes it
 * atomically with mode 0600 (creating the parent directory, mode 0700, if needed). Returns 0 and
 * the key in `*ret` (freed with cn_token_key_free()), or -ENOENT / -EINVAL (unusable key) / -errno.
 */
int cn_token_key_load(const char *path, bool create, struct cn_token_key **ret,
		      struct cn_error *err);
struct cn_token_key *cn_token_key_free(struct cn_token_key *k);
/* "RS256" or "ES256". */
const char *cn_token_key_alg(const struct cn_token_key *k);
/* The libtrust key id "ABCD:EFGH:...", 12 groups of 4 base32 characters. */
const char *cn_token_key_id(const struct cn_token_key *k);
/* Appends the public key as PEM ("-----BEGIN PUBLIC KEY-----") to `sb`. Returns 0 or -ENOMEM. */
int cn_token_key_public_pem(const struct cn_token_key *k, struct strbuf *sb);

struct cn_token_claims {
	char issuer[128], subject[128], audience[128], jti[64];
	int64_t issued_at, not_before, expires_at; /* Unix seconds */
	struct cn_access *access;		   /* owned: malloc'd array */
	size_t n_access;
};

/* Frees `access` and zeroes the claims. */
void cn_token_claims_release(struct cn_token_claims *c);

/*
 * Signs `c` into a compact JWT appended to `ret_jwt`: header {"typ":"JWT","alg":ALG,"kid":KID},
 * claims iss, sub, aud, exp, nbf, iat, jti (random when c->jti is empty) and access
 * [{"type","name","actions":[...]}] (a "registry" entry with all actions is written ["*"]).
 * Returns 0 or a negative errno.
 */
int cn_token_issue(const struct cn_token_key *k, const struct cn_token_claims *c,
		   struct strbuf *ret_jwt, struct cn_error *err);

/*
 * Verifies `jwt` against `k`: size limits, the header's alg equal to the key's (never "none"),
 * kid (when present) equal to the key's, the signature, iss == `issuer` and `audience` among aud
 * (each check skipped when NULL), exp required and nbf optional with CN_TOKEN_LEEWAY_S of leeway
 * around `now`. Thread-safe (a shared key, per-call contexts). On success fills `*ret` (release
 * with cn_token_claims_release()) and returns 0; any failure is -EACCES with the reason in `err`.
 */
int cn_token_verify(const struct cn_token_key *k, const char *jwt, const char *issuer,
		    const char *audience, int64_t now, struct cn_token_claims *ret,
		    struct cn_error *err);
