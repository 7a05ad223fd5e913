/* `cairn unpack [--rootless] IMAGE DIR`: the image's root filesystem, layers applied in order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "lib/layer/unpack.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn unpack [OPTIONS] IMAGE DIR\n\n"
		"Apply the image's layers in order into DIR, its root filesystem. DIR is created\n"
		"if missing and must be empty. Whiteouts are applied, and nothing outside DIR is\n"
		"ever touched: paths and symlinks in layers resolve as if DIR were \"/\".\n\n"
		"Options:\n"
		"      --rootless   do not change owners; skip device nodes; keep directories\n"
		"                   writable by you (the default when not running as root)\n"
		"  -q, --quiet      print nothing on success\n\n"
		"If a layer cannot be applied, DIR is left as it was before.\n");
}

/* Opens DIR, making it when missing; *created says so. An existing DIR must be empty. */
static int open_target(struct cli_context *ctx, const char *dir, bool *created, int *ret)
{
	*created = false;
	if (mkdir(dir, 0755) == 0)
		*created = true;
	else if (errno != EEXIST)
		return cli_failf(ctx, "cannot create %s: %s", dir, strerror(errno));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cli_failf(ctx, "cannot open %s: %s", dir,
				 errno == ENOTDIR ? "not a directory" : strerror(errno));
	if (!*created) {
		/* Its own open file: reading a dup() would move fd's position for later readers. */
		int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
		if (!d) {
			int e = errno;
			if (dfd >= 0)
				close(dfd);
			close(fd);
			return cli_failf(ctx, "cannot read %s: %s", dir, strerror(e));
		}
		struct dirent *de;
		bool empty = true;
		while (empty && (de = readdir(d)))
			empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
		closedir(d);
		if (!empty) {
			close(fd);
			return cli_failf(ctx, "%s is not empty", dir);
		}
	}
	*ret = fd;
	return 0;
}

struct unpack_progress {
	bool verbose;
};

static void on_layer(void *userdata, size_t index, size_t n, const struct cn_descriptor *layer)
{
	const struct unpack_progress *p = userdata;
	char size[32];
	if (p->verbose)
		fprintf(stderr, "Applying layer %zu/%zu %.19s (%s)\n", index + 1, n,
			layer->digest.str, format_size((uint64_t)layer->size, size, sizeof(size)));
}

static void warn_skipped(struct cli_context *ctx, const struct cn_apply_stats *st)
{
	if (st->devices_skipped)
		fprintf(stderr,
			"cairn: %s: warning: skipped %llu device node%s (creating devices needs "
			"root)\n",
			ctx->command, (unsigned long long)st->devices_skipped,
			st->devices_skipped == 1 ? "" : "s");
	if (st->xattrs_skipped)
		fprintf(stderr, "cairn: %s: warning: %llu extended attribute%s not set: %s\n",
			ctx->command, (unsigned long long)st->xattrs_skipped,
			st->xattrs_skipped == 1 ? "" : "s", strerror(st->xattr_errno));
}

int cmd_unpack(struct cli_context *ctx, int argc, char **argv)
{
	enum { OPT_ROOTLESS = 256 };
	static const struct option opts[] = { { "rootless", no_argument, NULL, OPT_ROOTLESS },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	bool rootless = geteuid() != 0, quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOTLESS:
			rootless = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(ctx, "requires exactly 2 arguments: IMAGE DIR");
	const char *spec = argv[optind], *dir = argv[optind + 1];

	struct cn_error err = CN_ERROR_INIT;
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved img = { 0 };
	if (cli_open_image(ctx, spec, &store, &img) != 0)
		return 1;

	bool created;
	cleanup_close int fd = -1;
	if (open_target(ctx, dir, &created, &fd) != 0)
		return 1;

	struct stat before;
	if (fstat(fd, &before) < 0) {
		int e = errno;
		if (created)
			(void)rmdir(dir);
		return cli_failf(ctx, "cannot stat %s: %s", dir, strerror(e));
	}

	struct unpack_progress p = { .verbose = !quiet && isatty(STDERR_FILENO) };
	struct cn_unpack_options o = {
		.apply = { .rootless = rootless },
		.progress = on_layer,
		.userdata = &p,
	};
	struct cn_apply_stats st;
	int r = cn_unpack_image(store, &img, fd, &o, &st, &err);
	if (r < 0) {
		/* Leave DIR as it was: empty, or not there. */
		int rr = cn_remove_tree_contents(fd);
		if (rr < 0)
			fprintf(stderr, "cairn: %s: warning: cannot clean up %s: %s\n",
				ctx->command, dir, strerror(-rr));
		else if (created)
			(void)rmdir(dir);
		else /* its times too */
			(void)futimens(
				fd, (const struct timespec[2]){ before.st_atim, before.st_mtim });
		cn_error_prefix(&err, r, "%s", spec);
		return cli_fail(ctx, r, &err);
	}
	warn_skipped(ctx, &st);
	if (!quiet) {
		char size[32];
		printf("Unpacked %s to %s: %zu layer%s, %llu files, %s\n", spec, dir,
		       img.manifest->n_layers, img.manifest->n_layers == 1 ? "" : "s",
		       (unsigned long long)st.files, format_size(st.bytes, size, sizeof(size)));
	}
	return 0;
}
