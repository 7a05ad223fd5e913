#include "lib/digest/digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"

static const struct {
	const char *name;
	size_t hexlen;
} algos[] = {
	[CN_DIGEST_SHA256] = { "sha256", 64 },
	[CN_DIGEST_SHA512] = { "sha512", 128 },
};

static const EVP_MD *md_of(enum cn_digest_algo algo)
{
	return algo == CN_DIGEST_SHA512 ? EVP_sha512() : EVP_sha256();
}

int cn_digest_parse(const char *s, struct cn_digest *ret)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s)
		return -EINVAL;
	size_t alen = (size_t)(colon - s);
	for (size_t a = 0; a < sizeof(algos) / sizeof(algos[0]); a++) {
		if (strlen(algos[a].name) != alen || memcmp(s, algos[a].name, alen) != 0)
			continue;
		const char *hex = colon + 1;
		if (strlen(hex) != algos[a].hexlen)
			return -EINVAL;
		for (const char *p = hex; *p; p++)
			if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
				return -EINVAL;
		ret->algo = (enum cn_digest_algo)a;
		(void)snprintf(ret->str, sizeof(ret->str), "%s", s);
		return 0;
	}
	/* The grammar allows other algorithms; we cannot verify them. */
	for (const char *p = s; p < colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("+._-", *p)))
			return -EINVAL;
	return -EOPNOTSUPP;
}

const char *cn_digest_hex(const struct cn_digest *d)
{
	return d->str + strlen(algos[d->algo].name) + 1;
}

const char *cn_digest_algo_name(enum cn_digest_algo algo)
{
	return algos[algo].name;
}

bool cn_digest_equal(const struct cn_digest *a, const struct cn_digest *b)
{
	return strcmp(a->str, b->str) == 0;
}

static void format_digest(enum cn_digest_algo algo, const unsigned char *md, unsigned len,
			  struct cn_digest *ret)
{
	static const char hexdig[] = "0123456789abcdef";
	size_t off = (size_t)snprintf(ret->str, sizeof(ret->str), "%s:", algos[algo].name);
	for (unsigned i = 0; i < len; i++) {
		ret->str[off++] = hexdig[md[i] >> 4];
		ret->str[off++] = hexdig[md[i] & 15];
	}
	ret->str[off] = '\0';
	ret->algo = algo;
}

void cn_digest_of(enum cn_digest_algo algo, const void *data, size_t len, struct cn_digest *ret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_Digest(data, len, md, &mdlen, md_of(algo), NULL))
		abort();
	format_digest(algo, md, mdlen, ret);
}

void cn_hasher_init(struct cn_hasher *h, enum cn_digest_algo algo)
{
	h->algo = algo;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, md_of(algo), NULL))
		abort();
}

void cn_hasher_update(struct cn_hasher *h, const void *data, size_t len)
{
	if (!EVP_DigestUpdate(h->ctx, data, len))
		abort();
}

void cn_hasher_final(struct cn_hasher *h, struct cn_digest *ret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_DigestFinal_ex(h->ctx, md, &mdlen))
		abort();
	format_digest(h->algo, md, mdlen, ret);
}

void cn_hasher_release(struct cn_hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int cn_digest_of_fd(enum cn_digest_algo algo, int fd, struct cn_digest *ret)
{
	enum { BUF_SIZE = 1 << 17 };
	cleanup_free char *buf = xmalloc(BUF_SIZE);
	struct cn_hasher h;
	ssize_t n;
	cn_hasher_init(&h, algo);
	while ((n = cn_read_full(fd, buf, BUF_SIZE)) > 0)
		cn_hasher_update(&h, buf, (size_t)n);
	if (n == 0)
		cn_hasher_final(&h, ret);
	cn_hasher_release(&h);
	return n < 0 ? (int)n : 0;
}
