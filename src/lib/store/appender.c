/* Background appending: a ring of buffers drained in order by one thread (see appender.h). */
#include "lib/store/appender.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/alloc.h"

/* One buffer being filled and two queued: enough to ride out a flush of the device cache. */
#define RING 3

struct cn_appender {
	cn_appender_write_fn write;
	void *userdata;
	size_t buf_size;
	unsigned char *bufs[RING];
	size_t lens[RING];
	unsigned fill;	      /* the buffer being filled; only the producer uses it */
	pthread_mutex_t lock; /* guards what follows */
	pthread_cond_t cond;  /* `queued` went down, or there is work (or `quit`) for the thread */
	unsigned head;	      /* the oldest queued buffer */
	unsigned queued;      /* submitted and not yet written: head, head + 1, ... */
	int error;	      /* first write error */
	bool quit;
	bool started;
	pthread_t thread;
};

/* The thread never looks at the slot being filled. */
static int alloc_fill(struct cn_appender *a)
{
	if (!a->bufs[a->fill])
		a->bufs[a->fill] = malloc(a->buf_size);
	return a->bufs[a->fill] ? 0 : -ENOMEM;
}

int cn_appender_new(size_t buf_size, cn_appender_write_fn write, void *userdata,
		    struct cn_appender **ret)
{
	struct cn_appender *a = xcalloc(1, sizeof(*a));
	a->write = write;
	a->userdata = userdata;
	a->buf_size = buf_size;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	int r = alloc_fill(a);
	if (r < 0) {
		cn_appender_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

unsigned char *cn_appender_buffer(const struct cn_appender *a)
{
	return a->bufs[a->fill];
}

/* Writes the oldest queued buffer, unlocked; the lock is held on entry and on return. */
static void write_head(struct cn_appender *a)
{
	unsigned i = a->head;
	bool skip = a->error != 0;
	pthread_mutex_unlock(&a->lock);
	int r = skip ? 0 : a->write(a->userdata, a->bufs[i], a->lens[i]);
	pthread_mutex_lock(&a->lock);
	if (r < 0 && !a->error)
		a->error = r;
	a->head = (a->head + 1) % RING;
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
	a->lens[a->fill] = len;
	a->fill = (a->fill + 1) % RING;
	a->queued++;
	if (!a->started)
		a->started = pthread_create(&a->thread, NULL, drain, a) == 0;
	if (a->started) {
		pthread_cond_broadcast(&a->cond);
		while (a->queued == RING)
			pthread_cond_wait(&a->cond, &a->lock);
	} else {
		write_head(a); /* no thread (EAGAIN): write here, in order all the same */
	}
	int r = a->error;
	pthread_mutex_unlock(&a->lock);
	return r < 0 ? r : alloc_fill(a);
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
