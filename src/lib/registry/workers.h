/*
 * A queue of blob transfers (pull and push) run in batches on up to a fixed number of threads,
 * each thread with its own cn_http handle. Jobs are deduplicated by digest across batches; the
 * first failure stops the workers from taking further jobs and is what the batch returns.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "lib/image/manifest.h"
#include "lib/registry/http.h"

#define CN_WORKERS_MAX_THREADS 32

struct cn_blob_job {
	const struct cn_descriptor *desc; /* borrowed: outlives the queue */
	bool is_layer;
};

struct cn_workers;
/* Runs one job on the calling worker's handle `h`, without `lock` held; takes `lock` itself
 * for shared state and reports a failure with cn_workers_fail(). */
typedef void (*cn_workers_run_fn)(void *userdata, struct cn_http *h, const struct cn_blob_job *j);

struct cn_workers {
	/* Serializes the queue and first_error; callbacks use it for their own shared state too
	 * (counters, observer calls). */
	pthread_mutex_t lock;
	struct cn_blob_job *jobs;
	size_t n_jobs, alloc_jobs, next_job; /* jobs[next_job..n_jobs) are not started yet */
	int first_error;
	struct cn_error error;
	cn_workers_run_fn run;
	void *userdata;
};

void cn_workers_init(struct cn_workers *w, cn_workers_run_fn run, void *userdata);
void cn_workers_release(struct cn_workers *w);

/* Queues `d` unless a job for its digest was queued already (in this batch or an earlier one).
 * Returns the new job (valid until the next add) or NULL for a duplicate. */
const struct cn_blob_job *cn_workers_add(struct cn_workers *w, const struct cn_descriptor *d,
					 bool is_layer);

/* How many threads cn_workers_run() starts for `want`: at most CN_WORKERS_MAX_THREADS and no
 * more than the jobs pending. */
unsigned cn_workers_threads(const struct cn_workers *w, unsigned want);

/* Runs the jobs queued since the last call on cn_workers_threads(w, want) threads (on the
 * calling thread when none can be started) and waits for them. Returns 0, or the first job
 * failure with its error copied into err. */
int cn_workers_run(struct cn_workers *w, unsigned want, struct cn_error *err);

/* Records a job's failure; call with `lock` held. Only the first one is kept. */
void cn_workers_fail(struct cn_workers *w, int r, const struct cn_error *err);
