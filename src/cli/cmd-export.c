/* `cairn export IMAGE -o FILE`: the image's flattened filesystem as one tar, like docker export. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "lib/layer/export.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn export [OPTIONS] IMAGE\n\n"
		"Write the image's filesystem, all layers merged and whiteouts applied, as one\n"
		"tar archive. FILE is written completely or not at all; a name ending in .gz\n"
		"or .zst compresses it.\n\n"
		"Options:\n"
		"  -o, --output FILE   write to FILE instead of stdout (\"-\")\n");
}

int cmd_export(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	const char *output = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(ctx, "requires exactly 1 argument: IMAGE");
	const char *spec = argv[optind];

	struct cn_error err = CN_ERROR_INIT;
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved img = { 0 };
	if (cli_open_image(ctx, spec, &store, &img) != 0)
		return 1;

	struct cli_output out;
	if (cli_output_open(ctx, output, &out) != 0)
		return 1;
	enum cn_compression comp = output ? cn_compression_for_name(output) : CN_COMPRESSION_NONE;
	cleanup_tar_writer struct cn_tar_writer *w =
		cn_tar_writer_new(comp, CN_WRITE_NO_HASH, cn_sink_fd, &out.fd);
	struct cn_tar_result res;
	int r = cn_export_image(store, &img, w, &err);
	if (r >= 0)
		r = cn_tar_writer_finish(w, &res, &err);
	if (r < 0) {
		cli_output_release(&out);
		return cli_fail(ctx, cn_error_prefix(&err, r, "%s", spec), &err);
	}
	int rc = cli_output_commit(ctx, &out);
	cli_output_release(&out);
	return rc;
}
