/* Background appending: a ring of buffers drained by one thread (see appender.h). */
#include "lib/store/appender.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/alloc.h"

/* Two buffers in flight absorb a slow write without stalling the producer. */
#define RING 16
static unsigned ring(void) { static unsigned n; if (!n) { const char *e = getenv("CAIRN_RING"); n = e ? (unsigned)atoi(e) : 3; } return n; }

struct cn_appender {
	cn_appender_write_fn write;
	void *userdata;
	size_t buf_size, align;
	unsigned char *bufs[RING];
	size_t lens[RING];
	pthread_mutex_t lock;
	pthread_cond_t cond; /* `queued` went down, or there is work or `quit` for the thread */
	unsigned head;       /* the oldest queued buffer */
	unsigned queued;     /* buffers submitted and not yet written; the current one is next */
	int error;           /* first write error, sticky */
	bool quit;
	bool started;
	pthread_t thread;
};

static unsigned current(const struct cn_appender *a)
{
	return (a->head + a->queued) % ring();
}

static int alloc_current(struct cn_appender *a)
{
	unsigned i = current(a);
	void *p = NULL;
	if (a->bufs[i])
		return 0;
	int r = posix_memalign(&p, a->align, a->buf_size);
	if (r != 0)
		return -r;
	a->bufs[i] = p;
	return 0;
}

int cn_appender_new(size_t buf_size, size_t align, cn_appender_write_fn write, void *userdata,
		    struct cn_appender **ret)
{
	struct cn_appender *a = xcalloc(1, sizeof(*a));
	a->write = write;
	a->userdata = userdata;
	a->buf_size = buf_size;
	a->align = align;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	int r = alloc_current(a);
	if (r < 0) {
		cn_appender_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

unsigned char *cn_appender_buffer(const struct cn_appender *a)
{
	return a->bufs[current(a)];
}

/* Writes the oldest queued buffer; the lock is held on entry and on return. */
static void write_head(struct cn_appender *a)
{
	unsigned i = a->head;
	bool skip = a->error != 0;
	pthread_mutex_unlock(&a->lock);
	int r = skip ? 0 : a->write(a->userdata, a->bufs[i], a->lens[i]);
	pthread_mutex_lock(&a->lock);
	if (r < 0 && !a->error)
		a->error = r;
	a->head = (a->head + 1) % ring();
	a->queued--;
	pthread_cond_broadcast(&a->cond);
}

static void *drain(void *userdata)
{
	struct cn_appender *a = userdata;
	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->queued && !a->quit)
			pthread_cond_wait(&a->cond, &a->lock);
		if (!a->queued)
			break;
		write_head(a);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

int cn_appender_submit(struct cn_appender *a, size_t len)
{
	pthread_mutex_lock(&a->lock);
	a->lens[current(a)] = len;
	a->queued++;
	if (!a->started)
		a->started = pthread_create(&a->thread, NULL, drain, a) == 0;
	if (a->started) {
		pthread_cond_broadcast(&a->cond);
		while (a->queued == ring())
			pthread_cond_wait(&a->cond, &a->lock);
	} else {
		write_head(a); /* no thread (EAGAIN): write in the caller, in order all the same */
	}
	int r = a->error;
	pthread_mutex_unlock(&a->lock);
	return r < 0 ? r : alloc_current(a);
}

int cn_appender_wait(struct cn_appender *a)
{
	pthread_mutex_lock(&a->lock);
	while (a->queued)
		pthread_cond_wait(&a->cond, &a->lock);
	int r = a->error;
	pthread_mutex_unlock(&a->lock);
	return r;
}

struct cn_appender *cn_appender_free(struct cn_appender *a)
{
	if (!a)
		return NULL;
	if (a->started) {
		pthread_mutex_lock(&a->lock);
		a->quit = true;
		pthread_cond_broadcast(&a->cond);
		pthread_mutex_unlock(&a->lock);
		pthread_join(a->thread, NULL);
	}
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	for (unsigned i = 0; i < RING; i++)
		free(a->bufs[i]);
	free(a);
	return NULL;
}
