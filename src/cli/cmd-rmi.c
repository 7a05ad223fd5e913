/* `cairn rmi`: untag images and delete the blobs no remaining tag uses, like `docker rmi`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "cli/cli.h"
#include "cli/image-display.h"
#include "lib/store/remove.h"

struct rmi {
	struct cli_context *ctx;
	struct cn_store *store;
	bool force;
	/* what this REF untagged: their manifests' blobs are candidates for deletion */
	struct cn_descriptor *removed;
	size_t n_removed, alloc_removed;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cairn rmi [OPTIONS] IMAGE [IMAGE...]\n\n"
		"Remove one or more images: untag them, then delete the manifests, configs and\n"
		"layers that no remaining tag uses.\n\n"
		"Options:\n"
		"  -f, --force   remove every tag of an image given by ID, even in several\n"
		"                repositories\n");
}

static void print_deleted(void *userdata, const struct cn_digest *d, uint64_t size)
{
	(void)userdata;
	(void)size;
	printf("Deleted: %s\n", d->str);
}

/* The named entries holding the same image as `img`, with their names split. */
struct refs {
	struct cn_resolved *v;
	struct entry_name *names;
	bool *take; /* to untag */
	size_t n;
};

static void refs_release(struct refs *refs)
{
	for (size_t i = 0; i < refs->n; i++)
		entry_name_release(&refs->names[i]);
	cn_resolved_array_free(refs->v, refs->n);
	free(refs->names);
	free(refs->take);
}

static int refs_load(struct cn_store *s, const struct cn_resolved *img, struct refs *ret,
		     struct cn_error *err)
{
	struct cn_resolved *all = NULL;
	size_t n = 0, k = 0;
	int r = cn_store_list_images(s, NULL, NULL, &all, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		/* unnamed entries (written by other tools) cannot be untagged by name */
		if (cn_digest_equal(&all[i].id, &img->id) && all[i].tag.name)
			all[k++] = all[i];
		else
			cn_resolved_release(&all[i]);
	}
	ret->v = all;
	ret->n = k;
	ret->names = xcalloc(k ? k : 1, sizeof(*ret->names));
	ret->take = xcalloc(k ? k : 1, sizeof(*ret->take));
	for (size_t i = 0; i < k; i++)
		entry_name_parse(all[i].tag.name, &ret->names[i]);
	return 0;
}

static bool same_repo(const struct entry_name *a, const struct entry_name *b)
{
	return a->full_repository && b->full_repository &&
	       strcmp(a->full_repository, b->full_repository) == 0;
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/*
 * Removal by name untags that entry; and, as docker, when it was the repository's last tag of
 * the image, the repository's digest references (name@digest) to the image too.
 */
static void plan_by_name(struct refs *refs, const char *name)
{
	size_t j = refs->n;
	for (size_t i = 0; i < refs->n; i++)
		if (strcmp(refs->v[i].tag.name, name) == 0)
			j = i;
	if (j == refs->n)
		return;
	refs->take[j] = true;
	const struct entry_name *gone = &refs->names[j];
	bool tag_left = false;
	for (size_t i = 0; i < refs->n; i++)
		tag_left = tag_left ||
			   (i != j && refs->names[i].tag && same_repo(gone, &refs->names[i]));
	for (size_t i = 0; gone->tag && !tag_left && i < refs->n; i++)
		if (!refs->names[i].tag && same_repo(gone, &refs->names[i]))
			refs->take[i] = true;
}

/*
 * Docker's rule for removal by ID: without --force, the image may have at most one tag, and
 * all its references must be in one repository.
 */
static bool single_reference(const struct refs *refs)
{
	size_t tags = 0;
	for (size_t i = 0; i < refs->n; i++) {
		tags += refs->names[i].tag != NULL;
		if (!same_repo(&refs->names[0], &refs->names[i]))
			return false;
	}
	return tags <= 1;
}

/* Whether "Untagged: repo@repo_digest" is due for taken entry `i`: docker reports the digest
 * reference once no remaining entry of the repository carries it. */
static bool repo_digest_untagged(const struct refs *refs, size_t i)
{
	const char *d = refs->v[i].tag.repo_digest;
	if (!d || !refs->names[i].repository)
		return false;
	for (size_t k = 0; k < refs->n; k++) {
		if (k == i || !same_repo(&refs->names[i], &refs->names[k]))
			continue;
		if (!refs->take[k] && streq(refs->v[k].tag.repo_digest, d))
			return false; /* still carried */
		if (refs->take[k] && (streq(refs->names[k].digest, d) ||
				      (k < i && streq(refs->v[k].tag.repo_digest, d))))
			return false; /* reported already */
	}
	return !streq(refs->names[i].digest, d);
}

static int untag_entry(struct rmi *m, const struct refs *refs, size_t i, struct cn_error *err)
{
	int r = cn_store_remove_tag(m->store, refs->v[i].tag.name, err);
	if (r < 0)
		return r;
	printf("Untagged: %s\n", refs->names[i].familiar);
	ALLOC_GROW(m->removed, m->n_removed + 2, m->alloc_removed);
	cn_descriptor_copy(&refs->v[i].tag.desc, &m->removed[m->n_removed++]);
	struct cn_descriptor source = { .size = -1 };
	if (refs->v[i].tag.source_digest &&
	    cn_digest_parse(refs->v[i].tag.source_digest, &source.digest) == 0)
		m->removed[m->n_removed++] = source; /* the Docker original of a converted entry */
	return 0;
}

/* Untags what was planned in docker's order: each tag followed by its repo digest, then the
 * digest references (name@digest). */
static int untag_planned(struct rmi *m, const struct refs *refs, struct cn_error *err)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < refs->n; i++) {
		if (!refs->take[i] || !refs->names[i].tag)
			continue;
		r = untag_entry(m, refs, i, err);
		if (r >= 0 && repo_digest_untagged(refs, i))
			printf("Untagged: %s@%s\n", refs->names[i].repository,
			       refs->v[i].tag.repo_digest);
	}
	for (size_t i = 0; r >= 0 && i < refs->n; i++)
		if (refs->take[i] && !refs->names[i].tag)
			r = untag_entry(m, refs, i, err);
	return r;
}

static int remove_one(struct rmi *m, const char *spec, struct cn_error *err)
{
	cleanup_resolved struct cn_resolved img = { 0 };
	struct refs refs = { 0 };
	char id[CN_DIGEST_STR_MAX];
	int r = cn_store_resolve(m->store, spec, &img, err);
	if (r >= 0)
		r = refs_load(m->store, &img, &refs, err);
	if (r >= 0 && img.by_id && !m->force && !single_reference(&refs))
		r = cn_error_set(err, -EBUSY,
				 "conflict: unable to delete %s (must be forced) - image is "
				 "referenced in multiple repositories",
				 format_image_id(&img.id, false, id, sizeof(id)));
	if (r < 0) {
		refs_release(&refs);
		return r; /* the message names the image already */
	}
	for (size_t i = 0; i < refs.n; i++)
		refs.take[i] = img.by_id;
	if (!img.by_id && img.tag.name)
		plan_by_name(&refs, img.tag.name);
	r = untag_planned(m, &refs, err);
	refs_release(&refs);
	for (size_t i = 0; r >= 0 && i < m->n_removed; i++)
		r = cn_store_delete_unreferenced(m->store, &m->removed[i], print_deleted, NULL,
						 err);
	return r < 0 ? cn_error_prefix(err, r, "%s", spec) : 0;
}

int cmd_rmi(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct rmi m = { .ctx = ctx };
	int c;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			m.force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return cli_bad_option(ctx, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "requires at least one image");

	cleanup_store struct cn_store *store = NULL;
	struct cn_error err = CN_ERROR_INIT;
	/* Exclusive gc.lock: deleting blobs must not race with a pull storing them. */
	int r = cli_store_open(ctx, CN_STORE_GC, &store, &err);
	if (r < 0)
		return cli_fail(ctx, r, &err);
	m.store = store;
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		cn_error_clear(&err);
		r = remove_one(&m, argv[i], &err);
		fflush(stdout);
		if (r < 0)
			ret = cli_fail(ctx, r, &err);
		for (size_t k = 0; k < m.n_removed; k++)
			cn_descriptor_release(&m.removed[k]);
		m.n_removed = 0;
	}
	free(m.removed);
	return ret;
}
