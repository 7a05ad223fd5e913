/*
 * Pull: reference -> registry (manifest, platform selection) -> blobs downloaded in parallel,
 * verified into the store -> manifests stored -> tag recorded in index.json.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/image/manifest.h"
#include "lib/image/platform.h"
#include "lib/store/store.h"

enum cn_pull_blob_state {
	CN_PULL_BLOB_WAITING,
	CN_PULL_BLOB_EXISTS,	  /* already in the store */
	CN_PULL_BLOB_DOWNLOADING, /* done/total meaningful */
	CN_PULL_BLOB_VERIFYING,
	CN_PULL_BLOB_COMPLETE,
	CN_PULL_BLOB_FAILED,
};

/* Progress callbacks; calls are serialized (never concurrent), from any thread. */
struct cn_pull_observer {
	/* The manifest to pull is known: `name` is the repository path, `tag` what was asked. */
	void (*resolved)(void *userdata, const char *tag_or_digest, const char *repo_path);
	/* One blob (config or layer) changed state. `is_layer` distinguishes config blobs. */
	void (*blob)(void *userdata, const struct cn_descriptor *d, bool is_layer,
		     enum cn_pull_blob_state state, uint64_t done, uint64_t total);
	void *userdata;
};

struct cn_pull_options {
	const char *config_dir;		    /* docker-style config dir; NULL = default */
	const struct cn_platform *platform; /* NULL = this host's */
	bool all_platforms;
	unsigned max_concurrent; /* parallel blob downloads; 0 = 3 */
	bool insecure;		 /* plain HTTP to a non-loopback registry */
	const struct cn_pull_observer *observer;
};

struct cn_pull_result {
	char *name;		 /* the index.json entry written: docker.io/library/redis:7 */
	struct cn_digest digest; /* what the registry served for the reference (repo digest) */
	struct cn_digest image;	 /* the manifest the entry points at (index or platform image) */
	bool updated;		 /* the entry is new or changed */
	size_t blobs_fetched;
	size_t blobs_present;
	uint64_t bytes_fetched; /* over the network */
};

/* Pulls `reference` into `store` (opened with CN_STORE_WRITE). */
int cn_pull(struct cn_store *store, const char *reference, const struct cn_pull_options *opts,
	    struct cn_pull_result *ret, struct cn_error *err);
void cn_pull_result_release(struct cn_pull_result *r);
