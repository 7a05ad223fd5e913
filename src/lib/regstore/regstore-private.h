/* Internals shared by the registry storage's source files; not part of the library's API. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/regstore/regstore.h"
#include "lib/store/store.h"

#define REGSTORE_PATH_MAX 4096
#define REGSTORE_REPOS	  "repositories"

/* Manifests are immutable by digest: GETs are served from a small direct-mapped cache. */
#define CACHE_SLOTS    512
#define CACHE_BODY_MAX (256u << 10) /* larger manifests are read from disk every time */

struct manifest_cache_entry {
	struct cn_digest digest; /* str "" when the slot is empty */
	char media_type[CN_MEDIA_TYPE_MAX];
	char *body;
	size_t len;
};

/* Pulls counted since the last flush, by repository (sorted by name). */
struct pull_counter {
	char *repo;
	uint64_t pending;
};

struct cn_regstore {
	struct cn_regstore_options opts;
	struct cn_store *store; /* blobs/: every blob once */
	int root_fd;
	int state_fd;

	pthread_mutex_t uploads_lock;
	struct cn_upload **uploads; /* open sessions, unordered */
	size_t n_uploads, alloc_uploads;

	pthread_rwlock_t cache_lock;
	struct manifest_cache_entry cache[CACHE_SLOTS];

	pthread_mutex_t pulls_lock;
	pthread_mutex_t flush_lock; /* one flush at a time: _meta/pulls is read-modify-write */
	struct pull_counter *pulls;
	size_t n_pulls, alloc_pulls;
};

/* "repositories/<repo>/<suffix...>" into buf; -ENAMETOOLONG when it does not fit. */
int regstore_path(char *buf, size_t len, const char *repo, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "<algo>/<hex>" link paths of a digest inside `repo`. */
int regstore_layer_path(char *buf, size_t len, const char *repo, const struct cn_digest *d);
int regstore_revision_path(char *buf, size_t len, const char *repo, const struct cn_digest *d);

/*
 * STORAGE/state/registry.lock: writers that create or touch links hold it shared (LOCK_SH) for
 * their short critical section, gc exclusive for its sweep. Each holder opens its own file
 * description (flock locks belong to it), so threads of one process do not share a lock.
 * Returns the fd to close for unlocking, or -errno.
 */
int regstore_lock(struct cn_regstore *rs, bool exclusive);

/* Creates (atomically) the link file `path` with `data` unless it exists; an existing link's
 * time is refreshed instead (gc grace). Parent directories are created. */
int regstore_link(struct cn_regstore *rs, const char *path, const void *data, size_t len);
/* Links blob `d` (already stored) into `repo`; the caller holds the registry lock shared. */
int regstore_link_blob(struct cn_regstore *rs, const char *repo, const struct cn_digest *d);
/* Replaces the file `path` atomically (tags, meta). */
int regstore_write(struct cn_regstore *rs, const char *path, const void *data, size_t len);
/* Refreshes a link's time; 1 when it exists, 0 when not. */
int regstore_touch(struct cn_regstore *rs, const char *path);
/* Reads a small file into sb (cleared first). -ENOENT when missing, -E2BIG over max. */
int regstore_read(struct cn_regstore *rs, const char *path, size_t max, struct strbuf *sb);
/* Whether `repo` exists (has _manifests or _layers). */
bool regstore_repo_exists(struct cn_regstore *rs, const char *repo);

/* Sorted names of the entries of directory `path` (not starting with '.'), at most `max`. */
int regstore_list_dir(struct cn_regstore *rs, const char *path, size_t max, char ***ret,
		      size_t *ret_n);
/* Every repository name, sorted. */
int regstore_list_repos(struct cn_regstore *rs, char ***ret, size_t *ret_n, struct cn_error *err);
/* Counts one pull of `repo` (in memory until cn_regstore_flush()). */
void regstore_count_pull(struct cn_regstore *rs, const char *repo);
/* Pull counts not yet flushed for `repo`. */
uint64_t regstore_pending_pulls(struct cn_regstore *rs, const char *repo);

void regstore_cache_release(struct cn_regstore *rs);
void regstore_uploads_release(struct cn_regstore *rs);
void regstore_pulls_release(struct cn_regstore *rs);
