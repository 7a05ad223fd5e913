/*
 * Changesets: what differs between two root filesystems, as a `docker diff`-style listing and
 * as a layer tar (the OCI image-spec's changeset: added and modified entries, deletions as
 * `.wh.NAME`, a directory emptied of everything lower as `.wh..wh..opq`), so that applying the
 * layer on OLD gives NEW. Entries are written in sorted order, parents before children.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/layer/tree.h"
#include "lib/layer/write.h"

/* One change: kind 'A' (added), 'C' (changed) or 'D' (deleted); path starts with "/". */
typedef void (*cn_change_fn)(void *userdata, char kind, const char *path);

struct cn_diff_options {
	struct cn_tar_writer *w; /* the layer to write, or NULL to only report */
	cn_change_fn report;	 /* may be NULL */
	void *userdata;
	/* Entries get mtime `epoch` (atime and ctime dropped): the same trees give the same
	 * bytes. Otherwise mtimes are kept as they are on disk. */
	bool reproducible;
	int64_t epoch;
};

struct cn_diff_stats {
	uint64_t added, changed, deleted;
};

/*
 * Compares the directory trees `old_fd` and `new_fd` (either may be -1: empty). Regular files
 * are compared by type, mode, owner, size, mtime and xattrs; directories by mode, owner,
 * mtime and xattrs; symlinks by target and owner.
 */
int cn_diff_dirs(int old_fd, int new_fd, const struct cn_diff_options *o,
		 struct cn_diff_stats *ret_stats, struct cn_error *err);

/*
 * Compares two image trees built with CN_TREE_HASH, the same way (content by sha256); reports
 * only (no layer can be written from headers).
 */
void cn_diff_trees(const struct cn_tree *old, const struct cn_tree *new, cn_change_fn report,
		   void *userdata, struct cn_diff_stats *ret_stats);
