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

static size_t ino_hash(dev_t dev, ino_t ino)
{
	return (size_t)(((uint64_t)dev * 0x9e3779b97f4a7c15ull) ^
			((uint64_t)ino * 0xc2b2ae3d27d4eb4full));
}

static void inomap_grow(struct cn_inomap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct cn_inomap_slot *v = xcalloc(cap, sizeof(*v));
	for (size_t i = 0; i < m->cap; i++) {
		struct cn_inomap_slot *s = &m->slots[i];
		if (!s->value)
			continue;
		size_t j = ino_hash(s->dev, s->ino) & (cap - 1);
		while (v[j].value)
			j = (j + 1) & (cap - 1);
		v[j] = *s;
	}
	free(m->slots);
	m->slots = v;
	m->cap = cap;
}

void *cn_inomap_get_or_put(struct cn_inomap *m, dev_t dev, ino_t ino, void *value)
{
	if ((m->n + 1) * 2 > m->cap)
		inomap_grow(m);
	size_t j = ino_hash(dev, ino) & (m->cap - 1);
	for (; m->slots[j].value; j = (j + 1) & (m->cap - 1))
		if (m->slots[j].dev == dev && m->slots[j].ino == ino)
			return m->slots[j].value;
	m->slots[j] = (struct cn_inomap_slot){ dev, ino, value };
	m->n++;
	return NULL;
}

void cn_inomap_clear(struct cn_inomap *m, bool free_values)
{
	for (size_t i = 0; i < m->cap; i++) {
		if (free_values)
			free(m->slots[i].value);
		m->slots[i].value = NULL;
	}
	m->n = 0;
}

void cn_inomap_release(struct cn_inomap *m, bool free_values)
{
	cn_inomap_clear(m, free_values);
	free(m->slots);
	*m = (struct cn_inomap){ 0 };
}
