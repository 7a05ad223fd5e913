/* Shared between token-key.c (keys, signatures) and token.c (JWT encoding and claims). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "lib/auth/token.h"

/* Appends the JWS signature (raw bytes: PKCS#1 v1.5 for RS256, r||s for ES256) of `data`. */
int token_key_sign(const struct cn_token_key *k, const void *data, size_t len,
		   struct strbuf *ret_sig);
/* True when `sig` (raw JWS form) is a valid signature of `data` by `k`. */
bool token_key_verify(const struct cn_token_key *k, const void *data, size_t len,
		      const uint8_t *sig, size_t sig_len);
/* The action bit of one action name of `len` bytes: "*" is all, unknown names are 0. */
unsigned token_action_bit(const char *s, size_t len);

/*
 * Verified tokens, by SHA-256 of the compact JWT: a direct-mapped table of copies of their
 * claims, so a client sending the same token on every request pays one signature check. Only
 * tokens whose signature and claims verified are stored; callers still check times, issuer and
 * audience on a hit. Thread-safe.
 */
#define TOKEN_SUM_LEN 32
struct token_cache;
struct token_cache *token_cache_new(void);
void token_cache_free(struct token_cache *c);
/* The cache of `k` (allocated with the key). */
struct token_cache *token_key_cache(const struct cn_token_key *k);
/* Copies the claims stored under `sum` into `ret` (release with cn_token_claims_release()). */
bool token_cache_get(struct token_cache *c, const uint8_t sum[TOKEN_SUM_LEN],
		     struct cn_token_claims *ret);
void token_cache_put(struct token_cache *c, const uint8_t sum[TOKEN_SUM_LEN],
		     const struct cn_token_claims *claims);
