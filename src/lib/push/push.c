#include "lib/push/push.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "lib/image/platform.h"
#include "lib/reference/reference.h"
#include "lib/store/resolve.h"
#include "lib/registry/client.h"
#include "lib/registry/workers.h"

#define DEFAULT_CONCURRENT 5

/* A blob some other repository of the same registry references (per the store's tags). */
struct known_blob {
	struct cn_digest digest;
	char *repo; /* borrowed from push.repos */
};

/* Shared state of one push; `workers.lock` serializes observer calls and counters. */
struct push {
	struct cn_store *store;
	struct cn_registry *reg;
	const char *domain;
	const char *repo;
	const struct cn_push_options *opts;
	char **repos; /* other repositories of the registry named by the store's tags */
	size_t n_repos, alloc_repos;
	struct known_blob *known;
	size_t n_known, alloc_known;
	struct cn_workers workers;
	struct cn_push_result *res;
};

/* One manifest to push: its exact bytes and parsed form. */
struct image {
	struct strbuf raw;
	struct cn_digest digest;
	struct cn_manifest *m;
};

static void image_release(struct image *im)
{
	strbuf_release(&im->raw);
	cn_manifest_free(im->m);
	im->m = NULL;
}

static void notify(struct push *p, const struct cn_blob_job *j, enum cn_push_blob_state st,
		   uint64_t done, uint64_t total, const char *from)
{
	const struct cn_push_observer *o = p->opts->observer;
	if (o && o->blob)
		o->blob(o->userdata, j->desc, j->is_layer, st, done, total, from);
}

static bool is_foreign_layer(const char *mt)
{
	return mt && (strstr(mt, ".nondistributable.") || strstr(mt, ".foreign."));
}

static const char *mount_source(struct push *p, const struct cn_digest *d)
{
	for (size_t i = 0; i < p->n_known; i++)
		if (cn_digest_equal(&p->known[i].digest, d))
			return p->known[i].repo;
	return NULL;
}

struct progress_ctx {
	struct push *p;
	const struct cn_blob_job *job;
};

static void on_progress(void *userdata, uint64_t done, uint64_t total)
{
	struct progress_ctx *c = userdata;
	pthread_mutex_lock(&c->p->workers.lock);
	notify(c->p, c->job, CN_PUSH_BLOB_PUSHING, done, total, NULL);
	pthread_mutex_unlock(&c->p->workers.lock);
}

static void run_job(void *userdata, struct cn_http *h, const struct cn_blob_job *j)
{
	struct push *p = userdata;
	struct cn_error err = CN_ERROR_INIT;
	struct progress_ctx ctx = { p, j };
	uint64_t sent = 0;
	const char *from = mount_source(p, &j->desc->digest);
	cleanup_close int fd = cn_store_open_blob(p->store, &j->desc->digest);
	int r = fd;
	if (fd == -ENOENT && is_foreign_layer(j->desc->media_type)) {
		pthread_mutex_lock(&p->workers.lock);
		notify(p, j, CN_PUSH_BLOB_SKIPPED, 0, 0, NULL);
		pthread_mutex_unlock(&p->workers.lock);
		return;
	}
	if (fd < 0) {
		r = cn_error_errno(&err, fd, "blob %s: not in the local store",
				   j->desc->digest.str);
	} else {
		struct cn_blob_upload up = { .desc = j->desc,
					     .fd = fd,
					     .mount_from = from,
					     .chunk_size = p->opts->chunk_size,
					     .progress = on_progress,
					     .userdata = &ctx };
		r = cn_registry_push_blob(p->reg, h, p->repo, &up, &sent, &err);
	}
	pthread_mutex_lock(&p->workers.lock);
	p->res->bytes_uploaded += sent;
	if (r < 0) {
		notify(p, j, CN_PUSH_BLOB_FAILED, 0, 0, NULL);
		cn_workers_fail(&p->workers, r, &err);
	} else if (r == CN_BLOB_EXISTED) {
		p->res->blobs_existed++;
		notify(p, j, CN_PUSH_BLOB_EXISTS, 0, 0, NULL);
	} else if (r == CN_BLOB_MOUNTED) {
		p->res->blobs_mounted++;
		notify(p, j, CN_PUSH_BLOB_MOUNTED, 0, 0, from);
	} else {
		uint64_t size = (uint64_t)j->desc->size;
		p->res->blobs_uploaded++;
		notify(p, j, CN_PUSH_BLOB_PUSHED, size, size, NULL);
	}
	pthread_mutex_unlock(&p->workers.lock);
}

/* Queues `d` unless queued already (in this phase or an earlier one). */
static void add_job(struct push *p, const struct cn_descriptor *d, bool is_layer)
{
	const struct cn_blob_job *j = cn_workers_add(&p->workers, d, is_layer);
	if (j)
		notify(p, j, CN_PUSH_BLOB_PREPARING, 0, (uint64_t)d->size, NULL);
}

/* Uploads the jobs queued since the last call with up to max_concurrent threads. */
static int run_jobs(struct push *p, struct cn_error *err)
{
	struct cn_workers *w = &p->workers;
	unsigned n = cn_workers_threads(w, p->opts->max_concurrent ? p->opts->max_concurrent
								   : DEFAULT_CONCURRENT);
	for (size_t i = (size_t)n + w->next_job; i < w->n_jobs; i++)
		notify(p, &w->jobs[i], CN_PUSH_BLOB_WAITING, 0, (uint64_t)w->jobs[i].desc->size,
		       NULL);
	return cn_workers_run(w, n, err);
}

static int known_blob(void *userdata, const struct cn_descriptor *d, bool present)
{
	struct push *p = userdata;
	if (!present || mount_source(p, &d->digest))
		return 0;
	ALLOC_GROW(p->known, p->n_known + 1, p->alloc_known);
	p->known[p->n_known++] = (struct known_blob){ d->digest, p->repos[p->n_repos - 1] };
	return 0;
}

/* Which blobs other repositories of this registry reference, per the store's tags (images
 * pulled from or pushed there): mount candidates. Best effort: errors only cost a mount. */
static void learn_mount_sources(struct push *p, const struct cn_store_tag *tags, size_t n)
{
	const char *domain = p->domain;
	for (size_t i = 0; i < n; i++) {
		struct cn_reference ref;
		if (!tags[i].name || cn_reference_parse(tags[i].name, &ref, NULL) < 0)
			continue;
		if (strcmp(ref.domain, domain) == 0 && strcmp(ref.path, p->repo) != 0) {
			ALLOC_GROW(p->repos, p->n_repos + 1, p->alloc_repos);
			p->repos[p->n_repos++] = xstrdup(ref.path);
			(void)cn_store_walk_tag(p->store, &tags[i], known_blob, p, NULL);
		}
		cn_reference_release(&ref);
	}
}

/* The index.json name for a reference: by tag when it has one, else name@digest. */
static char *entry_name(const struct cn_reference *ref)
{
	cleanup_free char *name = cn_reference_name(ref);
	if (ref->tag)
		return xasprintf("%s:%s", name, ref->tag);
	return xasprintf("%s@%s", name, ref->digest);
}

/* Finds the entry `name` (copied into ret) and notes mount candidates on the way. */
static int find_entry(struct push *p, const char *name, struct cn_store_tag *ret,
		      struct cn_error *err)
{
	struct cn_store_tag *tags = NULL;
	size_t n = 0;
	int r = cn_store_list_tags(p->store, &tags, &n, err);
	if (r < 0)
		return r;
	r = cn_error_set(err, -ENOENT, "An image does not exist locally with the tag: %s", name);
	for (size_t i = 0; i < n; i++) {
		if (tags[i].name && strcmp(tags[i].name, name) == 0) {
			cn_store_tag_copy(&tags[i], ret);
			cn_error_clear(err);
			r = 0;
			break;
		}
	}
	if (r >= 0)
		learn_mount_sources(p, tags, n);
	cn_store_tags_free(tags, n);
	return r;
}

/* Reads and parses manifest `d` from the store; `what` names it in errors. */
static int load_image(struct push *p, const struct cn_digest *d, const char *media_type,
		      const char *what, struct image *ret, struct cn_error *err)
{
	int r = cn_store_read_blob(p->store, d, CN_MANIFEST_MAX, &ret->raw, err);
	if (r == -ENOENT)
		return cn_error_set(err, r, "%s %s is not in the local store%s", what, d->str,
				    p->opts->all_platforms ? " (pull it with --all-platforms)"
							   : "");
	if (r >= 0)
		r = cn_manifest_parse(ret->raw.buf, ret->raw.len, media_type, &ret->m, err);
	if (r < 0)
		return cn_error_prefix(err, r, "%s %s", what, d->str);
	ret->digest = *d;
	return 0;
}

/* The manifest the entry stands for: the registry's original bytes when it was converted. */
static int load_top(struct push *p, const struct cn_store_tag *tag, struct image *ret,
		    struct cn_error *err)
{
	struct cn_digest d;
	if (tag->source_digest) {
		if (cn_digest_parse(tag->source_digest, &d) < 0)
			return cn_error_set(err, -EBADMSG, "bad source digest \"%s\" in index.json",
					    tag->source_digest);
		return load_image(p, &d, NULL, "manifest", ret, err);
	}
	return load_image(p, &tag->desc.digest, tag->desc.media_type, "manifest", ret, err);
}

static int host_child(const struct cn_manifest *index, size_t *ret, struct cn_error *err)
{
	struct cn_platform host;
	char buf[96];
	cn_platform_host(&host);
	for (size_t i = 0; i < index->n_manifests; i++) {
		const struct cn_descriptor *d = &index->manifests[i];
		if (cn_platform_matches(&host, d->os, d->architecture, d->variant)) {
			*ret = i;
			return 0;
		}
	}
	return cn_error_set(err, -ENOENT,
			    "the index has no image for platform %s (use --all-platforms)",
			    cn_platform_format(&host, buf, sizeof(buf)));
}

static char *describe_child(const struct cn_descriptor *d)
{
	if (!d->os || !d->architecture)
		return xstrdup("index child");
	return xasprintf("index child (%s/%s%s%s)", d->os, d->architecture, d->variant ? "/" : "",
			 d->variant ? d->variant : "");
}

/* The images to push for `top`: itself, the host's child, or every child. */
static int load_children(struct push *p, const struct image *top, struct image **ret, size_t *ret_n,
			 struct cn_error *err)
{
	const struct cn_manifest *idx = top->m;
	size_t first = 0, n = idx->n_manifests;
	int r = 0;
	if (!p->opts->all_platforms) {
		r = host_child(idx, &first, err);
		n = 1;
	}
	if (r < 0)
		return r;
	if (n == 0)
		return cn_error_set(err, -EBADMSG, "the index has no manifests");
	struct image *images = xcalloc(n, sizeof(*images));
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct cn_descriptor *d = &idx->manifests[first + i];
		cleanup_free char *what = describe_child(d);
		r = load_image(p, &d->digest, d->media_type, what, &images[i], err);
		if (r >= 0 && images[i].m->kind != CN_MANIFEST_IMAGE)
			r = cn_error_set(err, -EMEDIUMTYPE, "nested index %s is not supported",
					 d->digest.str);
	}
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			image_release(&images[i]);
		free(images);
		return r;
	}
	*ret = images;
	*ret_n = n;
	return 0;
}

/* Layers of every image first (in parallel), then the configs, so a registry never sees a
 * config before the layers it describes; manifests follow. */
static int push_blobs(struct push *p, struct image *images, size_t n, struct cn_error *err)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < images[i].m->n_layers; k++)
			add_job(p, &images[i].m->layers[k], true);
	int r = run_jobs(p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		add_job(p, &images[i].m->config, false);
	return run_jobs(p, err);
}

static int put_manifest(struct push *p, struct cn_http *h, const struct image *im,
			const char *reference, struct cn_error *err)
{
	return cn_registry_put_manifest(p->reg, h, p->repo, reference, im->m->media_type,
					im->raw.buf, im->raw.len, err);
}

static int push_image(struct push *p, struct cn_http *h, const struct cn_reference *ref,
		      const struct cn_store_tag *tag, struct cn_error *err)
{
	struct image top = { STRBUF_INIT, { 0 }, NULL };
	struct image *images = NULL;
	size_t n = 0;
	const char *target = ref->tag ? ref->tag : ref->digest;
	int r = load_top(p, tag, &top, err);
	if (r >= 0 && top.m->kind == CN_MANIFEST_INDEX) {
		r = load_children(p, &top, &images, &n, err);
	} else if (r >= 0) {
		images = xcalloc(1, sizeof(*images));
		images[0] = top;
		top = (struct image){ STRBUF_INIT, { 0 }, NULL };
		n = 1;
	}
	const struct cn_push_observer *o = p->opts->observer;
	if (r >= 0 && o && o->resolved) {
		cleanup_free char *repo_name = cn_reference_name(ref);
		o->resolved(o->userdata, repo_name, target);
	}
	if (r >= 0)
		r = push_blobs(p, images, n, err);
	bool whole_index = top.m && p->opts->all_platforms;
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = put_manifest(p, h, &images[i], whole_index ? images[i].digest.str : target,
				 err);
	if (r >= 0 && whole_index)
		r = put_manifest(p, h, &top, target, err);
	if (r >= 0) {
		const struct image *pushed = whole_index ? &top : &images[0];
		p->res->digest = pushed->digest;
		p->res->size = pushed->raw.len;
	}
	for (size_t i = 0; i < n; i++)
		image_release(&images[i]);
	free(images);
	image_release(&top);
	return r;
}

int cn_push(struct cn_store *store, const char *reference, const struct cn_push_options *opts,
	    struct cn_push_result *ret, struct cn_error *err)
{
	cleanup_reference struct cn_reference ref = { 0 };
	struct cn_registry_options ropts = { .config_dir = opts->config_dir,
					     .insecure = opts->insecure };
	struct cn_push_result res = { 0 };
	struct push p = { .store = store, .opts = opts, .res = &res };
	struct cn_store_tag tag = { 0 };
	struct cn_http h = { 0 };
	int r = cn_reference_parse(reference, &ref, err);
	if (r < 0)
		return r;
	p.repo = ref.path;
	p.domain = ref.domain;
	res.name = entry_name(&ref);
	cn_workers_init(&p.workers, run_job, &p);
	r = find_entry(&p, res.name, &tag, err);
	if (r >= 0)
		r = cn_registry_new(ref.domain, &ropts, &p.reg, err);
	if (r >= 0)
		r = cn_http_init(&h);
	if (r >= 0)
		r = cn_registry_ping(p.reg, &h, err);
	if (r >= 0)
		r = push_image(&p, &h, &ref, &tag, err);
	cn_http_release(&h);
	cn_store_tag_release(&tag);
	cn_workers_release(&p.workers);
	free(p.known);
	for (size_t i = 0; i < p.n_repos; i++)
		free(p.repos[i]);
	free(p.repos);
	cn_registry_free(p.reg);
	if (r < 0) {
		cn_push_result_release(&res);
		return r;
	}
	*ret = res;
	return 0;
}

void cn_push_result_release(struct cn_push_result *r)
{
	free(r->name);
	r->name = NULL;
}
