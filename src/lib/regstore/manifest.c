/*
 * Manifests: GET (the benchmark's hot path: a tag read, then a cache hit), PUT with its checks,
 * DELETE, and the referrers index.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/regstore/regstore-private.h"

#define CONFIG_READ_MAX	  (1u << 20) /* config blobs read for their description */
#define REFERRER_MAX	  (64u << 10)
#define REFERRERS_MAX	  10000
#define DESCRIPTION_LABEL "org.opencontainers.image.description"

void cn_regstore_manifest_release(struct cn_regstore_manifest *m)
{
	strbuf_release(&m->body);
}

/* ------------------------------------------------------------------ cache */

static struct manifest_cache_entry *cache_slot(struct cn_regstore *rs, const struct cn_digest *d)
{
	const char *hex = cn_digest_hex(d);
	unsigned h = 0;
	for (int i = 0; i < 6; i++)
		h = h * 16 + (unsigned)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return &rs->cache[h % CACHE_SLOTS];
}

/* Copies a cached manifest into m (body, and media type when `want_type`). */
static bool cache_get(struct cn_regstore *rs, const struct cn_digest *d,
		      struct cn_regstore_manifest *m, bool want_type)
{
	bool hit = false;
	pthread_rwlock_rdlock(&rs->cache_lock);
	struct manifest_cache_entry *e = cache_slot(rs, d);
	if (cn_digest_equal(&e->digest, d)) {
		strbuf_add(&m->body, e->body, e->len);
		if (want_type)
			memcpy(m->media_type, e->media_type, sizeof(m->media_type));
		hit = true;
	}
	pthread_rwlock_unlock(&rs->cache_lock);
	return hit;
}

static void cache_put(struct cn_regstore *rs, const struct cn_digest *d, const char *media_type,
		      const void *body, size_t len)
{
	if (len > CACHE_BODY_MAX)
		return;
	char *copy = xmalloc(len ? len : 1);
	memcpy(copy, body, len);
	pthread_rwlock_wrlock(&rs->cache_lock);
	struct manifest_cache_entry *e = cache_slot(rs, d);
	char *old = e->body;
	e->digest = *d;
	(void)snprintf(e->media_type, sizeof(e->media_type), "%s", media_type);
	e->body = copy;
	e->len = len;
	pthread_rwlock_unlock(&rs->cache_lock);
	free(old);
}

void regstore_cache_release(struct cn_regstore *rs)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(rs->cache[i].body);
		rs->cache[i].body = NULL;
		rs->cache[i].digest.str[0] = '\0';
	}
}

/* ------------------------------------------------------------------ GET */

/* Reads a small file into buf (NUL-terminated): its length, -ENOENT, or -EBADMSG too long. */
static int read_small(struct cn_regstore *rs, const char *path, char *buf, size_t len)
{
	cleanup_close int fd = openat(rs->root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ENOTDIR ? -ENOENT : -errno;
	ssize_t n = cn_read_full(fd, buf, len);
	if (n < 0)
		return (int)n;
	if ((size_t)n >= len)
		return -EBADMSG;
	buf[n] = '\0';
	return (int)n;
}

/* The media type recorded by the revision link of `d` in `repo`; -ENOENT when not there. */
static int revision_type(struct cn_regstore *rs, const char *repo, const struct cn_digest *d,
			 char buf[CN_MEDIA_TYPE_MAX])
{
	char path[REGSTORE_PATH_MAX];
	int r = regstore_revision_path(path, sizeof(path), repo, d);
	if (r < 0)
		return -ENOENT;
	r = read_small(rs, path, buf, CN_MEDIA_TYPE_MAX);
	return r < 0 ? r : 0;
}

/* The digest a tag points at. */
static int read_tag(struct cn_regstore *rs, const char *repo, const char *tag,
		    struct cn_digest *ret)
{
	char path[REGSTORE_PATH_MAX], buf[CN_DIGEST_STR_MAX + 1];
	if (regstore_path(path, sizeof(path), repo, "_manifests/tags/%s", tag) < 0)
		return -ENOENT;
	int r = read_small(rs, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	return cn_digest_parse(buf, ret) < 0 ? -EBADMSG : 0;
}

static int load_manifest(struct cn_regstore *rs, const char *repo, const char *reference,
			 struct cn_regstore_manifest *m, struct cn_error *err)
{
	int r;
	bool by_digest = strchr(reference, ':') != NULL;
	if (by_digest) {
		if (cn_digest_parse(reference, &m->digest) < 0)
			return cn_error_set(err, -EINVAL, "invalid digest %s", reference);
		r = revision_type(rs, repo, &m->digest, m->media_type);
		if (r < 0)
			return r == -ENOENT ? r : cn_error_errno(err, r, "manifest %s", reference);
		if (cache_get(rs, &m->digest, m, false))
			return 0;
	} else {
		if (!cn_regstore_tag_valid(reference))
			return cn_error_set(err, -EINVAL, "invalid tag %s", reference);
		r = read_tag(rs, repo, reference, &m->digest);
		if (r < 0)
			return r == -ENOENT ? r : cn_error_errno(err, r, "tag %s", reference);
		if (cache_get(rs, &m->digest, m, true))
			return 0;
		r = revision_type(rs, repo, &m->digest, m->media_type);
		if (r < 0)
			return r == -ENOENT ? r : cn_error_errno(err, r, "manifest %s", reference);
	}
	r = cn_store_read_blob(rs->store, &m->digest, CN_MANIFEST_MAX, &m->body, err);
	if (r < 0)
		return r;
	cache_put(rs, &m->digest, m->media_type, m->body.buf, m->body.len);
	return 0;
}

int cn_regstore_manifest_get(struct cn_regstore *rs, const char *repo, const char *reference,
			     bool count_pull, struct cn_regstore_manifest *ret,
			     struct cn_error *err)
{
	struct cn_regstore_manifest m;
	memset(&m, 0, sizeof(m));
	strbuf_init(&m.body, 0);
	if (!cn_regstore_name_valid(repo))
		return -ENOENT;
	int r = load_manifest(rs, repo, reference, &m, err);
	if (r < 0) {
		cn_regstore_manifest_release(&m);
		return r;
	}
	if (count_pull)
		regstore_count_pull(rs, repo);
	*ret = m;
	return 0;
}

/* ------------------------------------------------------------------ PUT */

/* org.opencontainers.image.description of a config blob, or "" (best effort). */
static void config_description(struct cn_regstore *rs, const struct cn_digest *config, char *buf,
			       size_t len)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (cn_store_read_blob(rs->store, config, CONFIG_READ_MAX, &sb, NULL) < 0)
		return;
	cleanup_json json_t *j = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, NULL);
	json_t *labels = json_object_get(json_object_get(j, "config"), "Labels");
	const char *s = json_string_value(json_object_get(labels, DESCRIPTION_LABEL));
	if (s)
		(void)snprintf(buf, len, "%s", s);
}

static void find_description(struct cn_regstore *rs, struct cn_manifest_refs *refs)
{
	refs->description[0] = '\0';
	if (refs->n == 0)
		return;
	if (!refs->is_index) {
		config_description(rs, &refs->digests[0], refs->description,
				   sizeof(refs->description));
		return;
	}
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	struct cn_manifest_refs child;
	if (cn_store_read_blob(rs->store, &refs->digests[0], CN_MANIFEST_MAX, &sb, NULL) < 0 ||
	    cn_manifest_validate(sb.buf, sb.len, NULL, &child, NULL) < 0)
		return;
	if (!child.is_index && child.n > 0)
		config_description(rs, &child.digests[0], refs->description,
				   sizeof(refs->description));
	cn_manifest_refs_release(&child);
}

/* 1 when every reference is readable in `repo` (refreshing its link), 0 and the first missing
 * one in *ret_missing when not. The caller holds the registry lock shared. */
static int check_references(struct cn_regstore *rs, const char *repo,
			    const struct cn_manifest_refs *refs, size_t *ret_missing)
{
	char path[REGSTORE_PATH_MAX];
	for (size_t i = 0; i < refs->n; i++) {
		const struct cn_digest *d = &refs->digests[i];
		int r = regstore_revision_path(path, sizeof(path), repo, d);
		if (r < 0)
			return r;
		r = regstore_touch(rs, path);
		if (r == 0 && !refs->is_index) {
			r = regstore_layer_path(path, sizeof(path), repo, d);
			if (r < 0)
				return r;
			r = regstore_touch(rs, path);
		}
		if (r < 0)
			return r;
		if (r == 0 || (r = cn_store_has_blob(rs->store, d, NULL)) == 0) {
			*ret_missing = i;
			return 0;
		}
		if (r < 0)
			return r;
	}
	return 1;
}

/* The referrer record of a manifest with a subject: its descriptor. */
static char *referrer_descriptor(const void *body, size_t len, const struct cn_manifest_refs *refs,
				 const struct cn_digest *d)
{
	cleanup_json json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *desc = json_pack("{s:s, s:s, s:I}", "mediaType", refs->media_type, "digest", d->str,
				 "size", (json_int_t)len);
	if (!desc)
		return NULL;
	if (refs->artifact_type[0])
		(void)json_object_set_new(desc, "artifactType", json_string(refs->artifact_type));
	json_t *ann = json_object_get(j, "annotations");
	if (json_is_object(ann))
		(void)json_object_set(desc, "annotations", ann);
	char *s = json_dumps(desc, JSON_COMPACT);
	json_decref(desc);
	return s;
}

static int referrer_path(char *buf, size_t len, const char *repo, const struct cn_digest *subject,
			 const struct cn_digest *d)
{
	return regstore_path(buf, len, repo, "_referrers/%s-%s/%s-%s",
			     cn_digest_algo_name(subject->algo), cn_digest_hex(subject),
			     cn_digest_algo_name(d->algo), cn_digest_hex(d));
}

/* Stores the body and writes the links; the caller holds the registry lock shared. */
static int store_links(struct cn_regstore *rs, const char *repo, const char *tag, const void *body,
		       size_t len, const struct cn_manifest_refs *refs, const struct cn_digest *d,
		       struct cn_error *err)
{
	char path[REGSTORE_PATH_MAX];
	int r = cn_store_put_blob(rs->store, body, len, d, NULL, err);
	if (r < 0)
		return r;
	r = regstore_revision_path(path, sizeof(path), repo, d);
	if (r >= 0)
		r = regstore_link(rs, path, refs->media_type, strlen(refs->media_type));
	if (r < 0)
		return cn_error_errno(err, r, "linking manifest %s", d->str);
	if (refs->has_subject) {
		cleanup_free char *desc = referrer_descriptor(body, len, refs, d);
		r = desc ? referrer_path(path, sizeof(path), repo, &refs->subject, d) : -ENOMEM;
		if (r >= 0)
			r = regstore_write(rs, path, desc, strlen(desc));
		if (r < 0)
			return cn_error_errno(err, r, "recording referrer %s", d->str);
	}
	if (tag) {
		r = regstore_path(path, sizeof(path), repo, "_manifests/tags/%s", tag);
		if (r >= 0)
			r = regstore_write(rs, path, d->str, strlen(d->str));
		if (r < 0)
			return cn_error_errno(err, r, "tag %s", tag);
	}
	return 0;
}

/* Checks the reference of a PUT; fills ret->digest when it is a digest. */
static int check_reference(const char *reference, const void *body, size_t len,
			   struct cn_manifest_put_result *ret, struct cn_error *err)
{
	if (!strchr(reference, ':')) {
		if (cn_regstore_tag_valid(reference))
			return 0;
		ret->problem = CN_MANIFEST_TAG_INVALID;
		return cn_error_set(err, -EINVAL, "invalid tag %s", reference);
	}
	struct cn_digest want;
	if (cn_digest_parse(reference, &want) < 0) {
		ret->problem = CN_MANIFEST_DIGEST_INVALID;
		return cn_error_set(err, -EINVAL, "invalid digest %s", reference);
	}
	cn_digest_of(want.algo, body, len, &ret->digest);
	if (!cn_digest_equal(&want, &ret->digest)) {
		ret->problem = CN_MANIFEST_DIGEST_INVALID;
		return cn_error_set(err, -EBADMSG, "manifest hashes to %s, not %s", ret->digest.str,
				    want.str);
	}
	return 1;
}

static int put_checked(struct cn_regstore *rs, const char *repo, const char *tag, const void *body,
		       size_t len, struct cn_manifest_refs *refs,
		       struct cn_manifest_put_result *ret, struct cn_error *err)
{
	find_description(rs, refs);
	{
		cleanup_close int lock = regstore_lock(rs, false);
		if (lock < 0)
			return cn_error_errno(err, lock, "registry lock");
		size_t missing = 0;
		int r = check_references(rs, repo, refs, &missing);
		if (r < 0)
			return cn_error_errno(err, r, "checking references");
		if (r == 0) {
			ret->problem = CN_MANIFEST_BLOB_UNKNOWN;
			return cn_error_set(err, -ENOENT, "%s %s is not in %s",
					    refs->is_index ? "manifest" : "blob",
					    refs->digests[missing].str, repo);
		}
		r = store_links(rs, repo, tag, body, len, refs, &ret->digest, err);
		if (r < 0)
			return r;
	}
	if (refs->description[0]) {
		char path[REGSTORE_PATH_MAX];
		if (regstore_path(path, sizeof(path), repo, "_meta/description") >= 0)
			(void)regstore_write(rs, path, refs->description,
					     strlen(refs->description));
	}
	cache_put(rs, &ret->digest, refs->media_type, body, len);
	return 0;
}

int cn_regstore_manifest_put(struct cn_regstore *rs, const char *repo, const char *reference,
			     const char *content_type, const void *body, size_t len,
			     struct cn_manifest_put_result *ret, struct cn_error *err)
{
	memset(ret, 0, sizeof(*ret));
	ret->problem = CN_MANIFEST_OK;
	if (!cn_regstore_name_valid(repo)) {
		ret->problem = CN_MANIFEST_INVALID;
		return cn_error_set(err, -EINVAL, "invalid repository name");
	}
	if (len > CN_MANIFEST_MAX) {
		ret->problem = CN_MANIFEST_TOO_BIG;
		return cn_error_set(err, -E2BIG, "manifest larger than %u bytes", CN_MANIFEST_MAX);
	}
	int r = check_reference(reference, body, len, ret, err);
	if (r < 0)
		return r;
	bool by_digest = r > 0;
	if (!by_digest)
		cn_digest_of(CN_DIGEST_SHA256, body, len, &ret->digest);
	struct cn_manifest_refs refs;
	r = cn_manifest_validate(body, len, content_type, &refs, err);
	if (r < 0) {
		ret->problem = CN_MANIFEST_INVALID;
		return r;
	}
	ret->has_subject = refs.has_subject;
	ret->subject = refs.subject;
	r = put_checked(rs, repo, by_digest ? NULL : reference, body, len, &refs, ret, err);
	cn_manifest_refs_release(&refs);
	return r;
}

/* ------------------------------------------------------------------ DELETE */

static void delete_tags_of(struct cn_regstore *rs, const char *repo, const struct cn_digest *d)
{
	char dir[REGSTORE_PATH_MAX], path[REGSTORE_PATH_MAX];
	char **tags = NULL;
	size_t n = 0;
	if (regstore_path(dir, sizeof(dir), repo, "_manifests/tags") < 0 ||
	    regstore_list_dir(rs, dir, SIZE_MAX, &tags, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct cn_digest t;
		if (cn_regstore_tag_valid(tags[i]) && read_tag(rs, repo, tags[i], &t) == 0 &&
		    cn_digest_equal(&t, d) &&
		    regstore_path(path, sizeof(path), repo, "_manifests/tags/%s", tags[i]) >= 0)
			(void)unlinkat(rs->root_fd, path, 0);
	}
	cn_regstore_strv_free(tags, n);
}

static void delete_referrer_record(struct cn_regstore *rs, const char *repo,
				   const struct cn_digest *d, const char *media_type)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	struct cn_manifest_refs refs;
	char path[REGSTORE_PATH_MAX];
	if (cn_store_read_blob(rs->store, d, CN_MANIFEST_MAX, &sb, NULL) < 0 ||
	    cn_manifest_validate(sb.buf, sb.len, media_type, &refs, NULL) < 0)
		return;
	if (refs.has_subject && referrer_path(path, sizeof(path), repo, &refs.subject, d) >= 0)
		(void)unlinkat(rs->root_fd, path, 0);
	cn_manifest_refs_release(&refs);
}

int cn_regstore_manifest_delete(struct cn_regstore *rs, const char *repo, const char *reference,
				struct cn_error *err)
{
	char path[REGSTORE_PATH_MAX];
	if (!cn_regstore_name_valid(repo))
		return -ENOENT;
	if (!strchr(reference, ':')) {
		if (!cn_regstore_tag_valid(reference) ||
		    regstore_path(path, sizeof(path), repo, "_manifests/tags/%s", reference) < 0)
			return -ENOENT;
		if (unlinkat(rs->root_fd, path, 0) < 0)
			return errno == ENOENT || errno == ENOTDIR
				       ? -ENOENT
				       : cn_error_errno(err, -errno, "tag %s", reference);
		return 0;
	}
	struct cn_digest d;
	char media_type[CN_MEDIA_TYPE_MAX];
	if (cn_digest_parse(reference, &d) < 0)
		return cn_error_set(err, -EINVAL, "invalid digest %s", reference);
	int r = revision_type(rs, repo, &d, media_type);
	if (r < 0)
		return r == -ENOENT ? r : cn_error_errno(err, r, "manifest %s", reference);
	delete_tags_of(rs, repo, &d);
	delete_referrer_record(rs, repo, &d, media_type);
	r = regstore_revision_path(path, sizeof(path), repo, &d);
	if (r >= 0 && unlinkat(rs->root_fd, path, 0) < 0)
		r = errno == ENOENT ? -ENOENT : -errno;
	return r < 0 ? cn_error_errno(err, r, "deleting manifest %s", reference) : 0;
}

/* ------------------------------------------------------------------ referrers */

/* Appends the descriptor in referrer record `name` when it passes the filter. */
static void add_referrer(struct cn_regstore *rs, const char *repo, const char *dir,
			 const char *name, const char *artifact_type, json_t *manifests)
{
	char buf[CN_DIGEST_STR_MAX], path[REGSTORE_PATH_MAX];
	struct cn_digest d;
	(void)snprintf(buf, sizeof(buf), "%s", name);
	char *dash = strchr(buf, '-');
	if (!dash)
		return;
	*dash = ':';
	if (cn_digest_parse(buf, &d) < 0 ||
	    regstore_revision_path(path, sizeof(path), repo, &d) < 0 ||
	    faccessat(rs->root_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return; /* the referrer was deleted */
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    regstore_read(rs, path, REFERRER_MAX, &sb) < 0)
		return;
	json_t *desc = json_loadb(sb.buf, sb.len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(desc)) {
		json_decref(desc);
		return;
	}
	const char *at = json_string_value(json_object_get(desc, "artifactType"));
	if (artifact_type && (!at || strcmp(at, artifact_type) != 0)) {
		json_decref(desc);
		return;
	}
	(void)json_array_append_new(manifests, desc);
}

int cn_regstore_referrers(struct cn_regstore *rs, const char *repo, const struct cn_digest *subject,
			  const char *artifact_type, struct strbuf *ret_index, struct cn_error *err)
{
	char dir[REGSTORE_PATH_MAX];
	cleanup_json json_t *index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
					       CN_MT_OCI_INDEX, "manifests");
	if (!index)
		return cn_error_set(err, -ENOMEM, "referrers index");
	json_t *manifests = json_object_get(index, "manifests");
	char **names = NULL;
	size_t n = 0;
	if (cn_regstore_name_valid(repo) &&
	    regstore_path(dir, sizeof(dir), repo, "_referrers/%s-%s",
			  cn_digest_algo_name(subject->algo), cn_digest_hex(subject)) >= 0) {
		int r = regstore_list_dir(rs, dir, REFERRERS_MAX, &names, &n);
		if (r < 0 && r != -ENOENT)
			return cn_error_errno(err, r, "referrers of %s", subject->str);
	}
	for (size_t i = 0; i < n; i++)
		add_referrer(rs, repo, dir, names[i], artifact_type, manifests);
	cn_regstore_strv_free(names, n);
	cleanup_free char *s = json_dumps(index, JSON_COMPACT);
	if (!s)
		return cn_error_set(err, -ENOMEM, "referrers index");
	strbuf_addstr(ret_index, s);
	return 0;
}
