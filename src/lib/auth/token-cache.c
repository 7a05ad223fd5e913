/* The verified-token cache (see token-internal.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "lib/auth/token-internal.h"

#define SLOTS 64

struct slot {
	bool used;
	uint8_t sum[TOKEN_SUM_LEN];
	struct cn_token_claims claims; /* owns its access array */
};

struct token_cache {
	pthread_mutex_t lock;
	struct slot slots[SLOTS];
};

struct token_cache *token_cache_new(void)
{
	struct token_cache *c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void token_cache_free(struct token_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		cn_token_claims_release(&c->slots[i].claims);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void copy_claims(struct cn_token_claims *dst, const struct cn_token_claims *src)
{
	*dst = *src;
	dst->access = xcalloc(src->n_access + 1, sizeof(*src->access));
	if (src->n_access)
		memcpy(dst->access, src->access, src->n_access * sizeof(*src->access));
}

bool token_cache_get(struct token_cache *c, const uint8_t sum[TOKEN_SUM_LEN],
		     struct cn_token_claims *ret)
{
	struct slot *s = &c->slots[sum[0] % SLOTS];
	bool hit = false;
	pthread_mutex_lock(&c->lock);
	if (s->used && memcmp(s->sum, sum, TOKEN_SUM_LEN) == 0) {
		copy_claims(ret, &s->claims);
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void token_cache_put(struct token_cache *c, const uint8_t sum[TOKEN_SUM_LEN],
		     const struct cn_token_claims *claims)
{
	struct cn_token_claims copy, old;
	copy_claims(&copy, claims);
	struct slot *s = &c->slots[sum[0] % SLOTS];
	pthread_mutex_lock(&c->lock);
	old = s->claims;
	s->claims = copy;
	memcpy(s->sum, sum, TOKEN_SUM_LEN);
	s->used = true;
	pthread_mutex_unlock(&c->lock);
	cn_token_claims_release(&old);
}
