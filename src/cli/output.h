/* Output files of commands (export, diff -o; sbom, scan -o): written to a temporary file
 * beside the target and renamed over it when complete, written in place when the target is a
 * device or fifo (/dev/null), or streamed to stdout for "-". */
#pragma once

#include <stdbool.h>

#include "base/fd.h"
#include "cli/cli.h"

struct cli_output {
	int fd; /* where to write */
	int dirfd;
	struct cn_tmpfile tmp;
	char *name;  /* final file name in dirfd; NULL for stdout and `direct` */
	bool direct; /* an existing non-regular file (a device, a fifo): written in place */
};

/*
 * Opens `path` ("-" or NULL: stdout, refused when stdout is a terminal; an existing device or
 * fifo such as /dev/null: written in place). Returns 0, or prints the error and returns 1.
 */
int cli_output_open(struct cli_context *ctx, const char *path, struct cli_output *ret);
/* Makes the file visible under its name (fsync, rename). Returns 0 or prints and returns 1. */
int cli_output_commit(struct cli_context *ctx, struct cli_output *o);
/* Removes the temporary file if not committed; frees. */
void cli_output_release(struct cli_output *o);
/* A text document (a report, an SBOM) to `path` as above, or stdout ("-", NULL; a terminal is
 * fine). Returns 0, or prints the error and returns 1. */
int cli_output_write(struct cli_context *ctx, const char *path, const void *data, size_t len);
