/*
 * Image-level layer work: opening an image's layers from the store (media type and presence
 * checked) and unpacking a whole image into a directory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "lib/layer/apply.h"
#include "lib/layer/stream.h"
#include "lib/layer/tree.h"
#include "lib/store/resolve.h"

#define CN_MT_OCI_LAYER_NONDIST_TAR  "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define CN_MT_OCI_LAYER_NONDIST_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define CN_MT_OCI_LAYER_NONDIST_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define CN_MT_DOCKER_LAYER_FOREIGN   "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* True for the filesystem-layer media types (OCI, non-distributable, Docker's). */
bool cn_media_type_is_layer(const char *mt);
/* True for non-distributable ("foreign") layers, which registries may not serve. */
bool cn_media_type_is_foreign_layer(const char *mt);

/*
 * Opens layer `d` of an image from the store as a decompressing stream (`flags`: see
 * cn_layer_stream_open_flags()). Errors: -EMEDIUMTYPE (not a filesystem layer), -ENOENT (blob
 * not stored: a foreign layer is named as such).
 */
int cn_layer_open(struct cn_store *s, const struct cn_descriptor *d, unsigned flags,
		  struct cn_layer_stream **ret, struct cn_error *err);
/*
 * Opens layer `index` of `img` for a full read that checks its diff_id: the stream is hashed,
 * unless the store has recorded that this blob was checked against the same diff_id before.
 */
int cn_image_layer_open(struct cn_store *s, const struct cn_resolved *img, size_t index,
			struct cn_layer_stream **ret, struct cn_error *err);
/*
 * Reads the stream to its end; if it was hashed, compares the digest with the config's
 * diff_ids[index] (-EBADMSG on a mismatch) and records it in the store.
 */
int cn_image_layer_finish(struct cn_store *s, const struct cn_resolved *img, size_t index,
			  struct cn_layer_stream *st, struct cn_error *err);
#define CN_LAYER_LABEL_MAX 96
/* "layer 2/5 sha256:0123456789ab" for error messages (size >= CN_LAYER_LABEL_MAX). */
void cn_layer_label(char *buf, size_t size, size_t index, size_t n, const struct cn_digest *d);

/* Called before each layer is applied. */
typedef void (*cn_unpack_progress_fn)(void *userdata, size_t index, size_t n,
				      const struct cn_descriptor *layer);

struct cn_unpack_options {
	struct cn_apply_options apply;
	cn_unpack_progress_fn progress; /* may be NULL */
	void *userdata;
};

/*
 * Applies the layers of `img` in order to the directory `rootfd`, each checked against the
 * config's diff_ids. On error, what was applied stays (the caller cleans up); the message
 * names the layer and entry. Totals go to *ret_stats (may be NULL).
 */
int cn_unpack_image(struct cn_store *s, const struct cn_resolved *img, int rootfd,
		    const struct cn_unpack_options *o, struct cn_apply_stats *ret_stats,
		    struct cn_error *err);

/*
 * Builds the in-memory tree of the first `n` layers of `img` (all of them if n exceeds the
 * count), each layer checked against its diff_id. `observe` (may be NULL) is called for the
 * entries of layer `observe_layer` only. `ret_stats` (may be NULL) gets one element per layer
 * read. The tree is freed with cn_tree_free().
 */
int cn_image_tree(struct cn_store *s, const struct cn_resolved *img, size_t n, unsigned flags,
		  size_t observe_layer, cn_tree_observer_fn observe, void *userdata,
		  struct cn_tree **ret, struct cn_tree_layer_stats *ret_stats,
		  struct cn_error *err);
