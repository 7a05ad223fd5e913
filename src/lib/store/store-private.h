/* Internals shared by the store's source files; not part of the library's API. */
#pragma once

#include <stddef.h>

#include "lib/store/store.h"

struct cn_store {
	char *root;
	int root_fd;
	int state_fd;	/* ROOT/state */
	int gc_lock_fd; /* held shared (writers) or exclusive (gc), or -1 */
};

#define CN_BLOB_PATH_MAX (16 + CN_DIGEST_STR_MAX)

/* "blobs/<algo>/<hex>" relative to the root. */
const char *cn_store_blob_path(const struct cn_digest *d, char *buf, size_t len);
/* Takes ROOT/state/index.lock exclusively; returns the lock fd (close to release) or -errno. */
int cn_store_lock_index(struct cn_store *s);
