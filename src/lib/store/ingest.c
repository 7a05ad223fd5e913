/*
 * Streaming, resumable, verified blob ingest (see cn_store_ingest_begin() in store.h).
 *
 * Making a blob durable can cost as much as downloading it, so the writing overlaps the
 * download. Bytes are hashed as they arrive and collected in 1 MiB buffers that a thread
 * (appender.h) appends to the partial file, starting their writeback at once; every few MiB it
 * waits for that with fdatasync() and drops the written pages from the page cache. So the
 * device (and a VM host's cache) writes while we download, the fsync() at commit finds next
 * to nothing left, and the page cache recycles a few MiB of pages instead of touching
 * fresh memory for the whole blob (first touch of a page costs more than hashing it).
 *
 * The partial file always holds a prefix of the blob: buffers are written in order at explicit
 * offsets, and none after a failed write. The hasher covers every accepted byte, written or
 * not; a crash loses the unwritten ones with the hash state, and resume re-hashes whatever
 * reached the file.
 */
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
#include "lib/store/appender.h"
#include "lib/store/store-private.h"

/* Large enough that a write() costs little next to downloading its bytes, small enough to keep
 * the appender's buffers out of the peak RSS. */
#define WRITE_BUF_MAX (1u << 20)
/* How far the partial file may run ahead of the device: the commit's fsync() waits for at
 * most this much, and a download keeps about this much in the page cache. */
#define SYNC_EVERY (8u << 20)

struct cn_blob_writer {
	struct cn_store *store;
	struct cn_digest want;
	int64_t size; /* expected size, or -1 when unknown */
	int partial_dirfd;
	int fd; /* the partial file, flock()ed */
	char name[CN_DIGEST_STR_MAX + 8];
	struct cn_hasher hasher; /* every accepted byte */
	uint64_t accepted;
	struct cn_appender *app; /* writes the partial file from its thread */
	size_t buf_size;
	size_t pending; /* bytes in the appender's current buffer */
	/* The appender's thread updates these while buffers are queued: read or change them only
	 * after cn_appender_wait(). */
	uint64_t on_disk; /* size of the partial file */
	uint64_t synced;  /* on_disk at begin or at the last sync_written() */
};

static int write_at(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Waits for what was written so far to reach the device, then drops those (now clean) pages
 * so the page cache reuses them for the next bytes. An error here must not be lost: the kernel
 * reports a failed writeback to one fsync only. */
static int sync_written(struct cn_blob_writer *w)
{
	if (fdatasync(w->fd) < 0)
		return -errno;
	(void)posix_fadvise(w->fd, (off_t)w->synced, (off_t)(w->on_disk - w->synced),
			    POSIX_FADV_DONTNEED);
	w->synced = w->on_disk;
	return 0;
}

/* The appender's write function (on its thread): one full buffer, at the end of the file. */
static int append_buffer(void *userdata, const unsigned char *data, size_t len)
{
	struct cn_blob_writer *w = userdata;
	int r = write_at(w->fd, data, len, w->on_disk);
	if (r < 0)
		return r;
	/* Start the writeback now rather than when the kernel finds the pages old. */
	(void)sync_file_range(w->fd, (off_t)w->on_disk, (off_t)len, SYNC_FILE_RANGE_WRITE);
	w->on_disk += len;
	return w->on_disk - w->synced >= SYNC_EVERY ? sync_written(w) : 0;
}

/* Writes every accepted byte: the queued buffers, then the current one. */
static int flush(struct cn_blob_writer *w)
{
	int r = cn_appender_wait(w->app);
	if (r < 0)
		return r;
	r = write_at(w->fd, cn_appender_buffer(w->app), w->pending, w->on_disk);
	if (r < 0)
		return r;
	w->on_disk += w->pending;
	w->pending = 0;
	return 0;
}

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
	w->accepted = w->on_disk = w->synced = (uint64_t)st.st_size;
	return 0;
}

/* Buffers no larger than what is left of a blob of known size (configs are small). */
static int start_appender(struct cn_blob_writer *w)
{
	uint64_t left = w->size >= 0 ? (uint64_t)w->size - w->on_disk : WRITE_BUF_MAX;
	w->buf_size = (size_t)MAX(MIN(left, WRITE_BUF_MAX), 1);
	return cn_appender_new(w->buf_size, append_buffer, w, &w->app);
}

static int lock_partial(struct cn_blob_writer *w)
{
	w->partial_dirfd = cn_open_dir_at(w->store->state_fd, "partial", 1);
	if (w->partial_dirfd < 0)
		return w->partial_dirfd;
	w->fd = openat(w->partial_dirfd, w->name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return -errno;
	int r;
	while ((r = flock(w->fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	return r < 0 ? -errno : 0;
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
	r = lock_partial(w);
	if (r < 0)
		goto fail;
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
	if (r >= 0)
		r = start_appender(w);
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
	/* Unwritten bytes count: they stay in memory until written or reset(), so a retry's
	 * Range request continues after them. */
	return w->accepted;
}

int cn_blob_writer_write(struct cn_blob_writer *w, const void *data, size_t len,
			 struct cn_error *err)
{
	if (w->size >= 0 && w->accepted + len > (uint64_t)w->size)
		return cn_error_set(err, -E2BIG, "size limit exceeded (more than %lld bytes)",
				    (long long)w->size);
	cn_hasher_update(&w->hasher, data, len);
	w->accepted += len;
	const unsigned char *p = data;
	while (len > 0) {
		size_t n = MIN(len, w->buf_size - w->pending);
		memcpy(cn_appender_buffer(w->app) + w->pending, p, n);
		w->pending += n;
		p += n;
		len -= n;
		if (w->pending == w->buf_size) {
			int r = cn_appender_submit(w->app, w->pending);
			w->pending = 0;
			if (r < 0)
				return cn_error_errno(err, r, "writing blob %s", w->want.str);
		}
	}
	return 0;
}

int cn_blob_writer_reset(struct cn_blob_writer *w, struct cn_error *err)
{
	int r = cn_appender_wait(w->app); /* no queued write may land after the truncation */
	if (r < 0)
		return cn_error_errno(err, r, "writing blob %s", w->want.str);
	w->pending = 0;
	if (ftruncate(w->fd, 0) < 0)
		return cn_error_errno(err, -errno, "truncating partial %s", w->name);
	w->accepted = w->on_disk = w->synced = 0;
	cn_hasher_release(&w->hasher);
	cn_hasher_init(&w->hasher, w->want.algo);
	return 0;
}

static void discard(struct cn_blob_writer *w)
{
	(void)cn_appender_wait(w->app);
	w->pending = 0;
	(void)unlinkat(w->partial_dirfd, w->name, 0);
	if (ftruncate(w->fd, 0) < 0) {
		/* best effort: the name is already gone, the inode goes with the fd */
	}
	w->on_disk = w->synced = 0;
}

/* Checks size and digest before anything more is written, then makes the blob durable and
 * visible. */
int cn_blob_writer_commit(struct cn_blob_writer *w, struct cn_error *err)
{
	struct cn_digest got;
	char path[CN_BLOB_PATH_MAX];

	if (w->size >= 0 && w->accepted != (uint64_t)w->size) {
		discard(w);
		return cn_error_set(err, -EBADMSG, "size mismatch (want %lld, got %llu bytes)",
				    (long long)w->size, (unsigned long long)w->accepted);
	}
	cn_hasher_final(&w->hasher, &got);
	cn_hasher_release(&w->hasher);
	cn_hasher_init(&w->hasher, w->want.algo);
	if (!cn_digest_equal(&got, &w->want)) {
		discard(w);
		return cn_error_set(err, -EBADMSG, "digest mismatch (want %s, got %s)", w->want.str,
				    got.str);
	}
	int r = flush(w);
	if (r < 0)
		return cn_error_errno(err, r, "writing blob %s", w->want.str);
	if (fsync(w->fd) < 0)
		return cn_error_errno(err, -errno, "fsync blob %s", w->want.str);
	cn_store_blob_path(&w->want, path, sizeof(path));
	if (renameat(w->partial_dirfd, w->name, w->store->root_fd, path) < 0)
		return cn_error_errno(err, -errno, "storing blob %s", w->want.str);
	*strrchr(path, '/') = '\0';
	r = cn_fsync_dir_at(w->store->root_fd, path);
	return r < 0 ? cn_error_errno(err, r, "fsync %s", path) : 0;
}

struct cn_blob_writer *cn_blob_writer_free(struct cn_blob_writer *w)
{
	if (!w)
		return NULL;
	if (w->app) {
		(void)flush(w); /* keep what arrived for the next attempt's resume */
		cn_appender_free(w->app);
	}
	if (w->fd >= 0)
		(void)close(w->fd); /* releases the flock */
	if (w->partial_dirfd >= 0)
		(void)close(w->partial_dirfd);
	cn_hasher_release(&w->hasher);
	free(w);
	return NULL;
}
