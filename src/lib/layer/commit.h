/*
 * Making images: storing a new layer (from a tar file or stream, or a directory) and writing
 * the config and manifest of an image that is a base image plus that layer (`cairn append`),
 * or that layer alone (`cairn import`).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/layer/stream.h"
#include "lib/store/resolve.h"

struct cn_layer_blob {
	struct cn_digest digest; /* of the blob as stored */
	int64_t size;
	struct cn_digest diff_id; /* of the tar */
	uint64_t tar_size;
	enum cn_compression compression;
	uint64_t entries;
};

/*
 * Stores the tar read from `fd` (to EOF) as a layer blob: gzip or zstd input as it is, a plain
 * tar gzip-compressed. Before the blob is named, it is read back and checked entry by entry: a
 * file that is not a tar is an error (-EBADMSG) and leaves nothing in the store.
 */
int cn_layer_ingest_fd(struct cn_store *s, int fd, struct cn_layer_blob *ret, struct cn_error *err);
/* Stores the tree of directory `dirfd` as a gzip layer (sorted entries; mtimes set to `epoch`
 * when reproducible). */
int cn_layer_ingest_dir(struct cn_store *s, int dirfd, bool reproducible, int64_t epoch,
			struct cn_layer_blob *ret, struct cn_error *err);

struct cn_commit {
	const struct cn_resolved *base; /* NULL: an image of the layer alone */
	const struct cn_layer_blob *layer;
	int64_t created; /* seconds since the epoch, for config.created and the history entry */
	const char *created_by, *comment; /* the new history entry (comment may be NULL) */
	/*
	 * Fields of the config's "config" object to set (Docker names: Cmd, Entrypoint, Env,
	 * ExposedPorts, Labels, Volumes, User, WorkingDir, StopSignal, OnBuild), or NULL. Env
	 * entries replace those with the same name; object fields are merged; others replaced.
	 */
	json_t *config;
	const char *name; /* the index.json entry to write (a normalized reference) */
};

/* Writes config and OCI manifest and tags them. The image ID (config digest) goes to *ret_id. */
int cn_image_commit(struct cn_store *s, const struct cn_commit *c, struct cn_digest *ret_id,
		    struct cn_error *err);
