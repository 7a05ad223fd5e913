#include "lib/image/manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"

bool cn_media_type_is_index(const char *mt)
{
	return mt && (strcmp(mt, CN_MT_OCI_INDEX) == 0 || strcmp(mt, CN_MT_DOCKER_LIST) == 0);
}

bool cn_media_type_is_manifest(const char *mt)
{
	return mt && (cn_media_type_is_index(mt) || strcmp(mt, CN_MT_OCI_MANIFEST) == 0 ||
		      strcmp(mt, CN_MT_DOCKER_MANIFEST) == 0);
}

const char *cn_manifest_accept_header(void)
{
	return CN_MT_OCI_INDEX ", " CN_MT_OCI_MANIFEST ", " CN_MT_DOCKER_LIST
			       ", " CN_MT_DOCKER_MANIFEST;
}

int cn_json_parse(const void *data, size_t len, json_t **ret, struct cn_error *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return cn_error_set(err, -EBADMSG, "invalid JSON at line %d column %d: %s",
				    jerr.line, jerr.column, jerr.text);
	*ret = j;
	return 0;
}

const char *cn_json_string(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

json_t *cn_json_text(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	cleanup_free char *copy = xstrdup(s);
	for (unsigned char *p = (unsigned char *)copy; *p; p++)
		if (*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	return j ? j : json_null();
}

static int append_chunk(const char *buf, size_t size, void *data)
{
	strbuf_add(data, buf, size);
	return 0;
}

int cn_json_append(struct strbuf *out, const json_t *doc, size_t flags)
{
	if (json_dump_callback(doc, append_chunk, out, flags) < 0)
		return -ENOMEM;
	strbuf_addch(out, '\n');
	return 0;
}

static char *dup_string(json_t *obj, const char *key)
{
	const char *s = cn_json_string(obj, key);
	return s ? xstrdup(s) : NULL;
}

void cn_descriptor_release(struct cn_descriptor *d)
{
	free(d->media_type);
	free(d->os);
	free(d->architecture);
	free(d->variant);
	free(d->ref_name);
	memset(d, 0, sizeof(*d));
}

void cn_descriptor_copy(const struct cn_descriptor *src, struct cn_descriptor *ret)
{
#define DUP(f) ret->f = src->f ? xstrdup(src->f) : NULL
	DUP(media_type);
	DUP(os);
	DUP(architecture);
	DUP(variant);
	DUP(ref_name);
#undef DUP
	ret->digest = src->digest;
	ret->size = src->size;
}

int cn_descriptor_parse(json_t *obj, const char *what, struct cn_descriptor *ret,
			struct cn_error *err)
{
	struct cn_descriptor d = { 0 };
	if (!json_is_object(obj))
		return cn_error_set(err, -EBADMSG, "%s: not an object", what);
	const char *digest = cn_json_string(obj, "digest");
	json_t *size = json_object_get(obj, "size");
	if (!digest)
		return cn_error_set(err, -EBADMSG, "%s: missing digest", what);
	int r = cn_digest_parse(digest, &d.digest);
	if (r == -EOPNOTSUPP)
		return cn_error_set(err, -EBADMSG, "%s: unsupported digest algorithm in \"%.80s\"",
				    what, digest);
	if (r < 0)
		return cn_error_set(err, -EBADMSG, "%s: invalid digest \"%.80s\"", what, digest);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return cn_error_set(err, -EBADMSG, "%s: missing or negative size", what);
	d.size = json_integer_value(size);
	d.media_type = dup_string(obj, "mediaType");
	json_t *platform = json_object_get(obj, "platform");
	if (json_is_object(platform)) {
		d.os = dup_string(platform, "os");
		d.architecture = dup_string(platform, "architecture");
		d.variant = dup_string(platform, "variant");
	}
	d.ref_name = dup_string(json_object_get(obj, "annotations"), CN_ANNOTATION_REF_NAME);
	*ret = d;
	return 0;
}

json_t *cn_descriptor_to_json(const struct cn_descriptor *d)
{
	json_t *o = json_object();
	if (d->media_type)
		json_object_set_new(o, "mediaType", json_string(d->media_type));
	json_object_set_new(o, "digest", json_string(d->digest.str));
	json_object_set_new(o, "size", json_integer(d->size));
	if (d->os || d->architecture) {
		json_t *p = json_object();
		json_object_set_new(p, "architecture",
				    json_string(d->architecture ? d->architecture : ""));
		json_object_set_new(p, "os", json_string(d->os ? d->os : ""));
		if (d->variant)
			json_object_set_new(p, "variant", json_string(d->variant));
		json_object_set_new(o, "platform", p);
	}
	if (d->ref_name) {
		json_t *a = json_object();
		json_object_set_new(a, CN_ANNOTATION_REF_NAME, json_string(d->ref_name));
		json_object_set_new(o, "annotations", a);
	}
	return o;
}

static int parse_descriptor_array(json_t *arr, const char *name, bool required,
				  struct cn_descriptor **ret, size_t *ret_n, struct cn_error *err)
{
	if (!arr) {
		if (required)
			return cn_error_set(err, -EBADMSG, "missing %s", name);
		return 0;
	}
	if (!json_is_array(arr))
		return cn_error_set(err, -EBADMSG, "%s is not an array", name);
	size_t n = json_array_size(arr);
	if (n > CN_MANIFEST_MAX_ENTRIES)
		return cn_error_set(err, -E2BIG, "%s has %zu entries (limit %u)", name, n,
				    CN_MANIFEST_MAX_ENTRIES);
	struct cn_descriptor *v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		char what[64];
		(void)snprintf(what, sizeof(what), "%s[%zu]", name, i);
		int r = cn_descriptor_parse(json_array_get(arr, i), what, &v[i], err);
		if (r < 0) {
			for (size_t k = 0; k < i; k++)
				cn_descriptor_release(&v[k]);
			free(v);
			return r;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

struct cn_manifest *cn_manifest_free(struct cn_manifest *m)
{
	if (!m)
		return NULL;
	free(m->media_type);
	free(m->artifact_type);
	cn_descriptor_release(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		cn_descriptor_release(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->n_manifests; i++)
		cn_descriptor_release(&m->manifests[i]);
	free(m->manifests);
	json_decref(m->json);
	free(m);
	return NULL;
}

static const char *strip_params(const char *ct, char *buf, size_t len)
{
	if (!ct)
		return NULL;
	size_t n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, ct, n);
	buf[n] = '\0';
	return buf;
}

/* The media type a manifest declares, inferred from its shape where it declares none. */
static const char *resolve_media_type(json_t *j, const char *content_type)
{
	const char *mt = cn_json_string(j, "mediaType");
	if (mt)
		return mt;
	json_t *schema = json_object_get(j, "schemaVersion");
	if (json_is_integer(schema) && json_integer_value(schema) == 1)
		return content_type && strcmp(content_type, CN_MT_DOCKER_SCHEMA1_SIGNED) == 0
			       ? CN_MT_DOCKER_SCHEMA1_SIGNED
			       : CN_MT_DOCKER_SCHEMA1;
	if (content_type && *content_type && strcmp(content_type, "application/json") != 0 &&
	    strcmp(content_type, "application/octet-stream") != 0 &&
	    strcmp(content_type, "text/plain") != 0)
		return content_type;
	if (json_object_get(j, "manifests"))
		return CN_MT_OCI_INDEX;
	if (json_object_get(j, "config"))
		return CN_MT_OCI_MANIFEST;
	return NULL;
}

int cn_manifest_parse(const void *data, size_t len, const char *content_type,
		      struct cn_manifest **ret, struct cn_error *err)
{
	cleanup_json json_t *j = NULL;
	char ctbuf[256];
	int r;

	if (len > CN_MANIFEST_MAX)
		return cn_error_set(err, -E2BIG, "manifest is %zu bytes (limit %u)", len,
				    CN_MANIFEST_MAX);
	r = cn_json_parse(data, len, &j, err);
	if (r < 0)
		return cn_error_prefix(err, r, "manifest");
	if (!json_is_object(j))
		return cn_error_set(err, -EBADMSG, "manifest is not a JSON object");
	const char *mt = resolve_media_type(j, strip_params(content_type, ctbuf, sizeof(ctbuf)));
	if (mt &&
	    (strcmp(mt, CN_MT_DOCKER_SCHEMA1) == 0 || strcmp(mt, CN_MT_DOCKER_SCHEMA1_SIGNED) == 0))
		return cn_error_set(err, -EPROTONOSUPPORT, "schema 1 images are not supported (%s)",
				    mt);
	if (!mt)
		return cn_error_set(err, -EMEDIUMTYPE, "manifest has no media type");
	if (!cn_media_type_is_manifest(mt))
		return cn_error_set(err, -EMEDIUMTYPE, "unsupported manifest media type \"%.100s\"",
				    mt);
	json_t *schema = json_object_get(j, "schemaVersion");
	if (!json_is_integer(schema) || json_integer_value(schema) != 2)
		return cn_error_set(err, -EBADMSG, "manifest schemaVersion is not 2");

	struct cn_manifest *m = xcalloc(1, sizeof(*m));
	m->media_type = xstrdup(mt);
	m->artifact_type = dup_string(j, "artifactType");
	if (cn_media_type_is_index(mt)) {
		m->kind = CN_MANIFEST_INDEX;
		r = parse_descriptor_array(json_object_get(j, "manifests"), "manifests", true,
					   &m->manifests, &m->n_manifests, err);
	} else {
		m->kind = CN_MANIFEST_IMAGE;
		r = cn_descriptor_parse(json_object_get(j, "config"), "config", &m->config, err);
		if (r >= 0)
			r = parse_descriptor_array(json_object_get(j, "layers"), "layers", true,
						   &m->layers, &m->n_layers, err);
	}
	if (r < 0) {
		cn_manifest_free(m);
		return cn_error_prefix(err, r, "manifest");
	}
	m->json = TAKE_PTR(j);
	*ret = m;
	return 0;
}

struct cn_image_config *cn_image_config_free(struct cn_image_config *c)
{
	if (!c)
		return NULL;
	free(c->created);
	free(c->author);
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++) {
		free(c->history[i].created);
		free(c->history[i].created_by);
		free(c->history[i].author);
		free(c->history[i].comment);
	}
	free(c->history);
	json_decref(c->json);
	free(c);
	return NULL;
}

static int parse_history(json_t *arr, struct cn_image_config *c, struct cn_error *err)
{
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return cn_error_set(err, -EBADMSG, "config: history is not an array");
	size_t n = json_array_size(arr);
	if (n > CN_MANIFEST_MAX_ENTRIES)
		return cn_error_set(err, -E2BIG, "config: history has %zu entries", n);
	c->history = xcalloc(n ? n : 1, sizeof(*c->history));
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(arr, i);
		if (!json_is_object(h))
			return cn_error_set(err, -EBADMSG, "config: history[%zu] is not an object",
					    i);
		struct cn_history_entry *e = &c->history[c->n_history++];
		e->created = dup_string(h, "created");
		e->created_by = dup_string(h, "created_by");
		e->author = dup_string(h, "author");
		e->comment = dup_string(h, "comment");
		e->empty_layer = json_is_true(json_object_get(h, "empty_layer"));
	}
	return 0;
}

static int parse_diff_ids(json_t *rootfs, struct cn_image_config *c, struct cn_error *err)
{
	json_t *ids = json_object_get(rootfs, "diff_ids");
	if (!ids)
		return 0;
	if (!json_is_array(ids))
		return cn_error_set(err, -EBADMSG, "config: rootfs.diff_ids is not an array");
	size_t n = json_array_size(ids);
	if (n > CN_MANIFEST_MAX_ENTRIES)
		return cn_error_set(err, -E2BIG, "config: %zu diff_ids", n);
	c->diff_ids = xcalloc(n ? n : 1, sizeof(*c->diff_ids));
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(ids, i));
		if (!s || cn_digest_parse(s, &c->diff_ids[i]) < 0)
			return cn_error_set(err, -EBADMSG, "config: invalid rootfs.diff_ids[%zu]",
					    i);
		c->n_diff_ids++;
	}
	return 0;
}

int cn_image_config_parse(const void *data, size_t len, struct cn_image_config **ret,
			  struct cn_error *err)
{
	json_t *j = NULL;
	if (len > CN_CONFIG_MAX)
		return cn_error_set(err, -E2BIG, "image config is %zu bytes (limit %u)", len,
				    CN_CONFIG_MAX);
	int r = cn_json_parse(data, len, &j, err);
	if (r < 0)
		return cn_error_prefix(err, r, "image config");
	if (!json_is_object(j)) {
		json_decref(j);
		return cn_error_set(err, -EBADMSG, "image config is not a JSON object");
	}
	struct cn_image_config *c = xcalloc(1, sizeof(*c));
	c->json = j;
	c->created = dup_string(j, "created");
	c->author = dup_string(j, "author");
	c->architecture = dup_string(j, "architecture");
	c->os = dup_string(j, "os");
	c->variant = dup_string(j, "variant");
	c->config = json_object_get(j, "config");
	if (c->config && !json_is_object(c->config))
		c->config = NULL;
	r = parse_diff_ids(json_object_get(j, "rootfs"), c, err);
	if (r >= 0)
		r = parse_history(json_object_get(j, "history"), c, err);
	if (r < 0) {
		cn_image_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int cn_time_parse_rfc3339(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *p;
	if (!s)
		return -EINVAL;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	int64_t offset = 0;
	if (*p == '+' || *p == '-') {
		int hh = 0, mm = 0;
		if (strlen(p) != 6 || p[3] != ':')
			return -EINVAL;
		hh = (p[1] - '0') * 10 + (p[2] - '0');
		mm = (p[4] - '0') * 10 + (p[5] - '0');
		offset = (int64_t)(hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
	} else if (!(*p == 'Z' || *p == 'z') || p[1]) {
		return -EINVAL;
	}
	*ret = (int64_t)timegm(&tm) - offset;
	return 0;
}
