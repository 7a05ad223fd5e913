#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_BUF (256u << 10)

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/fd.h"
#include "lib/layer/export.h"
#include "lib/layer/tar.h"
#include "lib/layer/unpack.h"

/*
 * The output is in tree order (parents first, a directory's entries together, as `docker export`
 * writes it; `tar -x` then restores directory times right), but each layer's data can only be
 * read in that layer's order. So every layer holding surviving entries gets a cursor (its own
 * stream, opened when first needed), and the walk over the final tree pulls each entry from its
 * layer's cursor. Layers written in tree order (most tools sort) are read straight through; an
 * entry a cursor must pass before its turn (a layer in readdir order) is spooled: its header
 * kept in memory, its data in an unnamed temporary file in the store's state directory, until
 * the walk reaches it.
 */

/* An inode to write: entry `entry` of its layer, under the name `primary` (its first in tree
 * order); its other names become hardlinks to that one. */
struct pending {
	uint64_t entry;
	const struct cn_tree_node *primary;
	bool done;
	struct archive_entry *spooled; /* passed early: its header, data at spool_off */
	uint64_t spool_off;
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
	int spool_fd; /* -1 until needed */
	uint64_t spool_size;
	char *buf;
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

static int to_writer(void *userdata, const void *buf, size_t len, struct cn_error *err)
{
	return cn_tar_writer_data(userdata, buf, len, err);
}

static int to_spool(void *userdata, const void *buf, size_t len, struct cn_error *err)
{
	int r = cn_write_full(*(int *)userdata, buf, len);
	return r < 0 ? cn_error_errno(err, r, "spool file") : 0;
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
		r = cn_tar_copy_data(c->tar, size, to_writer, x->w, x->err);
	archive_entry_free(e);
	p->done = true;
	return r;
}

/* Keeps an entry met before its turn: header in memory, data appended to the spool file. */
static int spool(struct exporter *x, struct cursor *c, struct archive_entry *e, struct pending *p)
{
	if (x->spool_fd < 0) {
		x->spool_fd = cn_store_tmpfile(x->s);
		if (x->spool_fd < 0)
			return cn_error_errno(x->err, x->spool_fd, "cannot create a spool file");
		x->buf = xmalloc(SPOOL_BUF);
	}
	p->spooled = archive_entry_clone(e);
	if (!p->spooled)
		abort();
	p->spool_off = x->spool_size;
	int64_t size = archive_entry_filetype(e) == AE_IFREG ? archive_entry_size(e) : 0;
	/* holes of sparse files are written as zeros: the spool is not sparse-aware */
	int r = size ? cn_tar_copy_data(c->tar, size, to_spool, &x->spool_fd, x->err) : 0;
	if (r < 0)
		return r;
	x->spool_size += (uint64_t)size; /* the data was appended: the fd is at its end */
	return 0;
}

/* Writes a spooled entry at its turn. */
static int unspool(struct exporter *x, struct pending *p)
{
	struct archive_entry *e = p->spooled;
	strbuf_reset(&x->path);
	cn_tree_path(p->primary, &x->path);
	archive_entry_set_pathname(e, x->path.buf + 1);
	archive_entry_set_hardlink(e, NULL);
	int64_t size = archive_entry_filetype(e) == AE_IFREG ? archive_entry_size(e) : 0;
	archive_entry_set_size(e, size);
	int r = cn_tar_writer_header(x->w, e, x->err);
	for (int64_t done = 0; r >= 0 && done < size;) {
		size_t k = (size_t)MIN((int64_t)SPOOL_BUF, size - done);
		ssize_t n = pread(x->spool_fd, x->buf, k, (off_t)(p->spool_off + (uint64_t)done));
		if (n <= 0)
			return cn_error_errno(x->err, n < 0 ? -errno : -EIO, "spool file");
		r = cn_tar_writer_data(x->w, x->buf, (size_t)n, x->err);
		done += n;
	}
	archive_entry_free(e);
	p->spooled = NULL;
	p->done = true;
	return r;
}

/* Moves layer l's cursor to the entry of `target` and writes it; entries it passes on the way
 * that are still to come in tree order are spooled. */
static int advance(struct exporter *x, size_t l, struct pending *target)
{
	struct cursor *c = &x->c[l];
	int r;
	if (!c->st) {
		r = cn_layer_open(x->s, &x->m->layers[l], CN_LAYER_STREAM_LIGHT, &c->st, x->err);
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
			r = p == target ? write_pending(x, c, e, p) : spool(x, c, e, p);
			if (r < 0)
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
	int r = p->spooled ? unspool(x, p) : advance(x, ino->layer, p);
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
		.spool_fd = -1,
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
		if (c->n)
			qsort(c->v, c->n, sizeof(*c->v), pending_cmp);
		for (size_t i = 0; i < c->n; i++)
			c->v[i].primary->ino->aux = &c->v[i];
	}
	r = cn_tree_walk(t->root, emit, &x);
	for (size_t l = 0; l < m->n_layers; l++) {
		cursor_close(&x.c[l]);
		for (size_t i = 0; i < x.c[l].n; i++)
			archive_entry_free(x.c[l].v[i].spooled);
		free(x.c[l].v);
	}
	if (x.spool_fd >= 0)
		close(x.spool_fd);
	free(x.buf);
	free(x.c);
	strbuf_release(&x.path);
	strbuf_release(&x.target);
	return r;
}
