/*
 * Upload sessions: an in-memory table of sessions, each a temporary file of the store hashed on
 * the way (cn_blob_new), claimed by one request at a time. Memory per session is constant.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/regstore/regstore-private.h"

#define UPLOADS_MAX 4096 /* open sessions; each holds two fds */

struct cn_upload {
	struct cn_regstore *rs;
	char id[CN_UPLOAD_ID_MAX];
	char *repo;
	struct cn_blob_new *blob;
	uint64_t size;
	int64_t last_ns; /* CLOCK_MONOTONIC of the last claim or release */
	bool busy;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void upload_free(struct cn_upload *u)
{
	if (!u)
		return;
	cn_blob_new_free(u->blob);
	free(u->repo);
	free(u);
}

static bool expired(const struct cn_regstore *rs, const struct cn_upload *u, int64_t now)
{
	return !u->busy && now - u->last_ns > rs->opts.upload_expiry_s * 1000000000;
}

/* Removes entry i from the table (the caller holds uploads_lock) and returns it. */
static struct cn_upload *take_at(struct cn_regstore *rs, size_t i)
{
	struct cn_upload *u = rs->uploads[i];
	rs->uploads[i] = rs->uploads[--rs->n_uploads];
	return u;
}

/* The index of session `u`, or n_uploads. */
static size_t index_of(struct cn_regstore *rs, const struct cn_upload *u)
{
	size_t i = 0;
	while (i < rs->n_uploads && rs->uploads[i] != u)
		i++;
	return i;
}

static void detach(struct cn_upload *u)
{
	struct cn_regstore *rs = u->rs;
	pthread_mutex_lock(&rs->uploads_lock);
	size_t i = index_of(rs, u);
	if (i < rs->n_uploads)
		(void)take_at(rs, i);
	pthread_mutex_unlock(&rs->uploads_lock);
}

void cn_regstore_expire_uploads(struct cn_regstore *rs)
{
	int64_t now = now_ns();
	struct cn_upload **dead = NULL;
	size_t n_dead = 0, alloc = 0;
	pthread_mutex_lock(&rs->uploads_lock);
	for (size_t i = 0; i < rs->n_uploads;) {
		if (expired(rs, rs->uploads[i], now)) {
			ALLOC_GROW(dead, n_dead + 1, alloc);
			dead[n_dead++] = take_at(rs, i);
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&rs->uploads_lock);
	/* Files are closed and unlinked outside the lock. */
	for (size_t i = 0; i < n_dead; i++)
		upload_free(dead[i]);
	free(dead);
}

void regstore_uploads_release(struct cn_regstore *rs)
{
	for (size_t i = 0; i < rs->n_uploads; i++)
		upload_free(rs->uploads[i]);
	free(rs->uploads);
	rs->uploads = NULL;
	rs->n_uploads = rs->alloc_uploads = 0;
}

static int new_id(char ret[CN_UPLOAD_ID_MAX])
{
	unsigned char rnd[16];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		(void)snprintf(ret + 2 * i, 3, "%02x", rnd[i]);
	return 0;
}

int cn_regstore_upload_start(struct cn_regstore *rs, const char *repo,
			     char ret_id[CN_UPLOAD_ID_MAX], struct cn_error *err)
{
	if (!cn_regstore_name_valid(repo))
		return cn_error_set(err, -EINVAL, "invalid repository name");
	pthread_mutex_lock(&rs->uploads_lock);
	bool full = rs->n_uploads >= UPLOADS_MAX;
	pthread_mutex_unlock(&rs->uploads_lock);
	if (full)
		cn_regstore_expire_uploads(rs);
	struct cn_upload *u = xcalloc(1, sizeof(*u));
	u->rs = rs;
	u->repo = xstrdup(repo);
	u->last_ns = now_ns();
	int r = new_id(u->id);
	if (r >= 0)
		r = cn_store_blob_create(rs->store, &u->blob, err);
	else
		(void)cn_error_errno(err, r, "getrandom");
	if (r < 0) {
		upload_free(u);
		return r;
	}
	pthread_mutex_lock(&rs->uploads_lock);
	if (rs->n_uploads >= UPLOADS_MAX) {
		pthread_mutex_unlock(&rs->uploads_lock);
		upload_free(u);
		return cn_error_set(err, -EAGAIN, "too many upload sessions");
	}
	ALLOC_GROW(rs->uploads, rs->n_uploads + 1, rs->alloc_uploads);
	rs->uploads[rs->n_uploads++] = u;
	pthread_mutex_unlock(&rs->uploads_lock);
	memcpy(ret_id, u->id, CN_UPLOAD_ID_MAX);
	return 0;
}

int cn_regstore_upload_claim(struct cn_regstore *rs, const char *repo, const char *id,
			     struct cn_upload **ret)
{
	struct cn_upload *dead = NULL;
	int r = -ENOENT;
	int64_t now = now_ns();
	pthread_mutex_lock(&rs->uploads_lock);
	for (size_t i = 0; i < rs->n_uploads; i++) {
		struct cn_upload *u = rs->uploads[i];
		if (strcmp(u->id, id) != 0)
			continue;
		if (strcmp(u->repo, repo) != 0)
			break;
		if (expired(rs, u, now)) {
			dead = take_at(rs, i);
			break;
		}
		if (u->busy) {
			r = -EBUSY;
			break;
		}
		u->busy = true;
		u->last_ns = now;
		*ret = u;
		r = 0;
		break;
	}
	pthread_mutex_unlock(&rs->uploads_lock);
	upload_free(dead);
	return r;
}

uint64_t cn_upload_size(const struct cn_upload *u)
{
	return u->size;
}

int cn_upload_write(struct cn_upload *u, const void *data, size_t len, struct cn_error *err)
{
	if (len > (uint64_t)CN_REGSTORE_BLOB_MAX - u->size)
		return cn_error_set(err, -E2BIG, "upload larger than %lld bytes",
				    (long long)CN_REGSTORE_BLOB_MAX);
	int r = cn_blob_new_write(u->blob, data, len, err);
	if (r < 0)
		return r;
	u->size += len;
	return 0;
}

int cn_upload_finish(struct cn_upload *u, const struct cn_digest *want, struct cn_error *err)
{
	struct cn_regstore *rs = u->rs;
	detach(u);
	int r;
	{
		/* From the blob's naming to its link, gc must not run its sweep. */
		cleanup_close int lock = regstore_lock(rs, false);
		if (lock < 0) {
			r = cn_error_errno(err, lock, "registry lock");
		} else {
			r = cn_blob_new_commit_as(u->blob, want, NULL, err);
			if (r >= 0) {
				r = regstore_link_blob(rs, u->repo, want);
				if (r < 0)
					(void)cn_error_errno(err, r, "linking %s into %s",
							     want->str, u->repo);
			}
		}
	}
	upload_free(u);
	return r;
}

void cn_upload_cancel(struct cn_upload *u)
{
	if (!u)
		return;
	detach(u);
	upload_free(u);
}

void cn_upload_release(struct cn_upload *u)
{
	if (!u)
		return;
	struct cn_regstore *rs = u->rs;
	pthread_mutex_lock(&rs->uploads_lock);
	u->busy = false;
	u->last_ns = now_ns();
	pthread_mutex_unlock(&rs->uploads_lock);
}
