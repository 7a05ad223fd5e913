#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "lib/regstore/regstore.h"

static void registry_help(void)
{
	printf("Usage: cairn registry gc [--dry-run] [--storage DIR]\n\n"
	       "Delete what no tag of the registry's storage reaches: untagged manifests (but\n"
	       "not the referrers, such as signatures and SBOMs, of a kept image), blob links\n"
	       "and blobs nothing uses, and stale uploads. Safe while `cairn serve` runs on the\n"
	       "same storage: anything pushed within the last hour is kept, so no push in\n"
	       "progress loses a blob.\n\n"
	       "Options:\n"
	       "  -n, --dry-run       only report what would be deleted\n"
	       "      --storage DIR   registry data (default ROOT/registry)\n");
}

struct gc_report {
	bool dry_run;
};

static void report_deleted(void *userdata, const char *what, const struct cn_digest *d,
			   uint64_t size)
{
	struct gc_report *rep = userdata;
	char sz[32];
	printf("%s %s %s (%s)\n", rep->dry_run ? "would delete" : "deleted", what, d->str,
	       format_size(size, sz, sizeof(sz)));
}

static int registry_gc(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "storage", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct gc_report rep = { false };
	const char *storage = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		if (c == 'n') {
			rep.dry_run = true;
		} else if (c == 's') {
			storage = optarg;
		} else if (c == 'h') {
			registry_help();
			return 0;
		} else {
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(ctx, "gc takes no arguments");
	cleanup_free char *def = NULL;
	if (!storage) {
		cleanup_free char *root = cli_store_root(ctx);
		storage = def = xasprintf("%s/registry", root);
	}
	struct cn_error err = CN_ERROR_INIT;
	struct cn_regstore *rs = NULL;
	struct cn_regstore_gc_stats st;
	int r = cn_regstore_open(storage, NULL, &rs, &err);
	if (r >= 0)
		r = cn_regstore_gc(rs, rep.dry_run, report_deleted, &rep, &st, &err);
	cn_regstore_free(rs);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	char sz[32];
	printf("%s %llu manifests, %llu blob links and %llu blobs (%s)\n",
	       rep.dry_run ? "Would delete" : "Deleted", (unsigned long long)st.manifests_deleted,
	       (unsigned long long)st.links_deleted, (unsigned long long)st.blobs_deleted,
	       format_size(st.bytes_freed, sz, sizeof(sz)));
	return 0;
}

int cmd_registry(struct cli_context *ctx, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		registry_help();
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "gc") == 0) {
		optind = 0; /* the subcommand parses its own options */
		return registry_gc(ctx, argc - 1, argv + 1);
	}
	return cli_usage_error(ctx, "unknown subcommand '%s' (try: cairn registry gc)", argv[1]);
}
