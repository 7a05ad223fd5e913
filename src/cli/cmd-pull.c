#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/settings.h"
#include "lib/pull/pull.h"
#include "lib/reference/reference.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
		"Download an image from a registry into the local store.\n\n"
		"Options:\n"
		"  -a, --all-platforms                 pull every platform of a multi-platform "
		"image\n"
		"      --platform OS/ARCH[/VARIANT]    pull this platform (default: the host's)\n"
		"      --max-concurrent-downloads N    parallel layer downloads (default 3)\n"
		"  -q, --quiet                         print only the image name\n");
}

int cmd_pull(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all-platforms", no_argument, NULL, 'a' },
		{ "platform", required_argument, NULL, 'p' },
		{ "max-concurrent-downloads", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct cn_pull_options po = { .config_dir = ctx->config_dir };
	struct cn_platform platform;
	bool quiet = false;
	uint64_t n;
	int c;

	while ((c = getopt_long(argc, argv, "apqh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			po.all_platforms = true;
			break;
		case 'p':
			if (cn_platform_parse(optarg, &platform) < 0)
				return cli_usage_error(
					ctx, "invalid --platform \"%s\" (want os/arch[/variant])",
					optarg);
			po.platform = &platform;
			break;
		case 'm':
			if (cn_parse_u64(optarg, 32, &n) < 0 || n == 0)
				return cli_usage_error(
					ctx, "--max-concurrent-downloads must be 1..32, not \"%s\"",
					optarg);
			po.max_concurrent = (unsigned)n;
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
	if (optind + 1 != argc)
		return cli_usage_error(ctx, "requires exactly one image reference");
	if (po.all_platforms && po.platform)
		return cli_usage_error(ctx, "--platform and --all-platforms exclude each other");
	const char *ref = argv[optind];

	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_reference parsed;
	int r = cn_reference_parse(ref, &parsed, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	r = settings_registry_insecure(parsed.domain, &po.insecure, &err);
	cn_reference_release(&parsed);
	if (r >= 0)
		r = cli_store_open(ctx, CN_STORE_CREATE | CN_STORE_WRITE, &store, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);

	struct progress pp;
	progress_init(&pp, stdout, quiet);
	struct cn_pull_observer obs = progress_pull_observer(&pp);
	po.observer = &obs;
	struct cn_pull_result res;
	r = cn_pull(store, ref, &po, &res, &err);
	progress_release(&pp);
	if (r < 0) {
		cn_error_prefix(&err, r, "%s", ref);
		return cli_fail(ctx, r, &err);
	}
	if (!quiet) {
		cleanup_free char *familiar = NULL;
		if (cn_reference_parse(res.name, &parsed, NULL) >= 0) {
			familiar = cn_reference_familiar(&parsed);
			cn_reference_release(&parsed);
		}
		printf("Digest: %s\n", res.digest.str);
		printf("Status: %s for %s\n",
		       res.updated ? "Downloaded newer image" : "Image is up to date",
		       familiar ? familiar : res.name);
	}
	printf("%s\n", res.name);
	cn_pull_result_release(&res);
	return 0;
}
