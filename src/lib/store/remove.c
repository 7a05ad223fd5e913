/* Deleting the blobs only a removed entry used (see remove.h). */
#include "lib/store/remove.h"

#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"

/* A set of digest strings (tsearch tree), and the digests in first-seen order. */
struct digest_set {
	void *root;
	struct cn_digest *v;
	size_t n, alloc;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Adds `d`; returns false when it was already there. */
static bool set_add(struct digest_set *set, const struct cn_digest *d)
{
	if (tfind(d->str, &set->root, cmp_str))
		return false;
	ALLOC_GROW(set->v, set->n + 1, set->alloc);
	set->v[set->n] = *d;
	if (!tsearch(xstrdup(d->str), &set->root, cmp_str))
		abort(); /* tsearch fails only on OOM */
	set->n++;
	return true;
}

static void set_release(struct digest_set *set)
{
	tdestroy(set->root, free);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static int add_present(void *userdata, const struct cn_descriptor *d, bool present)
{
	if (present)
		(void)set_add(userdata, &d->digest);
	return 0;
}

static int mark_remaining(struct cn_store *s, struct digest_set *reached, struct cn_error *err)
{
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	int r = cn_store_list_tags(s, &tags, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = cn_store_walk_tag(s, &tags[i], add_present, reached, err);
	cn_store_tags_free(tags, n);
	return r;
}

int cn_store_delete_unreferenced(struct cn_store *s, const struct cn_descriptor *desc,
				 cn_store_deleted_fn deleted, void *userdata, struct cn_error *err)
{
	struct digest_set closure = { 0 }, reached = { 0 };
	int r = cn_store_walk(s, desc, add_present, &closure, err);
	if (r >= 0)
		r = mark_remaining(s, &reached, err);
	int count = 0;
	for (size_t i = 0; r >= 0 && i < closure.n; i++) {
		const struct cn_digest *d = &closure.v[i];
		int64_t size = 0;
		if (tfind(d->str, &reached.root, cmp_str) || cn_store_has_blob(s, d, &size) <= 0)
			continue;
		r = cn_store_delete_blob(s, d);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r < 0) {
			r = cn_error_errno(err, r, "deleting blob %s", d->str);
			break;
		}
		count++;
		if (deleted)
			deleted(userdata, d, (uint64_t)size);
	}
	set_release(&closure);
	set_release(&reached);
	return r < 0 ? r : count;
}
