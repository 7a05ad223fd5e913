/* cairn push: upload a local image to its registry, with docker push's progress lines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

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
		"Usage: cairn push [OPTIONS] NAME[:TAG]\n"
		"       cairn push --all-tags [OPTIONS] NAME\n\n"
		"Upload an image from the local store to a registry, under the same name (tag it\n"
		"first with `cairn tag`). Layers the registry has are skipped, layers of another\n"
		"repository of the same registry are mounted, and digests stay as they are.\n\n"
		"Options:\n"
		"      --all-tags                      push every local tag of the repository "
		"NAME\n"
		"  -a, --all-platforms                 push every platform of a multi-platform "
		"image\n"
		"                                      and the index (default: the host's only)\n"
		"      --max-concurrent-uploads N      parallel layer uploads (default 5)\n"
		"      --chunk-size BYTES              upload layers in chunks of this size\n"
		"                                      (default: one streamed request per layer)\n"
		"  -q, --quiet                         print only the pushed reference\n");
}

static int parse_options(struct cli_context *ctx, int argc, char **argv, struct cn_push_options *po,
			 bool *quiet, bool *all_tags)
{
	static const struct option opts[] = {
		{ "all-platforms", no_argument, NULL, 'a' },
		{ "all-tags", no_argument, NULL, 't' },
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
		case 't':
			*all_tags = true;
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

/* Pushes one reference; prints docker's closing line. */
static int push_one(struct cli_context *ctx, struct cn_store *store, const char *ref,
		    struct cn_push_options *po, bool quiet)
{
	struct cn_error err = CN_ERROR_INIT;
	struct progress pp;
	progress_init(&pp, stdout, quiet);
	struct cn_push_observer obs = progress_push_observer(&pp);
	po->observer = &obs;
	struct cn_push_result res;
	int r = cn_push(store, ref, po, &res, &err);
	progress_release(&pp);
	po->observer = NULL;
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

/* --all-tags: every tag of the store whose repository is `repo` (domain and path), in the
 * store's order. */
static int push_all_tags(struct cli_context *ctx, struct cn_store *store,
			 const struct cn_reference *repo, const char *name,
			 struct cn_push_options *po, bool quiet)
{
	struct cn_store_tag *tags = NULL;
	size_t n = 0, pushed = 0;
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_store_list_tags(store, &tags, &n, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct cn_reference t;
		if (cn_reference_parse(tags[i].name, &t, NULL) < 0)
			continue;
		bool same = t.tag && !t.digest && strcmp(t.domain, repo->domain) == 0 &&
			    strcmp(t.path, repo->path) == 0;
		cn_reference_release(&t);
		if (!same)
			continue;
		r = push_one(ctx, store, tags[i].name, po, quiet);
		pushed++;
	}
	cn_store_tags_free(tags, n);
	if (r == 0 && pushed == 0)
		return cli_failf(ctx, "%s: no tag of this repository in the local store", name);
	return r;
}

/* Whether the user wrote a tag or digest after the repository (the parser fills in latest). */
static bool names_tag_or_digest(const char *ref)
{
	const char *last = strrchr(ref, '/');
	return strchr(last ? last : ref, ':') || strchr(ref, '@');
}

int cmd_push(struct cli_context *ctx, int argc, char **argv)
{
	struct cn_push_options po = { .config_dir = ctx->config_dir };
	bool quiet = false, all_tags = false;
	int r = parse_options(ctx, argc, argv, &po, &quiet, &all_tags);
	if (r != 0)
		return r < 0 ? 0 : r;
	const char *ref = argv[optind];
	if (all_tags && names_tag_or_digest(ref))
		return cli_usage_error(ctx, "--all-tags takes a repository name without a tag");

	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_reference parsed;
	r = cn_reference_parse(ref, &parsed, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	r = settings_registry_insecure(parsed.domain, &po.insecure, &err);
	if (r >= 0)
		r = cli_store_open(ctx, CN_STORE_WRITE, &store, &err);
	if (r == -ENOENT && !store) /* no store yet: no image either */
		r = cn_error_set(&err, r, "An image does not exist locally with the tag: %s", ref);
	if (r < 0) {
		cn_reference_release(&parsed);
		cn_error_prefix(&err, r, "%s", ref);
		return cli_fail(ctx, r, &err);
	}
	r = all_tags ? push_all_tags(ctx, store, &parsed, ref, &po, quiet)
		     : push_one(ctx, store, ref, &po, quiet);
	cn_reference_release(&parsed);
	return r;
}
