#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/output.h"

static int output_open(struct cli_context *ctx, const char *path, bool archive,
		       struct cli_output *ret)
{
	*ret = (struct cli_output){ .fd = -1, .dirfd = -1, .tmp = CN_TMPFILE_INIT };
	if (!path || !strcmp(path, "-")) {
		if (archive && isatty(STDOUT_FILENO))
			return cli_failf(ctx, "refusing to write an archive to a terminal: use -o "
					      "FILE or redirect the output");
		ret->fd = STDOUT_FILENO;
		return 0;
	}
	/* A device, fifo or socket (/dev/null, a pipe) is written as it is: renaming a file over
	 * it would replace it. Only regular files (or new names) get the temporary file. */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return cli_failf(ctx, "cannot write %s: is a directory", path);
		ret->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (ret->fd < 0)
			return cli_failf(ctx, "cannot write %s: %s", path, strerror(errno));
		ret->direct = true;
		return 0;
	}
	cleanup_free char *d = xstrdup(path), *b = xstrdup(path);
	const char *dir = dirname(d), *base = basename(b);
	ret->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ret->dirfd < 0)
		return cli_failf(ctx, "cannot write %s: %s", path, strerror(errno));
	int r = cn_tmpfile_open(&ret->tmp, ret->dirfd, base);
	if (r < 0) {
		close(ret->dirfd);
		ret->dirfd = -1;
		return cli_failf(ctx, "cannot write %s: %s", path, strerror(-r));
	}
	ret->fd = ret->tmp.fd;
	ret->name = xstrdup(base);
	return 0;
}

int cli_output_open(struct cli_context *ctx, const char *path, struct cli_output *ret)
{
	return output_open(ctx, path, true, ret);
}

int cli_output_commit(struct cli_context *ctx, struct cli_output *o)
{
	if (!o->name)
		return 0;
	int r = cn_tmpfile_commit(&o->tmp, o->name);
	if (r < 0)
		return cli_failf(ctx, "cannot write %s: %s", o->name, strerror(-r));
	return 0;
}

void cli_output_release(struct cli_output *o)
{
	if (o->direct && o->fd >= 0)
		close(o->fd);
	o->direct = false;
	if (o->name) {
		cn_tmpfile_abort(&o->tmp);
		free(o->name);
		o->name = NULL;
	}
	if (o->dirfd >= 0)
		close(o->dirfd);
	o->dirfd = -1;
}

int cli_output_write(struct cli_context *ctx, const char *path, const void *data, size_t len)
{
	struct cli_output o;
	if (output_open(ctx, path, false, &o) != 0)
		return 1;
	(void)fflush(stdout); /* what printf queued goes first */
	int r = cn_write_full(o.fd, data, len);
	int rc = r < 0 ? cli_failf(ctx, "cannot write %s: %s",
				   o.fd == STDOUT_FILENO ? "standard output" : path, strerror(-r))
		       : cli_output_commit(ctx, &o);
	cli_output_release(&o);
	return rc;
}
