/* Blobs made locally, named once written (cn_store_blob_create() in store.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/store/store-private.h"

struct cn_blob_new {
	struct cn_store *store;
	struct cn_tmpfile tmp; /* in ROOT/state/partial */
	int partial_fd;
	struct cn_hasher hasher;
	int64_t size;
	bool finalized; /* the sha256 hasher was finalized by a failed cn_blob_new_commit_as() */
};

static void diff_id_name(const struct cn_digest *blob, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s-%s", cn_digest_algo_name(blob->algo), cn_digest_hex(blob));
}

int cn_store_get_diff_id(struct cn_store *s, const struct cn_digest *blob, struct cn_digest *ret)
{
	char name[CN_DIGEST_STR_MAX + 8], path[CN_DIGEST_STR_MAX + 16];
	diff_id_name(blob, name, sizeof(name));
	(void)snprintf(path, sizeof(path), "diffids/%s", name);
	struct strbuf sb;
	strbuf_init(&sb, CN_DIGEST_STR_MAX);
	int r = cn_read_file_at(s->state_fd, path, CN_DIGEST_STR_MAX, &sb);
	if (r >= 0)
		r = cn_digest_parse(sb.buf, ret) < 0 ? 0 : 1;
	strbuf_release(&sb);
	return r < 0 ? 0 : r;
}

void cn_store_put_diff_id(struct cn_store *s, const struct cn_digest *blob,
			  const struct cn_digest *diff_id)
{
	char name[CN_DIGEST_STR_MAX + 8];
	diff_id_name(blob, name, sizeof(name));
	cleanup_close int dfd = cn_open_dir_at(s->state_fd, "diffids", 1);
	if (dfd >= 0)
		(void)cn_write_file_atomic(dfd, name, diff_id->str, strlen(diff_id->str));
}

int cn_store_tmpfile(struct cn_store *s)
{
	int fd = openat(s->state_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd < 0 ? -errno : fd;
	/* A filesystem without O_TMPFILE: a named file, unlinked at once. */
	struct cn_tmpfile t = CN_TMPFILE_INIT;
	int r = cn_tmpfile_open(&t, s->state_fd, "spool");
	if (r < 0)
		return r;
	(void)unlinkat(s->state_fd, t.name, 0);
	return t.fd;
}

int cn_store_blob_create(struct cn_store *s, struct cn_blob_new **ret, struct cn_error *err)
{
	struct cn_blob_new *b = xcalloc(1, sizeof(*b));
	b->store = s;
	b->tmp = (struct cn_tmpfile)CN_TMPFILE_INIT;
	b->partial_fd = cn_open_dir_at(s->state_fd, "partial", 1);
	if (b->partial_fd < 0) {
		int r = b->partial_fd;
		free(b);
		return cn_error_errno(err, r, "store state/partial");
	}
	int r = cn_tmpfile_open(&b->tmp, b->partial_fd, "new-");
	if (r < 0) {
		close(b->partial_fd);
		free(b);
		return cn_error_errno(err, r, "creating a blob in the store");
	}
	cn_hasher_init(&b->hasher, CN_DIGEST_SHA256);
	*ret = b;
	return 0;
}

int cn_blob_new_write(struct cn_blob_new *b, const void *data, size_t len, struct cn_error *err)
{
	int r = cn_write_full(b->tmp.fd, data, len);
	if (r < 0)
		return cn_error_errno(err, r, "writing a blob to the store");
	cn_hasher_update(&b->hasher, data, len);
	b->size += (int64_t)len;
	return 0;
}

int cn_blob_new_reopen(struct cn_blob_new *b)
{
	int fd = openat(b->partial_fd, b->tmp.name, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Renames the temporary file to blobs/<algo>/<hex> of `d`. */
static int name_blob(struct cn_blob_new *b, const struct cn_digest *d, struct cn_error *err)
{
	char dir[32];
	snprintf(dir, sizeof(dir), "blobs/%s", cn_digest_algo_name(d->algo));
	cleanup_close int dirfd = cn_open_dir_at(b->store->root_fd, dir, 1);
	if (dirfd < 0)
		return cn_error_errno(err, dirfd, "store %s", dir);
	if (fdatasync(b->tmp.fd) < 0)
		return cn_error_errno(err, -errno, "writing blob %s", d->str);
	if (renameat(b->partial_fd, b->tmp.name, dirfd, cn_digest_hex(d)) < 0)
		return cn_error_errno(err, -errno, "storing blob %s", d->str);
	b->tmp.name[0] = '\0'; /* committed: nothing for free() to remove */
	close(TAKE_FD(b->tmp.fd));
	int r = cn_fsync_dir_at(dirfd, ".");
	if (r < 0)
		return cn_error_errno(err, r, "storing blob %s", d->str);
	return 0;
}

int cn_blob_new_commit(struct cn_blob_new *b, struct cn_digest *ret, int64_t *ret_size,
		       struct cn_error *err)
{
	struct cn_digest d;
	cn_hasher_final(&b->hasher, &d);
	int r = name_blob(b, &d, err);
	if (r < 0)
		return r;
	if (ret)
		*ret = d;
	if (ret_size)
		*ret_size = b->size;
	return 0;
}

/* The `algo` digest of the bytes written so far, read back from the temporary file. */
static int rehash(struct cn_blob_new *b, enum cn_digest_algo algo, struct cn_digest *ret)
{
	cleanup_close int fd = cn_blob_new_reopen(b);
	if (fd < 0)
		return fd;
	return cn_digest_of_fd(algo, fd, ret);
}

int cn_blob_new_commit_as(struct cn_blob_new *b, const struct cn_digest *want, int64_t *ret_size,
			  struct cn_error *err)
{
	struct cn_digest got;
	if (b->finalized)
		return cn_error_set(err, -EINVAL, "blob already committed");
	if (want->algo == CN_DIGEST_SHA256) {
		cn_hasher_final(&b->hasher, &got);
		b->finalized = true;
	} else {
		int r = rehash(b, want->algo, &got);
		if (r < 0)
			return cn_error_errno(err, r, "reading back blob %s", want->str);
	}
	if (!cn_digest_equal(&got, want))
		return cn_error_set(err, -EBADMSG, "digest mismatch (want %s, got %s)", want->str,
				    got.str);
	int r = name_blob(b, want, err);
	if (r < 0)
		return r;
	if (ret_size)
		*ret_size = b->size;
	return 0;
}

struct cn_blob_new *cn_blob_new_free(struct cn_blob_new *b)
{
	if (!b)
		return NULL;
	cn_tmpfile_abort(&b->tmp);
	cn_hasher_release(&b->hasher);
	close(b->partial_fd);
	free(b);
	return NULL;
}
