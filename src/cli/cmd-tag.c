/* `cairn tag SOURCE TARGET`: a new index.json entry for an image already in the store. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/image-display.h"
#include "lib/reference/reference.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: cairn tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n\n"
		     "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.\n"
		     "SOURCE_IMAGE may also be an image ID.\n");
}

/*
 * The repo digest annotation belongs to the repository the registry served it from: the new
 * entry keeps it when it is in the same repository (docker tag redis:7 redis:stable), and drops
 * it for another repository, where that digest was never served (docker shows <none> there).
 */
static const char *kept_repo_digest(const struct cn_resolved *src, const char *target_repo)
{
	struct entry_name en;
	entry_name_parse(src->tag.name, &en);
	bool same = en.full_repository && strcmp(en.full_repository, target_repo) == 0;
	entry_name_release(&en);
	return same ? src->tag.repo_digest : NULL;
}

int cmd_tag(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'h')
			return cli_bad_option(ctx, argv);
		usage(stdout);
		return 0;
	}
	if (argc - optind != 2)
		return cli_usage_error(ctx, "requires exactly 2 arguments: SOURCE TARGET");
	const char *source = argv[optind], *target = argv[optind + 1];

	cleanup_reference struct cn_reference ref = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_reference_parse(target, &ref, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	if (ref.digest)
		return cli_failf(ctx, "refusing to create a tag with a digest reference: %s",
				 target);
	cleanup_free char *name = cn_reference_format(&ref);
	cleanup_free char *repo = cn_reference_name(&ref);

	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved src = { 0 };
	r = cli_store_open(ctx, CN_STORE_WRITE, &store, &err);
	if (r >= 0)
		r = cn_store_resolve(store, source, &src, &err);
	if (r >= 0)
		r = cn_store_set_tag(store, name, &src.tag.desc, kept_repo_digest(&src, repo),
				     src.tag.source_digest, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	return 0;
}
