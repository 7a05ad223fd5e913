/* `cairn inspect`: images as JSON shaped like `docker image inspect`, or their raw bytes. */
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

enum inspect_mode {
	INSPECT_JSON,
	INSPECT_RAW,	    /* the manifest's (or index's) bytes */
	INSPECT_RAW_CONFIG, /* the config blob's bytes */
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn inspect [OPTIONS] IMAGE [IMAGE...]\n\n"
		"Show details of local images as JSON (like docker image inspect).\n"
		"IMAGE is a reference (redis:7, name@sha256:...) or an image ID (or a prefix).\n\n"
		"Options:\n"
		"      --format json  JSON output (the default and only format)\n"
		"      --raw          print the stored manifest (or index) exactly as stored\n"
		"      --raw-config   print the stored image config exactly as stored\n");
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends `s` (taken) to a sorted, duplicate-free string array. */
static void strv_add_unique(char ***v, size_t *n, size_t *alloc, char *s)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return;
		}
	}
	ALLOC_GROW(*v, *n + 1, *alloc);
	(*v)[(*n)++] = s;
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *arr = json_array();
	if (n)
		qsort(v, n, sizeof(*v), cmp_strp);
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr, json_string(v[i]));
		free(v[i]);
	}
	free(v);
	return arr;
}

/* RepoTags and RepoDigests: every entry holding the same image (same ID), familiar names. */
static void add_repo_names(json_t *o, const struct cn_resolved *img, const struct cn_resolved *all,
			   size_t n)
{
	char **tags = NULL, **digests = NULL;
	size_t n_tags = 0, a_tags = 0, n_digests = 0, a_digests = 0;
	for (size_t i = 0; i < n; i++) {
		struct entry_name en;
		if (!cn_digest_equal(&all[i].id, &img->id))
			continue;
		entry_name_parse(all[i].tag.name, &en);
		const char *rd = entry_repo_digest(&all[i].tag, &en);
		if (en.repository && en.tag)
			strv_add_unique(&tags, &n_tags, &a_tags, xstrdup(en.familiar));
		if (en.repository && rd)
			strv_add_unique(&digests, &n_digests, &a_digests,
					xasprintf("%s@%s", en.repository, rd));
		entry_name_release(&en);
	}
	json_object_set_new(o, "RepoTags", strv_json(tags, n_tags));
	json_object_set_new(o, "RepoDigests", strv_json(digests, n_digests));
}

static json_t *string_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

/*
 * The Descriptor docker shows: the image manifest as the registry served it. For an entry
 * converted from Docker schema 2 (see lib/image/convert.h) that is its source manifest, whose
 * media type and size come from the stored blob; otherwise the stored manifest itself.
 */
static json_t *descriptor_json(struct cn_store *store, const struct cn_resolved *img)
{
	const struct cn_descriptor *d = &img->manifest_desc;
	const char *mt = d->media_type;
	struct cn_digest src;
	int64_t size = d->size;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	cleanup_manifest struct cn_manifest *m = NULL;
	bool single = cn_digest_equal(&img->tag.desc.digest, &d->digest);
	if (single && img->tag.source_digest &&
	    cn_digest_parse(img->tag.source_digest, &src) == 0 &&
	    cn_store_read_blob(store, &src, CN_MANIFEST_MAX, &sb, NULL) >= 0 &&
	    cn_manifest_parse(sb.buf, sb.len, NULL, &m, NULL) >= 0 &&
	    m->kind == CN_MANIFEST_IMAGE) {
		d = NULL;
		mt = m->media_type;
		size = (int64_t)sb.len;
	}
	return json_pack("{s:s, s:s, s:I}", "mediaType", mt ? mt : "", "digest",
			 d ? d->digest.str : src.str, "size", (json_int_t)size);
}

static json_t *inspect_json(struct cn_store *store, const struct cn_resolved *img,
			    const struct cn_resolved *all, size_t n)
{
	const struct cn_image_config *c = img->config;
	json_t *o = json_object();
	json_object_set_new(o, "Id", json_string(img->id.str));
	add_repo_names(o, img, all, n);
	json_object_set_new(o, "Parent", json_string(""));
	json_object_set_new(o, "Comment", string_or_empty(cn_json_string(c->json, "comment")));
	json_object_set_new(o, "Created", string_or_empty(c->created));
	json_object_set_new(o, "DockerVersion",
			    string_or_empty(cn_json_string(c->json, "docker_version")));
	json_object_set_new(o, "Author", string_or_empty(c->author));
	json_object_set_new(o, "Config", c->config ? json_deep_copy(c->config) : json_object());
	json_object_set_new(o, "Architecture", string_or_empty(c->architecture));
	if (c->variant)
		json_object_set_new(o, "Variant", json_string(c->variant));
	json_object_set_new(o, "Os", string_or_empty(c->os));
	json_object_set_new(o, "Size",
			    json_integer((json_int_t)MIN(img->size, (uint64_t)INT64_MAX)));
	json_t *layers = json_array();
	for (size_t i = 0; i < c->n_diff_ids; i++)
		json_array_append_new(layers, json_string(c->diff_ids[i].str));
	json_object_set_new(o, "RootFS",
			    json_pack("{s:s, s:o}", "Type", "layers", "Layers", layers));
	json_t *history = json_object_get(c->json, "history");
	json_object_set_new(o, "History",
			    json_is_array(history) ? json_deep_copy(history) : json_array());
	json_object_set_new(o, "Descriptor", descriptor_json(store, img));
	return o;
}

/* The blob --raw prints: the entry's manifest or index as the registry served it (the source
 * of an entry converted from Docker schema 2), or the platform manifest when that is what the
 * reference pinned by digest. */
static const struct cn_digest *raw_manifest(const struct cn_resolved *img, const char *spec,
					    struct cn_digest *buf)
{
	cleanup_reference struct cn_reference ref = { 0 };
	if (cn_reference_parse(spec, &ref, NULL) >= 0 && ref.digest &&
	    strcmp(ref.digest, img->manifest_desc.digest.str) == 0)
		return &img->manifest_desc.digest;
	if (img->tag.source_digest && cn_digest_parse(img->tag.source_digest, buf) == 0)
		return buf;
	return &img->tag.desc.digest;
}

static int print_raw(struct cli_context *ctx, struct cn_store *store, const char *spec,
		     enum inspect_mode mode)
{
	cleanup_resolved struct cn_resolved img = { 0 };
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	struct cn_error err = CN_ERROR_INIT;
	struct cn_digest source;
	int r = cn_store_resolve(store, spec, &img, &err);
	if (r >= 0 && mode == INSPECT_RAW)
		r = cn_store_read_blob(store, raw_manifest(&img, spec, &source), CN_MANIFEST_MAX,
				       &sb, &err);
	else if (r >= 0)
		r = cn_store_read_blob(store, &img.id, CN_CONFIG_MAX, &sb, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	if (fwrite(sb.buf, 1, sb.len, stdout) != sb.len || fflush(stdout) != 0)
		return cli_failf(ctx, "writing to stdout: %s", strerror(errno));
	return 0;
}

/* Prints the array of what was found, then one error line per image not found (as docker). */
static int inspect_all(struct cli_context *ctx, struct cn_store *store, char **specs, size_t n)
{
	struct cn_resolved *all = NULL;
	size_t n_all = 0;
	struct cn_error err = CN_ERROR_INIT;
	int r = cn_store_list_images(store, NULL, NULL, &all, &n_all, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	struct cn_error *errs = xcalloc(n, sizeof(*errs));
	int *codes = xcalloc(n, sizeof(*codes));
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		cleanup_resolved struct cn_resolved img = { 0 };
		codes[i] = cn_store_resolve(store, specs[i], &img, &errs[i]);
		if (codes[i] >= 0)
			json_array_append_new(arr, inspect_json(store, &img, all, n_all));
	}
	print_json(arr, stdout);
	fflush(stdout);
	int ret = 0;
	for (size_t i = 0; i < n; i++)
		if (codes[i] < 0)
			ret = cli_fail(ctx, codes[i], &errs[i]);
	free(errs);
	free(codes);
	cn_resolved_array_free(all, n_all);
	return ret;
}

int cmd_inspect(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "raw", no_argument, NULL, 'r' },
		{ "raw-config", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	enum inspect_mode mode = INSPECT_JSON;
	int c;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") != 0)
				return cli_usage_error(ctx, "unknown --format \"%s\" (only json)",
						       optarg);
			break;
		case 'r':
		case 'c':
			if (mode != INSPECT_JSON)
				return cli_usage_error(ctx,
						       "--raw and --raw-config exclude each other");
			mode = c == 'r' ? INSPECT_RAW : INSPECT_RAW_CONFIG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "requires at least one image");
	if (mode != INSPECT_JSON && argc - optind != 1)
		return cli_usage_error(ctx, "--raw and --raw-config take exactly one image");

	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	int r = cli_store_open(ctx, 0, &store, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	if (mode != INSPECT_JSON)
		return print_raw(ctx, store, argv[optind], mode);
	return inspect_all(ctx, store, argv + optind, (size_t)(argc - optind));
}
