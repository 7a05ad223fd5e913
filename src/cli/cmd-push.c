/* cairn push: upload a local image to its registry, with docker push's progress lines. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/cli.h"
#include "cli/format.h"
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

/* One line per layer, redrawn in place on a terminal; state changes only otherwise. */
struct row {
	char id[13];
	enum cn_push_blob_state state;
	uint64_t done, total;
	char from[128];
};

struct progress {
	FILE *out;
	bool tty, quiet;
	struct row *rows;
	size_t n_rows, alloc_rows, drawn;
};

static const char *row_text(const struct row *row, char *buf, size_t len)
{
	char a[16], b[16], bar[52];
	switch (row->state) {
	case CN_PUSH_BLOB_PREPARING:
		return "Preparing";
	case CN_PUSH_BLOB_WAITING:
		return "Waiting";
	case CN_PUSH_BLOB_PUSHING: {
		size_t w = row->total ? (size_t)(row->done * 50 / row->total) : 0;
		memset(bar, '=', MIN(w, 50));
		bar[MIN(w, 50)] = '\0';
		(void)snprintf(buf, len, "Pushing [%s>%*s] %s/%s", bar, (int)(50 - MIN(w, 50)), "",
			       format_size(row->done, a, sizeof(a)),
			       format_size(row->total, b, sizeof(b)));
		return buf;
	}
	case CN_PUSH_BLOB_PUSHED:
		return "Pushed";
	case CN_PUSH_BLOB_EXISTS:
		return "Layer already exists";
	case CN_PUSH_BLOB_MOUNTED:
		(void)snprintf(buf, len, "Mounted from %s", row->from);
		return buf;
	case CN_PUSH_BLOB_SKIPPED:
		return "Skipped foreign layer";
	case CN_PUSH_BLOB_FAILED:
		return "Failed";
	}
	return "";
}

static void draw_row(struct progress *pp, const struct row *row)
{
	char buf[160];
	fprintf(pp->out, "%s: %s%s\n", row->id, row_text(row, buf, sizeof(buf)),
		pp->tty ? "\033[K" : "");
}

static void redraw(struct progress *pp)
{
	if (pp->drawn)
		fprintf(pp->out, "\033[%zuA", pp->drawn);
	for (size_t i = 0; i < pp->n_rows; i++)
		draw_row(pp, &pp->rows[i]);
	pp->drawn = pp->n_rows;
	fflush(pp->out);
}

static struct row *find_row(struct progress *pp, const char *hex)
{
	for (size_t i = 0; i < pp->n_rows; i++)
		if (strncmp(pp->rows[i].id, hex, sizeof(pp->rows[i].id) - 1) == 0)
			return &pp->rows[i];
	ALLOC_GROW(pp->rows, pp->n_rows + 1, pp->alloc_rows);
	struct row *row = &pp->rows[pp->n_rows++];
	memset(row, 0, sizeof(*row));
	(void)snprintf(row->id, sizeof(row->id), "%s", hex);
	return row;
}

static void on_resolved(void *userdata, const char *repo_name, const char *tag)
{
	struct progress *pp = userdata;
	(void)tag;
	if (!pp->quiet)
		fprintf(pp->out, "The push refers to repository [%s]\n", repo_name);
}

static void on_blob(void *userdata, const struct cn_descriptor *d, bool is_layer,
		    enum cn_push_blob_state state, uint64_t done, uint64_t total, const char *from)
{
	struct progress *pp = userdata;
	if (pp->quiet || !is_layer)
		return;
	struct row *row = find_row(pp, cn_digest_hex(&d->digest));
	bool changed = row->state != state || state == CN_PUSH_BLOB_PREPARING;
	if (state == CN_PUSH_BLOB_PUSHING && row->state == CN_PUSH_BLOB_PUSHING &&
	    (!pp->tty || (done != total && done - row->done < total / 100 + 1)))
		return; /* a terminal redraws about once per percent; a log gets one line */
	row->state = state;
	row->done = done;
	row->total = total;
	if (from)
		(void)snprintf(row->from, sizeof(row->from), "%s", from);
	if (pp->tty)
		redraw(pp);
	else if (changed)
		draw_row(pp, row);
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

	struct progress pp = { .out = stdout, .quiet = quiet };
	pp.tty = isatty(fileno(stdout)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
	struct cn_push_observer obs = { on_resolved, on_blob, &pp };
	po.observer = &obs;
	struct cn_push_result res;
	r = cn_push(store, ref, &po, &res, &err);
	free(pp.rows);
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
