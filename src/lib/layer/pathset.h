/* Hash sets of paths and maps of inodes, for the layer code: the entries one layer created,
 * the directories whose times it changed, the hardlinks of a tree. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* A map from inodes (device, inode number) to a pointer, open addressing. */
struct cn_inomap_slot {
	dev_t dev;
	ino_t ino;
	void *value; /* NULL = empty slot */
};

struct cn_inomap {
	struct cn_inomap_slot *slots;
	size_t cap, n;
};

/* The value for the inode, or NULL after storing `value` (non-NULL) for it. */
void *cn_inomap_get_or_put(struct cn_inomap *m, dev_t dev, ino_t ino, void *value);
/* Calls free() on each value when `free_values`, and empties the map. */
void cn_inomap_clear(struct cn_inomap *m, bool free_values);
void cn_inomap_release(struct cn_inomap *m, bool free_values);
