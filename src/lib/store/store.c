#include "lib/store/store.h"

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

#define LAYOUT_FILE "{\"imageLayoutVersion\":\"1.0.0\"}"

static int lock_file(int dirfd, const char *name, int op)
{
	int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		int r = -errno;
		(void)close(fd);
		return r;
	}
	return fd;
}

static int create_layout(struct cn_store *s)
{
	int r;
	if (faccessat(s->root_fd, "oci-layout", F_OK, 0) < 0) {
		r = cn_write_file_atomic(s->root_fd, "oci-layout", LAYOUT_FILE,
					 strlen(LAYOUT_FILE));
		if (r < 0)
			return r;
	}
	r = cn_mkdir_p_at(s->root_fd, "blobs/sha256", 0755);
	if (r >= 0)
		r = cn_mkdir_p_at(s->root_fd, "blobs/sha512", 0755);
	if (r >= 0)
		r = cn_mkdir_p_at(s->root_fd, "state/partial", 0755);
	if (r < 0)
		return r;
	if (faccessat(s->root_fd, "index.json", F_OK, 0) < 0) {
		static const char empty[] = "{\"schemaVersion\":2,\"mediaType\":\"" CN_MT_OCI_INDEX
					    "\",\"manifests\":[]}";
		cleanup_close int lock = lock_file(s->state_fd, "index.lock", LOCK_EX);
		if (lock < 0)
			return lock;
		if (faccessat(s->root_fd, "index.json", F_OK, 0) < 0)
			return cn_write_file_atomic(s->root_fd, "index.json", empty, strlen(empty));
	}
	return 0;
}

int cn_store_open(const char *root, unsigned flags, struct cn_store **ret, struct cn_error *err)
{
	struct cn_store *s = xcalloc(1, sizeof(*s));
	int r;

	s->root = xstrdup(root);
	s->root_fd = s->state_fd = s->gc_lock_fd = -1;
	r = cn_open_dir_at(AT_FDCWD, root, flags & CN_STORE_CREATE);
	if (r < 0) {
		cn_store_free(s);
		return cn_error_errno(err, r, "store %s", root);
	}
	s->root_fd = r;
	if (!(flags & CN_STORE_CREATE) && faccessat(s->root_fd, "oci-layout", F_OK, 0) < 0) {
		cn_store_free(s);
		return cn_error_set(err, -ENOENT, "store %s: not an OCI image layout", root);
	}
	r = cn_open_dir_at(s->root_fd, "state", flags & CN_STORE_CREATE);
	if (r >= 0) {
		s->state_fd = r;
		if (flags & CN_STORE_CREATE)
			r = create_layout(s);
	}
	if (r >= 0 && (flags & (CN_STORE_WRITE | CN_STORE_GC))) {
		r = lock_file(s->state_fd, "gc.lock", (flags & CN_STORE_GC) ? LOCK_EX : LOCK_SH);
		if (r >= 0)
			s->gc_lock_fd = r;
	}
	if (r < 0) {
		cn_store_free(s);
		return cn_error_errno(err, r, "store %s", root);
	}
	*ret = s;
	return 0;
}

struct cn_store *cn_store_free(struct cn_store *s)
{
	if (!s)
		return NULL;
	if (s->gc_lock_fd >= 0)
		(void)close(s->gc_lock_fd);
	if (s->state_fd >= 0)
		(void)close(s->state_fd);
	if (s->root_fd >= 0)
		(void)close(s->root_fd);
	free(s->root);
	free(s);
	return NULL;
}

const char *cn_store_root(const struct cn_store *s)
{
	return s->root;
}

const char *cn_store_blob_path(const struct cn_digest *d, char *buf, size_t len)
{
	(void)snprintf(buf, len, "blobs/%s/%s", cn_digest_algo_name(d->algo), cn_digest_hex(d));
	return buf;
}

int cn_store_has_blob(struct cn_store *s, const struct cn_digest *d, int64_t *ret_size)
{
	char path[CN_BLOB_PATH_MAX];
	struct stat st;
	if (fstatat(s->root_fd, cn_store_blob_path(d, path, sizeof(path)), &st, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (ret_size)
		*ret_size = st.st_size;
	return 1;
}

int cn_store_open_blob(struct cn_store *s, const struct cn_digest *d)
{
	char path[CN_BLOB_PATH_MAX];
	int fd = openat(s->root_fd, cn_store_blob_path(d, path, sizeof(path)),
			O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int cn_store_read_blob(struct cn_store *s, const struct cn_digest *d, size_t max,
		       struct strbuf *out, struct cn_error *err)
{
	cleanup_close int fd = cn_store_open_blob(s, d);
	if (fd < 0)
		return cn_error_errno(err, fd, "blob %s", d->str);
	size_t start = out->len;
	int r = cn_read_fd(fd, max, out);
	if (r == -E2BIG)
		return cn_error_set(err, r, "blob %s: larger than %zu bytes", d->str, max);
	if (r < 0)
		return cn_error_errno(err, r, "reading blob %s", d->str);
	struct cn_digest got;
	cn_digest_of(d->algo, out->buf + start, out->len - start, &got);
	if (!cn_digest_equal(&got, d))
		return cn_error_set(err, -EBADMSG, "blob %s is corrupt (content hashes to %s)",
				    d->str, got.str);
	return 0;
}

int cn_store_put_blob(struct cn_store *s, const void *data, size_t len,
		      const struct cn_digest *want, struct cn_digest *ret, struct cn_error *err)
{
	struct cn_digest got;
	char path[CN_BLOB_PATH_MAX];
	cn_digest_of(want ? want->algo : CN_DIGEST_SHA256, data, len, &got);
	if (want && !cn_digest_equal(want, &got))
		return cn_error_set(err, -EBADMSG, "digest mismatch (want %s, got %s)", want->str,
				    got.str);
	if (ret)
		*ret = got;
	int r = cn_store_has_blob(s, &got, NULL);
	if (r != 0)
		return r < 0 ? cn_error_errno(err, r, "blob %s", got.str) : 0;
	(void)snprintf(path, sizeof(path), "blobs/%s", cn_digest_algo_name(got.algo));
	cleanup_close int dirfd = cn_open_dir_at(s->root_fd, path, 1);
	if (dirfd < 0)
		return cn_error_errno(err, dirfd, "store %s", path);
	r = cn_write_file_atomic(dirfd, cn_digest_hex(&got), data, len);
	if (r < 0)
		return cn_error_errno(err, r, "storing blob %s", got.str);
	return 0;
}

int cn_store_delete_blob(struct cn_store *s, const struct cn_digest *d)
{
	char path[CN_BLOB_PATH_MAX];
	if (unlinkat(s->root_fd, cn_store_blob_path(d, path, sizeof(path)), 0) < 0)
		return -errno;
	return 0;
}

int cn_store_lock_index(struct cn_store *s)
{
	return lock_file(s->state_fd, "index.lock", LOCK_EX);
}
