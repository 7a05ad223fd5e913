#include <getopt.h>
#include <stdio.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "lib/store/store.h"

int cmd_gc(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool dry_run = false;
	int c;
	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		if (c == 'n') {
			dry_run = true;
		} else if (c == 'h') {
			printf("Usage: cairn gc [--dry-run]\n\n"
			       "Delete every blob that no tag reaches, and stale partial "
			       "downloads.\n"
			       "Waits for running pulls to finish first.\n\n"
			       "Options:\n  -n, --dry-run   only report what would be deleted\n");
			return 0;
		} else {
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(ctx, "takes no arguments");

	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_gc_stats st;
	char size[32];
	int r = cli_store_open(ctx, CN_STORE_GC, &store, &err);
	if (r >= 0)
		r = cn_store_gc(store, dry_run, &st, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	printf("%s %llu blobs (%s) and %llu partial downloads\n",
	       dry_run ? "Would delete" : "Deleted", (unsigned long long)st.blobs_deleted,
	       format_size(st.bytes_freed, size, sizeof(size)),
	       (unsigned long long)st.partials_deleted);
	return 0;
}
