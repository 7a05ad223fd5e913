/* Streaming, resumable, verified blob ingest (see cn_store_ingest_begin() in store.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/store/store-private.h"

struct cn_blob_writer {
	struct cn_store *store;
	struct cn_digest want;
	int64_t size; /* expected size, or -1 when unknown */
	int partial_dirfd;
	int fd; /* the partial file, flock()ed */
	char name[CN_DIGEST_STR_MAX + 8];
	struct cn_hasher hasher;
	uint64_t written;
};

/* Hash what a previous attempt left, so the download continues after it. */
static int rehash_partial(struct cn_blob_writer *w)
{
	char buf[1 << 16];
	struct stat st;
	if (fstat(w->fd, &st) < 0)
		return -errno;
	if (w->size >= 0 && st.st_size > w->size) {
		if (ftruncate(w->fd, 0) < 0)
			return -errno;
		st.st_size = 0;
	}
	for (off_t off = 0; off < st.st_size;) {
		ssize_t n = pread(w->fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		cn_hasher_update(&w->hasher, buf, (size_t)n);
		off += n;
	}
	w->written = (uint64_t)st.st_size;
	return lseek(w->fd, st.st_size, SEEK_SET) < 0 ? -errno : 0;
}

int cn_store_ingest_begin(struct cn_store *s, const struct cn_digest *want, int64_t size,
			  struct cn_blob_writer **ret, struct cn_error *err)
{
	int r = cn_store_has_blob(s, want, NULL);
	if (r != 0) {
		*ret = NULL;
		return r < 0 ? cn_error_errno(err, r, "blob %s", want->str) : 1;
	}
	struct cn_blob_writer *w = xcalloc(1, sizeof(*w));
	w->store = s;
	w->want = *want;
	w->size = size;
	w->fd = w->partial_dirfd = -1;
	cn_hasher_init(&w->hasher, want->algo);
	(void)snprintf(w->name, sizeof(w->name), "%s-%s", cn_digest_algo_name(want->algo),
		       cn_digest_hex(want));
	w->partial_dirfd = cn_open_dir_at(s->state_fd, "partial", 1);
	if (w->partial_dirfd < 0) {
		r = w->partial_dirfd;
		goto fail;
	}
	w->fd = openat(w->partial_dirfd, w->name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		r = -errno;
		goto fail;
	}
	while ((r = flock(w->fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = -errno;
		goto fail;
	}
	/* Another process may have finished this blob while we waited for its lock. */
	r = cn_store_has_blob(s, want, NULL);
	if (r == 1) {
		(void)unlinkat(w->partial_dirfd, w->name, 0); /* the stale name we just created */
		cn_blob_writer_free(w);
		*ret = NULL;
		return 1;
	}
	if (r == 0)
		r = rehash_partial(w);
	if (r < 0)
		goto fail;
	*ret = w;
	return 0;
fail:
	cn_blob_writer_free(w);
	return cn_error_errno(err, r, "partial download of %s", want->str);
}

uint64_t cn_blob_writer_offset(const struct cn_blob_writer *w)
{
	return w->written;
}

int cn_blob_writer_write(struct cn_blob_writer *w, const void *data, size_t len,
			 struct cn_error *err)
{
	if (w->size >= 0 && w->written + len > (uint64_t)w->size)
		return cn_error_set(err, -E2BIG, "size limit exceeded (more than %lld bytes)",
				    (long long)w->size);
	cn_hasher_update(&w->hasher, data, len);
	int r = cn_write_full(w->fd, data, len);
	if (r < 0)
		return cn_error_errno(err, r, "writing blob %s", w->want.str);
	w->written += len;
	return 0;
}

int cn_blob_writer_reset(struct cn_blob_writer *w, struct cn_error *err)
{
	if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
		return cn_error_errno(err, -errno, "truncating partial %s", w->name);
	cn_hasher_release(&w->hasher);
	cn_hasher_init(&w->hasher, w->want.algo);
	w->written = 0;
	return 0;
}

static void discard(struct cn_blob_writer *w)
{
	(void)unlinkat(w->partial_dirfd, w->name, 0);
	(void)ftruncate(w->fd, 0);
}

int cn_blob_writer_commit(struct cn_blob_writer *w, struct cn_error *err)
{
	struct cn_digest got;
	char path[CN_BLOB_PATH_MAX];

	if (w->size >= 0 && w->written != (uint64_t)w->size) {
		discard(w);
		return cn_error_set(err, -EBADMSG, "size mismatch (want %lld, got %llu bytes)",
				    (long long)w->size, (unsigned long long)w->written);
	}
	cn_hasher_final(&w->hasher, &got);
	cn_hasher_release(&w->hasher);
	cn_hasher_init(&w->hasher, w->want.algo);
	if (!cn_digest_equal(&got, &w->want)) {
		discard(w);
		return cn_error_set(err, -EBADMSG, "digest mismatch (want %s, got %s)", w->want.str,
				    got.str);
	}
	if (fsync(w->fd) < 0)
		return cn_error_errno(err, -errno, "fsync blob %s", w->want.str);
	cn_store_blob_path(&w->want, path, sizeof(path));
	if (renameat(w->partial_dirfd, w->name, w->store->root_fd, path) < 0)
		return cn_error_errno(err, -errno, "storing blob %s", w->want.str);
	*strrchr(path, '/') = '\0';
	int r = cn_fsync_dir_at(w->store->root_fd, path);
	return r < 0 ? cn_error_errno(err, r, "fsync %s", path) : 0;
}

struct cn_blob_writer *cn_blob_writer_free(struct cn_blob_writer *w)
{
	if (!w)
		return NULL;
	if (w->fd >= 0)
		(void)close(w->fd); /* releases the flock */
	if (w->partial_dirfd >= 0)
		(void)close(w->partial_dirfd);
	cn_hasher_release(&w->hasher);
	free(w);
	return NULL;
}
