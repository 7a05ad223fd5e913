#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/image/platform.h"
#include "lib/layer/commit.h"
#include "lib/layer/diff.h"
#include "lib/layer/tree.h"
#include "lib/layer/unpack.h"
#include "lib/layer/write.h"

#define READ_BUF (256u << 10)

static int sink_blob(void *userdata, const void *data, size_t len, struct cn_error *err)
{
	return cn_blob_new_write(userdata, data, len, err);
}

/* Reads the layer back from `fd` (taken): it must be a tar; gives its diff_id and size. */
static int check_layer(int fd, struct cn_layer_blob *b, struct cn_error *err)
{
	cleanup_layer_stream struct cn_layer_stream *st = NULL;
	int r = cn_layer_stream_open(fd, &st, err);
	if (r < 0)
		return r;
	b->compression = cn_layer_stream_compression(st);
	cleanup_tree struct cn_tree *t = cn_tree_new(0);
	struct cn_tree_layer_stats ts;
	r = cn_tree_apply(t, st, NULL, NULL, &ts, err);
	if (r < 0)
		return r;
	if (!ts.entries)
		return cn_error_set(err, -EBADMSG, "not a tar archive (no entries)");
	b->entries = ts.entries;
	return cn_layer_stream_finish(st, &b->diff_id, &b->tar_size, err);
}

int cn_layer_ingest_fd(struct cn_store *s, int fd, struct cn_layer_blob *ret, struct cn_error *err)
{
	cleanup_blob_new struct cn_blob_new *blob = NULL;
	cleanup_compressor struct cn_compressor *z = NULL;
	cleanup_free uint8_t *buf = xmalloc(READ_BUF);
	bool first = true;
	int r = cn_store_blob_create(s, &blob, err);
	if (r < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, buf, READ_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cn_error_errno(err, -errno, "read");
		if (n == 0)
			break;
		if (first) {
			enum cn_compression c;
			r = cn_compression_detect(buf, (size_t)n, &c, err);
			if (r < 0)
				return r;
			if (c == CN_COMPRESSION_NONE)
				z = cn_compressor_new(CN_COMPRESSION_GZIP, 0, sink_blob, blob);
			first = false;
		}
		r = z ? cn_compressor_write(z, buf, (size_t)n, err)
		      : cn_blob_new_write(blob, buf, (size_t)n, err);
		if (r < 0)
			return r;
	}
	if (first)
		return cn_error_set(err, -EBADMSG, "empty input: not a tar archive");
	if (z) {
		struct cn_tar_result res;
		r = cn_compressor_finish(z, &res, err);
		if (r < 0)
			return r;
	}
	/* Checked before it is named: a file that is not a tar leaves nothing in the store. */
	*ret = (struct cn_layer_blob){ 0 };
	int check_fd = cn_blob_new_reopen(blob);
	if (check_fd < 0)
		return cn_error_errno(err, check_fd, "reading the layer back");
	r = check_layer(check_fd, ret, err);
	if (r < 0)
		return r;
	return cn_blob_new_commit(blob, &ret->digest, &ret->size, err);
}

int cn_layer_ingest_dir(struct cn_store *s, int dirfd, bool reproducible, int64_t epoch,
			struct cn_layer_blob *ret, struct cn_error *err)
{
	cleanup_blob_new struct cn_blob_new *blob = NULL;
	int r = cn_store_blob_create(s, &blob, err);
	if (r < 0)
		return r;
	cleanup_tar_writer struct cn_tar_writer *w =
		cn_tar_writer_new(CN_COMPRESSION_GZIP, 0, sink_blob, blob);
	struct cn_diff_options o = { .w = w, .reproducible = reproducible, .epoch = epoch };
	struct cn_diff_stats st;
	struct cn_tar_result res;
	r = cn_diff_dirs(-1, dirfd, &o, &st, err);
	if (r >= 0)
		r = cn_tar_writer_finish(w, &res, err);
	if (r < 0)
		return r;
	*ret = (struct cn_layer_blob){
		.diff_id = res.diff_id,
		.tar_size = res.size,
		.compression = CN_COMPRESSION_GZIP,
		.entries = st.added,
	};
	return cn_blob_new_commit(blob, &ret->digest, &ret->size, err);
}

/* ------------------------------------------------------------------ config and manifest */

static char *rfc3339(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char buf[64];
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static const char *layer_media_type(enum cn_compression c)
{
	switch (c) {
	case CN_COMPRESSION_GZIP:
		return CN_MT_OCI_LAYER_GZIP;
	case CN_COMPRESSION_ZSTD:
		return CN_MT_OCI_LAYER_ZSTD;
	case CN_COMPRESSION_NONE:
		break;
	}
	return CN_MT_OCI_LAYER_TAR;
}

/* The OCI name of a base layer's media type (a Docker schema 2 base is carried over). */
static const char *oci_layer_type(const char *mt)
{
	if (!strcmp(mt, CN_MT_DOCKER_LAYER_GZIP))
		return CN_MT_OCI_LAYER_GZIP;
	if (!strcmp(mt, CN_MT_DOCKER_LAYER_FOREIGN))
		return CN_MT_OCI_LAYER_NONDIST_GZIP;
	if (!strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar"))
		return CN_MT_OCI_LAYER_TAR;
	return mt;
}

static size_t env_name_len(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

/* Sets `changes` into the config object `cfg` (see struct cn_commit). */
static void apply_changes(json_t *cfg, json_t *changes)
{
	const char *key;
	json_t *val;
	json_object_foreach (changes, key, val) {
		json_t *cur = json_object_get(cfg, key);
		if (!strcmp(key, "Env") && json_is_array(cur) && json_is_array(val)) {
			size_t i;
			json_t *e;
			json_array_foreach (val, i, e) {
				const char *kv = json_string_value(e);
				size_t n = kv ? env_name_len(kv) : 0, k;
				json_t *old;
				bool replaced = false;
				json_array_foreach (cur, k, old) {
					const char *o = json_string_value(old);
					if (o && env_name_len(o) == n && !strncmp(o, kv, n)) {
						json_array_set(cur, k, e);
						replaced = true;
						break;
					}
				}
				if (!replaced)
					json_array_append(cur, e);
			}
		} else if (json_is_object(cur) && json_is_object(val)) {
			json_object_update(cur, val);
		} else {
			json_object_set(cfg, key, val);
		}
	}
}

static json_t *make_config(const struct cn_commit *c)
{
	json_t *cfg;
	if (c->base) {
		cfg = json_deep_copy(c->base->config->json);
	} else {
		struct cn_platform host;
		cn_platform_host(&host);
		cfg = json_pack("{s:s, s:s, s:{}, s:{s:s, s:[]}, s:[]}", "architecture",
				host.architecture, "os", host.os, "config", "rootfs", "type",
				"layers", "diff_ids", "history");
		if (host.variant[0])
			json_object_set_new(cfg, "variant", json_string(host.variant));
	}
	cleanup_free char *created = rfc3339(c->created);
	json_object_set_new(cfg, "created", json_string(created));

	json_t *rootfs = json_object_get(cfg, "rootfs");
	if (!json_is_object(rootfs)) {
		rootfs = json_pack("{s:s, s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(cfg, "rootfs", rootfs);
	}
	json_t *diff_ids = json_object_get(rootfs, "diff_ids");
	if (!json_is_array(diff_ids)) {
		diff_ids = json_array();
		json_object_set_new(rootfs, "diff_ids", diff_ids);
	}
	json_array_append_new(diff_ids, json_string(c->layer->diff_id.str));

	json_t *history = json_object_get(cfg, "history");
	if (!json_is_array(history)) {
		history = json_array();
		json_object_set_new(cfg, "history", history);
	}
	/* History entries map to layers in order: give base layers without one an entry. */
	size_t with_layer = 0, i;
	json_t *h;
	json_array_foreach (history, i, h)
		with_layer += !json_is_true(json_object_get(h, "empty_layer"));
	for (size_t n = c->base ? c->base->manifest->n_layers : 0; with_layer < n; with_layer++)
		json_array_append_new(history, json_pack("{s:s}", "created_by", ""));
	json_t *entry = json_pack("{s:s, s:s}", "created", created, "created_by",
				  c->created_by ? c->created_by : "");
	if (c->comment)
		json_object_set_new(entry, "comment", json_string(c->comment));
	json_array_append_new(history, entry);

	if (c->config) {
		json_t *ccfg = json_object_get(cfg, "config");
		if (!json_is_object(ccfg)) {
			ccfg = json_object();
			json_object_set_new(cfg, "config", ccfg);
		}
		apply_changes(ccfg, c->config);
	}
	return cfg;
}

static json_t *make_manifest(const struct cn_commit *c, const struct cn_digest *config,
			     size_t config_size)
{
	json_t *layers = json_array();
	if (c->base) {
		json_t *base_layers = json_object_get(c->base->manifest->json, "layers");
		size_t i;
		json_t *l;
		json_array_foreach (base_layers, i, l) {
			json_t *copy = json_deep_copy(l);
			const char *mt = cn_json_string(copy, "mediaType");
			if (mt)
				json_object_set_new(copy, "mediaType",
						    json_string(oci_layer_type(mt)));
			json_array_append_new(layers, copy);
		}
	}
	json_array_append_new(layers,
			      json_pack("{s:s, s:s, s:I}", "mediaType",
					layer_media_type(c->layer->compression), "digest",
					c->layer->digest.str, "size", (json_int_t)c->layer->size));
	return json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
			 CN_MT_OCI_MANIFEST, "config", "mediaType", CN_MT_OCI_CONFIG, "digest",
			 config->str, "size", (json_int_t)config_size, "layers", layers);
}

static int put_json(struct cn_store *s, json_t *j, struct cn_digest *ret, size_t *ret_size,
		    struct cn_error *err)
{
	cleanup_free char *text = json_dumps(j, JSON_COMPACT);
	if (!text)
		return cn_error_set(err, -ENOMEM, "cannot encode JSON");
	*ret_size = strlen(text);
	return cn_store_put_blob(s, text, *ret_size, NULL, ret, err);
}

int cn_image_commit(struct cn_store *s, const struct cn_commit *c, struct cn_digest *ret_id,
		    struct cn_error *err)
{
	cleanup_json json_t *cfg = make_config(c);
	struct cn_digest config, manifest;
	size_t config_size = 0, manifest_size = 0;
	int r = put_json(s, cfg, &config, &config_size, err);
	if (r < 0)
		return r;
	cleanup_json json_t *m = make_manifest(c, &config, config_size);
	r = put_json(s, m, &manifest, &manifest_size, err);
	if (r < 0)
		return r;
	struct cn_descriptor d = {
		.media_type = (char *)CN_MT_OCI_MANIFEST,
		.digest = manifest,
		.size = (int64_t)manifest_size,
	};
	r = cn_store_set_tag(s, c->name, &d, NULL, NULL, err);
	if (r < 0)
		return r;
	if (ret_id)
		*ret_id = config;
	return 0;
}
