/*
 * Content digests ("sha256:<64 hex>", "sha512:<128 hex>") and streaming hashers (OpenSSL EVP,
 * which uses SHA-NI where the CPU has it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

enum cn_digest_algo {
	CN_DIGEST_SHA256,
	CN_DIGEST_SHA512,
};

#define CN_DIGEST_STR_MAX (7 + 128 + 1) /* "sha512:" + hex + NUL */

struct cn_digest {
	enum cn_digest_algo algo;
	char str[CN_DIGEST_STR_MAX]; /* canonical "algo:hex" */
};

/* Parses and validates "sha256:<64 lowercase hex>" or "sha512:<128 lowercase hex>".
 * Returns 0, -EINVAL (malformed) or -EOPNOTSUPP (unknown algorithm). */
int cn_digest_parse(const char *s, struct cn_digest *ret);
/* The hex part of the digest (after the colon). */
const char *cn_digest_hex(const struct cn_digest *d);
/* "sha256" / "sha512" */
const char *cn_digest_algo_name(enum cn_digest_algo algo);
bool cn_digest_equal(const struct cn_digest *a, const struct cn_digest *b);
/* Digest of a buffer in one call. */
void cn_digest_of(enum cn_digest_algo algo, const void *data, size_t len, struct cn_digest *ret);
/* Digest of what `fd` reads from its current offset to the end. Returns 0 or a negative errno
 * from read(2). */
int cn_digest_of_fd(enum cn_digest_algo algo, int fd, struct cn_digest *ret);

/* Streaming hasher. init/update/final; final may be called once. */
struct cn_hasher {
	enum cn_digest_algo algo;
	void *ctx; /* EVP_MD_CTX */
};

void cn_hasher_init(struct cn_hasher *h, enum cn_digest_algo algo);
void cn_hasher_update(struct cn_hasher *h, const void *data, size_t len);
void cn_hasher_final(struct cn_hasher *h, struct cn_digest *ret);
void cn_hasher_release(struct cn_hasher *h);
