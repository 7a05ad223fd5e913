/* The registry storage: opening, name grammar, link files, locking, and blob access. */
#include "lib/regstore/regstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/regstore/regstore-private.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN  128
#define DEFAULT_S    3600

int cn_regstore_open(const char *dir, const struct cn_regstore_options *opts,
		     struct cn_regstore **ret, struct cn_error *err)
{
	struct cn_store *store = NULL;
	int r = cn_store_open(dir, CN_STORE_CREATE, &store, err);
	if (r < 0)
		return r;
	struct cn_regstore *rs = xcalloc(1, sizeof(*rs));
	rs->store = store;
	rs->root_fd = rs->state_fd = -1;
	if (opts)
		rs->opts = *opts;
	if (rs->opts.upload_expiry_s <= 0)
		rs->opts.upload_expiry_s = DEFAULT_S;
	if (rs->opts.gc_grace_s <= 0)
		rs->opts.gc_grace_s = DEFAULT_S;
	pthread_mutex_init(&rs->uploads_lock, NULL);
	pthread_mutex_init(&rs->pulls_lock, NULL);
	pthread_mutex_init(&rs->flush_lock, NULL);
	pthread_rwlock_init(&rs->cache_lock, NULL);
	r = cn_open_dir_at(AT_FDCWD, dir, 0);
	if (r >= 0) {
		rs->root_fd = r;
		r = cn_open_dir_at(rs->root_fd, "state", 1);
	}
	if (r >= 0) {
		rs->state_fd = r;
		r = cn_mkdir_p_at(rs->root_fd, REGSTORE_REPOS, 0755);
	}
	if (r < 0) {
		cn_regstore_free(rs);
		return cn_error_errno(err, r, "registry storage %s", dir);
	}
	*ret = rs;
	return 0;
}

struct cn_regstore *cn_regstore_free(struct cn_regstore *rs)
{
	if (!rs)
		return NULL;
	(void)cn_regstore_flush(rs, NULL);
	regstore_uploads_release(rs);
	regstore_cache_release(rs);
	regstore_pulls_release(rs);
	pthread_mutex_destroy(&rs->uploads_lock);
	pthread_mutex_destroy(&rs->pulls_lock);
	pthread_mutex_destroy(&rs->flush_lock);
	pthread_rwlock_destroy(&rs->cache_lock);
	if (rs->state_fd >= 0)
		(void)close(rs->state_fd);
	if (rs->root_fd >= 0)
		(void)close(rs->root_fd);
	cn_store_free(rs->store);
	free(rs);
	return NULL;
}

/* ------------------------------------------------------------------ grammar */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*; returns its end or NULL. */
static const char *name_component(const char *p)
{
	for (;;) {
		if (!is_lower_alnum(*p))
			return NULL;
		while (is_lower_alnum(*p))
			p++;
		if (*p == '.') {
			p++;
		} else if (*p == '_') {
			p += p[1] == '_' ? 2 : 1;
		} else if (*p == '-') {
			while (*p == '-')
				p++;
		} else {
			return p;
		}
	}
}

bool cn_regstore_name_valid(const char *name)
{
	if (!name || strnlen(name, NAME_MAX_LEN + 1) > NAME_MAX_LEN)
		return false;
	const char *p = name;
	for (;;) {
		p = name_component(p);
		if (!p)
			return false;
		if (*p == '\0')
			return true;
		if (*p != '/')
			return false;
		p++;
	}
}

static bool is_tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

bool cn_regstore_tag_valid(const char *tag)
{
	if (!tag || !tag[0] || tag[0] == '.' || tag[0] == '-')
		return false;
	size_t i = 0;
	for (; tag[i]; i++)
		if (i >= TAG_MAX_LEN || !is_tag_char(tag[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------ paths and links */

int regstore_path(char *buf, size_t len, const char *repo, const char *fmt, ...)
{
	int n = snprintf(buf, len, REGSTORE_REPOS "/%s/", repo);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

int regstore_layer_path(char *buf, size_t len, const char *repo, const struct cn_digest *d)
{
	return regstore_path(buf, len, repo, "_layers/%s/%s", cn_digest_algo_name(d->algo),
			     cn_digest_hex(d));
}

int regstore_revision_path(char *buf, size_t len, const char *repo, const struct cn_digest *d)
{
	return regstore_path(buf, len, repo, "_manifests/revisions/%s/%s",
			     cn_digest_algo_name(d->algo), cn_digest_hex(d));
}

int regstore_lock(struct cn_regstore *rs, bool exclusive)
{
	int fd = openat(rs->state_fd, "registry.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno == EINTR)
			continue;
		int r = -errno;
		(void)close(fd);
		return r;
	}
	return fd;
}

/* Opens the directory holding `path` (created as needed); *ret_base is its last component. */
static int open_parent(struct cn_regstore *rs, const char *path, const char **ret_base)
{
	char dir[REGSTORE_PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	*ret_base = slash + 1;
	int fd = openat(rs->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? -errno : fd;
	return cn_open_dir_at(rs->root_fd, dir, 1);
}

int regstore_write(struct cn_regstore *rs, const char *path, const void *data, size_t len)
{
	const char *base;
	cleanup_close int dfd = open_parent(rs, path, &base);
	if (dfd < 0)
		return dfd;
	return cn_write_file_atomic(dfd, base, data, len);
}

int regstore_touch(struct cn_regstore *rs, const char *path)
{
	if (utimensat(rs->root_fd, path, NULL, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

int regstore_link(struct cn_regstore *rs, const char *path, const void *data, size_t len)
{
	int r = regstore_touch(rs, path);
	if (r != 0)
		return r < 0 ? r : 0;
	return regstore_write(rs, path, data, len);
}

int regstore_read(struct cn_regstore *rs, const char *path, size_t max, struct strbuf *sb)
{
	strbuf_reset(sb);
	int r = cn_read_file_at(rs->root_fd, path, max, sb);
	return r == -ENOTDIR ? -ENOENT : r;
}

bool regstore_repo_exists(struct cn_regstore *rs, const char *repo)
{
	char path[REGSTORE_PATH_MAX];
	if (regstore_path(path, sizeof(path), repo, "_manifests") < 0)
		return false;
	if (faccessat(rs->root_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	if (regstore_path(path, sizeof(path), repo, "_layers") < 0)
		return false;
	return faccessat(rs->root_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int regstore_list_dir(struct cn_regstore *rs, const char *path, size_t max, char ***ret,
		      size_t *ret_n)
{
	int fd = openat(rs->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int r = -errno;
		(void)close(fd);
		return r;
	}
	char **v = NULL;
	size_t n = 0, alloc = 0;
	int r = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (n >= max) {
			r = -E2BIG;
			break;
		}
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = xstrdup(de->d_name);
	}
	(void)closedir(dir);
	if (r < 0) {
		cn_regstore_strv_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

void cn_regstore_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ------------------------------------------------------------------ blobs */

/* 1 when `d` is linked into `repo` as a blob or a manifest; with `touch`, refreshes it. */
static int blob_linked(struct cn_regstore *rs, const char *repo, const struct cn_digest *d,
		       bool touch)
{
	char path[REGSTORE_PATH_MAX];
	struct stat st;
	if (!cn_regstore_name_valid(repo))
		return 0;
	for (int kind = 0; kind < 2; kind++) {
		int r = kind == 0 ? regstore_layer_path(path, sizeof(path), repo, d)
				  : regstore_revision_path(path, sizeof(path), repo, d);
		if (r < 0)
			return 0;
		if (touch) {
			r = regstore_touch(rs, path);
			if (r != 0)
				return r;
		} else if (fstatat(rs->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			return 1;
		} else if (errno != ENOENT && errno != ENOTDIR) {
			return -errno;
		}
	}
	return 0;
}

int cn_regstore_blob_stat(struct cn_regstore *rs, const char *repo, const struct cn_digest *d,
			  int64_t *ret_size)
{
	cleanup_close int lock = regstore_lock(rs, false);
	if (lock < 0)
		return lock;
	int r = blob_linked(rs, repo, d, true);
	if (r <= 0)
		return r;
	int64_t size;
	r = cn_store_has_blob(rs->store, d, &size);
	if (r > 0 && ret_size)
		*ret_size = size;
	return r;
}

int cn_regstore_blob_open(struct cn_regstore *rs, const char *repo, const struct cn_digest *d,
			  int64_t *ret_size)
{
	int r = blob_linked(rs, repo, d, false);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	cleanup_close int fd = cn_store_open_blob(rs->store, d);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	*ret_size = st.st_size;
	return TAKE_FD(fd);
}

int cn_regstore_blob_unlink(struct cn_regstore *rs, const char *repo, const struct cn_digest *d)
{
	char path[REGSTORE_PATH_MAX];
	if (!cn_regstore_name_valid(repo) || regstore_layer_path(path, sizeof(path), repo, d) < 0)
		return -ENOENT;
	if (unlinkat(rs->root_fd, path, 0) < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	return 0;
}

int regstore_link_blob(struct cn_regstore *rs, const char *repo, const struct cn_digest *d)
{
	char path[REGSTORE_PATH_MAX];
	int r = regstore_layer_path(path, sizeof(path), repo, d);
	if (r < 0)
		return r;
	return regstore_link(rs, path, d->str, strlen(d->str));
}

int cn_regstore_blob_mount(struct cn_regstore *rs, const char *repo, const char *from,
			   const struct cn_digest *d, struct cn_error *err)
{
	char path[REGSTORE_PATH_MAX];
	if (!cn_regstore_name_valid(repo) || !cn_regstore_name_valid(from))
		return 0;
	cleanup_close int lock = regstore_lock(rs, false);
	if (lock < 0)
		return cn_error_errno(err, lock, "registry lock");
	int r = regstore_layer_path(path, sizeof(path), from, d);
	if (r < 0)
		return 0;
	r = regstore_touch(rs, path);
	if (r <= 0)
		return r < 0 ? cn_error_errno(err, r, "blob %s in %s", d->str, from) : 0;
	r = cn_store_has_blob(rs->store, d, NULL);
	if (r <= 0)
		return r < 0 ? cn_error_errno(err, r, "blob %s", d->str) : 0;
	r = regstore_link_blob(rs, repo, d);
	if (r < 0)
		return cn_error_errno(err, r, "mounting %s into %s", d->str, repo);
	return 1;
}
