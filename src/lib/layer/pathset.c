#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "lib/layer/pathset.h"

static uint64_t hash(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool key_equal(const char *key, const char *p, size_t len)
{
	return !strncmp(key, p, len) && key[len] == '\0';
}

static size_t find(const struct cn_pathset *s, const char *p, size_t len)
{
	size_t mask = s->cap - 1, i = (size_t)hash(p, len) & mask;
	while (s->slots[i] && !key_equal(s->slots[i], p, len))
		i = (i + 1) & mask;
	return i;
}

static void grow(struct cn_pathset *s)
{
	struct cn_pathset bigger = { .cap = s->cap ? s->cap * 2 : 256 };
	bigger.slots = xcalloc(bigger.cap, sizeof(*bigger.slots));
	for (size_t i = 0; i < s->cap; i++) {
		char *k = s->slots[i];
		if (k)
			bigger.slots[find(&bigger, k, strlen(k))] = k;
	}
	free(s->slots);
	s->slots = bigger.slots;
	s->cap = bigger.cap;
}

bool cn_pathset_add(struct cn_pathset *s, const char *path, size_t len)
{
	if ((s->n + 1) * 4 > s->cap * 3)
		grow(s);
	size_t i = find(s, path, len);
	if (s->slots[i])
		return false;
	s->slots[i] = xstrndup(path, len);
	s->n++;
	return true;
}

bool cn_pathset_has(const struct cn_pathset *s, const char *path, size_t len)
{
	return s->n && s->slots[find(s, path, len)];
}

void cn_pathset_clear(struct cn_pathset *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		free(s->slots[i]);
		s->slots[i] = NULL;
	}
	s->n = 0;
}

void cn_pathset_release(struct cn_pathset *s)
{
	cn_pathset_clear(s);
	free(s->slots);
	*s = (struct cn_pathset){ 0 };
}
