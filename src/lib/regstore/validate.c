/*
 * Manifest validation for PUT: pure (no I/O), bounded by the body size, fuzzed
 * (fuzz/fuzz-manifest-validate.c). Everything it accepts has a known kind, valid descriptors,
 * and at most CN_MANIFEST_REFS_MAX references.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/regstore/regstore.h"

void cn_manifest_refs_release(struct cn_manifest_refs *r)
{
	free(r->digests);
	memset(r, 0, sizeof(*r));
}

/* Copies a media type without parameters (" ; charset=...") or surrounding blanks. */
static void copy_media_type(const char *s, char *buf, size_t len)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strcspn(s, "; \t");
	if (n >= len)
		n = 0; /* too long for any type we know: treated as unknown */
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* A string member that must fit `len` bytes when present. 1 present, 0 absent, -EBADMSG. */
static int string_member(json_t *obj, const char *key, char *buf, size_t len, struct cn_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	const char *s = json_string_value(v);
	if (!s)
		return cn_error_set(err, -EBADMSG, "%s is not a string", key);
	if (strlen(s) >= len)
		return cn_error_set(err, -EBADMSG, "%s is too long", key);
	memcpy(buf, s, strlen(s) + 1);
	return 1;
}

static int check_annotations(json_t *obj, const char *what, struct cn_error *err)
{
	json_t *a = json_object_get(obj, "annotations");
	if (!a)
		return 0;
	if (!json_is_object(a))
		return cn_error_set(err, -EBADMSG, "%s: annotations is not an object", what);
	const char *key;
	json_t *v;
	json_object_foreach (a, key, v) {
		if (!json_is_string(v))
			return cn_error_set(err, -EBADMSG, "%s: annotation %s is not a string",
					    what, key);
	}
	return 0;
}

/* Checks one descriptor; its digest goes to `ret`. */
static int check_descriptor(json_t *d, const char *what, struct cn_digest *ret,
			    struct cn_error *err)
{
	char mt[CN_MEDIA_TYPE_MAX];
	if (!json_is_object(d))
		return cn_error_set(err, -EBADMSG, "%s is not an object", what);
	int r = string_member(d, "mediaType", mt, sizeof(mt), err);
	if (r <= 0)
		return r < 0 ? cn_error_prefix(err, r, "%s", what)
			     : cn_error_set(err, -EBADMSG, "%s has no mediaType", what);
	const char *digest = json_string_value(json_object_get(d, "digest"));
	if (!digest || cn_digest_parse(digest, ret) < 0)
		return cn_error_set(err, -EBADMSG, "%s has no valid digest", what);
	json_t *size = json_object_get(d, "size");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return cn_error_set(err, -EBADMSG, "%s has no valid size", what);
	json_t *at = json_object_get(d, "artifactType");
	if (at && !json_is_string(at))
		return cn_error_set(err, -EBADMSG, "%s: artifactType is not a string", what);
	json_t *p = json_object_get(d, "platform");
	if (p && !json_is_object(p))
		return cn_error_set(err, -EBADMSG, "%s: platform is not an object", what);
	return check_annotations(d, what, err);
}

/* Appends the descriptors of array `key` (which must exist) to ret->digests. */
static int add_array(json_t *root, const char *key, struct cn_manifest_refs *ret,
		     struct cn_error *err)
{
	json_t *a = json_object_get(root, key);
	if (!json_is_array(a))
		return cn_error_set(err, -EBADMSG, "%s is missing or not an array", key);
	size_t n = json_array_size(a);
	if (n > CN_MANIFEST_REFS_MAX - ret->n)
		return cn_error_set(err, -EBADMSG, "more than %d references", CN_MANIFEST_REFS_MAX);
	ret->digests = xreallocarray(ret->digests, ret->n + n + 1, sizeof(*ret->digests));
	for (size_t i = 0; i < n; i++) {
		char what[64];
		(void)snprintf(what, sizeof(what), "%s[%zu]", key, i);
		int r = check_descriptor(json_array_get(a, i), what, &ret->digests[ret->n], err);
		if (r < 0)
			return r;
		ret->n++;
	}
	return 0;
}

static bool is_image_type(const char *mt)
{
	return strcmp(mt, CN_MT_OCI_MANIFEST) == 0 || strcmp(mt, CN_MT_DOCKER_MANIFEST) == 0;
}

static bool is_index_type(const char *mt)
{
	return strcmp(mt, CN_MT_OCI_INDEX) == 0 || strcmp(mt, CN_MT_DOCKER_LIST) == 0;
}

/* The media type from the body, the Content-Type, or (when neither says) the shape. */
static int resolve_type(json_t *root, const char *content_type, char *buf, size_t len,
			struct cn_error *err)
{
	char ct[CN_MEDIA_TYPE_MAX] = "";
	if (content_type)
		copy_media_type(content_type, ct, sizeof(ct));
	int r = string_member(root, "mediaType", buf, len, err);
	if (r < 0)
		return r;
	if (r > 0 && ct[0] && strcmp(ct, buf) != 0)
		return cn_error_set(err, -EBADMSG, "Content-Type %s does not match mediaType %s",
				    ct, buf);
	if (r > 0)
		return 0;
	if (ct[0] && (is_image_type(ct) || is_index_type(ct))) {
		memcpy(buf, ct, strlen(ct) + 1);
		return 0;
	}
	if (ct[0] && strcmp(ct, "application/json") != 0 &&
	    strcmp(ct, "application/octet-stream") != 0)
		return cn_error_set(err, -EBADMSG, "unsupported manifest type %s", ct);
	const char *guess = json_object_get(root, "manifests") ? CN_MT_OCI_INDEX
			    : json_object_get(root, "config")  ? CN_MT_OCI_MANIFEST
							       : NULL;
	if (!guess)
		return cn_error_set(err, -EBADMSG, "manifest has no media type");
	memcpy(buf, guess, strlen(guess) + 1);
	return 0;
}

static int check_image(json_t *root, struct cn_manifest_refs *ret, struct cn_error *err)
{
	json_t *config = json_object_get(root, "config");
	if (!config)
		return cn_error_set(err, -EBADMSG, "manifest has no config");
	ret->digests = xreallocarray(NULL, 1, sizeof(*ret->digests));
	int r = check_descriptor(config, "config", &ret->digests[0], err);
	if (r < 0)
		return r;
	ret->n = 1;
	r = add_array(root, "layers", ret, err);
	if (r < 0)
		return r;
	if (!ret->artifact_type[0])
		(void)string_member(config, "mediaType", ret->artifact_type,
				    sizeof(ret->artifact_type), NULL);
	return 0;
}

static int validate(json_t *root, const char *content_type, struct cn_manifest_refs *ret,
		    struct cn_error *err)
{
	if (!json_is_object(root))
		return cn_error_set(err, -EBADMSG, "manifest is not a JSON object");
	json_t *sv = json_object_get(root, "schemaVersion");
	if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		return cn_error_set(err, -EBADMSG, "schemaVersion is not 2");
	int r = resolve_type(root, content_type, ret->media_type, sizeof(ret->media_type), err);
	if (r < 0)
		return r;
	r = string_member(root, "artifactType", ret->artifact_type, sizeof(ret->artifact_type),
			  err);
	if (r < 0)
		return r;
	json_t *subject = json_object_get(root, "subject");
	if (subject) {
		r = check_descriptor(subject, "subject", &ret->subject, err);
		if (r < 0)
			return r;
		ret->has_subject = true;
	}
	r = check_annotations(root, "manifest", err);
	if (r < 0)
		return r;
	if (is_index_type(ret->media_type)) {
		ret->is_index = true;
		return add_array(root, "manifests", ret, err);
	}
	if (is_image_type(ret->media_type))
		return check_image(root, ret, err);
	return cn_error_set(err, -EBADMSG, "unsupported manifest type %s", ret->media_type);
}

int cn_manifest_validate(const void *body, size_t len, const char *content_type,
			 struct cn_manifest_refs *ret, struct cn_error *err)
{
	json_error_t jerr;
	struct cn_manifest_refs refs;
	memset(&refs, 0, sizeof(refs));
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cn_error_set(err, -EBADMSG, "invalid JSON at line %d column %d: %s",
				    jerr.line, jerr.column, jerr.text);
	int r = validate(root, content_type, &refs, err);
	json_decref(root);
	if (r < 0) {
		cn_manifest_refs_release(&refs);
		return r;
	}
	*ret = refs;
	return 0;
}
