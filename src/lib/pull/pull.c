#include "lib/pull/pull.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "lib/image/convert.h"
#include "lib/reference/reference.h"
#include "lib/registry/client.h"
#include "lib/registry/workers.h"

#define DEFAULT_CONCURRENT 3

/* Shared state of one pull; `workers.lock` serializes observer calls and counters. */
struct pull {
	struct cn_store *store;
	struct cn_registry *reg;
	const char *repo;
	const struct cn_pull_options *opts;
	struct cn_workers workers;
	size_t fetched, present;
	uint64_t bytes;
};

static void notify(struct pull *p, const struct cn_blob_job *j, enum cn_pull_blob_state st,
		   uint64_t done, uint64_t total)
{
	const struct cn_pull_observer *o = p->opts->observer;
	if (o && o->blob)
		o->blob(o->userdata, j->desc, j->is_layer, st, done, total);
}

struct progress_ctx {
	struct pull *p;
	const struct cn_blob_job *job;
};

static void on_progress(void *userdata, uint64_t done, uint64_t total)
{
	struct progress_ctx *c = userdata;
	pthread_mutex_lock(&c->p->workers.lock);
	notify(c->p, c->job, CN_PULL_BLOB_DOWNLOADING, done, total);
	pthread_mutex_unlock(&c->p->workers.lock);
}

static void run_job(void *userdata, struct cn_http *h, const struct cn_blob_job *j)
{
	struct pull *p = userdata;
	struct cn_error err = CN_ERROR_INIT;
	struct progress_ctx ctx = { p, j };
	uint64_t fetched = 0;
	int r = cn_registry_fetch_blob(p->reg, h, p->repo, j->desc, p->store, on_progress, &ctx,
				       &fetched, &err);
	pthread_mutex_lock(&p->workers.lock);
	p->bytes += fetched;
	if (r < 0) {
		notify(p, j, CN_PULL_BLOB_FAILED, 0, 0);
		cn_workers_fail(&p->workers, r, &err);
	} else if (r == 1) {
		p->present++;
		notify(p, j, CN_PULL_BLOB_EXISTS, 0, 0);
	} else {
		p->fetched++;
		notify(p, j, CN_PULL_BLOB_VERIFYING, (uint64_t)j->desc->size,
		       (uint64_t)j->desc->size);
		notify(p, j, CN_PULL_BLOB_COMPLETE, (uint64_t)j->desc->size,
		       (uint64_t)j->desc->size);
	}
	pthread_mutex_unlock(&p->workers.lock);
}

/* Downloads every queued blob with up to max_concurrent threads. */
static int run_jobs(struct pull *p, struct cn_error *err)
{
	struct cn_workers *w = &p->workers;
	for (size_t i = 0; i < w->n_jobs; i++)
		notify(p, &w->jobs[i], CN_PULL_BLOB_WAITING, 0, (uint64_t)w->jobs[i].desc->size);
	return cn_workers_run(
		w, p->opts->max_concurrent ? p->opts->max_concurrent : DEFAULT_CONCURRENT, err);
}

struct image {
	struct cn_fetched_manifest raw;
	struct cn_manifest *m;
	struct cn_descriptor oci; /* the OCI twin of a Docker manifest (see convert.h) */
	bool converted;
};

static int fetch_image(struct pull *p, struct cn_http *h, const struct cn_descriptor *d,
		       struct image *ret, struct cn_error *err)
{
	int r = cn_registry_get_manifest(p->reg, h, p->repo, d->digest.str, &ret->raw, err);
	if (r < 0)
		return r;
	r = cn_manifest_parse(ret->raw.body.buf, ret->raw.body.len, d->media_type, &ret->m, err);
	if (r >= 0 && ret->m->kind != CN_MANIFEST_IMAGE)
		r = cn_error_set(err, -EMEDIUMTYPE, "nested index %s is not supported",
				 d->digest.str);
	return r < 0 ? cn_error_prefix(err, r, "manifest %s", d->digest.str) : 0;
}

static int select_platforms(const struct cn_manifest *index, const struct cn_pull_options *opts,
			    size_t *ret_idx, size_t *ret_n, struct cn_error *err)
{
	struct cn_platform host, want;
	char buf[96];
	if (opts->all_platforms) {
		for (size_t i = 0; i < index->n_manifests; i++)
			ret_idx[i] = i;
		*ret_n = index->n_manifests;
		return index->n_manifests ? 0
					  : cn_error_set(err, -ENOENT, "index has no manifests");
	}
	cn_platform_host(&host);
	want = opts->platform ? *opts->platform : host;
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct cn_descriptor *d = &index->manifests[i];
		if (cn_platform_matches(&want, d->os, d->architecture, d->variant)) {
			ret_idx[0] = i;
			*ret_n = 1;
			return 0;
		}
	}
	struct strbuf avail = STRBUF_INIT;
	for (size_t i = 0; i < index->n_manifests && i < 16; i++) {
		const struct cn_descriptor *d = &index->manifests[i];
		if (d->os && d->architecture)
			strbuf_addf(&avail, "%s%s/%s%s%s", avail.len ? ", " : "", d->os,
				    d->architecture, d->variant ? "/" : "",
				    d->variant ? d->variant : "");
	}
	int r = cn_error_set(err, -ENOENT, "no image for platform %s in the index (available: %s)",
			     cn_platform_format(&want, buf, sizeof(buf)),
			     avail.len ? avail.buf : "none");
	strbuf_release(&avail);
	return r;
}

static void release_images(struct image *images, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cn_fetched_manifest_release(&images[i].raw);
		cn_manifest_free(images[i].m);
		free(images[i].oci.media_type);
	}
	free(images);
}

/* Stores each image's manifest after its blobs, so a stored manifest is always complete. */
static int store_manifests(struct pull *p, struct image *images, size_t n,
			   const struct cn_fetched_manifest *index, struct cn_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int r = cn_store_put_blob(p->store, images[i].raw.body.buf, images[i].raw.body.len,
					  &images[i].raw.digest, NULL, err);
		if (r < 0)
			return r;
	}
	if (index)
		return cn_store_put_blob(p->store, index->body.buf, index->body.len, &index->digest,
					 NULL, err);
	return 0;
}

/* The index.json name for a reference: by tag when it has one, else name@digest. */
static char *entry_name(const struct cn_reference *ref)
{
	cleanup_free char *name = cn_reference_name(ref);
	if (ref->digest)
		return xasprintf("%s@%s", name, ref->digest);
	return xasprintf("%s:%s", name, ref->tag);
}

static bool entry_unchanged(struct cn_store *s, const char *name, const struct cn_digest *d)
{
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	bool same = false;
	if (cn_store_list_tags(s, &tags, &n, NULL) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tags[i].name && strcmp(tags[i].name, name) == 0)
			same = cn_digest_equal(&tags[i].desc.digest, d);
	cn_store_tags_free(tags, n);
	return same;
}

/* What a pull tags: the whole index (--all-platforms) or the one image pulled. */
struct entry {
	const struct cn_manifest *index; /* NULL: tag images[0] */
	const struct cn_fetched_manifest *top;
	struct image *images;
	const size_t *sel; /* images[i] is index->manifests[sel[i]] */
	size_t n_sel;
};

/* Stores `body` as a blob and describes it as `media_type` in `ret`. */
static int put_described(struct pull *p, const struct strbuf *body, const char *media_type,
			 struct cn_descriptor *ret, struct cn_error *err)
{
	int r = cn_store_put_blob(p->store, body->buf, body->len, NULL, &ret->digest, err);
	if (r < 0)
		return r;
	ret->media_type = xstrdup(media_type);
	ret->size = (int64_t)body->len;
	return 0;
}

/* Gives every Docker schema 2 image its OCI twin, so skopeo's oci: transport and
 * oci-image-tool, which read only OCI-typed index.json entries, read the store as it is. */
static int convert_images(struct pull *p, struct image *images, size_t n, struct cn_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!cn_media_type_is_docker_manifest(images[i].m->media_type))
			continue;
		cleanup_strbuf struct strbuf oci = STRBUF_INIT;
		int r = cn_manifest_to_oci(images[i].m, &oci, err);
		if (r >= 0)
			r = put_described(p, &oci, CN_MT_OCI_MANIFEST, &images[i].oci, err);
		if (r < 0)
			return cn_error_prefix(err, r, "converting %s to OCI",
					       images[i].raw.digest.str);
		images[i].converted = true;
	}
	return 0;
}

/* The OCI twin of an index whose children (or itself) are Docker types; 0 with ret->size -1
 * when it needs none. */
static int convert_index(struct pull *p, const struct entry *e, struct cn_descriptor *ret,
			 struct cn_error *err)
{
	const struct cn_descriptor **children =
		xcalloc(e->index->n_manifests + 1, sizeof(*children));
	bool any = cn_media_type_is_docker_manifest(e->index->media_type);
	for (size_t i = 0; i < e->n_sel; i++) {
		if (e->images[i].converted) {
			children[e->sel[i]] = &e->images[i].oci;
			any = true;
		}
	}
	ret->size = -1;
	int r = 0;
	if (any) {
		cleanup_strbuf struct strbuf oci = STRBUF_INIT;
		r = cn_index_to_oci(e->index, children, &oci, err);
		if (r >= 0)
			r = put_described(p, &oci, CN_MT_OCI_INDEX, ret, err);
	}
	free(children);
	return r;
}

static int record_entry(struct pull *p, const struct cn_reference *ref, const struct entry *e,
			struct cn_pull_result *ret, struct cn_error *err)
{
	struct cn_descriptor d = { 0 }, oci_index = { .size = -1 };
	const char *source = NULL;
	int r = convert_images(p, e->images, e->n_sel, err);
	if (r >= 0 && e->index)
		r = convert_index(p, e, &oci_index, err);
	if (r < 0) {
		free(oci_index.media_type);
		return r;
	}
	if (e->index && oci_index.size >= 0) {
		d = oci_index;
		source = e->top->digest.str;
	} else if (e->index) {
		d = (struct cn_descriptor){ .media_type = e->index->media_type,
					    .digest = e->top->digest,
					    .size = (int64_t)e->top->body.len };
	} else if (e->images[0].converted) {
		d = e->images[0].oci;
		source = e->images[0].raw.digest.str;
	} else {
		d = (struct cn_descriptor){ .media_type = e->images[0].m->media_type,
					    .digest = e->images[0].raw.digest,
					    .size = (int64_t)e->images[0].raw.body.len };
	}
	ret->name = entry_name(ref);
	ret->digest = e->top->digest;
	ret->image = d.digest;
	ret->updated = !entry_unchanged(p->store, ret->name, &d.digest) || p->fetched > 0;
	r = cn_store_set_tag(p->store, ret->name, &d, e->top->digest.str, source, err);
	free(oci_index.media_type);
	return r;
}

static int pull_resolved(struct pull *p, struct cn_http *h, const struct cn_reference *ref,
			 struct cn_pull_result *ret, struct cn_error *err)
{
	struct cn_fetched_manifest top;
	cleanup_manifest struct cn_manifest *m = NULL;
	const char *want = ref->digest ? ref->digest : ref->tag;
	int r = cn_registry_get_manifest(p->reg, h, p->repo, want, &top, err);
	if (r < 0)
		return r;
	r = cn_manifest_parse(top.body.buf, top.body.len, top.content_type, &m, err);
	if (r < 0) {
		cn_fetched_manifest_release(&top);
		return cn_error_prefix(err, r, "registry %s: repository %s: manifest %s",
				       ref->domain, p->repo, want);
	}
	const struct cn_pull_observer *o = p->opts->observer;
	if (o && o->resolved)
		o->resolved(o->userdata, want, ref->path);

	size_t n_images = m->kind == CN_MANIFEST_INDEX ? m->n_manifests : 1;
	struct image *images = xcalloc(n_images ? n_images : 1, sizeof(*images));
	size_t *sel = xcalloc(n_images ? n_images : 1, sizeof(*sel));
	size_t n_sel = 0;
	if (m->kind == CN_MANIFEST_INDEX) {
		r = select_platforms(m, p->opts, sel, &n_sel, err);
		for (size_t i = 0; r >= 0 && i < n_sel; i++)
			r = fetch_image(p, h, &m->manifests[sel[i]], &images[i], err);
	} else {
		images[0].raw = top;
		images[0].m = TAKE_PTR(m);
		top = (struct cn_fetched_manifest){ STRBUF_INIT, "", images[0].raw.digest };
		n_sel = 1;
	}
	for (size_t i = 0; r >= 0 && i < n_sel; i++) {
		(void)cn_workers_add(&p->workers, &images[i].m->config, false);
		for (size_t k = 0; k < images[i].m->n_layers; k++)
			(void)cn_workers_add(&p->workers, &images[i].m->layers[k], true);
	}
	if (r >= 0)
		r = run_jobs(p, err);
	if (r >= 0)
		r = store_manifests(p, images, n_sel, p->opts->all_platforms && m ? &top : NULL,
				    err);
	if (r >= 0) {
		struct entry e = { .index = p->opts->all_platforms ? m : NULL,
				   .top = &top,
				   .images = images,
				   .sel = sel,
				   .n_sel = n_sel };
		r = record_entry(p, ref, &e, ret, err);
	}
	release_images(images, n_sel ? n_sel : 1);
	free(sel);
	cn_fetched_manifest_release(&top);
	return r;
}

int cn_pull(struct cn_store *store, const char *reference, const struct cn_pull_options *opts,
	    struct cn_pull_result *ret, struct cn_error *err)
{
	cleanup_reference struct cn_reference ref = { 0 };
	struct cn_registry_options ropts = { .config_dir = opts->config_dir,
					     .insecure = opts->insecure };
	struct pull p = { .store = store, .opts = opts };
	struct cn_pull_result res = { 0 };
	struct cn_http h = { 0 };
	int r = cn_reference_parse(reference, &ref, err);
	if (r < 0)
		return r;
	r = cn_registry_new(ref.domain, &ropts, &p.reg, err);
	if (r < 0)
		return r;
	p.repo = ref.path;
	cn_workers_init(&p.workers, run_job, &p);
	r = cn_http_init(&h);
	if (r >= 0)
		r = cn_registry_ping(p.reg, &h, err);
	if (r >= 0)
		r = pull_resolved(&p, &h, &ref, &res, err);
	cn_http_release(&h);
	cn_workers_release(&p.workers);
	cn_registry_free(p.reg);
	res.blobs_fetched = p.fetched;
	res.blobs_present = p.present;
	res.bytes_fetched = p.bytes;
	if (r < 0) {
		cn_pull_result_release(&res);
		return r;
	}
	*ret = res;
	return 0;
}

void cn_pull_result_release(struct cn_pull_result *r)
{
	free(r->name);
	r->name = NULL;
}
