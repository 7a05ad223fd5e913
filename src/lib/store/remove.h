/*
 * Removing an image's blobs once its last index.json entry is gone (`rmi`): the blobs of its
 * closure that no remaining entry reaches.
 */
#pragma once

#include "base/error.h"
#include "lib/store/store.h"

/*
 * Deletes every blob reachable from `desc` (the manifest or index itself, index children,
 * configs, layers) that no index.json entry reaches any more, in walk order (manifest, config,
 * layers), calling `deleted` (may be NULL) for each. Call it after removing the entry.
 * The store must be opened with CN_STORE_GC, so that no blob a concurrent pull stored but has
 * not tagged yet is deleted. Returns the number of blobs deleted, or -errno (then nothing was
 * deleted when the remaining entries could not be walked).
 */
int cn_store_delete_unreferenced(struct cn_store *s, const struct cn_descriptor *desc,
				 cn_store_deleted_fn deleted, void *userdata, struct cn_error *err);
