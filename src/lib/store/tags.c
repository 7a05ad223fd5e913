/* Tags: the entries of index.json, named by org.opencontainers.image.ref.name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/store/store-private.h"

#define INDEX_MAX (64u << 20)

static int load_index(struct cn_store *s, json_t **ret, struct cn_error *err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = cn_read_file_at(s->root_fd, "index.json", INDEX_MAX, &sb);
	if (r < 0)
		return cn_error_errno(err, r, "reading %s/index.json", s->root);
	r = cn_json_parse(sb.buf, sb.len, ret, err);
	if (r < 0)
		return cn_error_prefix(err, r, "%s/index.json", s->root);
	if (!json_is_array(json_object_get(*ret, "manifests"))) {
		json_decref(*ret);
		return cn_error_set(err, -EBADMSG, "%s/index.json: no manifests array", s->root);
	}
	return 0;
}

static int save_index(struct cn_store *s, json_t *index, struct cn_error *err)
{
	cleanup_free char *text = json_dumps(index, JSON_COMPACT);
	if (!text)
		return cn_error_set(err, -ENOMEM, "serializing index.json");
	int r = cn_write_file_atomic(s->root_fd, "index.json", text, strlen(text));
	return r < 0 ? cn_error_errno(err, r, "writing %s/index.json", s->root) : 0;
}

void cn_store_tags_free(struct cn_store_tag *tags, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(tags[i].name);
		free(tags[i].repo_digest);
		free(tags[i].source_digest);
		cn_descriptor_release(&tags[i].desc);
	}
	free(tags);
}

int cn_store_list_tags(struct cn_store *s, struct cn_store_tag **ret, size_t *ret_n,
		       struct cn_error *err)
{
	cleanup_json json_t *index = NULL;
	int r = load_index(s, &index, err);
	if (r < 0)
		return r;
	json_t *arr = json_object_get(index, "manifests");
	size_t n = json_array_size(arr), count = 0;
	struct cn_store_tag *tags = xcalloc(n ? n : 1, sizeof(*tags));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		char what[48];
		(void)snprintf(what, sizeof(what), "index.json manifests[%zu]", i);
		r = cn_descriptor_parse(e, what, &tags[count].desc, err);
		if (r < 0) {
			cn_store_tags_free(tags, count);
			return r;
		}
		if (tags[count].desc.ref_name)
			tags[count].name = xstrdup(tags[count].desc.ref_name);
		json_t *annotations = json_object_get(e, "annotations");
		const char *rd = cn_json_string(annotations, CN_ANNOTATION_REPO_DIGEST);
		const char *src = cn_json_string(annotations, CN_ANNOTATION_SOURCE_MANIFEST);
		struct cn_digest parsed;
		tags[count].repo_digest = rd ? xstrdup(rd) : NULL;
		tags[count].source_digest =
			src && cn_digest_parse(src, &parsed) == 0 ? xstrdup(src) : NULL;
		count++;
	}
	*ret = tags;
	*ret_n = count;
	return 0;
}

/* Removes every entry named `name`; returns how many were removed. */
static size_t remove_named(json_t *arr, const char *name)
{
	size_t removed = 0;
	for (size_t i = json_array_size(arr); i-- > 0;) {
		const char *n =
			cn_json_string(json_object_get(json_array_get(arr, i), "annotations"),
				       CN_ANNOTATION_REF_NAME);
		if (n && strcmp(n, name) == 0) {
			json_array_remove(arr, i);
			removed++;
		}
	}
	return removed;
}

/* Read-modify-write of index.json under state/index.lock; `edit` changes the manifests array
 * and returns >= 0 to save it, or a negative errno (with err set) to leave the file alone. */
static int edit_index(struct cn_store *s,
		      int (*edit)(json_t *manifests, void *ud, struct cn_error *err), void *ud,
		      struct cn_error *err)
{
	cleanup_close int lock = cn_store_lock_index(s);
	if (lock < 0)
		return cn_error_errno(err, lock, "locking %s/index.json", s->root);
	cleanup_json json_t *index = NULL;
	int r = load_index(s, &index, err);
	if (r >= 0)
		r = edit(json_object_get(index, "manifests"), ud, err);
	return r < 0 ? r : save_index(s, index, err);
}

struct new_entry {
	const char *name;
	const struct cn_descriptor *desc;
	const char *repo_digest, *source_digest;
};

static int add_entry(json_t *arr, void *ud, struct cn_error *err)
{
	const struct new_entry *e = ud;
	(void)err;
	(void)remove_named(arr, e->name);
	struct cn_descriptor d = *e->desc;
	d.ref_name = (char *)e->name;
	d.os = d.architecture = d.variant = NULL; /* platform belongs to index children only */
	json_t *entry = cn_descriptor_to_json(&d);
	json_t *annotations = json_object_get(entry, "annotations");
	if (e->repo_digest)
		json_object_set_new(annotations, CN_ANNOTATION_REPO_DIGEST,
				    json_string(e->repo_digest));
	if (e->source_digest)
		json_object_set_new(annotations, CN_ANNOTATION_SOURCE_MANIFEST,
				    json_string(e->source_digest));
	json_array_append_new(arr, entry);
	return 0;
}

int cn_store_set_tag(struct cn_store *s, const char *name, const struct cn_descriptor *desc,
		     const char *repo_digest, const char *source_digest, struct cn_error *err)
{
	struct new_entry e = { name, desc, repo_digest, source_digest };
	return edit_index(s, add_entry, &e, err);
}

static int remove_entry(json_t *arr, void *ud, struct cn_error *err)
{
	const char *name = ud;
	if (remove_named(arr, name) == 0)
		return cn_error_set(err, -ENOENT, "no such image: %s", name);
	return 0;
}

int cn_store_remove_tag(struct cn_store *s, const char *name, struct cn_error *err)
{
	return edit_index(s, remove_entry, (void *)name, err);
}
