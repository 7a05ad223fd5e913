/* `cairn history`: the history of an image, newest first, like `docker history`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "cli/image-display.h"

#define CREATED_BY_MAX 45 /* docker history truncates CREATED BY to 45 characters */

struct history_options {
	bool no_trunc, human, quiet, json;
};

/* One history entry with the layer it made (NULL for an empty_layer entry). */
struct history_row {
	const char *created, *created_by, *comment;
	const struct cn_descriptor *layer;
	bool empty;
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cairn history [OPTIONS] IMAGE\n\n"
		     "Show the history of an image, newest first.\n\n"
		     "Options:\n"
		     "      --format FORMAT  table (default) or json\n"
		     "  -H, --human=BOOL     human-readable sizes and dates (default true)\n"
		     "      --no-trunc       do not truncate output\n"
		     "  -q, --quiet          only show image IDs\n\n"
		     "SIZE is the stored (compressed) size of the layer each step made.\n");
}

/*
 * Matches history entries to layers: each entry without empty_layer made the next layer of the
 * manifest, in order. An image without history gets one row per layer.
 */
static struct history_row *history_rows(const struct cn_resolved *img, size_t *ret_n)
{
	const struct cn_image_config *c = img->config;
	const struct cn_manifest *m = img->manifest;
	size_t n = c->n_history ? c->n_history : m->n_layers, next = 0;
	struct history_row *rows = xcalloc(n ? n : 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		struct history_row *r = &rows[i];
		if (!c->n_history) {
			r->layer = &m->layers[i];
			continue;
		}
		const struct cn_history_entry *h = &c->history[i];
		r->created = h->created;
		r->created_by = h->created_by;
		r->comment = h->comment;
		r->empty = h->empty_layer;
		if (!h->empty_layer && next < m->n_layers)
			r->layer = &m->layers[next++];
	}
	*ret_n = n;
	return rows;
}

/* Tabs and newlines as spaces (docker replaces tabs; a newline would break the table). */
static char *one_line(const char *s, bool truncate)
{
	cleanup_free char *copy = xstrdup(s ? s : "");
	for (char *p = copy; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	return truncate ? utf8_ellipsis(copy, CREATED_BY_MAX) : TAKE_PTR(copy);
}

static uint64_t row_size(const struct history_row *r)
{
	return r->layer ? (uint64_t)r->layer->size : 0;
}

static void print_table(const struct history_options *o, const struct cn_resolved *img,
			const struct history_row *rows, size_t n)
{
	/* docker names the column CREATED AT when it shows timestamps */
	const char *const headers[] = { "IMAGE", o->human ? "CREATED" : "CREATED AT", "CREATED BY",
					"SIZE", "COMMENT" };
	struct table t;
	table_init(&t, ARRAY_SIZE(headers), headers);
	for (size_t i = n; i-- > 0;) {
		const struct history_row *r = &rows[i];
		char id[CN_DIGEST_STR_MAX], when[64], size[32];
		int64_t created = parse_created(r->created);
		table_add(&t, i + 1 == n ? format_image_id(&img->id, o->no_trunc, id, sizeof(id))
					 : "<missing>");
		table_add(&t, o->human ? format_since(created, when, sizeof(when))
				       : format_time_rfc3339(created, when, sizeof(when)));
		cleanup_free char *by = one_line(r->created_by, !o->no_trunc);
		table_add(&t, by);
		if (o->human)
			table_add(&t, format_size(row_size(r), size, sizeof(size)));
		else
			table_addf(&t, "%llu", (unsigned long long)row_size(r));
		table_add(&t, r->comment);
	}
	table_print_utf8(&t, stdout);
	table_release(&t);
}

static void print_json_rows(const struct cn_resolved *img, const struct history_row *rows, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = n; i-- > 0;) {
		const struct history_row *r = &rows[i];
		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:o}", "ID",
				  i + 1 == n ? img->id.str : "<missing>", "CreatedAt",
				  r->created ? r->created : "", "CreatedBy",
				  r->created_by ? r->created_by : "", "Size",
				  (json_int_t)row_size(r), "Comment", r->comment ? r->comment : "",
				  "EmptyLayer", r->empty, "Layer",
				  r->layer ? json_string(r->layer->digest.str) : json_null()));
	}
	print_json(arr, stdout);
}

static int show(struct cli_context *ctx, const struct history_options *o, const char *spec)
{
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved img = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	int r = cli_store_open(ctx, 0, &store, &err);
	if (r >= 0)
		r = cn_store_resolve(store, spec, &img, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	size_t n;
	struct history_row *rows = history_rows(&img, &n);
	char id[CN_DIGEST_STR_MAX];
	if (o->json)
		print_json_rows(&img, rows, n);
	else if (o->quiet)
		for (size_t i = n; i-- > 0;)
			printf("%s\n",
			       i + 1 == n ? format_image_id(&img.id, o->no_trunc, id, sizeof(id))
					  : "<missing>");
	else
		print_table(o, &img, rows, n);
	free(rows);
	return 0;
}

/* Go's boolean flag syntax: -H, -H=false, --human=false (optarg "false" or "=false"). */
static int parse_bool(const char *arg, bool *ret)
{
	if (arg && arg[0] == '=')
		arg++;
	if (!arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0)
		*ret = true;
	else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0)
		*ret = false;
	else
		return -1;
	return 0;
}

int cmd_history(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "human", optional_argument, NULL, 'H' },
		{ "no-trunc", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct history_options o = { .human = true };
	int c;
	while ((c = getopt_long(argc, argv, "H::qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format(ctx, optarg, &o.json) < 0)
				return EXIT_USAGE;
			break;
		case 'H':
			if (parse_bool(optarg, &o.human) < 0)
				return cli_usage_error(ctx, "invalid --human value \"%s\"", optarg);
			break;
		case 'n':
			o.no_trunc = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(ctx, "requires exactly one image");
	return show(ctx, &o, argv[optind]);
}
