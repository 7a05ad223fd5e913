/*
 * Streaming, resumable, verified blob ingest (see cn_store_ingest_begin() in store.h).
 *
 * Bytes are hashed as they arrive and collected in aligned buffers that a background thread
 * (appender.h) writes to the partial file a MiB at a time with O_DIRECT: the data reaches the
 * disk while the download goes on, so the fdatasync() at commit has next to nothing left to
 * write, and no page-cache memory is touched (first touch of a page costs more than hashing
 * it). Only the blob's unaligned tail goes through the page cache. Where O_DIRECT is refused
 * (tmpfs, FUSE) or an earlier attempt left a partial that ends mid-block, the same buffers are
 * written the ordinary way.
 *
 * The partial file always holds a prefix of the blob (pwrite() at explicit offsets, in order,
 * never past a failed write). The hasher covers every accepted byte: that prefix, the queued
 * buffers and the current one. A crash loses the unwritten ones with the hash state, and resume
 * re-hashes whatever reached the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* O_DIRECT offset, length and memory alignment: the page size covers 512-byte and 4 KiB
 * sector devices alike. */
#define DIRECT_ALIGN 4096u
/* Large enough that a write costs little next to the download of its bytes (one 1 MiB write
 * takes ~0.7 ms here), small enough to stay out of the peak RSS. */
#define WRITE_BUF_MAX (1u << 20)

struct cn_blob_writer {
	struct cn_store *store;
	struct cn_digest want;
	int64_t size; /* expected size, or -1 when unknown */
	int partial_dirfd;
	int fd;      /* the partial file, flock()ed */
	bool direct; /* fd has O_DIRECT (see on_disk) */
	char name[CN_DIGEST_STR_MAX + 8];
	struct cn_hasher hasher; /* every byte accepted */
	uint64_t accepted;
	struct cn_appender *app;
	size_t buf_size; /* of the appender's buffers: a multiple of DIRECT_ALIGN */
	size_t pending;  /* bytes in the appender's current buffer */
	/* Size of the partial file, and `direct`: the appender's thread updates them while
	 * buffers are queued; read them after cn_appender_wait() only. */
	uint64_t on_disk;
};

static int set_direct(struct cn_blob_writer *w, bool on)
{
	int fl = fcntl(w->fd, F_GETFL);
	if (fl < 0 || fcntl(w->fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT) < 0)
		return -errno;
	w->direct = on;
	return 0;
}

/* O_DIRECT when the file ends on a block boundary (always, unless an earlier attempt saved an
 * unaligned tail) and the filesystem takes it; buffered writes otherwise. */
static void choose_write_mode(struct cn_blob_writer *w)
{
	(void)set_direct(w, w->on_disk % DIRECT_ALIGN == 0);
}

static int write_at(struct cn_blob_writer *w, const unsigned char *p, size_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(w->fd, p, len, (off_t)off);
		if (n < 0 && errno == EINVAL && w->direct) {
			/* O_DIRECT accepted by open but not by this filesystem or device. */
			int r = set_direct(w, false);
			if (r < 0)
				return r;
			continue;
		}
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

/* The appender's write function: a full buffer, at the end of the file. */
static int append_buffer(void *userdata, const unsigned char *data, size_t len)
{
	struct cn_blob_writer *w = userdata;
	int r = write_at(w, data, len, w->on_disk);
	if (r < 0)
		return r;
	w->on_disk += len;
	static long every = -1;
	if (every < 0) { const char *e = getenv("CAIRN_SYNC_MB"); every = e ? atol(e) : 0; }
	if (every > 0 && (w->on_disk >> 20) / (uint64_t)every != ((w->on_disk - len) >> 20) / (uint64_t)every)
		(void)fdatasync(w->fd);
	return 0;
}

/* Writes every accepted byte: the queued buffers, then the current one. O_DIRECT writes whole
 * blocks only: a partial last block (the blob's tail, or what free() saves) goes through the
 * page cache. */
static int flush(struct cn_blob_writer *w)
{
	int r = cn_appender_wait(w->app);
	if (r < 0)
		return r;
	const unsigned char *buf = cn_appender_buffer(w->app);
	size_t n = w->pending;
	size_t head = w->direct ? n / DIRECT_ALIGN * DIRECT_ALIGN : n;
	r = write_at(w, buf, head, w->on_disk);
	if (r >= 0 && head < n) {
		r = set_direct(w, false);
		if (r >= 0)
			r = write_at(w, buf + head, n - head, w->on_disk + head);
	}
	if (r < 0)
		return r;
	w->on_disk += n;
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
	w->on_disk = w->accepted = (uint64_t)st.st_size;
	return 0;
}

/* Buffers no larger than what is left of a blob of known size (configs are small). */
static int start_appender(struct cn_blob_writer *w)
{
	uint64_t want = getenv("CAIRN_BUF_KB") ? (uint64_t)atol(getenv("CAIRN_BUF_KB")) << 10 : WRITE_BUF_MAX;
	if (w->size >= 0 && (uint64_t)w->size - w->on_disk < want)
		want = ((uint64_t)w->size - w->on_disk + DIRECT_ALIGN - 1) / DIRECT_ALIGN *
		       DIRECT_ALIGN;
	w->buf_size = (size_t)MAX(want, DIRECT_ALIGN);
	return cn_appender_new(w->buf_size, DIRECT_ALIGN, append_buffer, w, &w->app);
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
	choose_write_mode(w);
	*ret = w;
	return 0;
fail:
	cn_blob_writer_free(w);
	return cn_error_errno(err, r, "partial download of %s", want->str);
}

uint64_t cn_blob_writer_offset(const struct cn_blob_writer *w)
{
	/* Bytes not written yet count: they stay in memory until written or reset(), so a
	 * retry's Range request may continue after them. */
	return w->accepted;
}

int cn_blob_writer_write(struct cn_blob_writer *w, const void *data, size_t len,
			 struct cn_error *err)
{
	if (w->size >= 0 && cn_blob_writer_offset(w) + len > (uint64_t)w->size)
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
	w->on_disk = w->accepted = 0;
	choose_write_mode(w);
	cn_hasher_release(&w->hasher);
	cn_hasher_init(&w->hasher, w->want.algo);
	return 0;
}

static void discard(struct cn_blob_writer *w)
{
	(void)cn_appender_wait(w->app);
	w->pending = 0;
	(void)unlinkat(w->partial_dirfd, w->name, 0);
	(void)ftruncate(w->fd, 0);
	w->on_disk = 0;
}

/* Verifies size and digest before anything more is written, then makes the bytes durable:
 * after O_DIRECT writes fdatasync() only writes the tail, the inode and a cache flush. */
int cn_blob_writer_commit(struct cn_blob_writer *w, struct cn_error *err)
{
	struct cn_digest got;
	char path[CN_BLOB_PATH_MAX];
	uint64_t total = w->accepted;

	if (w->size >= 0 && total != (uint64_t)w->size) {
		discard(w);
		return cn_error_set(err, -EBADMSG, "size mismatch (want %lld, got %llu bytes)",
				    (long long)w->size, (unsigned long long)total);
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
	if (fdatasync(w->fd) < 0)
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
