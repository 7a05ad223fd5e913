/*
 * Applying layers to a root filesystem, following the OCI image-spec's changeset rules: entries
 * are created, replaced or updated in tar order, `.wh.NAME` deletes NAME from lower layers and
 * `.wh..wh..opq` hides everything lower layers put in its directory. Whiteouts apply only to
 * lower layers: an entry of the same layer survives a whiteout of its name, in either order.
 *
 * Confinement: every path is resolved against a directory fd of the root with
 * openat2(RESOLVE_IN_ROOT), so ".." and symlinks (absolute or relative, of this layer or a lower
 * one) resolve as if the root were "/", and the last component of an entry is never followed
 * (an existing symlink there is replaced, not written through). Nothing outside the root is
 * created, changed or removed, whatever a layer says.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/layer/stream.h"

struct cn_apply_options {
	/*
	 * No chown; device nodes are skipped (counted); directories get u+rwx so the user can
	 * always write to and delete the tree (as `umoci unpack --rootless` does).
	 */
	bool rootless;
};

struct cn_apply_stats {
	uint64_t entries;
	uint64_t files, bytes; /* regular files written and their size */
	uint64_t whiteouts;
	uint64_t devices_skipped; /* rootless: character/block devices not created */
	uint64_t xattrs_skipped;  /* extended attributes the kernel refused (EPERM, ENOTSUP) */
	int xattr_errno;	  /* why the last one was refused */
};

struct cn_applier;

/* An applier for the root directory `rootfd` (borrowed; opened O_DIRECTORY, not O_PATH). */
struct cn_applier *cn_applier_new(int rootfd, const struct cn_apply_options *o);
/*
 * Applies one layer: reads the tar from `s` to its end. On an entry that cannot be applied,
 * returns a negative errno with err naming the entry ("entry 'a/b': why"); what was applied
 * before stays.
 */
int cn_applier_apply(struct cn_applier *a, struct cn_layer_stream *s, struct cn_error *err);
/* Totals over the layers applied so far. */
const struct cn_apply_stats *cn_applier_stats(const struct cn_applier *a);
struct cn_applier *cn_applier_free(struct cn_applier *a);

static inline void cn_applier_freep(struct cn_applier **a)
{
	cn_applier_free(*a);
}
#define cleanup_applier __attribute__((cleanup(cn_applier_freep)))

/*
 * Removes everything inside the directory `dirfd` (not the directory itself), without following
 * symlinks and making read-only directories writable on the way. Returns 0 or -errno.
 */
int cn_remove_tree_contents(int dirfd);
