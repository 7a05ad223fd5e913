#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "lib/layer/export.h"
#include "lib/layer/tar.h"
#include "lib/layer/unpack.h"

/*
 * The output is in tree order (parents first, a directory's entries together, as `docker export`
 * writes it; `tar -x` then restores directory times right), but each layer's data can only be
 * read in that layer's order. So every layer holding surviving entries gets a cursor (its own
 * stream, opened when first needed), and the walk over the final tree pulls each entry from its
 * layer's cursor. Layers are usually written in tree order themselves, so the cursors only move
 * forward; an entry the cursor has to pass before its turn is written at once (out of order,
 * still complete and correct).
 */

/* An inode to write: entry `entry` of its layer, under the name `primary` (its first in tree
 * order); its other names become hardlinks to that one. */
struct pending {
	uint64_t entry;
	const struct cn_tree_node *primary;
	bool done;
};

struct cursor {
	struct pending *v; /* sorted by entry */
	size_t n, alloc;
	size_t next;	  /* first element not passed yet */
	uint64_t ordinal; /* of the next header */
	struct cn_layer_stream *st;
	struct cn_tar *tar;
};

struct exporter {
	struct cn_store *s;
	const struct cn_manifest *m;
	struct cn_tar_writer *w;
	struct cn_error *err;
	struct cursor *c;
	struct strbuf path, target;
};

/* Marks each inode's first name and queues it on its layer's cursor. */
static int plan(void *userdata, const struct cn_tree_node *n, unsigned depth)
{
	(void)depth;
	struct exporter *x = userdata;
	struct cn_tree_inode *ino = n->ino;
	if (ino->implicit || ino->aux)
		return 0;
	struct cursor *c = &x->c[ino->layer];
	ALLOC_GROW(c->v, c->n + 1, c->alloc);
	c->v[c->n++] = (struct pending){ .entry = ino->entry, .primary = n };
	ino->aux = &x->c[ino->layer]; /* any non-NULL: planned (pointed at its pending below) */
	return 0;
}

static int pending_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct pending *)a)->entry, y = ((const struct pending *)b)->entry;
	return x < y ? -1 : x > y;
}

static void cursor_close(struct cursor *c)
{
	c->tar = cn_tar_free(c->tar);
	c->st = cn_layer_stream_free(c->st);
}

static int copy_data(struct cn_tar *t, struct cn_tar_writer *w, int64_t size, struct cn_error *err)
{
	static const char zeros[4096];
	const void *buf;
	size_t len;
	int64_t off, pos = 0;
	int r;
	while ((r = cn_tar_data(t, &buf, &len, &off, err)) > 0) {
		while (pos < off) {
			size_t k = (size_t)MIN((int64_t)sizeof(zeros), off - pos);
			if ((r = cn_tar_writer_data(w, zeros, k, err)) < 0)
				return r;
			pos += (int64_t)k;
		}
		if ((r = cn_tar_writer_data(w, buf, len, err)) < 0)
			return r;
		pos = off + (int64_t)len;
	}
	if (r < 0)
		return r;
	while (pos < size) {
		size_t k = (size_t)MIN((int64_t)sizeof(zeros), size - pos);
		if ((r = cn_tar_writer_data(w, zeros, k, err)) < 0)
			return r;
		pos += (int64_t)k;
	}
	return 0;
}

/* Writes the layer entry `src` (with its data) under the name of `p`. */
static int write_pending(struct exporter *x, struct cursor *c, struct archive_entry *src,
			 struct pending *p)
{
	strbuf_reset(&x->path);
	cn_tree_path(p->primary, &x->path);
	struct archive_entry *e = archive_entry_clone(src);
	if (!e)
		abort();
	archive_entry_set_pathname(e, x->path.buf + 1);
	archive_entry_set_hardlink(e, NULL);
	int64_t size = archive_entry_filetype(e) == AE_IFREG ? archive_entry_size(e) : 0;
	archive_entry_set_size(e, size);
	int r = cn_tar_writer_header(x->w, e, x->err);
	if (r >= 0 && size)
		r = copy_data(c->tar, x->w, size, x->err);
	archive_entry_free(e);
	p->done = true;
	return r;
}

/* Moves layer l's cursor past the entry of `target`, writing every pending entry it passes. */
static int advance(struct exporter *x, size_t l, struct pending *target)
{
	struct cursor *c = &x->c[l];
	int r;
	if (!c->st) {
		r = cn_layer_open(x->s, &x->m->layers[l], false, &c->st, x->err);
		if (r < 0)
			return r;
		c->tar = cn_tar_open(c->st);
	}
	while (!target->done) {
		struct archive_entry *e;
		r = cn_tar_next(c->tar, &e, x->err);
		if (r <= 0)
			return r < 0 ? r
				     : cn_error_set(x->err, -EBADMSG, "layer changed while read");
		uint64_t ordinal = c->ordinal++;
		if (c->next < c->n && c->v[c->next].entry == ordinal) {
			struct pending *p = &c->v[c->next++];
			if (!p->done && (r = write_pending(x, c, e, p)) < 0)
				return r;
		}
	}
	if (c->next == c->n)
		cursor_close(c); /* nothing more to read from this layer */
	return 0;
}

static int write_implicit_dir(struct exporter *x, const char *path)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	int r = cn_tar_writer_header(x->w, e, x->err);
	archive_entry_free(e);
	return r;
}

/* Another name of an inode already written: a hardlink to its first name. */
static int write_link(struct exporter *x, const struct cn_tree_node *n, const struct pending *p)
{
	const struct cn_tree_inode *ino = n->ino;
	strbuf_reset(&x->target);
	cn_tree_path(p->primary, &x->target);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, x->path.buf + 1);
	archive_entry_set_hardlink(e, x->target.buf + 1);
	archive_entry_set_filetype(e, ino->mode & S_IFMT);
	archive_entry_set_perm(e, ino->mode & 07777);
	archive_entry_set_uid(e, ino->uid);
	archive_entry_set_gid(e, ino->gid);
	archive_entry_set_mtime(e, ino->mtime, 0);
	archive_entry_set_size(e, 0);
	int r = cn_tar_writer_header(x->w, e, x->err);
	archive_entry_free(e);
	return r;
}

static int emit(void *userdata, const struct cn_tree_node *n, unsigned depth)
{
	(void)depth;
	struct exporter *x = userdata;
	struct cn_tree_inode *ino = n->ino;
	strbuf_reset(&x->path);
	cn_tree_path(n, &x->path);
	if (ino->implicit)
		return write_implicit_dir(x, x->path.buf + 1);
	struct pending *p = ino->aux;
	if (p->primary != n)
		return write_link(x, n, p);
	if (p->done)
		return 0; /* written early, when its layer's cursor passed it */
	int r = advance(x, ino->layer, p);
	if (r < 0) {
		char label[CN_LAYER_LABEL_MAX];
		cn_layer_label(label, sizeof(label), ino->layer, x->m->n_layers,
			       &x->m->layers[ino->layer].digest);
		cn_error_prefix(x->err, r, "%s", label);
	}
	return r;
}

int cn_export_image(struct cn_store *s, const struct cn_resolved *img, struct cn_tar_writer *w,
		    struct cn_error *err)
{
	const struct cn_manifest *m = img->manifest;
	cleanup_tree struct cn_tree *t = NULL;
	int r = cn_image_tree(s, img, SIZE_MAX, 0, SIZE_MAX, NULL, NULL, &t, NULL, err);
	if (r < 0)
		return r;

	struct exporter x = {
		.s = s,
		.m = m,
		.w = w,
		.err = err,
		.c = xcalloc(m->n_layers ? m->n_layers : 1, sizeof(struct cursor)),
	};
	strbuf_init(&x.path, 256);
	strbuf_init(&x.target, 256);
	cn_tree_walk(t->root, plan, &x);
	for (size_t l = 0; l < m->n_layers; l++) {
		struct cursor *c = &x.c[l];
		qsort(c->v, c->n, sizeof(*c->v), pending_cmp);
		for (size_t i = 0; i < c->n; i++)
			c->v[i].primary->ino->aux = &c->v[i];
	}
	r = cn_tree_walk(t->root, emit, &x);
	for (size_t l = 0; l < m->n_layers; l++) {
		cursor_close(&x.c[l]);
		free(x.c[l].v);
	}
	free(x.c);
	strbuf_release(&x.path);
	strbuf_release(&x.target);
	return r;
}
