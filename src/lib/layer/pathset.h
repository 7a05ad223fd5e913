/* A set of paths (strings), open addressing with FNV-1a: the entries one layer created. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cn_pathset {
	char **slots; /* NULL = empty */
	size_t cap;   /* a power of two, or 0 */
	size_t n;
};

/* Adds a copy of `path` (len bytes); returns true if it was not there. */
bool cn_pathset_add(struct cn_pathset *s, const char *path, size_t len);
bool cn_pathset_has(const struct cn_pathset *s, const char *path, size_t len);
/* Empties the set, keeping its table. */
void cn_pathset_clear(struct cn_pathset *s);
void cn_pathset_release(struct cn_pathset *s);
