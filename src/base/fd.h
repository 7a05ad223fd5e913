/* File-descriptor helpers: full reads/writes, bounded file slurps, directories. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strbuf.h"

/* Writes all `len` bytes, retrying on EINTR/short writes. Returns 0 or -errno. */
int cn_write_full(int fd, const void *buf, size_t len);
/* Reads up to `len` bytes, stopping early only at EOF. Returns bytes read or -errno. */
ssize_t cn_read_full(int fd, void *buf, size_t len);
/*
 * Appends the whole content of `path` (relative to `dirfd`) to `sb`. Fails with -E2BIG when the
 * file is larger than `max` bytes. Returns 0 or -errno.
 */
int cn_read_file_at(int dirfd, const char *path, size_t max, struct strbuf *sb);
/* Appends everything readable from `fd` up to `max` bytes (-E2BIG beyond). */
int cn_read_fd(int fd, size_t max, struct strbuf *sb);
/* mkdir -p relative to `dirfd`; existing directories are fine. Returns 0 or -errno. */
int cn_mkdir_p_at(int dirfd, const char *path, mode_t mode);
/* Opens (creating as needed) directory `path` relative to `dirfd`, O_DIRECTORY|O_CLOEXEC. */
int cn_open_dir_at(int dirfd, const char *path, int create);
int cn_fsync_dir_at(int dirfd, const char *path);

/*
 * Atomic file creation (git's loose objects): write to a temporary file in the target directory,
 * then cn_tmpfile_commit() fsyncs and renames it over `name`. A reader never sees a partial file.
 */
struct cn_tmpfile {
	int dirfd; /* borrowed */
	int fd;
	char name[64];
};

int cn_tmpfile_open(struct cn_tmpfile *t, int dirfd, const char *prefix);
/* fsync + rename to `name` + fsync of the directory; closes the file. Returns 0 or -errno. */
int cn_tmpfile_commit(struct cn_tmpfile *t, const char *name);
/* Closes and unlinks the temporary file if still open; safe to call twice. */
void cn_tmpfile_abort(struct cn_tmpfile *t);
static inline void cn_tmpfile_abortp(struct cn_tmpfile *t)
{
	cn_tmpfile_abort(t);
}
#define cleanup_tmpfile __attribute__((cleanup(cn_tmpfile_abortp)))
#define CN_TMPFILE_INIT                                                                            \
	{                                                                                          \
		-1, -1, ""                                                                         \
	}

/* Writes `data` atomically as `name` in `dirfd`. */
int cn_write_file_atomic(int dirfd, const char *name, const void *data, size_t len);
