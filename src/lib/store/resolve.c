/* Resolving references and image IDs to stored images (see resolve.h). */
#include "lib/store/resolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/image/platform.h"
#include "lib/reference/reference.h"

void cn_store_tag_copy(const struct cn_store_tag *src, struct cn_store_tag *ret)
{
	ret->name = src->name ? xstrdup(src->name) : NULL;
	ret->repo_digest = src->repo_digest ? xstrdup(src->repo_digest) : NULL;
	ret->source_digest = src->source_digest ? xstrdup(src->source_digest) : NULL;
	cn_descriptor_copy(&src->desc, &ret->desc);
}

void cn_store_tag_release(struct cn_store_tag *t)
{
	free(t->name);
	free(t->repo_digest);
	free(t->source_digest);
	cn_descriptor_release(&t->desc);
	memset(t, 0, sizeof(*t));
}

void cn_resolved_release(struct cn_resolved *r)
{
	cn_store_tag_release(&r->tag);
	cn_descriptor_release(&r->manifest_desc);
	cn_manifest_free(r->manifest);
	cn_image_config_free(r->config);
	memset(r, 0, sizeof(*r));
}

void cn_resolved_array_free(struct cn_resolved *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cn_resolved_release(&r[i]);
	free(r);
}

static int read_manifest(struct cn_store *s, const struct cn_descriptor *d,
			 struct cn_manifest **ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_store_read_blob(s, &d->digest, CN_MANIFEST_MAX, &sb, err);
	if (r < 0)
		return r;
	r = cn_manifest_parse(sb.buf, sb.len, d->media_type, ret, err);
	return r < 0 ? cn_error_prefix(err, r, "manifest %s", d->digest.str) : 0;
}

static bool is_unknown_platform(const struct cn_descriptor *d)
{
	/* BuildKit's attestation manifests sit in indexes as platform unknown/unknown. */
	return d->os && strcmp(d->os, "unknown") == 0;
}

/* The index child to show: the host platform's image if stored, else the first stored one. */
static int pick_child(struct cn_store *s, const struct cn_manifest *index,
		      const struct cn_descriptor **ret)
{
	const struct cn_descriptor *first = NULL;
	struct cn_platform host;
	cn_platform_host(&host);
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct cn_descriptor *c = &index->manifests[i];
		if (c->media_type && (cn_media_type_is_index(c->media_type) ||
				      !cn_media_type_is_manifest(c->media_type)))
			continue;
		int r = cn_store_has_blob(s, &c->digest, NULL);
		if (r < 0)
			return r;
		if (r == 0 || is_unknown_platform(c))
			continue;
		if (cn_platform_matches(&host, c->os, c->architecture, c->variant)) {
			*ret = c;
			return 0;
		}
		if (!first)
			first = c;
	}
	if (!first)
		return -ENOENT;
	*ret = first;
	return 0;
}

/* Resolves an index to its chosen child: `*m` is replaced by the child's manifest. */
static int descend_index(struct cn_store *s, const struct cn_descriptor *index_desc,
			 struct cn_manifest **m, struct cn_descriptor *ret_desc,
			 struct cn_error *err)
{
	const struct cn_descriptor *child = NULL;
	struct cn_manifest *cm = NULL;
	int r = pick_child(s, *m, &child);
	if (r == -ENOENT)
		return cn_error_set(err, r, "index %s: the store holds none of its images",
				    index_desc->digest.str);
	if (r < 0)
		return cn_error_errno(err, r, "index %s", index_desc->digest.str);
	r = read_manifest(s, child, &cm, err);
	if (r < 0)
		return cn_error_prefix(err, r, "index %s", index_desc->digest.str);
	if (cm->kind != CN_MANIFEST_IMAGE) {
		cn_manifest_free(cm);
		return cn_error_set(err, -EBADMSG, "index %s: entry %s is not an image manifest",
				    index_desc->digest.str, child->digest.str);
	}
	cn_descriptor_copy(child, ret_desc);
	cn_manifest_free(*m);
	*m = cm;
	return 0;
}

static uint64_t image_size(const struct cn_manifest *m)
{
	uint64_t total = (uint64_t)m->config.size;
	for (size_t i = 0; i < m->n_layers; i++)
		if (__builtin_add_overflow(total, (uint64_t)m->layers[i].size, &total))
			return UINT64_MAX;
	return total;
}

int cn_store_resolve_tag(struct cn_store *s, const struct cn_store_tag *tag,
			 struct cn_resolved *ret, struct cn_error *err)
{
	cleanup_resolved struct cn_resolved res = { 0 };
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = read_manifest(s, &tag->desc, &res.manifest, err);
	if (r >= 0 && res.manifest->kind == CN_MANIFEST_INDEX)
		r = descend_index(s, &tag->desc, &res.manifest, &res.manifest_desc, err);
	else if (r >= 0)
		cn_descriptor_copy(&tag->desc, &res.manifest_desc);
	if (r < 0)
		return r;
	if (!res.manifest_desc.media_type)
		res.manifest_desc.media_type = xstrdup(res.manifest->media_type);
	free(res.manifest_desc.ref_name); /* the tag's name, not the manifest's */
	res.manifest_desc.ref_name = NULL;

	const struct cn_digest *cd = &res.manifest->config.digest;
	r = cn_store_read_blob(s, cd, CN_CONFIG_MAX, &sb, err);
	if (r >= 0)
		r = cn_image_config_parse(sb.buf, sb.len, &res.config, err);
	if (r < 0)
		return cn_error_prefix(err, r, "config %s", cd->str);
	res.id = *cd;
	res.size = image_size(res.manifest);
	cn_store_tag_copy(tag, &res.tag);
	*ret = res;
	memset(&res, 0, sizeof(res)); /* ownership moved to *ret */
	return 0;
}

/* "docker.io/library/redis" for an entry named by a full reference, else NULL. */
static char *entry_repository(const struct cn_store_tag *t)
{
	cleanup_reference struct cn_reference ref = { 0 };
	if (!t->name || cn_reference_parse(t->name, &ref, NULL) < 0)
		return NULL;
	return cn_reference_name(&ref);
}

static bool digest_str_equal(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Index of the entry a reference with a digest names, or -ENOENT (see resolve.h). */
static int find_by_digest(struct cn_store *s, const struct cn_reference *ref,
			  const struct cn_store_tag *tags, size_t n)
{
	cleanup_free char *name = cn_reference_name(ref);
	cleanup_free char *pinned = xasprintf("%s@%s", name, ref->digest);
	cleanup_free bool *same_repo = xcalloc(n ? n : 1, sizeof(*same_repo));
	for (size_t i = 0; i < n; i++)
		if (digest_str_equal(tags[i].name, pinned))
			return (int)i;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *repo = entry_repository(&tags[i]);
		same_repo[i] = repo && strcmp(repo, name) == 0;
		if (same_repo[i] && (digest_str_equal(tags[i].desc.digest.str, ref->digest) ||
				     digest_str_equal(tags[i].repo_digest, ref->digest) ||
				     digest_str_equal(tags[i].source_digest, ref->digest)))
			return (int)i;
	}
	/* The platform image of an index entry, as pulled by its own digest. */
	for (size_t i = 0; i < n; i++) {
		cleanup_resolved struct cn_resolved res = { 0 };
		if (same_repo[i] && cn_store_resolve_tag(s, &tags[i], &res, NULL) >= 0 &&
		    strcmp(res.manifest_desc.digest.str, ref->digest) == 0)
			return (int)i;
	}
	return -ENOENT;
}

/* Index of the entry `ref` names, or -ENOENT. `spec` is what the user typed. */
static int find_by_name(struct cn_store *s, const struct cn_reference *ref, const char *spec,
			const struct cn_store_tag *tags, size_t n)
{
	if (ref->digest)
		return find_by_digest(s, ref, tags, n);
	cleanup_free char *full = cn_reference_format(ref);
	for (size_t i = 0; i < n; i++)
		if (digest_str_equal(tags[i].name, full))
			return (int)i;
	/* Entries written by other tools may carry a bare ref.name such as "v1". */
	for (size_t i = 0; i < n; i++)
		if (digest_str_equal(tags[i].name, spec))
			return (int)i;
	return -ENOENT;
}

/* The hex prefix of an image ID spec ("abcd12", "sha256:abcd12"), or NULL if not one. */
static const char *id_prefix(const char *spec, const char **ret_algo)
{
	const char *hex = spec, *colon = strchr(spec, ':');
	*ret_algo = NULL;
	if (colon) {
		if (strncmp(spec, "sha256:", 7) == 0)
			*ret_algo = "sha256";
		else if (strncmp(spec, "sha512:", 7) == 0)
			*ret_algo = "sha512";
		else
			return NULL;
		hex = colon + 1;
	}
	size_t len = strspn(hex, "0123456789abcdef");
	if (hex[len] || len < CN_IMAGE_ID_PREFIX_MIN || len > 128)
		return NULL;
	return hex;
}

static bool id_matches(const struct cn_digest *id, const char *algo, const char *hex)
{
	if (algo && strcmp(algo, cn_digest_algo_name(id->algo)) != 0)
		return false;
	return strncmp(cn_digest_hex(id), hex, strlen(hex)) == 0;
}

static int find_by_id(struct cn_store *s, const char *spec, const char *algo, const char *hex,
		      const struct cn_store_tag *tags, size_t n, struct cn_resolved *ret,
		      struct cn_error *err)
{
	cleanup_resolved struct cn_resolved found = { 0 };
	for (size_t i = 0; i < n; i++) {
		cleanup_resolved struct cn_resolved res = { 0 };
		if (cn_store_resolve_tag(s, &tags[i], &res, NULL) < 0 ||
		    !id_matches(&res.id, algo, hex))
			continue;
		if (!found.manifest) {
			found = res;
			memset(&res, 0, sizeof(res));
		} else if (!cn_digest_equal(&found.id, &res.id)) {
			return cn_error_set(err, -ENOTUNIQ,
					    "image ID prefix \"%s\" is ambiguous (%s, %s, ...)",
					    spec, found.id.str, res.id.str);
		}
	}
	if (!found.manifest)
		return cn_error_set(err, -ENOENT, "No such image: %s", spec);
	found.by_id = true;
	*ret = found;
	memset(&found, 0, sizeof(found));
	return 0;
}

int cn_store_resolve(struct cn_store *s, const char *spec, struct cn_resolved *ret,
		     struct cn_error *err)
{
	cleanup_reference struct cn_reference ref = { 0 };
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	const char *algo = NULL, *hex = id_prefix(spec, &algo);
	struct cn_error perr = CN_ERROR_INIT;
	int pr = cn_reference_parse(spec, &ref, &perr);
	if (pr < 0 && !hex)
		return cn_error_set(err, pr, "%s", perr.msg);

	int r = cn_store_list_tags(s, &tags, &n, err);
	if (r < 0)
		return r;
	r = pr >= 0 ? find_by_name(s, &ref, spec, tags, n) : -ENOENT;
	if (r >= 0) {
		int i = r;
		r = cn_store_resolve_tag(s, &tags[i], ret, err);
		if (r < 0)
			(void)cn_error_prefix(err, r, "%s", tags[i].name ? tags[i].name : spec);
	} else if (hex) {
		r = find_by_id(s, spec, algo, hex, tags, n, ret, err);
	} else {
		r = cn_error_set(err, -ENOENT, "No such image: %s", spec);
	}
	cn_store_tags_free(tags, n);
	return r;
}

int cn_store_list_images(struct cn_store *s, cn_store_broken_fn broken, void *userdata,
			 struct cn_resolved **ret, size_t *ret_n, struct cn_error *err)
{
	struct cn_store_tag *tags = NULL;
	size_t n = 0, count = 0;
	int r = cn_store_list_tags(s, &tags, &n, err);
	if (r < 0)
		return r;
	struct cn_resolved *images = xcalloc(n ? n : 1, sizeof(*images));
	for (size_t i = 0; i < n; i++) {
		struct cn_error rerr = CN_ERROR_INIT;
		r = cn_store_resolve_tag(s, &tags[i], &images[count], &rerr);
		if (r >= 0)
			count++;
		else if (broken)
			broken(userdata, &tags[i], &rerr);
	}
	cn_store_tags_free(tags, n);
	*ret = images;
	*ret_n = count;
	return 0;
}
