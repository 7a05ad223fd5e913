#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/layer/export.h"
#include "lib/layer/tar.h"
#include "lib/layer/unpack.h"

/* An inode to write: from entry `ino->entry` of layer `ino->layer`, under its first name. */
struct item {
	struct cn_tree_inode *ino;
	char *primary;
	char **extra; /* its other names, written as hardlinks to primary */
	size_t n_extra, alloc_extra;
};

struct plan {
	struct item **by_layer; /* per layer, sorted by entry ordinal */
	size_t *n_by_layer, *alloc_by_layer;
	size_t n_layers;
	char **implicit; /* directories no entry declared */
	size_t n_implicit, alloc_implicit;
	struct strbuf path;
};

static int plan_node(void *userdata, const struct cn_tree_node *n, unsigned depth)
{
	(void)depth;
	struct plan *p = userdata;
	struct cn_tree_inode *ino = n->ino;
	strbuf_reset(&p->path);
	cn_tree_path(n, &p->path);
	const char *path = p->path.buf + 1; /* no leading "/" in the tar */

	if (ino->implicit) {
		ALLOC_GROW(p->implicit, p->n_implicit + 1, p->alloc_implicit);
		p->implicit[p->n_implicit++] = xstrdup(path);
		return 0;
	}
	size_t l = ino->layer;
	ALLOC_GROW(p->by_layer[l], p->n_by_layer[l] + 1, p->alloc_by_layer[l]);
	p->by_layer[l][p->n_by_layer[l]++] = (struct item){ .ino = ino, .primary = xstrdup(path) };
	/* The array may move as it grows: point the inode at it once the walk is done. */
	ino->aux = (void *)1;
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct item *)a)->ino->entry, y = ((const struct item *)b)->ino->entry;
	return x < y ? -1 : x > y;
}

static void plan_release(struct plan *p)
{
	for (size_t l = 0; l < p->n_layers; l++) {
		for (size_t i = 0; i < p->n_by_layer[l]; i++) {
			struct item *it = &p->by_layer[l][i];
			free(it->primary);
			for (size_t k = 0; k < it->n_extra; k++)
				free(it->extra[k]);
			free(it->extra);
		}
		free(p->by_layer[l]);
	}
	free(p->by_layer);
	free(p->n_by_layer);
	free(p->alloc_by_layer);
	for (size_t i = 0; i < p->n_implicit; i++)
		free(p->implicit[i]);
	free(p->implicit);
	strbuf_release(&p->path);
}

/*
 * Hardlink names need the item of their inode while the walk runs, so the walk is done twice:
 * the first pass plans primaries (marking inodes), then aux is pointed at the final items and
 * the second pass, seeing aux set, collects the other names. A primary seen again in the second
 * pass is recognised by its path.
 */
static int plan_links(void *userdata, const struct cn_tree_node *n, unsigned depth)
{
	(void)depth;
	struct plan *p = userdata;
	struct item *it = n->ino->aux;
	if (!it || n->ino->implicit)
		return 0;
	strbuf_reset(&p->path);
	cn_tree_path(n, &p->path);
	if (strcmp(it->primary, p->path.buf + 1) != 0) {
		ALLOC_GROW(it->extra, it->n_extra + 1, it->alloc_extra);
		it->extra[it->n_extra++] = xstrdup(p->path.buf + 1);
	}
	return 0;
}

static int plan_primaries(void *userdata, const struct cn_tree_node *n, unsigned depth)
{
	if (n->ino->aux)
		return 0; /* a second name: plan_links() takes it */
	return plan_node(userdata, n, depth);
}

static int write_implicit_dir(struct cn_tar_writer *w, const char *path, struct cn_error *err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	int r = cn_tar_writer_header(w, e, err);
	archive_entry_free(e);
	return r;
}

static int copy_data(struct cn_tar *t, struct cn_tar_writer *w, int64_t size, struct cn_error *err)
{
	static const char zeros[4096];
	const void *buf;
	size_t len;
	int64_t off, pos = 0;
	int r;
	while ((r = cn_tar_data(t, &buf, &len, &off, err)) > 0) {
		for (; pos < off; pos += (int64_t)MIN(sizeof(zeros), (size_t)(off - pos)))
			if ((r = cn_tar_writer_data(
				     w, zeros, MIN(sizeof(zeros), (size_t)(off - pos)), err)) < 0)
				return r;
		if ((r = cn_tar_writer_data(w, buf, len, err)) < 0)
			return r;
		pos = off + (int64_t)len;
	}
	if (r < 0)
		return r;
	for (; pos < size; pos += (int64_t)MIN(sizeof(zeros), (size_t)(size - pos)))
		if ((r = cn_tar_writer_data(w, zeros, MIN(sizeof(zeros), (size_t)(size - pos)),
					    err)) < 0)
			return r;
	return 0;
}

static int write_item(struct cn_tar *t, struct cn_tar_writer *w, struct archive_entry *src,
		      const struct item *it, struct cn_error *err)
{
	struct archive_entry *e = archive_entry_clone(src);
	if (!e)
		abort();
	archive_entry_set_pathname(e, it->primary);
	archive_entry_set_hardlink(e, NULL);
	int64_t size = archive_entry_filetype(e) == AE_IFREG ? archive_entry_size(e) : 0;
	archive_entry_set_size(e, size);
	int r = cn_tar_writer_header(w, e, err);
	if (r >= 0 && size)
		r = copy_data(t, w, size, err);
	for (size_t k = 0; r >= 0 && k < it->n_extra; k++) {
		archive_entry_set_pathname(e, it->extra[k]);
		archive_entry_set_hardlink(e, it->primary);
		archive_entry_set_size(e, 0);
		r = cn_tar_writer_header(w, e, err);
	}
	archive_entry_free(e);
	return r;
}

static int write_layer(struct cn_layer_stream *st, struct cn_tar_writer *w,
		       const struct item *items, size_t n, struct cn_error *err)
{
	cleanup_tar struct cn_tar *t = cn_tar_open(st);
	struct archive_entry *e;
	uint64_t ordinal = 0;
	size_t k = 0;
	int r = 0;
	while (k < n && (r = cn_tar_next(t, &e, err)) > 0) {
		if (items[k].ino->entry == ordinal++) {
			r = write_item(t, w, e, &items[k++], err);
			if (r < 0)
				return r;
		}
	}
	if (k < n)
		return r < 0 ? r : cn_error_set(err, -EBADMSG, "layer changed while read");
	return 0;
}

int cn_export_image(struct cn_store *s, const struct cn_resolved *img, struct cn_tar_writer *w,
		    struct cn_error *err)
{
	const struct cn_manifest *m = img->manifest;
	cleanup_tree struct cn_tree *t = NULL;
	int r = cn_image_tree(s, img, SIZE_MAX, 0, SIZE_MAX, NULL, NULL, &t, NULL, err);
	if (r < 0)
		return r;

	size_t nl = m->n_layers ? m->n_layers : 1;
	struct plan p = {
		.by_layer = xcalloc(nl, sizeof(*p.by_layer)),
		.n_by_layer = xcalloc(nl, sizeof(size_t)),
		.alloc_by_layer = xcalloc(nl, sizeof(size_t)),
		.n_layers = m->n_layers,
	};
	strbuf_init(&p.path, 256);
	cn_tree_walk(t->root, plan_primaries, &p);
	for (size_t l = 0; l < m->n_layers; l++) {
		qsort(p.by_layer[l], p.n_by_layer[l], sizeof(struct item), item_cmp);
		for (size_t i = 0; i < p.n_by_layer[l]; i++)
			p.by_layer[l][i].ino->aux = &p.by_layer[l][i];
	}
	cn_tree_walk(t->root, plan_links, &p);

	for (size_t i = 0; r >= 0 && i < p.n_implicit; i++)
		r = write_implicit_dir(w, p.implicit[i], err);
	for (size_t l = 0; r >= 0 && l < m->n_layers; l++) {
		if (!p.n_by_layer[l])
			continue;
		cleanup_layer_stream struct cn_layer_stream *st = NULL;
		r = cn_layer_open(s, &m->layers[l], false, &st, err);
		if (r >= 0)
			r = write_layer(st, w, p.by_layer[l], p.n_by_layer[l], err);
		if (r < 0) {
			char label[CN_LAYER_LABEL_MAX];
			cn_layer_label(label, sizeof(label), l, m->n_layers, &m->layers[l].digest);
			cn_error_prefix(err, r, "%s", label);
		}
	}
	plan_release(&p);
	return r;
}
