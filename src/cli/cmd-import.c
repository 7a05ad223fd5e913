/*
 * `cairn import SOURCE IMAGE` (like docker import: an image of one layer from a tarball or a
 * directory) and `cairn append BASE LAYER IMAGE` (a new image: BASE plus one layer).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/changes.h"
#include "cli/cli.h"
#include "lib/layer/commit.h"
#include "lib/reference/reference.h"

static void import_usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn import [OPTIONS] SOURCE IMAGE\n\n"
		"Create an image of one layer from SOURCE: a tar archive (plain, gzip or zstd),\n"
		"\"-\" for one on stdin, or a directory (its tree becomes the layer).\n\n"
		"Options:\n"
		"  -c, --change INSTRUCTION  apply a Dockerfile instruction to the config (CMD,\n"
		"                            ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL,\n"
		"                            USER, VOLUME, WORKDIR); may be repeated\n"
		"  -m, --message MESSAGE     the history comment\n\n"
		"With $SOURCE_DATE_EPOCH set, it is the creation time (and directory mtimes).\n");
}

static void append_usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn append [OPTIONS] BASE LAYER IMAGE\n\n"
		"Create IMAGE from the image BASE with LAYER (a tar: plain, gzip or zstd; \"-\"\n"
		"for stdin; or a directory) added on top. The config's diff_ids and history are\n"
		"extended; BASE is unchanged.\n\n"
		"Options:\n"
		"  -c, --change INSTRUCTION  apply a Dockerfile instruction to the config (as in\n"
		"                            cairn import); may be repeated\n"
		"  -m, --message MESSAGE     the history comment\n");
}

/* The normalized entry name for `spec`, or NULL after printing why. */
static char *target_name(struct cli_context *ctx, const char *spec)
{
	cleanup_reference struct cn_reference ref = { 0 };
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_reference_parse(spec, &ref, &err);
	if (r < 0) {
		cli_fail(ctx, r, &err);
		return NULL;
	}
	if (ref.digest) {
		cli_failf(ctx, "cannot name a new image with a digest: %s", spec);
		return NULL;
	}
	return cn_reference_format(&ref);
}

static int created_time(struct cli_context *ctx, int64_t *ret, bool *fixed)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;
	*fixed = sde && *sde;
	if (!*fixed) {
		*ret = (int64_t)time(NULL);
		return 0;
	}
	if (cn_parse_u64(sde, INT64_MAX, &v) < 0)
		return cli_usage_error(ctx, "invalid SOURCE_DATE_EPOCH '%s'", sde);
	*ret = (int64_t)v;
	return 0;
}

/* Stores SOURCE (file, "-", or directory) as a layer blob. */
static int ingest(struct cn_store *store, const char *source, bool reproducible, int64_t epoch,
		  struct cn_layer_blob *ret, struct cn_error *err)
{
	if (!strcmp(source, "-"))
		return cn_layer_ingest_fd(store, STDIN_FILENO, ret, err);
	cleanup_close int fd = open(source, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cn_error_errno(err, -errno, "%s", source);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cn_error_errno(err, -errno, "%s", source);
	int r = S_ISDIR(st.st_mode) ? cn_layer_ingest_dir(store, fd, reproducible, epoch, ret, err)
				    : cn_layer_ingest_fd(store, fd, ret, err);
	return r < 0 ? cn_error_prefix(err, r, "%s", source) : r;
}

struct make_options {
	json_t *changes;
	const char *message;
};

static int parse_make_options(struct cli_context *ctx, int argc, char **argv,
			      struct make_options *o, void (*usage)(FILE *))
{
	static const struct option opts[] = { { "change", required_argument, NULL, 'c' },
					      { "message", required_argument, NULL, 'm' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	int c;
	while ((c = getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
		struct cn_error err = CN_ERROR_INIT;
		switch (c) {
		case 'c':
			if (cli_change_parse(optarg, o->changes, &err) < 0)
				return cli_usage_error(ctx, "--change '%s': %s", optarg, err.msg);
			break;
		case 'm':
			o->message = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	return 0;
}

static int make_image(struct cli_context *ctx, const char *base_spec, const char *source,
		      const char *target, const struct make_options *mo, const char *verb)
{
	cleanup_free char *name = target_name(ctx, target);
	if (!name)
		return 1;
	int64_t created = 0;
	bool fixed;
	if (created_time(ctx, &created, &fixed) != 0)
		return EXIT_USAGE;

	struct cn_error err = CN_ERROR_INIT;
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved base = { 0 };
	int r = cli_store_open(ctx, CN_STORE_CREATE | CN_STORE_WRITE, &store, &err);
	if (r >= 0 && base_spec)
		r = cn_store_resolve(store, base_spec, &base, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	struct cn_layer_blob layer;
	r = ingest(store, source, fixed, created, &layer, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);

	/* The file's name, not where it happened to be: history is published with the image. */
	const char *slash = strrchr(source, '/');
	const char *shown = slash && slash[1] ? slash + 1 : source;
	cleanup_free char *created_by = xasprintf("cairn %s %s", verb, shown);
	cleanup_free char *comment = mo->message ? NULL : xasprintf("Imported from %s", shown);
	struct cn_commit c = {
		.base = base_spec ? &base : NULL,
		.layer = &layer,
		.created = created,
		.created_by = created_by,
		.comment = mo->message ? mo->message
			   : base_spec ? NULL
				       : comment,
		.config = json_object_size(mo->changes) ? mo->changes : NULL,
		.name = name,
	};
	struct cn_digest id;
	r = cn_image_commit(store, &c, &id, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	printf("%s\n", id.str);
	return 0;
}

int cmd_import(struct cli_context *ctx, int argc, char **argv)
{
	cleanup_json json_t *changes = json_object();
	struct make_options mo = { .changes = changes };
	int r = parse_make_options(ctx, argc, argv, &mo, import_usage);
	if (r)
		return r < 0 ? 0 : r;
	if (argc - optind != 2)
		return cli_usage_error(ctx, "requires exactly 2 arguments: SOURCE IMAGE");
	return make_image(ctx, NULL, argv[optind], argv[optind + 1], &mo, "import");
}

int cmd_append(struct cli_context *ctx, int argc, char **argv)
{
	cleanup_json json_t *changes = json_object();
	struct make_options mo = { .changes = changes };
	int r = parse_make_options(ctx, argc, argv, &mo, append_usage);
	if (r)
		return r < 0 ? 0 : r;
	if (argc - optind != 3)
		return cli_usage_error(ctx, "requires exactly 3 arguments: BASE LAYER IMAGE");
	return make_image(ctx, argv[optind], argv[optind + 1], argv[optind + 2], &mo, "append");
}
