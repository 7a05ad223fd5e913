#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "lib/layer/unpack.h"

static const char *const layer_types[] = {
	CN_MT_OCI_LAYER_TAR,
	CN_MT_OCI_LAYER_GZIP,
	CN_MT_OCI_LAYER_ZSTD,
	CN_MT_OCI_LAYER_NONDIST_TAR,
	CN_MT_OCI_LAYER_NONDIST_GZIP,
	CN_MT_OCI_LAYER_NONDIST_ZSTD,
	CN_MT_DOCKER_LAYER_GZIP,
	CN_MT_DOCKER_LAYER_FOREIGN,
	"application/vnd.docker.image.rootfs.diff.tar", /* uncompressed, some older tools */
};

bool cn_media_type_is_layer(const char *mt)
{
	for (size_t i = 0; mt && i < ARRAY_SIZE(layer_types); i++)
		if (!strcmp(mt, layer_types[i]))
			return true;
	return false;
}

bool cn_media_type_is_foreign_layer(const char *mt)
{
	return mt && (strstr(mt, ".nondistributable.") || !strcmp(mt, CN_MT_DOCKER_LAYER_FOREIGN));
}

void cn_layer_label(char *buf, size_t size, size_t index, size_t n, const struct cn_digest *d)
{
	snprintf(buf, size, "layer %zu/%zu %.19s", index + 1, n, d->str);
}

int cn_layer_open(struct cn_store *s, const struct cn_descriptor *d, unsigned flags,
		  struct cn_layer_stream **ret, struct cn_error *err)
{
	if (!cn_media_type_is_layer(d->media_type))
		return cn_error_set(err, -EMEDIUMTYPE, "not a filesystem layer (media type %s)",
				    d->media_type ? d->media_type : "none");
	int fd = cn_store_open_blob(s, &d->digest);
	if (fd == -ENOENT && cn_media_type_is_foreign_layer(d->media_type))
		return cn_error_set(err, fd,
				    "non-distributable layer %s is not in the store (registries "
				    "do not serve it; fetch it from its URLs and import it)",
				    d->digest.str);
	if (fd < 0)
		return cn_error_errno(err, fd, "cannot open blob %s", d->digest.str);
	return cn_layer_stream_open_flags(fd, flags, ret, err);
}

/* The config's diff_id for layer `index`, or NULL (none, or not sha256: not checked). */
static const struct cn_digest *want_diff_id(const struct cn_resolved *img, size_t index)
{
	const struct cn_image_config *c = img->config;
	if (!c || index >= c->n_diff_ids || c->diff_ids[index].algo != CN_DIGEST_SHA256)
		return NULL;
	return &c->diff_ids[index];
}

int cn_image_layer_open(struct cn_store *s, const struct cn_resolved *img, size_t index,
			struct cn_layer_stream **ret, struct cn_error *err)
{
	const struct cn_descriptor *d = &img->manifest->layers[index];
	const struct cn_digest *want = want_diff_id(img, index);
	struct cn_digest known;
	bool checked = want && cn_store_get_diff_id(s, &d->digest, &known) == 1 &&
		       cn_digest_equal(&known, want);
	return cn_layer_open(s, d, want && !checked ? CN_LAYER_STREAM_HASH : 0, ret, err);
}

int cn_image_layer_finish(struct cn_store *s, const struct cn_resolved *img, size_t index,
			  struct cn_layer_stream *st, struct cn_error *err)
{
	struct cn_digest got;
	int r = cn_layer_stream_finish(st, &got, NULL, err);
	if (r < 0 || !cn_layer_stream_hashed(st))
		return r;
	const struct cn_digest *want = want_diff_id(img, index);
	if (!want)
		return 0;
	if (!cn_digest_equal(want, &got))
		return cn_error_set(err, -EBADMSG,
				    "uncompressed content does not match the config's diff_id "
				    "(want %s, got %s)",
				    want->str, got.str);
	cn_store_put_diff_id(s, &img->manifest->layers[index].digest, &got);
	return 0;
}

int cn_unpack_image(struct cn_store *s, const struct cn_resolved *img, int rootfd,
		    const struct cn_unpack_options *o, struct cn_apply_stats *ret_stats,
		    struct cn_error *err)
{
	const struct cn_manifest *m = img->manifest;
	cleanup_applier struct cn_applier *a = cn_applier_new(rootfd, &o->apply);
	int r = 0;

	for (size_t i = 0; i < m->n_layers; i++) {
		const struct cn_descriptor *d = &m->layers[i];
		char label[CN_LAYER_LABEL_MAX];
		cn_layer_label(label, sizeof(label), i, m->n_layers, &d->digest);
		if (o->progress)
			o->progress(o->userdata, i, m->n_layers, d);
		cleanup_layer_stream struct cn_layer_stream *st = NULL;
		r = cn_image_layer_open(s, img, i, &st, err);
		if (r >= 0)
			r = cn_applier_apply(a, st, err);
		if (r >= 0)
			r = cn_image_layer_finish(s, img, i, st, err);
		if (r < 0) {
			cn_error_prefix(err, r, "%s", label);
			break;
		}
	}
	if (ret_stats)
		*ret_stats = *cn_applier_stats(a);
	return r;
}

int cn_image_tree(struct cn_store *s, const struct cn_resolved *img, size_t n, unsigned flags,
		  size_t observe_layer, cn_tree_observer_fn observe, void *userdata,
		  struct cn_tree **ret, struct cn_tree_layer_stats *ret_stats, struct cn_error *err)
{
	const struct cn_manifest *m = img->manifest;
	cleanup_tree struct cn_tree *t = cn_tree_new(flags);
	n = MIN(n, m->n_layers);
	for (size_t i = 0; i < n; i++) {
		const struct cn_descriptor *d = &m->layers[i];
		cleanup_layer_stream struct cn_layer_stream *st = NULL;
		int r = cn_image_layer_open(s, img, i, &st, err);
		if (r >= 0)
			r = cn_tree_apply(t, st, i == observe_layer ? observe : NULL, userdata,
					  ret_stats ? &ret_stats[i] : NULL, err);
		if (r >= 0)
			r = cn_image_layer_finish(s, img, i, st, err);
		if (r < 0) {
			char label[CN_LAYER_LABEL_MAX];
			cn_layer_label(label, sizeof(label), i, m->n_layers, &d->digest);
			return cn_error_prefix(err, r, "%s", label);
		}
	}
	*ret = TAKE_PTR(t);
	return 0;
}
