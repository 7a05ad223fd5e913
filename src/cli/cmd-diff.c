/*
 * `cairn diff OLD NEW`: what changed between two root filesystems (directories) or two images,
 * listed like `docker diff`; with -o, the changeset written as a layer tar for `cairn append`.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "lib/layer/diff.h"
#include "lib/layer/unpack.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn diff [OPTIONS] OLD NEW\n\n"
		"List what changed from OLD to NEW, two directories (root filesystems) or two\n"
		"images: A added, C changed, D deleted, one path per line. With -o, write the\n"
		"changes of two directories as a layer: applying it on OLD gives NEW (deletions\n"
		"as whiteouts, a directory whose entries were all replaced as an opaque one).\n\n"
		"Options:\n"
		"  -o, --output FILE   write the layer to FILE (.tar, .tar.gz or .tar.zst; \"-\": "
		"stdout)\n"
		"      --reproducible  set every mtime to $SOURCE_DATE_EPOCH (default 0), so "
		"equal\n"
		"                      trees give byte-identical layers\n\n"
		"Files are compared by type, mode, owner, size, mtime and extended attributes, as\n"
		"docker does; images by content digest too.\n");
}

static void print_change(void *userdata, char kind, const char *path)
{
	(void)userdata;
	printf("%c %s\n", kind, path);
}

static bool is_directory(const char *s)
{
	struct stat st;
	return stat(s, &st) == 0 && S_ISDIR(st.st_mode);
}

static int diff_images(struct cli_context *ctx, const char *old, const char *new)
{
	struct cn_error err = CN_ERROR_INIT;
	cleanup_store struct cn_store *store = NULL;
	int r = cli_store_open(ctx, CN_STORE_WRITE, &store, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	cleanup_tree struct cn_tree *old_tree = NULL;
	cleanup_tree struct cn_tree *new_tree = NULL;
	struct cn_tree **trees[2] = { &old_tree, &new_tree };
	const char *specs[2] = { old, new };
	for (int i = 0; i < 2; i++) {
		cleanup_resolved struct cn_resolved img = { 0 };
		r = cn_store_resolve(store, specs[i], &img, &err);
		if (r >= 0)
			r = cn_image_tree(store, &img, SIZE_MAX, CN_TREE_HASH, SIZE_MAX, NULL, NULL,
					  trees[i], NULL, &err);
		if (r < 0)
			return cli_fail(ctx, cn_error_prefix(&err, r, "%s", specs[i]), &err);
	}
	cn_diff_trees(old_tree, new_tree, print_change, NULL, NULL);
	return 0;
}

int cmd_diff(struct cli_context *ctx, int argc, char **argv)
{
	enum { OPT_REPRODUCIBLE = 256 };
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "reproducible", no_argument, NULL,
						OPT_REPRODUCIBLE },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *output = NULL;
	bool reproducible = false;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_REPRODUCIBLE:
			reproducible = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(ctx, "requires exactly 2 arguments: OLD NEW");
	const char *old = argv[optind], *new = argv[optind + 1];
	bool old_dir = is_directory(old), new_dir = is_directory(new);
	if (!old_dir && !new_dir) {
		if (output)
			return cli_usage_error(ctx, "-o needs two directories: unpack the images "
						    "with 'cairn unpack' first");
		return diff_images(ctx, old, new);
	}
	if (!old_dir || !new_dir)
		return cli_usage_error(
			ctx,
			"compare two directories or two images: '%s' is a directory, "
			"'%s' is not",
			old_dir ? old : new, old_dir ? new : old);

	uint64_t epoch = 0;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (reproducible && sde && cn_parse_u64(sde, INT64_MAX, &epoch) < 0)
		return cli_usage_error(ctx, "invalid SOURCE_DATE_EPOCH '%s'", sde);

	cleanup_close int ofd = open(old, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int nfd = open(new, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ofd < 0 || nfd < 0)
		return cli_failf(ctx, "cannot open %s: %s", ofd < 0 ? old : new, strerror(errno));

	struct cli_output out = { .fd = -1, .dirfd = -1 };
	cleanup_tar_writer struct cn_tar_writer *w = NULL;
	if (output) {
		if (cli_output_open(ctx, output, &out) != 0)
			return 1;
		w = cn_tar_writer_new(cn_compression_for_name(output), 0, cn_sink_fd, &out.fd);
	}
	struct cn_diff_options o = {
		.w = w,
		.report = output ? NULL : print_change,
		.reproducible = reproducible,
		.epoch = (int64_t)epoch,
	};
	struct cn_error err = CN_ERROR_INIT;
	struct cn_diff_stats st;
	struct cn_tar_result res;
	int r = cn_diff_dirs(ofd, nfd, &o, &st, &err);
	if (r >= 0 && w)
		r = cn_tar_writer_finish(w, &res, &err);
	if (r < 0) {
		cli_output_release(&out);
		return cli_fail(ctx, r, &err);
	}
	if (output) {
		int rc = cli_output_commit(ctx, &out);
		cli_output_release(&out);
		if (rc)
			return rc;
		fprintf(stderr, "%llu added, %llu changed, %llu deleted; diff_id %s\n",
			(unsigned long long)st.added, (unsigned long long)st.changed,
			(unsigned long long)st.deleted, res.diff_id.str);
	}
	return 0;
}
