/*
 * Push: a local image (an index.json entry) -> its blobs uploaded in parallel (skipped when the
 * registry has them, mounted from another repository of the same registry when the store knows
 * one that holds them) -> configs -> manifests -> the index, byte-exact: a Docker image goes
 * up as the registry's original manifest (dev.cairn.manifest.source), so digests never change.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/image/manifest.h"
#include "lib/store/store.h"

enum cn_push_blob_state {
	CN_PUSH_BLOB_PREPARING, /* listed: about to be checked */
	CN_PUSH_BLOB_WAITING,	/* queued behind other uploads */
	CN_PUSH_BLOB_PUSHING,	/* done/total meaningful */
	CN_PUSH_BLOB_PUSHED,
	CN_PUSH_BLOB_EXISTS,  /* the repository has it already */
	CN_PUSH_BLOB_MOUNTED, /* mounted from another repository (see `from`) */
	CN_PUSH_BLOB_SKIPPED, /* a foreign (non-distributable) layer the store does not hold */
	CN_PUSH_BLOB_FAILED,
};

/* Progress callbacks; calls are serialized (never concurrent), from any thread. */
struct cn_push_observer {
	/* The push target is known: `repo_name` is "127.0.0.1:5000/app", `tag` a tag or digest. */
	void (*resolved)(void *userdata, const char *repo_name, const char *tag);
	/* One blob changed state; `from` is the repository mounted from (MOUNTED only). */
	void (*blob)(void *userdata, const struct cn_descriptor *d, bool is_layer,
		     enum cn_push_blob_state state, uint64_t done, uint64_t total,
		     const char *from);
	void *userdata;
};

struct cn_push_options {
	const char *config_dir;	 /* docker-style config dir (credentials); NULL = default */
	bool all_platforms;	 /* for an index: every child, then the index; else the host's */
	unsigned max_concurrent; /* parallel blob uploads; 0 = 5 (docker's default) */
	uint64_t chunk_size;	 /* > 0: PATCH blobs in chunks of this size (see client.h) */
	bool insecure;		 /* plain HTTP to a non-loopback registry */
	const struct cn_push_observer *observer;
};

struct cn_push_result {
	char *name;		 /* the reference pushed: 127.0.0.1:5000/app:1 */
	struct cn_digest digest; /* of what the tag now names on the registry */
	uint64_t size;		 /* of that manifest or index */
	size_t blobs_uploaded;
	size_t blobs_existed;
	size_t blobs_mounted;
	uint64_t bytes_uploaded; /* over the network, retries included */
};

/*
 * Pushes the store's entry for `reference` (normalized like docker: `127.0.0.1:5000/app` is
 * ...:latest) to its registry under the same name. Returns 0, -ENOENT when the store has no
 * such entry or lacks a blob it needs (the message names it), -EACCES, or the registry error.
 */
int cn_push(struct cn_store *store, const char *reference, const struct cn_push_options *opts,
	    struct cn_push_result *ret, struct cn_error *err);
void cn_push_result_release(struct cn_push_result *r);
