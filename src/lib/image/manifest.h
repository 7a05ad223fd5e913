/*
 * OCI and Docker image manifests, indexes and configs: parsing (jansson, duplicate keys
 * rejected) into plain structs, with the limits that keep hostile input bounded.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "lib/digest/digest.h"

#define CN_MT_OCI_INDEX		    "application/vnd.oci.image.index.v1+json"
#define CN_MT_OCI_MANIFEST	    "application/vnd.oci.image.manifest.v1+json"
#define CN_MT_OCI_CONFIG	    "application/vnd.oci.image.config.v1+json"
#define CN_MT_OCI_LAYER_TAR	    "application/vnd.oci.image.layer.v1.tar"
#define CN_MT_OCI_LAYER_GZIP	    "application/vnd.oci.image.layer.v1.tar+gzip"
#define CN_MT_OCI_LAYER_ZSTD	    "application/vnd.oci.image.layer.v1.tar+zstd"
#define CN_MT_DOCKER_LIST	    "application/vnd.docker.distribution.manifest.list.v2+json"
#define CN_MT_DOCKER_MANIFEST	    "application/vnd.docker.distribution.manifest.v2+json"
#define CN_MT_DOCKER_CONFIG	    "application/vnd.docker.container.image.v1+json"
#define CN_MT_DOCKER_LAYER_GZIP	    "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define CN_MT_DOCKER_SCHEMA1	    "application/vnd.docker.distribution.manifest.v1+json"
#define CN_MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

#define CN_MANIFEST_MAX		(4u << 20) /* registries reject larger manifests */
#define CN_CONFIG_MAX		(8u << 20)
#define CN_MANIFEST_MAX_ENTRIES 10000 /* layers or index entries */

#define CN_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

struct cn_descriptor {
	char *media_type;
	struct cn_digest digest;
	int64_t size;
	/* index entries only; NULL otherwise */
	char *os, *architecture, *variant;
	char *ref_name; /* org.opencontainers.image.ref.name annotation, if any */
};

enum cn_manifest_kind {
	CN_MANIFEST_IMAGE, /* OCI image manifest or Docker schema 2 */
	CN_MANIFEST_INDEX, /* OCI index or Docker manifest list */
};

struct cn_manifest {
	enum cn_manifest_kind kind;
	char *media_type;	      /* resolved: from the document, else the Content-Type */
	char *artifact_type;	      /* OCI 1.1 artifactType, or NULL */
	struct cn_descriptor config;  /* image only */
	struct cn_descriptor *layers; /* image only */
	size_t n_layers;
	struct cn_descriptor *manifests; /* index only */
	size_t n_manifests;
	json_t *json; /* the whole document, for fields not modelled here */
};

/* True for the four manifest/index media types cairn pulls. */
bool cn_media_type_is_manifest(const char *mt);
bool cn_media_type_is_index(const char *mt);
/* The Accept header value listing every supported manifest type. */
const char *cn_manifest_accept_header(void);

/*
 * Parses a manifest or index. `content_type` (may be NULL) is used when the document has no
 * mediaType. Returns 0 or -EBADMSG (malformed; message in err), -EPROTONOSUPPORT (schema 1),
 * -EMEDIUMTYPE (unknown media type), -E2BIG (limits).
 */
int cn_manifest_parse(const void *data, size_t len, const char *content_type,
		      struct cn_manifest **ret, struct cn_error *err);
struct cn_manifest *cn_manifest_free(struct cn_manifest *m);

/* Parses one descriptor object; `what` names it in errors ("layers[3]"). */
int cn_descriptor_parse(json_t *obj, const char *what, struct cn_descriptor *ret,
			struct cn_error *err);
void cn_descriptor_release(struct cn_descriptor *d);
void cn_descriptor_copy(const struct cn_descriptor *src, struct cn_descriptor *ret);
/* A JSON object for the descriptor (mediaType, digest, size, platform, annotations). */
json_t *cn_descriptor_to_json(const struct cn_descriptor *d);

struct cn_history_entry {
	char *created;
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
};

struct cn_image_config {
	char *created; /* RFC 3339, or NULL */
	char *author;
	char *architecture;
	char *os;
	char *variant;
	struct cn_digest *diff_ids;
	size_t n_diff_ids;
	struct cn_history_entry *history;
	size_t n_history;
	json_t *config; /* the "config" object (Env, Cmd, ...) or NULL; borrowed from json */
	json_t *json;	/* whole document */
};

int cn_image_config_parse(const void *data, size_t len, struct cn_image_config **ret,
			  struct cn_error *err);
struct cn_image_config *cn_image_config_free(struct cn_image_config *c);

/* Parses an RFC 3339 timestamp to seconds since the epoch. Returns 0 or -EINVAL. */
int cn_time_parse_rfc3339(const char *s, int64_t *ret);

/* JSON parse with duplicate keys rejected and a one-line error. */
int cn_json_parse(const void *data, size_t len, json_t **ret, struct cn_error *err);
/* Borrowed string member or NULL. */
const char *cn_json_string(json_t *obj, const char *key);
/* A JSON string for any C string: bytes that are not valid UTF-8 (a tar path, a Latin-1
 * maintainer field) become '?', so no field silently drops out of a document. NULL -> null. */
json_t *cn_json_text(const char *s);
struct strbuf;
/* Appends `doc` serialised with jansson's dump `flags`, then a newline, to `out` (written
 * straight into it: multi-megabyte reports are not copied twice). Returns 0 or -ENOMEM. */
int cn_json_append(struct strbuf *out, const json_t *doc, size_t flags);

static inline void cn_manifest_freep(struct cn_manifest **m)
{
	cn_manifest_free(*m);
}
static inline void cn_image_config_freep(struct cn_image_config **c)
{
	cn_image_config_free(*c);
}
#define cleanup_manifest     __attribute__((cleanup(cn_manifest_freep)))
#define cleanup_image_config __attribute__((cleanup(cn_image_config_freep)))
#define cleanup_json	     __attribute__((cleanup(json_decrefp))) /* jansson's own */
