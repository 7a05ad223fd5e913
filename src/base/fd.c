#include "base/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"

int cn_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t cn_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int cn_read_fd(int fd, size_t max, struct strbuf *sb)
{
	for (;;) {
		strbuf_grow(sb, 8192);
		size_t room = sb->alloc - sb->len - 1;
		ssize_t n = read(fd, sb->buf + sb->len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		strbuf_setlen(sb, sb->len + (size_t)n);
		if (sb->len > max)
			return -E2BIG;
	}
}

int cn_read_file_at(int dirfd, const char *path, size_t max, struct strbuf *sb)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return cn_read_fd(fd, max, sb);
}

int cn_mkdir_p_at(int dirfd, const char *path, mode_t mode)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdirat(dirfd, buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdirat(dirfd, buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int cn_open_dir_at(int dirfd, const char *path, int create)
{
	if (create) {
		int r = cn_mkdir_p_at(dirfd, path, 0755);
		if (r < 0)
			return r;
	}
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cn_fsync_dir_at(int dirfd, const char *path)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

int cn_tmpfile_open(struct cn_tmpfile *t, int dirfd, const char *prefix)
{
	t->dirfd = dirfd;
	t->fd = -1;
	for (int attempt = 0; attempt < 16; attempt++) {
		unsigned char rnd[8];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -EIO;
		(void)snprintf(t->name, sizeof(t->name), ".%s-%02x%02x%02x%02x%02x%02x%02x%02x.tmp",
			       prefix, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
			       rnd[7]);
		t->fd = openat(dirfd, t->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (t->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	int r = -errno;
	t->name[0] = '\0';
	return r;
}

int cn_tmpfile_commit(struct cn_tmpfile *t, const char *name)
{
	if (t->fd < 0)
		return -EBADF;
	if (fsync(t->fd) < 0)
		return -errno;
	if (renameat(t->dirfd, t->name, t->dirfd, name) < 0)
		return -errno;
	t->name[0] = '\0';
	(void)close(TAKE_FD(t->fd));
	return fsync(t->dirfd) < 0 ? -errno : 0;
}

void cn_tmpfile_abort(struct cn_tmpfile *t)
{
	if (t->fd >= 0)
		(void)close(TAKE_FD(t->fd));
	if (t->name[0]) {
		(void)unlinkat(t->dirfd, t->name, 0);
		t->name[0] = '\0';
	}
}

int cn_write_file_atomic(int dirfd, const char *name, const void *data, size_t len)
{
	cleanup_tmpfile struct cn_tmpfile t = CN_TMPFILE_INIT;
	int r = cn_tmpfile_open(&t, dirfd, "write");
	if (r < 0)
		return r;
	r = cn_write_full(t.fd, data, len);
	if (r < 0)
		return r;
	return cn_tmpfile_commit(&t, name);
}
