#include "lib/image/convert.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"

static const struct {
	const char *docker, *oci;
} media_types[] = {
	{ CN_MT_DOCKER_CONFIG, CN_MT_OCI_CONFIG },
	{ CN_MT_DOCKER_LAYER_GZIP, CN_MT_OCI_LAYER_GZIP },
	{ "application/vnd.docker.image.rootfs.diff.tar", CN_MT_OCI_LAYER_TAR },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" },
	{ CN_MT_DOCKER_MANIFEST, CN_MT_OCI_MANIFEST },
	{ CN_MT_DOCKER_LIST, CN_MT_OCI_INDEX },
};

bool cn_media_type_is_docker_manifest(const char *mt)
{
	return mt && (strcmp(mt, CN_MT_DOCKER_MANIFEST) == 0 || strcmp(mt, CN_MT_DOCKER_LIST) == 0);
}

const char *cn_media_type_to_oci(const char *mt)
{
	for (size_t i = 0; mt && i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if (strcmp(mt, media_types[i].docker) == 0)
			return media_types[i].oci;
	return mt;
}

static void map_media_type(json_t *obj)
{
	const char *mt = cn_json_string(obj, "mediaType");
	const char *oci = cn_media_type_to_oci(mt);
	if (mt && oci != mt)
		json_object_set_new(obj, "mediaType", json_string(oci));
}

static int dump(json_t *j, struct strbuf *out, struct cn_error *err)
{
	cleanup_free char *text = json_dumps(j, JSON_COMPACT);
	if (!text)
		return cn_error_set(err, -ENOMEM, "serializing a converted manifest");
	strbuf_addstr(out, text);
	return 0;
}

int cn_manifest_to_oci(const struct cn_manifest *m, struct strbuf *out, struct cn_error *err)
{
	if (m->kind != CN_MANIFEST_IMAGE)
		return cn_error_set(err, -EINVAL, "not an image manifest");
	cleanup_json json_t *j = json_deep_copy(m->json);
	if (!j)
		return cn_error_set(err, -ENOMEM, "copying a manifest");
	map_media_type(j);
	map_media_type(json_object_get(j, "config"));
	json_t *layer;
	size_t i;
	json_array_foreach (json_object_get(j, "layers"), i, layer)
		map_media_type(layer);
	return dump(j, out, err);
}

int cn_index_to_oci(const struct cn_manifest *idx, const struct cn_descriptor *const *children,
		    struct strbuf *out, struct cn_error *err)
{
	if (idx->kind != CN_MANIFEST_INDEX)
		return cn_error_set(err, -EINVAL, "not an index");
	cleanup_json json_t *j = json_deep_copy(idx->json);
	if (!j)
		return cn_error_set(err, -ENOMEM, "copying an index");
	map_media_type(j);
	json_t *entry;
	size_t i;
	json_array_foreach (json_object_get(j, "manifests"), i, entry) {
		const struct cn_descriptor *c = i < idx->n_manifests ? children[i] : NULL;
		if (!c) {
			map_media_type(entry);
			continue;
		}
		json_object_set_new(entry, "mediaType", json_string(c->media_type));
		json_object_set_new(entry, "digest", json_string(c->digest.str));
		json_object_set_new(entry, "size", json_integer(c->size));
	}
	return dump(j, out, err);
}
