#include <getopt.h>
#include <stdio.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "lib/store/store.h"

static void report(void *userdata, const char *problem)
{
	(void)userdata;
	printf("%s\n", problem);
}

int cmd_fsck(struct cli_context *ctx, int argc, char **argv)
{
	if (argc > 1) {
		if (argv[1][0] == '-' && (argv[1][1] == 'h' || argv[1][2] == 'h')) {
			printf("Usage: cairn fsck\n\n"
			       "Re-hash every blob in the store and check that every tag's "
			       "manifest,\n"
			       "config and layers are present. Prints one line per problem; exits "
			       "1\n"
			       "when there is any.\n");
			return 0;
		}
		return cli_usage_error(ctx, "takes no arguments");
	}
	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	int r = cli_store_open(ctx, 0, &store, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	int problems = cn_store_fsck(store, report, NULL, &err);
	fflush(stdout);
	if (problems > 0) {
		fprintf(stderr, "cairn: fsck: %d problem%s found in %s\n", problems,
			problems == 1 ? "" : "s", cn_store_root(store));
		return 1;
	}
	printf("fsck: %s is consistent\n", cn_store_root(store));
	return 0;
}
