/*
 * Assembly: the walks of an image's layers (bottom first) merged into one package list.
 *  - Whiteouts and opaque directories of layer N hide the paths (and everything below) that
 *    layers < N wrote; an entry in layer N makes a new version of its path.
 *  - Only the final version of each path counts. A package in it was added by the earliest
 *    layer L such that every version of the path from L to the final one declares the same
 *    package (type, name, version, arch): a version bump in a later layer is that layer's.
 *  - Facts about packages declared elsewhere (dpkg's info/NAME.list, doc/NAME/copyright) are
 *    attached to the packages of the same cataloger with that name.
 *  - A language package whose file an OS package installed is flagged CN_PKG_OS_OWNED.
 */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/strbuf.h"
#include "lib/layer/tar.h"
#include "lib/sbom/sbom-internal.h"

struct version {
	uint32_t layer;
	struct sbom_entry *e;
};

struct pathrec {
	const char *path; /* borrowed from the first entry that made it */
	struct version *v;
	size_t nv, alloc; /* nv == 0: deleted */
};

struct state {
	struct pathrec *recs; /* sorted by path */
	size_t n;
};

/* The index of the first record whose path is >= key. */
static size_t lower_bound(const struct state *st, const char *key)
{
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(st->recs[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Deletes `path` itself (when `self`) and everything below it; "" is the root. */
static void delete_tree(struct state *st, const char *path, bool self)
{
	if (!path[0]) {
		for (size_t i = 0; i < st->n; i++)
			st->recs[i].nv = 0;
		return;
	}
	size_t i = lower_bound(st, path);
	if (self && i < st->n && strcmp(st->recs[i].path, path) == 0)
		st->recs[i].nv = 0;
	cleanup_free char *prefix = xasprintf("%s/", path);
	size_t len = strlen(prefix);
	for (i = lower_bound(st, prefix); i < st->n && strncmp(st->recs[i].path, prefix, len) == 0;
	     i++)
		st->recs[i].nv = 0;
}

static void push_version(struct pathrec *r, uint32_t layer, struct sbom_entry *e)
{
	ALLOC_GROW(r->v, r->nv + 1, r->alloc);
	r->v[r->nv++] = (struct version){ layer, e };
}

static int entry_cmp(const void *a, const void *b)
{
	const struct sbom_entry *x = *(struct sbom_entry *const *)a;
	const struct sbom_entry *y = *(struct sbom_entry *const *)b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Adds layer `li`'s entries (the last of each path) as new versions: a sorted merge. */
static void add_layer(struct state *st, struct sbom_layer_walk *w, uint32_t li)
{
	if (!w->n_entries)
		return;
	struct sbom_entry **es = xcalloc(w->n_entries, sizeof(*es));
	for (size_t i = 0; i < w->n_entries; i++)
		es[i] = &w->entries[i];
	qsort(es, w->n_entries, sizeof(*es), entry_cmp);
	struct pathrec *out = xcalloc(st->n + w->n_entries, sizeof(*out));
	size_t n = 0, i = 0, k = 0;
	while (i < st->n || k < w->n_entries) {
		/* the last entry of a run of one path wins */
		while (k + 1 < w->n_entries && strcmp(es[k]->path, es[k + 1]->path) == 0)
			k++;
		int c = i >= st->n	    ? 1
			: k >= w->n_entries ? -1
					    : strcmp(st->recs[i].path, es[k]->path);
		if (c < 0) {
			out[n++] = st->recs[i++];
		} else if (c == 0) {
			out[n] = st->recs[i++];
			push_version(&out[n++], li, es[k++]);
		} else {
			out[n] = (struct pathrec){ .path = es[k]->path };
			push_version(&out[n++], li, es[k++]);
		}
	}
	free(es);
	free(st->recs);
	st->recs = out;
	st->n = n;
}

static void state_release(struct state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->recs[i].v);
	free(st->recs);
}

static const struct pathrec *find_rec(const struct state *st, const char *path)
{
	size_t i = lower_bound(st, path);
	if (i < st->n && strcmp(st->recs[i].path, path) == 0 && st->recs[i].nv)
		return &st->recs[i];
	return NULL;
}

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_package(const struct cn_package *a, const struct cn_package *b)
{
	return a->type == b->type && streq_null(a->name, b->name) &&
	       streq_null(a->version, b->version) && streq_null(a->arch, b->arch) &&
	       streq_null(a->group, b->group);
}

/* Does cataloger `cat`'s part of entry e declare p? `hint` is where it would likely be. */
static bool declares(const struct sbom_entry *e, const struct cn_cataloger *cat,
		     const struct cn_package *p, size_t hint)
{
	for (size_t k = 0; k < e->n_parts; k++) {
		const struct cn_found *f = &e->parts[k].found;
		if (e->parts[k].cat != cat)
			continue;
		if (hint < f->n_pkgs && same_package(&f->pkgs[hint], p))
			return true;
		for (size_t i = 0; i < f->n_pkgs; i++)
			if (same_package(&f->pkgs[i], p))
				return true;
	}
	return false;
}

struct assembly {
	struct cn_package *pkgs;
	const struct cn_cataloger **cats; /* who found pkgs[i] */
	size_t n, alloc, alloc_cats;
	struct sbom_part **facts; /* parts with an owner */
	size_t n_facts, alloc_facts;
};

static void take_packages(struct assembly *a, const struct pathrec *r, struct sbom_part *part)
{
	struct cn_found *f = &part->found;
	for (size_t i = 0; i < f->n_pkgs; i++) {
		struct cn_package *p = &f->pkgs[i];
		size_t j = r->nv - 1;
		while (j > 0 && declares(r->v[j - 1].e, part->cat, p, i))
			j--;
		ALLOC_GROW(a->pkgs, a->n + 1, a->alloc);
		ALLOC_GROW(a->cats, a->n + 1, a->alloc_cats);
		struct cn_package *out = &a->pkgs[a->n];
		*out = *p;
		memset(p, 0, sizeof(*p));
		free(out->found_in);
		out->found_in = xasprintf("/%s", r->path);
		out->layer = r->v[j].layer;
		a->cats[a->n++] = part->cat;
	}
	f->n_pkgs = 0;
	if (f->owner) {
		ALLOC_GROW(a->facts, a->n_facts + 1, a->alloc_facts);
		a->facts[a->n_facts++] = part;
	}
}

/* Follows symlinks from `path` within the final image (at most 8 hops). */
static const struct pathrec *resolve(const struct state *st, const char *path)
{
	cleanup_strbuf struct strbuf cur = STRBUF_INIT, next = STRBUF_INIT;
	strbuf_addstr(&cur, path);
	for (int hop = 0; hop < 8; hop++) {
		const struct pathrec *r = find_rec(st, cur.buf);
		if (!r)
			return NULL;
		const struct sbom_entry *e = r->v[r->nv - 1].e;
		if (!e->link)
			return r;
		strbuf_reset(&next);
		if (e->link[0] != '/') {
			const char *slash = strrchr(cur.buf, '/');
			if (slash)
				strbuf_add(&next, cur.buf, (size_t)(slash - cur.buf + 1));
		}
		strbuf_addstr(&next, e->link);
		if (cn_layer_path_clean(next.buf, &cur) < 0)
			return NULL;
	}
	return NULL;
}

/* Takes the os-release facts of the final image: etc/os-release, else usr/lib/os-release. */
static void take_os(struct cn_sbom *s, const struct state *st)
{
	static const char *const paths[] = { "etc/os-release", "usr/lib/os-release" };
	for (size_t i = 0; i < 2; i++) {
		const struct pathrec *r = resolve(st, paths[i]);
		if (!r)
			continue;
		struct sbom_entry *e = r->v[r->nv - 1].e;
		for (size_t k = 0; k < e->n_parts; k++) {
			struct cn_found *f = &e->parts[k].found;
			if (!f->os)
				continue;
			s->os = *f->os;
			free(f->os);
			f->os = NULL;
			return;
		}
	}
}

static int pkg_name_cmp(const void *x, const void *y, void *arg)
{
	const struct cn_package *pkgs = arg;
	return strcmp(pkgs[*(const size_t *)x].name, pkgs[*(const size_t *)y].name);
}

static void append_files(struct cn_package *p, char **files, size_t n, bool move)
{
	if (!n)
		return;
	p->files = xreallocarray(p->files, p->n_files + n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		p->files[p->n_files++] = move ? files[i] : xstrdup(files[i]);
}

/* Attaches each fact (owner NAME or NAME:ARCH) to the same cataloger's packages of that name. */
static void attach_facts(struct assembly *a)
{
	if (!a->n_facts || !a->n)
		return;
	cleanup_free size_t *idx = xcalloc(a->n, sizeof(size_t));
	size_t n = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->pkgs[i].name)
			idx[n++] = i;
	qsort_r(idx, n, sizeof(size_t), pkg_name_cmp, a->pkgs);
	for (size_t fi = 0; fi < a->n_facts; fi++) {
		struct sbom_part *part = a->facts[fi];
		struct cn_found *f = &part->found;
		cleanup_free char *name = xstrdup(f->owner);
		char *arch = strchr(name, ':');
		if (arch)
			*arch++ = '\0';
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (strcmp(a->pkgs[idx[mid]].name, name) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < n && strcmp(a->pkgs[idx[i]].name, name) == 0; i++) {
			struct cn_package *p = &a->pkgs[idx[i]];
			if (a->cats[idx[i]] != part->cat || (arch && !streq_null(arch, p->arch)))
				continue;
			append_files(p, f->files, f->n_files, false);
			if (f->license && !p->license)
				p->license = xstrdup(f->license);
		}
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_files(struct cn_package *p)
{
	if (p->n_files < 2)
		return;
	qsort(p->files, p->n_files, sizeof(char *), str_cmp);
	size_t n = 1;
	for (size_t i = 1; i < p->n_files; i++) {
		if (strcmp(p->files[i], p->files[n - 1]) == 0)
			free(p->files[i]);
		else
			p->files[n++] = p->files[i];
	}
	p->n_files = n;
}

static bool is_os_type(enum cn_pkg_type t)
{
	return t == CN_PKG_DEB || t == CN_PKG_APK || t == CN_PKG_RPM;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool owned(char **files, size_t n, const char *path)
{
	return n && bsearch(&path, files, n, sizeof(char *), str_cmp) != NULL;
}

/* Flags language packages whose file (or dist-info/egg-info directory) an OS package owns. */
static void mark_os_owned(struct cn_package *pkgs, size_t n_pkgs)
{
	size_t total = 0;
	for (size_t i = 0; i < n_pkgs; i++)
		if (is_os_type(pkgs[i].type))
			total += pkgs[i].n_files;
	if (!total)
		return;
	cleanup_free char **files = xcalloc(total, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < n_pkgs; i++)
		if (is_os_type(pkgs[i].type))
			for (size_t k = 0; k < pkgs[i].n_files; k++)
				files[n++] = pkgs[i].files[k];
	qsort(files, n, sizeof(char *), str_cmp);
	for (size_t i = 0; i < n_pkgs; i++) {
		struct cn_package *p = &pkgs[i];
		if (is_os_type(p->type) || !p->found_in)
			continue;
		bool hit = owned(files, n, p->found_in);
		const char *slash = strrchr(p->found_in, '/');
		if (!hit && slash && slash != p->found_in) {
			size_t len = (size_t)(slash - p->found_in);
			if (ends_with(p->found_in, len, ".dist-info") ||
			    ends_with(p->found_in, len, ".egg-info")) {
				cleanup_free char *dir = xstrndup(p->found_in, len);
				hit = owned(files, n, dir);
			}
		}
		if (hit)
			p->flags |= CN_PKG_OS_OWNED;
	}
}

void sbom_assemble(struct cn_sbom *s, struct sbom_layer_walk *layers, size_t n_layers)
{
	struct state st = { 0 };
	for (size_t li = 0; li < n_layers; li++) {
		struct sbom_layer_walk *w = &layers[li];
		for (size_t i = 0; i < w->n_whiteouts; i++)
			delete_tree(&st, w->whiteouts[i], true);
		for (size_t i = 0; i < w->n_opaques; i++)
			delete_tree(&st, w->opaques[i], false);
		add_layer(&st, w, (uint32_t)li);
	}
	take_os(s, &st);
	struct assembly a = { 0 };
	for (size_t i = 0; i < st.n; i++) {
		const struct pathrec *r = &st.recs[i];
		if (!r->nv)
			continue;
		struct sbom_entry *e = r->v[r->nv - 1].e;
		for (size_t k = 0; k < e->n_parts; k++)
			take_packages(&a, r, &e->parts[k]);
	}
	attach_facts(&a);
	for (size_t i = 0; i < a.n; i++)
		sort_files(&a.pkgs[i]);
	mark_os_owned(a.pkgs, a.n);
	free(a.cats);
	free(a.facts);
	state_release(&st);
	s->pkgs = a.pkgs;
	s->n_pkgs = a.n;
	cn_sbom_sort(s);
	cn_sbom_set_purls(s);
}
