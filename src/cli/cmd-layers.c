/*
 * `cairn layers IMAGE`: one row per layer with its sizes, what it did to the file tree and the
 * command that made it, and the space later layers waste (dive's efficiency figure).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "cli/image-display.h"
#include "lib/layer/unpack.h"

#define CREATED_BY_MAX 60

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn layers [OPTIONS] IMAGE\n\n"
		"Show the layers of an image, bottom first: digest, compressed and\n"
		"uncompressed size, paths added, changed and removed, bytes that later layers\n"
		"remove or replace (wasted), and the command that made the layer.\n\n"
		"Options:\n"
		"      --format FORMAT  table (default) or json\n"
		"      --no-trunc       do not truncate digests and commands\n");
}

static char *one_line(const char *s, bool truncate)
{
	cleanup_free char *copy = xstrdup(s ? s : "");
	for (char *p = copy; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	return truncate ? utf8_ellipsis(copy, CREATED_BY_MAX) : TAKE_PTR(copy);
}

static double efficiency(uint64_t total, uint64_t wasted)
{
	return total ? 100.0 * (double)(total - MIN(wasted, total)) / (double)total : 100.0;
}

static void print_table(const struct cn_resolved *img, const struct cn_tree *t,
			const struct cn_tree_layer_stats *st, bool no_trunc)
{
	const struct cn_manifest *m = img->manifest;
	const char *const headers[] = { "LAYER",   "DIGEST",  "SIZE",	"UNCOMPRESSED", "ADDED",
					"CHANGED", "REMOVED", "WASTED", "CREATED BY" };
	struct table tab;
	table_init(&tab, ARRAY_SIZE(headers), headers);
	uint64_t total = 0, wasted = 0;
	for (size_t i = 0; i < m->n_layers; i++) {
		char id[CN_DIGEST_STR_MAX], a[32], b[32], c[32];
		table_addf(&tab, "%zu", i + 1);
		table_add(&tab, format_image_id(&m->layers[i].digest, no_trunc, id, sizeof(id)));
		table_add(&tab, format_size((uint64_t)m->layers[i].size, a, sizeof(a)));
		table_add(&tab, format_size(st[i].size, b, sizeof(b)));
		table_addf(&tab, "%llu", (unsigned long long)st[i].added);
		table_addf(&tab, "%llu", (unsigned long long)st[i].changed);
		table_addf(&tab, "%llu", (unsigned long long)st[i].removed);
		table_add(&tab, format_size(t->wasted[i], c, sizeof(c)));
		cleanup_free char *by = one_line(image_layer_created_by(img, i), !no_trunc);
		table_add(&tab, by);
		total += st[i].size;
		wasted += t->wasted[i];
	}
	table_print_utf8(&tab, stdout);
	table_release(&tab);
	char a[32], b[32];
	printf("\n%zu layer%s, %s uncompressed; %s wasted by later layers (efficiency %.1f%%)\n",
	       m->n_layers, m->n_layers == 1 ? "" : "s", format_size(total, a, sizeof(a)),
	       format_size(wasted, b, sizeof(b)), efficiency(total, wasted));
}

static void print_json_layers(const struct cn_resolved *img, const struct cn_tree *t,
			      const struct cn_tree_layer_stats *st)
{
	const struct cn_manifest *m = img->manifest;
	json_t *arr = json_array();
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct cn_descriptor *d = &m->layers[i];
		const char *by = image_layer_created_by(img, i);
		json_t *o =
			json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s?}", "Index",
				  (json_int_t)i + 1, "Digest", d->digest.str, "MediaType",
				  d->media_type ? d->media_type : "", "Size", (json_int_t)d->size,
				  "UncompressedSize", (json_int_t)st[i].size, "Added",
				  (json_int_t)st[i].added, "Changed", (json_int_t)st[i].changed,
				  "Removed", (json_int_t)st[i].removed, "WastedBytes",
				  (json_int_t)t->wasted[i], "CreatedBy", by);
		if (i < img->config->n_diff_ids)
			json_object_set_new(o, "DiffID", json_string(img->config->diff_ids[i].str));
		json_array_append_new(arr, o);
	}
	print_json(arr, stdout); /* takes the reference */
}

int cmd_layers(struct cli_context *ctx, int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_NO_TRUNC };
	static const struct option opts[] = { { "format", required_argument, NULL, OPT_FORMAT },
					      { "no-trunc", no_argument, NULL, OPT_NO_TRUNC },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	bool json = false, no_trunc = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (cli_parse_format(ctx, optarg, &json) < 0)
				return EXIT_USAGE;
			break;
		case OPT_NO_TRUNC:
			no_trunc = true;
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

	struct cn_error err = CN_ERROR_INIT;
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved img = { 0 };
	if (cli_open_image(ctx, argv[optind], &store, &img) != 0)
		return 1;
	size_t n = img.manifest->n_layers;
	cleanup_free struct cn_tree_layer_stats *st = xcalloc(n ? n : 1, sizeof(*st));
	cleanup_tree struct cn_tree *t = NULL;
	int r = cn_image_tree(store, &img, n, 0, SIZE_MAX, NULL, NULL, &t, st, &err);
	if (r < 0)
		return cli_fail(ctx, cn_error_prefix(&err, r, "%s", argv[optind]), &err);
	if (json)
		print_json_layers(&img, t, st);
	else
		print_table(&img, t, st, no_trunc);
	return 0;
}
