/*
 * The file tree of an image held in memory, built from the layers' tar headers alone (file
 * contents are read past, or hashed on request): what `cairn files`, `layers`, `export` and
 * `diff IMAGE IMAGE` show without unpacking anything to disk. Layers are applied with the same
 * rules as the on-disk applier: whiteouts and opaque directories hide only lower layers, parent
 * paths resolve through symlinks inside the root, hardlinks share one inode.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "lib/layer/stream.h"

/* What a path is: shared by the names that are hardlinks of each other. */
struct cn_tree_inode {
	unsigned refs; /* names that point here */
	mode_t mode;   /* file type and permission bits */
	uint32_t uid, gid;
	int64_t size;	 /* regular files */
	int64_t mtime;	 /* seconds */
	char *link;	 /* symlink target */
	dev_t rdev;	 /* devices */
	uint32_t layer;	 /* the layer whose entry made it */
	uint64_t entry;	 /* that entry's ordinal in the layer's tar (from 0) */
	bool implicit;	 /* a directory no entry declared (made for a path below it) */
	uint64_t xattrs; /* hash of the extended attributes (sorted), 0 when none */
	bool hashed;
	uint8_t sha256[32]; /* content, when the tree was built with CN_TREE_HASH */
	void *aux;	    /* for the tree's user */
};

struct cn_tree_node {
	char *name; /* "" for the root */
	struct cn_tree_node *parent;
	struct cn_tree_node **children; /* sorted by name (strcmp) */
	size_t n_children, alloc_children;
	struct cn_tree_inode *ino;
	uint32_t touched; /* 1 + the last layer that made or passed through it, 0 if none */
};

/* What an entry did, reported to the observer of cn_tree_apply(). */
enum cn_tree_change {
	CN_TREE_ADDED,
	CN_TREE_CHANGED,
	CN_TREE_REMOVED, /* a whiteout: `node` is the removed node, before it goes */
};

typedef void (*cn_tree_observer_fn)(void *userdata, enum cn_tree_change change, const char *path,
				    const struct cn_tree_node *node);

struct cn_tree_layer_stats {
	uint64_t entries;
	uint64_t added, changed, removed; /* paths */
	uint64_t size;			  /* uncompressed tar bytes */
};

enum cn_tree_flags {
	CN_TREE_HASH = 1 << 0, /* sha256 of every regular file's content */
};

struct cn_tree {
	struct cn_tree_node *root;
	unsigned flags;
	uint32_t n_layers;
	/* bytes each layer added that a later layer removed or replaced, per layer */
	uint64_t *wasted;
};

struct cn_tree *cn_tree_new(unsigned flags);
struct cn_tree *cn_tree_free(struct cn_tree *t);
/*
 * Applies the next layer's headers from `s` (read to its end). `observe` (may be NULL) sees
 * every entry's effect. Errors: corrupt tar or stream; a malformed entry is an error naming it,
 * as in the applier.
 */
int cn_tree_apply(struct cn_tree *t, struct cn_layer_stream *s, cn_tree_observer_fn observe,
		  void *userdata, struct cn_tree_layer_stats *ret_stats, struct cn_error *err);
/* The node at `path` (cleaned; "" is the root), following symlinks only in parent
 * components; NULL if absent. */
struct cn_tree_node *cn_tree_lookup(struct cn_tree *t, const char *path);
/* Appends the node's path ("/" for the root, else "/a/b") to sb. */
void cn_tree_path(const struct cn_tree_node *n, struct strbuf *sb);

/*
 * Visits every node below `n` (not n itself) in sorted, depth-first, parent-first order. `fn`
 * returns < 0 to stop (that value is returned), > 0 to skip the node's children, 0 to go on.
 */
typedef int (*cn_tree_visit_fn)(void *userdata, const struct cn_tree_node *n, unsigned depth);
int cn_tree_walk(const struct cn_tree_node *n, cn_tree_visit_fn fn, void *userdata);

static inline void cn_tree_freep(struct cn_tree **t)
{
	cn_tree_free(*t);
}
#define cleanup_tree __attribute__((cleanup(cn_tree_freep)))
