/* `cairn image SUBCOMMAND`: docker's management-command spelling of the local image commands,
 * plus `image prune`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "cli/image-display.h"

static const struct {
	const char *name, *command;
	int (*run)(struct cli_context *ctx, int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "history", "image history", cmd_history, "Show the history of an image" },
	{ "inspect", "image inspect", cmd_inspect, "Show details of one or more images" },
	{ "ls", "image ls", cmd_images, "List images (same as `cairn images`)" },
	{ "prune", "image prune", NULL, "Remove unused data: blobs no tag reaches" },
	{ "rm", "image rm", cmd_rmi, "Remove one or more images (same as `cairn rmi`)" },
	{ "tag", "image tag", cmd_tag, "Create a tag TARGET that refers to SOURCE" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cairn image COMMAND\n\nManage local images.\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\nRun 'cairn image COMMAND --help' for more information on a command.\n");
}

static void prune_usage(FILE *out)
{
	fprintf(out, "Usage: cairn image prune [OPTIONS]\n\n"
		     "Remove unused image data: every blob (manifest, config, layer) that no tag\n"
		     "reaches, and stale partial downloads.\n\n"
		     "Options:\n"
		     "  -a, --all     untag every image first, so that everything is removed\n"
		     "  -f, --force   do not prompt for confirmation\n");
}

static bool confirm(const char *warning)
{
	char line[64];
	printf("%s\nAre you sure you want to continue? [y/N] ", warning);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static void print_deleted(void *userdata, const struct cn_digest *d, uint64_t size)
{
	(void)userdata;
	(void)size;
	printf("Deleted: %s\n", d->str);
}

/* -a: untag everything (there are no containers yet that would keep an image in use). */
static int untag_all(struct cn_store *store, struct cn_error *err)
{
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	int r = cn_store_list_tags(store, &tags, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct entry_name en;
		if (!tags[i].name)
			continue;
		r = cn_store_remove_tag(store, tags[i].name, err);
		entry_name_parse(tags[i].name, &en);
		if (r >= 0)
			printf("Untagged: %s\n", en.familiar);
		entry_name_release(&en);
	}
	cn_store_tags_free(tags, n);
	return r;
}

static int prune(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool all = false, force = false;
	int c;
	while ((c = getopt_long(argc, argv, "afh", opts, NULL)) != -1) {
		if (c == 'a') {
			all = true;
		} else if (c == 'f') {
			force = true;
		} else if (c == 'h') {
			prune_usage(stdout);
			return 0;
		} else {
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(ctx, "takes no arguments");
	if (!force && !confirm(all ? "WARNING! This will remove all images."
				   : "WARNING! This will remove all unused image data."))
		return 0;

	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_gc_stats st = { 0 };
	char size[32];
	int r = cli_store_open(ctx, CN_STORE_GC, &store, &err);
	if (r >= 0 && all)
		r = untag_all(store, &err);
	if (r >= 0)
		r = cn_store_gc_report(store, false, print_deleted, NULL, &st, &err);
	fflush(stdout);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	printf("Total reclaimed space: %s\n", format_size(st.bytes_freed, size, sizeof(size)));
	return 0;
}

int cmd_image(struct cli_context *ctx, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (strcmp(subcommands[i].name, argv[1]) != 0)
			continue;
		ctx->command = subcommands[i].command;
		optind = 0; /* the subcommand parses its own options */
		if (!subcommands[i].run)
			return prune(ctx, argc - 1, argv + 1);
		return subcommands[i].run(ctx, argc - 1, argv + 1);
	}
	return cli_usage_error(ctx, "'%s' is not a cairn image command", argv[1]);
}
