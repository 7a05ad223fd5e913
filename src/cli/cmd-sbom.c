/*
 * `cairn sbom`: the packages and libraries of an image, read from its layers in the store, as a
 * table or an SBOM document (cairn json, SPDX 2.3, CycloneDX 1.5); `--attach` pushes the
 * document to the image's registry as an OCI artifact whose subject is the image.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "cli/cli.h"
#include "cli/output.h"
#include "cli/settings.h"
#include "lib/reference/reference.h"
#include "lib/registry/client.h"
#include "lib/sbom/format.h"
#include "lib/sbom/sbom.h"
#include "lib/store/resolve.h"

#define MT_EMPTY	   "application/vnd.oci.empty.v1+json"
#define EMPTY_DIGEST	   "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define ANNOTATION_CREATED "org.opencontainers.image.created"
#define ANNOTATION_TITLE   "org.opencontainers.image.title"

struct sbom_options {
	enum cn_sbom_format format;
	const char *output; /* -o FILE, or NULL for stdout */
	bool attach;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn sbom [OPTIONS] IMAGE\n\n"
		"List the packages and libraries in an image (a software bill of materials),\n"
		"read from its layers in the local store.\n\n"
		"Options:\n"
		"      --format FORMAT  table (default), json, spdx-json or cyclonedx-json\n"
		"  -o, --output FILE    write the SBOM to FILE instead of standard output\n"
		"      --attach         push the SBOM to the image's registry as an artifact\n"
		"                       whose subject is the image (spdx-json unless --format\n"
		"                       cyclonedx-json) and print the artifact's digest\n");
}

static int parse_options(struct cli_context *ctx, int argc, char **argv, struct sbom_options *o)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "attach", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cn_sbom_format_parse(optarg, &o->format) < 0)
				return cli_usage_error(ctx,
						       "unknown format \"%s\" (table, json, "
						       "spdx-json or cyclonedx-json)",
						       optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'a':
			o->attach = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(ctx, "requires exactly one image");
	return 0;
}

/* ---------------------------------------------------------------- --attach */

/* The image manifest as the registry has it: what `subject` must name. A Docker manifest the
 * store converted is pushed as its original bytes (see push.h), so those are the subject. */
static int subject_of(struct cn_store *store, const struct cn_resolved *img, json_t **ret,
		      struct cn_error *err)
{
	const struct cn_descriptor *d = &img->manifest_desc;
	const char *mt = d->media_type ? d->media_type : img->manifest->media_type;
	struct cn_digest src;
	if (img->tag.source_digest && cn_digest_equal(&d->digest, &img->tag.desc.digest) &&
	    cn_digest_parse(img->tag.source_digest, &src) == 0) {
		cleanup_strbuf struct strbuf raw = STRBUF_INIT;
		struct cn_manifest *m = NULL;
		int r = cn_store_read_blob(store, &src, CN_MANIFEST_MAX, &raw, err);
		if (r >= 0)
			r = cn_manifest_parse(raw.buf, raw.len, NULL, &m, err);
		if (r < 0)
			return cn_error_prefix(err, r, "source manifest %s", src.str);
		*ret = json_pack("{s:s, s:s, s:I}", "mediaType", m->media_type, "digest", src.str,
				 "size", (json_int_t)raw.len);
		cn_manifest_free(m);
		return 0;
	}
	*ret = json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", d->digest.str, "size",
			 (json_int_t)d->size);
	return 0;
}

/* The artifact manifest: the empty config, one layer (the SBOM), the image as subject. */
static char *artifact_manifest(const char *artifact_type, const struct cn_descriptor *layer,
			       json_t *subject, const char *title, const char *created)
{
	json_t *doc = json_pack(
		"{s:i, s:s, s:s, s:{s:s, s:s, s:i, s:s}, s:[{s:s, s:s, s:I, s:{s:s}}], s:O, "
		"s:{s:s}}",
		"schemaVersion", 2, "mediaType", CN_MT_OCI_MANIFEST, "artifactType", artifact_type,
		"config", "mediaType", MT_EMPTY, "digest", EMPTY_DIGEST, "size", 2, "data",
		"e30=", "layers", "mediaType", layer->media_type, "digest", layer->digest.str,
		"size", (json_int_t)layer->size, "annotations", ANNOTATION_TITLE, title, "subject",
		subject, "annotations", ANNOTATION_CREATED, created);
	char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	return s;
}

struct attach {
	struct cn_registry *reg;
	struct cn_http h;
	const char *repo;
};

/* Pushes `data` as the blob `desc` (digest and size filled in here). */
static int push_bytes(struct attach *a, const char *media_type, const void *data, size_t len,
		      struct cn_descriptor *desc, struct cn_error *err)
{
	desc->media_type = (char *)media_type;
	desc->size = (int64_t)len;
	cn_digest_of(CN_DIGEST_SHA256, data, len, &desc->digest);
	cleanup_close int fd = memfd_create("cairn-sbom", MFD_CLOEXEC);
	if (fd < 0)
		return cn_error_errno(err, -errno, "memfd_create");
	int r = cn_write_full(fd, data, len);
	if (r < 0)
		return cn_error_errno(err, r, "memfd");
	struct cn_blob_upload up = { .desc = desc, .fd = fd };
	r = cn_registry_push_blob(a->reg, &a->h, a->repo, &up, NULL, err);
	return r < 0 ? r : 0;
}

/* The referrers tag schema (distribution-spec 1.1, for registries without the referrers API):
 * tag "sha256-HEX" of the subject names an index of its referrers; fetch, add, put back. */
static int update_referrers_tag(struct attach *a, const char *subject_digest, json_t *artifact_desc,
				struct cn_error *err)
{
	struct cn_digest sd;
	if (cn_digest_parse(subject_digest, &sd) < 0)
		return cn_error_set(err, -EINVAL, "bad subject digest %s", subject_digest);
	cleanup_free char *tag =
		xasprintf("%s-%s", cn_digest_algo_name(sd.algo), cn_digest_hex(&sd));
	struct cn_fetched_manifest fm = { STRBUF_INIT, "", { 0 } };
	json_t *index = NULL;
	int r = cn_registry_get_manifest(a->reg, &a->h, a->repo, tag, &fm, err);
	if (r == -ENOENT) {
		cn_error_clear(err);
		index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
				  CN_MT_OCI_INDEX, "manifests");
		r = 0;
	} else if (r >= 0) {
		r = cn_json_parse(fm.body.buf, fm.body.len, &index, err);
		if (r >= 0 && !json_is_array(json_object_get(index, "manifests")))
			r = cn_error_set(err, -EBADMSG, "referrers tag %s is not an image index",
					 tag);
	}
	cn_fetched_manifest_release(&fm);
	if (r >= 0) {
		json_t *list = json_object_get(index, "manifests"), *m;
		size_t i;
		const char *want = json_string_value(json_object_get(artifact_desc, "digest"));
		bool listed = false;
		json_array_foreach (list, i, m) {
			const char *d = json_string_value(json_object_get(m, "digest"));
			listed = listed || (d && strcmp(d, want) == 0);
		}
		if (!listed)
			json_array_append(list, artifact_desc);
		cleanup_free char *body = json_dumps(index, JSON_COMPACT);
		r = body ? cn_registry_put_manifest(a->reg, &a->h, a->repo, tag, CN_MT_OCI_INDEX,
						    body, strlen(body), err)
			 : cn_error_set(err, -ENOMEM, "referrers index");
	}
	json_decref(index);
	return r < 0 ? cn_error_prefix(err, r, "referrers tag %s", tag) : 0;
}

/* Blobs, then the manifest by digest, then (without OCI-Subject) the referrers tag. */
static int attach_push(struct attach *a, const struct strbuf *sbom, const char *artifact_type,
		       json_t *subject, const char *created, struct cn_digest *ret,
		       struct cn_error *err)
{
	struct cn_descriptor config = { 0 }, layer = { 0 };
	const char *title =
		strcmp(artifact_type, CN_MT_SPDX_JSON) == 0 ? "sbom.spdx.json" : "sbom.cdx.json";
	int r = push_bytes(a, MT_EMPTY, "{}", 2, &config, err);
	if (r >= 0)
		r = push_bytes(a, artifact_type, sbom->buf, sbom->len, &layer, err);
	if (r < 0)
		return r;
	cleanup_free char *man = artifact_manifest(artifact_type, &layer, subject, title, created);
	if (!man)
		return cn_error_set(err, -ENOMEM, "artifact manifest");
	cn_digest_of(CN_DIGEST_SHA256, man, strlen(man), ret);
	char answered[CN_DIGEST_STR_MAX];
	r = cn_registry_put_referrer(a->reg, &a->h, a->repo, ret->str, CN_MT_OCI_MANIFEST, man,
				     strlen(man), answered, err);
	if (r < 0 || answered[0])
		return r;
	const char *subject_digest = json_string_value(json_object_get(subject, "digest"));
	json_t *desc =
		json_pack("{s:s, s:s, s:I, s:s, s:{s:s}}", "mediaType", CN_MT_OCI_MANIFEST,
			  "digest", ret->str, "size", (json_int_t)strlen(man), "artifactType",
			  artifact_type, "annotations", ANNOTATION_CREATED, created);
	r = update_referrers_tag(a, subject_digest, desc, err);
	json_decref(desc);
	return r;
}

static int attach(struct cli_context *ctx, struct cn_store *store, const struct cn_resolved *img,
		  const struct cn_sbom *s, enum cn_sbom_format f, struct cn_digest *ret,
		  struct cn_error *err)
{
	if (!img->tag.name)
		return cn_error_set(err, -EINVAL,
				    "--attach needs the image by a name that says its registry");
	cleanup_reference struct cn_reference ref = { 0 };
	int r = cn_reference_parse(img->tag.name, &ref, err);
	struct cn_registry_options ro = { .config_dir = ctx->config_dir };
	if (r >= 0)
		r = settings_registry_insecure(ref.domain, &ro.insecure, err);
	json_t *subject = NULL;
	if (r >= 0)
		r = subject_of(store, img, &subject, err);
	cleanup_strbuf struct strbuf doc = STRBUF_INIT;
	if (r >= 0)
		r = cn_sbom_write(s, f, &doc, err);
	struct attach a = { .repo = ref.path };
	if (r >= 0)
		r = cn_registry_new(ref.domain, &ro, &a.reg, err);
	if (r >= 0)
		r = cn_http_init(&a.h);
	if (r >= 0)
		r = cn_registry_ping(a.reg, &a.h, err);
	char created[32];
	if (r >= 0)
		r = attach_push(&a, &doc, cn_sbom_format_media_type(f), subject,
				cn_sbom_format_time(s->created, created, sizeof(created)), ret,
				err);
	cn_http_release(&a.h);
	cn_registry_free(a.reg);
	json_decref(subject);
	return r < 0 ? cn_error_prefix(err, r, "attach to %s", img->tag.name) : 0;
}

/* ---------------------------------------------------------------- the command */

static int run(struct cli_context *ctx, const struct sbom_options *o, const char *spec)
{
	cleanup_store struct cn_store *store = NULL;
	cleanup_resolved struct cn_resolved img = { 0 };
	if (cli_open_image(ctx, spec, &store, &img) != 0)
		return 1;
	struct cn_error err = CN_ERROR_INIT;
	cleanup_sbom struct cn_sbom *s = NULL;
	int r = cn_sbom_build_cached(store, &img, &s, &err);
	if (r < 0)
		return cli_fail(ctx, cn_error_prefix(&err, r, "%s", spec), &err);
	if (o->attach) {
		enum cn_sbom_format af = o->format == CN_SBOM_CYCLONEDX_JSON
						 ? CN_SBOM_CYCLONEDX_JSON
						 : CN_SBOM_SPDX_JSON;
		struct cn_digest pushed;
		r = attach(ctx, store, &img, s, af, &pushed, &err);
		if (r < 0)
			return cli_fail(ctx, r, &err);
		printf("%s\n", pushed.str);
		if (!o->output)
			return 0;
	}
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	r = cn_sbom_write(s, o->format, &out, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	return cli_output_write(ctx, o->output, out.buf, out.len);
}

int cmd_sbom(struct cli_context *ctx, int argc, char **argv)
{
	struct sbom_options o = { .format = CN_SBOM_TABLE };
	int r = parse_options(ctx, argc, argv, &o);
	if (r != 0)
		return r < 0 ? 0 : r;
	return run(ctx, &o, argv[optind]);
}
