/* cairn push: upload a local image to its registry, with docker push's progress lines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/settings.h"
#include "lib/push/push.h"
#include "lib/reference/reference.h"

#define CHUNK_SIZE_MAX (1ull << 32)

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn push [OPTIONS] NAME[:TAG]\n\n"
		"Upload an image from the local store to a registry, under the same name (tag it\n"
		"first with `cairn tag`). Layers the registry has are skipped, layers of another\n"
		"repository of the same registry are mounted, and digests stay as they are.\n\n"
		"Options:\n"
		"  -a, --all-platforms                 push every platform of a multi-platform "
		"image\n"
		"                                      and the index (default: the host's only)\n"
		"      --max-concurrent-uploads N      parallel layer uploads (default 5)\n"
		"      --chunk-size BYTES              upload layers in chunks of this size\n"
		"                                      (default: one streamed request per layer)\n"
		"  -q, --quiet                         print only the pushed reference\n");
}

static int parse_options(struct cli_context *ctx, int argc, char **argv, struct cn_push_options *po,
			 bool *quiet)
{
	static const struct option opts[] = {
		{ "all-platforms", no_argument, NULL, 'a' },
		{ "max-concurrent-uploads", required_argument, NULL, 'm' },
		{ "chunk-size", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t n;
	int c;
	while ((c = getopt_long(argc, argv, "aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			po->all_platforms = true;
			break;
		case 'm':
			if (cn_parse_u64(optarg, 32, &n) < 0 || n == 0)
				return cli_usage_error(
					ctx, "--max-concurrent-uploads must be 1..32, not \"%s\"",
					optarg);
			po->max_concurrent = (unsigned)n;
			break;
		case 'c':
			if (cn_parse_u64(optarg, CHUNK_SIZE_MAX, &n) < 0 || n == 0)
				return cli_usage_error(ctx,
						       "--chunk-size must be 1..%llu, not \"%s\"",
						       (unsigned long long)CHUNK_SIZE_MAX, optarg);
			po->chunk_size = n;
			break;
		case 'q':
			*quiet = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(ctx, "requires exactly one image reference");
	return 0;
}

int cmd_push(struct cli_context *ctx, int argc, char **argv)
{
	struct cn_push_options po = { .config_dir = ctx->config_dir };
	bool quiet = false;
	int r = parse_options(ctx, argc, argv, &po, &quiet);
	if (r != 0)
		return r < 0 ? 0 : r;
	const char *ref = argv[optind];

	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_reference parsed;
	r = cn_reference_parse(ref, &parsed, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	r = settings_registry_insecure(parsed.domain, &po.insecure, &err);
	cn_reference_release(&parsed);
	if (r >= 0)
		r = cli_store_open(ctx, CN_STORE_WRITE, &store, &err);
	if (r == -ENOENT && !store) /* no store yet: no image either */
		r = cn_error_set(&err, r, "An image does not exist locally with the tag: %s", ref);
	if (r < 0) {
		cn_error_prefix(&err, r, "%s", ref);
		return cli_fail(ctx, r, &err);
	}

	struct progress pp;
	progress_init(&pp, stdout, quiet);
	struct cn_push_observer obs = progress_push_observer(&pp);
	po.observer = &obs;
	struct cn_push_result res;
	r = cn_push(store, ref, &po, &res, &err);
	progress_release(&pp);
	if (r < 0) {
		fflush(stdout);
		cn_error_prefix(&err, r, "%s", ref);
		return cli_fail(ctx, r, &err);
	}
	if (quiet) {
		printf("%s\n", res.name);
	} else {
		struct cn_reference pushed;
		bool parsed_ok = cn_reference_parse(res.name, &pushed, NULL) >= 0;
		const char *tag = parsed_ok && pushed.tag ? pushed.tag : res.name;
		printf("%s: digest: %s size: %llu\n", tag, res.digest.str,
		       (unsigned long long)res.size);
		if (parsed_ok)
			cn_reference_release(&pushed);
	}
	cn_push_result_release(&res);
	return 0;
}
