#include "lib/registry/workers.h"

#include <stdlib.h>

#include "base/alloc.h"
#include "base/cleanup.h"

void cn_workers_init(struct cn_workers *w, cn_workers_run_fn run, void *userdata)
{
	*w = (struct cn_workers){ .run = run, .userdata = userdata };
	pthread_mutex_init(&w->lock, NULL);
}

void cn_workers_release(struct cn_workers *w)
{
	pthread_mutex_destroy(&w->lock);
	free(w->jobs);
	w->jobs = NULL;
}

const struct cn_blob_job *cn_workers_add(struct cn_workers *w, const struct cn_descriptor *d,
					 bool is_layer)
{
	for (size_t i = 0; i < w->n_jobs; i++)
		if (cn_digest_equal(&w->jobs[i].desc->digest, &d->digest))
			return NULL;
	ALLOC_GROW(w->jobs, w->n_jobs + 1, w->alloc_jobs);
	w->jobs[w->n_jobs] = (struct cn_blob_job){ d, is_layer };
	return &w->jobs[w->n_jobs++];
}

void cn_workers_fail(struct cn_workers *w, int r, const struct cn_error *err)
{
	if (!w->first_error) {
		w->first_error = r;
		w->error = *err;
	}
}

static void *worker(void *arg)
{
	struct cn_workers *w = arg;
	struct cn_http h;
	if (cn_http_init(&h) < 0)
		return NULL;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		const struct cn_blob_job *j = NULL;
		if (!w->first_error && w->next_job < w->n_jobs)
			j = &w->jobs[w->next_job++];
		pthread_mutex_unlock(&w->lock);
		if (!j)
			break;
		w->run(w->userdata, &h, j);
	}
	cn_http_release(&h);
	return NULL;
}

unsigned cn_workers_threads(const struct cn_workers *w, unsigned want)
{
	size_t pending = w->n_jobs - w->next_job;
	unsigned n = MIN(want, CN_WORKERS_MAX_THREADS);
	return n > pending ? (unsigned)pending : n;
}

int cn_workers_run(struct cn_workers *w, unsigned want, struct cn_error *err)
{
	unsigned n = cn_workers_threads(w, want);
	pthread_t threads[CN_WORKERS_MAX_THREADS];
	unsigned started = 0;
	for (; started < n; started++)
		if (pthread_create(&threads[started], NULL, worker, w) != 0)
			break;
	if (started == 0 && w->next_job < w->n_jobs)
		(void)worker(w);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (w->first_error) {
		*err = w->error;
		return w->first_error;
	}
	return 0;
}
