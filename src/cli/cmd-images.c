/* `cairn images`: the local images, one row per tag, like `docker images`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/format.h"
#include "cli/image-display.h"
#include "lib/reference/reference.h"

struct images_options {
	bool digests, quiet, no_trunc, json;
	char *repository; /* normalized filter, or NULL */
	char *tag;	  /* with a REPO:TAG filter */
};

struct row {
	const struct cn_resolved *img;
	struct entry_name name;
	int64_t created;
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cairn images [OPTIONS] [REPOSITORY[:TAG]]\n\n"
		     "List the images in the local store.\n\n"
		     "Options:\n"
		     "      --digests        show digests\n"
		     "      --format FORMAT  table (default) or json\n"
		     "      --no-trunc       do not truncate image IDs\n"
		     "  -q, --quiet          only show image IDs\n\n"
		     "SIZE is the stored (compressed) size of the config and layers.\n");
}

/* A repository or repository:tag filter, normalized ("redis" -> docker.io/library/redis). */
static int parse_filter(struct cli_context *ctx, const char *arg, struct images_options *o)
{
	cleanup_reference struct cn_reference ref = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	if (cn_reference_parse_repository(arg, &ref, NULL) >= 0) {
		o->repository = cn_reference_name(&ref);
		return 0;
	}
	int r = cn_reference_parse(arg, &ref, &err);
	if (r < 0 || ref.digest)
		return cli_usage_error(ctx, "%s", r < 0 ? err.msg : "the filter takes no digest");
	o->repository = cn_reference_name(&ref);
	o->tag = xstrdup(ref.tag);
	return 0;
}

static bool row_wanted(const struct images_options *o, const struct entry_name *n)
{
	if (!o->repository)
		return true;
	if (!n->full_repository || strcmp(n->full_repository, o->repository) != 0)
		return false;
	return !o->tag || (n->tag && strcmp(n->tag, o->tag) == 0);
}

/* Newest first, as docker; then by name for a stable order. */
static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	const char *fx = x->name.familiar ? x->name.familiar : "";
	const char *fy = y->name.familiar ? y->name.familiar : "";
	return strcmp(fx, fy);
}

static void print_quiet(const struct row *rows, size_t n, bool full)
{
	for (size_t i = 0; i < n; i++) {
		char id[CN_DIGEST_STR_MAX];
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = cn_digest_equal(&rows[k].img->id, &rows[i].img->id);
		if (!seen)
			printf("%s\n", format_image_id(&rows[i].img->id, full, id, sizeof(id)));
	}
}

static json_t *row_json(const struct row *r)
{
	const char *digest = entry_repo_digest(&r->img->tag, &r->name);
	const char *created = r->img->config->created;
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:I}", "Repository",
			 r->name.repository ? r->name.repository : "<none>", "Tag",
			 r->name.tag ? r->name.tag : "<none>", "Digest", digest ? digest : "<none>",
			 "ID", r->img->id.str, "CreatedAt",
			 created ? json_string(created) : json_null(), "Size",
			 (json_int_t)MIN(r->img->size, (uint64_t)INT64_MAX));
}

static void print_table(const struct images_options *o, const struct row *rows, size_t n)
{
	static const char *const headers[] = { "REPOSITORY", "TAG",	"DIGEST",
					       "IMAGE ID",   "CREATED", "SIZE" };
	struct table t;
	table_init(&t, o->digests ? 6 : 5, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(headers); i++)
		if (o->digests || i != 2)
			table_add(&t, headers[i]);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const char *digest = entry_repo_digest(&r->img->tag, &r->name);
		char id[CN_DIGEST_STR_MAX], since[64], size[32];
		table_add(&t, r->name.repository ? r->name.repository : "<none>");
		table_add(&t, r->name.tag ? r->name.tag : "<none>");
		if (o->digests)
			table_add(&t, digest ? digest : "<none>");
		table_add(&t, format_image_id(&r->img->id, o->no_trunc, id, sizeof(id)));
		table_add(&t, format_since(r->created, since, sizeof(since)));
		table_add(&t, format_size(r->img->size, size, sizeof(size)));
	}
	table_print(&t, stdout);
	table_release(&t);
}

static int list(struct cli_context *ctx, const struct images_options *o)
{
	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_resolved *imgs = NULL;
	size_t n = 0, n_rows = 0;
	int r = cli_store_open(ctx, 0, &store, &err);
	if (r >= 0)
		r = cn_store_list_images(store, warn_broken_entry, ctx, &imgs, &n, &err);
	if (r < 0 && r != -ENOENT) /* no store yet: no images */
		return cli_fail(ctx, r, &err);

	struct row *rows = xcalloc(n ? n : 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		struct row *row = &rows[n_rows];
		entry_name_parse(imgs[i].tag.name, &row->name);
		if (!row_wanted(o, &row->name)) {
			entry_name_release(&row->name);
			continue;
		}
		row->img = &imgs[i];
		row->created = parse_created(imgs[i].config->created);
		n_rows++;
	}
	qsort(rows, n_rows, sizeof(*rows), cmp_rows);
	if (o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n_rows; i++)
			json_array_append_new(arr, row_json(&rows[i]));
		print_json(arr, stdout);
	} else if (o->quiet) {
		print_quiet(rows, n_rows, o->no_trunc);
	} else {
		print_table(o, rows, n_rows);
	}
	for (size_t i = 0; i < n_rows; i++)
		entry_name_release(&rows[i].name);
	free(rows);
	cn_resolved_array_free(imgs, n);
	return 0;
}

int cmd_images(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "digests", no_argument, NULL, 'd' },	{ "format", required_argument, NULL, 'f' },
		{ "no-trunc", no_argument, NULL, 'n' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },	{},
	};
	struct images_options o = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.digests = true;
			break;
		case 'f':
			if (cli_parse_format(ctx, optarg, &o.json) < 0)
				return EXIT_USAGE;
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
	if (argc - optind > 1)
		return cli_usage_error(ctx, "takes at most one REPOSITORY[:TAG] argument");
	if (optind < argc && parse_filter(ctx, argv[optind], &o) != 0)
		return EXIT_USAGE;
	int r = list(ctx, &o);
	free(o.repository);
	free(o.tag);
	return r;
}
