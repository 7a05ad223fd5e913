/*
 * The layer walk: every layer of an image read once, straight from its blob in the store, each
 * regular file shown to the catalogers that want it and reduced right away to what they found.
 * Layers are independent until assembly, so several are read at once (one thread per layer up
 * to the core count); each yields its own entries and whiteouts, merged in layer order later.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "lib/image/manifest.h"
#include "lib/layer/stream.h"
#include "lib/layer/tar.h"
#include "lib/sbom/sbom-internal.h"
#include "lib/store/resolve.h"
#include "lib/store/store.h"

#define MAX_CATALOGERS 16
/* Wanted files plus whiteouts kept from one layer: a bound on what a hostile layer costs. */
#define LAYER_RECORDS_MAX (1u << 20)

void sbom_layer_walk_release(struct sbom_layer_walk *w)
{
	for (size_t i = 0; i < w->n_entries; i++) {
		struct sbom_entry *e = &w->entries[i];
		for (size_t k = 0; k < e->n_parts; k++)
			cn_found_release(&e->parts[k].found);
		free(e->parts);
		free(e->path);
		free(e->link);
	}
	free(w->entries);
	for (size_t i = 0; i < w->n_whiteouts; i++)
		free(w->whiteouts[i]);
	free(w->whiteouts);
	for (size_t i = 0; i < w->n_opaques; i++)
		free(w->opaques[i]);
	free(w->opaques);
	memset(w, 0, sizeof(*w));
}

static struct sbom_entry *add_entry(struct sbom_layer_walk *w, const char *path)
{
	ALLOC_GROW(w->entries, w->n_entries + 1, w->alloc_entries);
	struct sbom_entry *e = &w->entries[w->n_entries];
	*e = (struct sbom_entry){ .path = xstrdup(path), .seq = w->n_entries };
	w->n_entries++;
	return e;
}

static void add_part(struct sbom_entry *e, const struct cn_cataloger *cat, struct cn_found *f)
{
	e->parts = xreallocarray(e->parts, e->n_parts + 1, sizeof(*e->parts));
	e->parts[e->n_parts].cat = cat;
	e->parts[e->n_parts].found = *f;
	e->n_parts++;
	memset(f, 0, sizeof(*f));
}

static void add_path(char ***arr, size_t *n, size_t *alloc, char *path)
{
	ALLOC_GROW(*arr, *n + 1, *alloc);
	(*arr)[(*n)++] = path;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void package_copy(const struct cn_package *src, struct cn_package *dst)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->version = dup_or_null(src->version);
	dst->group = dup_or_null(src->group);
	dst->source_name = dup_or_null(src->source_name);
	dst->source_version = dup_or_null(src->source_version);
	dst->arch = dup_or_null(src->arch);
	dst->maintainer = dup_or_null(src->maintainer);
	dst->license = dup_or_null(src->license);
	dst->description = dup_or_null(src->description);
	dst->purl = dup_or_null(src->purl);
	dst->found_in = dup_or_null(src->found_in);
	dst->files = src->n_files ? xcalloc(src->n_files, sizeof(char *)) : NULL;
	for (size_t i = 0; i < src->n_files; i++)
		dst->files[i] = xstrdup(src->files[i]);
}

/*
 * What a hardlink to a file found earlier in the layer says: a deep copy of its packages and
 * os-release. Facts about a package named elsewhere are left out: parsers take that name from
 * the path (info/NAME.list), which the link does not share.
 */
static void found_copy(const struct cn_found *src, struct cn_found *dst)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n_pkgs; i++)
		package_copy(&src->pkgs[i], cn_found_add(dst));
	if (src->os) {
		dst->os = xcalloc(1, sizeof(*dst->os));
		dst->os->id = dup_or_null(src->os->id);
		dst->os->version_id = dup_or_null(src->os->version_id);
		dst->os->codename = dup_or_null(src->os->codename);
		dst->os->pretty_name = dup_or_null(src->os->pretty_name);
	}
}

/* Which catalogers want `path`, and how. Returns how many. */
static size_t who_wants(const char *path, mode_t mode, int64_t size,
			const struct cn_cataloger **ret_cats, enum cn_catalog_want *ret_wants)
{
	size_t n = 0;
	for (size_t i = 0; cn_catalogers[i] && n < MAX_CATALOGERS; i++) {
		const struct cn_cataloger *c = cn_catalogers[i];
		enum cn_catalog_want w = c->wants ? c->wants(path, mode, size) : CN_WANT_NONE;
		if (w == CN_WANT_WHOLE && !c->parse)
			w = CN_WANT_NONE;
		if (w == CN_WANT_STREAM && (!c->stream_begin || !c->stream_feed || !c->stream_end))
			w = CN_WANT_NONE;
		if (w == CN_WANT_NONE)
			continue;
		ret_cats[n] = c;
		ret_wants[n++] = w;
	}
	return n;
}

struct walker {
	struct sbom_layer_walk *w;
	struct cn_tar *tar;
	struct strbuf name, target, content;
	const struct cn_cataloger *cats[MAX_CATALOGERS];
	enum cn_catalog_want wants[MAX_CATALOGERS];
	size_t n_cats;
};

struct whole_sink {
	struct strbuf *sb;
	size_t max;
};

static int whole_append(void *userdata, const void *buf, size_t len, struct cn_error *err)
{
	struct whole_sink *s = userdata;
	if (len > s->max - s->sb->len)
		return cn_error_set(err, -EBADMSG, "entry data longer than its size");
	strbuf_add(s->sb, buf, len);
	return 0;
}

/* Runs parse() of every WHOLE cataloger over w->content and records the results. */
static void parse_whole(struct walker *wk, struct sbom_entry *e, const char *path)
{
	for (size_t i = 0; i < wk->n_cats; i++) {
		const struct cn_cataloger *c = wk->cats[i];
		if (wk->wants[i] != CN_WANT_WHOLE)
			continue;
		struct cn_found f = { 0 };
		struct cn_error perr = CN_ERROR_INIT;
		int r = c->parse(path, (const uint8_t *)wk->content.buf, wk->content.len, &f,
				 &perr);
		if (r < 0) {
			cn_log(CN_LOG_WARNING, "sbom: %s: /%s: %s", c->name, path,
			       cn_error_message(&perr, r));
			cn_found_release(&f);
			continue;
		}
		add_part(e, c, &f);
	}
}

/*
 * Feeds one block to every stream still reading. Returns how many stopped: those that need no
 * more (done) and those that failed (warned about, ended and dropped from `states`).
 */
static size_t feed_block(struct walker *wk, void **states, bool *done, const char *path,
			 const void *buf, size_t len)
{
	size_t stopped = 0;
	for (size_t i = 0; i < wk->n_cats; i++) {
		if (!states[i] || done[i])
			continue;
		struct cn_error perr = CN_ERROR_INIT;
		int r = wk->cats[i]->stream_feed(states[i], buf, len, &perr);
		if (r == 0)
			continue;
		done[i] = true;
		stopped++;
		if (r > 0)
			continue;
		cn_log(CN_LOG_WARNING, "sbom: %s: /%s: %s", wk->cats[i]->name, path,
		       cn_error_message(&perr, r));
		struct cn_found f = { 0 };
		(void)wk->cats[i]->stream_end(states[i], &f, &perr);
		cn_found_release(&f);
		states[i] = NULL;
	}
	return stopped;
}

/*
 * Shows the content to the STREAM catalogers block by block, until each has said it needs no
 * more; then end() fills each found. `whole` is the content when it was read already (for a
 * WHOLE cataloger), else NULL and the blocks come from the tar.
 */
static int stream_entry(struct walker *wk, struct sbom_entry *e, const char *path, int64_t size,
			const struct strbuf *whole, struct cn_error *err)
{
	void *states[MAX_CATALOGERS] = { 0 };
	bool done[MAX_CATALOGERS] = { 0 };
	size_t active = 0;
	for (size_t i = 0; i < wk->n_cats; i++) {
		if (wk->wants[i] != CN_WANT_STREAM)
			continue;
		states[i] = wk->cats[i]->stream_begin(path, size);
		active += states[i] != NULL;
	}
	int r = 0;
	const void *buf;
	size_t len;
	int64_t off, pos = 0;
	bool from_whole = whole != NULL, fed_whole = false, abandoned = false;
	while (active) {
		if (from_whole) {
			if (fed_whole)
				break;
			fed_whole = true;
			buf = whole->buf;
			len = whole->len;
			off = 0;
		} else {
			r = cn_tar_data(wk->tar, &buf, &len, &off, err);
			if (r <= 0)
				break;
			if (off != pos) {
				/* a sparse hole: the parsers want flat content, and holes are rare
				 * in what they read, so the file is given up rather than filled */
				abandoned = true;
				break;
			}
		}
		pos = off + (int64_t)len;
		active -= feed_block(wk, states, done, path, buf, len);
	}
	for (size_t i = 0; i < wk->n_cats; i++) {
		if (!states[i])
			continue;
		struct cn_found f = { 0 };
		struct cn_error perr = CN_ERROR_INIT;
		int er = wk->cats[i]->stream_end(states[i], &f, &perr);
		if (er < 0 || r < 0 || abandoned) {
			if (er < 0)
				cn_log(CN_LOG_WARNING, "sbom: %s: /%s: %s", wk->cats[i]->name, path,
				       cn_error_message(&perr, er));
			cn_found_release(&f);
			continue;
		}
		add_part(e, wk->cats[i], &f);
	}
	return r < 0 ? r : 0;
}

static int walk_regular(struct walker *wk, const char *path, int64_t size, struct cn_error *err)
{
	bool any_whole = false, any_stream = false;
	for (size_t i = 0; i < wk->n_cats; i++) {
		any_whole |= wk->wants[i] == CN_WANT_WHOLE;
		any_stream |= wk->wants[i] == CN_WANT_STREAM;
	}
	struct sbom_entry *e = add_entry(wk->w, path);
	e->size = size;
	if (any_whole && (size < 0 || (uint64_t)size > CN_CATALOG_WHOLE_MAX)) {
		cn_log(CN_LOG_WARNING, "sbom: /%s: %lld bytes, over the %u MiB limit: skipped",
		       path, (long long)size, CN_CATALOG_WHOLE_MAX >> 20);
		any_whole = false;
		for (size_t i = 0; i < wk->n_cats; i++)
			if (wk->wants[i] == CN_WANT_WHOLE)
				wk->wants[i] = CN_WANT_NONE;
	}
	if (!any_whole)
		return any_stream ? stream_entry(wk, e, path, size, NULL, err) : 0;
	strbuf_reset(&wk->content);
	strbuf_grow(&wk->content, (size_t)size);
	struct whole_sink sink = { &wk->content, (size_t)size };
	int r = cn_tar_copy_data(wk->tar, size, whole_append, &sink, err);
	if (r < 0)
		return r;
	parse_whole(wk, e, path);
	if (any_stream)
		return stream_entry(wk, e, path, size, &wk->content, err);
	return 0;
}

/*
 * A hardlink: what the file it links to (earlier in the same layer) said, for the catalogers
 * that want this path too. An unresolved link over a wanted path still hides older versions.
 */
static void walk_hardlink(struct walker *wk, const char *path, mode_t perm, const char *target)
{
	/* cheap filter first: nobody wants this path at any plausible size */
	mode_t mode = S_IFREG | (perm & 07777);
	if (!who_wants(path, mode, 4096, wk->cats, wk->wants) &&
	    !who_wants(path, mode, 16 << 20, wk->cats, wk->wants))
		return;
	size_t to = SIZE_MAX;
	for (size_t i = wk->w->n_entries; i-- > 0;) {
		if (strcmp(wk->w->entries[i].path, target) == 0) {
			to = i;
			break;
		}
	}
	int64_t size = to != SIZE_MAX ? wk->w->entries[to].size : 0;
	wk->n_cats = who_wants(path, mode, size, wk->cats, wk->wants);
	if (!wk->n_cats)
		return;
	struct sbom_entry *e = add_entry(wk->w, path);
	if (to == SIZE_MAX)
		return;
	const struct sbom_entry *from = &wk->w->entries[to]; /* after add_entry's realloc */
	e->size = from->size;
	for (size_t i = 0; i < wk->n_cats; i++) {
		for (size_t k = 0; k < from->n_parts; k++) {
			if (from->parts[k].cat != wk->cats[i])
				continue;
			struct cn_found f;
			found_copy(&from->parts[k].found, &f);
			add_part(e, wk->cats[i], &f);
		}
	}
}

static void record_whiteout(struct walker *wk, const struct cn_layer_name *n)
{
	struct sbom_layer_walk *w = wk->w;
	if (n->whiteout == CN_WHITEOUT_DIR) {
		add_path(&w->opaques, &w->n_opaques, &w->alloc_opaques,
			 xstrndup(n->path, n->dir_len));
		return;
	}
	char *p = n->dir_len ? xasprintf("%.*s/%s", (int)n->dir_len, n->path, n->whiteout_target)
			     : xstrdup(n->whiteout_target);
	add_path(&w->whiteouts, &w->n_whiteouts, &w->alloc_whiteouts, p);
}

static int walk_entry(struct walker *wk, struct archive_entry *ae, struct cn_error *err)
{
	const struct sbom_layer_walk *w = wk->w;
	if (w->n_entries + w->n_whiteouts + w->n_opaques >= LAYER_RECORDS_MAX)
		return cn_error_set(err, -E2BIG, "more than %u wanted files and whiteouts",
				    LAYER_RECORDS_MAX);
	struct cn_layer_name n;
	struct cn_error nerr = CN_ERROR_INIT;
	if (cn_layer_name_parse(ae, &wk->name, &n, &nerr) < 0) {
		cn_debug("sbom: skipping an entry: %s", nerr.msg);
		return 0;
	}
	if (!n.path[0])
		return 0;
	if (n.whiteout == CN_WHITEOUT_FILE || n.whiteout == CN_WHITEOUT_DIR) {
		record_whiteout(wk, &n);
		return 0;
	}
	if (n.whiteout != CN_WHITEOUT_NONE)
		return 0;
	const char *hardlink = archive_entry_hardlink(ae);
	mode_t type = archive_entry_filetype(ae);
	if (hardlink) {
		if (cn_layer_path_clean(hardlink, &wk->target) == 0)
			walk_hardlink(wk, n.path, archive_entry_perm(ae), wk->target.buf);
		return 0;
	}
	if (type == AE_IFREG) {
		wk->n_cats = who_wants(n.path, archive_entry_mode(ae), archive_entry_size(ae),
				       wk->cats, wk->wants);
		if (!wk->n_cats)
			return 0;
		int r = walk_regular(wk, n.path, archive_entry_size(ae), err);
		if (r < 0)
			return cn_layer_entry_error(err, r, ae);
		return 0;
	}
	if (type == AE_IFDIR)
		return 0;
	/* a symlink (or device, fifo) over a wanted path hides what was there */
	if (!who_wants(n.path, S_IFREG | 0644, 1, wk->cats, wk->wants))
		return 0;
	struct sbom_entry *e = add_entry(wk->w, n.path);
	const char *link = type == AE_IFLNK ? archive_entry_symlink(ae) : NULL;
	e->link = link ? xstrdup(link) : NULL;
	return 0;
}

int sbom_walk_fd(int fd, struct sbom_layer_walk *ret, struct cn_error *err)
{
	cleanup_layer_stream struct cn_layer_stream *s = NULL;
	int r = cn_layer_stream_open_flags(fd, 0, &s, err);
	if (r < 0)
		return r;
	cleanup_tar struct cn_tar *t = cn_tar_open(s);
	struct walker wk = { .w = ret, .tar = t };
	strbuf_init(&wk.name, 256);
	strbuf_init(&wk.target, 256);
	strbuf_init(&wk.content, 0);
	struct archive_entry *ae;
	while ((r = cn_tar_next(t, &ae, err)) == 1) {
		r = walk_entry(&wk, ae, err);
		if (r < 0)
			break;
	}
	strbuf_release(&wk.name);
	strbuf_release(&wk.target);
	strbuf_release(&wk.content);
	return r < 0 ? r : 0;
}

/* ------------------------------------------------------------------ the image */

struct walk_job {
	struct cn_store *store;
	const struct cn_descriptor *layers;
	struct sbom_layer_walk *walks;
	int *results;
	struct cn_error *errors;
	size_t n;
	atomic_size_t next;
};

static int walk_one(struct walk_job *j, size_t i)
{
	struct cn_error *err = &j->errors[i];
	const struct cn_digest *d = &j->layers[i].digest;
	int fd = cn_store_open_blob(j->store, d);
	if (fd < 0)
		return cn_error_errno(err, fd, "layer %s", d->str);
	int r = sbom_walk_fd(fd, &j->walks[i], err);
	if (r < 0)
		return cn_error_prefix(err, r, "layer %s", d->str);
	return 0;
}

static void *walk_thread(void *userdata)
{
	struct walk_job *j = userdata;
	size_t i;
	while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
		j->results[i] = walk_one(j, i);
	return NULL;
}

/* Walks every layer, `threads` at a time. Returns the first failing layer's error. */
static int walk_layers(struct walk_job *j, struct cn_error *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t threads = cpus > 0 ? (size_t)cpus : 1;
	if (threads > j->n)
		threads = j->n;
	if (threads > 16)
		threads = 16;
	pthread_t tids[16];
	size_t started = 0;
	for (size_t i = 1; i < threads; i++) {
		if (pthread_create(&tids[started], NULL, walk_thread, j) != 0)
			break;
		started++;
	}
	walk_thread(j);
	for (size_t i = 0; i < started; i++)
		(void)pthread_join(tids[i], NULL);
	for (size_t i = 0; i < j->n; i++) {
		if (j->results[i] < 0) {
			*err = j->errors[i];
			return j->results[i];
		}
	}
	return 0;
}

/* Layer i's digest, diff_id, size and CREATED BY (history entries with empty_layer skipped). */
static void fill_layers(struct cn_sbom *s, const struct cn_resolved *img)
{
	const struct cn_manifest *m = img->manifest;
	const struct cn_image_config *c = img->config;
	s->n_layers = m->n_layers;
	s->layers = xcalloc(m->n_layers ? m->n_layers : 1, sizeof(*s->layers));
	for (size_t i = 0; i < m->n_layers; i++) {
		s->layers[i].digest = m->layers[i].digest;
		s->layers[i].size = m->layers[i].size > 0 ? (uint64_t)m->layers[i].size : 0;
		if (c && i < c->n_diff_ids)
			s->layers[i].diff_id = c->diff_ids[i];
	}
	for (size_t h = 0, next = 0; c && h < c->n_history && next < m->n_layers; h++) {
		if (c->history[h].empty_layer)
			continue;
		s->layers[next++].created_by = dup_or_null(c->history[h].created_by);
	}
}

int cn_sbom_build(struct cn_store *store, const struct cn_resolved *img, struct cn_sbom **ret,
		  struct cn_error *err)
{
	const struct cn_manifest *m = img->manifest;
	cleanup_sbom struct cn_sbom *s = cn_sbom_new();
	s->image = dup_or_null(img->tag.name);
	s->manifest_digest = img->manifest_desc.digest;
	s->image_id = img->id;
	if (img->config) {
		s->architecture = dup_or_null(img->config->architecture);
		s->image_os = dup_or_null(img->config->os);
	}
	s->created = (int64_t)time(NULL);
	fill_layers(s, img);

	size_t n = m->n_layers;
	struct walk_job j = {
		.store = store,
		.layers = m->layers,
		.walks = xcalloc(n ? n : 1, sizeof(struct sbom_layer_walk)),
		.results = xcalloc(n ? n : 1, sizeof(int)),
		.errors = xcalloc(n ? n : 1, sizeof(struct cn_error)),
		.n = n,
	};
	atomic_init(&j.next, 0);
	int r = n ? walk_layers(&j, err) : 0;
	if (r >= 0)
		sbom_assemble(s, j.walks, n);
	for (size_t i = 0; i < n; i++)
		sbom_layer_walk_release(&j.walks[i]);
	free(j.walks);
	free(j.results);
	free(j.errors);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}
