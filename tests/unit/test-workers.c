/* The blob job pool shared by pull and push (lib/registry/workers.h). */
#include <errno.h>
#include <pthread.h>

#include "lib/registry/workers.h"
#include "test.h"

struct tally {
	struct cn_workers *w;
	int runs;
	int fail_at; /* the job index (by digest order) that fails, or -1 */
	bool seen[8];
	bool no_handle; /* a job ran without its worker's cn_http */
};

static void descriptors(struct cn_descriptor *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char data[2] = { (char)('a' + i), 0 };
		d[i] = (struct cn_descriptor){ .size = 1 };
		cn_digest_of(CN_DIGEST_SHA256, data, 1, &d[i].digest);
	}
}

static struct cn_descriptor descs[8];

static void count_job(void *userdata, struct cn_http *h, const struct cn_blob_job *j)
{
	struct tally *t = userdata;
	size_t i = (size_t)(j->desc - descs);
	pthread_mutex_lock(&t->w->lock); /* not ASSERT here: this is a worker thread */
	t->no_handle |= !h || !h->curl;
	t->runs++;
	t->seen[i] = true;
	if ((int)i == t->fail_at) {
		struct cn_error err = CN_ERROR_INIT;
		(void)cn_error_set(&err, -EPROTO, "job %zu failed", i);
		cn_workers_fail(t->w, -EPROTO, &err);
	}
	pthread_mutex_unlock(&t->w->lock);
}

TEST(add_dedups_and_batches_run_once)
{
	struct cn_workers w;
	struct tally t = { .w = &w, .fail_at = -1 };
	struct cn_error err = CN_ERROR_INIT;
	descriptors(descs, 8);
	cn_workers_init(&w, count_job, &t);
	ASSERT_TRUE(cn_workers_add(&w, &descs[0], true) != NULL);
	ASSERT_TRUE(cn_workers_add(&w, &descs[1], false) != NULL);
	struct cn_descriptor same = descs[0];
	ASSERT_NULL(cn_workers_add(&w, &same, true));
	ASSERT_EQ(cn_workers_threads(&w, 5), 2);
	ASSERT_EQ(cn_workers_threads(&w, 1), 1);
	ASSERT_OK(cn_workers_run(&w, 5, &err));
	ASSERT_EQ(t.runs, 2);
	ASSERT_EQ(cn_workers_threads(&w, 5), 0);
	/* a second batch runs only what was queued since */
	ASSERT_NULL(cn_workers_add(&w, &descs[1], false));
	for (size_t i = 2; i < 8; i++)
		ASSERT_TRUE(cn_workers_add(&w, &descs[i], true) != NULL);
	ASSERT_EQ(cn_workers_threads(&w, 100), 6);
	ASSERT_OK(cn_workers_run(&w, 100, &err));
	ASSERT_EQ(t.runs, 8);
	for (size_t i = 0; i < 8; i++)
		ASSERT_TRUE(t.seen[i]);
	ASSERT_FALSE(t.no_handle);
	ASSERT_OK(cn_workers_run(&w, 3, &err)); /* nothing pending */
	cn_workers_release(&w);
}

TEST(first_failure_stops_and_is_returned)
{
	struct cn_workers w;
	struct tally t = { .w = &w, .fail_at = 1 };
	struct cn_error err = CN_ERROR_INIT;
	descriptors(descs, 8);
	cn_workers_init(&w, count_job, &t);
	for (size_t i = 0; i < 8; i++)
		(void)cn_workers_add(&w, &descs[i], true);
	/* one thread: jobs run in order, none after the failing one */
	ASSERT_ERR(cn_workers_run(&w, 1, &err), -EPROTO);
	ASSERT_STREQ(err.msg, "job 1 failed");
	ASSERT_EQ(t.runs, 2);
	cn_workers_release(&w);
}
